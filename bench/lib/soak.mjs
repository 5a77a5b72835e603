// @ts-check
// The serve soak's pure logic (bench/serve-soak.mjs): its command line, the defects each
// generated clip carries, where each looped occurrence lands on a stream's media clock,
// matching the events received against them, and the RSS trend. Pure: tested in
// test/bench.test.ts.

export const RESOLUTIONS = { '360p': [640, 360], '540p': [960, 540], '720p': [1280, 720], '1080p': [1920, 1080] };

export const SOAK_USAGE = `usage: npm run soak:serve -- [options]    (or: node bench/serve-soak.mjs [options])
  --streams N          UDP streams watched by one vqmon serve process [20]
  --minutes M          how long the streams run, from the last source's start [5]
  --resolution R       ${Object.keys(RESOLUTIONS).join(', ')} [360p]
  --tolerance S        an event's start and end may be this far from the injected defect's, seconds [0.5]
  --sample S           seconds between samples of RSS, CPU and /api/streams [5]
  -h, --help           this text
Starts \`node dist/cli.js serve\` (build first: npm run build:ts) and one \`ffmpeg -re -stream_loop -1
-c copy\` sender a stream, looping 32 s clips with known freezes, black and silence. Checks: every
injected defect that fully played has its events (SSE), no extra defect events, the server's RSS
stable, no stream behind or dropping packets, the store holds what SSE delivered. Exit 1 when a
check fails. Writes .vqmon-tmp/soak/soak-<time>.json and .md.`;

/**
 * @param {string[]} argv
 * @returns {{ streams: number, minutes: number, resolution: keyof typeof RESOLUTIONS, tolerance: number, sample: number, help: boolean }}
 */
