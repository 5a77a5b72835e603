// The hand-off of decoded planes to the kernels, per frame of the main clip (1080p), one
// thread:
//   direct  native.analyzeVideo over frames as the decoder gives them (Buffers over the
//           AVFrame's planes: no copy);
//   copied  the same call over the same frames, each first copied into JS-owned memory
//           (native.copyFrame into a Uint8Array allocated once: one SIMD pass a plane, the
//           cheapest copy there is): the difference is what a copying hand-off would cost;
//   record  building a frame record's planes as the decoder does (node-av's `data` getter
//           makes new Buffers over the AVFrame's planes; the decoder calls it once a frame)
//           and detaching them at release as releaseFrames does; beside it the same Buffers
//           left to the garbage collector: V8 counts their bytes as external memory, and
//           every ~64 MB of it starts a full collection.
// Batches of 8 as the segment workers analyse, each batch's prev the frame before it (its
// freeze reference too, as in the fan-out section); 32 frames held (~100 MB at 1080p, more
// than a last-level cache) so that both modes read the planes from DRAM.
import { heldFrame, releaseFrames } from '../../dist/decode/decoder.js';
import { ffmpeg } from '../../dist/decode/ffmpeg.js';
import { native } from '../../dist/index.js';
import { median, ratio } from '../lib/stats.mjs';
import { decodeFile } from './decode.mjs';

const BATCH = 8, HELD = 4 * BATCH;

/** Mean microseconds a call of `fn(i)` (i = 0, 1, ...) over `seconds`, after a short warm-up. */
function usPerCall(fn, seconds) {
  const run = (ms) => {
    let i = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) fn(i++);
    return ((performance.now() - t0) * 1000) / i;
  };
  run(100);
  return run(seconds * 1000);
}

/**
 * Batch `b` of the frames analysed directly, and after a copy: copies go to a ring of 9
 * JS-owned slots, so the previous batch's last frame is still there as prev.
 */
function analyzers(frames) {
  const n = frames.length, f0 = frames[0];
  const out = new Float64Array(BATCH * native.videoLayout().rowWidth);
  const slotBytes = native.frameSlot(f0.width, f0.height, f0.format).byteLength;
  const slots = Array.from({ length: BATCH + 1 }, () => new Uint8Array(slotBytes));
  const copies = new Array(slots.length);
  const copy = (k) => (copies[k % slots.length] = native.copyFrame(frames[k % n], slots[k % slots.length]));
  const analyze = (batch, prev) => native.analyzeVideo({ frames: batch, prev, ref: prev }, out);
  return {
    out,
    direct: (b) => {
      const k = b * BATCH;
      analyze(Array.from({ length: BATCH }, (_, i) => frames[(k + i) % n]), frames[(k + n - 1) % n]);
    },
    copied: (b) => {
      const k = b * BATCH + n; // k - 1 >= 0: the first batch's prev is a copy too
      if (b === 0) copy(k - 1);
      analyze(Array.from({ length: BATCH }, (_, i) => copy(k + i)), copies[(k - 1) % slots.length]);
    },
  };
}

/**
 * Frame `i`'s record planes rebuilt: a spare node-av Frame takes a new reference to the
 * decoded frame (as a receive fills a pool Frame), then its `data` getter, then the Buffers
 * are detached (`released`) or dropped. `base` is the reference alone, to subtract.
 */
function recordBuilders(frames) {
  const av = frames.map(heldFrame), n = av.length;
  const spare = new (ffmpeg().lib.Frame)();
  spare.alloc();
  const ref = (i) => { spare.unref(); spare.ref(av[i % n]); };
  return {
    base: ref,
    released: (i) => { ref(i); native.releaseFrames([{ data: spare.data }]); },
    dropped: (i) => { ref(i); return spare.data; },
    dispose: () => spare.free(),
  };
}

/** True when both modes give the same rows for a batch (the copy is the same picture). */
function sameRows(a) {
  a.direct(0);
  const direct = a.out.slice();
  a.copied(0);
  return direct.every((v, i) => Object.is(v, a.out[i]));
}

/** Each case timed `reps` times, interleaved: microseconds a frame. */
function timeCases(frames, { reps, seconds }, log) {
  const a = analyzers(frames), r = recordBuilders(frames);
  const cases = { direct: a.direct, copied: a.copied, base: r.base, released: r.released, dropped: r.dropped };
  const batched = new Set(['direct', 'copied']); // a call a batch; the record cases: a call a frame
  const us = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  try {
    const rowsMatch = sameRows(a);
    for (let rep = 0; rep < reps; rep++) {
      for (const [k, fn] of Object.entries(cases)) {
        us[k].push(batched.has(k) ? usPerCall(fn, seconds) / BATCH : usPerCall(fn, seconds / 3));
      }
      log(`  hand-off: run ${rep + 1}/${reps}`);
    }
    return { us, rowsMatch };
  } finally {
    r.dispose();
  }
}

/**
 * Decodes the first frames of `clip` (held, not released, while measured) and times the
 * hand-off cases. Per case: microseconds a frame (median of the runs) and its range.
 */
export async function measureHandoff(clip, { quick, log }) {
  const held = [];
  return decodeFile(clip.file, {
    types: ['video'],
    more: () => held.length < HELD,
    onFrames: (_, frames) => {
      const keep = frames.slice(0, HELD - held.length);
      held.push(...keep);
      releaseFrames(frames.slice(keep.length));
    },
    whileOpen: () => {
      if (held.length < 2 * BATCH) throw new Error(`${clip.file}: fewer than ${2 * BATCH} frames decoded`);
      const { us, rowsMatch } = timeCases(held, { reps: quick ? 3 : 5, seconds: quick ? 0.5 : 1.5 }, log);
      return handoffSummary(clip, held[0], us, rowsMatch);
    },
  });
}

/** Medians a frame; the record cases less the reference they are measured with. */
function handoffSummary(clip, f, us, rowsMatch) {
  const base = median(us.base);
  const row = (xs, less = 0) => ({ usPerFrame: median(xs) - less, min: Math.min(...xs) - less, max: Math.max(...xs) - less });
  const direct = row(us.direct), copied = row(us.copied);
  return { clip: clip.id, width: f.width, height: f.height, format: f.format, batch: BATCH, frames: HELD, level: native.simdLevel(),
    runs: us.direct.length, rowsMatch, direct, copied, copyOverDirect: ratio(copied.usPerFrame, direct.usPerFrame),
    copyUsPerFrame: copied.usPerFrame - direct.usPerFrame, record: row(us.released, base), recordDropped: row(us.dropped, base) };
}
