// Bench-only piscina worker for the fan-out comparison: analyses frames [start, start +
// count) of a SharedArrayBuffer frame ring (filled once by the main thread with
// native.copyFrame) in one native call, prev and reference = the frame before start, and
// writes their metric rows into a shared Float64Array. Frames are never serialized: a task
// is two numbers.
import { workerData } from 'piscina';

import { native, slotFrame } from '../../dist/index.js';

const { ring, slot, frames, out, rowWidth } = workerData;
const views = Array.from({ length: frames }, (_, i) => slotFrame(new Uint8Array(ring, i * slot.byteLength, slot.byteLength), slot));
const rows = new Float64Array(out);

export default function analyzeRange({ start, count }) {
  const batch = views.slice(start, start + count);
  const prev = views[start - 1];
  native.analyzeVideo({ frames: batch, prev, ref: prev }, rows.subarray(start * rowWidth, (start + count) * rowWidth));
  return count;
}
