/**
 * Splits a file into time segments for the pool. Segments are at least `minSegment` (10 s)
 * long (each costs an open, a seek and a decoder start, about 25 ms at 1080p; see
 * keyframes.ts for where they are finally cut), a whole number per worker; a file shorter
 * than that for every worker gets one segment of at least `shortSegment` (5 s) for as
 * many workers as it has room for, rather than one segment on one core.
 */
export interface SegmentPlan { start: number; end: number }

export function planSegments(duration: number | null, workers: number, options: { minSegment?: number; shortSegment?: number; perWorker?: number; quantum?: number } = {}): SegmentPlan[] {
  const minSegment = options.minSegment ?? 10;
  const shortSegment = Math.min(minSegment, options.shortSegment ?? 5);
  const perWorker = options.perWorker ?? 3;
  if (!duration || !Number.isFinite(duration) || workers < 2 || duration < 2 * shortSegment) return [{ start: 0, end: Infinity }];
  // A whole number of segments per worker, so no worker is left with one more at the end;
  // a file too short for a `minSegment` a worker gets one segment of at least
  // `shortSegment` for as many workers as it has room for.
  const k = Math.max(1, Math.min(perWorker, Math.floor(duration / (workers * minSegment))));
  const n = duration < workers * minSegment ? Math.min(workers, Math.floor(duration / shortSegment)) : workers * k;
  // Boundaries on multiples of the audio window, so windows continue evenly across them.
  const q = options.quantum ?? 0.05;
  const cut = (i: number) => Math.round((i * duration) / n / q) * q;
  return Array.from({ length: n }, (_, i) => ({ start: cut(i), end: i === n - 1 ? Infinity : cut(i + 1) }));
}

/**
 * The same file as one segment more than there are workers, staggered: the first and the
 * last segments are half as long as the others. Workers take segments in order as they
 * come free, so the one with the first (short) segment also takes the last: every worker
 * gets the same share, and keyframe cuts (keyframes.ts) have two positions to land near
 * instead of one. Used when the plan has one segment a worker, where a keyframe a GOP from
 * the nominal cut leaves one worker decoding alone at the end (see balancedCuts).
 */
export function staggeredSegments(plan: SegmentPlan[], workers: number, duration: number, quantum = 0.05): SegmentPlan[] | null {
  if (workers < 2 || plan.length !== workers || !Number.isFinite(duration)) return null;
  const at = (i: number) => Math.round(((i + 0.5) * duration) / workers / quantum) * quantum;
  const starts = [0, ...Array.from({ length: workers }, (_, i) => at(i))];
  return starts.map((start, i) => ({ start, end: i + 1 < starts.length ? starts[i + 1]! : Infinity }));
}
