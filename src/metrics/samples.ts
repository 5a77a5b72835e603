/** Joins audio sample chunks into one Float32Array of `total` samples for a native call. */
export function joinSamples(chunks: Float32Array[], total: number): Float32Array {
  const all = new Float32Array(total);
  let o = 0;
  for (const b of chunks) {
    all.set(b, o);
    o += b.length;
  }
  return all;
}
