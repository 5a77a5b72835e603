import { describe, expect, it } from 'vitest';

import { FRAME_COLUMNS, TILE_COLUMNS, blackThreshold, frameColumn, native, tileColumn } from '../src/native.js';
import type { VideoBatch } from '../src/native.js';
import { noiseFrame, yuv420 } from './helpers/frames.js';

const col = (name: string) => frameColumn(name);

function run(batch: VideoBatch) {
  const layout = native.videoLayout(batch.options);
  const out = new Float64Array(batch.frames.length * layout.rowWidth).fill(-12345);
  const ref = native.analyzeVideo(batch, out);
  const row = (i: number) => out.subarray(i * layout.rowWidth, (i + 1) * layout.rowWidth);
  return { ref, out, row, layout };
}

describe('simd levels', () => {
  it('reports the level in use and the levels this CPU runs', () => {
    const levels = native.simdLevels();
    expect(levels[0]).toBe('scalar');
    expect(levels).toContain(native.simdLevel());
    expect(levels.length).toBeGreaterThan(1);
  });

  it('gives identical rows at every level, bit for bit', () => {
    const frames = [0, 1, 2, 3].map((s) => noiseFrame(203, 61, s + 10));
    const batch: VideoBatch = { frames, prev: noiseFrame(203, 61, 99), options: { tileCols: 5, tileRows: 3, histogram: true } };
    const initial = native.simdLevel();
    const results = native.simdLevels().map((level) => {
      native.setSimdLevel(level);
      return [level, run(batch).out] as const;
    });
    native.setSimdLevel(initial);
    const [, scalar] = results[0]!;
    for (const [level, out] of results) {
      expect(Buffer.from(out.buffer).equals(Buffer.from(scalar.buffer)), level).toBe(true);
    }
  });

  it('refuses an unknown level with a code', () => {
    expect(() => native.setSimdLevel('mmx' as never)).toThrowError(expect.objectContaining({ code: 'ERR_VQMON_SIMD_UNSUPPORTED' }));
  });
});

