// @ts-check
// Medians and spreads of repeated measurements. Pure.

/** Median of a non-empty list (the mean of the two middle values for an even count). */
export function median(/** @type {number[]} */ xs) {
  if (!xs.length) throw new Error('median of an empty list');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  const at = (/** @type {number} */ i) => /** @type {number} */ (s[i]);
  return s.length % 2 ? at(m) : (at(m - 1) + at(m)) / 2;
}

/**
 * A rate from repeated timings: frames/s of each run, their median, min and max, and the
 * spread (max - min) / median. The median rate is `count / median(seconds)`, which is the
 * median of the per-run rates for an odd run count.
 * @param {number} count work per run (frames)
 * @param {number[]} seconds wall time of each run
 */
export function rateSummary(count, seconds) {
  const rates = seconds.map((s) => count / s);
  const med = count / median(seconds);
  const min = Math.min(...rates), max = Math.max(...rates);
  return { runs: seconds.length, median: med, min, max, spread: rates.length > 1 ? (max - min) / med : 0 };
}

/** a / b, or null when either is missing or b is 0. */
export function ratio(/** @type {number | null | undefined} */ a, /** @type {number | null | undefined} */ b) {
  return a == null || b == null || b === 0 ? null : a / b;
}

/**
 * Scaling from 1 to k cores: speedup against the 1-core rate and efficiency per core
 * (speedup / k; 1 is linear).
 * @param {Array<{ cores: number, fps: number }>} points
 */
export function scaling(points) {
  const one = points.find((p) => p.cores === 1)?.fps ?? null;
  return points.map((p) => {
    const speedup = ratio(p.fps, one);
    return { ...p, speedup, efficiency: speedup === null ? null : speedup / p.cores };
  });
}

/** Core counts to measure on a machine with `cores`: 1, 2, 4, ... and `cores` itself. */
export function coreSteps(/** @type {number} */ cores) {
  const steps = [];
  for (let k = 1; k < cores; k *= 2) steps.push(k);
  steps.push(cores);
  return steps;
}
