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
 * The rule is a streaming one (CorruptionRule, fed one frame at a time), so files and live
 * inputs apply the same code: detectCorruption feeds it a file's whole series; the live
 * tracker (src/live/corruption-tracker.ts) feeds it each decoded group and reports phase
 * start once the event has lasted `minDuration` (at its first damaged frame by default) and
 * phase end once it is final: recovered, and `mergeGap` passed without damage joining it.
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
/** Frames without an anomalous tile a run of anomalous frames may hold (a badly damaged frame can lose its grid edges). */
const ONSET_HOLE = 3;

/** The tile anomaly rule one frame at a time: tiles anomalous now, and tiles anomalous for RUN frames running (damaged). */
export class TileDamage {
  anomalous = 0;
  damaged = 0;
  // Ring of the last HISTORY normal values per tile (edge, block8), in levels.
  private readonly edgeH: Float64Array;
  private readonly gridH: Float64Array;
  private readonly filled: Uint8Array;
  private readonly next: Uint8Array;
  private readonly run: Uint16Array;
  private readonly scratch = new Float64Array(HISTORY);

  constructor(readonly tiles: number) {
    this.edgeH = new Float64Array(tiles * HISTORY);
    this.gridH = new Float64Array(tiles * HISTORY);
    this.filled = new Uint8Array(tiles);
    this.next = new Uint8Array(tiles);
    this.run = new Uint16Array(tiles);
  }

  /** Row `i` of `tex`; `restart`: a new picture whatever its cut flag says (every tile's history starts again). */
  push(tex: TileTexture, i: number, restart = false): void {
    const T = this.tiles, { edgeH, gridH, filled, next, run } = this;
    if (tex.cut[i] || restart) { filled.fill(0); next.fill(0); run.fill(0); }
    let a = 0, d = 0;
    for (let t = 0; t < T; t++) {
      const e = tex.edge[i * T + t]! / 256, g = tex.block8[i * T + t]! / 256;
      const n = filled[t]!;
      const anomaly = n >= MIN_HISTORY && e > EDGE_FACTOR * this.median(edgeH, t, n) + EDGE_LEVELS &&
        g > this.median(gridH, t, n) + BLOCK8_RISE;
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
    this.anomalous = a;
    this.damaged = d;
  }

  private median(h: Float64Array, t: number, n: number): number {
    for (let k = 0; k < n; k++) this.scratch[k] = h[t * HISTORY + k]!;
    return this.scratch.subarray(0, n).sort()[n >> 1]!;
  }
}

/** One frame as the rule reads it. */
export interface CorruptionFrame {
  /** The frame's start and end (start + frame duration), seconds. */
  t0: number;
  t1: number;
  /** An intra picture: it ends damage carried by references. */
  key: boolean;
  /** The decoder flagged the frame (CORRUPT or decode_error_flags). */
  corrupt: boolean;
  /** Decode calls the decoder refused, placed on the first frame at or after their packets. */
  refused: number;
  /** The per-tile texture holding this frame at row `row` (null: no pixel evidence). */
  texture: TileTexture | null;
  row: number;
  /** A new picture whatever the cut flag says (a live input's new session, or frames dropped before this one). */
  restart: boolean;
}

/** 'start' (live rules only) once an event is sure, 'end' once it is final. */
export type CorruptionEmit = (phase: 'start' | 'end', e: VqEvent) => void;

/** A frame's start time and the counts over every frame before it. */
interface Mark { t: number; corrupt: number; refused: number }

/**
 * An event: spans of damage joined when closer than mergeGap. Its statistics cover its
 * frames from its first until its end, including undamaged frames between its spans;
 * counts come from the running totals at both ends.
 */
interface Group {
  start: number;
  corrupt0: number;
  refused0: number;
  /** Most damaged tiles in one frame of it so far. */
  peak: number;
  decoder: boolean;
  pixels: boolean;
  announced: boolean;
  /** Set when its last span closed: where it ends, why, the totals there, and the most damaged tiles in a frame since. */
  end: number;
  recovery: string;
  corruptEnd: number;
  refusedEnd: number;
  gapPeak: number;
}

/**
 * The corruption rule, fed one frame at a time (see the header). `live`: report each event
 * twice, phase start once it has lasted minDuration, phase end once final; otherwise only
 * final events (the file detector).
 */
export class CorruptionRule {
  private readonly o: typeof corruptionDefaults;
  private tiles: TileDamage | null = null;
  private index = 0;
  private corruptSum = 0;
  private refusedSum = 0;
  private lastT1 = 0;
  // Pixel onset: the chain of anomalous frames (holes of up to ONSET_HOLE frames, no cut)
  // and its first frame after the last damaged frame, where pixel damage starts.
  private chainLast = -Infinity;
  private onset: Mark | null = null;
  /** The span in progress: whether the decoder flagged it, its last damaged frame's end. */
  private span: { decoder: boolean; lastEnd: number } | null = null;
  // Frames after the span's last damaged frame: those starting before its end (the tail, a
  // timeout's end) and the others; most damaged tiles in each, and the totals after the tail.
  private tailPeak = 0;
  private beyondPeak = 0;
  private tailOpen = true;
  private tailCorrupt = 0;
  private tailRefused = 0;
  private group: Group | null = null;

