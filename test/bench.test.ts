/**
 * The benchmark suite's pure logic (bench/lib): statistics, the streams-per-instance ramp,
 * cost per stream-hour, the price table, the command line, the report and the chart; the
 * serve soak's matching of events to injected defects and its RSS trend. The benchmark and
 * the soak themselves are not run here (npm run bench, npm run soak:serve).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

import { parseArgs } from '../bench/lib/args.mjs';
import { checkInstances, costTable, HOURS_PER_MONTH, streamCost, streamsOn } from '../bench/lib/cost.mjs';
import { capacityFromCpu, judgeStep, nextCount, rampResult, rampStart } from '../bench/lib/ramp.mjs';
import { chartData, renderReport, table } from '../bench/lib/report.mjs';
import { clipDefects, linearFit, matchEvents, measuredPeriod, occurrences, parseSoakArgs, rssByMinute, rssTrend, trackSteps } from '../bench/lib/soak.mjs';
import { coreSteps, median, rateSummary, ratio, scaling } from '../bench/lib/stats.mjs';
import { chartSvg, esc, niceTicks } from '../bench/lib/svg.mjs';

const root = resolve(import.meta.dirname, '..');

describe('statistics', () => {
  it('median of odd and even counts, unsorted input left as it is', () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it('rate summary: median rate from the median time, range and spread', () => {
    const s = rateSummary(300, [2, 3, 1.5]);
    expect(s).toMatchObject({ runs: 3, median: 150, min: 100, max: 200 });
    expect(s.spread).toBeCloseTo(100 / 150, 12);
    expect(rateSummary(300, [3]).spread).toBe(0);
  });

  it('ratio, and scaling speedup and efficiency against the 1-core point', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeNull();
    expect(ratio(null, 2)).toBeNull();
    const s = scaling([{ cores: 1, fps: 100 }, { cores: 2, fps: 180 }, { cores: 4, fps: 300 }]);
    expect(s.map((p) => p.speedup)).toEqual([1, 1.8, 3]);
    expect(s.map((p) => p.efficiency)).toEqual([1, 0.9, 0.75]);
    expect(scaling([{ cores: 2, fps: 1 }])[0]!.efficiency).toBeNull();
  });

  it('core steps: powers of two below the core count, then the count', () => {
    expect(coreSteps(1)).toEqual([1]);
    expect(coreSteps(2)).toEqual([1, 2]);
    expect(coreSteps(6)).toEqual([1, 2, 4, 6]);
    expect(coreSteps(16)).toEqual([1, 2, 4, 8, 16]);
  });
});

const stream = (frames: number, more: Partial<{ dropped: number; errors: number; lagStart: number; lagEnd: number }> = {}) =>
  ({ frames, lagStart: 0, lagEnd: 0, ...more });

describe('ramp: judging a step', () => {
  const step = (inputs: ReturnType<typeof stream>[]) => ({ streams: inputs.length, fps: 30, seconds: 10, inputs });

  it('kept up: every stream analysed its frames, dropped nothing, lag flat', () => {
    const v = judgeStep(step([stream(300), stream(299, { lagStart: 0.1, lagEnd: 0.2 })]));
    expect(v.ok).toBe(true);
    expect(v.reasons).toEqual([]);
    expect(v.worstSpeed).toBeCloseTo(299 / 300, 12);
  });

  it('behind for each cause alone: frames short, drops, input errors, lag growth, lag level, a stream missing', () => {
    const reasons = (inputs: ReturnType<typeof stream>[], streams = inputs.length) => judgeStep({ ...step(inputs), streams }).reasons;
    expect(reasons([stream(300), stream(280)])).toEqual([expect.stringContaining('93.3%')]);
    expect(reasons([stream(300, { dropped: 4 })])).toEqual([expect.stringContaining('4 packets dropped')]);
    expect(reasons([stream(300, { errors: 1 })])).toEqual([expect.stringContaining('1 input errors')]);
    expect(reasons([stream(300, { lagStart: 0.2, lagEnd: 0.9 })])).toEqual([expect.stringContaining('lag grew 0.70 s')]);
    expect(reasons([stream(300, { lagStart: 2.4, lagEnd: 2.5 })])).toEqual([expect.stringContaining('lag 2.50 s')]);
    expect(reasons([stream(300)], 2)).toEqual([expect.stringContaining('1 of 2 streams')]);
    expect(judgeStep(step([])).ok).toBe(false);
  });

  it('criteria can be changed', () => {
    expect(judgeStep(step([stream(280)]), { minSpeed: 0.9 }).ok).toBe(true);
  });
});

describe('ramp: the next stream count', () => {
  /** Runs the ramp against a machine that sustains `capacity` streams; returns the counts tried and the result. */
  function simulate(capacity: number, start: number, opts: { cpu?: boolean; max?: number; resolution?: number } = {}) {
    const history: Array<{ streams: number; ok: boolean; capacity?: number | null }> = [];
    for (let n = nextCount(history, { start, max: opts.max ?? 512, resolution: opts.resolution }); n !== null;
      n = nextCount(history, { start, max: opts.max ?? 512, resolution: opts.resolution })) {
      expect(history.some((h) => h.streams === n), `count ${n} tried twice`).toBe(false);
      expect(history.length).toBeLessThan(30);
      history.push({ streams: n, ok: n <= capacity, capacity: opts.cpu ? capacity * 1.05 : null });
    }
    return { tried: history.map((h) => h.streams), result: rampResult(history) };
  }

  it('finds the capacity exactly for small counts, from below and from above', () => {
    for (const capacity of [0, 1, 2, 3, 7, 12]) {
      for (const start of [1, 3, 10, 40]) expect(simulate(capacity, start).result, `capacity ${capacity} start ${start}`).toBe(capacity);
    }
  });

  it('within the resolution for large counts', () => {
    const { result } = simulate(230, 10);
    expect(result).toBeLessThanOrEqual(230);
    expect(result).toBeGreaterThanOrEqual(230 * 0.95);
  });

  it('a CPU-based capacity estimate takes the ramp there in a step', () => {
    const { tried, result } = simulate(9, 3, { cpu: true });
    expect(result).toBe(9);
    expect(tried[1]).toBe(6); // the estimate is 9.45, but at most double the pass
    expect(tried.length).toBeLessThanOrEqual(4);
  });

  it('stops at max; an empty history starts at the start clamped to [1, max]', () => {
    expect(simulate(1000, 4, { max: 16 }).result).toBe(16);
    expect(nextCount([], { start: 0, max: 8 })).toBe(1);
    expect(nextCount([], { start: 50, max: 8 })).toBe(8);
  });

  it('a pass above a fail (noise) does not count', () => {
    expect(rampResult([{ streams: 4, ok: true }, { streams: 6, ok: false }, { streams: 8, ok: true }])).toBe(4);
    expect(rampResult([{ streams: 1, ok: false }])).toBe(0);
  });

  it('start guess and capacity from CPU use', () => {
    expect(rampStart(300, 30)).toBe(8);
    expect(rampStart(20, 30)).toBe(1);
    expect(rampStart(null, 30)).toBe(1);
    expect(capacityFromCpu(4, 1, 2)).toBe(8);
    expect(capacityFromCpu(4, null, 2)).toBeNull();
  });
});

