/**
 * A track's timestamps against its own content clock, frame by frame: what the av_sync
 * timestamp checks read (src/detectors/timestamps.ts). The segment workers run one tracker
 * per track over the frames they analyse; a live input can feed the same tracker.
 *
 * Content clock: for audio, the samples delivered / the sample rate; for video, frames x the
 * nominal frame duration where the rate is constant (`constantFrameDuration`). Variable-rate
 * video has no clock but its timestamps: its deviation stays 0.
 *
 * Per frame, the deviation d = t - content clock (the clock starting at the first frame's
 * time), and the step error e = t - (previous frame's t + its content duration), so d is the
 * sum of the e's. Rounding to a time base does not add up in d (the sum telescopes to the
 * last frame's rounding); a timestamp clock running at another rate than the content does,
 * and so does every jump. A step with |e| over half a frame (at least MIN_JUMP: Matroska and
 * FLV round to the millisecond) is recorded as [expected, actual]: a dropped or repeated
 * frame, a hole, a splice, or a frame out of place that the next ones put right; the
 * detector tells these apart from d before and after. Variable-rate video records steps over
 * HOLE and steps back.
 *
 * d is kept on a grid of GRID_RATE points a second: point j (time j / GRID_RATE) takes d of
 * the last frame starting at or before it, if that frame (plus half a frame of slack)
 * reaches it; NaN otherwise (a hole). Per part that is a few numbers and 8 bytes a point,
 * whatever the frame size.
 *
 * Split passes equal one pass: `joinTimelines` carries d across each boundary with the step
 * there (and records that step by the same rule), and a later part's grid points replace an
 * earlier part's (the frame after a boundary is the last one starting before them).
 */

/** Grid points a second for the deviation. */
export const GRID_RATE = 10;
/** A step longer than this (seconds) with no frame is a hole in the track (audio_missing, video_missing). */
export const HOLE = 0.25;
/** Smallest step error recorded, seconds: timestamps rounded to milliseconds jitter by up to 1 ms. */
export const MIN_JUMP = 0.002;

/** What a worker's tracker hands back for one track of one segment. */
export interface TimelinePart {
  /** Frames seen; nothing else is meaningful when 0. */
  frames: number;
  /** Time of the first frame (seconds from the input's first frame). */
  first: number;
  /** Where the content clock expects the frame after the last one (its time + content duration). */
  lastEnd: number;
  /** The last frame's whole duration (for the threshold of the step after it). */
  lastFrame: number;
  /** Deviation of the last frame, relative to the first frame's. */
  lastDev: number;
  /** Steps over the threshold: [expected, actual, expected, actual, ...] seconds. */
  steps: Float64Array;
  /** First grid point of `dev`. */
  j0: number;
  /** Deviation at grid points j0, j0 + 1, ... relative to the first frame's; NaN where no frame covers. */
  dev: Float64Array;
}

/** A whole track, joined: its steps, and its deviation from its first frame on. */
export interface TrackTimeline {
  /** The track has a content clock (audio; constant-rate video). */
  clock: boolean;
  frames: number;
  /** The first frame's time, and where the content clock puts the end of the last one (decoding order). */
  first: number;
  end: number;
  steps: Float64Array;
  j0: number;
  dev: Float64Array;
}

/** True when a step error `e` after a frame of `frameDur` seconds is recorded. */
export function isStep(e: number, frameDur: number, clock: boolean): boolean {
  if (!clock) return e > HOLE || e < 0;
  return Math.abs(e) > Math.max(frameDur / 2, MIN_JUMP);
}

/** The first grid point at or after t (floating-point safe: j / GRID_RATE >= t). */
function gridAtOrAfter(t: number): number {
  let j = Math.max(0, Math.floor(t * GRID_RATE));
  while (j / GRID_RATE < t) j++;
  return j;
}

/** A live reader of a tracker: grid points and steps as they are decided, in decoding order, nothing kept. */
export interface TimelineSink {
  /** Grid point j takes deviation d (again, with another d, after timestamps stepped back over it). */
  point(j: number, d: number): void;
  /** A step off the content clock: the frame expected at `expected` came at `actual`. */
  step(expected: number, actual: number): void;
}

