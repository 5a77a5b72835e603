/**
 * Live monitoring on real local sources (ffmpeg -re over UDP MPEG-TS, and HLS served over
 * HTTP), back-pressure with a throttled analysis, and the streaming parts on their own:
 * the bounded event queue, the lag meter, streaming clipping against the file detector.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { detectClipping } from '../src/detectors/clipping.js';
import type { VqEvent } from '../src/detectors/types.js';
import { ClippingTracker } from '../src/live/clipping-tracker.js';
import { EventQueue } from '../src/live/event-queue.js';
import { LagMeter } from '../src/live/lag.js';
import { createMonitor, type LiveEvent, type Monitor } from '../src/live/monitor.js';
import { blockyZoneClip, freezeVf } from './helpers/clips.js';
import { ffmpegLive, liveH264, serveDir, tempDir, udpUrl, watchPlaylist } from './helpers/live-sources.js';

const TOL = 0.25;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const find = <T extends { e: LiveEvent }>(seen: T[], type: string, phase: 'start' | 'end') => seen.find((s) => s.e.type === type && s.e.phase === phase);

/**
 * The monitor's events with their arrival (seconds after the source was spawned), until the
 * source has stopped and the input stalls (or 25 s); then the source and the monitor stop.
 */
async function collectUntilStall(monitor: Monitor, ff: ChildProcess, spawnedAt: number): Promise<Array<{ e: LiveEvent; at: number }>> {
  const seen: Array<{ e: LiveEvent; at: number }> = [];
  try {
    for await (const e of monitor) {
      seen.push({ e, at: (performance.now() - spawnedAt) / 1000 });
      if (e.type === 'stall' && e.phase === 'start') break;
      if (performance.now() - spawnedAt > 25_000) break;
    }
  } finally {
    ff.kill();
    await monitor.close();
  }
  return seen;
}

