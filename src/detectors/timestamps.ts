/**
 * av_sync (timestamps) — the audio and video timelines against their content clocks:
 * timestamps that drift apart, jump forward, or step back.
 *
 * The workers record per track (src/metrics/timeline.ts) the deviation d = timestamp -
 * content clock (audio: samples delivered / sample rate; constant-rate video: frames x the
 * nominal frame duration; variable-rate video has no clock, d = 0) every 0.1 s, and every
 * step of a frame off its expected time by more than half a frame.
 *
 * Jumps. Steps less than 0.1 s apart are one cluster. A cluster is a jump when the median
 * of d over the second after it has moved from the median over the second before it by at
 * least half its smallest step, 2 ms, and 5 x the jitter there (median absolute deviation of
 * d on either side): the timestamps stay on the new line. Otherwise it is jitter (a frame out of place that the
 * next ones put right): no event. On variable-rate video every step is a jump. A step in a
 * track's first or last 0.3 s, with nothing to compare on one side, is none (a stream-copy
 * cut that left out the last B-frames).
 * Timestamps alone cannot tell content that was lost from content that runs on under
 * timestamps that jumped; the other track is the witness:
 *  - both tracks jump the same way over mostly the same span (overlap >= half the longer
 *    one): the input's timeline jumps (a splice, an encoder restart, or a stretch of the whole
 *    input lost). Forward: kind 'gap', spanning the stretch skipped; the tracks are not also
 *    reported missing there (`timelineGaps`). Back: kind 'discontinuity', at the jump.
 *  - one track jumps forward while the other runs on: a hole in that track. From HOLE (0.25 s,
 *    no frame at all) that is audio_missing / video_missing's to report; a shorter jump over
 *    `tolerance` is kind 'gap' with `track` (frames lost, or that track's timestamps now
 *    `jumpSec` late: timestamps cannot say which).
 *  - one track steps back over `tolerance`: kind 'discontinuity' with `track` (its timestamps
 *    repeat a stretch).
 * Jumps of one track less than 1 s apart make one event (`count`). Jumps within `tolerance`
 * (a dropped frame, a lost audio packet) are no event.
 *
 * Drift. With the jumps taken out, a median over 0.5 s, and each track's d at its start as 0
 * (its first frame's, unless that frame sits off the line of the ones after it), the A/V
 * offset the timestamps imply is offset = d_audio - d_video: positive when audio is
 * presented later against its own content than video against its own (audio late, as in
 * the test-signal measurement).
 * Kind 'drift' while |offset| > `tolerance`: from where it crosses (interpolated between grid
 * points) until it is back within (or the tracks end), spans less than 1 s apart merged;
 * `offsetMs` is the largest offset in the span, `ratePpm` its slope over the span (µs per
 * second), `track` whose timestamps left their content clock ('both' when neither moved
 * twice as far as the other). Offsets are from each track's start: a start offset is
 * no event (the timestamps place each track; one that starts late is audio_missing /
 * video_missing), and drift needs both tracks.
 *
 * Options (in `av_sync`):
 *   tolerance   |offset| above which drift is reported, and the smallest jump reported,
 *               seconds [0.045] (shared with the test-signal measurement)
 *   timestamps  run these checks [true]
 * Output: { type: 'av_sync', start, end, duration, offsetMs? (drift), detail: { kind:
 * 'drift' | 'gap' | 'discontinuity', track: 'audio' | 'video' | 'both', pts (the input's own
 * timestamp at `start`, seconds); drift: ratePpm; gap, discontinuity: jumpSec (forward
 * positive), resumePts (where the timestamps go on), count, and with track 'both'
 * audioJumpSec, videoJumpSec } }. Times in seconds from the first frame; a gap spans the
 * stretch skipped, a discontinuity is an instant.
 *
 * Everything here reads the joined timelines, which are the ones a single pass records, so
 * split analyses give the same events. (Segments are cut by time: a file whose timestamps
 * step back into an earlier stretch is only read as a whole when its duration, as the
 * demuxer estimates it, is too short to split.)
 */
import { GRID_RATE, HOLE, MIN_JUMP, type TrackTimeline } from '../metrics/timeline.js';
import { avSyncDefaults, type AvSyncOptions } from './avsync.js';
import { event, round, type VqEvent } from './types.js';

/** Steps this close are one cluster (a frame out of place and the ones that put it right), seconds. */
export const CLUSTER = 0.1;
/** d is read this far either side of a cluster, seconds. */
export const LEVEL = 1;
/**
 * A jump must move d by this many times the jitter around it (median absolute deviation):
 * at 3, chance differences between the medians of ±10 ms jitter passed a few times in 5
 * minutes (and each one offsets the drift); at 5, none in 5 minutes.
 */
