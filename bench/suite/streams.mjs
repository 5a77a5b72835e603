// Streams per instance: how many real-time streams one machine sustains with every frame
// analysed, found by ramping the stream count (bench/lib/ramp.mjs) until frames are not
// all analysed, packets are dropped or latency grows.
//
// vqmon: one process (bench/suite/live-step.mjs: createMonitor, every live detector)
// watching n UDP MPEG-TS inputs, each sent by `ffmpeg -re -stream_loop -1 -i clip -c copy`
// (copy: a sender costs little). The FFmpeg peer: n processes of `ffmpeg -re -stream_loop
// -1 -i clip -vf freezedetect,blockdetect,blackdetect -af silencedetect -f null -`, each
// reading its file at real-time rate; a process that keeps up advances its output clock
// (-progress) as fast as the wall clock. Starts are staggered over a GOP, so the streams'
// keyframes do not all land at once.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { capacityFromCpu, judgeStep, nextCount, rampResult } from '../lib/ramp.mjs';
import { cpuSeconds, peakRssMiB } from './proc.mjs';

const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));
const stagger = (i, n) => i * Math.min(0.25, 2 / n);

function spawnSenders(clip, ports, seconds) {
  return ports.map((port, i) => {
    const p = { child: null };
    p.timer = setTimeout(() => {
      p.child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostats', '-re', '-stream_loop', '-1', '-i', clip.file,
        '-t', String(Math.ceil(seconds)), '-c', 'copy', '-f', 'mpegts', `udp://127.0.0.1:${port}?pkt_size=1316`], { stdio: 'ignore' });
    }, stagger(i, ports.length) * 1000);
    return p;
  });
}

function stopAll(procs) {
  for (const p of procs) {
    clearTimeout(p.timer);
    if (p.child && p.child.exitCode === null) p.child.kill('SIGKILL');
  }
}

