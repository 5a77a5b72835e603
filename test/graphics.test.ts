/**
 * Channel graphics (src/detectors/graphics.ts): a frozen or black programme under a
 * scrolling ticker, a running clock or a station logo is found (whole-frame rules such as
 * FFmpeg's miss it), while a live static scene (sensor noise, a small moving object) is not
 * a freeze; masks leave regions out; the live path applies the same per-frame rules.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

import { analyze, type Report } from '../src/analyze/analyze.js';
import type { VqEvent } from '../src/detectors/types.js';
import { createMonitor, type LiveEvent } from '../src/live/monitor.js';
import { avClip, channelGraphicsVf, clip, freezeVf, testMedia } from './helpers/clips.js';
import { udpUrl } from './helpers/live-sources.js';

const TOL = 0.25;

function expectSpan(e: VqEvent | undefined, start: number, end: number) {
  expect(e, 'event missing').toBeDefined();
  expect(Math.abs(e!.start - start), `start ${e!.start} vs ${start}`).toBeLessThanOrEqual(TOL);
  expect(Math.abs(e!.end - end), `end ${e!.end} vs ${end}`).toBeLessThanOrEqual(TOL);
}

const types = (r: Report) => r.events.map((e) => e.type);

/** A still picture (testsrc2's first frame) for 10 s with `vf` after it, and `over` overlaid. */
function staticScene(name: string, vf: string, over = ''): string {
  return clip(name, ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30:duration=10', '-f', 'lavfi', '-i', 'color=red:s=16x16:r=30',
    '-filter_complex', `[0:v]${freezeVf(30, 0, 10)}${vf ? `,${vf}` : ''}[bg];[bg][1:v]overlay=${over}:shortest=1[v]`, '-map', '[v]',
    '-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-pix_fmt', 'yuv420p', 'OUT']);
}

const tickerFreeze = () => avClip('ticker-freeze.mp4', 10, `${freezeVf(30, 3, 6)},${channelGraphicsVf()}`);
const blackUnderLogo = () => avClip('black-logo.mp4', 10, `drawbox=enable='between(t,4,6)':color=black:t=fill,${channelGraphicsVf({ ticker: false, logo: true })}`);