describe('cost', () => {
  const here = { vcpus: 2, arch: 'x86_64', instance: null };
  const c7g = { name: 'c7g.2xlarge', vcpus: 8, arch: 'aarch64', pricePerHour: 0.29 };
  const c7i = { name: 'c7i.xlarge', vcpus: 4, arch: 'x86_64', pricePerHour: 0.1785 };

  it('streams scale linearly by vCPUs, floored; the basis says how they were obtained', () => {
    expect(streamsOn(c7i, 7, here)).toEqual({ streams: 14, basis: 'scaled' });
    expect(streamsOn(c7g, 3, here)).toEqual({ streams: 12, basis: 'scaled, other arch' });
    expect(streamsOn({ ...c7i, vcpus: 3 }, 3, here).streams).toBe(4);
    expect(streamsOn(c7i, 9, { ...here, instance: 'c7i.xlarge' })).toEqual({ streams: 9, basis: 'measured' });
  });

  it('per stream-hour, and per 1,000 streams a month in whole instances', () => {
    const c = streamCost(0.29, 12);
    expect(c.perStreamHour).toBeCloseTo(0.29 / 12, 12);
    expect(c.instancesPer1000).toBe(84);
    expect(c.per1000Month).toBeCloseTo(84 * 0.29 * HOURS_PER_MONTH, 9);
    expect(streamCost(0.29, 0)).toEqual({ perStreamHour: null, per1000Month: null, instancesPer1000: null });
  });

  it('the table: each tool per instance; a tool not measured is null', () => {
    const rows = costTable([c7i, c7g], { vqmon: 7, 'ffmpeg-peer': 1, other: null }, here);
    expect(rows).toHaveLength(2);
    expect(rows[0]!.tools.vqmon).toMatchObject({ streams: 14, basis: 'scaled' });
    expect(rows[0]!.tools['ffmpeg-peer']).toMatchObject({ streams: 2 });
    expect(rows[1]!.tools.vqmon!.perStreamHour).toBeCloseTo(0.29 / 28, 12);
    expect(rows[1]!.basis).toBe('scaled, other arch');
    expect(rows[0]!.tools.other).toBeNull();
  });

  it('bench/instances.json is a valid table with its source and date; bad entries are refused with what is wrong', () => {
    const table = JSON.parse(readFileSync(join(root, 'bench/instances.json'), 'utf8')) as { source: string; retrieved: string; region: string };
    const instances = checkInstances(table);
    expect(instances.length).toBeGreaterThanOrEqual(4);
    expect(instances.some((i) => i.arch === 'aarch64') && instances.some((i) => i.arch === 'x86_64')).toBe(true);
    expect(table.source).toMatch(/^https:\/\//);
    expect(table.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(() => checkInstances({})).toThrow(/instances/);
    expect(() => checkInstances({ instances: [{ name: 'x', vcpus: 0, arch: 'x86_64', pricePerHour: 1 }] })).toThrow(/\(x\): vcpus/);
    expect(() => checkInstances({ instances: [{ name: 'x', vcpus: 2, arch: 'arm', pricePerHour: 1 }] })).toThrow(/arch/);
    expect(() => checkInstances({ instances: [{ name: 'x', vcpus: 2, arch: 'x86_64', pricePerHour: -1 }] })).toThrow(/pricePerHour/);
  });
});

describe('command line', () => {
  it('vqmon bench runs the suite with its options (here: --help, and an unknown option: exit 2)', () => {
    const run = (...a: string[]) => spawnSync(process.execPath, [join(root, 'dist/cli.js'), 'bench', ...a], { encoding: 'utf8', timeout: 30_000 });
    const help = run('--help');
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('--write-results');
    const bad = run('--bogus');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown option --bogus');
  });

  it('options and their errors', () => {
    expect(parseArgs([])).toMatchObject({ quick: false, writeResults: false, only: null, shared: true, runs: null });
    expect(parseArgs(['--quick', '--only', 'throughput,cost', '--runs', '2', '--instance', 'c7g.xlarge', '--no-shared']))
      .toMatchObject({ quick: true, only: ['throughput', 'cost'], runs: 2, instance: 'c7g.xlarge', shared: false });
    expect(() => parseArgs(['--only', 'nope'])).toThrow(/unknown section nope/);
    expect(() => parseArgs(['--runs', '0'])).toThrow(/--runs/);
    expect(() => parseArgs(['--instance'])).toThrow(/needs a value/);
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown option --bogus/);
    expect(() => parseArgs(['--write-results', '--only', 'cost'])).toThrow(/whole suite/);
  });
});

/** A small results object in the suite's shape. */
function results() {
  const clip = { id: 'h264-1080p30', label: '1080p30 H.264', codec: 'h264', width: 1920, height: 1080, fps: 30, durationSec: 10, bitrateMbps: 14.3, frames: 300, audio: true, source: 'generated' };
  const fps = (median: number) => ({ runs: 3, median, min: median * 0.9, max: median * 1.1, spread: 0.2 });
  return {
    command: 'npm run bench -- --quick', mode: 'quick', startedAt: '2026-11-25T12:00:00.000Z', durationSec: 420,
    git: { commit: '0123456789abcdef', dirty: [] }, mainClip: clip.id,
    machine: { cpu: 'Test CPU', arch: 'x86_64', vcpus: 2, threadsPerCore: 1, hypervisor: null, memGiB: 8, simd: 'avx2', simdLevels: ['scalar', 'sse2', 'avx2'], node: 'v20', ffmpeg: 'ffmpeg version 5.1', kernel: '6.1', loadAtStart: [0.1, 0.2, 0.3] },
    corpus: [clip],
    throughput: [{ clip: clip.id, cases: [
      { id: 'ffmpeg-decode', label: 'ffmpeg decode only (-f null)', short: 'ffmpeg decode', fps: fps(200), ratio: 1, peakRssMiB: 90 },
      { id: 'ffmpeg-peer', label: 'ffmpeg peer <all>', short: 'peer', fps: fps(40), ratio: 0.2, peakRssMiB: 100 },
      { id: 'vqmon-all', label: 'vqmon analyze, all detectors', short: 'vqmon', fps: fps(180), ratio: 0.9, peakRssMiB: 220 },
    ] }],
    scaling: { clip: clip.id, pinned: true, vqmon: scaling([{ cores: 1, fps: 100 }, { cores: 2, fps: 180 }]), ffmpeg: scaling([{ cores: 1, fps: 120 }, { cores: 2, fps: 200 }]) },
    handoff: { clip: clip.id, width: 1920, height: 1080, format: 'yuv420p', batch: 8, frames: 32, level: 'avx2', runs: 3, rowsMatch: true,
      direct: { usPerFrame: 300, min: 290, max: 310 }, copied: { usPerFrame: 540, min: 530, max: 560 }, copyOverDirect: 1.8, copyUsPerFrame: 240,
      record: { usPerFrame: 8.5, min: 8.1, max: 9.2 }, recordDropped: { usPerFrame: 420, min: 400, max: 450 } },
    fanout: { clip: clip.id, frames: 48, threads: 2, modes: [{ batch: 1, fps: 4000, min: 3900, max: 4100 }, { batch: 8, fps: 6000, min: 5900, max: 6100 }], rowsMatch: true },
    streams: [{ tool: 'vqmon', clip: clip.id, streams: 7, converged: true, steps: [{ streams: 7, ok: true, mainThreadBusy: 0.3, mainThreadCores: 0.25, cpuCores: 1.6 }, { streams: 8, ok: false }] },
      { tool: 'ffmpeg-peer', clip: clip.id, streams: 1, converged: false, steps: [{ streams: 1, ok: true }] }],
    memory: [{ what: 'vqmon live', clip: clip.id, streams: 7, keptUp: true, peakRssMiB: 400, perStreamMiB: 50 }],
    cost: { table: { file: 'bench/instances.json', region: 'us-east-1', source: 'https://example.com/prices', retrieved: '2026-11-25' },
      resolutions: [{ label: '1080p30 H.264', rows: costTable([{ name: 'c7g.xlarge', vcpus: 4, arch: 'aarch64', pricePerHour: 0.145 }], { vqmon: 7, 'ffmpeg-peer': 1 }, { vcpus: 2, arch: 'x86_64' }) }] },
    errors: [],
  };
}

describe('report', () => {
  it('a Markdown table escapes pipes and shows missing values as a dash', () => {
    expect(table(['a', 'b'], [['x|y', null]])).toBe('| a | b |\n|---|---|\n| x\\|y | — |');
  });

  it('renders every section from the results, with the command, the ratios and the costs', () => {
    const md = renderReport(results(), { chart: 'results.svg' });
    expect(md).toContain('Produced by `npm run bench -- --quick` on 2026-11-25 (commit 0123456789ab)');
    expect(md).toContain('![throughput and scaling](results.svg)');
    expect(md).toContain('| ffmpeg peer <all> | 40.0 | 36.0–44.0 (3) | 0.20x | 100 |');
    expect(md).toContain('| vqmon analyze, all detectors | 180 | 162–198 (3) | 0.90x | 220 |');
    expect(md).toContain('| 2 | 180 | 1.80x | 90% | 200 | 1.67x | 83% |');
    expect(md).toContain('| kernels over the decoded planes (zero-copy) | 300 | 290–310 | 3333 |');
    expect(md).toContain('| kernels over a copy of each frame | 540 | 530–560 | 1852 |');
    expect(md).toContain('| frame record: `data` getter, detached at release | 8.5 | 8.1–9.2 | — |');
    expect(md).toContain('A copy would add 240 µs a frame: 1.80x the zero-copy time. Rows from both are equal.');
    expect(md).toContain('| tasks of 8 frames | 6000 | 5900–6100 | 1.50x |');
    expect(md).toContain('Batches of 8 take 33% less time a frame than a task per frame.');
    expect(md).toContain('| 1080p30 H.264, 14.3 Mbit/s | 7 | 1 (ramp cut short) |');
    expect(md).toContain('- vqmon h264-1080p30: 7 kept up (1.60 cores, main thread 0.25), 8 behind');
    // c7g.xlarge: 7 streams on 2 vCPUs -> 14 on 4; 0.145 / 14 a stream-hour; 72 instances for 1,000 streams.
    expect(md).toContain('| c7g.xlarge | 4 | aarch64 | $0.1450 | scaled, other arch | 14 | $0.0104 | $7,621 | 2 | $0.0725 | $52,925 |');
    expect(md).not.toContain('undefined');
    expect(md).not.toContain('NaN');
  });

  it('says so when batching does not pay', () => {
    const r = results();
    r.fanout.modes[1]!.fps = 3900;
    expect(renderReport(r)).toContain('**Batching is not faster than a task per frame here**');
  });

  it('results of earlier runs render: a decode case of another id, no hand-off section', () => {
    const r = results();
    r.throughput[0]!.cases.splice(1, 0, { id: 'beamcoder-decode', label: 'beamcoder decode only (as vqmon decodes)', short: 'beamcoder decode',
      fps: { runs: 3, median: 150, min: 140, max: 160, spread: 0.13 }, ratio: 0.75, peakRssMiB: 120 });
    const md = renderReport({ ...r, handoff: undefined });
    expect(md).toContain('| beamcoder decode only (as vqmon decodes) | 150 | 140–160 (3) | 0.75x | 120 |');
    expect(md).not.toContain('## Hand-off');
    expect(md).not.toMatch(/undefined|NaN/);
  });

  it('a failed section is listed', () => {
    const r = { ...results(), errors: [{ section: 'kernels', message: 'cmake is not installed\nmore' }] };
    expect(renderReport(r)).toContain('- kernels: cmake is not installed');
  });
});

describe('chart', () => {
  it('nice ticks cover the range in round steps', () => {
    expect(niceTicks(9)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0.9)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  it('an SVG with a bar per case, a line per series with its ideal, and escaped text', () => {
    expect(esc('a<b & "c"')).toBe('a&lt;b &amp; &quot;c&quot;');
    const svg = chartSvg(chartData(results()));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<rect /g)).toHaveLength(1 + 3); // background + 3 bars
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg.match(/stroke-dasharray="5 4"/g)).toHaveLength(3); // 2 ideals + legend
    expect(svg).toContain('>0.90x<');
    expect(svg).not.toMatch(/NaN|undefined/);
    // Every opened element is closed or self-closed.
    const opened = (svg.match(/<(svg|text)\b/g) ?? []).length, closed = (svg.match(/<\/(svg|text)>/g) ?? []).length;
    expect(opened).toBe(closed);
  });
});

