// bench/kernels: every kernel at every SIMD level, frames/s at 720p/1080p/2160p, as ratios
// to the memory-bound references measured in the same run (native/bench/kernel_bench.cpp),
// then the same fused pass called through the addon in batches, to show what the N-API
// layer costs. One thread. The full suite (bench/run.mjs) runs this as its kernel section.
//
//   npm run bench:kernels [-- --quick] [-- --levels sse2,avx2]
import { cpus, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { native } from '../dist/index.js';
import { runKernels } from './suite/kernels.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const li = args.indexOf('--levels');
console.log(`machine: ${cpus()[0]?.model} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, best SIMD ${native.simdLevels().at(-1)}`);
const k = runKernels(root, { quick: args.includes('--quick'), levels: li >= 0 ? args[li + 1] : undefined, echo: 'inherit', verbose: true });
const a = k.addon;
console.log(`\naddon, 1080p yuv420p, batches of ${a.batch} (luma + chroma + metric rows, ${a.level}): ` +
  `${a.fps.toFixed(0)} frames/s = ${a.ratio?.toFixed(2)}x the kernels called directly from C++ (${a.directFps?.toFixed(0)} frames/s)`);
