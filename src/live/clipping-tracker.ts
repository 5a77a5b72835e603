/**
 * clipping on a live input: the file detector's rule (src/detectors/clipping.ts) applied to
 * audio windows as they arrive. The first window with at least `minSamples` clipped
 * samples (all channels together) raises phase start at once (clipping has no minimum
 * duration); windows closer than `mergeGap` join the event; phase end comes once `mergeGap`
 * has passed without one, or when the input stops.
 *
 * Options: `clipLevel` (applied in the kernels), `minSamples`, `mergeGap`, as for files.
 * Output: { type: 'clipping', phase, start, end, duration, score, detail: { clippedSamples } },
 * score = share of the event's samples (so far, on phase start) that clipped.
 */
import { clippingDefaults, type ClippingOptions } from '../detectors/clipping.js';
import { event } from '../detectors/types.js';
import type { Emit } from './run-tracker.js';
import type { AudioWindows, LiveTracker } from './trackers.js';

export class ClippingTracker implements LiveTracker {
  private readonly minSamples: number;
  private readonly gap: number;
  private cur: { start: number; end: number; samples: number; rate: number; channels: number } | null = null;

  constructor(options: ClippingOptions | undefined, private readonly emit: Emit) {
    this.minSamples = options?.minSamples ?? clippingDefaults.minSamples;
    this.gap = options?.mergeGap ?? clippingDefaults.mergeGap;
  }

  audio(a: AudioWindows): void {
    for (let w = 0; w < a.count; w++) {
      const t0 = a.t0 + w * a.window;
      if (this.cur && t0 - this.cur.end > this.gap + 1e-9) this.close();
      let n = 0;
      for (let c = 0; c < a.channels; c++) n += a.stats[(w * a.channels + c) * 3 + 2]!;
      if (!(n >= this.minSamples)) continue; // NaN: a window of missing audio
      if (this.cur) {
        this.cur.end = t0 + a.window;
        this.cur.samples += n;
      } else {
        this.cur = { start: t0, end: t0 + a.window, samples: n, rate: a.sampleRate, channels: a.channels };
        this.emit({ ...this.event(), phase: 'start' });
      }
    }
  }

  close(): void {
    if (this.cur) this.emit({ ...this.event(), phase: 'end' });
    this.cur = null;
  }

  private event() {
    const c = this.cur!;
    const total = (c.end - c.start) * c.rate * c.channels;
    return event('clipping', c.start, c.end, { score: Math.min(1, c.samples / Math.max(1, total)), detail: { clippedSamples: c.samples } });
  }
}
