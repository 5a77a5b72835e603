/**
 * The analysis engine end to end on generated clips with known defects (and clean ones):
 * every injected defect found with its start within 0.25 s, clean clips silent.
 */
import { describe, expect, it } from 'vitest';

import { analyze, type Report } from '../src/analyze/analyze.js';
import { makespan } from '../src/analyze/keyframes.js';
import { planSegments, staggeredSegments } from '../src/analyze/segments.js';
import type { VqEvent } from '../src/detectors/types.js';
import { avClip, clip, freezeVf, testMedia, syncClip } from './helpers/clips.js';

const TOL = 0.25;

function only(r: Report, type: string): VqEvent[] {
  return r.events.filter((e) => e.type === type);
}

function expectSpan(e: VqEvent | undefined, start: number, end: number) {
  expect(e, 'event missing').toBeDefined();
  expect(Math.abs(e!.start - start), `start ${e!.start} vs ${start}`).toBeLessThanOrEqual(TOL);
  expect(Math.abs(e!.end - end), `end ${e!.end} vs ${end}`).toBeLessThanOrEqual(TOL);
}

describe('detectors on generated clips', () => {
  it('a clean clip raises nothing', async () => {
    const r = await analyze(avClip('clean.mp4', 12), { threads: 1 });
    expect(r.events).toEqual([]);
    expect(r.stats.frames).toBe(360);
  });

  it('freeze: 3.0-6.0 s frozen picture', async () => {
    const r = await analyze(avClip('freeze.mp4', 10, freezeVf(30, 3, 6)), { threads: 1 });
    expect(only(r, 'freeze')).toHaveLength(1);
    expectSpan(only(r, 'freeze')[0], 3, 6);
    expect(r.events.map((e) => e.type)).toEqual(['freeze']);
  });

  it('freeze shorter than minDuration is not reported, and minDuration is an option', async () => {
    const file = avClip('freeze-short.mp4', 8, freezeVf(30, 2, 3.5));
    expect(only(await analyze(file, { threads: 1 }), 'freeze')).toEqual([]);
    expectSpan(only(await analyze(file, { threads: 1, freeze: { minDuration: 1 } }), 'freeze')[0], 2, 3.5);
  });

  it('black: 4-6 s black picture', async () => {
    const r = await analyze(avClip('black.mp4', 10, "drawbox=enable='between(t,4,6)':color=black:t=fill"), { threads: 1 });
    expect(r.events.map((e) => e.type)).toEqual(['black']);
    expectSpan(only(r, 'black')[0], 4, 6);
  });

  it('silence: 3-6 s muted audio', async () => {
    const r = await analyze(avClip('silence.mp4', 10, undefined, "volume=enable='between(t,3,6)':volume=0"), { threads: 1 });
    expect(r.events.map((e) => e.type)).toEqual(['silence']);
    expectSpan(only(r, 'silence')[0], 3, 6);
  });

  it('clipping: 2-3 s driven 20 dB over full scale (PCM)', async () => {
    const file = clip('clipping.mkv', [
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=6',
      '-af', "volume=enable='between(t,2,3)':volume=20dB", '-c:a', 'pcm_s16le', 'OUT']);
    const r = await analyze(file, { threads: 1 });
    expect(r.events.map((e) => e.type)).toEqual(['clipping']);
    expectSpan(r.events[0], 2, 3);
    expect(r.events[0]!.score).toBeGreaterThan(0);
  });
});

