/**
 * audio_missing / video_missing — a track stops delivering: a hole in its timeline, or it
 * ends (or starts) well before the input does.
 *
 * The workers record every span longer than 0.25 s in which a track delivered no frame
 * (shorter holes are timestamp jitter). Spans that touch across segment boundaries join.
 *
 * Options:
 *   minDuration  shortest span reported, seconds   [0.5]
 * Output: { type: 'audio_missing' | 'video_missing', start, end, duration }.
 */
import { event, type VqEvent } from './types.js';

export interface MissingOptions {
  minDuration?: number;
}

export const missingDefaults = { minDuration: 0.5 };

/** `gaps`: [start, end, start, end, ...] in time order, possibly touching. */
export function detectMissing(type: 'audio_missing' | 'video_missing', gaps: ArrayLike<number>, options: MissingOptions = {}): VqEvent[] {
  const minDuration = options.minDuration ?? missingDefaults.minDuration;
  const spans: Array<[number, number]> = [];
  for (let i = 0; i + 1 < gaps.length; i += 2) {
    const s = gaps[i]!, e = gaps[i + 1]!, last = spans[spans.length - 1];
    if (last && s - last[1] <= 0.05) last[1] = Math.max(last[1], e);
    else spans.push([s, e]);
  }
  return spans.filter(([s, e]) => e - s >= minDuration - 1e-9).map(([s, e]) => event(type, s, e));
}
