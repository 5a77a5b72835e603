/**
 * graphics — a frozen or black programme picture under channel graphics.
 *
 * Channel graphics (a scrolling ticker, a running clock, an animated or static station
 * logo) are keyed over the programme and keep moving, or stay lit, when the programme
 * freezes or goes black; whole-frame detectors (FFmpeg's freezedetect, blackdetect) then
 * miss the defect. This module is the per-frame tile rule that `freeze` and `black` add to
 * their whole-frame rules; it runs where the tile metrics are (segment workers, live
 * inputs) and appends PROGRAMME_COLUMNS to each frame's row.
 *
 * The picture is cut into the kernels' tiles (8 x 8). Graphics sit near the edges, the
 * programme fills the middle: the margin is the tiles lying wholly within `graphicsMargin`
 * of an edge (0.25: the two outer tile rings), the centre is the rest. A frame is
 *   programme-frozen when every unmasked centre tile is still and the unmasked tiles that
 *     are not still (the graphics) cover at most `graphicsArea` of the unmasked picture;
 *   programme-black likewise with black tiles.
 * A tile is still when its MAFD (Y, U, V, /256, as freezedetect) against the kernels'
 * freeze reference is at or below the freeze `noise`; black when its share of black pixels
 * is at least the black `pictureThreshold`.
 *
 * Why a live static scene is not a freeze: a camera's sensor noise moves every tile (a
 * static scene with noise=alls=12 through x264: tile MAFD 0.004-0.02 against a noise of
 * 0.001; a frozen decoded picture: 0 outside keyframe refreshes), and a moving object in
 * the centre is a centre tile that is not still. What the rule cannot tell apart: a
 * noise-free static picture (synthetic, or denoised to bit-exact repeats) whose only motion
 * lies in the margin is, pixel for pixel, a frozen programme under an animated logo; set
 * `partial: false` for such sources. While graphics move, the kernels' reference follows
 * every frame, so a tile is compared with the frame before: a change slower than `noise`
 * per frame (a fade over tens of seconds) under moving graphics reads as still.
 *
 * Options (in `freeze` and in `black`, each for its own detector):
 *   partial         apply the tile rule                                      [true]
 *   graphicsMargin  how far from the edges graphics may lie, share of w / h  [0.25]
 *   graphicsArea    largest share of the unmasked picture graphics may cover [0.35]
 *   mask            rectangles [x, y, w, h] in fractions of the picture to leave out [[]];
 *                   every tile a rectangle touches is left out of the whole-frame rule
 *                   (freeze: the kernels' frame MAFD, so the reference holds over the rest;
 *                   black: the black share) and of the tile rule.
 * Columns (per frame): stillTiles, movingTiles, programmeFrozen (0/1), programmeStep (MAFD
 * against the frame before over the unmasked centre, for keyframe refreshes), programmeMafd
 * (over the still tiles), blackShare (black pixels over the unmasked picture),
 * graphicsTiles (unmasked tiles not black), programmeBlack (0/1).
 */
import { VqmonError } from '../errors.js';
import { FRAME_COLUMNS, tileColumn, type VideoLayout } from '../native.js';

/** [x, y, w, h] in fractions of the picture's width and height. */
export type MaskRect = [number, number, number, number];

export interface GraphicsOptions {
  partial?: boolean;
  graphicsMargin?: number;
  graphicsArea?: number;
  mask?: MaskRect[];
}

export const graphicsDefaults = { partial: true, graphicsMargin: 0.25, graphicsArea: 0.35 };

/** What the tile rule needs, resolved (plain data: it travels to the segment workers). */
export interface TileRuleOptions {
  tileCols: number;
  tileRows: number;
  freeze: { partial: boolean; noise: number; margin: number; area: number; mask: MaskRect[] };
  black: { partial: boolean; pictureThreshold: number; margin: number; area: number; mask: MaskRect[] };
}

export const PROGRAMME_COLUMNS = ['stillTiles', 'movingTiles', 'programmeFrozen', 'programmeStep', 'programmeMafd',
  'blackShare', 'graphicsTiles', 'programmeBlack'] as const;

/** Row width of a series: the kernels' frame columns, then PROGRAMME_COLUMNS. */
export const SERIES_COLUMNS = FRAME_COLUMNS.length + PROGRAMME_COLUMNS.length;