describe('live UDP input', () => {
  it('freeze, black and clipping reported within minDuration + 1 s of their onsets; stall when the source stops', async () => {
    const url = udpUrl();
    const monitor = createMonitor({ stallTimeout: 2, openTimeout: 4 });
    monitor.add(url);
    // Give the monitor a moment to bind; packets before that would be lost (that is UDP).
    await sleep(500);
    const spawnedAt = performance.now();
    // Audio: a 440 Hz tone driven 20 dB over full scale from 5 to 6 s, in MP2 (as broadcast TS carries it).
    // Video: frozen 3-8 s, black 9-11.5 s (a still picture for longer than freeze's minDuration, but black only).
    const ff = ffmpegLive(13, `${freezeVf(30, 3, 8)},drawbox=enable='between(t,9,11.5)':color=black:t=fill`,
      [...liveH264(30), '-c:a', 'mp2', '-b:a', '192k', '-f', 'mpegts', `${url}?pkt_size=1316`],
      "sine=frequency=440:sample_rate=48000:duration=13,volume=enable='between(t,5,6)':volume=20dB");
    const seen = await collectUntilStall(monitor, ff, spawnedAt);
    const start = find(seen, 'freeze', 'start'), end = find(seen, 'freeze', 'end'), stall = find(seen, 'stall', 'start');
    expect(start, JSON.stringify(seen)).toBeDefined();
    expect(Math.abs(start!.e.start - 3)).toBeLessThanOrEqual(TOL);
    // Onset is 3 s after ffmpeg was started (its own start-up only makes this stricter).
    expect(start!.at).toBeLessThanOrEqual(3 + 2 + 1);
    expect(Math.abs(end!.e.end - 8)).toBeLessThanOrEqual(TOL);
    expect(seen.filter((s) => s.e.type === 'freeze')).toHaveLength(2);
    const black = find(seen, 'black', 'start'), blackEnd = find(seen, 'black', 'end');
    expect(black, JSON.stringify(seen)).toBeDefined();
    expect(Math.abs(black!.e.start - 9)).toBeLessThanOrEqual(TOL);
    expect(black!.at).toBeLessThanOrEqual(9 + 1 + 1);
    expect(Math.abs(blackEnd!.e.end - 11.5)).toBeLessThanOrEqual(TOL);
    // Clipping has no minimum duration: it starts with its first window, ends mergeGap after its last.
    const clipStart = find(seen, 'clipping', 'start'), clipEnd = find(seen, 'clipping', 'end');
    expect(clipStart, JSON.stringify(seen)).toBeDefined();
    expect(Math.abs(clipStart!.e.start - 5)).toBeLessThanOrEqual(TOL);
    expect(clipStart!.at).toBeLessThanOrEqual(5 + 1);
    expect(Math.abs(clipEnd!.e.start - 5)).toBeLessThanOrEqual(TOL);
    expect(Math.abs(clipEnd!.e.end - 6)).toBeLessThanOrEqual(TOL);
    expect(clipEnd!.e.score).toBeGreaterThan(0);
    expect(stall).toBeDefined();
    expect(Math.abs(stall!.e.start - 13)).toBeLessThanOrEqual(0.5);
    expect(seen.every((s) => s.e.input === url)).toBe(true);
    expect(seen.filter((s) => !['freeze', 'black', 'clipping', 'stall'].includes(s.e.type))).toEqual([]);
  }, 40_000);

  it('blockiness (x264 QP 51 without deblocking, 4-7 s) reported within minDuration + 1 s of its onset, with a score', async () => {
    const file = blockyZoneClip();
    const url = udpUrl();
    const monitor = createMonitor({ stallTimeout: 2, openTimeout: 4 });
    monitor.add(url);
    await sleep(500);
    const spawnedAt = performance.now();
    const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-i', file, '-c', 'copy',
      '-f', 'mpegts', `${url}?pkt_size=1316`], { stdio: 'ignore' });
    const seen = await collectUntilStall(monitor, ff, spawnedAt);
    const start = find(seen, 'blockiness', 'start'), end = find(seen, 'blockiness', 'end');
    expect(start, JSON.stringify(seen)).toBeDefined();
    expect(Math.abs(start!.e.start - 4)).toBeLessThanOrEqual(0.25);
    expect(start!.at).toBeLessThanOrEqual(4 + 1 + 1);
    expect(Math.abs(end!.e.end - 7)).toBeLessThanOrEqual(0.25);
    expect(end!.e.score).toBeGreaterThan(0);
    expect(end!.e.score).toBeLessThanOrEqual(1);
    expect(seen.filter((s) => !['blockiness', 'stall'].includes(s.e.type))).toEqual([]);
  }, 40_000);
});

describe('live HLS input over HTTP', () => {
  it('freeze reported at its onset, within minDuration + 1 s of the segment holding the onset being published', async () => {
    const dir = tempDir('hls');
    const playlist = join(dir, 'x.m3u8');
    const { port, firstSegment, server } = await serveDir(dir);
    const watcher = watchPlaylist(playlist);
    // Half-second segments (a keyframe every 15 frames); the playlist keeps every segment.
    const ff = ffmpegLive(12, freezeVf(30, 4, 9), [...liveH264(15), '-f', 'hls', '-hls_time', '0.5', '-hls_list_size', '0',
      '-hls_flags', 'temp_file', '-hls_segment_filename', join(dir, 'x%03d.ts'), playlist]);
    const url = `http://127.0.0.1:${port}/x.m3u8`;
    const monitor = createMonitor({ openTimeout: 4 });
    const seen: Array<{ e: LiveEvent; at: number }> = [];
    const t0 = performance.now();
    try {
      while (!watcher.segments.size && performance.now() - t0 < 20_000) await sleep(20);
      monitor.add(url);
      for await (const e of monitor) {
        seen.push({ e, at: performance.now() });
        if (e.type === 'freeze' && e.phase === 'start') break;
        if (performance.now() - t0 > 40_000) break;
      }
    } finally {
      // Stop the monitor first: a playlist that no longer grows holds FFmpeg's read for a while.
      await monitor.close();
      ff.kill();
      watcher.stop();
      server.close();
    }
    const start = find(seen, 'freeze', 'start');
    expect(start, JSON.stringify(seen)).toBeDefined();
    // FFmpeg starts a live playlist a few segments from its end: media time 0 is the first segment read.
    const first = watcher.segments.get(firstSegment()!);
    expect(first).toBeDefined();
    expect(Math.abs(start!.e.start - (4 - first!.start)), JSON.stringify({ first, e: start!.e })).toBeLessThanOrEqual(TOL);
    const onset = [...watcher.segments.values()].find((s) => s.start <= 4 + 1e-6 && 4 < s.start + s.duration)!;
    expect((start!.at - onset.publishedAt) / 1000).toBeLessThanOrEqual(2 + 1);
    expect(seen.filter((s) => s.e.type !== 'freeze')).toEqual([]);
  }, 60_000);
});

