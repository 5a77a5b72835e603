// Throughput against cores: `vqmon analyze` (all detectors) and `ffmpeg -i X -f null -`
// on the same clip, each pinned with taskset to the first k CPUs this process may use, for
// k = 1, 2, 4, ... and all of them. Node, libuv and FFmpeg size their threads from the
// CPUs they may run on, so a pinned run is the program as it would run on a k-core
// machine. Without taskset the runs are not pinned: vqmon gets --threads k, ffmpeg
// -threads k (the report says so).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { coreSteps, rateSummary, scaling } from '../lib/stats.mjs';
import { allowedCpus } from './machine.mjs';
import { timed } from './proc.mjs';

export async function measureScaling(root, clip, { runs, log }) {
  const cpus = allowedCpus();
  const pinned = spawnSync('taskset', ['-c', String(cpus[0]), 'true']).status === 0;
  const steps = coreSteps(cpus.length);
  const run = (k, cmd, args, extra) => {
    if (pinned) return timed('taskset', ['-c', cpus.slice(0, k).join(','), cmd, ...args], { okCodes: [0, 1] });
    return timed(cmd, [...args, ...extra], { okCodes: [0, 1] });
  };
  const vq = steps.map(() => []), ff = steps.map(() => []);
  for (let r = 0; r < runs; r++) {
    for (const [i, k] of steps.entries()) {
      vq[i].push((await run(k, process.execPath, [join(root, 'dist/cli.js'), 'analyze', clip.file, '--json'], ['--threads', String(k)])).seconds);
      ff[i].push((await run(k, 'ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostats', ...(pinned ? [] : ['-threads', String(k)]), '-i', clip.file, '-f', 'null', '-'], [])).seconds);
    }
    log(`  scaling: run ${r + 1}/${runs}`);
  }
  const vqmon = scaling(steps.map((k, i) => ({ cores: k, fps: rateSummary(clip.frames, vq[i]).median })));
  const ffmpeg = scaling(steps.map((k, i) => ({ cores: k, fps: rateSummary(clip.frames, ff[i]).median })));
  return { clip: clip.id, pinned, cpus: cpus.slice(0, steps.at(-1)), vqmon, ffmpeg,
    spread: { vqmon: steps.map((_, i) => rateSummary(clip.frames, vq[i]).spread), ffmpeg: steps.map((_, i) => rateSummary(clip.frames, ff[i]).spread) } };
}