/** Index of a frame or programme column in a series row. */
export function seriesColumn(name: string): number {
  const p = (PROGRAMME_COLUMNS as readonly string[]).indexOf(name);
  if (p >= 0) return FRAME_COLUMNS.length + p;
  const f = FRAME_COLUMNS.indexOf(name);
  if (f < 0) throw new VqmonError('ERR_VQMON_INVALID_ARG', `unknown series column '${name}'`);
  return f;
}

/** One byte per tile, 1 = used, 0 = touched by a mask rectangle; null when nothing is masked. */
export function tileMask(rects: MaskRect[] | undefined, cols: number, rows: number): Uint8Array | null {
  if (!rects?.length) return null;
  const m = new Uint8Array(cols * rows).fill(1);
  const eps = 1e-9;
  for (const [x, y, w, h] of rects) {
    for (let ty = 0; ty < rows; ty++) {
      for (let tx = 0; tx < cols; tx++) {
        const overlapX = Math.min(x + w, (tx + 1) / cols) - Math.max(x, tx / cols);
        const overlapY = Math.min(y + h, (ty + 1) / rows) - Math.max(y, ty / rows);
        if (overlapX > eps && overlapY > eps) m[ty * cols + tx] = 0;
      }
    }
  }
  return m;
}

/** Throws ERR_VQMON_INVALID_ARG for a bad tile-rule option of detector `name` ('freeze', 'black'). */
export function checkGraphicsOptions(o: GraphicsOptions | undefined, name: string, cols = 8, rows = 8): void {
  if (!o) return;
  const bad = (msg: string) => new VqmonError('ERR_VQMON_INVALID_ARG', `${name}.${msg}`);
  if (o.partial !== undefined && typeof o.partial !== 'boolean') throw bad(`partial must be true or false, got ${String(o.partial)}`);
  const m = o.graphicsMargin;
  if (m !== undefined && !(typeof m === 'number' && m > 0 && m <= 0.5)) throw bad(`graphicsMargin must be a share of the picture in (0, 0.5], got ${String(m)}`);
  const a = o.graphicsArea;
  if (a !== undefined && !(typeof a === 'number' && a >= 0 && a <= 1)) throw bad(`graphicsArea must be a share of the picture in [0, 1], got ${String(a)}`);
  if (o.mask === undefined) return;
  if (!Array.isArray(o.mask)) throw bad('mask must be an array of rectangles [x, y, w, h] in fractions of the picture, e.g. [[0, 0.85, 1, 0.15]]');
  o.mask.forEach((r: unknown, i) => {
    const ok = Array.isArray(r) && r.length === 4 && r.every((x) => typeof x === 'number' && Number.isFinite(x));
    const [x, y, w, h] = ok ? (r as MaskRect) : [NaN, NaN, NaN, NaN];
    if (!(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 1 + 1e-9 && y + h <= 1 + 1e-9)) {
      throw bad(`mask[${i}] must be [x, y, w, h] in fractions of the picture (x, y >= 0, w, h > 0, x + w <= 1, y + h <= 1), got ${JSON.stringify(r)}`);
    }
  });
  if (o.mask.length && !tileMask(o.mask, cols, rows)!.some((t) => t === 1)) throw bad('mask covers the whole picture; leave some of it to watch');
}

/** Whether tile index i of n lies wholly within `margin` of either end. */
const inMargin = (i: number, n: number, margin: number) => (i + 1) / n <= margin + 1e-9 || i / n >= 1 - margin - 1e-9;

interface Part {
  partial: boolean;
  area: number;
  used: Uint8Array;   // 1 = unmasked
  centre: Uint8Array; // 1 = centre tile
  masked: boolean;
  count: number;      // unmasked tiles
}

/** The tile rule for one stream (tile geometry cached per picture size). */
export class ProgrammeTiles {
  private readonly freeze: Part;
  private readonly black: Part;
  private weights = new Float64Array(0);
  private size = '';
  private readonly col: { mafdPrev: number; mafdRef: number; blackRatio: number };