describe('back-pressure', () => {
  it('an input analysed slower than real time drops packets to stay live, says so, and still reports its defects; the iterator queue stays bounded', async () => {
    const url = udpUrl();
    // 0.1 s after each decoded video packet: 10 frames/s for a 30 frames/s source.
    const monitor = createMonitor({ stallTimeout: 2, openTimeout: 3, maxLag: 1, maxQueuedEvents: 4, debug: { analysisDelay: 0.1 } });
    const all: LiveEvent[] = [];
    monitor.on('event', (e: LiveEvent) => all.push(e));
    monitor.add(url);
    await sleep(500);
    const ff = ffmpegLive(14, freezeVf(30, 5, 13), [...liveH264(15), '-f', 'mpegts', `${url}?pkt_size=1316`]);
    // Nobody reads the iterator until the source has stopped and the monitor has caught up.
    const t0 = performance.now();
    while (!all.some((e) => e.type === 'stall' && e.phase === 'start') && performance.now() - t0 < 45_000) await sleep(100);
    ff.kill();
    const stats = monitor.stats();
    await monitor.close();
    const read: LiveEvent[] = [];
    for await (const e of monitor) read.push(e);

    const input = stats.inputs[0]!;
    const drops = all.filter((e) => e.type === 'analysis_dropped');
    const dropEnds = drops.filter((e) => e.phase === 'end');
    expect(dropEnds.length, JSON.stringify(all)).toBeGreaterThanOrEqual(1);
    expect(drops.filter((e) => e.phase === 'start')).toHaveLength(dropEnds.length);
    expect(input.dropSpans).toBe(dropEnds.length);
    expect(dropEnds.reduce((n, e) => n + (e.detail!.packets as number), 0)).toBe(input.droppedPackets);
    expect(input.droppedPackets).toBeGreaterThan(0);
    expect(input.videoFrames).toBeLessThan(input.packets);
    // Caught up: everything sent was read (analysed or dropped) before the stall.
    const stall = all.find((e) => e.type === 'stall' && e.phase === 'start');
    expect(stall, JSON.stringify(all)).toBeDefined();
    expect(Math.abs(stall!.start - 14)).toBeLessThanOrEqual(0.5);
    // The freeze is still found: at its onset, or where analysis resumed if the onset was dropped.
    const freeze = all.find((e) => e.type === 'freeze' && e.phase === 'start');
    expect(freeze, JSON.stringify(all)).toBeDefined();
    const hole = dropEnds.find((d) => d.start <= 5 && 5 < d.end);
    expect(Math.abs(freeze!.start - (hole ? hole.end : 5)), JSON.stringify({ freeze, hole })).toBeLessThanOrEqual(TOL);
    // The unread queue never held more than 4; what it shed is accounted for, first thing read.
    expect(stats.queue.maxLength).toBeLessThanOrEqual(4);
    expect(all.length).toBeGreaterThan(4);
    expect(read[0]!.type).toBe('events_dropped');
    const d = read[0]!.detail as { dropped: number; superseded: number };
    expect(read.length - 1).toBeLessThanOrEqual(4);
    expect(read.length - 1 + d.dropped + d.superseded).toBe(all.length);
  }, 90_000);
});