describe('analyzeVideo metrics', () => {
  it('measures a black limited-range frame', () => {
    const { row } = run({ frames: [yuv420(64, 48, { fill: 16 })], options: { blackThreshold: blackThreshold() } });
    const r = row(0);
    expect(r[col('lumaMean')]).toBe(16);
    expect(r[col('lumaMin')]).toBe(16);
    expect(r[col('lumaMax')]).toBe(16);
    expect(r[col('blackRatio')]).toBe(1);
    expect(r[col('chromaMeanU')]).toBe(128);
    expect(r[col('chromaFarRatio')]).toBe(0);
    expect(Number.isNaN(r[col('mafdPrev')])).toBe(true);
    expect(r[col('isRef')]).toBe(1);
  });

  it('follows FFmpeg blackdetect thresholds', () => {
    expect(blackThreshold(0.1, false)).toBe(37);
    expect(blackThreshold(0.1, true)).toBe(25);
    expect(blackThreshold(0, false)).toBe(16);
  });

  it('computes MAFD like freezedetect (Y+U+V, / 256) and carries the reference', () => {
    const a = yuv420(32, 32, { fill: 100 });
    const b = yuv420(32, 32, { fill: 104 });
    const { ref, row } = run({ frames: [a, a, b, b], prev: null, ref: null, options: { freezeNoise: 0.001 } });
    // frame 1 equals frame 0: nothing changes, frame 0 stays the reference
    expect(row(1)[col('mafdPrev')]).toBe(0);
    expect(row(1)[col('isRef')]).toBe(0);
    // frame 2: luma +4 on 1024 of 1536 samples -> 4 * 1024 / 1536 / 256
    expect(row(2)[col('mafdPrev')]).toBeCloseTo((4 * 1024) / 1536 / 256, 12);
    expect(row(2)[col('mafdRef')]).toBeCloseTo((4 * 1024) / 1536 / 256, 12);
    expect(row(2)[col('isRef')]).toBe(1);
    expect(row(3)[col('isRef')]).toBe(0);
    expect(ref).toBe(2);
  });

  it('compares against a held reference across batches', () => {
    const a = yuv420(16, 16, { fill: 50 }), b = yuv420(16, 16, { fill: 51 });
    const { ref, row } = run({ frames: [b], prev: b, ref: a, options: { freezeNoise: 0.01 } });
    expect(row(0)[col('mafdPrev')]).toBe(0);
    expect(row(0)[col('mafdRef')]).toBeCloseTo(256 / 384 / 256, 12);
    expect(ref).toBe(-1); // within noise: the old reference stays
  });

  it('masks tiles out of the frame MAFD (moving channel graphics over a frozen picture)', () => {
    // a scrolling striped ticker in the bottom tile row over an otherwise frozen picture
    const still = (ticker: number) => yuv420(64, 64, { fill: (x, y) => (y >= 56 ? ((x + ticker) % 16 < 8 ? 235 : 16) : 90) });
    const mask = new Uint8Array(64).fill(1);
    mask.fill(0, 56); // bottom tile row holds the ticker
    const frames = [still(0), still(3), still(6)];
    const plain = run({ frames, options: {} });
    const masked = run({ frames, options: { tileMask: mask } });
    expect(plain.row(1)[col('mafdPrev')]).toBeGreaterThan(0.001);
    expect(masked.row(1)[col('mafdPrev')]).toBe(0);
    expect(masked.ref).toBe(0);
    // per-tile values are raw: the ticker tiles move, the others do not
    const t = (name: string, tile: number) => masked.row(1)[tileColumn(name, tile, masked.layout)];
    expect(t('mafdPrev', 60)).toBeGreaterThan(0);
    expect(t('mafdPrev', 10)).toBe(0);
  });

  it('sees 8x8 blocking as grid energy and flat noise as none', () => {
    const blocky = yuv420(128, 64, { fill: (x, y) => 40 + 20 * (((x >> 3) + (y >> 3)) % 5) + ((x * 7 + y * 3) % 3) });
    const smooth = noiseFrame(128, 64, 5);
    const b = run({ frames: [blocky] }).row(0)[col('block8')]!;
    const s = run({ frames: [smooth] }).row(0)[col('block8')]!;
    expect(b).toBeGreaterThan(4);
    expect(s).toBeGreaterThan(0.8);
    expect(s).toBeLessThan(1.2);
  });

  it('blockTiles weighs each tile the same and leaves flat tiles out', () => {
    // Left half: flat 8x8 blocks one step apart (faint blocking); right half: strong grain.
    const hash = (x: number, y: number) => ((Math.imul(x, 73856093) ^ Math.imul(y, 19349663)) >>> 0) % 61;
    const f = yuv420(128, 64, { fill: (x, y) => (x < 64 ? 60 + 3 * (((x >> 3) + (y >> 3)) % 2) : 100 + hash(x, y)) });
    const r = run({ frames: [f] }).row(0);
    // The grain's gradients swamp the frame sums; per tile, the blocky half still counts half.
    expect(r[col('block8')]).toBeLessThan(1.4);
    expect(r[col('blockTiles')]).toBeGreaterThan(2);
    // Black beside the blocky picture changes nothing (its last block column is black too,
    // so the tiles match); a flat picture has nothing to judge.
    const blocks = (x: number, y: number) => (x < 56 ? 60 + 3 * (((x >> 3) + (y >> 3)) % 2) : 16);
    const boxed = run({ frames: [yuv420(128, 64, { fill: blocks })] }).row(0)[col('blockTiles')]!;
    const alone = run({ frames: [yuv420(64, 64, { fill: blocks })], options: { tileCols: 4 } }).row(0)[col('blockTiles')]!;
    expect(boxed).toBeGreaterThan(1.5);
    expect(boxed).toBe(alone);
    expect(Number.isNaN(run({ frames: [yuv420(64, 48, { fill: 16 })] }).row(0)[col('blockTiles')])).toBe(true);
  });

  it('counts saturated chroma (green/magenta corruption)', () => {
    const f = yuv420(32, 32, { fill: 80 }, { fill: (x) => (x < 8 ? 10 : 128) }, { fill: (x) => (x < 8 ? 20 : 128) });
    expect(run({ frames: [f] }).row(0)[col('chromaFarRatio')]).toBe(0.5);
  });

  it('appends a histogram on request', () => {
    const { row, layout } = run({ frames: [yuv420(10, 10, { fill: (x) => x })], options: { histogram: true } });
    const h = row(0).subarray(layout.histogramOffset, layout.histogramOffset + 256);
    expect(Array.from(h.subarray(0, 11))).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 0]);
  });

  it('exports column names matching the layout', () => {
    const layout = native.videoLayout({ tileCols: 4, tileRows: 2 });
    expect(layout.frameColumns).toBe(FRAME_COLUMNS.length);
    expect(layout.tileColumns).toBe(TILE_COLUMNS.length);
    expect(layout.rowWidth).toBe(FRAME_COLUMNS.length + 8 * TILE_COLUMNS.length);
  });

  it('runs off the JS thread with the same results', async () => {
    const frames = [1, 2, 3].map((s) => noiseFrame(97, 55, s));
    const batch: VideoBatch = { frames, prev: noiseFrame(97, 55, 7), options: { tileCols: 3, tileRows: 2 } };
    const sync = run(batch);
    const out = new Float64Array(sync.out.length);
    const ref = await native.analyzeVideoAsync(batch, out);
    expect(ref).toBe(sync.ref);
    expect(Buffer.from(out.buffer).equals(Buffer.from(sync.out.buffer))).toBe(true);
  });

  it('reads frames that live in a SharedArrayBuffer', () => {
    const sab = new SharedArrayBuffer(64 * 48 + 2 * 32 * 24);
    const y = new Uint8Array(sab, 0, 64 * 48).fill(200);
    const u = new Uint8Array(sab, 64 * 48, 32 * 24).fill(128);
    const v = new Uint8Array(sab, 64 * 48 + 32 * 24, 32 * 24).fill(128);
    const f = { width: 64, height: 48, format: 'yuv420p' as const, data: [y, u, v], linesize: [64, 32, 32] };
    expect(run({ frames: [f] }).row(0)[col('lumaMean')]).toBe(200);
  });
});

