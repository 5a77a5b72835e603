// The kernels alone (native/bench/kernel_bench.cpp, built here with cmake): frames/s of
// every kernel at every SIMD level at 720p, 1080p and 2160p, next to the memory-bound
// references measured in the same run (a SAD of two planes streamed from DRAM, the same
// with the previous frame cached, memcpy), then the fused pass called through the addon in
// batches, as a ratio to the kernels called directly. One thread.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

import { native } from '../../dist/index.js';
import { median } from '../lib/stats.mjs';

const SIZES = { '720p': [1280, 720], '1080p': [1920, 1080], '2160p': [3840, 2160] };

/** Builds the kernel benchmark; returns its path, or throws with cmake's output. */
function build(root, verbose) {
  const dir = join(root, 'build-native');
  const bin = join(dir, 'vqmon_kernel_bench');
  const stdio = verbose ? 'inherit' : 'pipe';
  for (const args of [['-S', '.', '-B', dir, '-DCMAKE_BUILD_TYPE=Release'], ['--build', dir, '-j', String(availableParallelism()), '--target', 'vqmon_kernel_bench']]) {
    const r = spawnSync('cmake', args, { cwd: root, stdio, encoding: 'utf8' });
    if (r.error) throw new Error(`cmake is not installed (${r.error.message}); scripts/setup.sh installs it`);
    if (r.status !== 0) throw new Error(`cmake ${args.join(' ')} failed:\n${(r.stdout ?? '') + (r.stderr ?? '')}`.slice(-3000));
  }
  if (!existsSync(bin)) throw new Error(`no ${bin} after the build`);
  return bin;
}

/** The fused pass through the addon: 1080p yuv420p frames in batches of 32, prev and ref carried. */
function addonRate(quick) {
  const w = 1920, h = 1080, n = 64, batch = 32;
  const frames = Array.from({ length: n }, (_, i) => {
    const y = new Uint8Array(w * h), u = new Uint8Array((w * h) / 4), v = new Uint8Array((w * h) / 4);
    let s = i + 1;
    for (const p of [y, u, v]) for (let k = 0; k < p.length; k++) { s = (s * 1103515245 + 12345) >>> 0; p[k] = s >>> 24; }
    return { width: w, height: h, format: 'yuv420p', data: [y, u, v], linesize: [w, w / 2, w / 2] };
  });
  const out = new Float64Array(batch * native.videoLayout().rowWidth);
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
  const runs = Array.from({ length: quick ? 3 : 5 }, () => rate(quick ? 0.5 : 1.5));
  return { fps: median(runs), runs, batch, level: native.simdLevel() };
}

/**
 * Runs the kernel benchmark. `echo`: where its table goes ('inherit' prints it on stdout,
 * 'stderr' as progress). Returns the raw rows, a summary per size and the addon figure.
 */
export function runKernels(root, { quick, levels, echo = 'stderr', verbose = false }) {
  const bin = build(root, verbose);
  const outDir = join(root, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  const json = join(outDir, 'kernels.json');
  const r = spawnSync(bin, [...(quick ? ['--quick'] : []), '--json', json, ...(levels ? ['--levels', levels] : [])],
    { cwd: root, stdio: ['ignore', echo === 'inherit' ? 'inherit' : 2, 'inherit'] });
  if (r.status !== 0) throw new Error(`${bin} failed (exit ${r.status})`);
  const raw = JSON.parse(readFileSync(json, 'utf8'));
  const addon = addonRate(quick);
  return { best: raw.best, results: raw.results, summary: summarizeKernels(raw), addon: { ...addon, ...addonVsDirect(raw, addon.fps) } };
}

/**
 * Per size: the references (SAD from DRAM, SAD with prev cached, memcpy in GB/s of luma)
 * and, per SIMD level, the fused frame pass (luma then 4:2:0 chroma) in frames/s and as a
 * ratio to the SAD from DRAM.
 */
export function summarizeKernels(raw) {
  const rows = raw.results.filter((r) => r.size in SIZES);
  return Object.entries(SIZES).filter(([size]) => rows.some((r) => r.size === size)).map(([size, [w, h]]) => {
    const pick = (kernel, level) => rows.find((r) => r.size === size && r.kernel === kernel && (!level || r.level === level))?.fps ?? null;
    const sad = pick('ref:sad_from_dram'), hot = pick('ref:sad_prev_cached'), memcpy = pick('ref:memcpy');
    const levels = [...new Set(rows.filter((r) => r.size === size && r.kernel === 'luma_fused').map((r) => r.level))];
    return {
      size, sadFromDramFps: sad, sadPrevCachedFps: hot, memcpyGBs: memcpy === null ? null : (memcpy * w * h) / 1e9,
      levels: levels.map((level) => {
        const l = pick('luma_fused', level), c = pick('chroma_fused(420)', level);
        const fused = l && c ? 1 / (1 / l + 1 / c) : null;
        return { level, fusedFps: fused, lumaFps: l, chromaFps: c, ratioToSadDram: fused && sad ? fused / sad : null };
      }),
    };
  });
}

function addonVsDirect(raw, addonFps) {
  const pick = (k) => raw.results.find((r) => r.size === '1080p' && r.kernel === k && r.level === raw.best)?.fps;
  const l = pick('luma_fused'), c = pick('chroma_fused(420)');
  const direct = l && c ? 1 / (1 / l + 1 / c) : null;
  return { directFps: direct, ratio: direct ? addonFps / direct : null };
}
