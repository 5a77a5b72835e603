/** Joins segment results, in order, into one video and one audio series. */
import type { AudioSeries, VideoSeries } from '../detectors/types.js';
import type { TileTexture } from '../metrics/tile-texture.js';
import { joinTimelines, type TimelinePart, type TrackTimeline } from '../metrics/timeline.js';
import type { SegmentResult } from '../pool/segment-worker.js';

function concat<T extends Float64Array | Uint8Array | Uint16Array>(parts: T[], make: (n: number) => T): T {
  const out = make(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/**
 * A segment's first frame was analysed without the frames before it; the segment before
 * analysed it too, as the continuation of its own chain (its `boundary`), which is what
 * one pass computes: that row replaces the first one. Later frames of the segment keep
 * the freeze reference of their own chain, which starts at its first frame; a one-pass
 * reference that frame matched differs from it by at most the freeze noise, so only a
 * frame within the noise of the threshold can come out differently.
 */
function joinBoundaries(parts: SegmentResult[]): void {
  for (let k = 1; k < parts.length; k++) {
    const b = parts[k - 1]!.video.boundary, v = parts[k]!.video;
    if (!b || !v.t.length || Math.abs(v.t[0]! - b.t) >= 1e-6 || b.row.length !== v.columns) continue;
    v.rows.set(b.row, 0);
    if (v.texture?.cut.length) v.texture.cut[0] = b.cut;
  }
}

export function stitchVideo(parts: SegmentResult[]): VideoSeries {
  joinBoundaries(parts);
  return {
    t: concat(parts.map((p) => p.video.t), (n) => new Float64Array(n)),
    rows: concat(parts.map((p) => p.video.rows), (n) => new Float64Array(n)),
    columns: parts[0]?.video.columns ?? 0,
    corrupt: concat(parts.map((p) => p.video.corrupt), (n) => new Uint8Array(n)),
    key: concat(parts.map((p) => p.video.key), (n) => new Uint8Array(n)),
    errorTimes: concat(parts.map((p) => p.video.errorTimes), (n) => new Float64Array(n)),
    texture: stitchTexture(parts),
    frameDuration: parts[0]?.video.frameDuration ?? 0,
  };
}

function stitchTexture(parts: SegmentResult[]): TileTexture | null {
  const all = parts.map((p) => p.video.texture);
  if (!all.length || all.some((x) => !x)) return null;
  const ts = all as TileTexture[];
  return {
    tiles: ts[0]!.tiles,
    edge: concat(ts.map((x) => x.edge), (n) => new Uint16Array(n)),
    block8: concat(ts.map((x) => x.block8), (n) => new Uint16Array(n)),
    cut: concat(ts.map((x) => x.cut), (n) => new Uint8Array(n)),
  };
}

/**
 * Audio windows restart at each segment's start; segments are cut on window multiples
 * where possible, and a short last window of a segment is kept as it is (its RMS and peak
 * are still right; only its length differs).
 */
export function stitchAudio(parts: SegmentResult[]): AudioSeries {
  const first = parts.find((p) => p.audio.count > 0)?.audio;
  if (!first) return { t0: 0, window: 0.05, channels: 0, count: 0, stats: new Float64Array(0) };
  return {
    t0: first.t0,
    window: first.window,
    channels: first.channels,
    count: parts.reduce((a, p) => a + p.audio.count, 0),
    stats: concat(parts.map((p) => p.audio.stats), (n) => new Float64Array(n)),
  };
}

export function stitchTones(parts: SegmentResult[]): Float64Array {
  return concat(parts.map((p) => p.audio.toneOnsets), (n) => new Float64Array(n));
}

export function stitchGaps(parts: SegmentResult[], track: 'video' | 'audio'): Float64Array {
  return concat(parts.map((p) => p.gaps[track]), (n) => new Float64Array(n));
}

/** One track's timestamps against its content clock, joined across segments (src/metrics/timeline.ts). */
export function stitchTimeline(parts: SegmentResult[], track: 'video' | 'audio'): TrackTimeline {
  const clock = track === 'audio' || (parts[0]?.timeline.videoClock ?? false);
  return joinTimelines(parts.map((p) => p.timeline[track]).filter((t): t is TimelinePart => t !== null), clock);
}
