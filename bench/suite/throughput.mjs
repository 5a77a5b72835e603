// Throughput on each clip, side by side in one run, each case as a ratio to `ffmpeg -i X
// -f null -` measured in the same run: decode only (FFmpeg, and node-av as vqmon uses
// it), the FFmpeg filter chain a user would run instead and each of its filters alone, and
// `vqmon analyze` with every detector, with one, and with the kernels forced to scalar.
// Runs are interleaved (case A, B, C, A, B, C, ...) so that a change in the machine's
// load falls on every case alike; each case reports the median, min and max frames/s and
// the peak RSS of its process.
import { join } from 'node:path';

import { rateSummary, ratio } from '../lib/stats.mjs';
import { timed } from './proc.mjs';

const quiet = ['-hide_banner', '-loglevel', 'error', '-nostats'];

/**
 * The cases for a clip. set 'all': every case; 'core': decode (both), the peer, vqmon with
 * all detectors and with scalar kernels; 'min': ffmpeg decode, the peer and vqmon.
 */
export function throughputCases(root, clip, { set }) {
  const all = set === 'all';
  const ffmpeg = (extra) => ({ cmd: 'ffmpeg', args: [...quiet, '-i', clip.file, ...extra, '-f', 'null', '-'] });
  const vqmon = (extra = [], env = {}) => ({ cmd: process.execPath, args: [join(root, 'dist/cli.js'), 'analyze', clip.file, '--json', ...extra], env, okCodes: [0, 1] });
  const vf = ['freezedetect', 'blockdetect', 'blackdetect'];
  const cases = [
    { id: 'ffmpeg-decode', label: 'ffmpeg decode only (-f null)', short: 'ffmpeg decode', group: 'decode', baseline: true, ...ffmpeg([]) },
    { id: 'decode-only', label: 'node-av decode only (as vqmon decodes)', short: 'node-av decode', group: 'decode',
      cmd: process.execPath, args: [join(root, 'bench/suite/decode-only.mjs'), clip.file] },
    { id: 'ffmpeg-peer', label: `ffmpeg ${vf.join(',')}${clip.audio ? ' + silencedetect' : ''}`, short: 'ffmpeg peer (all filters)', group: 'peer',
      ...ffmpeg(['-vf', vf.join(','), ...(clip.audio ? ['-af', 'silencedetect'] : [])]) },
    ...(all ? [...vf.map((f) => ({ id: `ffmpeg-${f}`, label: `ffmpeg ${f} alone`, short: f, group: 'peer', extra: true, ...ffmpeg(['-vf', f]) })),
      ...(clip.audio ? [{ id: 'ffmpeg-silencedetect', label: 'ffmpeg silencedetect alone', short: 'silencedetect', group: 'peer', extra: true, ...ffmpeg(['-af', 'silencedetect']) }] : [])] : []),
    { id: 'vqmon-all', label: 'vqmon analyze, all detectors', short: 'vqmon, all detectors', group: 'vqmon', ...vqmon() },
    ...(all ? [{ id: 'vqmon-freeze', label: 'vqmon analyze --only freeze', short: 'vqmon, freeze only', group: 'vqmon', extra: true, ...vqmon(['--only', 'freeze']) }] : []),
    { id: 'vqmon-scalar', label: 'vqmon analyze, all, VQMON_SIMD=scalar', short: 'vqmon, scalar kernels', group: 'vqmon', ...vqmon([], { VQMON_SIMD: 'scalar' }) },
  ];
  const min = new Set(['ffmpeg-decode', 'ffmpeg-peer', 'vqmon-all']);
  return set === 'min' ? cases.filter((c) => min.has(c.id)) : cases;
}

/**
 * Measures every case on `clip`, `runs` times interleaved (`extraRuns` for the one-filter
 * and one-detector variants). Returns the cases with their frames/s summary, ratio to the
 * baseline, peak RSS and the raw seconds.
 */
export async function measureThroughput(root, clip, { set, runs, extraRuns = runs, log, keep = () => true }) {
  const cases = throughputCases(root, clip, { set }).filter(keep);
  const seconds = cases.map(() => []), rss = cases.map(() => []);
  for (let r = 0; r < runs; r++) {
    for (const [i, c] of cases.entries()) {
      if (c.extra && r >= extraRuns) continue;
      const t = await timed(c.cmd, c.args, { env: c.env, okCodes: c.okCodes });
      seconds[i].push(t.seconds);
      if (t.peakRssMiB !== null) rss[i].push(t.peakRssMiB);
    }
    log(`  ${clip.label}: run ${r + 1}/${runs}`);
  }
  const rows = cases.map((c, i) => ({ id: c.id, label: c.label, short: c.short, group: c.group, fps: rateSummary(clip.frames, seconds[i]),
    peakRssMiB: rss[i].length ? Math.max(...rss[i]) : null, seconds: seconds[i] }));
  const base = rows.find((r) => cases.find((c) => c.id === r.id)?.baseline)?.fps.median ?? null;
  return rows.map((r) => ({ ...r, ratio: ratio(r.fps.median, base) }));
}
