/**
 * silence — every audio channel stays below a level.
 *
 * Like FFmpeg's silencedetect with the level taken as RMS over short windows (the audio
 * window, 50 ms by default) rather than per sample, so a single spike does not end it.
 *
 * Options:
 *   level        dBFS below which a window is silent (RMS, every channel)  [-60]
 *   minDuration  shortest silence reported, seconds                         [2]
 * Output: { type: 'silence', start, end, duration, detail: { maxRmsDb } }.
 */
import { event, spans, type AudioSeries, type VqEvent } from './types.js';

export interface SilenceOptions {
  level?: number;
  minDuration?: number;
}

export const silenceDefaults = { level: -60, minDuration: 2 };

/** dBFS of a level; NaN (a window of missing audio) stays NaN: neither silent nor loud. */
export const dbfs = (x: number) => (x > 0 ? 20 * Math.log10(x) : x === 0 ? -Infinity : NaN);

/** Loudest channel's RMS of window w, in dBFS. */
export function windowRmsDb(a: AudioSeries, w: number): number {
  let max = 0;
  for (let c = 0; c < a.channels; c++) max = Math.max(max, a.stats[(w * a.channels + c) * 3 + 1]!); // NaN wins
  return dbfs(max);
}

export function detectSilence(a: AudioSeries, options: SilenceOptions = {}): VqEvent[] {
  const level = options.level ?? silenceDefaults.level;
  const minDuration = options.minDuration ?? silenceDefaults.minDuration;
  return spans(a.count, (w) => windowRmsDb(a, w) < level, (w) => a.t0 + w * a.window, (w) => a.t0 + (w + 1) * a.window, minDuration)
    .map((s) => {
      let max = -Infinity;
      for (let w = s.first; w <= s.last; w++) max = Math.max(max, windowRmsDb(a, w));
      return event('silence', s.start, s.end, { detail: { maxRmsDb: Number.isFinite(max) ? Math.round(max * 10) / 10 : null } });
    });
}
