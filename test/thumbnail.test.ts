/**
 * Thumbnails for the service's dashboard: the native scale-down to RGB (colours, box
 * averaging, strides, subsampling, checks), the PNG encoding (decoded back by ffmpeg), and
 * the live input's preview (which picture belongs to an event's start, the readings).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { Preview } from '../src/live/preview.js';
import { native, type VideoFrame } from '../src/native.js';
import { encodePng } from '../src/serve/png.js';
import { tempDir } from './helpers/live-sources.js';

type Yuv = [number, number, number];

/** A planar frame of `format` whose pixel (x, y) has the YUV colour `at(x, y)`; rows padded by `pad`. */
function frame(w: number, h: number, format: 'yuv420p' | 'yuv422p' | 'yuv444p' | 'yuvj420p' | 'gray', at: (x: number, y: number) => Yuv, pad = 13): VideoFrame<string> {
  const sx = format === 'yuv444p' ? 0 : 1, sy = format === 'yuv420p' || format === 'yuvj420p' ? 1 : 0;
  const cw = (w + sx) >> sx, ch = (h + sy) >> sy;
  const planes = format === 'gray' ? [[w, h]] : [[w, h], [cw, ch], [cw, ch]];
  const data = planes.map(([pw, ph]) => new Uint8Array((pw! + pad) * ph!));
  planes.forEach(([pw, ph], i) => {
    for (let y = 0; y < ph!; y++) {
      for (let x = 0; x < pw!; x++) data[i]![y * (pw! + pad) + x] = i === 0 ? at(x, y)[0] : at(x << sx, y << sy)[i]!;
    }
  });
  return { width: w, height: h, format, data, linesize: planes.map(([pw]) => pw! + pad) };
}

const pixel = (rgb: Uint8Array, w: number, x: number, y: number) => Array.from(rgb.subarray((y * w + x) * 3, (y * w + x) * 3 + 3));
const near = (got: number[], want: number[], tol = 3) => got.every((v, i) => Math.abs(v - want[i]!) <= tol);

// BT.601 limited range colour bars.
const RED: Yuv = [81, 90, 240], GREEN: Yuv = [145, 54, 34], BLUE: Yuv = [41, 240, 110], WHITE: Yuv = [235, 128, 128];

describe('native.thumbnail', () => {
  it('scales quadrants of colour bars down with BT.601 limited-range colours, for 4:2:0, 4:2:2 and 4:4:4', () => {
    const quad = (x: number, y: number): Yuv => (y < 36 ? (x < 64 ? RED : GREEN) : (x < 64 ? BLUE : WHITE));
    for (const format of ['yuv420p', 'yuv422p', 'yuv444p'] as const) {
      const rgb = native.thumbnail(frame(128, 72, format, quad), { width: 8, height: 4 });
      expect(rgb.length).toBe(8 * 4 * 3);
      for (const [x, y, want] of [[0, 0, [255, 0, 0]], [7, 0, [0, 255, 0]], [0, 3, [0, 0, 255]], [7, 3, [255, 255, 255]]] as const) {
        expect(near(pixel(rgb, 8, x, y), [...want]), `${format} (${x},${y}): ${pixel(rgb, 8, x, y)}`).toBe(true);
      }
    }
  });

  it('averages each output pixel over its box: a fine checkerboard comes out mid-grey; full range follows yuvj', () => {
    const checker = (x: number, y: number): Yuv => ((x + y) % 2 ? [255, 128, 128] : [0, 128, 128]);
    const rgb = native.thumbnail(frame(640, 360, 'yuvj420p', checker), { width: 16, height: 9 });
    for (let i = 0; i < rgb.length; i++) expect(Math.abs(rgb[i]! - 128)).toBeLessThanOrEqual(2);
    const white = native.thumbnail(frame(32, 32, 'yuvj420p', () => [255, 128, 128]), { width: 2, height: 2 });
    expect(Array.from(white)).toEqual(new Array(12).fill(255));
    // The same bytes read as limited range clip at white, and 16 is black.
    expect(Array.from(native.thumbnail(frame(32, 32, 'yuv420p', () => [16, 128, 128]), { width: 2, height: 2 }))).toEqual(new Array(12).fill(0));
  });

  it('reads gray frames as neutral pictures, and odd sizes and upscaling stay inside the planes', () => {
    const ramp = native.thumbnail(frame(101, 37, 'gray', (x) => [16 + Math.round((x / 100) * 219), 0, 0]), { width: 5, height: 1 });
    const reds = [0, 1, 2, 3, 4].map((x) => pixel(ramp, 5, x, 0));
    for (const p of reds) expect(p[0]).toBe(p[1]);
    expect(reds.map((p) => p[0]!)).toEqual([...reds.map((p) => p[0]!)].sort((a, b) => a - b));
    expect(reds[0]![0]).toBeLessThan(40);
    expect(reds[4]![0]).toBeGreaterThan(215);
    const up = native.thumbnail(frame(3, 3, 'yuv420p', () => RED), { width: 9, height: 7 });
    for (let y = 0; y < 7; y++) for (let x = 0; x < 9; x++) expect(near(pixel(up, 9, x, y), [255, 0, 0])).toBe(true);
  });

  it('refuses output too small, sizes out of range and planes smaller than their strides say, with codes', () => {
    const f = frame(64, 36, 'yuv420p', () => WHITE);
    expect(() => (native as unknown as { thumbnail: (...a: unknown[]) => unknown }).thumbnail(f, { width: 0, height: 4 })).toThrow(expect.objectContaining({ code: 'ERR_VQMON_INVALID_ARG' }));
    expect(() => native.thumbnail(f, { width: 4000, height: 4 })).toThrow(expect.objectContaining({ code: 'ERR_VQMON_INVALID_ARG' }));
    const short = { ...f, data: [f.data[0]!.subarray(0, 100), f.data[1]!, f.data[2]!] };
    expect(() => native.thumbnail(short, { width: 4, height: 4 })).toThrow(expect.objectContaining({ code: 'ERR_VQMON_OUT_OF_BOUNDS' }));
  });
});