export function parseSoakArgs(argv) {
  const a = { streams: 20, minutes: 5, resolution: /** @type {keyof typeof RESOLUTIONS} */ ('360p'), tolerance: 0.5, sample: 5, help: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${x} needs a value\n${SOAK_USAGE}`);
      return v;
    };
    const num = (/** @type {number} */ min, /** @type {number} */ max, int = false) => {
      const n = Number(value());
      if (!Number.isFinite(n) || n < min || n > max || (int && !Number.isInteger(n))) throw new Error(`${x} must be ${int ? 'an integer' : 'a number'} in [${min}, ${max}]\n${SOAK_USAGE}`);
      return n;
    };
    if (x === '--streams') a.streams = num(1, 200, true);
    else if (x === '--minutes') a.minutes = num(0.5, 600);
    else if (x === '--tolerance') a.tolerance = num(0.05, 5);
    else if (x === '--sample') a.sample = num(1, 60);
    else if (x === '--resolution') {
      const r = value();
      if (!(r in RESOLUTIONS)) throw new Error(`--resolution must be one of ${Object.keys(RESOLUTIONS).join(', ')}, got ${r}\n${SOAK_USAGE}`);
      a.resolution = /** @type {keyof typeof RESOLUTIONS} */ (r);
    } else if (x === '-h' || x === '--help') a.help = true;
    else throw new Error(`unknown option ${x}\n${SOAK_USAGE}`);
  }
  return a;
}

/**
 * Seconds and frame rate of every soak clip, and how many clips. 32 s is a whole number of
 * both video frames and AAC frames (1024 samples at 48 kHz: 1500), so a loop's timestamps
 * advance by exactly the media it holds on both tracks. With 30 s (1406.25 AAC frames) the
 * audio overran the video by 16 ms a loop, a drift that av_sync's timestamp check rightly
 * reported after three loops.
 */
export const CLIP_SECONDS = 32, CLIP_FPS = 30, CLIPS = 4;

/**
 * The defects of clip `c` (0 .. CLIPS-1), in seconds of the clip (video frame n at n / fps,
 * audio from the same zero): a 3 s freeze, 1.5 s of black (under freeze's 2 s minimum, so
 * it is not a freeze too) and 3 s of silence, 1.5 s later in each clip than in the one
 * before, so the streams' defects do not all fall together.
 * @param {number} c
 * @returns {Array<{ type: 'freeze' | 'black' | 'silence', start: number, end: number }>}
 */
export function clipDefects(c) {
  const a = 2 + 1.5 * c;
  return [{ type: 'freeze', start: a, end: a + 3 }, { type: 'black', start: a + 10, end: a + 11.5 }, { type: 'silence', start: a + 18, end: a + 21 }];
}

/**
 * How one track of a looped clip steps: the median step between consecutive timestamps
 * (sorted), and every step off it by more than `tol` s (at a loop's seam: a gap, or an
 * overlap that repeats media). A track that loops seamlessly has none.
 * @param {number[]} pts seconds, any order
 * @param {number} [tol]
 */
export function trackSteps(pts, tol = 0.001) {
  const s = [...pts].sort((a, b) => a - b);
  const steps = s.slice(1).map((v, i) => v - /** @type {number} */ (s[i]));
  const sorted = [...steps].sort((a, b) => a - b);
  const step = /** @type {number} */ (sorted[sorted.length >> 1] ?? 0);
  const off = [];
  for (let i = 0; i < steps.length; i++) if (Math.abs(/** @type {number} */ (steps[i]) - step) > tol) off.push({ at: /** @type {number} */ (s[i]), step: /** @type {number} */ (steps[i]) });
  return { step, off };
}

/**
 * Every occurrence of a clip's defects on a stream's media clock: loop k's defect at clip
 * time t lands at origin + k * period + t. `due`: it ended `latency` s before `horizon` (the
 * stream's media time when the run stopped), so its events must have arrived. Listed up to
 * `latency` + 1 s past the horizon: events keep coming that long after it.
 * @param {ReturnType<typeof clipDefects>} defects
 * @param {{ period: number, origin: number, horizon: number, latency: number }} o
 */
export function occurrences(defects, { period, origin, horizon, latency }) {
  const out = [], until = horizon + latency + 1;
  for (let k = 0; origin + k * period < until; k++) {
    for (const d of defects) {
      const start = origin + k * period + d.start, end = origin + k * period + d.end;
      if (start < until) out.push({ type: d.type, loop: k, start, end, due: end + latency <= horizon });
    }
  }
  return out;
}

/**
 * Events (one stream's) grouped into runs by type and start, matched to the occurrences.
 * A due occurrence is found when a run of its type starts within `tol` of it, with both a
 * phase start and a phase end event, the end event's end within `tol` of the occurrence's
 * end. Runs of a defect type matching no occurrence are extras (health types — stall,
 * input_error, analysis_dropped — are counted apart).
 * @param {ReturnType<typeof occurrences>} occ
 * @param {Array<{ type: string, phase: string, start: number, end: number }>} events
 * @param {number} tol
 */
export function matchEvents(occ, events, tol) {
  /** @type {Map<string, { type: string, start: number, startEvent: boolean, end: number | null, used: boolean }>} */
  const runs = new Map();
  const health = { stall: 0, input_error: 0, analysis_dropped: 0 };
  for (const e of events) {
    if (e.type in health) {
      if (e.phase === 'start') health[/** @type {keyof typeof health} */ (e.type)]++;
      continue;
    }
    const key = `${e.type}@${e.start}`;
    const r = runs.get(key) ?? { type: e.type, start: e.start, startEvent: false, end: null, used: false };
    if (e.phase === 'start') r.startEvent = true;
    else r.end = e.end;
    runs.set(key, r);
  }
  const found = [], missed = [], residuals = [];
  for (const o of occ) {
    let best = null;
    for (const r of runs.values()) {
      if (r.used || r.type !== o.type || Math.abs(r.start - o.start) > tol) continue;
      if (!best || Math.abs(r.start - o.start) < Math.abs(best.start - o.start)) best = r;
    }
    if (best) best.used = true;
    if (!o.due) continue;
    const why = !best ? 'no event' : !best.startEvent ? 'no phase start event' : best.end === null ? 'no phase end event'
      : Math.abs(best.end - o.end) > tol ? `ends at ${best.end.toFixed(2)}` : null;
    if (why || !best) missed.push({ ...o, why });
    else {
      found.push(o);
      residuals.push({ type: o.type, loop: o.loop, start: best.start - o.start, end: /** @type {number} */ (best.end) - o.end, at: best.start });
    }
  }
  const extra = [...runs.values()].filter((r) => !r.used).map((r) => ({ type: r.type, start: r.start, end: r.end }));
  return { expected: found.length + missed.length, found: found.length, missed, extra, residuals, health };
}

/**
 * The least-squares line y = a + b x: b is the slope.
 * @param {number[]} xs @param {number[]} ys
 */
export function linearFit(xs, ys) {
  const n = xs.length;
  if (n < 2) return null;
  const mx = xs.reduce((s, v) => s + v, 0) / n, my = ys.reduce((s, v) => s + v, 0) / n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) { sxy += (/** @type {number} */ (xs[i]) - mx) * (/** @type {number} */ (ys[i]) - my); sxx += (/** @type {number} */ (xs[i]) - mx) ** 2; }
  if (sxx === 0) return null;
  const b = sxy / sxx;
  return { a: my - b * mx, b };
}

/**
 * The loop period the events themselves show: per stream and defect type, the slope of a
 * run's start against its loop, median over those with two loops or more.
 * @param {Array<Array<{ type: string, loop: number, at: number }>>} perStream residuals of matchEvents
 */
export function measuredPeriod(perStream) {
  const slopes = [];
  for (const res of perStream) {
    for (const type of new Set(res.map((r) => r.type))) {
      const rs = res.filter((r) => r.type === type);
      const fit = linearFit(rs.map((r) => r.loop), rs.map((r) => r.at));
      if (fit && new Set(rs.map((r) => r.loop)).size >= 2) slopes.push(fit.b);
    }
  }
  if (!slopes.length) return null;
  slopes.sort((x, y) => x - y);
  const m = slopes.length >> 1;
  return slopes.length % 2 ? /** @type {number} */ (slopes[m]) : (/** @type {number} */ (slopes[m - 1]) + /** @type {number} */ (slopes[m])) / 2;
}

/**
 * RSS over the run: the mean of a baseline window after warm-up (minute 2 of a 5-minute
 * run: from min(60, T/3) to min(120, 2T/3) s) against the mean of the last min(60, T/3) s,
 * and the slope (MiB/min) over everything after the baseline window starts. Stable: the
 * growth is at most max(`boundMiB`, `boundFraction` of the baseline).
 * @param {Array<{ t: number, rssMiB: number }>} samples t: seconds from the last source's start
 * @param {number} total the run's length, seconds
 * @param {{ boundMiB?: number, boundFraction?: number }} [o]
 */
export function rssTrend(samples, total, { boundMiB = 30, boundFraction = 0.1 } = {}) {
  const from = Math.min(60, total / 3), to = Math.min(120, (2 * total) / 3), last = total - Math.min(60, total / 3);
  const mean = (/** @type {typeof samples} */ xs) => (xs.length ? xs.reduce((s, x) => s + x.rssMiB, 0) / xs.length : null);
  const base = mean(samples.filter((s) => s.t >= from && s.t < to));
  const end = mean(samples.filter((s) => s.t >= last));
  const later = samples.filter((s) => s.t >= from);
  const fit = linearFit(later.map((s) => s.t / 60), later.map((s) => s.rssMiB));
  const growth = base === null || end === null ? null : end - base;
  const bound = base === null ? null : Math.max(boundMiB, boundFraction * base);
  return { window: { baseline: [from, to], last: [last, total] }, baselineMiB: base, lastMiB: end, growthMiB: growth, boundMiB: bound,
    slopeMiBPerMin: fit ? fit.b : null, stable: growth !== null && bound !== null && growth <= bound };
}

/** RSS mean over whole minutes of the run (minute 1 = (0, 60] s), for the report. */
export function rssByMinute(/** @type {Array<{ t: number, rssMiB: number }>} */ samples) {
  /** @type {Map<number, number[]>} */
  const by = new Map();
  for (const s of samples) {
    const m = Math.max(1, Math.ceil(s.t / 60));
    by.set(m, [...(by.get(m) ?? []), s.rssMiB]);
  }
  return [...by.entries()].sort((x, y) => x[0] - y[0]).map(([minute, xs]) => ({ minute, meanMiB: xs.reduce((s, v) => s + v, 0) / xs.length, maxMiB: Math.max(...xs) }));
}
