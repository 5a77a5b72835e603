/**
 * av_sync (timestamps) on a live input: the file checks of src/detectors/timestamps.ts
 * (drift, gap, discontinuity) read as the frames come. One TimelineTracker per track
 * (src/metrics/timeline.ts) hands its grid points and steps over as it decides them.
 *
 * Jumps. Steps less than 0.1 s apart are one cluster; a cluster is judged once the track's
 * frames after it reach 1 s past it (LEVEL), by the file rule: the median deviation over the
 * second before against the second after, which must move by half the smallest step, 2 ms
 * and 5 x the jitter. A judged jump waits for the other track's jump over the same stretch
 * to be judged too, at most until the other track has come LEVEL + 0.5 s past it (or 3 s of
 * its own track went by); then both tracks' jumps are paired as for files:
 * both tracks the same way, kind 'gap' (forward, spanning the stretch skipped) or
 * 'discontinuity' (back, at the jump) with track 'both'; one track alone beyond `tolerance`
 * (a forward one up to HOLE: longer is audio_missing / video_missing), with that track.
 * A jump is instantaneous: phase start and end are sent together. A step in a session's
 * first 0.3 s is not judged (joining mid-stream).
 *
 * Drift. The deviations with the judged jumps taken out (the frames after a jump carry its
 * shift; points inside a cluster are left out), a median over 5 grid points (0.5 s), each
 * track from its first frame in the session: offset = d_audio - d_video (positive: audio
 * late). Phase start when |offset| > `tolerance` (start interpolated where it crossed),
 * phase end when it has been back within for 1 s (`end` where it came back), or the session
 * ends; offsetMs the largest offset, ratePpm its slope so far, track as for files.
 * A grid point is read once both tracks are 0.2 s past it and the clusters before it are
 * judged, so drift comes 0.2 s (1 s next to a step) after the media.
 *
 * A new session (reconnection) or media dropped by back-pressure restarts both tracks: a
 * drop is not a jump. `pts` in the detail is the media time on live inputs (not the
 * stream's own timestamps, which a reconnection renumbers).
 *
 * Options: those of the file checks (`tolerance`, `timestamps`).
 * Output: as for files, plus `phase`.
 */
import { avSyncDefaults, type AvSyncOptions } from '../detectors/avsync.js';
import { CLUSTER, EDGE, jumpEvents, LEVEL, median, MERGE, NOISE, RUN_SLACK, SMOOTH, spread, type Jump } from '../detectors/timestamps.js';
import { event, round } from '../detectors/types.js';
import { GRID_RATE, MIN_JUMP, TimelineTracker } from '../metrics/timeline.js';
import type { Emit } from './run-tracker.js';
import type { AudioWindows, LiveTracker, TrackKind, VideoRows } from './trackers.js';

/** Seconds of grid points kept per track (enough for LEVEL either side of a cluster). */
const KEEP = 4;
/** A judged jump waits at most this long (its own track's media) for the other track. */
const PAIR_WAIT = 3;

interface Point { j: number; d: number; seq: number; settled: boolean }
interface Cluster { steps: number[]; lo: number; hi: number; seqFirst: number; seqLast: number }

class TrackLine {
  readonly tl: TimelineTracker;
  first = NaN;
  /** Grid points read so far. */
  count = 0;
  points: Point[] = [];
  clusters: Cluster[] = [];
  /** Judged jumps waiting to be paired, with the other track's and this track's point counts when judged. */
  jumps: Array<Jump & { other: number; own: number }> = [];
  partner: TrackLine | null = null;
  /** Shifts of the jumps judged so far, and from which seq they apply. */
  corr: Array<{ seq: number; shift: number; lo: number; hi: number }> = [];
  /** Corrected deviation per grid point, for the drift (latest wins). */
  steady = new Map<number, number>();
  steadyMax = -Infinity;
  private seq = 0;