describe('segments across workers', () => {
  // 70 s with a freeze (28-33 s) and a black picture (45.5-47.5 s): 3 segments of ~23 s on 2
  // threads, so the freeze crosses a segment boundary.
  const long = () => avClip('long.mp4', 70, `${freezeVf(30, 28, 33)},drawbox=enable='between(t,45.5,47.5)':color=black:t=fill`);

  it('an event that crosses a segment boundary comes out once and unbroken', async () => {
    const r = await analyze(long(), { threads: 2 });
    expect(r.stats.segments).toBeGreaterThan(1);
    expect(r.events.map((e) => e.type)).toEqual(['freeze', 'black']);
    expectSpan(only(r, 'freeze')[0], 28, 33);
    expectSpan(only(r, 'black')[0], 45.5, 47.5);
    expect(r.stats.frames).toBe(2100);
  });

  it('cuts segments on keyframes: no frame is decoded only to be skipped', async () => {
    const r = await analyze(long(), { threads: 2 });
    // One extra frame per boundary: the next segment's first, analysed to join the chains.
    expect(r.stats.framesDecoded).toBe(r.stats.frames + r.stats.segments - 1);
  });

  it('MPEG-TS (seeks land anywhere, decoding resumes at a keyframe): every frame once, the same events', async () => {
    const ts = clip('long.ts', ['-i', long(), '-c', 'copy', '-f', 'mpegts', 'OUT']);
    const one = await analyze(ts, { threads: 1 });
    const split = await analyze(ts, { threads: 2 });
    expect(split.stats.segments).toBeGreaterThan(1);
    expect(one.stats.frames).toBe(2100);
    expect(split.stats.frames).toBe(2100);
    expect(split.events).toEqual(one.events);
    expect(split.events.map((e) => e.type)).toEqual(['freeze', 'black']);
  });

  it('staggers one-segment-a-worker plans when keyframes make that finish sooner', async () => {
    // 30 s on 2 workers: [0, 15) [15, end), or staggered [0, 7.5) [7.5, 22.5) [22.5, end),
    // where the worker with the first segment takes the last.
    const plan = planSegments(30, 2);
    expect(plan.map((s) => s.start)).toEqual([0, 15]);
    expect(staggeredSegments(plan, 2, 30)!.map((s) => s.start)).toEqual([0, 7.5, 22.5]);
    expect(staggeredSegments(planSegments(70, 2), 2, 70)).toBeNull(); // three a worker already
    // Short files: one segment of at least 5 s for as many workers as fit.
    expect(planSegments(9, 2)).toHaveLength(1);
    expect(planSegments(10, 2).map((s) => s.start)).toEqual([0, 5]);
    expect(planSegments(30, 4)).toHaveLength(4);
    expect(planSegments(12, 4)).toHaveLength(2);
    const cut = (a: number, b: number) => ({ start: a, end: b, videoStart: a, videoEnd: b, seekTo: a });
    // Keyframes every 2 s from 0.37: the even cut lands 0.63 s early (14.37), the staggered
    // ones at 7.37 and 22.37 (a 15 s middle segment, 7.37 + 7.63 s for the other worker).
    expect(makespan([cut(0, 14.37), cut(14.37, Infinity)], 2, 30, 0)).toBeCloseTo(15.63);
    expect(makespan([cut(0, 7.37), cut(7.37, 22.37), cut(22.37, Infinity)], 2, 30, 0)).toBeCloseTo(15);
    // Per-segment overhead counts: the worker with two segments pays it twice.
    expect(makespan([cut(0, 7.37), cut(7.37, 22.37), cut(22.37, Infinity)], 2, 30, 0.15)).toBeCloseTo(15.3);
    const r = await analyze(avClip('staggered.mp4', 30), { threads: 2 });
    expect(r.stats.frames).toBe(900);
    expect(r.stats.framesDecoded).toBe(r.stats.frames + r.stats.segments - 1);
    expect(r.events).toEqual([]);
  });

  it('an abort mid-analysis stops the workers between two packets (5 times), typed; the next analysis is whole', async () => {
    // Cancelling is cooperative (a flag read between packets): terminating a worker inside a
    // synchronous node-av call aborted the process. Abort once 1..5 of the 6 segments are
    // done, so the others are in their decode loops or queued.
    for (let i = 0; i < 5; i++) {
      const abort = new AbortController();
      const running = analyze(long(), { threads: 2, signal: abort.signal,
        onProgress: ({ done, total }) => { expect(total).toBe(6); if (done === i + 1) abort.abort(); } });
      await expect(running).rejects.toMatchObject({ code: 'ERR_VQMON_ABORTED' });
    }
    // Aborted before it starts: no segment runs.
    const early = new AbortController();
    early.abort();
    await expect(analyze(long(), { threads: 2, signal: early.signal })).rejects.toMatchObject({ code: 'ERR_VQMON_ABORTED' });
    const r = await analyze(long(), { threads: 2 });
    expect(r.events.map((e) => e.type)).toEqual(['freeze', 'black']);
  }, 60_000);

  it('gives the same events split or in one pass', async () => {
    const one = await analyze(long(), { threads: 1 });
    const split = await analyze(long(), { threads: 2 });
    expect(one.stats.segments).toBe(1);
    expect(split.events).toEqual(one.events);
  });
});

