/**
 * av_sync timestamp checks (src/detectors/timestamps.ts) on generated clips: timestamps
 * drifting against the content, the timeline jumping at a splice, one track stepping back;
 * clean clips (generated and real) raise nothing; split and one-pass analyses agree.
 */
import { describe, expect, it } from 'vitest';

import { analyze, type Report } from '../src/analyze/analyze.js';
import type { VqEvent } from '../src/detectors/types.js';
import { avClip, catClip, clip, testMedia } from './helpers/clips.js';

const TOL = 0.25;
const TOLERANCE = 0.045; // av_sync's default

interface TimestampDetail { kind: string; track: string; jumpSec?: number; ratePpm?: number; pts: number; resumePts?: number; count?: number }

const detail = (e: VqEvent) => e.detail as unknown as TimestampDetail;
const stamps = (r: Report) => r.events.filter((e) => e.type === 'av_sync');

/** Audio timestamps scaled by `k` (asetpts): the samples run on, their timestamps stretch. */
const driftClip = (name: string, k: number, seconds: number, extra: string[] = []) =>
  avClip(name, seconds, undefined, `asetpts=PTS*${k}`, extra);

/** Two 10 s parts in MPEG-TS, the second with its timestamps `offset` seconds on, joined byte for byte. */
const spliceClip = (offset: number) => catClip(`splice${offset}.ts`, [
  avClip('splice-a.ts', 10, undefined, undefined, ['-f', 'mpegts']),
  avClip(`splice-b${offset}.ts`, 10, undefined, undefined, ['-output_ts_offset', String(offset), '-f', 'mpegts']),
]);

