/**
 * freeze — the picture stays (nearly) unchanged.
 *
 * Semantics of FFmpeg's freezedetect: each frame is compared with the first frame of the
 * candidate freeze (the reference); the mean absolute frame difference over Y, U and V,
 * divided by 256 (MAFD), at or below `noise` keeps the freeze going. The kernels apply the
 * rule while they read the frame (the `isRef` column marks frames that became the
 * reference), so this module only measures runs.
 *
 * Beyond freezedetect:
 * - Channel graphics: a frozen programme under a scrolling ticker, a running clock or an
 *   animated logo is a freeze too (FFmpeg misses it: the graphics keep the whole-frame MAFD
 *   up). A frame also counts as frozen when the tile rule of src/detectors/graphics.ts says
 *   its programme is (every centre tile still, the moving tiles confined to the margin and
 *   to `graphicsArea`); a live static scene is not, since sensor noise moves every tile.
 *   `mask` leaves regions out of both rules; `partial: false` turns the tile rule off.
 * - Keyframe refreshes: an encoder that keeps encoding a frozen source refreshes the same
 *   picture at every keyframe, a one-frame step of a few thousandths of MAFD that breaks
 *   freezedetect's run in two (FFmpeg reports 3-4 s and 4-6 s for one freeze). Two runs
 *   separated by a single frame whose difference from its predecessor (over the whole
 *   unmasked frame, or over the programme centre when graphics move) is at most
 *   `refreshTolerance`, both runs at least `refreshInterval` long (keyframes are that far
 *   apart; a live static scene, whose noise resets the reference every few frames, is not
 *   bridged), are one freeze.
 *
 * Options:
 *   noise             MAFD at or below which a frame (a tile) matches the reference [0.001] (applied in the kernels: VideoOptions.freezeNoise)
 *   minDuration       shortest freeze reported, seconds                      [2]
 *   refreshTolerance  MAFD of a one-frame step that does not end a freeze    [0.01]
 *   refreshInterval   shortest frozen run on each side of such a step, s      [0.4]
 *   partial, graphicsMargin, graphicsArea, mask   the tile rule (graphics.ts)  [true, 0.25, 0.35, []]
 * Output: { type: 'freeze', start, end, duration, detail: { maxMafd, refreshes, partial,
 * frozenTiles?, movingTiles? } }, start = the frozen picture's first frame, end = the end of
 * its last repeat. partial: some frames were frozen only under the tile rule; then
 * frozenTiles = the fewest still tiles and movingTiles = the most moving tiles in those
 * frames (of 64), and maxMafd is over the still tiles there.
 */
import { seriesColumn, type GraphicsOptions } from './graphics.js';
import { event, spans, type VideoSeries, type VqEvent } from './types.js';

export interface FreezeOptions extends GraphicsOptions {
  noise?: number;
  minDuration?: number;
  refreshTolerance?: number;
  refreshInterval?: number;
}

export const freezeDefaults = { noise: 0.001, minDuration: 2, refreshTolerance: 0.01, refreshInterval: 0.4 };

const col = {
  isRef: seriesColumn('isRef'), mafdRef: seriesColumn('mafdRef'), mafdPrev: seriesColumn('mafdPrev'),
  programme: seriesColumn('programmeFrozen'), step: seriesColumn('programmeStep'), mafd: seriesColumn('programmeMafd'),
  still: seriesColumn('stillTiles'), moving: seriesColumn('movingTiles'),
};

/** Whether frame i of series rows (c values each) is frozen; only for a frame that has one before it. */
export function frozenFrame(rows: Float64Array, c: number, i: number): boolean {
  return rows[i * c + col.isRef] === 0 || rows[i * c + col.programme] === 1;
}

/** Frame i's step from the frame before, for refresh bridging: whole (unmasked) frame or programme centre, the smaller. */
export function refreshStep(rows: Float64Array, c: number, i: number): number {
  const whole = rows[i * c + col.mafdPrev]!, centre = rows[i * c + col.step]!;
  return centre < whole || Number.isNaN(whole) ? centre : whole;
}

export function detectFreeze(v: VideoSeries, options: FreezeOptions = {}): VqEvent[] {
  const minDuration = options.minDuration ?? freezeDefaults.minDuration;
  const tolerance = options.refreshTolerance ?? freezeDefaults.refreshTolerance;
  const interval = options.refreshInterval ?? freezeDefaults.refreshInterval;
  const n = v.t.length, c = v.columns;
  const fd = v.frameDuration || (n > 1 ? (v.t[n - 1]! - v.t[0]!) / (n - 1) : 0);
  const frozen = (i: number) => i > 0 && frozenFrame(v.rows, c, i);
  // A run of frozen frames i..j repeats frame i-1, where the frozen picture starts.
  const runs = spans(n, frozen, (i) => v.t[i - 1]!, (j) => v.t[j]! + fd, 0).map((s) => ({ ...s, refreshes: 0 }));
  const merged: Array<(typeof runs)[number] & { tailStart: number }> = [];
  for (const r of runs) {
    const last = merged[merged.length - 1];
    // r.first - 1 is the refreshed frame (r's reference); it directly follows last's run,
    // whose part since its own last refresh began at tailStart.
    if (last && r.first - 2 === last.last && refreshStep(v.rows, c, r.first - 1) <= tolerance &&
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
    let max = 0, partial = false, frozenTiles = Infinity, movingTiles = 0;
    for (let i = s.first; i <= s.last; i++) {
      const row = i * c;
      if (v.rows[row + col.isRef] === 0) { max = Math.max(max, v.rows[row + col.mafdRef]!); continue; }
      if (v.rows[row + col.programme] !== 1) continue; // a bridged refresh
      partial = true;
      max = Math.max(max, v.rows[row + col.mafd]!);
      frozenTiles = Math.min(frozenTiles, v.rows[row + col.still]!);
      movingTiles = Math.max(movingTiles, v.rows[row + col.moving]!);
    }
    return event('freeze', s.start, s.end, { detail: { maxMafd: max, refreshes: s.refreshes, partial, ...(partial ? { frozenTiles, movingTiles } : {}) } });
  });
}
