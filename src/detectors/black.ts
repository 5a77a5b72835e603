/**
 * black — the picture is black.
 *
 * Semantics of FFmpeg's blackdetect: a pixel is black when its luma is at or below the
 * pixel threshold (pix_th of the range: limited 16 + pix_th * 219, full pix_th * 255,
 * applied in the kernels through VideoOptions.blackThreshold), a frame is black when the
 * share of black pixels is at least `pictureThreshold`.
 *
 * Options:
 *   pixelThreshold    pix_th, 0..1                                   [0.10]
 *   pictureThreshold  pic_th, share of black pixels                  [0.98]
 *   minDuration       shortest black reported, seconds               [1] (blackdetect: 2;
 *                     a second of black on air is already a defect viewers notice)
 * Output: { type: 'black', start, end, duration, detail: { minBlackRatio } }.
 */
import { frameColumn } from '../native.js';
import { event, spans, type VideoSeries, type VqEvent } from './types.js';

export interface BlackOptions {
  pixelThreshold?: number;
  pictureThreshold?: number;
  minDuration?: number;
}

export const blackDefaults = { pixelThreshold: 0.1, pictureThreshold: 0.98, minDuration: 1 };

export function detectBlack(v: VideoSeries, options: BlackOptions = {}): VqEvent[] {
  const pic = options.pictureThreshold ?? blackDefaults.pictureThreshold;
  const minDuration = options.minDuration ?? blackDefaults.minDuration;
  const n = v.t.length, c = v.columns, col = frameColumn('blackRatio');
  const fd = v.frameDuration || 0;
  return spans(n, (i) => v.rows[i * c + col]! >= pic, (i) => v.t[i]!, (j) => v.t[j]! + fd, minDuration).map((s) => {
    let min = 1;
    for (let i = s.first; i <= s.last; i++) min = Math.min(min, v.rows[i * c + col]!);
    return event('black', s.start, s.end, { detail: { minBlackRatio: min } });
  });
}