describe('av_sync: timestamp checks', () => {
  it('audio timestamps drifting against the video (0.3 %): drift from where the offset passes the tolerance', async () => {
    const k = 1.003, seconds = 30;
    const file = driftClip('drift.mp4', k, seconds);
    const r = await analyze(file, { threads: 1 });
    // Two segments cut near 15 s, where the offset crosses: the same event.
    const split = await analyze(file, { threads: 2 });
    expect(split.stats.segments).toBeGreaterThan(1);
    expect(split.events).toEqual(r.events);
    // Audio stamped at k x its content time: offset(t) = t (k - 1) / k, over 45 ms from t = 45 ms k / (k - 1).
    const from = (TOLERANCE * k) / (k - 1);
    expect(r.events.map((e) => e.type)).toEqual(['av_sync']);
    const e = r.events[0]!;
    expect(detail(e)).toMatchObject({ kind: 'drift', track: 'audio' });
    expect(Math.abs(e.start - from), `start ${e.start} vs ${from}`).toBeLessThanOrEqual(TOL);
    expect(e.end).toBeGreaterThanOrEqual(seconds - TOL);
    const offsetAtEnd = (e.end * (k - 1)) / k;
    expect(Math.abs(e.offsetMs! - offsetAtEnd * 1000)).toBeLessThanOrEqual(5); // positive: audio late
    expect(Math.abs(detail(e).ratePpm! - ((k - 1) / k) * 1e6)).toBeLessThanOrEqual(50);
    expect(Math.abs(detail(e).pts - e.start)).toBeLessThanOrEqual(1e-3); // MP4: the first frame is at 0
  });

  it('audio timestamps running short (0.998) in MPEG-TS: audio early, found split across workers as in one pass', async () => {
    const k = 0.998, seconds = 40;
    const file = driftClip('drift-short.ts', k, seconds, ['-f', 'mpegts']);
    const one = await analyze(file, { threads: 1 });
    const split = await analyze(file, { threads: 2 });
    expect(split.stats.segments).toBeGreaterThan(1);
    expect(split.events).toEqual(one.events);
    expect(one.events.map((e) => e.type)).toEqual(['av_sync']);
    const e = one.events[0]!;
    expect(detail(e)).toMatchObject({ kind: 'drift', track: 'audio' });
    // MPEG-TS carries a PTS per PES packet (about 6 AAC frames, 0.13 s; the frames between
    // get interpolated times), so audio timestamps move in steps that long: found 0.13 s late.
    expect(Math.abs(e.start - (TOLERANCE * k) / (1 - k))).toBeLessThanOrEqual(TOL);
    expect(e.offsetMs!).toBeLessThan(-TOLERANCE * 1000);
    // MPEG-TS starts its clock at 1.4 s: pts is the stream's own time.
    expect(detail(e).pts - e.start).toBeGreaterThan(1.3);
  });

  it('a splice of two MPEG-TS files with timestamps 40 s apart: one gap of both tracks at the splice, no missing track', async () => {
    const file = spliceClip(40);
    const r = await analyze(file, { threads: 1 });
    expect(r.events.map((e) => e.type)).toEqual(['av_sync']);
    const e = r.events[0]!;
    expect(detail(e)).toMatchObject({ kind: 'gap', track: 'both', count: 1 });
    expect(Math.abs(e.start - 10), `start ${e.start}`).toBeLessThanOrEqual(TOL);
    expect(Math.abs(e.end - 40), `end ${e.end}`).toBeLessThanOrEqual(TOL);
    expect(Math.abs(detail(e).jumpSec! - 30)).toBeLessThanOrEqual(TOL);
    expect(detail(e).resumePts! - detail(e).pts).toBeGreaterThan(29);
    // Without av_sync, the missing-track detectors report the stretch as before.
    const missing = await analyze(file, { threads: 1, only: ['audio_missing', 'video_missing'] });
    expect(missing.events.map((x) => x.type).sort()).toEqual(['audio_missing', 'video_missing']);
  });

  it('the splice split across workers gives the same events as one pass', async () => {
    const file = spliceClip(40);
    const one = await analyze(file, { threads: 1 });
    const split = await analyze(file, { threads: 2 });
    expect(split.stats.segments).toBeGreaterThan(2); // segments inside the skipped stretch see no frame
    expect(split.stats.frames).toBe(one.stats.frames);
    expect(split.events).toEqual(one.events);
  });

  it('the timeline stepping back at a splice is one discontinuity of both tracks', async () => {
    const file = catClip('splice-back.ts', [
      avClip('splice-b40.ts', 10, undefined, undefined, ['-output_ts_offset', '40', '-f', 'mpegts']),
      avClip('splice-b20.ts', 10, undefined, undefined, ['-output_ts_offset', '20', '-f', 'mpegts']),
    ]);
    const r = await analyze(file, { threads: 1, only: ['av_sync'] });
    expect(r.events).toHaveLength(1);
    expect(detail(r.events[0]!)).toMatchObject({ kind: 'discontinuity', track: 'both' });
    expect(Math.abs(r.events[0]!.start - 10)).toBeLessThanOrEqual(TOL);
    expect(Math.abs(detail(r.events[0]!).jumpSec! + 30)).toBeLessThanOrEqual(TOL);
  });

  it('one track: audio timestamps 0.3 s back at 5 s is a discontinuity, 0.15 s on is a gap of the audio', async () => {
    const back = clip('audio-back.mkv', ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30:duration=10',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=10', '-af', "asetpts='PTS-gte(T,5)*0.3/TB'",
      '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'pcm_s16le', 'OUT']);
    const b = stamps(await analyze(back, { threads: 1 }));
    expect(b).toHaveLength(1);
    expect(detail(b[0]!)).toMatchObject({ kind: 'discontinuity', track: 'audio' });
    expect(Math.abs(b[0]!.start - 5)).toBeLessThanOrEqual(TOL);
    expect(Math.abs(detail(b[0]!).jumpSec! + 0.3)).toBeLessThanOrEqual(0.02);

    const on = avClip('audio-on.ts', 10, undefined, "asetpts='PTS+gte(T,5)*0.15/TB'", ['-f', 'mpegts']);
    const f = (await analyze(on, { threads: 1 })).events; // the jump shows at the next PES packet, 5.14 s
    expect(f.map((e) => e.type)).toEqual(['av_sync']); // under 0.25 s: no audio_missing
    expect(detail(f[0]!)).toMatchObject({ kind: 'gap', track: 'audio' });
    expect(Math.abs(f[0]!.start - 5)).toBeLessThanOrEqual(TOL);
    expect(Math.abs(detail(f[0]!).jumpSec! - 0.15)).toBeLessThanOrEqual(0.02);
  });

  it('audio timestamps jittered by up to ±10 ms for 5 minutes: no jump, and no drift even at a 20 ms tolerance', async () => {
    // Every audio frame off by its own random amount (a frame out of place, put right by the
    // next ones): hundreds of off-grid steps. Taking a few for jumps would walk the offset
    // off (it reached 29 ms with a jitter margin of 3 MAD instead of 5).
    const file = clip('audio-jitter-5min.mkv', ['-f', 'lavfi', '-i', 'testsrc2=size=64x36:rate=30:duration=300',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=300', '-af', "asetpts='PTS+(random(0)-0.5)*0.02/TB'",
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'pcm_s16le', 'OUT']);
    expect(stamps(await analyze(file, { threads: 2, av_sync: { tolerance: 0.02 } }))).toEqual([]);
  });

  it('tolerance and timestamps are options', async () => {
    const file = driftClip('drift.mp4', 1.003, 30);
    const wide = await analyze(file, { threads: 1, av_sync: { tolerance: 0.2 } });
    expect(wide.events).toEqual([]); // 90 ms at the end, under 200
    const off = await analyze(file, { threads: 1, av_sync: { timestamps: false } });
    expect(off.events).toEqual([]);
    await expect(analyze(file, { av_sync: { tolerance: -1 } })).rejects.toMatchObject({ code: 'ERR_VQMON_INVALID_ARG' });
    await expect(analyze(file, { av_sync: { timestamps: 'no' as never } })).rejects.toMatchObject({ code: 'ERR_VQMON_INVALID_ARG' });
  });

  it('clean clips raise no timestamp event: MP4, MPEG-TS and Matroska, one pass and split', async () => {
    const mp4 = avClip('clean.mp4', 12);
    const files = [mp4, clip('clean.ts', ['-i', mp4, '-c', 'copy', '-f', 'mpegts', 'OUT']),
      clip('clean.mkv', ['-i', mp4, '-c', 'copy', 'OUT']), avClip('clean-long.ts', 40, undefined, undefined, ['-f', 'mpegts'])];
    for (const f of files) {
      for (const threads of [1, 2]) expect(stamps(await analyze(f, { threads, only: ['av_sync'] })), `${f} x${threads}`).toEqual([]);
    }
  });

  it('the real clips in test/media raise no timestamp event, nor a stream-copy cut of one', async () => {
    for (const f of ['big_buck_bunny.mp4', 'bottle-detection.mp4', 'car-detection.mp4']) {
      expect(stamps(await analyze(testMedia(f), { only: ['av_sync'] })), f).toEqual([]);
    }
    // Cut in decoding order, the copy lacks the B-frames shown before its last P-frame: a
    // 0.17 s step at the very end of the video, with nothing after it to judge it by.
    const cut = clip('bbb-20s.ts', ['-i', testMedia('big_buck_bunny.mp4'), '-t', '20', '-map', '0', '-c', 'copy', '-f', 'mpegts', 'OUT']);
    expect(stamps(await analyze(cut, { only: ['av_sync'] }))).toEqual([]);
  });
});
