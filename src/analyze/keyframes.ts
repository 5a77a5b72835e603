/**
 * The keyframe nearest each time (the one a seek lands on, at or before it, or the next
 * one): segment workers that start on a keyframe decode no frame they do not analyse (a
 * GOP of pre-roll otherwise, 3% of the frames of a 30 s 1080p clip on two workers), and
 * the nearest one keeps the segments' lengths even.
 */
import type { BcPacket } from '../decode/beamcoder.js';
import { streamSeconds } from '../decode/frames.js';
import { openInput } from '../decode/open.js';
import type { Probe } from './probe.js';
import type { SegmentPlan } from './segments.js';

/** Seconds from the first frame, or null where the seek did not land on a keyframe. */
export async function keyframesAt(url: string, origin: number, videoStream: number, times: number[]): Promise<Array<number | null>> {
  if (!times.length) return [];
  const dm = await openInput(url);
  try {
    const tb = dm.streams[videoStream]!.time_base;
    const found: Array<number | null> = [];
    for (const t of times) {
      await dm.seek({ time: t + origin });
      // The first video packet after the seek, then the next keyframe (bounded reads).
      const keys: number[] = [];
      for (let i = 0; i < 2000 && keys.length < 2; i++) {
        const p: BcPacket | null = await dm.read();
        if (!p) break;
        if (p.stream_index !== videoStream) continue;
        if (!keys.length && !(p.flags?.KEY && p.pts !== null)) break; // the seek did not land on a keyframe
        if (p.flags?.KEY && p.pts !== null) keys.push(streamSeconds(p.pts, tb) - origin);
      }
      const [before, after] = keys;
      const at = before === undefined || before > t + 1e-9 ? null
        : after !== undefined && after - t < t - before ? after : before;
      found.push(at !== null && at > 0 ? at : null);
    }
    return found;
  } catch {
    return times.map(() => null); // no keyframe cuts: workers pre-roll instead
  } finally {
    dm.forceClose();
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
  const n = plan.length;
  const keys = p.video && p.seekable && n > 1
    ? await keyframesAt(p.url, p.origin, p.video.index, plan.slice(1).map((s) => s.start)) : [];
  const video = [0], audio = [0], seek = [0];
  for (let i = 1; i < n; i++) {
    const k = keys[i - 1], nominal = plan[i]!.start, next = i + 1 < n ? plan[i + 1]!.start : Infinity;
    const a = k == null ? nominal : Math.round(Math.ceil((k + 0.5) / quantum) * quantum * 1e9) / 1e9;
    if (k != null && k > video[i - 1]! && a > audio[i - 1]! && a < next) {
      video.push(k); audio.push(a); seek.push(k + 0.001);
    } else {
      video.push(nominal); audio.push(nominal); seek.push(nominal);
    }
  }
  return plan.map((_, i) => ({
    start: audio[i]!, end: i + 1 < n ? audio[i + 1]! : Infinity,
    videoStart: video[i]!, videoEnd: i + 1 < n ? video[i + 1]! : Infinity, seekTo: seek[i]!,
  }));
}
