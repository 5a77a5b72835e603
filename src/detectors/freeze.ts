/**
 * freeze — the picture stays (nearly) unchanged.
 *
 * Semantics of FFmpeg's freezedetect: each frame is compared with the first frame of the
 * candidate freeze (the reference); the mean absolute frame difference over Y, U and V,
 * divided by 256 (MAFD), at or below `noise` keeps the freeze going. The kernels apply the
 * rule while they read the frame (the `isRef` column marks frames that became the
 * reference), so this module only measures runs.
 *
 * Beyond freezedetect: an encoder that keeps encoding a frozen source refreshes the same
 * picture at every keyframe, a one-frame step of a few thousandths of MAFD that breaks
 * freezedetect's run in two (FFmpeg reports 3-4 s and 4-6 s for one freeze). Two runs
 * separated by a single frame whose difference from its predecessor is at most
 * `refreshTolerance`, both runs at least `refreshInterval` long (keyframes are that far
 * apart; a live static scene, whose noise resets the reference every few frames, is not
 * bridged), are one freeze.
 *
 * Options:
 *   noise             MAFD at or below which a frame matches the reference [0.001] (applied in the kernels: VideoOptions.freezeNoise)
 *   minDuration       shortest freeze reported, seconds                      [2]
 *   refreshTolerance  MAFD of a one-frame step that does not end a freeze    [0.01]
 *   refreshInterval   shortest frozen run on each side of such a step, s      [0.4]
 * Output: { type: 'freeze', start, end, duration, detail: { maxMafd, refreshes } },
 * start = the frozen picture's first frame, end = the end of its last repeat.
 */
import { frameColumn } from '../native.js';
import { event, spans, type VideoSeries, type VqEvent } from './types.js';

export interface FreezeOptions {
  minDuration?: number;
  refreshTolerance?: number;
  refreshInterval?: number;
}

export const freezeDefaults = { noise: 0.001, minDuration: 2, refreshTolerance: 0.01, refreshInterval: 0.4 };

export function detectFreeze(v: VideoSeries, options: FreezeOptions = {}): VqEvent[] {
  const minDuration = options.minDuration ?? freezeDefaults.minDuration;
  const tolerance = options.refreshTolerance ?? freezeDefaults.refreshTolerance;
  const interval = options.refreshInterval ?? freezeDefaults.refreshInterval;
  const n = v.t.length, c = v.columns, isRef = frameColumn('isRef'), mafd = frameColumn('mafdRef'), step = frameColumn('mafdPrev');
  const fd = v.frameDuration || (n > 1 ? (v.t[n - 1]! - v.t[0]!) / (n - 1) : 0);
  const frozen = (i: number) => i > 0 && v.rows[i * c + isRef] === 0;
  // A run of frozen frames i..j repeats frame i-1, where the frozen picture starts.
  const runs = spans(n, frozen, (i) => v.t[i - 1]!, (j) => v.t[j]! + fd, 0).map((s) => ({ ...s, refreshes: 0 }));
  const merged: Array<(typeof runs)[number] & { tailStart: number }> = [];
  for (const r of runs) {
    const last = merged[merged.length - 1];
    // r.first - 1 is the refreshed frame (r's reference); it directly follows last's run,
    // whose part since its own last refresh began at tailStart.
    if (last && r.first - 2 === last.last && v.rows[(r.first - 1) * c + step]! <= tolerance &&
        last.end - last.tailStart >= interval - 1e-9 && r.end - r.start >= interval - 1e-9) {
      last.tailStart = r.start;
      last.last = r.last;
      last.end = r.end;
      last.refreshes++;
    } else {
      merged.push({ ...r, tailStart: r.start });
    }
  }
  return merged.filter((s) => s.end - s.start >= minDuration - 1e-9).map((s) => {
    let max = 0;
    for (let i = s.first; i <= s.last; i++) max = Math.max(max, v.rows[i * c + mafd]!);
    return event('freeze', s.start, s.end, { detail: { maxMafd: max, refreshes: s.refreshes } });
  });
}