export const NOISE = 5;
/** A step this close to a track's first or last frame, with no d on one side, is not judged, seconds. */
export const EDGE = 0.3;
/** Events of one kind and track this close merge, seconds. */
export const MERGE = 1;
/** The offset is smoothed by a median over 2 * SMOOTH + 1 grid points. */
export const SMOOTH = 2;
/** A run's last frame reaches this far past where the next jump leaves it (half a frame, and rounding), seconds. */
export const RUN_SLACK = 0.1;

type Track = 'audio' | 'video';

export interface Jump {
  track: Track;
  /** Where the content clock expected the first step's frame, and where the last one's was. */
  at: number;
  to: number;
  lo: number;
  hi: number;
  /** How far d moved across the cluster (the jump), seconds. */
  shift: number;
  /** Largest single step forward. */
  maxStep: number;
  jump: boolean;
}

/** Median (sorts `v`). */
export function median(v: number[]): number {
  if (!v.length) return NaN;
  v.sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

/** The deviation at grid times in [from, to). */
function values(t: TrackTimeline, from: number, to: number): number[] {
  const v: number[] = [];
  for (let j = Math.max(t.j0, Math.ceil(from * GRID_RATE - 1e-9)); j < t.j0 + t.dev.length && j / GRID_RATE < to; j++) {
    const d = t.dev[j - t.j0]!;
    if (!Number.isNaN(d)) v.push(d);
  }
  return v;
}

/** Median absolute deviation from the median. */
export function spread(v: number[], m: number): number {
  return median(v.map((x) => Math.abs(x - m)));
}

/** The track's steps, in clusters, each judged jump or jitter. */
function jumpsOf(t: TrackTimeline | null, track: Track): Jump[] {
  if (!t) return [];
  const s = t.steps, out: Jump[] = [];
  for (let i = 0; i < s.length;) {
    const at = s[i]!;
    let to = s[i + 1]!, lo = Math.min(at, to), hi = Math.max(at, to), sum = to - at, smallest = Math.abs(sum), maxStep = sum;
    for (i += 2; i < s.length; i += 2) {
      const a = s[i]!, b = s[i + 1]!;
      if (Math.min(a, b) > hi + CLUSTER || Math.max(a, b) < lo - CLUSTER) break;
      to = b; lo = Math.min(lo, a, b); hi = Math.max(hi, a, b);
      sum += b - a; smallest = Math.min(smallest, Math.abs(b - a)); maxStep = Math.max(maxStep, b - a);
    }
    // d on each side (medians over LEVEL); the step must stand out of the jitter there.
    const vb = values(t, lo - LEVEL, lo), va = values(t, to, to + LEVEL);
    const before = median(vb.slice()), after = median(va.slice());
    const measured = t.clock && !Number.isNaN(before) && !Number.isNaN(after);
    const shift = measured ? after - before : sum;
    const noise = measured ? NOISE * Math.max(spread(vb, before), spread(va, after)) : 0;
    // A step at a track's very start or end has nothing to compare on one side (a cut that
    // left out the last B-frames): not judged, no jump. Elsewhere, unmeasured steps
    // (variable-rate video, timestamps that stepped back out of the grid) are jumps.
    const edge = !measured && (at - t.first < EDGE || (t.end - to >= 0 && t.end - to < EDGE));
    const jump = !edge && (!measured || Math.abs(shift) >= Math.max(MIN_JUMP, smallest / 2, noise));
    out.push({ track, at, to, lo, hi, shift, maxStep, jump });
  }
  return out;
}

/** Both tracks' jumps over mostly the same span, the same way: one jump of the input's timeline. */
function pair(v: Jump, a: Jump): number {
  if (Math.sign(v.shift) !== Math.sign(a.shift)) return -1;
  const overlap = Math.min(v.hi, a.hi) - Math.max(v.lo, a.lo);
  return overlap >= 0.5 * Math.max(v.hi - v.lo, a.hi - a.lo) ? overlap : -1;
}

export function jumpEvents(video: Jump[], audio: Jump[], tol: number, origin: number): VqEvent[] {
  const pts = (t: number) => round(t + origin, 6);
  const used = new Set<Jump>(), out: VqEvent[] = [], single: VqEvent[] = [];
  for (const v of video) {
    let best: Jump | null = null, bestOverlap = -1;
    for (const a of audio) {
      if (used.has(a)) continue;
      if (a.lo > v.hi + CLUSTER) break;
      const o = pair(v, a);
      if (o > bestOverlap) { best = a; bestOverlap = o; }
    }
    if (!best) continue;
    used.add(best); used.add(v);
    const jump = Math.abs(v.shift) >= Math.abs(best.shift) ? v.shift : best.shift;
    if (Math.abs(jump) <= tol) continue;
    const forward = jump > 0, start = Math.min(v.at, best.at), resume = Math.min(v.to, best.to);
    out.push(event('av_sync', start, forward ? Math.max(v.to, best.to) : start, { detail: {
      kind: forward ? 'gap' : 'discontinuity', track: 'both', jumpSec: round(jump), audioJumpSec: round(best.shift),
      videoJumpSec: round(v.shift), pts: pts(start), resumePts: pts(resume), count: 1 } }));
  }
  for (const j of [...video, ...audio]) {
    if (used.has(j)) continue;
    const forward = j.shift > tol && j.maxStep <= HOLE, back = j.shift < -tol;
    if (!forward && !back) continue;
    single.push(event('av_sync', j.at, forward ? j.to : j.at, { detail: {
      kind: forward ? 'gap' : 'discontinuity', track: j.track, jumpSec: round(j.shift), pts: pts(j.at), resumePts: pts(j.to), count: 1 } }));
  }
  return [...out, ...mergeSingles(single)];
}

/** One track's jump events less than MERGE apart: one event, the largest jump, a count. */
function mergeSingles(events: VqEvent[]): VqEvent[] {
  type D = { kind: string; track: string; jumpSec: number; count: number };
  events.sort((a, b) => a.start - b.start);
  const out: VqEvent[] = [], last = new Map<string, VqEvent>();
  for (const e of events) {
    const d = e.detail as D, key = `${d.kind}/${d.track}`, prev = last.get(key);
    if (prev && e.start - prev.end <= MERGE) {
      const pd = prev.detail as D;
      Object.assign(prev, event('av_sync', prev.start, Math.max(prev.end, e.end), { detail: { ...pd, count: pd.count + 1,
        jumpSec: Math.abs(d.jumpSec) > Math.abs(pd.jumpSec) ? d.jumpSec : pd.jumpSec } }));
    } else {
      out.push(e);
      last.set(key, e);
    }
  }
  return out;
}

/**
 * The deviation with the jumps taken out, smoothed. The frames between two jumps (a run,
 * in decoding order) share one correction, the jumps before them; a run's grid points are
 * those from where it starts to where the next jump leaves it, later runs over earlier ones
 * (as the workers fill the grid), and points inside a jump are left out. Variable-rate
 * video: as it is (0).
 */
function steady(t: TrackTimeline, jumps: Jump[]): Float64Array {
  if (!t.clock) return t.dev.slice(); // 0 where there are frames
  const js = jumps.filter((j) => j.jump); // decoding order
  const corr = new Float64Array(t.dev.length).fill(NaN);
  const run = (from: number, to: number, c: number) => {
    for (let i = Math.max(0, Math.ceil(from * GRID_RATE - 1e-9) - t.j0); i < corr.length && (t.j0 + i) / GRID_RATE <= to; i++) corr[i] = c;
  };
  let c = 0, from = t.first;
  for (const j of js) {
    run(from, j.at + RUN_SLACK, c);
    c += j.shift;
    from = j.to;
  }
  run(from, t.end + RUN_SLACK, c);
  const d = t.dev.map((x, i) => x - corr[i]!);
  const ref = startLevel(t, d);
  const out = new Float64Array(d.length).fill(NaN), w: number[] = [];
  for (let i = 0; i < d.length; i++) {
    if (Number.isNaN(d[i]!)) continue;
    w.length = 0;
    for (let k = Math.max(0, i - SMOOTH); k <= Math.min(d.length - 1, i + SMOOTH); k++) if (!Number.isNaN(d[k]!)) w.push(d[k]!);
    out[i] = median(w) - ref;
  }
  return out;
}

/**
 * d at the track's start. d counts from the first frame, so that is 0, unless the first
 * frame sits off the line of the frames after it (a leftover frame): then where that line
 * (through the first three grid points, which must agree with it) meets the first frame.
 * Not a median of the first points: on a drift from the start that would delay the crossing.
 */
function startLevel(t: TrackTimeline, d: Float64Array): number {
  const idx: number[] = [];
  for (let i = 0; i < d.length && idx.length < 3; i++) if (!Number.isNaN(d[i]!)) idx.push(i);
  if (idx.length < 3) return 0;
  const [x0, x1, x2] = idx.map((i) => (t.j0 + i) / GRID_RATE) as [number, number, number];
  const [y0, y1, y2] = idx.map((i) => d[i]!) as [number, number, number];
  const slope = (y2 - y0) / (x2 - x0);
  if (Math.abs(y1 - (y0 + slope * (x1 - x0))) > MIN_JUMP / 2) return 0; // jitter: no line
  const at = y0 + slope * (t.first - x0);
  return Math.abs(at) > MIN_JUMP ? at : 0;
}

interface Span { start: number; end: number; peak: number; peakA: number; peakV: number; n: number; st: number; so: number; stt: number; sto: number }

function driftEvents(a: TrackTimeline, da: Float64Array, v: TrackTimeline, dv: Float64Array, tol: number, origin: number): VqEvent[] {
  const j0 = Math.max(a.j0, v.j0), j1 = Math.min(a.j0 + da.length, v.j0 + dv.length);
  const spans: Span[] = [];
  let cur: Span | null = null, prevJ = -2, prevO = NaN;
  for (let j = j0; j < j1; j++) {
    const x = da[j - a.j0]!, y = dv[j - v.j0]!;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    const o = x - y, t = j / GRID_RATE, over = Math.abs(o) > tol;
    if (over) {
      if (!cur) {
        // Where |offset| crossed the tolerance, between the grid point before and this one.
        const start = prevJ === j - 1 && Math.abs(o) > Math.abs(prevO)
          ? (prevJ + (tol - Math.abs(prevO)) / (Math.abs(o) - Math.abs(prevO))) / GRID_RATE : t;
        cur = { start, end: t, peak: o, peakA: x, peakV: y, n: 0, st: 0, so: 0, stt: 0, sto: 0 };
      }
      cur.end = t;
      if (Math.abs(o) > Math.abs(cur.peak)) { cur.peak = o; cur.peakA = x; cur.peakV = y; }
      cur.n++; cur.st += t; cur.so += o; cur.stt += t * t; cur.sto += t * o;
    } else if (cur) {
      if (prevJ === j - 1) cur.end = (prevJ + (Math.abs(prevO) - tol) / (Math.abs(prevO) - Math.abs(o))) / GRID_RATE;
      spans.push(cur);
      cur = null;
    }
    prevJ = j; prevO = o;
  }
  if (cur) spans.push(cur);
  const merged: Span[] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s.start - last.end < MERGE && Math.sign(s.peak) === Math.sign(last.peak)) {
      last.end = s.end;
      if (Math.abs(s.peak) > Math.abs(last.peak)) { last.peak = s.peak; last.peakA = s.peakA; last.peakV = s.peakV; }
      last.n += s.n; last.st += s.st; last.so += s.so; last.stt += s.stt; last.sto += s.sto;
    } else merged.push({ ...s });
  }
  return merged.map((s) => {
    const den = s.n * s.stt - s.st * s.st;
    const slope = s.n >= 2 && den > 0 ? (s.n * s.sto - s.st * s.so) / den : 0;
    const ma = Math.abs(s.peakA), mv = Math.abs(s.peakV);
    const track = ma >= 2 * mv ? 'audio' : mv >= 2 * ma ? 'video' : 'both';
    return event('av_sync', s.start, s.end, { offsetMs: Math.round(s.peak * 1000),
      detail: { kind: 'drift', track, ratePpm: Math.round(slope * 1e6), pts: round(s.start + origin, 6) } });
  });
}

