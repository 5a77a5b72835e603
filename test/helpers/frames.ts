import type { VideoFrame } from '../../src/native.js';

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function noise(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s & 0xff;
  }
  return out;
}

export interface PlaneSpec {
  stride?: number;
  fill?: number | ((x: number, y: number) => number);
}

function plane(w: number, h: number, spec: PlaneSpec): { data: Uint8Array; stride: number } {
  const stride = spec.stride ?? w;
  // Exactly sized: the last row ends at the buffer's end.
  const data = new Uint8Array((h - 1) * stride + w);
  const fill = spec.fill ?? 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) data[y * stride + x] = typeof fill === 'number' ? fill : fill(x, y);
  }
  return { data, stride };
}

/** A yuv420p frame; luma from `y`, chroma neutral unless given. */
export function yuv420(w: number, h: number, y: PlaneSpec = {}, u: PlaneSpec = { fill: 128 },
                       v: PlaneSpec = { fill: 128 }): VideoFrame {
  const cw = (w + 1) >> 1, ch = (h + 1) >> 1;
  const py = plane(w, h, y), pu = plane(cw, ch, u), pv = plane(cw, ch, v);
  return { width: w, height: h, format: 'yuv420p', data: [py.data, pu.data, pv.data],
           linesize: [py.stride, pu.stride, pv.stride] };
}

/** A frame of noise with padded strides (seeded). */
export function noiseFrame(w: number, h: number, seed: number, pad = 7): VideoFrame {
  const n = noise(w * h * 2 + 1024, seed);
  let i = 0;
  const next = () => n[i++ % n.length]!;
  return yuv420(w, h, { stride: w + pad, fill: next }, { stride: ((w + 1) >> 1) + pad, fill: next },
                { stride: ((w + 1) >> 1) + 3, fill: next });
}
