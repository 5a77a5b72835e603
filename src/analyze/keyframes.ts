/**
 * The keyframe nearest each time (the one a seek lands on, at or before it, or the next
 * one): segment workers that start on a keyframe decode no frame they do not analyse (a
 * GOP of pre-roll otherwise, 3% of the frames of a 30 s 1080p clip on two workers), and
 * the nearest one keeps the segments' lengths even.
 */
import type { BcDemuxer, BcPacket } from '../decode/beamcoder.js';
import { streamSeconds } from '../decode/frames.js';
import { openInput } from '../decode/open.js';
import type { Probe } from './probe.js';
import type { SegmentPlan } from './segments.js';

/** A cut on a keyframe: its time, and the seek (seconds from the first frame) that lands on it. */
export interface KeyframeCut { at: number; seekTo: number }

/**
 * The first `count` keyframes a seek to `target` reaches: MP4 lands on the keyframe at or
 * before the target; MPEG-TS lands on whatever packet is near it, and its decoder shows
 * nothing before the next keyframe, which is then where the segment starts.
 */
async function landing(dm: BcDemuxer, videoStream: number, tb: [number, number], origin: number, target: number, count: number) {
  await dm.seek({ time: target + origin });
  const keys: number[] = [];
  for (let i = 0; i < 2000 && keys.length < count; i++) {
    const p: BcPacket | null = await dm.read();
    if (!p) break;
    if (p.stream_index !== videoStream) continue;
    if (p.flags?.KEY && p.pts !== null) keys.push(streamSeconds(p.pts, tb) - origin);
  }
  return keys;
}

/** For each time, the nearest keyframe a worker's seek can land on, or null. */
export async function keyframesAt(url: string, origin: number, videoStream: number, times: number[]): Promise<Array<KeyframeCut | null>> {
  if (!times.length) return [];
  const dm = await openInput(url);
  try {
    const tb = dm.streams[videoStream]!.time_base;
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