  constructor(options: CorruptionOptions, private readonly emit: CorruptionEmit, private readonly live = false) {
    this.o = { ...corruptionDefaults, ...options };
  }

  frame(f: CorruptionFrame): void {
    const o = this.o, i = this.index++;
    const before: Mark = { t: f.t0, corrupt: this.corruptSum, refused: this.refusedSum };
    let anomalous = 0, damaged = 0;
    if (f.texture) {
      this.tiles ??= new TileDamage(f.texture.tiles);
      this.tiles.push(f.texture, f.row, f.restart);
      anomalous = this.tiles.anomalous;
      damaged = this.tiles.damaged;
    }
    if (f.restart || f.texture?.cut[f.row]) this.chainLast = -Infinity;
    if (anomalous > 0) {
      if (i - this.chainLast > ONSET_HOLE + 1) this.onset = before;
      else this.onset ??= before;
      this.chainLast = i;
    }
    this.corruptSum += f.corrupt ? 1 : 0;
    this.refusedSum += f.refused;

    const dec = o.decoder && (f.corrupt || f.refused > 0);
    const pix = o.pixels && f.texture !== null && damaged >= o.minTiles;
    if (dec || pix) {
      // Pixel damage shows after its tiles turned anomalous: it starts at that onset.
      if (!this.span) this.open(!dec && this.onset ? this.onset : before);
      const s = this.span!, g = this.group!;
      s.decoder ||= dec;
      s.lastEnd = f.t1;
      g.decoder ||= dec;
      g.pixels ||= pix;
      g.peak = Math.max(g.peak, this.tailPeak, this.beyondPeak, damaged);
      this.tailPeak = this.beyondPeak = 0;
      this.tailOpen = true;
      this.tailCorrupt = this.corruptSum;
      this.tailRefused = this.refusedSum;
      this.onset = null;
    } else if (this.span) {
      const s = this.span;
      if (f.key) this.close(f.t0, 'keyframe', before, damaged);
      else if (!s.decoder && f.texture && anomalous === 0) this.close(f.t0, 'pixels', before, damaged);
      else if (s.decoder && f.t0 - s.lastEnd > o.maxRecovery) this.close(s.lastEnd, 'timeout', null, damaged);
      else if (this.tailOpen && f.t0 < s.lastEnd) {
        this.tailPeak = Math.max(this.tailPeak, damaged);
        this.tailCorrupt = this.corruptSum;
        this.tailRefused = this.refusedSum;
      } else {
        this.tailOpen = false;
        this.beyondPeak = Math.max(this.beyondPeak, damaged);
      }
    } else if (this.group) this.group.gapPeak = Math.max(this.group.gapPeak, damaged);
    this.lastT1 = f.t1;

    const g = this.group;
    if (!g) return;
    if (this.live && !g.announced && (this.span ? this.span.lastEnd : g.end) - g.start >= o.minDuration - 1e-9) {
      g.announced = true;
      this.emit('start', this.snapshot(g));
    }
    // Final once no later span can join it: neither a later frame nor the onset of the
    // anomalous chain under way (which may yet become pixel damage) is within mergeGap.
    if (!this.span) {
      const chain = o.pixels && this.onset !== null && i + 1 - this.chainLast <= ONSET_HOLE + 1 ? this.onset.t : Infinity;
      if (Math.min(f.t0, chain) - g.end >= o.mergeGap) this.final();
    }
  }

  /** The input (or a live input's session) ended: a span in progress ends with its last frame. */
  endInput(): void {
    if (this.span) this.close(this.lastT1, 'input-end', { t: this.lastT1, corrupt: this.corruptSum, refused: this.refusedSum }, 0);
  }

