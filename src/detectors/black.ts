/**
 * black — the picture is black.
 *
 * Semantics of FFmpeg's blackdetect: a pixel is black when its luma is at or below the
 * pixel threshold (pix_th of the range: limited 16 + pix_th * 219, full pix_th * 255,
 * applied in the kernels through VideoOptions.blackThreshold), a frame is black when the
 * share of black pixels is at least `pictureThreshold`.
 *
 * Beyond blackdetect: a black programme under channel graphics (a station logo, a clock, a
 * ticker) is black too, though the graphics' pixels keep the frame's share under the
 * threshold. A frame also counts as black when the tile rule of src/detectors/graphics.ts
 * says its programme is (every centre tile black, the lit tiles confined to the margin and
 * to `graphicsArea`). `mask` leaves regions out of the black share and of the tile rule;
 * `partial: false` turns the tile rule off.
 *
 * Options:
 *   pixelThreshold    pix_th, 0..1                                   [0.10]
 *   pictureThreshold  pic_th, share of black pixels (of a tile, for the tile rule) [0.98]
 *   minDuration       shortest black reported, seconds               [1] (blackdetect: 2;
 *                     a second of black on air is already a defect viewers notice)
 *   partial, graphicsMargin, graphicsArea, mask   the tile rule (graphics.ts)  [true, 0.25, 0.35, []]
 * Output: { type: 'black', start, end, duration, detail: { minBlackRatio, partial,
 * graphicsTiles? } }: minBlackRatio = the lowest black share (of the unmasked picture);
 * partial: some frames were black only under the tile rule, graphicsTiles = the most tiles
 * (of 64) that were not black in those frames.
 */
import { seriesColumn, type GraphicsOptions } from './graphics.js';
import { event, spans, type VideoSeries, type VqEvent } from './types.js';

export interface BlackOptions extends GraphicsOptions {
  pixelThreshold?: number;
  pictureThreshold?: number;
  minDuration?: number;
}

export const blackDefaults = { pixelThreshold: 0.1, pictureThreshold: 0.98, minDuration: 1 };

const col = { share: seriesColumn('blackShare'), programme: seriesColumn('programmeBlack'), graphics: seriesColumn('graphicsTiles') };

/** Whether frame i of series rows (c values each) is black, given the picture threshold. */
export function blackFrame(rows: Float64Array, c: number, i: number, pictureThreshold: number): boolean {
  return rows[i * c + col.share]! >= pictureThreshold || rows[i * c + col.programme] === 1;
}

export function detectBlack(v: VideoSeries, options: BlackOptions = {}): VqEvent[] {
  const pic = options.pictureThreshold ?? blackDefaults.pictureThreshold;
  const minDuration = options.minDuration ?? blackDefaults.minDuration;
  const n = v.t.length, c = v.columns;
  const fd = v.frameDuration || 0;
  return spans(n, (i) => blackFrame(v.rows, c, i, pic), (i) => v.t[i]!, (j) => v.t[j]! + fd, minDuration).map((s) => {
    let min = 1, partial = false, graphicsTiles = 0;
    for (let i = s.first; i <= s.last; i++) {
      const share = v.rows[i * c + col.share]!;
      min = Math.min(min, share);
      if (share < pic) { partial = true; graphicsTiles = Math.max(graphicsTiles, v.rows[i * c + col.graphics]!); }
    }
    return event('black', s.start, s.end, { detail: { minBlackRatio: min, partial, ...(partial ? { graphicsTiles } : {}) } });
  });
}
