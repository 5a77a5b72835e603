/**
 * The native addon: loading (prebuilt binary first, local build second, one clear error
 * when neither loads) and a typed surface over its coarse calls. Works in the main thread
 * and in worker threads; each thread gets its own addon instance.
 */
import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { VqmonError, isVqmonError } from './errors.js';

export type SimdLevel = 'scalar' | 'sse2' | 'avx2' | 'neon';
export type PixelFormat =
  | 'gray' | 'gray8'
  | 'yuv420p' | 'yuvj420p' | 'yuv422p' | 'yuvj422p' | 'yuv444p' | 'yuvj444p';
export type HandoffFormat = PixelFormat | 'nv12' | 'nv21';

/** A decoded 8-bit frame: planes as byte views (a decoder's own memory, zero-copy), strides in linesize. */
export interface VideoFrame<F extends string = PixelFormat> {
  width: number;
  height: number;
  format: F;
  data: Uint8Array[];
  linesize: number[];
}

/** Options of the fused video pass. Defaults in brackets. */
export interface VideoOptions {
  /** Tile grid for partial freezes and localized damage [8 x 8], each 1..16. */
  tileCols?: number;
  tileRows?: number;
  /** Luma at or below this counts as black [32]; -1 disables. See {@link blackThreshold}. */
  blackThreshold?: number;
  /** Chroma counts as far from neutral when |U-128| or |V-128| reaches this [48]. */
  farThreshold?: number;
  /** Append a 256-bin luma histogram to each row [false]. */
  histogram?: boolean;
  /** freezedetect noise: MAFD at or below which a frame matches the reference [0.001]. */
  freezeNoise?: number;
  /** One byte per tile, 0 = ignore the tile in the frame MAFD (channel graphics). */
  tileMask?: Uint8Array;
}

export interface VideoBatch {
  frames: VideoFrame[];
  /** The frame before frames[0] (for difference metrics), or null at the start. */
  prev?: VideoFrame | null;
  /** The current freeze reference, or null at the start. */
  ref?: VideoFrame | null;
  options?: VideoOptions;
}

export interface VideoLayout {
  frameColumns: number;
  tileColumns: number;
  tiles: number;
  histogramOffset: number;
  rowWidth: number;
}

export interface FrameSlot {
  format: PixelFormat;
  width: number;
  height: number;
  offsets: number[];
  linesize: number[];
  byteLength: number;
}

export interface AudioStatsOptions {
  /** Samples per channel in one window. */
  window: number;
  /** |x| at or above this (full scale = 1) counts as clipped [0.999]. */
  clipLevel?: number;
  /** Interleaved channels of an Int16Array [1]. */
  channels?: number;
}

export interface ToneOptions {
  sampleRate: number;
  frequency?: number;
  blockMs?: number;
  minAmplitude?: number;
  minToneFraction?: number;
  minGapMs?: number;
}

interface RawAddon {
  simdLevel(): SimdLevel;
  simdLevels(): SimdLevel[];
  setSimdLevel(level: string): SimdLevel;
  readonly FRAME_COLUMNS: readonly string[];
  readonly TILE_COLUMNS: readonly string[];
  videoLayout(options?: VideoOptions): VideoLayout;
  analyzeVideo(batch: VideoBatch, out: Float64Array): number;
  analyzeVideoAsync(batch: VideoBatch, out: Float64Array): Promise<number>;
  audioStats(samples: Float32Array | Int16Array, options: AudioStatsOptions, out: Float64Array): number;
  toneOnsets(samples: Float32Array, options: ToneOptions): Float64Array;
  flashFrames(means: Float64Array, options?: { minJump?: number }): Float64Array;
  frameSlot(width: number, height: number, format: string, decimate?: boolean): FrameSlot;
  copyFrame(src: VideoFrame<string>, dst: Uint8Array, options?: { decimate?: boolean }): FrameSlot;
  releaseFrames(frames: ReadonlyArray<{ data: Uint8Array[] }>): number;
  thumbnail(frame: VideoFrame<string>, dst: Uint8Array, options: { width: number; height: number; fullRange?: boolean }): number;
}

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function libc(): string {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const glibc = report?.header?.glibcVersionRuntime;
  return glibc ? `glibc ${glibc}` : 'musl or unknown libc';
}

