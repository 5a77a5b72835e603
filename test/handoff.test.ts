import { describe, expect, it } from 'vitest';

import type { DecodedFrame } from '../src/decode/types.js';
import { frameColumn, native } from '../src/native.js';
import type { VideoFrame } from '../src/native.js';
import { noise, noiseFrame } from './helpers/frames.js';

function planeRows(f: VideoFrame, i: number, w: number, h: number): number[][] {
  const rows: number[][] = [];
  for (let y = 0; y < h; y++) rows.push(Array.from(f.data[i]!.subarray(y * f.linesize[i]!, y * f.linesize[i]! + w)));
  return rows;
}

describe('copyFrame (decode hand-off into a shared frame ring)', () => {
  it('copies a padded yuv420p frame into a SharedArrayBuffer slot, plane for plane', () => {
    const src = noiseFrame(101, 37, 3, 11);
    const slot = native.frameSlot(101, 37, 'yuv420p');
    const ring = new SharedArrayBuffer(slot.byteLength * 2);
    const view = new Uint8Array(ring, slot.byteLength, slot.byteLength);
    const dst = native.copyFrame(src, view);
    expect(dst.format).toBe('yuv420p');
    expect(dst.linesize.every((l) => l % 64 === 0)).toBe(true);
    expect(planeRows(dst, 0, 101, 37)).toEqual(planeRows(src, 0, 101, 37));
    expect(planeRows(dst, 1, 51, 19)).toEqual(planeRows(src, 1, 51, 19));
    expect(planeRows(dst, 2, 51, 19)).toEqual(planeRows(src, 2, 51, 19));
    expect(dst.data[0]!.buffer).toBe(ring);
  });

  it('splits NV12 into planar U and V', () => {
    const w = 64, h = 32, cw = 32, ch = 16;
    const y = noise(w * h, 1), uv = noise(cw * 2 * ch, 2);
    const src: VideoFrame<'nv12'> = { width: w, height: h, format: 'nv12', data: [y, uv], linesize: [w, cw * 2] };
    const out = new Uint8Array(native.frameSlot(w, h, 'nv12').byteLength);
    const dst = native.copyFrame(src, out);
    expect(dst.format).toBe('yuv420p');
    for (let r = 0; r < ch; r++) {
      for (let x = 0; x < cw; x++) {
        expect(dst.data[1]![r * dst.linesize[1]! + x]).toBe(uv[r * cw * 2 + 2 * x]);
        expect(dst.data[2]![r * dst.linesize[2]! + x]).toBe(uv[r * cw * 2 + 2 * x + 1]);
      }
    }
  });

  it('decimates 2:1 with rounded 2x2 means', () => {
    const src = noiseFrame(64, 32, 9);
    const slot = native.frameSlot(64, 32, 'yuv420p', true);
    const dst = native.copyFrame(src, new Uint8Array(slot.byteLength), { decimate: true });
    expect([dst.width, dst.height]).toEqual([32, 16]);
    const s = src.data[0]!, ls = src.linesize[0]!;
    for (const [x, y] of [[0, 0], [5, 7], [31, 15]] as const) {
      const sum = s[2 * y * ls + 2 * x]! + s[2 * y * ls + 2 * x + 1]! + s[(2 * y + 1) * ls + 2 * x]! + s[(2 * y + 1) * ls + 2 * x + 1]!;
      expect(dst.data[0]![y * dst.linesize[0]! + x]).toBe((sum + 2) >> 2);
    }
  });

  it('refuses a slot that is too small, a bad source, and sizes it cannot decimate', () => {
    const src = noiseFrame(64, 32, 1);
    expect(() => native.copyFrame(src, new Uint8Array(100))).toThrowError(expect.objectContaining({ code: 'ERR_VQMON_OUTPUT_TOO_SMALL' }));
    expect(() => native.copyFrame({ ...src, linesize: [10, 32, 32] }, new Uint8Array(1 << 16))).toThrowError(expect.objectContaining({ code: 'ERR_VQMON_INVALID_STRIDE' }));
    expect(() => native.copyFrame({ ...src, format: 'rgb24' as never }, new Uint8Array(1 << 16))).toThrowError(expect.objectContaining({ code: 'ERR_VQMON_UNSUPPORTED_FORMAT' }));
    expect(() => native.frameSlot(62, 30, 'yuv420p', true)).toThrowError(expect.objectContaining({ code: 'ERR_VQMON_INVALID_ARG' }));
  });
});