  constructor(readonly track: TrackKind, readonly clock: boolean, owner: TimestampTracker) {
    this.tl = new TimelineTracker(clock, {
      point: (j, d) => {
        this.points.push({ j, d, seq: this.seq++, settled: false });
        this.count++;
        owner.changed(this);
      },
      step: (a, b) => {
        const c = this.clusters.at(-1), s = this.seq++;
        if (c && c.seqLast >= this.lastJudgedSeq && Math.min(a, b) <= c.hi + CLUSTER && Math.max(a, b) >= c.lo - CLUSTER && this.open(c)) {
          c.steps.push(a, b); c.lo = Math.min(c.lo, a, b); c.hi = Math.max(c.hi, a, b); c.seqLast = s;
        } else this.clusters.push({ steps: [a, b], lo: Math.min(a, b), hi: Math.max(a, b), seqFirst: s, seqLast: s });
      },
    });
  }

  private lastJudgedSeq = 0;
  /** A cluster takes more steps until a grid point past it comes. */
  private open(c: Cluster): boolean {
    return !this.points.some((p) => p.seq > c.seqLast && p.j / GRID_RATE > c.hi + CLUSTER);
  }

  frame(t: number, dur: number, frameDur = dur) {
    if (Number.isNaN(this.first) && Number.isFinite(t)) this.first = t;
    this.tl.frame(t, dur, frameDur);
  }

  /** Judges the clusters whose second after has come; returns whether any was judged. */
  judge(): boolean {
    let any = false;
    while (this.clusters.length) {
      const c = this.clusters[0]!;
      const to = c.steps[c.steps.length - 1]!, at = c.steps[0]!;
      const after = this.points.filter((p) => p.seq > c.seqLast);
      if (!after.some((p) => p.j / GRID_RATE >= to + LEVEL)) break;
      this.clusters.shift();
      any = true;
      this.lastJudgedSeq = c.seqLast;
      let sum = 0, smallest = Infinity, maxStep = -Infinity;
      for (let i = 0; i < c.steps.length; i += 2) {
        const e = c.steps[i + 1]! - c.steps[i]!;
        sum += e; smallest = Math.min(smallest, Math.abs(e)); maxStep = Math.max(maxStep, e);
      }
      const vb = this.points.filter((p) => p.seq < c.seqFirst && p.j / GRID_RATE >= c.lo - LEVEL && p.j / GRID_RATE < c.lo).map((p) => p.d);
      const va = after.filter((p) => p.j / GRID_RATE >= to && p.j / GRID_RATE < to + LEVEL).map((p) => p.d);
      const before = median(vb.slice()), afterM = median(va.slice());
      const measured = this.clock && !Number.isNaN(before) && !Number.isNaN(afterM);
      const shift = measured ? afterM - before : sum;
      const noise = measured ? NOISE * Math.max(spread(vb, before), spread(va, afterM)) : 0;
      const edge = !measured && at - this.first < EDGE;
      const jump = !edge && (!measured || Math.abs(shift) >= Math.max(MIN_JUMP, smallest / 2, noise));
      if (jump) {
        this.jumps.push({ track: this.track, at, to, lo: c.lo, hi: c.hi, shift, maxStep, jump, other: this.partner?.count ?? 0, own: this.count });
        if (this.clock) this.corr.push({ seq: c.seqLast, shift, lo: c.lo, hi: c.hi });
      }
    }
    return any;
  }

  /** Moves points no unjudged cluster comes before into `steady`, with the jumps before them taken out. */
  settle(): void {
    const blocked = this.clusters[0]?.seqFirst ?? Infinity;
    let n = 0;
    for (const p of this.points) {
      if (p.seq >= blocked) break;
      n++;
      if (p.settled) continue;
      p.settled = true;
      let c = 0, inside = false;
      for (const k of this.corr) {
        if (p.seq > k.seq) c += k.shift;
        else if (p.j / GRID_RATE > k.lo + RUN_SLACK && p.j / GRID_RATE < k.hi) inside = true;
      }
      // Points a cluster's own frames wrote (between its first and last step) are left out.
      if (!inside) {
        this.steady.set(p.j, p.d - c);
        this.steadyMax = Math.max(this.steadyMax, p.j);
      }
    }
    // Keep the last KEEP seconds of points read (for judging), and every one not settled yet.
    const keep = this.seq - KEEP * GRID_RATE;
    if (this.points.length > 2 * KEEP * GRID_RATE) this.points = this.points.filter((p) => !p.settled || p.seq >= keep);
  }

