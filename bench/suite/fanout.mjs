// Per-frame fan-out against batches: the same frames (decoded once and copied into a
// SharedArrayBuffer ring with native.copyFrame) analysed on a piscina pool of one thread
// per core, scheduled as one task per frame, or as tasks of 8 or 32 frames. The kernel
// work is the same; what differs is a task hand-off and a native call per frame against
// one per batch, which is what vqmon's batching saves. Runs are interleaved; rows of every
// schedule are checked against the per-frame rows (all columns but the freeze reference's,
// which depend on where a chain starts).
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

import { Piscina } from 'piscina';

import { releaseFrames } from '../../dist/decode/decoder.js';
import { FRAME_COLUMNS, TILE_COLUMNS, native } from '../../dist/index.js';
import { median, ratio } from '../lib/stats.mjs';
import { decodeFile } from './decode.mjs';

/** The first `frames` video frames of `file`, copied into a SharedArrayBuffer ring (each decoded frame released once copied). */
async function decodeToRing(file, frames) {
  let slot = null, ring = null, n = 0;
  await decodeFile(file, {
    types: ['video'],
    more: () => n < frames,
    onFrames: (_, decoded) => {
      for (const f of decoded.slice(0, frames - n)) {
        slot ??= native.frameSlot(f.width, f.height, f.format);
        ring ??= new SharedArrayBuffer(frames * slot.byteLength);
        native.copyFrame(f, new Uint8Array(ring, n * slot.byteLength, slot.byteLength));
        n++;
      }
      releaseFrames(decoded);
    },
  });
  if (n < 2) throw new Error(`${file}: fewer than 2 frames decoded`);
  return { ring, slot, frames: n };
}

/** Columns that do not depend on where a chain starts (all but the freeze reference's). */
function comparable(layout) {
  const skip = new Set(['mafdRef', 'isRef']);
  const cols = [];
  FRAME_COLUMNS.forEach((c, i) => { if (!skip.has(c)) cols.push(i); });
  for (let t = 0; t < layout.tiles; t++) {
    TILE_COLUMNS.forEach((c, i) => { if (!skip.has(c)) cols.push(layout.frameColumns + t * layout.tileColumns + i); });
  }
  return cols;
}

export async function measureFanout(root, clip, { quick, log }) {
  const threads = availableParallelism();
  const { ring, slot, frames } = await decodeToRing(clip.file, quick ? 48 : 120);
  const layout = native.videoLayout();
  const out = new SharedArrayBuffer(frames * layout.rowWidth * 8);
  const rows = new Float64Array(out);
  const pool = new Piscina({ filename: join(root, 'bench/suite/fanout-worker.mjs'), minThreads: threads, maxThreads: threads,
    idleTimeout: 60_000, workerData: { ring, slot, frames, out, rowWidth: layout.rowWidth } });
  const batches = [1, 8, 32];
  // Enough passes over the ring at once that the largest batches still give every thread several tasks.
  const passes = Math.max(2, Math.ceil((4 * threads * 32) / (frames - 1)));
  const round = (b) => {
    const tasks = [];
    for (let p = 0; p < passes; p++) {
      for (let s = 1; s < frames; s += b) tasks.push(pool.run({ start: s, count: Math.min(b, frames - s) }));
    }
    return Promise.all(tasks);
  };
  const rate = async (b, seconds) => {
    let done = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) done += (await round(b)).reduce((a, x) => a + x, 0);
    return done / ((performance.now() - t0) / 1000);
  };
  try {
    // Rows of each schedule, once, against the per-frame rows.
    const cols = comparable(layout);
    let reference = null, rowsMatch = true;
    for (const b of batches) {
      rows.fill(NaN);
      await round(b);
      const got = rows.slice(layout.rowWidth);
      if (!reference) {
        // Every frame after the first has its row (a task that wrote nothing leaves NaN).
        for (let f = 0; f < frames - 1; f++) if (!Number.isFinite(got[f * layout.rowWidth + FRAME_COLUMNS.indexOf('mafdPrev')])) rowsMatch = false;
        reference = got;
      }
      else for (let f = 0; f < frames - 1 && rowsMatch; f++) {
        for (const c of cols) if (!Object.is(got[f * layout.rowWidth + c], reference[f * layout.rowWidth + c])) { rowsMatch = false; break; }
      }
    }
    const reps = quick ? 3 : 5, seconds = quick ? 0.6 : 2;
    const fps = batches.map(() => []);
    for (let r = 0; r < reps; r++) {
      for (const [i, b] of batches.entries()) fps[i].push(await rate(b, seconds));
      log(`  fan-out: run ${r + 1}/${reps}`);
    }
    const modes = batches.map((b, i) => ({ batch: b, fps: median(fps[i]), min: Math.min(...fps[i]), max: Math.max(...fps[i]) }));
    return { clip: clip.id, frames, threads, passes, modes, rowsMatch,
      batchOverPerFrame: ratio(modes.find((m) => m.batch === 8)?.fps, modes[0].fps) };
  } finally {
    await pool.destroy();
  }
}
