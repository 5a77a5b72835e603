/**
 * corruption — macroblock damage from bitstream errors or packet loss, from the first
 * damaged frame until the picture recovers.
 *
 * Two kinds of evidence:
 *   decoder  frames the decoder flagged (AV_FRAME_FLAG_CORRUPT or any decode_error_flags
 *            bit: H.264 sets them on frames whose slices it had to conceal) and packets it
 *            refused outright (the damage is at the first packet of the refused group).
 *            Damage in a reference frame spreads to the frames predicted from it without
 *            further flags, so a decoder-evidenced event lasts until the next intra
 *            picture (keyframe) that decodes clean: that is where the picture recovers.
 *   pixels   sudden grid-aligned damage in some tiles, for damage the decoder does not
 *            report. A tile is anomalous when, against the median of its own last 8
 *            normal frames, its off-grid edge energy (edgeMean) rises above 2x + 2 levels
 *            AND its 8-pixel-grid edge ratio (block8) rises by 0.3: broken macroblocks add
 *            texture with edges on the coding grid, while new content adds texture
 *            mostly off the grid. A tile anomalous for 2 frames running is damaged; a
 *            frame with at least `minTiles` damaged tiles is pixel evidence. A frame where
 *            most tiles changed at once (a scene cut) restarts every tile's history, so
 *            a cut is never damage. A pixels-only event starts where its tiles first
 *            turned anomalous and ends at the first frame with no anomalous tile (or at a
 *            keyframe).
 * A decoder-evidenced event with no keyframe within `maxRecovery` after its last damaged
 * frame ends at that frame's end. Events closer than `mergeGap` are one event.
 *
 * Options:
 *   decoder      use the decoder's evidence                                     [true]
 *   pixels       use pixel evidence alone (events without decoder evidence)     [true]
 *   minTiles     damaged tiles (of the 8x8 grid) a frame needs as pixel evidence [6]
 *   maxRecovery  longest wait for a clean keyframe after damage, seconds        [10]
 *   mergeGap     events closer than this are one, seconds                       [1]
 *   minDuration  shortest event reported, seconds                               [0]
 * Output: { type: 'corruption', start, end, duration, score, detail: { evidence, damagedFrames,
 *   decodeErrors, damagedTiles, tiles, recovery } }: score = the largest share of tiles
 * damaged in one frame (0 when the damage is too small to show in the tiles); evidence =
 * the kinds seen ('decoder', 'pixels'); damagedFrames = frames the decoder flagged;
 * decodeErrors = refused decode calls; damagedTiles = most damaged tiles in one frame;
 * recovery = 'keyframe' | 'pixels' | 'timeout' | 'input-end'.
 */
import type { TileTexture } from '../metrics/tile-texture.js';
import { event, type VideoSeries, type VqEvent } from './types.js';

export interface CorruptionOptions {
  decoder?: boolean;
  pixels?: boolean;
  minTiles?: number;
  maxRecovery?: number;
  mergeGap?: number;
  minDuration?: number;
}

export const corruptionDefaults = { decoder: true, pixels: true, minTiles: 6, maxRecovery: 10, mergeGap: 1, minDuration: 0 };

// Tile anomaly rule (see the header): history length, edge rise, grid-ratio rise, run.
const HISTORY = 8, MIN_HISTORY = 3, EDGE_FACTOR = 2, EDGE_LEVELS = 2, BLOCK8_RISE = 0.3, RUN = 2;
const ONSET_HOLE = 3;

/** Per frame: tiles anomalous now, and tiles anomalous for RUN frames running (damaged). */
export function tileDamage(tex: TileTexture, frames: number): { anomalous: Uint16Array; damaged: Uint16Array } {
  const T = tex.tiles;
  const anomalous = new Uint16Array(frames), damaged = new Uint16Array(frames);
  // Ring of the last HISTORY normal values per tile (edge, block8), in levels.
  const edgeH = new Float64Array(T * HISTORY), gridH = new Float64Array(T * HISTORY);
  const filled = new Uint8Array(T), next = new Uint8Array(T), run = new Uint16Array(T);
  const scratch = new Float64Array(HISTORY);
  const median = (h: Float64Array, t: number, n: number) => {
    for (let k = 0; k < n; k++) scratch[k] = h[t * HISTORY + k]!;
    const s = scratch.subarray(0, n).sort();
    return s[n >> 1]!;
  };
  for (let i = 0; i < frames; i++) {
    if (tex.cut[i]) { filled.fill(0); next.fill(0); run.fill(0); }
    let a = 0, d = 0;
    for (let t = 0; t < T; t++) {
      const e = tex.edge[i * T + t]! / 256, g = tex.block8[i * T + t]! / 256;
      const n = filled[t]!;
      const anomaly = n >= MIN_HISTORY && e > EDGE_FACTOR * median(edgeH, t, n) + EDGE_LEVELS &&
        g > median(gridH, t, n) + BLOCK8_RISE;
      if (anomaly) {
        a++;
        if (++run[t]! >= RUN) d++;
        continue; // the history keeps the tile's normal look while it is damaged
      }
      run[t] = 0;
      const k = next[t]!;
      edgeH[t * HISTORY + k] = e;
      gridH[t * HISTORY + k] = g;
      next[t] = (k + 1) % HISTORY;
      if (n < HISTORY) filled[t] = n + 1;
    }
    anomalous[i] = a;
    damaged[i] = d;
  }
  return { anomalous, damaged };
}