describe('freeze under channel graphics', () => {
  it('a frozen programme under a scrolling ticker and a running clock is a freeze, found by the tiles', async () => {
    const file = tickerFreeze();
    const r = await analyze(file, { threads: 1 });
    expect(types(r)).toEqual(['freeze']);
    expectSpan(r.events[0], 3, 6);
    const d = r.events[0]!.detail as { partial: boolean; frozenTiles: number; movingTiles: number; maxMafd: number };
    expect(d.partial).toBe(true);
    expect(d.movingTiles).toBeGreaterThanOrEqual(8); // the ticker band at least
    expect(d.frozenTiles + d.movingTiles).toBeLessThanOrEqual(64);
    expect(d.maxMafd).toBeLessThanOrEqual(0.001);
    // The whole-frame rule alone (FFmpeg freezedetect) misses it: the graphics keep moving.
    expect(types(await analyze(file, { threads: 1, freeze: { partial: false } }))).toEqual([]);
  });

  it('the same graphics over a live programme raise nothing', async () => {
    expect((await analyze(avClip('ticker-clean.mp4', 10, channelGraphicsVf()), { threads: 1 })).events).toEqual([]);
  });

  it('a static live scene with sensor noise and a small moving object is not a freeze', async () => {
    const noisy = staticScene('live-noise.mp4', 'noise=alls=12:allf=t', "x='140+40*sin(t*3)':y=80");
    expect((await analyze(noisy, { threads: 1 })).events).toEqual([]);
  });

  it('a noise-free static scene with an object moving in the centre is not a freeze', async () => {
    const object = staticScene('live-object.mp4', '', "x='140+40*sin(t*3)':y=80");
    expect((await analyze(object, { threads: 1 })).events).toEqual([]);
  });

  it('finds a freeze under a ticker, clock and logo injected into a copy of big_buck_bunny.mp4', async () => {
    const file = clip('bbb-ticker-freeze.mp4', ['-i', testMedia('big_buck_bunny.mp4'), '-t', '30',
      '-filter_complex', `[0:v]${freezeVf(24, 12, 16)},${channelGraphicsVf({ logo: true })}[v]`, '-map', '[v]', '-map', '0:a',
      '-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'copy', 'OUT']);
    // Two segments cut at 15 s, inside the freeze: one event, as in one pass.
    const r = await analyze(file, { threads: 2 });
    expect(r.stats.segments).toBeGreaterThan(1);
    expect(types(r)).toEqual(['freeze']);
    expectSpan(r.events[0], 12, 16);
    expect((r.events[0]!.detail as { partial: boolean }).partial).toBe(true);
    expect((await analyze(file, { threads: 1 })).events).toEqual(r.events);
  });
});

describe('black under channel graphics', () => {
  it('a black programme under a station logo and a clock is black', async () => {
    const file = blackUnderLogo();
    const r = await analyze(file, { threads: 1 });
    expect(types(r)).toEqual(['black']);
    expectSpan(r.events[0], 4, 6);
    const d = r.events[0]!.detail as { partial: boolean; graphicsTiles: number; minBlackRatio: number };
    expect(d.partial).toBe(true);
    expect(d.graphicsTiles).toBeGreaterThan(0);
    // blackdetect's whole-frame share stays under pic_th: the logo's pixels.
    expect(d.minBlackRatio).toBeLessThan(0.98);
    // Without the tile rule it is no black, only the still picture it also is (a freeze).
    expect(types(await analyze(file, { threads: 1, black: { partial: false } }))).toEqual(['freeze']);
  });
});

describe('masks', () => {
  it('freeze.mask: with the tile rule off, masking the ticker and the clock gives freezedetect on the rest', async () => {
    const file = tickerFreeze();
    const mask: Array<[number, number, number, number]> = [[0, 0.85, 1, 0.15], [0.6, 0, 0.4, 0.15]];
    const r = await analyze(file, { threads: 1, freeze: { partial: false, mask } });
    expect(types(r)).toEqual(['freeze']);
    expectSpan(r.events[0], 3, 6);
    expect((r.events[0]!.detail as { partial: boolean }).partial).toBe(false);
  });

  it('black.mask: a lit banner too large for graphics is left out by a mask', async () => {
    // A banner over the lower 40 % of the picture: more than graphicsArea, and in the centre.
    const file = avClip('black-banner.mp4', 8, "drawbox=enable='between(t,3,5.5)':color=black:t=fill,drawbox=x=0:y=ih*0.6:w=iw:h=ih*0.4:color=gray:t=fill");
    // Unmasked it is no black, only the still picture it also is (a freeze).
    expect(types(await analyze(file, { threads: 1 }))).toEqual(['freeze']);
    const r = await analyze(file, { threads: 1, black: { mask: [[0, 0.6, 1, 0.4]] } });
    expect(types(r)).toEqual(['black']);
    expectSpan(r.events[0], 3, 5.5);
    expect((r.events[0]!.detail as { minBlackRatio: number }).minBlackRatio).toBeGreaterThanOrEqual(0.98);
  });

  it('bad tile-rule options are refused with an actionable message', async () => {
    const file = avClip('clean.mp4', 12);
    const bad = [
      { freeze: { mask: [[0, 0.9, 1, 0.2]] } },
      { freeze: { mask: [[0, 0, 1, 1]] } },
      { black: { mask: 'bottom' } },
      { black: { graphicsMargin: 0.7 } },
      { freeze: { graphicsArea: -1 } },
      { freeze: { partial: 'yes' } },
    ];
    for (const o of bad) {
      await expect(analyze(file, { threads: 1, ...(o as object) }), JSON.stringify(o)).rejects.toMatchObject({ code: 'ERR_VQMON_INVALID_ARG' });
    }
    await expect(analyze(file, { threads: 1, freeze: { mask: [[0, 0, 1, 1]] } })).rejects.toThrow(/freeze\.mask covers the whole picture/);
    expect(() => createMonitor({ black: { mask: [[0.5, 0.5, 0.6, 0.1]] } })).toThrow(/black\.mask\[0\]/);
  });
});

describe('live inputs apply the same rules', () => {
  it('freeze under a ticker and black under a logo, phase start and end', async () => {
    // Both defects in one clip, sent in real time as MPEG-TS over UDP.
    const file = avClip('live-graphics.mp4', 12,
      `${freezeVf(30, 2, 5)},drawbox=enable='between(t,7,8.5)':color=black:t=fill,${channelGraphicsVf({ logo: true })}`);
    const monitor = createMonitor({ reconnectDelay: 1 });
    const seen: LiveEvent[] = [];
    const url = udpUrl();
    monitor.add(url);
    await new Promise((r) => setTimeout(r, 500)); // let the input bind before packets come
    const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-i', file, '-c', 'copy', '-f', 'mpegts', `${url}?pkt_size=1316`], { stdio: 'ignore' });
    const started = performance.now();
    try {
      for await (const e of monitor) {
        seen.push(e);
        if (e.type === 'black' && e.phase === 'end') break;
        if (performance.now() - started > 20_000) break;
      }
    } finally {
      ff.kill();
      await monitor.close();
    }
    const end = (type: string) => seen.find((e) => e.type === type && e.phase === 'end');
    expect(seen.filter((e) => e.type !== 'input_error').map((e) => `${e.type}:${e.phase}`), JSON.stringify(seen))
      .toEqual(['freeze:start', 'freeze:end', 'black:start', 'black:end']);
    expectSpan(end('freeze'), 2, 5);
    expectSpan(end('black'), 7, 8.5);
  }, 30_000);
});