  /** Drops steady points before grid point j. */
  forget(j: number): void {
    for (const k of this.steady.keys()) if (k < j) this.steady.delete(k);
  }
}

interface Span { start: number; end: number; peak: number; peakA: number; peakV: number; n: number; st: number; so: number; stt: number; sto: number; sent: boolean }

export class TimestampTracker implements LiveTracker {
  private readonly tol: number;
  private vLine: TrackLine | null = null;
  private aLine: TrackLine | null = null;
  private tracks: Record<TrackKind, boolean> = { video: false, audio: false };
  /** The next grid point the drift reads, the offset before it, and the span in progress. */
  private driftJ = -Infinity;
  private prevJ = -Infinity;
  private prevO = NaN;
  private span: Span | null = null;
  /** Where the offset came back within tolerance (the span ends there unless it goes over again within MERGE). */
  private within: number | null = null;

  constructor(options: AvSyncOptions | undefined, private readonly emit: Emit) {
    this.tol = options?.tolerance ?? avSyncDefaults.tolerance;
  }

  session(tracks: Record<TrackKind, boolean>): void {
    this.restart();
    this.tracks = tracks;
  }

  video(b: VideoRows): void {
    if (b.gap) this.restart();
    const clock = b.constantDuration > 0;
    if (!this.vLine || this.vLine.clock !== clock) this.vLine = new TrackLine('video', clock, this);
    for (let i = 0; i < b.count; i++) this.vLine.frame(b.t[i]!, b.constantDuration, b.frameDuration);
  }

  audio(a: AudioWindows): void {
    if (a.dropped) this.restart();
    this.aLine ??= new TrackLine('audio', true, this);
    for (let i = 0; i < a.frames.length; i += 2) this.aLine.frame(a.frames[i]!, a.frames[i + 1]! / a.sampleRate);
  }

  close(): void {
    this.restart();
  }

  /** A track read new grid points: judge, pair, read the drift. */
  changed(line: TrackLine): void {
    line.judge();
    line.settle();
    this.pair();
    this.drift();
  }

  private restart() {
    this.endSpan(true);
    this.vLine = this.aLine = null; // (jumps not yet paired go with them)
    this.driftJ = this.prevJ = -Infinity;
    this.prevO = NaN;
  }

  private pair() {
    const v = this.vLine, a = this.aLine;
    if (v && a) { v.partner = a; a.partner = v; }
    const ripe = (l: TrackLine | null) => {
      if (!l) return [];
      const o = l === v ? a : v, hasOther = l === v ? this.tracks.audio : this.tracks.video;
      // The other track's partner jump is judged LEVEL after its frames pass the jump: pair as
      // soon as it is; else wait for LEVEL + 0.5 s of its media after this one was judged (its
      // frames may lag), or PAIR_WAIT of this track's when it stopped.
      const partnered = (j: Jump) => o !== null && o.jumps.some((k) => Math.sign(k.shift) === Math.sign(j.shift)
        && k.lo <= j.hi + CLUSTER && k.hi >= j.lo - CLUSTER);
      const out = l.jumps.filter((j) => !hasOther || partnered(j) || l.count - j.own >= PAIR_WAIT * GRID_RATE
        || (o !== null && o.count - j.other >= (CLUSTER + LEVEL + 0.5) * GRID_RATE));
      l.jumps = l.jumps.filter((j) => !out.includes(j));
      return out;
    };
    const rv = ripe(v), ra = ripe(a);
    // A ripe jump takes the other track's judged jumps up to it along (its partner, judged
    // by now, may not have waited long enough to ripen itself): pairing needs both lists.
    const along = (l: TrackLine | null, ripeOther: Jump[], out: Jump[]) => {
      if (!l || !ripeOther.length) return;
      const upTo = Math.max(...ripeOther.map((j) => j.hi)) + CLUSTER;
      const take = l.jumps.filter((j) => j.lo <= upTo);
      l.jumps = l.jumps.filter((j) => !take.includes(j));
      out.push(...take);
    };
    along(a, rv, ra);
    along(v, ra, rv);
    if (!rv.length && !ra.length) return;
    for (const e of jumpEvents(rv.sort((x, y) => x.lo - y.lo), ra.sort((x, y) => x.lo - y.lo), this.tol, 0)) {
      const { type, detail, ...rest } = e;
      const { pts: _p, resumePts: _r, ...d } = detail as Record<string, unknown>;
      const resume = (detail as { resumePts: number }).resumePts;
      const out = { type, ...rest, detail: { ...d, pts: rest.start, resumePts: resume } };
      this.emit({ ...out, type, phase: 'start' });
      this.emit({ ...out, type, phase: 'end' });
    }
  }

