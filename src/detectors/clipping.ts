/**
 * clipping — samples at full scale: the signal was cut off above 0 dBFS.
 *
 * A window clips when at least `minSamples` samples (all channels together) reach
 * `clipLevel` (applied in the kernels, where decoded float audio above 1.0 also counts).
 * Clipping windows closer than `mergeGap` are one event.
 *
 * Options:
 *   clipLevel   |x| at or above which a sample is clipped, full scale 1.0   [0.999]
 *   minSamples  clipped samples that make a window clip                      [3]
 *   mergeGap    seconds between clipping windows that still join them        [0.5]
 * Output: { type: 'clipping', start, end, duration, score, detail: { clippedSamples } },
 * score = share of the event's samples that clipped.
 */
import { event, type AudioSeries, type VqEvent } from './types.js';

export interface ClippingOptions {
  clipLevel?: number;
  minSamples?: number;
  mergeGap?: number;
}

export const clippingDefaults = { clipLevel: 0.999, minSamples: 3, mergeGap: 0.5 };

export function detectClipping(a: AudioSeries, options: ClippingOptions = {}, sampleRate = 48000): VqEvent[] {
  const minSamples = options.minSamples ?? clippingDefaults.minSamples;
  const gap = options.mergeGap ?? clippingDefaults.mergeGap;
  const clipped = (w: number) => {
    let n = 0;
    for (let c = 0; c < a.channels; c++) n += a.stats[(w * a.channels + c) * 3 + 2]!;
    return n;
  };
  const out: VqEvent[] = [];
  let cur: { first: number; last: number; samples: number } | null = null;
  const close = () => {
    if (!cur) return;
    const start = a.t0 + cur.first * a.window, end = a.t0 + (cur.last + 1) * a.window;
    const total = (end - start) * sampleRate * a.channels;
    out.push(event('clipping', start, end, { score: Math.min(1, cur.samples / Math.max(1, total)), detail: { clippedSamples: cur.samples } }));
    cur = null;
  };
  for (let w = 0; w < a.count; w++) {
    const n = clipped(w);
    if (n < minSamples) continue;
    if (cur && (w - cur.last - 1) * a.window <= gap) {
      cur.last = w;
      cur.samples += n;
    } else {
      close();
      cur = { first: w, last: w, samples: n };
    }
  }
  close();
  return out;
}
