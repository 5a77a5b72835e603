/**
 * Live monitoring on real local sources (ffmpeg -re over UDP MPEG-TS, and HLS served over
 * HTTP), back-pressure with a throttled analysis, and the streaming parts on their own:
 * the bounded event queue, the lag meter, streaming clipping and corruption against the file
 * detectors, the missing-track rule.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { detectClipping } from '../src/detectors/clipping.js';
import { detectCorruption, type CorruptionOptions } from '../src/detectors/corruption.js';
import type { VideoSeries, VqEvent } from '../src/detectors/types.js';
import { ClippingTracker } from '../src/live/clipping-tracker.js';
import { CorruptionTracker } from '../src/live/corruption-tracker.js';
import { EventQueue } from '../src/live/event-queue.js';
import { LagMeter } from '../src/live/lag.js';
import { MissingTracker } from '../src/live/missing-tracker.js';
import { createMonitor, type LiveEvent, type Monitor } from '../src/live/monitor.js';
import { blockyZoneClip, catClip, clip, damageSpan, freezeVf, noiseDamaged, syncClip, trackHoles } from './helpers/clips.js';
import { ffmpegLive, liveH264, sendTsFile, serveDir, tempDir, udpUrl, watchPlaylist } from './helpers/live-sources.js';

const TOL = 0.25;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const find = <T extends { e: LiveEvent }>(seen: T[], type: string, phase: 'start' | 'end') => seen.find((s) => s.e.type === type && s.e.phase === phase);

/**
 * The monitor's events with their arrival (seconds after the source was spawned) and the
 * media time the input had read when it raised them, until the source has stopped and the
 * input stalls (or 25 s); then the source and the monitor stop. Latency is asserted on
 * `read`: how much stream an alarm waited for does not depend on the machine's load (the
 * backlog on top of it is the lag the bench measures).
 */
async function collectUntilStall(monitor: Monitor, ff: { kill(): unknown }, spawnedAt: number): Promise<Array<{ e: LiveEvent; at: number; read: number }>> {
  const seen: Array<{ e: LiveEvent; at: number; read: number }> = [];
  try {
    for await (const e of monitor) {
      seen.push({ e, at: (performance.now() - spawnedAt) / 1000, read: monitor.stats().inputs[0]?.mediaTime ?? NaN });
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
    // Raised once minDuration (2 s) of the freeze has been read, and at most 1 s more.
    expect(start!.read).toBeLessThanOrEqual(3 + 2 + 1);
    expect(Math.abs(end!.e.end - 8)).toBeLessThanOrEqual(TOL);
    expect(seen.filter((s) => s.e.type === 'freeze')).toHaveLength(2);
    const black = find(seen, 'black', 'start'), blackEnd = find(seen, 'black', 'end');
    expect(black, JSON.stringify(seen)).toBeDefined();
    expect(Math.abs(black!.e.start - 9)).toBeLessThanOrEqual(TOL);
    expect(black!.read).toBeLessThanOrEqual(9 + 1 + 1);
    expect(Math.abs(blackEnd!.e.end - 11.5)).toBeLessThanOrEqual(TOL);
    // Clipping has no minimum duration: it starts with its first window, ends mergeGap after its last.
    const clipStart = find(seen, 'clipping', 'start'), clipEnd = find(seen, 'clipping', 'end');
    expect(clipStart, JSON.stringify(seen)).toBeDefined();
    expect(Math.abs(clipStart!.e.start - 5)).toBeLessThanOrEqual(TOL);
    expect(clipStart!.read).toBeLessThanOrEqual(5 + 1);
    expect(Math.abs(clipEnd!.e.start - 5)).toBeLessThanOrEqual(TOL);
    expect(Math.abs(clipEnd!.e.end - 6)).toBeLessThanOrEqual(TOL);
    expect(clipEnd!.e.score).toBeGreaterThan(0);
    expect(stall).toBeDefined();
    expect(Math.abs(stall!.e.start - 13)).toBeLessThanOrEqual(0.5);
    expect(seen.every((s) => s.e.input === url)).toBe(true);
    expect(seen.filter((s) => !['freeze', 'black', 'clipping', 'stall'].includes(s.e.type))).toEqual([]);
  }, 40_000);

  it('a stop interrupts the open or the read in flight: close() does not wait out the timeouts (120 s here)', async () => {
    // Nothing sends here: the open waits for data until the stop interrupts it.
    const silent = createMonitor({ openTimeout: 120 });
    silent.add(udpUrl());
    await sleep(500);
    expect(silent.stats().inputs[0]!.state).toBe('connecting');
    await silent.close();
    // A source that sent 2 s and went quiet: the monitor is inside a read that would wait 120 s.
    const url = udpUrl();
    const monitor = createMonitor({ openTimeout: 120, stallTimeout: 1 });
    const seen: LiveEvent[] = [];
    monitor.on('event', (e: LiveEvent) => seen.push(e));
    monitor.add(url);
    await sleep(500);
    const ff = ffmpegLive(2, 'null', [...liveH264(30), '-f', 'mpegts', `${url}?pkt_size=1316`]);
    while (!seen.some((e) => e.type === 'stall')) await sleep(100);
    ff.kill();
    const [input] = monitor.stats().inputs;
    expect(input!.state).toBe('live');
    expect(input!.videoFrames).toBeGreaterThan(30);
    await monitor.close();
    expect(seen.map((e) => `${e.type} ${e.phase}`)).toEqual(['stall start', 'stall end']);
  }, 20_000);

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
    expect(start!.read).toBeLessThanOrEqual(4 + 1 + 1);
    expect(Math.abs(end!.e.end - 7)).toBeLessThanOrEqual(0.25);
    expect(end!.e.score).toBeGreaterThan(0);
    expect(end!.e.score).toBeLessThanOrEqual(1);
    expect(seen.filter((s) => !['blockiness', 'stall'].includes(s.e.type))).toEqual([]);
  }, 40_000);
});