function candidates(): string[] {
  const found: string[] = [];
  const prebuilds = join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`);
  if (existsSync(prebuilds)) for (const f of readdirSync(prebuilds)) found.push(join(prebuilds, f));
  if (!process.env.PREBUILDS_ONLY) {
    for (const d of ['build/Release', 'build/Debug']) {
      const p = join(packageRoot, d, 'vqmon.node');
      if (existsSync(p)) found.push(p);
    }
  }
  return found;
}

function load(): RawAddon {
  const require = createRequire(import.meta.url);
  try {
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => RawAddon;
    return nodeGypBuild(packageRoot);
  } catch (err) {
    // The addon itself refused to start (bad VQMON_SIMD): pass its own error through.
    if (isVqmonError(err)) throw err;
    const tried = candidates();
    throw new VqmonError(
      'ERR_VQMON_LOAD_FAILED',
      [
        `vqmon could not load its native addon for ${process.platform}-${process.arch} (${libc()}, ` +
          `Node ${process.version}, N-API ${process.versions.napi}).`,
        `Looked in ${join(packageRoot, 'prebuilds')}` +
          (process.env.PREBUILDS_ONLY ? ' only (PREBUILDS_ONLY is set)' : ` and ${join(packageRoot, 'build')}`) +
          (tried.length ? `; found ${tried.join(', ')}` : '; found no binary') + '.',
        `Cause: ${err instanceof Error ? err.message : String(err)}`,
        'Fix: prebuilt binaries exist for linux-x64 and linux-arm64 (glibc); elsewhere build from source with ' +
          '`npm rebuild vqmon` (needs a C++17 compiler, make and python3), or from a checkout with `npm run build:native`.',
      ].join('\n'),
      { cause: err },
    );
  }
}

const addon = load();

/** Names of the per-frame metric columns, in row order. */
export const FRAME_COLUMNS = addon.FRAME_COLUMNS;
/** Names of the per-tile metric columns, repeated for each tile after the frame columns. */
export const TILE_COLUMNS = addon.TILE_COLUMNS;

/** Column index of a frame metric, e.g. `frameColumn('mafdPrev')`. */
export function frameColumn(name: string): number {
  const i = FRAME_COLUMNS.indexOf(name);
  if (i < 0) throw new VqmonError('ERR_VQMON_INVALID_ARG', `unknown frame column '${name}'`);
  return i;
}

/** Column index of a tile metric for tile `tile` (row-major). */
export function tileColumn(name: string, tile: number, layout: VideoLayout): number {
  const i = TILE_COLUMNS.indexOf(name);
  if (i < 0) throw new VqmonError('ERR_VQMON_INVALID_ARG', `unknown tile column '${name}'`);
  return layout.frameColumns + tile * layout.tileColumns + i;
}

/**
 * FFmpeg blackdetect's pixel threshold: `pix_th` (default 0.10) as a luma value, for
 * limited range (16 + th * 219) or full range (th * 255), truncated like FFmpeg does.
 */
export function blackThreshold(pixTh = 0.1, fullRange = false): number {
  if (!(pixTh >= 0 && pixTh <= 1)) throw new VqmonError('ERR_VQMON_INVALID_ARG', `pixTh ${pixTh} is outside 0..1`);
  return Math.trunc(fullRange ? pixTh * 255 : 16 + pixTh * (235 - 16));
}

/** Plane views of a frame held in `slot` (a view over a frame-ring slot). */
export function slotFrame(slot: Uint8Array, layout: FrameSlot): VideoFrame {
  const data = layout.offsets.map((off, i) => {
    const rows = i === 0 ? layout.height : chromaRows(layout);
    return slot.subarray(off, off + layout.linesize[i]! * rows);
  });
  return { width: layout.width, height: layout.height, format: layout.format, data, linesize: [...layout.linesize] };
}

function chromaRows(l: FrameSlot): number {
  return l.format === 'yuv420p' ? (l.height + 1) >> 1 : l.height;
}

export const native = {
  /** The SIMD level this thread's kernels use. */
  simdLevel: (): SimdLevel => addon.simdLevel(),
  /** The levels this CPU runs, lowest first. */
  simdLevels: (): SimdLevel[] => addon.simdLevels(),
  /** Switch this thread's level (tests, benchmarks); throws for one the CPU lacks. */
  setSimdLevel: (level: SimdLevel): SimdLevel => addon.setSimdLevel(level),
  videoLayout: (options?: VideoOptions): VideoLayout => addon.videoLayout(options),
  /** Runs the fused pass over a batch; one row per frame into `out`. Returns the ref index. */
  analyzeVideo: (batch: VideoBatch, out: Float64Array): number => addon.analyzeVideo(batch, out),
  /** Same, off the JS thread (libuv threadpool). Do not transfer the buffers meanwhile. */
  analyzeVideoAsync: async (batch: VideoBatch, out: Float64Array): Promise<number> => addon.analyzeVideoAsync(batch, out),
  /** Peak, RMS and clipped count per window (and channel): rows of 3 in `out`. */
  audioStats: (samples: Float32Array | Int16Array, options: AudioStatsOptions, out: Float64Array): number =>
    addon.audioStats(samples, options, out),
  /** Sample indices where tone bursts (sync beeps) start. */
  toneOnsets: (samples: Float32Array, options: ToneOptions): Float64Array => addon.toneOnsets(samples, options),
  /** Frame indices where a flash (sync pattern) starts, from per-frame mean luma. */
  flashFrames: (means: Float64Array, options?: { minJump?: number }): Float64Array => addon.flashFrames(means, options),
  /** The layout of a frame in a ring slot (bytes, plane offsets, strides). */
  frameSlot: (width: number, height: number, format: HandoffFormat, decimate = false): FrameSlot =>
    addon.frameSlot(width, height, format, decimate),
  /** Copies a decoded frame into a slot (one SIMD pass per plane) and returns its views. */
  copyFrame(src: VideoFrame<HandoffFormat>, slot: Uint8Array, options?: { decimate?: boolean }): VideoFrame {
    return slotFrame(slot, addon.copyFrame(src, slot, options));
  },
  /**
   * Gives frames' memory back now rather than at garbage collection: each plane that is
   * the whole of its ArrayBuffer (a decoder's plane Buffer) is detached, and its owner's
   * free callback runs on the next turn of the event loop. The planes read as empty
   * afterwards (a kernel refuses them: ERR_VQMON_OUT_OF_BOUNDS). Returns the number of planes released.
   */
  releaseFrames: (frames: ReadonlyArray<{ data: Uint8Array[] }>): number => addon.releaseFrames(frames),
  /**
   * A planar frame scaled down to `width` x `height` RGB24 (rows of width * 3 bytes): each
   * pixel the mean of its box of the source, BT.601. A copy: the frame may be released
   * after. `fullRange` defaults to the format's (yuvj*). `into`: a buffer to reuse, when it
   * is the right size.
   */
  thumbnail(frame: VideoFrame<string>, options: { width: number; height: number; fullRange?: boolean }, into?: Uint8Array): Uint8Array {
    const size = options.width * options.height * 3;
    const rgb = into && into.length === size ? into : new Uint8Array(size);
    addon.thumbnail(frame, rgb, options);
    return rgb;
  },
};
