/**
 * blockiness: clips with real compression blocking in a known span (an x264 zone at QP 51
 * with the deblocking filter off; a starved MPEG-2 or x264 part joined between clean ones)
 * are found with start and end within 0.25 s; the same content encoded cleanly, or at a low
 * but deblocked bitrate, raises nothing. The scoring itself is checked on made-up series.
 */
import { describe, expect, it } from 'vitest';

import { analyze } from '../src/analyze/analyze.js';
import { detectBlockiness } from '../src/detectors/blockiness.js';
import { TrailingQuantile } from '../src/detectors/trailing-quantile.js';
import type { VideoSeries, VqEvent } from '../src/detectors/types.js';
import { FRAME_COLUMNS, frameColumn } from '../src/native.js';
import { blockyZoneClip, clip, joinedClip, testMedia, texturedInput } from './helpers/clips.js';

const TOL = 0.25;
const x264 = ['-an', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'];

function expectSpan(e: VqEvent | undefined, start: number, end: number) {
  expect(e, 'event missing').toBeDefined();
  expect(Math.abs(e!.start - start), `start ${e!.start} vs ${start}`).toBeLessThanOrEqual(TOL);
  expect(Math.abs(e!.end - end), `end ${e!.end} vs ${end}`).toBeLessThanOrEqual(TOL);
  expect(e!.score).toBeGreaterThan(0);
  expect(e!.score).toBeLessThanOrEqual(1);
}

const blocky = (r: { events: VqEvent[] }) => r.events.filter((e) => e.type === 'blockiness');

describe('blockiness on encoded clips', () => {
  const zoned = blockyZoneClip;

  it('x264 QP 51 without deblocking, 4-7 s: found, nothing else', async () => {
    const r = await analyze(zoned(), { threads: 1 });
    expect(r.events.map((e) => e.type)).toEqual(['blockiness']);
    expectSpan(r.events[0], 4, 7);
    expect(r.events[0]!.detail!.blockTiles as number).toBeGreaterThan(r.events[0]!.detail!.baseline as number);
  });

  it('the same content encoded cleanly (crf 23), or at 80 kb/s with deblocking, raises nothing', async () => {
    const clean = clip('textured-clean.mp4', [...texturedInput(10), ...x264, '-g', '60', '-crf', '23', 'OUT']);
    const starved = clip('textured-80k.mp4', [...texturedInput(10), ...x264, '-g', '60', '-b:v', '80k', 'OUT']);
    expect((await analyze(clean, { threads: 1 })).events).toEqual([]);
    expect((await analyze(starved, { threads: 1 })).events).toEqual([]);
  });

  it('options: minDuration longer than the span hides it; a lower threshold does not move it', async () => {
    expect(blocky(await analyze(zoned(), { threads: 1, blockiness: { minDuration: 4 } }))).toEqual([]);
    expectSpan(blocky(await analyze(zoned(), { threads: 1, only: ['blockiness'], blockiness: { threshold: 0.2 } }))[0], 4, 7);
  });

  it('refuses bad options with an actionable message', async () => {
    await expect(analyze(zoned(), { blockiness: { threshold: 0 } })).rejects.toMatchObject({ code: 'ERR_VQMON_INVALID_ARG', message: expect.stringContaining('blockiness.threshold') });
    await expect(analyze(zoned(), { blockiness: { baselineWindow: 0.5 } })).rejects.toMatchObject({ code: 'ERR_VQMON_INVALID_ARG', message: expect.stringContaining('baselineWindow') });
  });
});

describe('blockiness in copies of real clips', () => {
  const bbb = testMedia('big_buck_bunny.mp4');

  // 0-10 s crf 23, 10-13 s at QP 51 without deblocking, 13-22 s crf 23 (on two workers the
  // segments meet at 11 s, inside the blocky part).
  const bbbStarved = () => joinedClip('bbb-blocky.mp4', [
    clip('bbb-0-10.ts', ['-i', bbb, '-t', '10', ...x264, '-crf', '23', 'OUT']),
    clip('bbb-10-13-qp51.ts', ['-ss', '10', '-t', '3', '-i', bbb, ...x264, '-qp', '51', '-x264-params', 'no-deblock=1', 'OUT']),
    clip('bbb-13-22.ts', ['-ss', '13', '-t', '9', '-i', bbb, ...x264, '-crf', '23', 'OUT']),
  ]);

  it('big_buck_bunny.mp4 with a starved x264 part at 10-13 s: found, the same split across workers', async () => {
    const r = await analyze(bbbStarved(), { threads: 1 });
    expect(r.events.map((e) => e.type)).toEqual(['blockiness']);
    expectSpan(r.events[0], 10, 13);
    const split = await analyze(bbbStarved(), { threads: 2 });
    expect(split.stats.segments).toBeGreaterThan(1);
    expect(split.events).toEqual(r.events);
  });

  it('bottle-detection.mp4 as MPEG-2 with a part at qscale 24 (6-9 s): found', async () => {
    const src = testMedia('bottle-detection.mp4');
    const mpeg2 = ['-c:v', 'mpeg2video', '-an'];
    const file = joinedClip('bottle-blocky.mp4', [
      clip('bottle-0-6.ts', ['-i', src, '-t', '6', ...mpeg2, '-q:v', '4', 'OUT']),
      clip('bottle-6-9-q24.ts', ['-ss', '6', '-t', '3', '-i', src, ...mpeg2, '-q:v', '24', 'OUT']),
      clip('bottle-9-14.ts', ['-ss', '9', '-t', '5', '-i', src, ...mpeg2, '-q:v', '4', 'OUT']),
    ]);
    const r = await analyze(file, { threads: 1 });
    expect(r.events.map((e) => e.type)).toEqual(['blockiness']);
    expectSpan(r.events[0], 6, 9);
  });

  it('big_buck_bunny.mp4 at 250 kb/s (deblocked, soft): nothing', async () => {
    const file = clip('bbb-250k.mp4', ['-i', bbb, '-t', '16', ...x264, '-b:v', '250k', 'OUT']);
    expect(blocky(await analyze(file, { threads: 1, only: ['blockiness'] }))).toEqual([]);
  });
});

describe('blockiness scoring on made-up series', () => {
  // 25 fps; blockTiles = level(t) with a small wobble so the baseline is not trivial.
  function series(seconds: number, level: (t: number) => number): VideoSeries {
    const n = seconds * 25, c = FRAME_COLUMNS.length, col = frameColumn('blockTiles');
    const rows = new Float64Array(n * c), t = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      t[i] = i / 25;
      rows[i * c + col] = level(t[i]!) * (1 + 0.03 * Math.sin(i * 1.7));
    }
    return { t, rows, columns: c, corrupt: new Uint8Array(n), key: new Uint8Array(n), errorTimes: new Float64Array(0), texture: null, frameDuration: 1 / 25 };
  }

  it('scores a jump against the content level, whatever that level is', () => {
    for (const base of [0.9, 1.7]) {
      const ev = detectBlockiness(series(20, (t) => (t >= 6 && t < 9 ? base * 1.8 : base)));
      expect(ev).toHaveLength(1);
      expectSpan(ev[0], 6, 9);
      expect(ev[0]!.score).toBeCloseTo(1 - 1 / 1.8, 1);
      expect(ev[0]!.detail!.baseline as number).toBeCloseTo(base, 1);
    }
  });

  it('follows a content level that drifts or changes scene; flat pictures neither score nor move the baseline', () => {
    expect(detectBlockiness(series(60, (t) => 1 + t / 120))).toEqual([]);
    expect(detectBlockiness(series(30, (t) => (t < 10 ? 1 : 1.2)))).toEqual([]);
    // 6 s of flat picture (NaN) in content at 1.7 do not make the content look blocky after.
    expect(detectBlockiness(series(20, (t) => (t >= 4 && t < 10 ? NaN : 1.7)))).toEqual([]);
  });

  it('short bursts are not sustained blocking', () => {
    expect(detectBlockiness(series(20, (t) => (t % 4 < 0.5 ? 2.5 : 1)))).toEqual([]);
  });

  it('the trailing quantile forgets values older than its window', () => {
    const q = new TrailingQuantile(2, 0.25);
    // 0, 0.5, 1, 1.5 s: 10 (high); 2, 2.5, 3, 3.5 s: 5, 6, 7, 8.
    for (let i = 0; i < 8; i++) q.add(i * 0.5, i < 4 ? 10 : 1 + i);
    // The window (1.5, 3.5] holds 5, 6, 7, 8: the 10s are gone.
    expect(q.count).toBe(4);
    expect(q.value()).toBe(5);
  });
});