describe('live corruption and missing tracks', () => {
  /** ffmpeg -re sending `file` (codecs copied) to each of `urls`; `extra` output options. */
  const send = (file: string, urls: string[], extra: string[] = []) => spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-i', file,
    ...urls.flatMap((u) => ['-map', '0', '-c', 'copy', ...extra, '-f', 'mpegts', `${u}?pkt_size=1316`])], { stdio: 'ignore' });

  it('corruption (noise-bsf damage in 4-6.5 s) from its first damaged frame to the next keyframe, phase start within 1 s of the onset, from pixels alone too; the clean stream raises nothing', async () => {
    // 12 s of test pattern and tone (H.264 with a keyframe every second, MP2), and a copy
    // whose video packets in 4-6.5 s the noise bitstream filter damaged. (Not ultrafast: it
    // does not deblock, and blockiness then fires on the pictures after the damage, for
    // files as live.)
    const base = clip('live-av.ts', ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30:duration=12',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=12', '-map', '0:v', '-map', '1:a',
      '-c:v', 'libx264', '-preset', 'veryfast', '-g', '30', '-pix_fmt', 'yuv420p', '-c:a', 'mp2', '-b:a', '192k', '-f', 'mpegts', 'OUT']);
    const damaged = noiseDamaged('live-av-corrupt-4-6.5.ts', base, 4, 6.5, 1000);
    const span = damageSpan(base, damaged);
    const urls = [udpUrl(), udpUrl(), udpUrl()];
    const monitors = [{}, { corruption: { decoder: false } }, {}].map((o, i) => {
      const m = createMonitor({ stallTimeout: 2, openTimeout: 4, ...o });
      m.add(urls[i]!);
      return m;
    });
    await sleep(500);
    const spawnedAt = performance.now();
    const ffDamaged = send(damaged, urls.slice(0, 2)), ffClean = send(base, urls.slice(2));
    const [both, pixels, clean] = await Promise.all([collectUntilStall(monitors[0]!, ffDamaged, spawnedAt),
      collectUntilStall(monitors[1]!, ffDamaged, spawnedAt), collectUntilStall(monitors[2]!, ffClean, spawnedAt)]);

    const start = find(both, 'corruption', 'start'), end = find(both, 'corruption', 'end');
    expect(start, JSON.stringify({ span, both })).toBeDefined();
    expect(Math.abs(start!.e.start - span.first)).toBeLessThanOrEqual(TOL);
    // minDuration 0: sure at the first damaged frame (onset span.first s after ffmpeg started).
    expect(start!.read).toBeLessThanOrEqual(span.first + 1);
    expect(end, JSON.stringify({ span, both })).toBeDefined();
    expect(end!.e.start).toBe(start!.e.start);
    expect(Math.abs(end!.e.end - span.recovery!)).toBeLessThanOrEqual(TOL);
    expect(end!.e.detail).toMatchObject({ evidence: ['decoder', 'pixels'], recovery: 'keyframe', tiles: 64 });
    expect(end!.e.detail!.damagedFrames).toBeGreaterThan(0);
    expect(end!.e.score).toBeGreaterThan(0);
    expect(both.filter((s) => s.e.type === 'corruption')).toHaveLength(2);
    expect(both.filter((s) => !['corruption', 'stall'].includes(s.e.type))).toEqual([]);

    const pStart = find(pixels, 'corruption', 'start'), pEnd = find(pixels, 'corruption', 'end');
    expect(pStart, JSON.stringify({ span, pixels })).toBeDefined();
    expect(Math.abs(pStart!.e.start - span.first)).toBeLessThanOrEqual(TOL);
    // Pixel damage is sure once its tiles stayed anomalous for 2 frames.
    expect(pStart!.read).toBeLessThanOrEqual(span.first + 1);
    expect(pEnd!.e.end).toBeLessThanOrEqual(span.recovery! + TOL);
    expect(pEnd!.e.detail).toMatchObject({ evidence: ['pixels'] });
    expect(pixels.filter((s) => s.e.type === 'corruption')).toHaveLength(2);

    expect(find(clean, 'stall', 'start'), JSON.stringify(clean)).toBeDefined();
    expect(clean.filter((s) => s.e.type !== 'stall')).toEqual([]);
  }, 40_000);

  it('audio_missing (3-6 s) and video_missing (9-11 s) while the other track goes on: from the hole to the return, phase start within minDuration + 1 s', async () => {
    // 14 s of test pattern and tone with the audio frames of 3-6 s and the video frames of
    // 9-11 s left out, timestamps kept: holes in each track's timeline.
    const file = clip('live-holes.ts', ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30:duration=14',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=14',
      '-filter_complex', "[0:v]select='not(between(t,9,11))'[v];[1:a]aselect='not(between(t,3,6))'[a]", '-map', '[v]', '-map', '[a]',
      ...liveH264(30), '-c:a', 'mp2', '-f', 'mpegts', 'OUT']);
    const holes = trackHoles(file);
    expect(holes.audio).toHaveLength(1);
    expect(holes.video).toHaveLength(1);
    const url = udpUrl();
    const monitor = createMonitor({ stallTimeout: 2, openTimeout: 4 });
    monitor.add(url);
    await sleep(500);
    const spawnedAt = performance.now();
    // Sent as an encoder would, as it comes: ffmpeg's muxer otherwise holds one track back
    // (up to 10 s) while it waits for packets of the other.
    const seen = await collectUntilStall(monitor, send(file, [url], ['-max_interleave_delta', '100000']), spawnedAt);
    for (const [type, [from, to]] of [['audio_missing', holes.audio[0]!], ['video_missing', holes.video[0]!]] as const) {
      const start = find(seen, type, 'start'), end = find(seen, type, 'end');
      expect(start, JSON.stringify({ holes, seen })).toBeDefined();
      // Phase start knows the media delivered so far (a partial PES held back by the muxer comes later).
      expect(Math.abs(start!.e.start - from)).toBeLessThanOrEqual(TOL);
      expect(start!.read).toBeLessThanOrEqual(from + 0.5 + 1);
      expect(end, JSON.stringify({ holes, seen })).toBeDefined();
      expect(Math.abs(end!.e.start - from)).toBeLessThanOrEqual(TOL);
      expect(Math.abs(end!.e.end - to)).toBeLessThanOrEqual(TOL);
    }
    expect(seen.filter((s) => s.e.type.endsWith('_missing'))).toHaveLength(4);
    expect(seen.filter((s) => !['audio_missing', 'video_missing', 'stall'].includes(s.e.type))).toEqual([]);
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

describe('a source that restarts', () => {
  it('its timestamps back to 0 with no pause between (a restarted encoder): not lag, nothing dropped, its defects after the restart found', async () => {
    const url = udpUrl();
    const monitor = createMonitor({ stallTimeout: 2, openTimeout: 4 });
    monitor.add(url);
    await sleep(500);
    const out = [...liveH264(30), '-f', 'mpegts', `${url}?pkt_size=1316`];
    const first = ffmpegLive(6, 'null', out);
    await new Promise((r) => first.once('exit', r));
    // The same encoder again at once (under stallTimeout): the timeline steps back 6 s.
    const seen = await collectUntilStall(monitor, ffmpegLive(9, freezeVf(30, 3, 7), out), performance.now());
    expect(seen.filter((s) => s.e.type === 'analysis_dropped'), JSON.stringify(seen)).toEqual([]);
    const freeze = find(seen, 'freeze', 'start');
    expect(freeze, JSON.stringify(seen)).toBeDefined();
    // Media times are the source's (the step back included): the freeze at 3 s of the second run.
    expect(Math.abs(freeze!.e.start - 3)).toBeLessThanOrEqual(TOL);
    // The step itself is reported, as av_sync discontinuity.
    const step = find(seen, 'av_sync', 'start');
    expect(step?.e.detail).toMatchObject({ kind: 'discontinuity', track: 'video' });
    expect(Math.abs((step!.e.detail!.jumpSec as number) + 6)).toBeLessThanOrEqual(TOL);
    expect(seen.filter((s) => !['freeze', 'stall', 'av_sync'].includes(s.e.type))).toEqual([]);
  }, 40_000);
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
    // A source restarted without a pause: its timeline steps back 18 s. Not lag.
    const restarted = new LagMeter(4);
    for (let i = 0; i < 500; i++) restarted.update(i < 250 ? i * 0.04 : (i - 250) * 0.04 + 0.5, 100 + i * 0.04);
    expect(restarted.sustained).toBeLessThan(0.05);
    // Two tracks 0.8 s apart in the mux (audio ahead), B-frames 0.1 s back: each track's own
    // order counts, so neither is a step back; slow processing is still lag.
    const muxed = new LagMeter(4);
    for (let i = 0; i <= 250; i++) {
      muxed.update(i * 0.04 + (i % 3 === 1 ? -0.1 : 0), i * 0.08, 0);
      muxed.update(i * 0.04 + 0.8, i * 0.08, 1);
    }
    expect(muxed.now).toBeGreaterThan(9);
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
      tracker.audio({ ...series, t0: 1 + w * 0.05, count: 5, stats: stats.subarray(w * channels * 3, (w + 5) * channels * 3), sampleRate: 48000, gap: false,
        dropped: false, frames: new Float64Array(0), samples: null });
    }
    tracker.close();
    const strip = ({ type, start, end, duration, score, detail }: VqEvent) => ({ type, start, end, duration, score: score!.toFixed(9), detail });
    expect(file.length).toBe(4);
    expect(live.filter((e) => e.phase === 'end').map(strip)).toEqual(file.map(strip));
    expect(live.filter((e) => e.phase === 'start').map((e) => e.start)).toEqual(file.map((e) => e.start));
  });
  it('streaming corruption gives the file detector\'s events, a decoded group at a time, each announced first', () => {
    // 20 s at 30 fps, 64 tiles, a keyframe every second; decoder damage in 2.0-2.2 s, and at
    // 6.0 and 7.5 s (recovered at 7 s, then one event with the next: mergeGap), a refused
    // packet at 9.5 s, pixel damage (12 tiles with grid-aligned edges) in 13.0-13.4 s, a
    // scene cut at 17 s.
    const n = 600, T = 64, fd = 1 / 30;
    const v: VideoSeries = { t: Float64Array.from({ length: n }, (_, i) => i * fd), rows: new Float64Array(0), columns: 0,
      corrupt: new Uint8Array(n), key: Uint8Array.from({ length: n }, (_, i) => (i % 30 === 0 ? 1 : 0)), errorTimes: Float64Array.of(9.5),
      texture: { tiles: T, edge: new Uint16Array(n * T), block8: new Uint16Array(n * T), cut: new Uint8Array(n) }, frameDuration: fd };
    for (const i of [60, 61, 63, 66, 180, 225]) v.corrupt[i] = 1;
    v.texture!.cut[510] = 1;
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < T; t++) {
        const hit = i >= 390 && i < 402 && t < 12;
        v.texture!.edge[i * T + t] = Math.round((hit ? 30 : 4 + ((i * 7 + t) % 5) * 0.2) * 256);
        v.texture!.block8[i * T + t] = Math.round((hit ? 1.5 : 0.6 + ((i + t) % 3) * 0.02) * 256);
      }
    }
    const strip = ({ type, start, end, duration, score, detail }: VqEvent) => ({ type, start, end, duration, score, detail });
    for (const o of [{}, { decoder: false }, { pixels: false }, { mergeGap: 0 }, { minDuration: 0.5 }, { maxRecovery: 0.1 }] as CorruptionOptions[]) {
      const file = detectCorruption(v, o);
      const live: Array<Omit<LiveEvent, 'input'>> = [];
      const tracker = new CorruptionTracker(o, (e) => live.push(e));
      for (let s = 0; s < n; s += 7) {
        const e = Math.min(n, s + 7), tex = v.texture!;
        // The packets refused since the group before come with the group holding the first frame after them.
        tracker.video({ rows: new Float64Array(0), rowWidth: 0, count: e - s, t: v.t.subarray(s, e), frameDuration: fd, constantDuration: fd, first: s === 0, gap: false,
          corrupt: v.corrupt.subarray(s, e), key: v.key.subarray(s, e), refused: [...v.errorTimes].filter((at) => at > (s ? v.t[s - 1]! : -1) + 1e-6 && at <= v.t[e - 1]! + 1e-6),
          texture: { tiles: T, edge: tex.edge.subarray(s * T, e * T), block8: tex.block8.subarray(s * T, e * T), cut: tex.cut.subarray(s, e) } });
      }
      tracker.close();
      expect(file.length, JSON.stringify(o)).toBeGreaterThanOrEqual(o.decoder === false || o.pixels === false ? 1 : 3);
      expect(live.filter((e) => e.phase === 'end').map(strip), JSON.stringify(o)).toEqual(file.map(strip));
      // Each event: phase start first, at the same start, then its end before the next one starts.
      expect(live.map((e) => `${e.phase} ${e.start}`)).toEqual(file.flatMap((e) => [`start ${e.start}`, `end ${e.start}`]));
    }
  });

  it('missing track: the other track\'s progress since the watched one last delivered; held-back media, pauses, offsets and absent tracks', () => {
    const run = (tracks: { audio: boolean; video: boolean }, feed: (p: (track: 'audio' | 'video', t0: number, t1: number, resumed?: boolean) => void) => void) => {
      const out: string[] = [];
      const tracker = new MissingTracker('audio', {}, (e) => out.push(`${e.phase} ${e.start}-${e.end}`));
      tracker.session(tracks);
      feed((track, t0, t1, resumed = false) => tracker.packet(track, t0, t1, resumed));
      tracker.close();
      return out;
    };
    /**
     * Packets arriving in [from, to) in arrival order: video frames of 40 ms, audio packets of
     * 100 ms sent `lead` s ahead of their picture; `resumed` on the first (after a pause).
     */
    const av = (p: (track: 'audio' | 'video', t0: number, t1: number, resumed?: boolean) => void, from: number, to: number,
                { audio = true, video = true, lead = 0, resumed = false } = {}) => {
      const packets: Array<[number, 'audio' | 'video', number]> = [];
      if (video) for (let k = Math.round(from / 0.04); k < Math.round(to / 0.04); k++) packets.push([k * 0.04, 'video', k * 0.04]);
      if (audio) for (let j = Math.round((from + lead) / 0.1); j < Math.round((to + lead) / 0.1); j++) packets.push([j * 0.1 - lead, 'audio', j * 0.1]);
      packets.sort((x, y) => x[0] - y[0]);
      packets.forEach(([, track, t], i) => p(track, t, t + (track === 'video' ? 0.04 : 0.1), resumed && i === 0));
    };
    // Audio sent 0.8 s ahead of its picture throughout: no defect.
    expect(run({ audio: true, video: true }, (p) => av(p, 0, 20, { lead: 0.8 }))).toEqual([]);
    // Audio stops at 5 s and comes back at 8 s; its last 0.2 s before the hole arrives late
    // (phase start says 4.8, phase end 5).
    expect(run({ audio: true, video: true }, (p) => {
      av(p, 0, 4.8);
      av(p, 4.8, 8, { audio: false });
      p('audio', 4.8, 4.9);
      p('audio', 4.9, 5);
      av(p, 8, 10);
    })).toEqual(['start 4.8-5.24', 'end 5-8']);
    // Shorter than minDuration (0.5 s): nothing.
    expect(run({ audio: true, video: true }, (p) => { av(p, 0, 5); av(p, 5, 5.3, { audio: false }); av(p, 5.3, 8); })).toEqual([]);
    // Audio held up for 0.6 s but none lost: reported, and ended as its delayed media comes (not held open).
    expect(run({ audio: true, video: true }, (p) => {
      av(p, 0, 5);
      av(p, 5, 5.6, { audio: false });
      for (let a = 5; a < 5.55; a += 0.1) p('audio', a, a + 0.1);
      av(p, 5.6, 8);
    })).toEqual(['start 5-5.44', 'end 5.2-5.2']);
    // The whole input pauses at 5 s (a stall); after it video comes alone: missing from where video resumed.
    expect(run({ audio: true, video: true }, (p) => { av(p, 0, 5); av(p, 9, 12, { audio: false, resumed: true }); }))
      .toEqual(['start 9-9.52', 'end 9-12']);
    // A declared audio track that never delivers: missing from the first video on; no audio track: never missing.
    expect(run({ audio: true, video: true }, (p) => av(p, 2, 4, { audio: false }))).toEqual(['start 2-2.52', 'end 2-4']);
    expect(run({ audio: false, video: true }, (p) => av(p, 2, 4, { audio: false }))).toEqual([]);
  });
  it('monitor options: the corruption, missing-track and av_sync detectors run live and their options are checked as for files', () => {
    const bad = (o: object) => expect(() => createMonitor(o)).toThrow(expect.objectContaining({ code: 'ERR_VQMON_INVALID_ARG' }) as Error);
    expect(createMonitor({ only: ['corruption', 'audio_missing', 'video_missing', 'av_sync'], corruption: { minTiles: 8, decoder: false },
      audio_missing: { minDuration: 1 }, av_sync: { tolerance: 0.1, timestamps: false } })).toBeDefined();
    bad({ av_sync: { tolerance: -1 } });
    bad({ av_sync: { minPairs: 0 } });
    bad({ av_sync: { timestamps: 'no' } });
    bad({ corruption: { minTiles: 0 } });
    bad({ corruption: { minTiles: 65 } });
    bad({ corruption: { pixels: 'yes' } });
    bad({ corruption: { mergeGap: -1 } });
    bad({ audio_missing: { minDuration: -0.5 } });
    bad({ video_missing: { minDuration: 'long' } });
    bad({ video_missing: 3 });
  });
});