describe('decoded frames to the kernels: zero-copy, held until released', () => {
  /** Every frame of a 1 s 160x90 clip, decoded with the engine's layer (sync calls, one thread). */
  async function decodeAll() {
    const { openInputSync } = await import('../src/decode/open.js');
    const { Decoder } = await import('../src/decode/decoder.js');
    const { clip } = await import('./helpers/clips.js');
    const file = clip('release.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=25:duration=1', '-c:v', 'libx264', '-preset', 'ultrafast', 'OUT']);
    const input = openInputSync(file);
    const decoder = new Decoder(input, 0, 1);
    const frames: DecodedFrame[] = [];
    while (input.readSync()) decoder.decodeSync(frames);
    decoder.flushSync(frames);
    // yuv420p: the records themselves are what the kernels read (videoView returns them as they are).
    expect(frames.every((f) => f.format === 'yuv420p')).toBe(true);
    return { input, decoder, frames: frames as (DecodedFrame & VideoFrame)[] };
  }
  const lumaSum = (f: VideoFrame) => planeRows(f, 0, f.width, f.height).flat().reduce((a, b) => a + b, 0);

  it('hands the kernels the decoder\'s own planes: a write into the AVFrame is what the kernel reads', async () => {
    const { heldFrame } = await import('../src/decode/decoder.js');
    const { videoView } = await import('../src/decode/frames.js');
    const { input, decoder, frames } = await decodeAll();
    try {
      const view = videoView(frames[3]!);
      expect(view).toBe(frames[3]); // no copy, no new object: the record is the kernels' frame
      const layout = native.videoLayout({});
      const out = new Float64Array(layout.rowWidth);
      const mean = frameColumn('lumaMean');
      native.analyzeVideo({ frames: [view] }, out);
      expect(out[mean]).not.toBe(200);
      // Buffers from a second call of node-av's getter on the same AVFrame alias the record's planes.
      const again = heldFrame(frames[3]!)!.data!;
      again[0]!.fill(200);
      expect(view.data[0]![0]).toBe(200);
      native.analyzeVideo({ frames: [view] }, out);
      expect(out[mean]).toBe(200);
    } finally {
      decoder.close();
      await input.close();
    }
  });

  it('keeps every held frame intact while the decoder goes on (one pool Frame each)', async () => {
    const { input, decoder, frames } = await decodeAll();
    try {
      expect(frames.length).toBe(25);
      // testsrc2 moves every frame: 25 different pictures, none overwritten by a later receive.
      const sums = frames.map(lumaSum);
      expect(new Set(sums).size).toBe(25);
      expect(new Set(frames.map((f) => f.data[0]!.buffer)).size).toBe(25);
    } finally {
      decoder.close();
      await input.close();
    }
  });

  it('releases frames once; released and closed-over planes read as empty and the kernels refuse them, typed', async () => {
    const { releaseFrames, heldFrame } = await import('../src/decode/decoder.js');
    const { input, decoder, frames } = await decodeAll();
    const out = new Float64Array(25 * native.videoLayout({}).rowWidth);
    expect(() => native.analyzeVideo({ frames }, out)).not.toThrow();
    releaseFrames(frames.slice(0, 5));
    expect(frames[0]!.data[0]!.length).toBe(0);
    expect(heldFrame(frames[0]!)).toBeNull();
    expect(frames[5]!.data[0]!.length).toBeGreaterThan(0);
    releaseFrames(frames.slice(0, 5)); // already released: nothing happens
    expect(() => native.analyzeVideo({ frames: frames.slice(0, 2) }, out)).toThrow(expect.objectContaining({ code: 'ERR_VQMON_OUT_OF_BOUNDS' }));
    expect(() => native.analyzeVideo({ frames: frames.slice(5) }, out)).not.toThrow();
    // Closing the decoder takes back what is still out: no plane outlives its decoder.
    decoder.close();
    await input.close();
    expect(frames.every((f) => f.data.every((p) => p.length === 0))).toBe(true);
    expect(() => native.analyzeVideo({ frames: frames.slice(5, 6) }, out)).toThrow(expect.objectContaining({ code: 'ERR_VQMON_OUT_OF_BOUNDS' }));
  });
});

describe('native.releaseFrames (detaching plane buffers)', () => {
  it('leaves alone what is not the whole of its own ArrayBuffer: pooled Buffers, parts of buffers, SharedArrayBuffers', () => {
    const pooled = Buffer.from('a small buffer from the pool');
    const whole = new ArrayBuffer(64), part = new Uint8Array(whole, 16, 16);
    const shared = new Uint8Array(new SharedArrayBuffer(64));
    expect(native.releaseFrames([{ data: [pooled, part, shared] }])).toBe(0);
    expect(pooled.toString()).toBe('a small buffer from the pool');
    expect(part.length).toBe(16);
    expect(shared.length).toBe(64);
    const own = new Uint8Array(64);
    expect(native.releaseFrames([{ data: [own] }])).toBe(1);
    expect(own.length).toBe(0);
    expect(() => native.releaseFrames('frames' as never)).toThrow(expect.objectContaining({ code: 'ERR_VQMON_INVALID_ARG' }));
  });
});