export interface TimelineInput {
  video: TrackTimeline | null;
  audio: TrackTimeline | null;
  /** Seconds added to stream timestamps to put the first frame at 0 (`pts` = time + origin). */
  origin: number;
}

/** The timestamp av_sync events, in time order. */
export function timestampEvents(input: TimelineInput, options: AvSyncOptions = {}): VqEvent[] {
  if (options.timestamps === false) return [];
  const tol = options.tolerance ?? avSyncDefaults.tolerance;
  const video = jumpsOf(input.video?.frames ? input.video : null, 'video');
  const audio = jumpsOf(input.audio?.frames ? input.audio : null, 'audio');
  const events = jumpEvents(video.filter((j) => j.jump), audio.filter((j) => j.jump).sort((x, y) => x.lo - y.lo), tol, input.origin);
  const { video: v, audio: a } = input;
  if (v?.frames && a?.frames) events.push(...driftEvents(a, steady(a, audio), v, steady(v, video), tol, input.origin));
  return events.sort((x, y) => x.start - y.start);
}

/** Spans [start, end, ...] the input's timeline skipped (gaps of both tracks): no track is missing there. */
export function timelineGaps(events: VqEvent[]): number[] {
  return events.flatMap((e) => {
    const d = e.detail as { kind?: string; track?: string } | undefined;
    return e.type === 'av_sync' && d?.kind === 'gap' && d.track === 'both' ? [e.start, e.end] : [];
  });
}