describe('serve soak', () => {
  it('command line: defaults, values, and errors that name the option', () => {
    expect(parseSoakArgs([])).toEqual({ streams: 20, minutes: 5, resolution: '360p', tolerance: 0.5, sample: 5, help: false });
    expect(parseSoakArgs(['--streams', '3', '--minutes', '1', '--resolution', '720p'])).toMatchObject({ streams: 3, minutes: 1, resolution: '720p' });
    expect(() => parseSoakArgs(['--streams', '2.5'])).toThrow(/--streams must be an integer in \[1, 200\]/);
    expect(() => parseSoakArgs(['--minutes'])).toThrow(/--minutes needs a value/);
    expect(() => parseSoakArgs(['--resolution', '4k'])).toThrow(/--resolution must be one of 360p, 540p, 720p, 1080p/);
    expect(() => parseSoakArgs(['--loud'])).toThrow(/unknown option --loud/);
  });

  it('clips: three defects each, inside the clip, apart, later in each clip', () => {
    for (let c = 0; c < 4; c++) {
      const d = clipDefects(c);
      expect(d.map((x) => x.type)).toEqual(['freeze', 'black', 'silence']);
      expect(d[2]!.end).toBeLessThan(30);
      expect(d[1]!.end - d[1]!.start).toBeLessThan(2); // black shorter than freeze's minDuration
      if (c) expect(d[0]!.start).toBe(clipDefects(c - 1)[0]!.start + 1.5);
    }
  });

  it('track steps: even steps across the seams, or the gaps and overlaps there', () => {
    const frame = 1024 / 48000;
    const loop = (k: number, n: number) => Array.from({ length: n }, (_, i) => 1.4 + k * 32 + i * frame);
    expect(trackSteps([...loop(0, 1500), ...loop(1, 1500)].reverse())).toEqual({ step: expect.closeTo(frame, 9), off: [] });
    // A loop holding one frame more than its period: the next loop starts on the last frame.
    const over = trackSteps([...loop(0, 1501), ...loop(1, 1501)]);
    expect(over.off).toHaveLength(1);
    expect(over.off[0]!.step).toBeCloseTo(32 - 1500 * frame, 9);
    expect(over.off[0]!.at).toBeCloseTo(1.4 + 1500 * frame, 9);
    expect(trackSteps([0, 1 / 30, 2 / 30, 0.2, 0.2 + 1 / 30]).off).toEqual([{ at: 2 / 30, step: expect.closeTo(0.2 - 2 / 30, 9) }]);
  });

  it('occurrences repeat each loop; due once ended `latency` before the horizon', () => {
    const occ = occurrences([{ type: 'freeze', start: 2, end: 5 }], { period: 30, origin: 0.1, horizon: 63.5, latency: 2 });
    expect(occ).toEqual([
      { type: 'freeze', loop: 0, start: 2.1, end: 5.1, due: true },
      { type: 'freeze', loop: 1, start: 32.1, end: 35.1, due: true },
      { type: 'freeze', loop: 2, start: 62.1, end: 65.1, due: false },
    ]);
    // Listed up to latency + 1 s past the horizon (events arrive that long after it), not due.
    expect(occurrences([{ type: 'freeze', start: 2, end: 5 }], { period: 30, origin: 0, horizon: 59.5, latency: 2 }).map((o) => [o.loop, o.due])).toEqual([[0, true], [1, true], [2, false]]);
    expect(occurrences([{ type: 'freeze', start: 2, end: 5 }], { period: 30, origin: 0, horizon: 58.5, latency: 2 })).toHaveLength(2);
  });

  it('matching: found, missed (no event, no end, late end), extra, health counted apart', () => {
    const occ = occurrences([{ type: 'freeze', start: 2, end: 5 }, { type: 'silence', start: 10, end: 13 }], { period: 30, origin: 0, horizon: 61, latency: 2 });
    const ev = (type: string, phase: string, start: number, end: number) => ({ type, phase, start, end });
    const m = matchEvents(occ, [
      ev('freeze', 'start', 2.1, 4.1), ev('freeze', 'end', 2.1, 5.05), // loop 0 freeze: found
      ev('silence', 'start', 10.05, 12.05), // loop 0 silence: no end
      ev('freeze', 'start', 32.4, 34.4), ev('freeze', 'end', 32.4, 36), // loop 1 freeze: ends 1 s late
      ev('silence', 'start', 40, 42), ev('silence', 'end', 40, 43), // loop 1 silence: found
      ev('black', 'start', 20, 21), ev('black', 'end', 20, 21.2), // not injected
      ev('freeze', 'start', 61.9, 63.9), // loop 2: not due (past the horizon), matched, not extra
      ev('stall', 'start', 50, 52), ev('stall', 'end', 50, 53),
    ], 0.5);
    expect(m.expected).toBe(4);
    expect(m.found).toBe(2);
    expect(m.missed.map((x) => [x.type, x.loop, x.why])).toEqual([['silence', 0, 'no phase end event'], ['freeze', 1, 'ends at 36.00']]);
    expect(m.extra).toEqual([{ type: 'black', start: 20, end: 21.2 }]);
    expect(m.health).toEqual({ stall: 1, input_error: 0, analysis_dropped: 0 });
    expect(m.residuals.map((r) => [r.type, r.loop, Number(r.start.toFixed(3)), Number(r.end.toFixed(3))])).toEqual([['freeze', 0, 0.1, 0.05], ['silence', 1, 0, 0]]);
    // A run further than the tolerance from its occurrence is missed there and extra.
    const far = matchEvents(occ.slice(0, 1), [ev('freeze', 'start', 2.6, 4.6), ev('freeze', 'end', 2.6, 5)], 0.5);
    expect([far.found, far.missed.length, far.extra.length]).toEqual([0, 1, 1]);
  });

  it('the loop period measured from the events: the slope of start against loop', () => {
    const res = (p: number, c: number) => [0, 1, 2].map((k) => ({ type: 'freeze', loop: k, at: c + k * p }));
    expect(measuredPeriod([res(30.016, 2), res(30.016, 3.5), [{ type: 'black', loop: 0, at: 12 }]])).toBeCloseTo(30.016, 6);
    expect(measuredPeriod([[{ type: 'black', loop: 0, at: 12 }]])).toBeNull();
    expect(linearFit([1, 2, 3], [2, 4, 6])).toEqual({ a: 0, b: 2 });
  });

  it('RSS trend: minute 2 against the last minute, bounded by max(30 MiB, 10%); slope per minute', () => {
    const flat = Array.from({ length: 60 }, (_, i) => ({ t: (i + 1) * 5, rssMiB: 400 + (i % 2 ? 8 : -8) }));
    const r = rssTrend(flat, 300);
    expect(r.window).toEqual({ baseline: [60, 120], last: [240, 300] });
    expect(r.baselineMiB).toBeCloseTo(400, 6);
    expect(r.boundMiB).toBe(40);
    expect(r.stable).toBe(true);
    expect(Math.abs(r.slopeMiBPerMin!)).toBeLessThan(0.5);
    const leak = flat.map((s) => ({ t: s.t, rssMiB: 400 + s.t / 6 })); // 10 MiB a minute
    const l = rssTrend(leak, 300);
    expect(l.slopeMiBPerMin).toBeCloseTo(10, 6);
    // The windows' centres are 182.5 s apart: 30.4 MiB, under the 40 MiB bound. A 5-minute
    // run catches growth from about 13 MiB a minute; a longer run (--minutes) slower leaks.
    expect(l.growthMiB).toBeCloseTo((270 - 87.5) / 6, 6);
    expect(l.stable).toBe(true);
    expect(rssTrend(leak.map((s) => ({ t: s.t, rssMiB: 400 + s.t / 2 })), 300).stable).toBe(false); // 30 MiB a minute
    expect(rssTrend([], 300)).toMatchObject({ baselineMiB: null, stable: false });
    expect(rssTrend(flat.slice(0, 12), 60).window).toEqual({ baseline: [20, 40], last: [40, 60] });
    expect(rssByMinute(flat).map((m) => m.minute)).toEqual([1, 2, 3, 4, 5]); // samples at 5 ... 300 s
  });
});
