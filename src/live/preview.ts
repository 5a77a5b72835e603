/**
 * What a person watching the service sees of a live input, beside its events: small
 * pictures and a once-a-second reading of its key metrics (the dashboard's thumbnails and
 * sparklines, src/serve/).
 *
 * Thumbnails are taken from the decoded frames before they are released (the live chain
 * gives planes back to the decoder right after the kernels), scaled down by the native
 * thumbnail call, twice a second of media time, and kept for the last `keepSec` seconds:
 * an event is raised after its minimum duration, and its picture is then looked up by its
 * start time. Memory is bounded: keepSec / interval pictures of width x height x 3 bytes.
 *
 * The metric reading is an accumulation since the last take(): mean motion (the frames'
 * mean absolute luma difference to the frame before, as a fraction of full scale like
 * freeze.noise), mean blockiness score (the
 * blockiness detector's 0..1), and the audio RMS level of the loudest channel in dBFS.
 */
import { native, type VideoFrame } from '../native.js';

export interface Thumbnail {
  /** Media time of the frame, seconds. */
  t: number;
  width: number;
  height: number;
  /** width * height * 3 bytes, RGB24, rows top to bottom. */
  rgb: Uint8Array;
}

export interface PreviewReading {
  /** The latest media time seen, seconds. */
  mediaTime: number;
  motion: number | null;
  blockiness: number | null;
  audioDb: number | null;
}

export const previewDefaults = {
  /** Thumbnail width, pixels (height from the display aspect ratio). */
  width: 256,
  /** Media seconds between thumbnails. */
  interval: 0.5,
  /** Seconds of thumbnails kept for events' starts. */
  keepSec: 15,
};

/** dBFS floor for silence (digital zero has no logarithm). */
export const AUDIO_FLOOR_DB = -120;

export class Preview {
  private thumbs: Thumbnail[] = [];
  private next = -Infinity;
  private mediaTime = 0;
  private motion = { sum: 0, n: 0 };
  private block = { sum: 0, n: 0 };
  /** Per channel: the sum of squared window RMS values, and the windows. */
  private audio: { sq: number[]; n: number } = { sq: [], n: 0 };

  constructor(private readonly o = previewDefaults) {}

  /**
   * Frames about to be analysed (still holding their planes), with their media times and
   * display aspect ratio (width / height as shown). Takes the frames due a thumbnail.
   */
  frames(views: readonly VideoFrame[], times: Float64Array, aspect: number): void {
    for (let i = 0; i < views.length; i++) {
      const t = times[i]!;
      if (!Number.isFinite(t)) continue;
      this.mediaTime = t;
      // A timeline that stepped back (a new session, a splice) starts the cadence again.
      if (t < this.next - 2 * this.o.interval) this.next = -Infinity;
      if (t < this.next) continue;
      const f = views[i]!;
      const width = Math.min(this.o.width, f.width);
      const ratio = aspect > 0 && Number.isFinite(aspect) ? aspect : f.width / f.height;
      const height = Math.max(1, Math.min(f.height, Math.round(width / ratio)));
      // The picture that drops out of the window lends its memory to the new one: a steady
      // stream allocates no pictures (twice a second per stream, they churned the heap).
      let spare: Uint8Array | undefined;
      while (this.thumbs.length > 0 && this.thumbs[0]!.t < t - this.o.keepSec) spare = this.thumbs.shift()!.rgb;
      this.thumbs.push({ t, width, height, rgb: native.thumbnail(f, { width, height }, spare) });
      this.next = t + this.o.interval;
    }
  }

  /** One frame's motion (its difference to the frame before). */
  addMotion(mafd: number): void {
    if (Number.isFinite(mafd)) { this.motion.sum += mafd; this.motion.n++; }
  }

  addBlockiness(score: number): void {
    if (Number.isFinite(score)) { this.block.sum += score; this.block.n++; }
  }

  /** Audio windows: `stats` rows [peak, rms, clipped] per window and channel, windows first. */
  addAudio(stats: Float64Array, windows: number, channels: number): void {
    const a = this.audio;
    while (a.sq.length < channels) a.sq.push(0);
    for (let w = 0; w < windows; w++) {
      for (let c = 0; c < channels; c++) {
        const rms = stats[(w * channels + c) * 3 + 1]!;
        if (Number.isFinite(rms)) a.sq[c]! += rms * rms;
      }
    }
    a.n += windows;
  }

  /** The reading since the last take(); starts the next one. */
  take(): PreviewReading {
    const a = this.audio;
    const loudest = a.n > 0 ? Math.max(...a.sq) / a.n : NaN;
    const r: PreviewReading = {
      mediaTime: this.mediaTime,
      motion: this.motion.n ? this.motion.sum / this.motion.n : null,
      blockiness: this.block.n ? this.block.sum / this.block.n : null,
      audioDb: a.n ? Math.max(AUDIO_FLOOR_DB, 10 * Math.log10(loudest)) : null,
    };
    this.motion = { sum: 0, n: 0 };
    this.block = { sum: 0, n: 0 };
    this.audio = { sq: [], n: 0 };
    return r;
  }

  latest(): Thumbnail | null {
    return this.thumbs[this.thumbs.length - 1] ?? null;
  }

  /**
   * The picture at media time `t`: the first thumbnail at or after it (a defect shows from
   * its start on), or else the last before it, if within `tolerance` seconds; else null.
   */
  at(t: number, tolerance = 1): Thumbnail | null {
    const after = this.thumbs.find((x) => x.t >= t - 1e-6);
    if (after && after.t - t <= tolerance) return after;
    const before = [...this.thumbs].reverse().find((x) => x.t < t);
    return before && t - before.t <= tolerance ? before : null;
  }
}
