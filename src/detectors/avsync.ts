/**
 * av_sync (test signal) — the audio/video offset of a flash-and-beep sync pattern. The
 * detector's other half, the timestamp checks (drift, gaps, discontinuities), is
 * src/detectors/timestamps.ts; both read the options below.
 *
 * A flash is a frame whose mean luma rises by at least `minJump` over the frame before
 * (the kernels' flashFrames); a beep is the onset of a tone at `frequency` (toneOnsets:
 * per-5 ms tone correlation, refined to the first sample at half the tone's amplitude).
 * Each flash is paired with the nearest beep within `maxOffset`; with at least `minPairs`
 * pairs the offset is the median of (beep - flash): positive means audio late. Without
 * such a pattern nothing is measured.
 *
 * Options:
 *   frequency  beep frequency, Hz                                     [1000]
 *   minJump    mean-luma rise that makes a flash, 0..255              [64]
 *   maxOffset  largest offset looked for, seconds                     [1]
 *   minPairs   flash/beep pairs needed for a measurement             [3]
 *   tolerance  |offset| above which an event is raised, seconds       [0.045] (ITU-R BT.1359: audio more than 45 ms early is detectable)
 *   timestamps run the timestamp checks (timestamps.ts)               [true]
 * Output: the measurement { offsetMs, pairs, spreadMs } in the report's stats.avSync, and,
 * when |offset| > tolerance, { type: 'av_sync', start, end, duration, offsetMs, detail: { kind: 'signal', pairs, spreadMs } }
 * spanning the first to the last pair.
 */
import { frameColumn, native } from '../native.js';
import { event, type VideoSeries, type VqEvent } from './types.js';

export interface AvSyncOptions {
  frequency?: number;
  minJump?: number;
  maxOffset?: number;
  minPairs?: number;
  tolerance?: number;
  timestamps?: boolean;
}

export const avSyncDefaults = { frequency: 1000, minJump: 64, maxOffset: 1, minPairs: 3, tolerance: 0.045, timestamps: true };

export interface AvSyncMeasurement {
  offsetMs: number;
  pairs: number;
  /** Largest minus smallest pair offset, ms. */
  spreadMs: number;
  start: number;
  end: number;
}

export function flashTimes(v: VideoSeries, minJump = avSyncDefaults.minJump): number[] {
  const n = v.t.length, c = v.columns, col = frameColumn('lumaMean');
  const means = new Float64Array(n);
  for (let i = 0; i < n; i++) means[i] = v.rows[i * c + col]!;
  return Array.from(native.flashFrames(means, { minJump }), (i) => v.t[i]!);
}

export function measureAvSync(flashes: number[], beeps: ArrayLike<number>, options: AvSyncOptions = {}): AvSyncMeasurement | null {
  const maxOffset = options.maxOffset ?? avSyncDefaults.maxOffset;
  const minPairs = options.minPairs ?? avSyncDefaults.minPairs;
  const offsets: number[] = [], at: number[] = [];
  for (const f of flashes) {
    let best = Infinity;
    for (let i = 0; i < beeps.length; i++) {
      const d = beeps[i]! - f;
      if (Math.abs(d) < Math.abs(best)) best = d;
    }
    if (Math.abs(best) <= maxOffset) {
      offsets.push(best);
      at.push(f);
    }
  }
  if (offsets.length < minPairs) return null;
  const sorted = [...offsets].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { offsetMs: Math.round(median * 1000), pairs: offsets.length, spreadMs: Math.round((sorted.at(-1)! - sorted[0]!) * 1000),
    start: at[0]!, end: at.at(-1)! };
}

export function avSyncEvents(m: AvSyncMeasurement | null, options: AvSyncOptions = {}): VqEvent[] {
  const tolerance = options.tolerance ?? avSyncDefaults.tolerance;
  if (!m || Math.abs(m.offsetMs) <= tolerance * 1000) return [];
  return [event('av_sync', m.start, m.end, { offsetMs: m.offsetMs, detail: { kind: 'signal', pairs: m.pairs, spreadMs: m.spreadMs } })];
}
