/**
 * The fused video pass over consecutive batches of one stream, carrying what links a
 * batch to the one before: the previous frame and the freeze reference (FFmpeg
 * freezedetect's rule, applied by the kernels: the reference moves to a frame unless it
 * matches the current reference within the noise). Used by the segment workers and by
 * live inputs, so both apply the same chain.
 *
 * A view holds its planes' Buffers, which hold FFmpeg's buffer references: keeping a view
 * (prev, ref) keeps its frame's memory alive.
 */
import { blackDefaults } from '../detectors/black.js';
import { freezeDefaults } from '../detectors/freeze.js';
import { blackThreshold, native, type VideoFrame, type VideoOptions } from '../native.js';

/** Kernel options from the black and freeze detectors' options, range-aware. */
export function kernelVideoOptions(black: { pixelThreshold?: number } | undefined, freeze: { noise?: number } | undefined,
                                   fullRange: boolean): VideoOptions {
  return {
    blackThreshold: blackThreshold(black?.pixelThreshold ?? blackDefaults.pixelThreshold, fullRange),
    freezeNoise: freeze?.noise ?? freezeDefaults.noise,
  };
}

export class VideoChain {
  /** The last frame analysed (null before the first, or after reset). */
  prev: VideoFrame | null = null;
  private ref: VideoFrame | null = null;

  /** Seeds the chain with a frame that is not analysed (a segment's pre-roll). */
  seed(frame: VideoFrame): void {
    this.prev = this.ref = frame;
  }

  /** Starts a new chain (a new session of a live input: the picture may have changed). */
  reset(): void {
    this.prev = this.ref = null;
  }

  /** One native call for the batch; rows go to `out` (rowWidth values each). */
  analyze(frames: VideoFrame[], options: VideoOptions, out: Float64Array): void {
    if (!frames.length) return;
    const r = native.analyzeVideo({ frames, prev: this.prev, ref: this.ref ?? this.prev, options }, out);
    if (r >= 0) this.ref = frames[r]!;
    else if (!this.ref && this.prev) this.ref = this.prev;
    this.prev = frames[frames.length - 1]!;
  }
}