/** One vqmon step: n streams of `clip` into one monitor process. */
export async function vqmonStep(root, clip, n, { warm, window }) {
  // Above the range the live tests pick their ports from (20000-40000).
  const base = 41000 + 2 * Math.floor(Math.random() * 7000);
  const ports = Array.from({ length: n }, (_, i) => base + 2 * i);
  const urls = ports.map((p) => `udp://127.0.0.1:${p}`);
  // libuv's threadpool, where a live input's reads and decodes run (node-av's async calls):
  // at least a read or decode in flight per input plus a few, since a blocked UDP read holds
  // a thread (libuv's default is 4), and no fewer than 3 a core + 2.
  const pool = Math.min(1024, Math.max(3 * availableParallelism() + 2, n + 4));
  const child = spawn(process.execPath, [join(root, 'bench/suite/live-step.mjs'), JSON.stringify({ urls, warm, window })],
    { env: { ...process.env, UV_THREADPOOL_SIZE: String(pool) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  let senders = [];
  try {
    for await (const line of lines) {
      const msg = JSON.parse(line);
      if (msg.ready) { senders = spawnSenders(clip, ports, warm + window + 60); continue; }
      if (msg.error) return { streams: n, fps: clip.fps, seconds: 0, inputs: [], error: msg.error };
      return { streams: n, fps: clip.fps, ...msg, uvThreadpool: pool };
    }
    throw new Error(`live step exited without a result (exit ${child.exitCode})`);
  } finally {
    stopAll(senders);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** Starts an FFmpeg peer process; tracks its -progress reports (wall time, output media time). */
function startPeer(clip, seconds) {
  const vf = 'freezedetect,blockdetect,blackdetect';
  const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostats', '-stats_period', '0.1', '-progress', 'pipe:1',
    '-re', '-stream_loop', '-1', '-i', clip.file, '-t', String(Math.ceil(seconds)), '-vf', vf,
    ...(clip.audio ? ['-af', 'silencedetect'] : []), '-f', 'null', '-'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const p = { child, last: null, first: null, exited: false };
  child.on('exit', () => { p.exited = true; });
  let media = null;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [k, v] = line.split('=');
    if (k === 'out_time_us' && v !== 'N/A') media = Number(v) / 1e6;
    if (k === 'progress' && media !== null && media > 0) {
      p.last = { wall: performance.now() / 1000, media };
      p.first ??= p.last;
    }
  });
  return p;
}

/** One FFmpeg-peer step: n filter processes at real-time rate. */
export async function peerStep(clip, n, { warm, window }) {
  const procs = [];
  const timers = Array.from({ length: n }, (_, i) => setTimeout(() => procs.push(startPeer(clip, warm + window + 60)), stagger(i, n) * 1000));
  try {
    const t0 = performance.now();
    while (procs.length < n || procs.some((p) => !p.first)) {
      if (performance.now() - t0 > 20_000) return { streams: n, fps: clip.fps, seconds: 0, inputs: [], error: 'an FFmpeg process did not start within 20 s' };
      await sleep(0.1);
    }
    await sleep(warm);
    const a = procs.map((p) => p.last), cpu0 = procs.map((p) => cpuSeconds(p.child.pid) ?? NaN), w0 = performance.now();
    await sleep(window);
    const b = procs.map((p) => p.last), cpu1 = procs.map((p) => cpuSeconds(p.child.pid) ?? NaN), seconds = (performance.now() - w0) / 1000;
    const cpuCores = cpu1.reduce((acc, c, i) => acc + (c - cpu0[i]), 0) / seconds;
    const lag = (p, s) => (s.wall - p.first.wall) - (s.media - p.first.media);
    const inputs = procs.map((p, i) => {
      const dWall = b[i].wall - a[i].wall, dMedia = b[i].media - a[i].media;
      // Frames analysed over the window at the rate measured between the two reports.
      return { frames: dWall > 0 ? (dMedia / dWall) * seconds * clip.fps : 0, errors: p.exited ? 1 : 0, lagStart: lag(p, a[i]), lagEnd: lag(p, b[i]) };
    });
    const rss = procs.map((p) => peakRssMiB(p.child.pid)).filter((x) => x !== null);
    return { streams: n, fps: clip.fps, seconds, inputs, cpuCores: Number.isFinite(cpuCores) ? cpuCores : null, peakRssMiB: rss.length ? Math.max(...rss) : null,
      perStreamRssMiB: rss.length ? rss.reduce((x, y) => x + y, 0) / rss.length : null };
  } finally {
    timers.forEach(clearTimeout);
    for (const p of procs) if (!p.exited) p.child.kill('SIGKILL');
  }
}

/**
 * Ramps `step(n)` from `start`, for at most `maxSteps` steps and, after the first, not
 * past `deadline` (performance.now() ms; a quick run's time budget). Returns every step
 * judged, the most streams sustained, and whether the ramp converged.
 */
export async function ramp(label, step, { start, max = 512, maxSteps, deadline = Infinity, log }) {
  const history = [];
  const vcpus = availableParallelism();
  for (let n = nextCount(history, { start, max }); n !== null && history.length < maxSteps; n = nextCount(history, { start, max })) {
    if (history.length && performance.now() > deadline) {
      log(`  ${label}: stopped at the time budget`);
      break;
    }
    // A step that crashes (a monitor out of memory, say) did not sustain its streams.
    const s = await step(n).catch((e) => ({ streams: n, seconds: 0, inputs: [], error: `the step failed: ${String(e.message ?? e).split('\n')[0]}` }));
    const verdict = s.error ? { ok: false, reasons: [s.error], worstSpeed: 0, worstLagGrowth: 0, worstLag: 0, dropped: 0, errors: 0 } : judgeStep(s);
    const entry = { ...s, ...verdict, streams: n, capacity: capacityFromCpu(n, s.cpuCores, vcpus) };
    delete entry.inputs;
    entry.perInput = s.inputs;
    history.push(entry);
    log(`  ${label}: ${n} streams: ${verdict.ok ? 'kept up' : `behind (${verdict.reasons.join('; ')})`}` +
      (s.error ? '' : `, slowest ${(100 * verdict.worstSpeed).toFixed(1)}% of real time`) +
      (s.mainThreadBusy !== undefined ? `, main thread ${s.mainThreadCores.toFixed(2)} cores (event loop ${(100 * s.mainThreadBusy).toFixed(0)}% busy)` : '') +
      (s.cpuCores ? `, ${s.cpuCores.toFixed(2)} cores` : ''));
  }
  const streams = rampResult(history);
  const best = history.find((h) => h.streams === streams && h.ok) ?? null;
  const done = nextCount(history, { start, max }) === null;
  return { label, streams, converged: done, steps: history,
    rssPerStreamMiB: best ? (best.perStreamRssMiB ?? (best.peakRssMiB - best.baseRssMiB) / streams) : null, peakRssMiB: best?.peakRssMiB ?? null };
}
