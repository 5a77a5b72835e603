#!/usr/bin/env node
// The benchmark suite: vqmon against FFmpeg and the physical limits, the hand-off of
// decoded frames to the kernels, core scaling, fan-out against batching, streams per
// instance, memory, and cost per stream-hour.
// One command on any Linux x86-64 or aarch64 machine set up with scripts/setup.sh:
//
//   npm run bench [-- --quick] [-- --write-results] [-- --instance c7g.2xlarge]
//
// Writes bench/results/latest.json and prints the Markdown report; --write-results also
// writes bench/RESULTS.md and bench/results.svg (committed: the latest numbers of the
// machine that made them, with the command). Sections: bench/suite/*.mjs; pure logic
// (statistics, ramp decisions, cost, report, chart): bench/lib/*.mjs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parseArgs, USAGE } from './lib/args.mjs';
import { checkInstances, costTable } from './lib/cost.mjs';
import { rampStart } from './lib/ramp.mjs';
import { chartData, clipLine, renderReport } from './lib/report.mjs';
import { chartSvg } from './lib/svg.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(`bench: ${e.message}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!existsSync(join(root, 'dist/index.js'))) {
  console.error('bench: dist/ is missing: build first (npm run build:ts, or bash scripts/setup.sh)');
  process.exit(2);
}

// Sections import the built library (and through it the addon and node-av's FFmpeg).
const { corpus, loopedClip } = await import('./suite/corpus.mjs');
const { machineFacts } = await import('./suite/machine.mjs');
const { measureThroughput } = await import('./suite/throughput.mjs');
const { runKernels } = await import('./suite/kernels.mjs');
const { measureHandoff } = await import('./suite/handoff.mjs');
const { measureScaling } = await import('./suite/scaling.mjs');
const { measureFanout } = await import('./suite/fanout.mjs');
const { peerStep, ramp, vqmonStep } = await import('./suite/streams.mjs');
const { judgeStep } = await import('./lib/ramp.mjs');