describe('PNG thumbnails', () => {
  it('encodePng writes a PNG that ffmpeg decodes back to the same RGB bytes', () => {
    const w = 37, h = 11;
    const rgb = new Uint8Array(w * h * 3);
    for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 7919 + (i >> 5) * 31) & 0xff;
    const file = join(tempDir('png'), 't.png');
    writeFileSync(file, encodePng(w, h, rgb));
    const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 20 });
    expect(r.status, String(r.stderr)).toBe(0);
    expect(Buffer.compare(r.stdout, Buffer.from(rgb))).toBe(0);
    expect(() => encodePng(w, h, rgb.subarray(1))).toThrow(RangeError);
  });
});

describe('Preview (a live input\'s pictures and readings)', () => {
  const still = (luma: number) => frame(64, 36, 'yuv420p', () => [luma, 128, 128], 0) as VideoFrame;

  it('takes a picture every interval of media time, keeps keepSec of them, and finds the one at an event\'s start', () => {
    const p = new Preview({ width: 32, interval: 0.5, keepSec: 3 });
    const buffers = new Set<Uint8Array>();
    for (let i = 0; i < 150; i++) { // 5 s at 30 fps
      p.frames([still(16 + i)], Float64Array.of(i / 30), 64 / 36);
      buffers.add(p.latest()!.rgb);
    }
    // A steady stream reuses the memory of the pictures that leave the window: the 7
    // pictures of 0-3 s are allocated, those of 3.5, 4 and 4.5 s take over the oldest's.
    expect(buffers.size).toBe(7);
    expect(p.latest()!.t).toBeCloseTo(4.5, 6);
    expect(p.latest()!.width).toBe(32);
    expect(p.latest()!.height).toBe(18);
    // The first picture at or after the start (a defect shows from its start on).
    expect(p.at(3.1)!.t).toBeCloseTo(3.5, 6);
    expect(p.at(4.9)!.t).toBeCloseTo(4.5, 6); // none after: the last before, within a second
    expect(p.at(0.3)).toBeNull(); // older than keepSec (3 s): the nearest left is 1.2 s away
    expect(p.at(7)).toBeNull();
    // Media time that steps back (a new session) restarts the cadence at once.
    p.frames([still(200)], Float64Array.of(0.2), 64 / 36);
    expect(p.latest()!.t).toBeCloseTo(0.2, 6);
  });

  it('readings: mean motion and blockiness since the last take, loudest channel in dBFS, null without data', () => {
    const p = new Preview();
    expect(p.take()).toEqual({ mediaTime: 0, motion: null, blockiness: null, audioDb: null });
    p.addMotion(0.01); p.addMotion(0.03); p.addMotion(NaN);
    p.addBlockiness(0.5);
    // Two windows, two channels: [peak, rms, clipped]; channel 1 at RMS 0.5 is the loudest.
    p.addAudio(Float64Array.of(0.1, 0.1, 0, 0.7, 0.5, 0, 0.1, 0.1, 0, 0.7, 0.5, 0), 2, 2);
    const r = p.take();
    expect(r.motion).toBeCloseTo(0.02, 9);
    expect(r.blockiness).toBe(0.5);
    expect(r.audioDb).toBeCloseTo(20 * Math.log10(0.5), 6);
    p.addAudio(Float64Array.of(0, 0, 0), 1, 1);
    expect(p.take().audioDb).toBe(-120);
  });
});