export class TimelineTracker {
  private frames = 0;
  private first = NaN;
  private t = NaN;
  private end = NaN;
  private frameDur = 0;
  private cover = NaN;
  private d = 0;
  private readonly steps: number[] = [];
  private j0 = -1;
  private readonly dev: number[] = [];

  /**
   * `clock`: the track has a content clock (audio; constant-rate video). `sink`: a live
   * reader, handed each grid point (when the next frame comes) and step instead of keeping them.
   */
  constructor(private readonly clock: boolean, private readonly sink?: TimelineSink) {}

  /** True once a frame with a timestamp came. */
  get started(): boolean { return this.frames > 0; }

  /**
   * One frame (or the part of an audio frame inside the segment), in decoding order.
   * `t`: its time, seconds (NaN: no timestamp, taken as on time); `dur`: its content
   * duration (0 for variable-rate video); `frameDur`: the whole frame's duration.
   */
  frame(t: number, dur: number, frameDur = dur): void {
    if (this.frames === 0) {
      if (!Number.isFinite(t)) return;
      this.first = t;
    } else {
      if (!Number.isFinite(t)) t = this.end;
      this.fill(t);
      const e = t - this.end;
      if (isStep(e, this.frameDur, this.clock)) {
        if (this.sink) this.sink.step(this.end, t);
        else this.steps.push(this.end, t);
      }
      if (this.clock) this.d += e;
    }
    this.frames++;
    this.t = t;
    this.end = t + dur;
    this.frameDur = frameDur;
    this.cover = this.clock ? this.end + Math.max(frameDur / 2, MIN_JUMP) : t + HOLE;
  }

  /** Grid points from the current frame's start up to `until` (and its cover) take its deviation. */
  private fill(until: number): void {
    const to = Math.min(until, this.cover);
    for (let j = gridAtOrAfter(this.t); j / GRID_RATE < to; j++) {
      if (this.sink) {
        this.sink.point(j, this.d);
        continue;
      }
      if (this.j0 < 0) this.j0 = j;
      const i = j - this.j0;
      if (i < 0) continue; // stepped back before the part's first point
      while (this.dev.length < i) this.dev.push(NaN);
      this.dev[i] = this.d;
    }
  }

  take(): TimelinePart {
    if (this.frames) this.fill(Infinity);
    return { frames: this.frames, first: this.first, lastEnd: this.end, lastFrame: this.frameDur, lastDev: this.d,
      steps: Float64Array.from(this.steps), j0: Math.max(0, this.j0), dev: Float64Array.from(this.dev) };
  }
}

/** Joins the parts of consecutive segments (in time order) into one track, as one pass sees it. */
export function joinTimelines(parts: TimelinePart[], clock: boolean): TrackTimeline {
  const used = parts.filter((p) => p.frames > 0);
  const withDev = used.filter((p) => p.dev.length > 0);
  const j0 = withDev.length ? Math.min(...withDev.map((p) => p.j0)) : 0;
  const j1 = withDev.length ? Math.max(...withDev.map((p) => p.j0 + p.dev.length)) : 0;
  const dev = new Float64Array(j1 - j0).fill(NaN);
  const steps: number[] = [];
  let base = 0;
  for (let k = 0; k < used.length; k++) {
    const p = used[k]!;
    if (k > 0) {
      // The step across the boundary, as a tracker sees it inside a part.
      const prev = used[k - 1]!, e = p.first - prev.lastEnd;
      if (isStep(e, prev.lastFrame, clock)) steps.push(prev.lastEnd, p.first);
      if (clock) base += prev.lastDev + e;
    }
    for (const x of p.steps) steps.push(x);
    for (let i = 0; i < p.dev.length; i++) {
      const v = p.dev[i]!;
      if (!Number.isNaN(v)) dev[p.j0 + i - j0] = v + base;
    }
  }
  return { clock, frames: used.reduce((a, p) => a + p.frames, 0), first: used[0]?.first ?? NaN,
    end: used[used.length - 1]?.lastEnd ?? NaN, steps: Float64Array.from(steps), j0, dev };
}
