/** What detectors read and what they emit. */
import type { TileTexture } from '../metrics/tile-texture.js';

/** One defect. Times are seconds from the input's first frame (first frame = 0). */
export interface VqEvent {
  type: string;
  start: number;
  end: number;
  duration: number;
  score?: number;
  offsetMs?: number;
  detail?: Record<string, unknown>;
}

/** Per-frame video metrics in time order: `rows` holds `columns` values per frame (FRAME_COLUMNS, then graphics.ts PROGRAMME_COLUMNS). */
export interface VideoSeries {
  t: Float64Array;
  rows: Float64Array;
  columns: number;
  /** 1 where the decoder flagged the frame corrupt or reported decode errors. */
  corrupt: Uint8Array;
  /** 1 for intra pictures (keyframes): they end damage carried by references. */
  key: Uint8Array;
  /** Times (seconds) of video packets the decoder refused, in time order. */
  errorTimes: Float64Array;
  /** Per-tile texture (src/metrics/tile-texture.ts), when the corruption detector asked for it. */
  texture: TileTexture | null;
  /** Nominal frame duration in seconds (0 when unknown). */
  frameDuration: number;
}

/** Per-window audio metrics: window w starts at t0 + w * window; [peak, rms, clipped] per channel. */
export interface AudioSeries {
  t0: number;
  window: number;
  channels: number;
  count: number;
  stats: Float64Array;
}

/** Joins runs of flagged samples into spans [start, end) of at least minDuration. */
export function spans(n: number, flagged: (i: number) => boolean, startOf: (i: number) => number,
                      endOf: (i: number) => number, minDuration: number): Array<{ first: number; last: number; start: number; end: number }> {
  const out: Array<{ first: number; last: number; start: number; end: number }> = [];
  let first = -1;
  for (let i = 0; i <= n; i++) {
    const on = i < n && flagged(i);
    if (on && first < 0) first = i;
    if (!on && first >= 0) {
      const start = startOf(first), end = endOf(i - 1);
      if (end - start >= minDuration - 1e-9) out.push({ first, last: i - 1, start, end });
      first = -1;
    }
  }
  return out;
}

export const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

export function event(type: string, start: number, end: number, extra: Omit<VqEvent, 'type' | 'start' | 'end' | 'duration'> = {}): VqEvent {
  return { type, start: round(start), end: round(end), duration: round(end - start), ...extra };
}
