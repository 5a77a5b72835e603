/**
 * The fused video pass over consecutive batches of one stream, carrying what links a
 * batch to the one before: the previous frame and the freeze reference (FFmpeg
 * freezedetect's rule, applied by the kernels: the reference moves to a frame unless it
 * matches the current reference within the noise). Used by the segment workers and by
 * live inputs, so both apply the same chain.
 *
 * A decoded frame's planes are the decoder's memory, held until the frame is released
 * (src/decode/decoder.ts). With `release`, the chain owns the frames it is given and hands
 * every frame it no longer needs back to the decoder at once: analysed frames other than
 * prev and ref, and prev or ref when they move on, so the decoder's pool reuses warm
 * memory, and a frame the chain still reads is never given back under it.
 */
import { blackDefaults, type BlackOptions } from '../detectors/black.js';
import { freezeDefaults, type FreezeOptions } from '../detectors/freeze.js';
import { graphicsDefaults, tileMask, type GraphicsOptions, type TileRuleOptions } from '../detectors/graphics.js';
import { releaseFrames } from '../decode/decoder.js';
import { blackThreshold, native, type VideoFrame, type VideoOptions } from '../native.js';

/** The kernels' tile grid (their default), which the tile rule and masks are cut on. */
const TILE_COLS = 8, TILE_ROWS = 8;

/**
 * Kernel options from the black and freeze detectors' options, range-aware. The freeze
 * mask becomes the kernels' tile mask, so the freeze reference holds over the rest.
 */
export function kernelVideoOptions(black: BlackOptions | undefined, freeze: FreezeOptions | undefined,
                                   fullRange: boolean): VideoOptions {
  const mask = tileMask(freeze?.mask, TILE_COLS, TILE_ROWS);
  return {
    tileCols: TILE_COLS,
    tileRows: TILE_ROWS,
    blackThreshold: blackThreshold(black?.pixelThreshold ?? blackDefaults.pixelThreshold, fullRange),
    freezeNoise: freeze?.noise ?? freezeDefaults.noise,
    ...(mask ? { tileMask: mask } : {}),
  };
}

/** The tile rule's options (src/detectors/graphics.ts) from the detectors' options. */
export function tileRuleOptions(black: BlackOptions | undefined, freeze: FreezeOptions | undefined): TileRuleOptions {
  const part = (o: GraphicsOptions | undefined) => ({
    partial: o?.partial ?? graphicsDefaults.partial,
    margin: o?.graphicsMargin ?? graphicsDefaults.graphicsMargin,
    area: o?.graphicsArea ?? graphicsDefaults.graphicsArea,
    mask: o?.mask ?? [],
  });
  return {
    tileCols: TILE_COLS,
    tileRows: TILE_ROWS,
    freeze: { ...part(freeze), noise: freeze?.noise ?? freezeDefaults.noise },
    black: { ...part(black), pictureThreshold: black?.pictureThreshold ?? blackDefaults.pictureThreshold },
  };
}

export class VideoChain {
  /** The last frame analysed (null before the first, or after reset). */
  prev: VideoFrame | null = null;
  private ref: VideoFrame | null = null;

  /**
   * `release`: the chain owns the frames it is given (seeded or analysed) and releases each
   * as soon as it is neither prev nor ref. Only for frames nothing else reads afterwards.
   */
  constructor(private readonly release = false) {}

  /** Seeds the chain with a frame that is not analysed (a segment's pre-roll). */
  seed(frame: VideoFrame): void {
    this.moveTo(frame, frame, []);
  }

  /** Starts a new chain (a new session of a live input: the picture may have changed). */
  reset(): void {
    this.moveTo(null, null, []);
  }

  /** One native call for the batch; rows go to `out` (rowWidth values each). */
  analyze(frames: VideoFrame[], options: VideoOptions, out: Float64Array): void {
    if (!frames.length) return;
    const r = native.analyzeVideo({ frames, prev: this.prev, ref: this.ref ?? this.prev, options }, out);
    const ref = r >= 0 ? frames[r]! : this.ref ?? this.prev;
    this.moveTo(frames[frames.length - 1]!, ref, frames);
  }

  private moveTo(prev: VideoFrame | null, ref: VideoFrame | null, analysed: VideoFrame[]): void {
    if (this.release) {
      const done = new Set<VideoFrame>(analysed);
      if (this.prev) done.add(this.prev);
      if (this.ref) done.add(this.ref);
      if (prev) done.delete(prev);
      if (ref) done.delete(ref);
      if (done.size) releaseFrames(done);
    }
    this.prev = prev;
    this.ref = ref;
  }
}