describe('analyzeVideo refuses bad input with a code, never reading out of bounds', () => {
  const good = () => yuv420(32, 16);
  const out = new Float64Array(10_000);
  const cases: Array<[string, () => unknown, string]> = [
    ['no arguments', () => (native.analyzeVideo as (...a: unknown[]) => number)(), 'ERR_VQMON_INVALID_ARG'],
    ['frames not an array', () => native.analyzeVideo({ frames: 3 } as never, out), 'ERR_VQMON_INVALID_ARG'],
    ['empty batch', () => native.analyzeVideo({ frames: [] }, out), 'ERR_VQMON_INVALID_ARG'],
    ['plane too short', () => {
      const f = good();
      f.data[0] = f.data[0]!.subarray(0, 32 * 16 - 1);
      return native.analyzeVideo({ frames: [f] }, out);
    }, 'ERR_VQMON_OUT_OF_BOUNDS'],
    ['stride below width', () => {
      const f = good();
      f.linesize[0] = 31;
      return native.analyzeVideo({ frames: [f] }, out);
    }, 'ERR_VQMON_INVALID_STRIDE'],
    ['negative stride', () => {
      const f = good();
      f.linesize[0] = -32;
      return native.analyzeVideo({ frames: [f] }, out);
    }, 'ERR_VQMON_INVALID_STRIDE'],
    ['fractional stride', () => {
      const f = good();
      f.linesize[0] = 32.5;
      return native.analyzeVideo({ frames: [f] }, out);
    }, 'ERR_VQMON_INVALID_ARG'],
    ['zero width', () => native.analyzeVideo({ frames: [{ ...good(), width: 0 }] }, out), 'ERR_VQMON_INVALID_ARG'],
    ['huge size', () => native.analyzeVideo({ frames: [{ ...good(), width: 40000 }] }, out), 'ERR_VQMON_INVALID_ARG'],
    ['missing chroma plane', () => native.analyzeVideo({ frames: [{ ...good(), data: [good().data[0]!] }] }, out), 'ERR_VQMON_INVALID_ARG'],
    ['plane of wrong type', () => native.analyzeVideo({ frames: [{ ...good(), data: [new Float32Array(512), good().data[1]!, good().data[2]!] as never }] }, out), 'ERR_VQMON_INVALID_ARG'],
    ['unsupported format', () => native.analyzeVideo({ frames: [{ ...good(), format: 'yuv420p10le' as never }] }, out), 'ERR_VQMON_UNSUPPORTED_FORMAT'],
    ['sizes differ inside a batch', () => native.analyzeVideo({ frames: [good(), yuv420(30, 16)] }, out), 'ERR_VQMON_SIZE_MISMATCH'],
    ['prev of another size', () => native.analyzeVideo({ frames: [good()], prev: yuv420(16, 16) }, out), 'ERR_VQMON_SIZE_MISMATCH'],
    ['output too small', () => native.analyzeVideo({ frames: [good(), good()] }, new Float64Array(10)), 'ERR_VQMON_OUTPUT_TOO_SMALL'],
    ['output of wrong type', () => native.analyzeVideo({ frames: [good()] }, new Float32Array(1000) as never), 'ERR_VQMON_INVALID_ARG'],
    ['tile grid too fine', () => native.analyzeVideo({ frames: [good()], options: { tileCols: 17 } }, out), 'ERR_VQMON_INVALID_ARG'],
    ['noise out of range', () => native.analyzeVideo({ frames: [good()], options: { freezeNoise: Number.NaN } }, out), 'ERR_VQMON_INVALID_ARG'],
    ['tile mask of wrong length', () => native.analyzeVideo({ frames: [good()], options: { tileMask: new Uint8Array(3) } }, out), 'ERR_VQMON_INVALID_ARG'],
    ['tile mask hiding everything', () => native.analyzeVideo({ frames: [good()], options: { tileMask: new Uint8Array(64) } }, out), 'ERR_VQMON_INVALID_ARG'],
  ];
  for (const [name, fn, code] of cases) {
    it(name, () => {
      expect(fn).toThrowError(expect.objectContaining({ code, message: expect.any(String) }));
    });
  }

  it('rejects the async form with the same errors', async () => {
    await expect(native.analyzeVideoAsync({ frames: [] }, out)).rejects.toMatchObject({ code: 'ERR_VQMON_INVALID_ARG' });
  });
});
