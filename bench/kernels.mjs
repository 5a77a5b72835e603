// bench/kernels: every kernel at every SIMD level, frames/s at 720p/1080p/2160p, as ratios
// to the memory-bound references measured in the same run (native/bench/kernel_bench.cpp),
// then the same fused pass called through the addon in batches, to show what the N-API
// layer costs. One thread.
//
//   npm run bench:kernels [-- --quick] [-- --levels sse2,avx2]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { native } from '../dist/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const build = join(root, 'build-native');
const bin = join(build, 'vqmon_kernel_bench');

function sh(cmd, cmdArgs) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${cmdArgs.join(' ')} failed`);
}

sh('cmake', ['-S', '.', '-B', build, '-DCMAKE_BUILD_TYPE=Release']);
sh('cmake', ['--build', build, '-j', String(cpus().length), '--target', 'vqmon_kernel_bench']);
if (!existsSync(bin)) throw new Error(`no ${bin}`);

const outDir = join(root, 'bench/results');
mkdirSync(outDir, { recursive: true });
const json = join(outDir, 'kernels.json');
console.log(`machine: ${cpus()[0]?.model} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, best SIMD ${native.simdLevels().at(-1)}`);
sh(bin, [...(quick ? ['--quick'] : []), '--json', json, ...args.filter((a) => a !== '--quick')]);

// Through the addon: 1080p yuv420p frames in batches of 32, prev and ref carried.
const w = 1920, h = 1080, n = 64, batch = 32;
const frames = Array.from({ length: n }, (_, i) => {
  const y = new Uint8Array(w * h), u = new Uint8Array((w * h) / 4), v = new Uint8Array((w * h) / 4);
  let s = i + 1;
  for (const p of [y, u, v]) for (let k = 0; k < p.length; k++) { s = (s * 1103515245 + 12345) >>> 0; p[k] = s >>> 24; }
  return { width: w, height: h, format: 'yuv420p', data: [y, u, v], linesize: [w, w / 2, w / 2] };
});
const layout = native.videoLayout();
const out = new Float64Array(batch * layout.rowWidth);
const rate = (seconds) => {
  let done = 0, prev = null, ref = null;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const start = done % n;
    const chunk = frames.slice(start, start + batch);
    const r = native.analyzeVideo({ frames: chunk, prev, ref }, out);
    if (r >= 0) ref = chunk[r];
    prev = chunk[chunk.length - 1];
    done += chunk.length;
  }
  return done / ((performance.now() - t0) / 1000);
};
rate(0.2);
const results = [];
for (let i = 0; i < (quick ? 3 : 5); i++) results.push(rate(quick ? 0.5 : 1.5));
results.sort((a, b) => a - b);
const addonFps = results[Math.floor(results.length / 2)];
const kernel = JSON.parse((await import('node:fs')).readFileSync(json, 'utf8'));
const best = kernel.best;
const pick = (k) => kernel.results.find((r) => r.size === '1080p' && r.kernel === k && r.level === best)?.fps;
const lumaFps = pick('luma_fused'), chromaFps = pick('chroma_fused(420)');
const kernelsOnly = 1 / (1 / lumaFps + 1 / chromaFps);
console.log(`\naddon, 1080p yuv420p, batches of ${batch} (luma + chroma + metric rows, ${native.simdLevel()}): ` +
  `${addonFps.toFixed(0)} frames/s = ${(addonFps / kernelsOnly).toFixed(2)}x the kernels called directly from C++ ` +
  `(${kernelsOnly.toFixed(0)} frames/s)`);
writeFileSync(join(outDir, 'addon.json'), JSON.stringify({ addonFps, kernelsOnly, level: native.simdLevel(), runs: results }, null, 2));
