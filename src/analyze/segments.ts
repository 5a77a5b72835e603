/**
 * Splits a file into time segments for the pool. Segments are long (tens of seconds: each
 * costs a seek and a GOP of pre-roll decoding) and there are a few per worker so that a
 * slow segment does not leave cores idle at the end.
 */
export interface SegmentPlan { start: number; end: number }

export function planSegments(duration: number | null, workers: number, options: { minSegment?: number; perWorker?: number; quantum?: number } = {}): SegmentPlan[] {
  const minSegment = options.minSegment ?? 20;
  const perWorker = options.perWorker ?? 3;
  if (!duration || !Number.isFinite(duration) || duration < 2 * minSegment || workers < 2) return [{ start: 0, end: Infinity }];
  const n = Math.max(2, Math.min(workers * perWorker, Math.floor(duration / minSegment)));
  // Boundaries on multiples of the audio window, so windows continue evenly across them.
  const q = options.quantum ?? 0.05;
  const cut = (i: number) => Math.round((i * duration) / n / q) * q;
  return Array.from({ length: n }, (_, i) => ({ start: cut(i), end: i === n - 1 ? Infinity : cut(i + 1) }));
}
