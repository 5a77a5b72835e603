/**
 * Per-tile texture of each frame, kept compact for the corruption detector: the tile's
 * off-grid edge energy (edgeMean) and grid-aligned edge ratio (block8), each as a
 * Uint16 in 1/256 steps (both stay well under 256 for 8-bit video), plus a per-frame cut
 * flag, recorded by the segment workers for a whole segment and computed per batch by live
 * inputs. Two bytes a value keep a long input small (64 tiles: 256 B a frame); the full
 * metric rows hold 64 x 7 doubles a frame and are not kept.
 *
 * The cut flag is decided here because it needs only the frame's own row (its tile
 * MAFDs against the previous frame; a segment's first frame gets the flag the segment
 * before computed for it): a frame where most tiles changed at once is a new picture, not
 * damage in some tiles.
 */
import { TILE_COLUMNS, type VideoLayout } from '../native.js';

export interface TileTexture {
  tiles: number;
  /** tiles values a frame, edgeMean * 256 and block8 * 256. */
  edge: Uint16Array;
  block8: Uint16Array;
  /** 1 where most tiles changed at once (a scene cut or a new picture). */
  cut: Uint8Array;
}

/** A tile changes "a lot" above this MAFD; a cut is when at least CUT_SHARE of tiles do. */
const CUT_TILE_MAFD = 0.1;
const CUT_SHARE = 0.75;
const TILE_MAFD = TILE_COLUMNS.indexOf('mafdPrev');
const EDGE = TILE_COLUMNS.indexOf('edgeMean');
const BLOCK8 = TILE_COLUMNS.indexOf('block8');

const q = (v: number) => (Number.isFinite(v) ? Math.min(65535, Math.round(v * 256)) : 0);

function join<T extends Uint16Array | Uint8Array>(chunks: T[], make: (n: number) => T): T {
  const out = make(chunks.reduce((a, c) => a + c.length, 0));
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}

/** Whether row `i` of `out` is a cut: most tiles changed a lot from the previous frame. */
export function isCut(out: Float64Array, i: number, layout: VideoLayout): boolean {
  const { rowWidth, frameColumns, tileColumns, tiles } = layout;
  let changed = 0;
  for (let t = 0; t < tiles; t++) if (out[i * rowWidth + frameColumns + t * tileColumns + TILE_MAFD]! > CUT_TILE_MAFD) changed++;
  return changed >= CUT_SHARE * tiles;
}

/** The tile texture of `count` rows of `out` (rowWidth values each): one batch's chunk. */
export function batchTexture(out: Float64Array, count: number, layout: VideoLayout): TileTexture {
  const { rowWidth, frameColumns, tileColumns, tiles } = layout;
  const edge = new Uint16Array(count * tiles), block8 = new Uint16Array(count * tiles), cut = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    for (let t = 0; t < tiles; t++) {
      const o = i * rowWidth + frameColumns + t * tileColumns;
      edge[i * tiles + t] = q(out[o + EDGE]!);
      block8[i * tiles + t] = q(out[o + BLOCK8]!);
    }
    cut[i] = isCut(out, i, layout) ? 1 : 0;
  }
  return { tiles, edge, block8, cut };
}

/** Collects a segment's tile texture batch by batch (one chunk a batch). */
export class TileTextureRecorder {
  private chunks: TileTexture[] = [];

  constructor(private readonly layout: VideoLayout) {}

  /** Records `count` rows of `out` (rowWidth values each). */
  push(out: Float64Array, count: number): void {
    this.chunks.push(batchTexture(out, count, this.layout));
  }

  take(): TileTexture {
    const c = this.chunks;
    return { tiles: this.layout.tiles, edge: join(c.map((x) => x.edge), (n) => new Uint16Array(n)),
      block8: join(c.map((x) => x.block8), (n) => new Uint16Array(n)), cut: join(c.map((x) => x.cut), (n) => new Uint8Array(n)) };
  }
}