  /** Smoothed steady deviation at grid point j (NaN: none). */
  private level(l: TrackLine, j: number): number {
    const w: number[] = [];
    for (let k = j - SMOOTH; k <= j + SMOOTH; k++) {
      const x = l.steady.get(k);
      if (x !== undefined) w.push(x);
    }
    return l.steady.has(j) ? median(w) : NaN;
  }

  private drift() {
    const a = this.aLine, v = this.vLine;
    if (!a || !v || !v.clock) return;
    const upTo = Math.min(a.steadyMax, v.steadyMax) - SMOOTH;
    if (!Number.isFinite(upTo)) return;
    if (this.driftJ === -Infinity) this.driftJ = Math.ceil(Math.max(a.first, v.first) * GRID_RATE);
    for (; this.driftJ <= upTo; this.driftJ++) {
      a.forget(this.driftJ - SMOOTH); v.forget(this.driftJ - SMOOTH);
      const j = this.driftJ, x = this.level(a, j), y = this.level(v, j);
      if (Number.isNaN(x) || Number.isNaN(y)) continue;
      const o = x - y, t = j / GRID_RATE, over = Math.abs(o) > this.tol;
      const s = this.span;
      if (over) {
        if (s && this.within !== null && Math.sign(o) !== Math.sign(s.peak)) this.endSpan(false);
        if (!this.span) {
          const start = this.prevJ === j - 1 && Math.abs(o) > Math.abs(this.prevO)
            ? (this.prevJ + (this.tol - Math.abs(this.prevO)) / (Math.abs(o) - Math.abs(this.prevO))) / GRID_RATE : t;
          this.span = { start, end: t, peak: o, peakA: x, peakV: y, n: 0, st: 0, so: 0, stt: 0, sto: 0, sent: false };
        }
        const sp = this.span!;
        this.within = null;
        sp.end = t;
        if (Math.abs(o) > Math.abs(sp.peak)) { sp.peak = o; sp.peakA = x; sp.peakV = y; }
        sp.n++; sp.st += t; sp.so += o; sp.stt += t * t; sp.sto += t * o;
        if (!sp.sent) {
          sp.sent = true;
          this.send(sp, 'start');
        }
      } else if (s) {
        if (this.within === null) this.within = this.prevJ === j - 1 ? (this.prevJ + (Math.abs(this.prevO) - this.tol) / (Math.abs(this.prevO) - Math.abs(o))) / GRID_RATE : t;
        if (t - this.within >= MERGE) this.endSpan(false);
      }
      this.prevJ = j; this.prevO = o;
    }
  }

  /** Phase end of the drift span in progress (`now`: the tracks ended, it ends with them). */
  private endSpan(now: boolean) {
    const s = this.span;
    if (!s) return;
    if (this.within !== null) s.end = this.within;
    else if (!now) return;
    this.span = null;
    this.within = null;
    this.send(s, 'end');
  }

  private send(s: Span, phase: 'start' | 'end') {
    const den = s.n * s.stt - s.st * s.st;
    const slope = s.n >= 2 && den > 0 ? (s.n * s.sto - s.st * s.so) / den : 0;
    const ma = Math.abs(s.peakA), mv = Math.abs(s.peakV);
    const track = ma >= 2 * mv ? 'audio' : mv >= 2 * ma ? 'video' : 'both';
    const { type, ...e } = event('av_sync', s.start, Math.max(s.start, s.end), { offsetMs: Math.round(s.peak * 1000),
      detail: { kind: 'drift', track, ratePpm: Math.round(slope * 1e6), pts: round(s.start, 6) } });
    this.emit({ type, phase, ...e });
  }
}