/**
 * The first frame of the run of anomalous frames that ends in frame i (holes of up to
 * ONSET_HOLE frames allowed: a badly damaged frame can lose its grid edges), not before
 * `floor` nor across a cut.
 */
function pixelOnset(anomalous: Uint16Array, cut: Uint8Array, i: number, floor: number): number {
  let first = i;
  for (let j = i - 1; j >= floor && j >= first - 1 - ONSET_HOLE && !cut[j + 1]; j--) if (anomalous[j]! > 0) first = j;
  return first;
}

interface Span { first: number; last: number; end: number; decoder: boolean; pixels: boolean; recovery: string }

export function detectCorruption(v: VideoSeries, options: CorruptionOptions = {}): VqEvent[] {
  const o = { ...corruptionDefaults, ...options };
  const n = v.t.length;
  if (!n) return [];
  const fd = v.frameDuration || (n > 1 ? (v.t[n - 1]! - v.t[0]!) / (n - 1) : 0);
  const endOf = (i: number) => v.t[i]! + fd;

  // Refused packets mark the first frame at or after them.
  const refused = new Uint16Array(n);
  let f = 0;
  for (const at of v.errorTimes) {
    while (f < n - 1 && v.t[f]! < at - 1e-6) f++;
    refused[f] = refused[f]! + 1;
  }
  const tiles = v.texture ? tileDamage(v.texture, n) : null;
  const byDecoder = (i: number) => o.decoder && (v.corrupt[i] === 1 || refused[i]! > 0);
  const byPixels = (i: number) => o.pixels && tiles !== null && tiles.damaged[i]! >= o.minTiles;

  const spans: Span[] = [];
  let open: Span | null = null;
  const close = (end: number, recovery: string) => { open!.end = end; open!.recovery = recovery; spans.push(open!); open = null; };
  for (let i = 0; i < n; i++) {
    const dec = byDecoder(i), pix = byPixels(i);
    if (dec || pix) {
      if (!open) {
        // Pixel damage shows after its tiles turned anomalous: start at that onset.
        let first = i;
        const floor = spans.length ? spans[spans.length - 1]!.last + 1 : 0;
        if (!dec && tiles) first = pixelOnset(tiles.anomalous, v.texture!.cut, i, floor);
        open = { first, last: i, end: 0, decoder: false, pixels: false, recovery: '' };
      }
      open.last = i;
      open.decoder ||= dec;
      open.pixels ||= pix;
      continue;
    }
    if (!open) continue;
    const s: Span = open;
    if (v.key[i]) close(v.t[i]!, 'keyframe');
    else if (!s.decoder && tiles && tiles.anomalous[i] === 0) close(v.t[i]!, 'pixels');
    else if (s.decoder && v.t[i]! - endOf(s.last) > o.maxRecovery) close(endOf(s.last), 'timeout');
  }
  if (open) close(endOf(n - 1), 'input-end');

  const merged: Span[] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && v.t[s.first]! - last.end < o.mergeGap) {
      Object.assign(last, { last: s.last, end: s.end, recovery: s.recovery, decoder: last.decoder || s.decoder, pixels: last.pixels || s.pixels });
    } else merged.push({ ...s });
  }

  return merged.filter((s) => s.end - v.t[s.first]! >= o.minDuration - 1e-9).map((s) => {
    const start = v.t[s.first]!;
    let damagedFrames = 0, decodeErrors = 0, peak = 0;
    for (let i = s.first; i < n && v.t[i]! < s.end; i++) {
      damagedFrames += v.corrupt[i]!;
      decodeErrors += refused[i]!;
      if (tiles) peak = Math.max(peak, tiles.damaged[i]!);
    }
    const total = v.texture?.tiles ?? 0;
    const evidence = [...(s.decoder ? ['decoder'] : []), ...(s.pixels ? ['pixels'] : [])];
    return event('corruption', start, s.end, {
      score: total ? Math.round((peak / total) * 1000) / 1000 : 0,
      detail: { evidence, damagedFrames, decodeErrors, damagedTiles: peak, tiles: total, recovery: s.recovery },
    });
  });
}
