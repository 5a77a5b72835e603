/**
 * The keyframe nearest each time (the one a seek lands on, at or before it, or the next
 * one): segment workers that start on a keyframe decode no frame they do not analyse (a
 * GOP of pre-roll otherwise, 3% of the frames of a 30 s 1080p clip on two workers), and
 * the nearest one keeps the segments' lengths even.
 */
import { streamSeconds } from '../decode/frames.js';
import type { MediaInput } from '../decode/input.js';
import { openInput } from '../decode/open.js';
import type { Rational } from '../decode/types.js';
import type { Probe } from './probe.js';
import { staggeredSegments, type SegmentPlan } from './segments.js';

/** A cut on a keyframe: its time, and the seek (seconds from the first frame) that lands on it. */
export interface KeyframeCut { at: number; seekTo: number }

/**
 * The first `count` keyframes a seek to `target` reaches: MP4 lands on the keyframe at or
 * before the target; MPEG-TS lands on whatever packet is near it, and its decoder shows
 * nothing before the next keyframe, which is then where the segment starts.
 */
async function landing(dm: MediaInput, videoStream: number, tb: Rational, origin: number, target: number, count: number) {
  await dm.seek(target + origin);
  const keys: number[] = [], p = dm.packet;
  for (let i = 0; i < 2000 && keys.length < count; i++) {
    if (!(await dm.read())) break;
    if (p.streamIndex !== videoStream) continue;
    if (p.key && p.pts !== null) keys.push(streamSeconds(p.pts, tb) - origin);
  }
  return keys;
}

/** For each time, the nearest keyframe a worker's seek can land on, or null. */
export async function keyframesAt(url: string, origin: number, videoStream: number, times: number[]): Promise<Array<KeyframeCut | null>> {
  if (!times.length) return [];
  let dm: MediaInput | null = null;
  try {
    dm = await openInput(url);
    const tb = dm.streams[videoStream]!.timeBase;
    const found: Array<KeyframeCut | null> = [];
    for (const t of times) {
      const [first, next] = await landing(dm, videoStream, tb, origin, t, 2);
      let cut: KeyframeCut | null = first !== undefined && first > 0 ? { at: first, seekTo: t } : null;
      // The next keyframe when nearer, if a seek just after it lands on it.
      if (cut && next !== undefined && Math.abs(next - t) < Math.abs(first! - t)) {
        const [again] = await landing(dm, videoStream, tb, origin, next + 0.001, 1);
        if (again !== undefined && Math.abs(again - next) < 1e-6) cut = { at: next, seekTo: next + 0.001 };
      }
      found.push(cut);
    }
    return found;
  } catch {
    return times.map(() => null); // no keyframe cuts: workers pre-roll instead
  } finally {
    await dm?.close();
  }
}

/** One segment's cuts: audio [start, end), video [videoStart, videoEnd), and its seek. */
export interface SegmentCut { start: number; end: number; videoStart: number; videoEnd: number; seekTo: number }

/**
 * Moves the planned boundaries onto keyframes. Video is cut at the keyframe; audio at
 * least half a second later, on the window grid (`quantum`), because audio packets just
 * after a keyframe can sit before it in the file, where a seek to the keyframe skips
 * them. A boundary without a usable keyframe stays where the plan put it, and its worker
 * pre-rolls from the keyframe before it.
 */
export async function segmentCuts(p: Probe, plan: SegmentPlan[], quantum: number): Promise<SegmentCut[]> {
  return (await cutsForPlans(p, [plan], quantum))[0]!;
}

/** segmentCuts for several plans of the same input, with one demuxer for all the seeks. */
async function cutsForPlans(p: Probe, plans: SegmentPlan[][], quantum: number): Promise<SegmentCut[][]> {
  const times = plans.flatMap((plan) => plan.slice(1).map((s) => s.start));
  const keys = p.video && p.seekable && times.length ? await keyframesAt(p.url, p.origin, p.video.index, times) : [];
  let k = 0;
  return plans.map((plan) => {
    const found = plan.length > 1 && keys.length ? keys.slice(k, k + plan.length - 1) : [];
    k += plan.length - 1;
    return cutsFromKeys(plan, found, quantum);
  });
}

function cutsFromKeys(plan: SegmentPlan[], keys: Array<KeyframeCut | null>, quantum: number): SegmentCut[] {
  const n = plan.length;
  const video = [0], audio = [0], seek = [0];
  for (let i = 1; i < n; i++) {
    const k = keys[i - 1], nominal = plan[i]!.start, next = i + 1 < n ? plan[i + 1]!.start : Infinity;
    const a = k == null ? nominal : Math.round(Math.ceil((k.at + 0.5) / quantum) * quantum * 1e9) / 1e9;
    if (k != null && k.at > video[i - 1]! && a > audio[i - 1]! && a < next) {
      video.push(k.at); audio.push(a); seek.push(k.seekTo);
    } else {
      video.push(nominal); audio.push(nominal); seek.push(nominal);
    }
  }
  return plan.map((_, i) => ({
    start: audio[i]!, end: i + 1 < n ? audio[i + 1]! : Infinity,
    videoStart: video[i]!, videoEnd: i + 1 < n ? video[i + 1]! : Infinity, seekTo: seek[i]!,
  }));
}

/**
 * When the last worker finishes, in media seconds of video decoded: segments go in order to
 * the first worker free (as the pool hands them out), each costing its length plus
 * `overhead` (an open, a seek, a decoder starting).
 */
export function makespan(cuts: SegmentCut[], workers: number, duration: number, overhead = 0.15): number {
  const free = new Array<number>(Math.max(1, workers)).fill(0);
  for (const c of cuts) {
    const w = free.indexOf(Math.min(...free));
    free[w]! += Math.min(c.videoEnd, duration) - c.videoStart + overhead;
  }
  return Math.max(...free);
}

/**
 * Keyframe cuts for `plan`, or for its staggered variant (segments.ts) when that finishes
 * sooner: with one segment a worker, the keyframe nearest a boundary can be a GOP away
 * (2 s of a 30 s file), and one worker then decodes alone at the end, with a core idle.
 */
export async function balancedCuts(p: Probe, plan: SegmentPlan[], workers: number, quantum: number): Promise<SegmentCut[]> {
  const duration = p.duration !== null ? p.duration - p.origin : Infinity;
  const staggered = p.video ? staggeredSegments(plan, workers, duration, quantum) : null;
  if (!staggered) return segmentCuts(p, plan, quantum);
  const [even, stag] = await cutsForPlans(p, [plan, staggered], quantum) as [SegmentCut[], SegmentCut[]];
  return makespan(stag, workers, duration) < makespan(even, workers, duration) ? stag : even;
}
