import { describe, expect, it } from 'vitest';

import { native } from '../src/native.js';

const rate = 48_000;
const sine = (n: number, amp: number, freq = 1000, start = 0) => {
  const s = new Float32Array(n);
  for (let i = start; i < n; i++) s[i] = amp * Math.sin((2 * Math.PI * freq * (i - start)) / rate);
  return s;
};

describe('audioStats', () => {
  it('measures peak and RMS of a float sine per window', () => {
    const s = sine(rate, 0.5);
    const out = new Float64Array(3 * 10);
    const windows = native.audioStats(s, { window: 4800 }, out);
    expect(windows).toBe(10);
    for (let w = 0; w < 10; w++) {
      expect(out[w * 3]).toBeCloseTo(0.5, 3);
      expect(out[w * 3 + 1]).toBeCloseTo(0.5 / Math.SQRT2, 4);
      expect(out[w * 3 + 2]).toBe(0);
    }
  });

  it('counts clipped samples and treats the last window as shorter', () => {
    const s = new Float32Array(10).fill(0.25);
    s[2] = 1;
    s[9] = -1;
    const out = new Float64Array(9);
    expect(native.audioStats(s, { window: 4, clipLevel: 0.999 }, out)).toBe(3);
    expect(Array.from(out.filter((_, i) => i % 3 === 2))).toEqual([1, 0, 1]);
    expect(out[2 * 3 + 1]).toBeCloseTo(Math.sqrt((0.0625 + 1) / 2), 12);
  });

  it('reads interleaved s16 per channel: digital silence on one, full scale on the other', () => {
    const frames = 1000;
    const s = new Int16Array(frames * 2);
    for (let i = 0; i < frames; i++) s[i * 2 + 1] = i % 2 ? 32767 : -32768;
    const out = new Float64Array(2 * 3);
    expect(native.audioStats(s, { window: frames, channels: 2 }, out)).toBe(1);
    expect(Array.from(out.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(out[3]).toBe(1);
    expect(out[5]).toBe(frames);
  });

  it('gives identical results at every SIMD level', () => {
    const s = sine(12_345, 0.9, 997);
    const initial = native.simdLevel();
    const outs = native.simdLevels().map((l) => {
      native.setSimdLevel(l);
      const out = new Float64Array(3 * 13);
      native.audioStats(s, { window: 1000 }, out);
      return out;
    });
    native.setSimdLevel(initial);
    for (const o of outs) expect(Buffer.from(o.buffer).equals(Buffer.from(outs[0]!.buffer))).toBe(true);
  });

  it('refuses bad arguments with a code', () => {
    const out = new Float64Array(10);
    expect(() => native.audioStats(new Float32Array(10), { window: 0 }, out)).toThrowError(expect.objectContaining({ code: 'ERR_VQMON_INVALID_ARG' }));
    expect(() => native.audioStats(new Float32Array(100), { window: 1 }, out)).toThrowError(expect.objectContaining({ code: 'ERR_VQMON_OUTPUT_TOO_SMALL' }));
    expect(() => native.audioStats(new Int16Array(5), { window: 1, channels: 2 }, out)).toThrowError(expect.objectContaining({ code: 'ERR_VQMON_INVALID_ARG' }));
    expect(() => native.audioStats(new Uint8Array(5) as never, { window: 1 }, out)).toThrowError(expect.objectContaining({ code: 'ERR_VQMON_INVALID_ARG' }));
    expect(() => native.audioStats(new Float32Array(5), {} as never, out)).toThrowError(expect.objectContaining({ code: 'ERR_VQMON_INVALID_ARG' }));
  });
});

describe('sync test signals', () => {
  it('finds the onset of 1 kHz beeps to within a millisecond', () => {
    const s = new Float32Array(rate * 3);
    let seed = 7;
    for (let i = 0; i < s.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      s[i] = ((seed / 2 ** 32) - 0.5) * 0.002; // -60 dBFS-ish noise floor
    }
    const onsets = [12_000, 60_000, 108_000];
    for (const o of onsets) for (let i = 0; i < 2400; i++) s[o + i]! += 0.5 * Math.sin((2 * Math.PI * 1000 * i) / rate);
    const found = Array.from(native.toneOnsets(s, { sampleRate: rate }));
    expect(found.length).toBe(3);
    found.forEach((f, i) => expect(Math.abs(f - onsets[i]!)).toBeLessThanOrEqual(48));
  });

  it('finds no beep in noise or in a tone of another frequency', () => {
    const other = sine(rate, 0.5, 3000);
    expect(native.toneOnsets(other, { sampleRate: rate }).length).toBe(0);
    expect(native.toneOnsets(new Float32Array(rate), { sampleRate: rate }).length).toBe(0);
  });

  it('finds flash frames from mean luma', () => {
    const means = new Float64Array(100).fill(16);
    for (const f of [10, 40, 70]) means[f] = 235;
    expect(Array.from(native.flashFrames(means, { minJump: 100 }))).toEqual([10, 40, 70]);
    expect(native.flashFrames(new Float64Array(50).fill(120)).length).toBe(0);
  });
});