const quick = args.quick;
const on = (s) => !args.only || args.only.includes(s);
const t0 = performance.now();
const stamp = () => {
  const s = Math.round((performance.now() - t0) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};
const log = (line) => process.stderr.write(`[${stamp()}] ${line}\n`);

function git() {
  const run = (...a) => spawnSync('git', a, { cwd: root, encoding: 'utf8' });
  const head = run('rev-parse', 'HEAD');
  if (head.status !== 0) return null;
  const ours = new Set(['bench/RESULTS.md', 'bench/results.svg']);
  const dirty = run('status', '--porcelain', '--untracked-files=no').stdout.split('\n').map((l) => l.slice(3).trim()).filter((f) => f && !ours.has(f));
  return { commit: head.stdout.trim(), dirty };
}

const npmArgs = process.argv.slice(2);
const results = {
  suite: 'vqmon bench', version: 1,
  command: process.env.npm_lifecycle_event === 'bench' ? `npm run bench${npmArgs.length ? ` -- ${npmArgs.join(' ')}` : ''}`
    : process.env.VQMON_BENCH_COMMAND ?? `node ${relative(process.cwd(), fileURLToPath(import.meta.url)) || 'bench/run.mjs'} ${npmArgs.join(' ')}`.trim(),
  mode: quick ? 'quick' : 'full', startedAt: new Date().toISOString(), durationSec: 0, sectionSec: {},
  git: git(), machine: await machineFacts(), mainClip: 'h264-1080p30', corpus: [], errors: [],
};
log(`vqmon bench (${results.mode}) on ${results.machine.cpu}, ${results.machine.vcpus} vCPUs, ${results.machine.simd}`);

async function section(name, fn) {
  if (!on(name)) return;
  const s0 = performance.now();
  log(`${name}...`);
  try {
    await fn();
  } catch (e) {
    log(`${name} failed: ${e.stack ?? e}`);
    results.errors.push({ section: name, message: String(e.message ?? e) });
  }
  results.sectionSec[name] = Math.round((performance.now() - s0) / 100) / 10;
}

results.corpus = corpus(root, { quick, shared: args.shared });
const clip = (id) => results.corpus.find((c) => c.id === id);
const main = clip(results.mainClip);
for (const c of results.corpus) log(`clip ${c.id}: ${c.codec} ${c.width}x${c.height} ${c.fps.toFixed(2)} fps, ${c.durationSec.toFixed(1)} s, ${c.bitrateMbps} Mbit/s`);

await section('throughput', async () => {
  results.throughput = [];
  for (const c of results.corpus) {
    const isMain = c.id === results.mainClip;
    // Every case on the main clip (and on 720p in a full run); elsewhere decode, the peer and
    // vqmon (and scalar vqmon in a full run): the filters alone at 2160p take minutes a run.
    const set = isMain ? 'all' : quick ? 'min' : c.id === 'h264-720p30' ? 'all' : 'core';
    const runs = args.runs ?? (isMain ? (quick ? 3 : 5) : (quick ? 2 : 3));
    results.throughput.push({ clip: c.id, cases: await measureThroughput(root, c, { set, runs, extraRuns: quick ? Math.min(runs, 2) : runs, log }) });
  }
});

await section('kernels', async () => {
  try {
    results.kernels = runKernels(root, { quick });
  } catch (e) {
    results.kernels = { skipped: String(e.message).split('\n')[0] };
    throw e;
  }
});

await section('handoff', async () => {
  results.handoff = await measureHandoff(main, { quick, log });
});

await section('scaling', async () => {
  // A file long enough for every core to get a segment of its own: 15 s a core (30 to 120 s).
  const seconds = Math.min(120, Math.max(30, 15 * results.machine.vcpus));
  const long = loopedClip(root, main, seconds);
  results.scaling = { ...await measureScaling(root, long, { runs: quick ? 2 : 3, log }), clipLabel: clipLine(long) };
});

await section('fanout', async () => {
  results.fanout = await measureFanout(root, main, { quick, log });
});

// A quick run's ramps stop taking new steps 8 minutes in (the 2160p memory step and the
// cost table follow), so that it ends within 10 minutes on a small, busy machine.
const live = quick ? { warm: 3, window: 6, maxSteps: 4, deadline: t0 + 8 * 60_000 } : { warm: 5, window: 20, maxSteps: 8, deadline: Infinity };
const throughputOf = (clipId, caseId) => results.throughput?.find((t) => t.clip === clipId)?.cases.find((k) => k.id === caseId)?.fps.median ?? null;

await section('streams', async () => {
  results.streams = [];
  for (const id of ['h264-1080p30', 'h264-720p30']) {
    const c = clip(id);
    results.streams.push({ tool: 'vqmon', clip: id, ...await ramp(`vqmon ${c.label}`, (n) => vqmonStep(root, c, n, live),
      { start: rampStart(throughputOf(id, 'vqmon-all'), c.fps), maxSteps: live.maxSteps, deadline: live.deadline, log }) });
    results.streams.push({ tool: 'ffmpeg-peer', clip: id, ...await ramp(`FFmpeg peer ${c.label}`, (n) => peerStep(c, n, live),
      { start: rampStart(throughputOf(id, 'ffmpeg-peer'), c.fps), maxSteps: live.maxSteps, deadline: live.deadline, log }) });
  }
});

await section('memory', async () => {
  results.memory = [];
  for (const s of results.streams ?? []) {
    const best = s.steps.find((k) => k.ok && k.streams === s.streams);
    if (best) results.memory.push({ what: s.tool === 'vqmon' ? 'vqmon live (one process)' : 'FFmpeg peer (a process a stream)', clip: s.clip,
      streams: s.streams, keptUp: true, peakRssMiB: best.peakRssMiB, perStreamMiB: s.rssPerStreamMiB });
  }
  // 2160p: one stream each (it may not keep up on a small machine; the row says).
  const uhd = clip('h264-2160p30');
  const v = await vqmonStep(root, uhd, 1, live);
  if (v.error) throw new Error(`vqmon 2160p stream: ${v.error}`);
  results.memory.push({ what: 'vqmon live (one process)', clip: uhd.id, streams: 1, keptUp: judgeStep(v).ok, peakRssMiB: v.peakRssMiB, perStreamMiB: v.peakRssMiB - v.baseRssMiB });
  const p = await peerStep(uhd, 1, live);
  if (!p.error) results.memory.push({ what: 'FFmpeg peer (a process a stream)', clip: uhd.id, streams: 1, keptUp: judgeStep(p).ok, peakRssMiB: p.peakRssMiB, perStreamMiB: p.perStreamRssMiB });
  // Files: the whole `vqmon analyze` process (a worker a core) and the FFmpeg peer, from the throughput runs.
  for (const id of ['h264-1080p30', 'h264-2160p30']) {
    const t = results.throughput?.find((k) => k.clip === id);
    for (const caseId of ['vqmon-all', 'ffmpeg-peer']) {
      const k = t?.cases.find((x) => x.id === caseId);
      if (k?.peakRssMiB) results.memory.push({ what: `${k.label} (file)`, clip: id, streams: 1, peakRssMiB: k.peakRssMiB, perStreamMiB: k.peakRssMiB });
    }
  }
});

await section('cost', async () => {
  const file = args.instances ? resolve(args.instances) : join(root, 'bench/instances.json');
  const table = JSON.parse(readFileSync(file, 'utf8'));
  const instances = checkInstances(table);
  if (args.instance && !instances.some((i) => i.name === args.instance)) throw new Error(`--instance ${args.instance} is not in ${file}`);
  const here = { vcpus: results.machine.vcpus, arch: results.machine.arch, instance: args.instance };
  const streamsOf = (id, tool) => results.streams?.find((s) => s.clip === id && s.tool === tool)?.streams ?? null;
  results.cost = {
    table: { source: table.source, region: table.region, retrieved: table.retrieved, file: relative(root, file) },
    here,
    resolutions: ['h264-1080p30', 'h264-720p30'].filter((id) => streamsOf(id, 'vqmon') !== null).map((id) => {
      const measured = { vqmon: streamsOf(id, 'vqmon'), 'ffmpeg-peer': streamsOf(id, 'ffmpeg-peer') };
      return { clip: id, label: `${clip(id).label} (${clip(id).bitrateMbps} Mbit/s)`, measured, rows: costTable(instances, measured, here) };
    }),
  };
});

results.durationSec = Math.round((performance.now() - t0) / 1000);
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(renderReport(results));
if (args.writeResults && results.errors.length) {
  log('not writing bench/RESULTS.md: a section failed (see above); the committed results are always a whole run');
} else if (args.writeResults) {
  writeFileSync(join(root, 'bench/RESULTS.md'), `${renderReport(results, { chart: 'results.svg' })}\n`);
  writeFileSync(join(root, 'bench/results.svg'), chartSvg(chartData(results)));
  log('wrote bench/RESULTS.md and bench/results.svg');
}
log(`done in ${(results.durationSec / 60).toFixed(1)} min; bench/results/latest.json${results.errors.length ? `; ${results.errors.length} section(s) failed` : ''}`);
process.exitCode = results.errors.length ? 1 : 0;