describe('streaming parts', () => {
  const ev = (type: string, phase: 'start' | 'end', start: number, end = start): LiveEvent =>
    ({ type, phase, start, end, duration: end - start, input: 'udp://x' });

  it('event queue: sheds starts superseded by their end, then the oldest start, then the oldest event; reports it once', () => {
    const q = new EventQueue(3);
    q.push(ev('freeze', 'start', 1));
    q.push(ev('black', 'start', 2));
    q.push(ev('freeze', 'end', 1, 4));
    q.push(ev('silence', 'start', 5)); // freeze start goes: its end is queued
    q.push(ev('black', 'end', 2, 6)); // black start goes, likewise
    q.push(ev('stall', 'end', 7, 9)); // no start with its end queued: the oldest start (silence) goes
    q.push(ev('clipping', 'end', 8, 10)); // only ends left: the oldest (freeze end) goes
    expect(q.length).toBe(3);
    expect(q.maxLength).toBe(3);
    const report = q.shift()!;
    expect(report).toMatchObject({ type: 'events_dropped', phase: 'end', input: 'udp://x', start: 1, end: 5,
      detail: { dropped: 2, superseded: 2, types: { freeze: 2, black: 1, silence: 1 } } });
    expect([q.shift(), q.shift(), q.shift(), q.shift()].map((e) => e && `${e.type} ${e.phase}`)).toEqual(['black end', 'stall end', 'clipping end', undefined]);
    expect([q.dropped, q.superseded]).toEqual([2, 2]);
  });

  it('lag meter: steady input, bursts worked through, a paused source and clock drift are not lag; slow processing is', () => {
    const steady = new LagMeter(4);
    for (let i = 0; i < 3000; i++) steady.update(i * 0.04, 100 + i * 0.04 + (i % 7) * 0.003);
    expect(steady.sustained).toBeLessThan(0.05);
    // HLS-like: 6 s segments arriving at once every 6 s, worked through at 3x real time.
    const bursts = new LagMeter(4);
    for (let seg = 0; seg < 20; seg++) for (let i = 0; i < 150; i++) bursts.update(seg * 6 + i * 0.04, 6 + seg * 6 + i * 0.04 / 3);
    expect(bursts.max).toBeLessThan(0.5);
    // Source clock 200 ppm slower than this machine's, over 6 hours.
    const drift = new LagMeter(4);
    for (let i = 0; i < 21600; i++) drift.update(i, i * 1.0002);
    expect(drift.sustained).toBeLessThan(0.05);
    // Processing at half real time: the sustained lag follows, at most the window late.
    const slow = new LagMeter(4);
    for (let i = 0; i <= 250; i++) slow.update(i * 0.04, i * 0.08);
    // 10 s behind, less the drift allowance (1 ms/s); sustained: less the window's worth (4 s x 0.5).
    expect(slow.now).toBeGreaterThan(9.9);
    expect(slow.sustained).toBeGreaterThan(10 - 4 * 0.5 - 0.1);
    slow.reset();
    slow.update(11, 30);
    expect(slow.sustained).toBe(0);
  });

  it('streaming clipping gives the file detector\'s events, window chunks at a time', () => {
    // 400 windows of 50 ms, 2 channels; clipped counts in a few places, some within mergeGap of each other.
    const count = 400, channels = 2, stats = new Float64Array(count * channels * 3);
    const clipped: Array<[number, number, number]> = [[20, 0, 5], [21, 1, 40], [28, 0, 3], [60, 1, 2], [100, 0, 9], [111, 1, 9], [250, 0, 100], [399, 1, 4]];
    for (const [w, c, n] of clipped) stats[(w * channels + c) * 3 + 2] = n;
    const series = { t0: 1, window: 0.05, channels, count, stats };
    const file = detectClipping(series, {}, 48000);
    const live: Array<Omit<LiveEvent, 'input'>> = [];
    const tracker = new ClippingTracker({}, (e) => live.push(e));
    for (let w = 0; w < count; w += 5) {
      tracker.audio({ ...series, t0: 1 + w * 0.05, count: 5, stats: stats.subarray(w * channels * 3, (w + 5) * channels * 3), sampleRate: 48000, gap: false });
    }
    tracker.close();
    const strip = ({ type, start, end, duration, score, detail }: VqEvent) => ({ type, start, end, duration, score: score!.toFixed(9), detail });
    expect(file.length).toBe(4);
    expect(live.filter((e) => e.phase === 'end').map(strip)).toEqual(file.map(strip));
    expect(live.filter((e) => e.phase === 'start').map((e) => e.start)).toEqual(file.map((e) => e.start));
  });
});