describe('live av_sync', () => {
  /** Sends `file` at real speed as MPEG-TS over UDP (video copied, audio in MP2); the monitor's events until it stalls. */
  async function watchFile(args: string[], options: Parameters<typeof createMonitor>[0] = {}, all?: LiveEvent[]) {
    const url = udpUrl();
    const monitor = createMonitor({ stallTimeout: 3, openTimeout: 4, only: ['av_sync'], ...options });
    if (all) monitor.on('event', (e: LiveEvent) => all.push(e)); // with those the close sends
    monitor.add(url);
    await sleep(500);
    const spawnedAt = performance.now();
    const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', ...args, '-f', 'mpegts', `${url}?pkt_size=1316`], { stdio: 'ignore' });
    return collectUntilStall(monitor, ff, spawnedAt);
  }
  const avSync = <T extends { e: LiveEvent }>(seen: T[]) => seen.filter((s) => s.e.type === 'av_sync');

  for (const offset of [200, 0]) {
    it(`flash-and-beep with audio ${offset} ms late: ${offset ? 'av_sync signal within one frame of it' : 'nothing'}`, async () => {
      // MP2 adds no priming delay to its timestamps (the file tests' AAC check covers that).
      const seen = await watchFile(['-i', syncClip(offset, 14), '-c:v', 'copy', '-c:a', 'mp2', '-b:a', '192k']);
      const ev = avSync(seen);
      if (!offset) {
        expect(ev, JSON.stringify(ev)).toEqual([]);
        return;
      }
      const start = ev.find((s) => s.e.phase === 'start' && (s.e.detail as { kind: string }).kind === 'signal');
      expect(start, JSON.stringify(seen)).toBeDefined();
      expect(Math.abs(start!.e.offsetMs! - offset)).toBeLessThanOrEqual(1000 / 30);
      expect((start!.e.detail as { pairs: number }).pairs).toBeGreaterThanOrEqual(3);
      // nothing but the signal measurement (no timestamp event on a clean stream)
      expect(ev.every((s) => (s.e.detail as { kind: string }).kind === 'signal'), JSON.stringify(ev)).toBe(true);
      console.log('signal start', start!.e, 'arrived', start!.at.toFixed(2));
    });
  }

  /** One jump event of both tracks at 5 s, `jump` seconds (a gap forward, a discontinuity back). */
  function expectJump(seen: Array<{ e: LiveEvent; at: number }>, jump: number, at = 5) {
    const ev = avSync(seen);
    const start = ev.find((s) => s.e.phase === 'start');
    expect(start, JSON.stringify(seen)).toBeDefined();
    expect(start!.e.detail).toMatchObject({ kind: jump > 0 ? 'gap' : 'discontinuity', track: 'both' });
    expect(Math.abs((start!.e.detail as { jumpSec: number }).jumpSec - jump)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(start!.e.start - at)).toBeLessThanOrEqual(TOL);
    expect(ev.filter((s) => s.e.phase === 'start'), JSON.stringify(ev)).toHaveLength(1);
    console.log('jump', start!.e, 'arrived', start!.at.toFixed(2));
  }

  it('the timeline jumping 2 s ahead at 5 s: av_sync gap of both tracks at the splice', async () => {
    const pts = 'PTS+gte(T\\,5)*2/TB';
    expectJump(await watchFile(['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30:duration=10',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=10',
      '-vf', `setpts=${pts}`, '-af', `asetpts=${pts}`, '-fps_mode', 'passthrough', ...liveH264(30), '-c:a', 'mp2', '-b:a', '192k']), 2);
  });

  it('the timeline stepping 1 s back at 5 s: av_sync discontinuity of both tracks at the splice', async () => {
    // Two 5 s parts, the second stamped from 1 s before the first one's end, joined byte for
    // byte (an encoder restart); sent as they are (ffmpeg would lift the stepped-back timestamps).
    const part = (name: string, offset: number) => clip(name, ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30:duration=5',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=5', ...liveH264(30), '-c:a', 'mp2', '-b:a', '192k',
      '-output_ts_offset', String(offset), '-f', 'mpegts', 'OUT']);
    const file = catClip('live-back.ts', [part('live-back-a.ts', 10), part('live-back-b.ts', 14)]);
    const url = udpUrl();
    const monitor = createMonitor({ stallTimeout: 3, openTimeout: 4, only: ['av_sync'] });
    monitor.add(url);
    await sleep(500);
    const spawnedAt = performance.now();
    expectJump(await collectUntilStall(monitor, sendTsFile(file, url, 10), spawnedAt), -1);
  });

  it('audio timestamps running 2% fast: av_sync drift of the audio from where the offset passes the tolerance', async () => {
    // 20 ms a second: the offset passes 45 ms at 2.25 s.
    const all: LiveEvent[] = [];
    const seen = await watchFile(['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30:duration=10',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=10',
      '-af', 'asetpts=PTS*1.02', ...liveH264(30), '-c:a', 'mp2', '-b:a', '192k'], {}, all);
    const ev = avSync(seen);
    const start = ev.find((s) => s.e.phase === 'start');
    expect(start, JSON.stringify(seen)).toBeDefined();
    expect(start!.e.detail).toMatchObject({ kind: 'drift', track: 'audio' });
    expect(Math.abs(start!.e.start - 2.25)).toBeLessThanOrEqual(TOL);
    expect(ev.filter((s) => s.e.phase === 'start'), JSON.stringify(ev)).toHaveLength(1);
    // The drift goes on to the end: its phase end comes with the close, the slope over the span.
    const end = all.find((e) => e.type === 'av_sync' && e.phase === 'end');
    expect(end, JSON.stringify(all)).toBeDefined();
    expect(Math.abs((end!.detail as { ratePpm: number }).ratePpm - 20000)).toBeLessThanOrEqual(2000);
    expect(Math.abs(end!.offsetMs! - 200)).toBeLessThanOrEqual(30);
    console.log('drift', start!.e, 'arrived', start!.at.toFixed(2), 'end', end);
  });

  it('a clean stream raises nothing', async () => {
    const seen = await watchFile(['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30:duration=10',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=10', ...liveH264(30), '-c:a', 'mp2', '-b:a', '192k']);
    expect(avSync(seen), JSON.stringify(avSync(seen))).toEqual([]);
  });
});