  constructor(private readonly layout: VideoLayout, private readonly o: TileRuleOptions) {
    const { tileCols: cols, tileRows: rows } = o;
    if (cols * rows !== layout.tiles) throw new Error(`tile rule for ${cols}x${rows} tiles, layout has ${layout.tiles}`);
    const part = (p: TileRuleOptions['freeze'] | TileRuleOptions['black']): Part => {
      const mask = tileMask(p.mask, cols, rows);
      const centre = new Uint8Array(cols * rows);
      for (let t = 0; t < cols * rows; t++) {
        centre[t] = inMargin(t % cols, cols, p.margin) || inMargin(Math.floor(t / cols), rows, p.margin) ? 0 : 1;
      }
      const used = mask ?? new Uint8Array(cols * rows).fill(1);
      return { partial: p.partial, area: p.area, used, centre, masked: mask !== null, count: used.reduce((a, x) => a + x, 0) };
    };
    this.freeze = part(o.freeze);
    this.black = part(o.black);
    this.col = { mafdPrev: tileColumn('mafdPrev', 0, layout), mafdRef: tileColumn('mafdRef', 0, layout), blackRatio: tileColumn('blackRatio', 0, layout) };
  }

  /** Luma pixels per tile, as the kernels cut tiles (integer bounds). */
  private tileWeights(width: number, height: number): Float64Array {
    const key = `${width}x${height}`;
    if (key === this.size) return this.weights;
    const { tileCols: cols, tileRows: rows } = this.o;
    const bound = (extent: number, i: number, n: number) => Math.floor((extent * i) / n);
    this.weights = new Float64Array(cols * rows);
    for (let ty = 0; ty < rows; ty++) {
      for (let tx = 0; tx < cols; tx++) {
        this.weights[ty * cols + tx] = (bound(width, tx + 1, cols) - bound(width, tx, cols)) * (bound(height, ty + 1, rows) - bound(height, ty, rows));
      }
    }
    this.size = key;
    return this.weights;
  }

  /**
   * A series row from a kernel row: the frame columns of `row` (offset `from`), then the
   * programme columns, written to `out` at `at`.
   */
  seriesRow(row: Float64Array, from: number, width: number, height: number, out: Float64Array, at: number): void {
    const nf = FRAME_COLUMNS.length, stride = this.layout.tileColumns, tiles = this.layout.tiles;
    out.set(row.subarray(from, from + nf), at);
    const w = this.tileWeights(width, height);
    const cell = (c: number, t: number) => row[from + c + t * stride]!;
    const f = this.freeze, noise = this.o.freeze.noise;
    let still = 0, moving = 0, stillArea = 0, movingArea = 0, centreMoving = 0, known = true;
    let stepSum = 0, stepArea = 0, mafdSum = 0;
    for (let t = 0; t < tiles; t++) {
      if (!f.used[t]) continue;
      const ref = cell(this.col.mafdRef, t);
      if (Number.isNaN(ref)) known = false;
      if (ref <= noise) { still++; stillArea += w[t]!; mafdSum += ref * w[t]!; }
      else { moving++; movingArea += w[t]!; if (f.centre[t]) centreMoving++; }
      if (f.centre[t]) { stepSum += cell(this.col.mafdPrev, t) * w[t]!; stepArea += w[t]!; }
    }
    const used = stillArea + movingArea;
    const b = this.black, pic = this.o.black.pictureThreshold;
    let blackPx = 0, blackUsed = 0, graphics = 0, graphicsArea = 0, centreLit = 0;
    for (let t = 0; t < tiles; t++) {
      if (!b.used[t]) continue;
      const ratio = cell(this.col.blackRatio, t);
      blackPx += ratio * w[t]!;
      blackUsed += w[t]!;
      if (!(ratio >= pic)) { graphics++; graphicsArea += w[t]!; if (b.centre[t]) centreLit++; }
    }
    const P = at + nf;
    out[P + 0] = known ? still : NaN;
    out[P + 1] = known ? moving : NaN;
    out[P + 2] = f.partial && known && still > 0 && centreMoving === 0 && movingArea <= f.area * used + 1e-9 ? 1 : 0;
    out[P + 3] = f.partial && stepArea > 0 ? stepSum / stepArea : NaN;
    out[P + 4] = stillArea > 0 ? mafdSum / stillArea : NaN;
    // Unmasked: blackdetect's own share, exactly as the kernels counted it.
    out[P + 5] = b.masked ? blackPx / blackUsed : row[from + FRAME_COLUMNS.indexOf('blackRatio')]!;
    out[P + 6] = graphics;
    out[P + 7] = b.partial && graphics < b.count && centreLit === 0 &&
      graphicsArea <= b.area * blackUsed + 1e-9 ? 1 : 0;
  }
}
