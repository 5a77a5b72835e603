/**
 * audio_missing / video_missing — a track stops delivering: a hole in its timeline, or it
 * ends (or starts) well before the input does.
 *
 * The workers record every span longer than 0.25 s in which a track delivered no frame
 * (shorter holes are timestamp jitter). Spans that touch across segment boundaries join.
 * A stretch that both tracks skip with one jump of their timestamps is the input's timeline
 * jumping, not a missing track: while av_sync runs, it reports it (kind 'gap', track 'both')
 * and `withoutSpans` takes it out of the holes here.
 * Live inputs have their own streaming form (src/live/missing-tracker.ts): a track that
 * stops delivering while the other goes on.
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

/** Holes in a track's timeline up to this long (seconds) are timestamp jitter, not a missing track. */
export const MISSING_JITTER = 0.25;

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

/** `gaps` ([start, end, ...]) less the parts inside `spans` ([start, end, ...]). */
export function withoutSpans(gaps: ArrayLike<number>, spans: number[]): number[] {
  let pieces: number[] = Array.from(gaps);
  for (let k = 0; k + 1 < spans.length; k += 2) {
    const a = spans[k]!, b = spans[k + 1]!, next: number[] = [];
    for (let i = 0; i + 1 < pieces.length; i += 2) {
      const s = pieces[i]!, e = pieces[i + 1]!;
      if (e <= a || s >= b) { next.push(s, e); continue; }
      if (s < a) next.push(s, a);
      if (e > b) next.push(b, e);
    }
    pieces = next;
  }
  return pieces;
}