  /** Nothing more comes: the event in progress is final. */
  finish(): void {
    this.endInput();
    if (this.group) this.final();
  }

  private open(first: Mark) {
    const g = this.group;
    if (g && first.t - g.end < this.o.mergeGap) {
      g.peak = Math.max(g.peak, g.gapPeak); // the frames since its end are part of it now
    } else {
      if (g) this.final();
      this.group = { start: first.t, corrupt0: first.corrupt, refused0: first.refused, peak: 0, decoder: false, pixels: false,
        announced: false, end: 0, recovery: '', corruptEnd: 0, refusedEnd: 0, gapPeak: 0 };
    }
    this.span = { decoder: false, lastEnd: 0 };
  }

  /**
   * The span ends at `end`, on the current frame (which is not part of it). It holds the
   * frames before that one (`at`: the totals before it), or for a timeout (`at` null) the
   * frames up to its last damaged frame's end.
   */
  private close(end: number, recovery: string, at: Mark | null, damaged: number) {
    const g = this.group!;
    g.end = end;
    g.recovery = recovery;
    if (at) {
      g.peak = Math.max(g.peak, this.tailPeak, this.beyondPeak);
      g.corruptEnd = at.corrupt;
      g.refusedEnd = at.refused;
      g.gapPeak = damaged;
    } else {
      g.peak = Math.max(g.peak, this.tailPeak);
      g.corruptEnd = this.tailCorrupt;
      g.refusedEnd = this.tailRefused;
      g.gapPeak = Math.max(this.beyondPeak, damaged);
    }
    this.span = null;
    this.tailPeak = this.beyondPeak = 0;
    this.tailOpen = true;
  }

  private final() {
    const g = this.group!;
    this.group = null;
    const passes = g.end - g.start >= this.o.minDuration - 1e-9;
    if (!passes && !g.announced) return;
    if (this.live && !g.announced) this.emit('start', this.snapshot(g));
    this.emit('end', this.event(g, g.end, g.recovery, g.corruptEnd - g.corrupt0, g.refusedEnd - g.refused0, g.peak));
  }

  /** The event in progress, as far as it has come (for phase start). */
  private snapshot(g: Group): VqEvent {
    const end = this.span ? this.span.lastEnd : g.end;
    const peak = Math.max(g.peak, this.tailPeak, this.beyondPeak, this.span ? 0 : g.gapPeak);
    return this.event(g, end, null, this.corruptSum - g.corrupt0, this.refusedSum - g.refused0, peak);
  }

  private event(g: Group, end: number, recovery: string | null, damagedFrames: number, decodeErrors: number, peak: number): VqEvent {
    const total = this.tiles?.tiles ?? 0;
    const evidence = [...(g.decoder ? ['decoder'] : []), ...(g.pixels ? ['pixels'] : [])];
    return event('corruption', g.start, end, {
      score: total ? Math.round((peak / total) * 1000) / 1000 : 0,
      detail: { evidence, damagedFrames, decodeErrors, damagedTiles: peak, tiles: total, recovery },
    });
  }
}

/** The detector on a file's whole series. */
export function detectCorruption(v: VideoSeries, options: CorruptionOptions = {}): VqEvent[] {
  const n = v.t.length;
  if (!n) return [];
  const fd = v.frameDuration || (n > 1 ? (v.t[n - 1]! - v.t[0]!) / (n - 1) : 0);

  // Refused packets mark the first frame at or after them.
  const refused = new Uint16Array(n);
  let f = 0;
  for (const at of v.errorTimes) {
    while (f < n - 1 && v.t[f]! < at - 1e-6) f++;
    refused[f] = refused[f]! + 1;
  }
  const events: VqEvent[] = [];
  const rule = new CorruptionRule(options, (phase, e) => { if (phase === 'end') events.push(e); });
  const frame: CorruptionFrame = { t0: 0, t1: 0, key: false, corrupt: false, refused: 0, texture: v.texture, row: 0, restart: false };
  for (let i = 0; i < n; i++) {
    frame.t0 = v.t[i]!;
    frame.t1 = v.t[i]! + fd;
    frame.key = v.key[i] === 1;
    frame.corrupt = v.corrupt[i] === 1;
    frame.refused = refused[i]!;
    frame.row = i;
    rule.frame(frame);
  }
  rule.finish();
  return events;
}
