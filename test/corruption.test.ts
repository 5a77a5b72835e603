/**
 * corruption: bitstream damage from FFmpeg's `noise` bitstream filter in known spans is
 * found from its first damaged frame until the picture recovers (the next keyframe); clean
 * clips, scene cuts and real clips raise nothing.
 */
import { describe, expect, it } from 'vitest';

import { analyze, type Report } from '../src/analyze/analyze.js';
import type { VqEvent } from '../src/detectors/types.js';
import { clip, damageSpan, noiseDamaged, testMedia } from './helpers/clips.js';

const TOL = 0.25;
const corruption = (r: Report): VqEvent[] => r.events.filter((e) => e.type === 'corruption');

/** 12 s test pattern, H.264 with a keyframe every second, in MPEG-TS. */
const pattern = () => clip('corrupt-base.ts', ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30:duration=12',
  '-c:v', 'libx264', '-preset', 'veryfast', '-g', '30', '-pix_fmt', 'yuv420p', '-f', 'mpegts', 'OUT']);

describe('corruption', () => {
  it('finds noise-bsf damage in 4-6.5 s from its first damaged frame to the next keyframe', async () => {
    const base = pattern(), file = noiseDamaged('corrupt-4-6.5.ts', base, 4, 6.5, 1000);
    const span = damageSpan(base, file);
    const r = await analyze(file, { threads: 1 });
    expect(r.events.map((e) => e.type)).toEqual(['corruption']);
    const e = r.events[0]!;
    expect(Math.abs(e.start - span.first), `start ${e.start} vs ${span.first}`).toBeLessThanOrEqual(TOL);
    expect(Math.abs(e.end - span.recovery!), `end ${e.end} vs ${span.recovery}`).toBeLessThanOrEqual(TOL);
    expect(e.score).toBeGreaterThan(0);
    expect(e.detail).toMatchObject({ evidence: ['decoder', 'pixels'], recovery: 'keyframe', tiles: 64 });
    expect(e.detail!.damagedFrames).toBeGreaterThan(0);
  });

  it('finds the same damage from pixels alone (decoder evidence off)', async () => {
    const base = pattern(), file = noiseDamaged('corrupt-4-6.5.ts', base, 4, 6.5, 1000);
    const span = damageSpan(base, file);
    const r = await analyze(file, { threads: 1, corruption: { decoder: false } });
    const found = corruption(r);
    expect(found).toHaveLength(1);
    expect(Math.abs(found[0]!.start - span.first), `start ${found[0]!.start} vs ${span.first}`).toBeLessThanOrEqual(TOL);
    expect(found[0]!.end).toBeLessThanOrEqual(span.recovery! + TOL);
    expect(found[0]!.detail).toMatchObject({ evidence: ['pixels'] });
  });

  it('the same clip undamaged raises nothing', async () => {
    const r = await analyze(pattern(), { threads: 1 });
    expect(r.events).toEqual([]);
  });

  it('scene cuts (test pattern -> mandelbrot -> test pattern) are not corruption', async () => {
    const file = clip('corrupt-cuts.ts', ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30:duration=4',
      '-f', 'lavfi', '-i', 'mandelbrot=size=320x180:rate=30', '-f', 'lavfi', '-i', 'smptebars=size=320x180:rate=30:duration=1',
      '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30:duration=4',
      '-filter_complex', '[1:v]trim=duration=4[m];[0:v][m][2:v][3:v]concat=n=4:v=1[v]', '-map', '[v]',
      '-c:v', 'libx264', '-preset', 'veryfast', '-g', '30', '-pix_fmt', 'yuv420p', '-f', 'mpegts', 'OUT']);
    const r = await analyze(file, { threads: 1 });
    expect(r.stats.frames).toBeGreaterThan(12 * 30 - 2);
    expect(r.events).toEqual([]);
  });

  it('finds damage injected into a copy of big_buck_bunny.mp4 (its own long GOP), recovering at its next keyframe', async () => {
    const base = clip('bbb-20s.ts', ['-i', testMedia('big_buck_bunny.mp4'), '-t', '20', '-map', '0', '-c', 'copy', '-f', 'mpegts', 'OUT']);
    const file = noiseDamaged('bbb-corrupt-8-9.5.ts', base, 8, 9.5, 2000);
    const span = damageSpan(base, file);
    const r = await analyze(file);
    expect(r.events.map((e) => e.type)).toEqual(['corruption']);
    const e = r.events[0]!;
    expect(Math.abs(e.start - span.first), `start ${e.start} vs ${span.first}`).toBeLessThanOrEqual(TOL);
    expect(Math.abs(e.end - span.recovery!), `end ${e.end} vs ${span.recovery}`).toBeLessThanOrEqual(TOL);
    expect(e.detail).toMatchObject({ evidence: ['decoder'], recovery: 'keyframe' });
  });

  it('finds damage in a copy of bottle-detection.mp4, the same in one pass and across segments', async () => {
    const base = clip('bottle-40s.ts', ['-i', testMedia('bottle-detection.mp4'), '-map', '0', '-c', 'copy', '-f', 'mpegts', 'OUT']);
    const damaged = noiseDamaged('bottle-corrupt-25-26.ts', base, 25, 26, 500);
    const span = damageSpan(base, damaged);
    // Back into MP4 (damaged bytes kept): its index lets segments seek to their keyframes.
    const file = clip('bottle-corrupt-25-26.mp4', ['-i', damaged, '-c', 'copy', 'OUT']);
    const one = await analyze(file, { threads: 1 });
    const split = await analyze(file, { threads: 2 });
    expect(split.stats.segments).toBeGreaterThan(1);
    expect(split.events).toEqual(one.events);
    expect(one.events.map((e) => e.type)).toEqual(['corruption']);
    expect(Math.abs(one.events[0]!.start - span.first), `start ${one.events[0]!.start} vs ${span.first}`).toBeLessThanOrEqual(TOL);
    const end = span.recovery ?? one.durationSec!;
    expect(Math.abs(one.events[0]!.end - end), `end ${one.events[0]!.end} vs ${end}`).toBeLessThanOrEqual(TOL);
  });

  it('validates its options', async () => {
    await expect(analyze(pattern(), { corruption: { minTiles: 0 } })).rejects.toMatchObject({ code: 'ERR_VQMON_INVALID_ARG' });
    await expect(analyze(pattern(), { corruption: { maxRecovery: -1 } })).rejects.toMatchObject({ code: 'ERR_VQMON_INVALID_ARG' });
    await expect(analyze(pattern(), { corruption: { pixels: 'yes' as never } })).rejects.toMatchObject({ code: 'ERR_VQMON_INVALID_ARG' });
  });
});
