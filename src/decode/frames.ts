/**
 * From decoded frames to what the kernels read: zero-copy plane views (a decoded frame's
 * planes are Buffers over the decoder's own memory, see decoder.ts) and per-channel float
 * samples.
 */
import { native, type HandoffFormat, type PixelFormat, type VideoFrame } from '../native.js';
import { VqmonError } from '../errors.js';
import { releaseFrames } from './decoder.js';
import type { DecodedFrame, Rational, StreamParams } from './types.js';

const KERNEL_FORMATS = new Set<string>(['gray', 'yuv420p', 'yuv422p', 'yuv444p', 'yuvj420p', 'yuvj422p', 'yuvj444p']);
/** Semi-planar formats the hand-off splits into planar memory (one SIMD pass a frame). */
const SPLIT_FORMATS = new Set<string>(['nv12', 'nv21']);

/** True when the kernels read frames of this pixel format: as decoded, or after one copy (nv12, nv21). */
export function kernelReadable(format: string | null): boolean {
  return format !== null && (KERNEL_FORMATS.has(format) || SPLIT_FORMATS.has(format));
}

/**
 * The frame as the kernels read it: the decoded frame itself (a zero-copy view of the
 * decoder's planes, released by whoever analyses it), or for nv12/nv21 one copy into
 * planar memory of its own (native.copyFrame; the decoded frame is released at once), so
 * frames held as prev or freeze reference never share a slot. Throws for formats the
 * kernels cannot read (the frame is released).
 */
export function videoView(f: DecodedFrame): VideoFrame {
  if (f.format !== null && SPLIT_FORMATS.has(f.format)) {
    const src: VideoFrame<HandoffFormat> = { width: f.width, height: f.height, format: f.format as HandoffFormat, data: f.data, linesize: f.linesize };
    try {
      return native.copyFrame(src, new Uint8Array(native.frameSlot(f.width, f.height, src.format).byteLength));
    } finally {
      releaseFrames([f]);
    }
  }
  if (!kernelReadable(f.format)) {
    releaseFrames([f]);
    throw new VqmonError('ERR_VQMON_UNSUPPORTED_FORMAT',
      `decoded pixel format ${f.format ?? 'unknown'} is not one the kernels read (8-bit gray, yuv420p/422p/444p, nv12/nv21 after one copy)`);
  }
  return f as VideoFrame;
}

/** Limited (tv) or full (pc/jpeg) range, from the pixel format name. */
export function fullRange(format: string | null): boolean {
  return format !== null && format.startsWith('yuvj');
}

/**
 * One Float32Array per channel (full scale 1.0), copied out of the decoder's memory (the
 * frame is released after this; audio is small next to video: 48k samples/s a channel).
 */
export function audioChannels(f: DecodedFrame): Float32Array[] {
  const n = f.samples, ch = f.channels;
  const view = (b: Buffer, T: 'f32' | 'f64' | 's16' | 's32' | 'u8') => {
    const bytes = { f32: 4, f64: 8, s16: 2, s32: 4, u8: 1 }[T];
    const aligned = b.byteOffset % bytes === 0 ? b : Buffer.from(b);
    switch (T) {
      case 'f32': return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.length / 4);
      case 'f64': return new Float64Array(aligned.buffer, aligned.byteOffset, aligned.length / 8);
      case 's16': return new Int16Array(aligned.buffer, aligned.byteOffset, aligned.length / 2);
      case 's32': return new Int32Array(aligned.buffer, aligned.byteOffset, aligned.length / 4);
      default: return new Uint8Array(aligned.buffer, aligned.byteOffset, aligned.length);
    }
  };
  const scale = { f32: 1, f64: 1, s16: 1 / 32768, s32: 1 / 2147483648, u8: 1 / 128 };
  const fmt = f.format ?? '';
  const planar = fmt.endsWith('p');
  const base = (planar ? fmt.slice(0, -1) : fmt) as string;
  const formats: Record<string, 'f32' | 'f64' | 's16' | 's32' | 'u8'> = { flt: 'f32', dbl: 'f64', s16: 's16', s32: 's32', u8: 'u8' };
  const T = formats[base];
  if (!T) throw new VqmonError('ERR_VQMON_UNSUPPORTED_FORMAT', `audio sample format ${fmt || 'unknown'} is not supported`);
  const out: Float32Array[] = [];
  for (let c = 0; c < ch; c++) {
    const src = view(f.data[planar ? c : 0]!, T);
    if (T === 'f32' && planar) {
      out.push((src as Float32Array).slice(0, n));
      continue;
    }
    const dst = new Float32Array(n);
    const stride = planar ? 1 : ch, off = planar ? 0 : c, k = scale[T], bias = T === 'u8' ? 128 : 0;
    for (let i = 0; i < n; i++) dst[i] = ((src[i * stride + off] as number) - bias) * k;
    out.push(dst);
  }
  return out;
}

/** A timestamp in a stream's time base, in seconds (null counts as 0). */
export const streamSeconds = (ts: number | null, tb: Rational) => (ts ?? 0) * tb[0] / tb[1];

/** A video stream's frame rate as a fraction: its average rate, else its base rate. */
export function frameRateFraction(s: StreamParams): Rational {
  return s.avgFrameRate[0] ? s.avgFrameRate : s.rFrameRate;
}

/** Frames per second (0 when unknown). */
export function frameRate(s: StreamParams): number {
  const [n, d] = frameRateFraction(s);
  return d ? n / d : 0;
}

/** Seconds per frame (0 when unknown). */
export function frameDuration(s: StreamParams): number {
  const [n, d] = frameRateFraction(s);
  return n ? d / n : 0;
}

/**
 * The nominal frame duration of constant-rate video, seconds, else 0: FFmpeg's base rate
 * (r_frame_rate, the rate every timestamp fits) when the average rate agrees with it within
 * 1% (a last frame's duration or an edit list moves the average a little); variable-rate
 * video (phones, screen captures) averages well below its base rate.
 */
export function constantFrameDuration(s: StreamParams): number {
  const [rn, rd] = s.rFrameRate, [an, ad] = s.avgFrameRate;
  if (!rn || !rd || !an || !ad) return 0;
  const r = rn / rd, avg = an / ad;
  return Math.abs(avg / r - 1) <= 0.01 ? rd / rn : 0;
}
