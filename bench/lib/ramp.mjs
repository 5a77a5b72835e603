// @ts-check
// The streams-per-instance ramp: whether a step (n streams at real-time rate for a window)
// kept up, and which stream count to try next. Pure.

/** What "kept up" means for a step. */
export const rampDefaults = {
  /** Least share of the frames due in the window that each stream must have analysed. */
  minSpeed: 0.97,
  /** Most a stream's lag behind real time may grow over the window, seconds. */
  maxLagGrowth: 0.5,
  /** Most a stream may be behind real time at the end of the window, seconds. */
  maxLag: 2,
  /** The ramp stops when the gap between the best passing and the least failing count is this share of it (or 1). */
  resolution: 0.05,
  /** Growth after a pass while no step has failed yet: the next count is n * (1 + growth). */
  growth: 0.25,
};

/**
 * The defaults with `options` over them (options left undefined keep the default).
 * @template {object} T
 * @param {T} options
 */
function withDefaults(options) {
  const o = /** @type {Record<string, unknown>} */ ({ ...rampDefaults });
  for (const [k, v] of Object.entries(options)) if (v !== undefined) o[k] = v;
  return /** @type {typeof rampDefaults & T} */ (o);
}

/**
 * @typedef {object} StreamWindow one stream over the measuring window
 * @property {number} frames video frames analysed (for the FFmpeg peer: media seconds advanced x fps)
 * @property {number} [dropped] packets dropped unanalysed (vqmon's back-pressure)
 * @property {number} [errors] input errors or an early exit
 * @property {number} lagStart seconds behind real time at the start of the window
 * @property {number} lagEnd seconds behind real time at its end
 *
 * @typedef {object} Step
 * @property {number} streams
 * @property {number} fps the streams' frame rate
 * @property {number} seconds wall-clock length of the window
 * @property {StreamWindow[]} inputs
 */

/**
 * Judges one step: every stream analysed at least minSpeed of its frames, dropped nothing,
 * had no input error, and its lag neither grew by more than maxLagGrowth nor ended above maxLag.
 * @param {Step} step
 * @param {Partial<typeof rampDefaults>} [criteria]
 */
export function judgeStep(step, criteria = {}) {
  const c = withDefaults(criteria);
  const due = step.fps * step.seconds;
  const reasons = [];
  let worstSpeed = Infinity, worstGrowth = 0, worstLag = 0, dropped = 0, errors = 0;
  if (step.inputs.length !== step.streams) reasons.push(`${step.inputs.length} of ${step.streams} streams reported`);
  for (const s of step.inputs) {
    worstSpeed = Math.min(worstSpeed, due > 0 ? s.frames / due : 0);
    worstGrowth = Math.max(worstGrowth, s.lagEnd - s.lagStart);
    worstLag = Math.max(worstLag, s.lagEnd);
    dropped += s.dropped ?? 0;
    errors += s.errors ?? 0;
  }
  if (!step.inputs.length) worstSpeed = 0;
  if (worstSpeed < c.minSpeed) reasons.push(`a stream analysed ${(100 * worstSpeed).toFixed(1)}% of its frames (< ${100 * c.minSpeed}%)`);
  if (dropped > 0) reasons.push(`${dropped} packets dropped behind real time`);
  if (errors > 0) reasons.push(`${errors} input errors`);
  if (worstGrowth > c.maxLagGrowth) reasons.push(`lag grew ${worstGrowth.toFixed(2)} s in the window (> ${c.maxLagGrowth} s)`);
  if (worstLag > c.maxLag) reasons.push(`lag ${worstLag.toFixed(2)} s (> ${c.maxLag} s)`);
  return { ok: reasons.length === 0, worstSpeed: Number.isFinite(worstSpeed) ? worstSpeed : 0, worstLagGrowth: worstGrowth, worstLag, dropped, errors, reasons };
}

/**
 * The next stream count to try, or null when the ramp is done. Starts at `start`; while
 * every step passes, goes to the capacity the best pass predicts (its `capacity`: the
 * streams its CPU use says the machine holds; at most double the pass), or grows by
 * `growth` when it predicts none; once a step fails, bisects between the best pass and the
 * least fail until they are within `resolution` (or adjacent); a failure with no pass yet
 * steps down by a quarter (down to 1; a failing 1 ends the ramp at 0).
 * @param {Array<{ streams: number, ok: boolean, capacity?: number | null }>} history steps so far
 * @param {{ start: number, max: number } & Partial<typeof rampDefaults>} options
 */
export function nextCount(history, options) {
  const c = withDefaults(options);
  if (!history.length) return Math.max(1, Math.min(c.max, Math.round(c.start)));
  const { pass, fail } = bounds(history);
  if (fail === null) {
    if (pass === null) return null;
    if (pass >= c.max) return null;
    const capacity = history.find((h) => h.ok && h.streams === pass)?.capacity;
    const guess = capacity && Number.isFinite(capacity) ? Math.floor(capacity) : Math.ceil(pass * (1 + c.growth));
    return Math.min(c.max, 2 * pass, Math.max(pass + 1, guess));
  }
  if (pass === null) {
    if (fail <= 1) return null;
    return Math.max(1, Math.min(fail - 1, Math.floor(fail * 0.75)));
  }
  if (fail - pass <= Math.max(1, Math.floor(pass * c.resolution))) return null;
  return Math.floor((pass + fail) / 2);
}

/** The most streams a step sustained (0 when none did). */
export function rampResult(/** @type {Array<{ streams: number, ok: boolean }>} */ history) {
  return bounds(history).pass ?? 0;
}

/**
 * The best passing count below the least failing one. A pass above a fail (noise on a busy
 * machine) does not count: the ramp reports what it can stand behind.
 * @param {Array<{ streams: number, ok: boolean }>} history
 */
function bounds(history) {
  const fails = history.filter((h) => !h.ok).map((h) => h.streams);
  const fail = fails.length ? Math.min(...fails) : null;
  const passes = history.filter((h) => h.ok && (fail === null || h.streams < fail)).map((h) => h.streams);
  return { pass: passes.length ? Math.max(...passes) : null, fail };
}

/**
 * Streams the whole machine would hold if CPU were all that counts: `streams` used
 * `cpuCores` of `vcpus` (null when unknown).
 */
export function capacityFromCpu(/** @type {number} */ streams, /** @type {number | null | undefined} */ cpuCores, /** @type {number} */ vcpus) {
  return cpuCores && cpuCores > 0 ? (streams * vcpus) / cpuCores : null;
}

/** A first guess for the ramp from an offline throughput: frames/s over the stream's rate, with headroom. */
export function rampStart(/** @type {number | null} */ throughputFps, /** @type {number} */ streamFps, headroom = 0.8) {
  if (!throughputFps || !(streamFps > 0)) return 1;
  return Math.max(1, Math.floor((throughputFps / streamFps) * headroom));
}