describe('real clips in test/media', () => {
  const media = testMedia;

  it('bottle-detection.mp4 has no defect', async () => {
    expect((await analyze(media('bottle-detection.mp4'))).events).toEqual([]);
  });

  it('car-detection.mp4: its digital-silence audio track is silence from start to end, nothing else', async () => {
    const r = await analyze(media('car-detection.mp4'));
    expect(r.events.map((e) => e.type)).toEqual(['silence']);
    expect(r.events[0]!.start).toBeLessThanOrEqual(TOL);
    expect(r.events[0]!.end).toBeGreaterThanOrEqual(30.2 - TOL);
  });

  it('big_buck_bunny.mp4: the opening fade from black is content, not a defect', async () => {
    expect((await analyze(media('big_buck_bunny.mp4'))).events).toEqual([]);
  });

  it('finds a freeze injected into a copy of big_buck_bunny.mp4', async () => {
    const file = clip('bbb-freeze.mp4', ['-i', media('big_buck_bunny.mp4'), '-t', '30',
      '-filter_complex', `[0:v]${freezeVf(24, 12, 16)}[v]`, '-map', '[v]', '-map', '0:a',
      '-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'copy', 'OUT']);
    const r = await analyze(file);
    expect(r.events.map((e) => e.type)).toEqual(['freeze']);
    expectSpan(r.events[0], 12, 16);
  });
});

describe('A/V sync on flash-and-beep patterns', () => {
  for (const offset of [-120, 0, 200]) {
    it(`measures ${offset} ms (positive = audio late) within one frame`, async () => {
      const r = await analyze(syncClip(offset), { threads: 1 });
      expect(r.stats.avSync).not.toBeNull();
      expect(Math.abs(r.stats.avSync!.offsetMs - offset)).toBeLessThanOrEqual(1000 / 30);
      expect(r.stats.avSync!.pairs).toBeGreaterThanOrEqual(9);
      // An event only beyond the tolerance (45 ms); nothing else fires on the pattern.
      expect(r.events.map((e) => e.type)).toEqual(offset === 0 ? [] : ['av_sync']);
      if (offset !== 0) expect(Math.abs(r.events[0]!.offsetMs! - offset)).toBeLessThanOrEqual(1000 / 30);
    });
  }

  it('is the same through AAC in MP4 and across segments', async () => {
    const mp4 = clip('sync200-aac.mp4', ['-i', syncClip(200, 40), '-c:v', 'copy', '-c:a', 'aac', '-b:a', '192k', 'OUT']);
    const r = await analyze(mp4, { threads: 2 });
    expect(r.stats.segments).toBeGreaterThan(1);
    expect(Math.abs(r.stats.avSync!.offsetMs - 200)).toBeLessThanOrEqual(1000 / 30);
    expect(r.stats.avSync!.pairs).toBeGreaterThanOrEqual(38);
  });

  it('measures nothing on clips without the pattern', async () => {
    expect((await analyze(avClip('clean.mp4', 12), { threads: 1 })).stats.avSync).toBeNull();
  });
});

describe('audio_missing / video_missing', () => {
  it('finds holes in each track (timestamps kept, frames dropped)', async () => {
    const file = clip('holes.mkv', ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30:duration=10',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=10',
      '-af', "aselect='not(between(t,3,6))'", '-vf', "select='not(between(t,7,8.5))'", '-fps_mode', 'passthrough',
      '-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'pcm_s16le', 'OUT']);
    const r = await analyze(file, { threads: 1 });
    expect(r.events.map((e) => e.type)).toEqual(['audio_missing', 'video_missing']);
    expectSpan(only(r, 'audio_missing')[0], 3, 6);
    expectSpan(only(r, 'video_missing')[0], 7, 8.5);
  });

  it('an audio track that ends early is missing to the end, once, across segments; no silence is made up', async () => {
    const file = avClip('audio-stops.mp4', 40, undefined, 'atrim=end=15');
    const r = await analyze(file, { threads: 2 });
    expect(r.stats.segments).toBeGreaterThan(1);
    expect(r.events.map((e) => e.type)).toEqual(['audio_missing']);
    expectSpan(r.events[0], 15, 40);
  });
});
