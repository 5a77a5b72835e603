/**
 * Live monitoring on a real local source: ffmpeg -re sends MPEG-TS over UDP to 127.0.0.1
 * with a freeze from 3 s to 8 s and then stops. The monitor must say `freeze` (phase
 * start) within minDuration + 1 s of the onset, end it at 8 s, and then raise `stall`.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

import { createMonitor, type LiveEvent } from '../src/live/monitor.js';
import { blockyZoneClip, freezeVf } from './helpers/clips.js';

describe('live UDP input', () => {
  it('freeze reported within minDuration + 1 s of its onset; stall when the source stops', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const url = `udp://127.0.0.1:${port}`;
    const monitor = createMonitor({ stallTimeout: 2, openTimeout: 4 });
    const seen: Array<{ e: LiveEvent; at: number }> = [];
    monitor.add(url);
    // Give the monitor a moment to bind; packets before that would be lost (that is UDP).
    await new Promise((r) => setTimeout(r, 500));
    const spawnedAt = performance.now();
    const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re',
      '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30:duration=9',
      '-filter_complex', `[0:v]${freezeVf(30, 3, 8)}[v]`, '-map', '[v]',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30',
      '-f', 'mpegts', `${url}?pkt_size=1316`], { stdio: 'ignore' });
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
    const start = seen.find((s) => s.e.type === 'freeze' && s.e.phase === 'start');
    const end = seen.find((s) => s.e.type === 'freeze' && s.e.phase === 'end');
    const stall = seen.find((s) => s.e.type === 'stall' && s.e.phase === 'start');
    expect(start, JSON.stringify(seen)).toBeDefined();
    expect(Math.abs(start!.e.start - 3)).toBeLessThanOrEqual(0.25);
    // Onset is 3 s after ffmpeg was started (its own start-up only makes this stricter).
    expect(start!.at).toBeLessThanOrEqual(3 + 2 + 1);
    expect(Math.abs(end!.e.end - 8)).toBeLessThanOrEqual(0.25);
    expect(stall).toBeDefined();
    expect(Math.abs(stall!.e.start - 9)).toBeLessThanOrEqual(0.5);
    expect(seen.every((s) => s.e.input === url)).toBe(true);
    expect(seen.filter((s) => !['freeze', 'stall'].includes(s.e.type))).toEqual([]);
  }, 40_000);

  it('blockiness (x264 QP 51 without deblocking, 4-7 s) reported within minDuration + 1 s of its onset, with a score', async () => {
    const file = blockyZoneClip();
    const port = 20000 + Math.floor(Math.random() * 20000);
    const url = `udp://127.0.0.1:${port}`;
    const monitor = createMonitor({ stallTimeout: 2, openTimeout: 4 });
    const seen: Array<{ e: LiveEvent; at: number }> = [];
    monitor.add(url);
    await new Promise((r) => setTimeout(r, 500));
    const spawnedAt = performance.now();
    const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-i', file, '-c', 'copy',
      '-f', 'mpegts', `${url}?pkt_size=1316`], { stdio: 'ignore' });
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
    const start = seen.find((s) => s.e.type === 'blockiness' && s.e.phase === 'start');
    const end = seen.find((s) => s.e.type === 'blockiness' && s.e.phase === 'end');
    expect(start, JSON.stringify(seen)).toBeDefined();
    expect(Math.abs(start!.e.start - 4)).toBeLessThanOrEqual(0.25);
    expect(start!.at).toBeLessThanOrEqual(4 + 1 + 1);
    expect(Math.abs(end!.e.end - 7)).toBeLessThanOrEqual(0.25);
    expect(end!.e.score).toBeGreaterThan(0);
    expect(end!.e.score).toBeLessThanOrEqual(1);
    expect(seen.filter((s) => !['blockiness', 'stall'].includes(s.e.type))).toEqual([]);
  }, 40_000);
});
