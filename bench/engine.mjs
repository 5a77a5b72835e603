// bench/engine: `vqmon analyze` (all detectors) against FFmpeg on one clip, interleaved and
// repeated: decode only (`ffmpeg -i clip -f null -`, the ceiling for a decoder-bound
// monitor), vqmon's own decoding alone (node-av, bench/suite/decode-only.mjs) and the
// filter chain a user would run instead. Kept as a shortcut: it is the throughput section
// of the suite (bench/run.mjs, bench/suite/throughput.mjs) on one clip.
// Prints a table with medians, spreads and ratios; writes bench/results/engine.json.
//
//   node bench/engine.mjs [--runs 5] [--clip file] [--no-peer]
// Without --clip: the suite's generated 1080p30 H.264 clip (30 s).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { clipLine, fps, table, x } from './lib/report.mjs';
import { corpus, probeClip } from './suite/corpus.mjs';
import { machineFacts } from './suite/machine.mjs';
import { measureThroughput } from './suite/throughput.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const runs = Number(opt('--runs', '5'));
const file = opt('--clip', null);
const clip = file ? { id: file, label: file, source: 'file', file, ...probeClip(file) } : corpus(root, { quick: false, only: ['h264-1080p30'] })[0];
const machine = await machineFacts();
const wanted = new Set(['ffmpeg-decode', 'decode-only', 'vqmon-all', ...(args.includes('--no-peer') ? [] : ['ffmpeg-peer'])]);
const cases = await measureThroughput(root, clip, { set: 'core', runs, log: (l) => process.stderr.write(`${l}\n`), keep: (c) => wanted.has(c.id) });
console.log(`${clipLine(clip)}; ${machine.cpu}, ${machine.vcpus} vCPUs; ${runs} runs, interleaved`);
console.log(table(['case', 'frames/s (median)', 'min-max', 'ratio to ffmpeg decode', 'peak RSS MiB'],
  cases.map((c) => [c.label, fps(c.fps.median), `${fps(c.fps.min)}-${fps(c.fps.max)}`, x(c.ratio), c.peakRssMiB?.toFixed(0)])));
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/engine.json'), JSON.stringify({ clip, machine, date: new Date().toISOString(), cases }, null, 2));
