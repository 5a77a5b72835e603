/**
 * A piscina task: decode one time segment of a file and run every kernel over it, batch
 * by batch, in this worker. Frames never leave the thread that decoded them: the kernels
 * read the decoder's planes in place, and only metric rows (Float64Arrays, transferred, not
 * copied) go back to the main thread.
 *
 * The segment is [start, end) in seconds from the input's first frame for audio, and
 * [videoStart, videoEnd) for video. The planner puts video boundaries on keyframes, so
 * decoding starts where the segment does; the frame at videoEnd is analysed with this
 * segment's chain too (`boundary`), and the stitcher gives it that row, which is the one a
 * single pass computes. Where a boundary is not on a keyframe, decoding starts at the
 * keyframe before it and the frames before videoStart are decoded but not analysed,
 * except that the last of them seeds `prev` and the freeze reference.
 */
import { Decoder, releaseFrames } from '../decode/decoder.js';
import { audioChannels, constantFrameDuration, frameDuration as frameDurationOf, streamSeconds as seconds, videoView } from '../decode/frames.js';
import { openInputSync } from '../decode/open.js';
import type { DecodedFrame } from '../decode/types.js';
import { ProgrammeTiles, SERIES_COLUMNS, type TileRuleOptions } from '../detectors/graphics.js';
import { joinSamples } from '../metrics/samples.js';
import { isCut, TileTextureRecorder, type TileTexture } from '../metrics/tile-texture.js';
import { HOLE, TimelineTracker, type TimelinePart } from '../metrics/timeline.js';
import { VideoChain } from '../metrics/video-chain.js';
import { native, type VideoFrame, type VideoOptions } from '../native.js';

export interface SegmentTask {
  url: string;
  start: number;
  end: number; // Infinity for the last segment
  /**
   * The video part of the segment, [videoStart, videoEnd): cut at keyframes where the
   * planner found them (no pre-roll decoding), else equal to [start, end).
   */
  videoStart: number;
  videoEnd: number;
  /** Where to seek before decoding, seconds from the first frame (0: no seek). */
  seekTo: number;
  /** Seconds added to stream timestamps so the first frame of the input is at 0. */
  origin: number;
  videoStream: number; // -1: none
  audioStream: number; // -1: none
  video: VideoOptions;
  /** The freeze and black tile rule (channel graphics), applied per frame here. */
  tiles: TileRuleOptions;
  batch: number;
  audioWindow: number; // seconds
  clipLevel: number;
  decoderThreads: number;
  /** Frequency of the A/V-sync test beep to look for, Hz (0: none). */
  toneFrequency: number;
  /** The input's duration from its first frame, seconds (null: unknown). */
  duration: number | null;
  /** Keep per-tile texture for the corruption detector. */
  tileTexture: boolean;
  /** Set to 1 (by SegmentPool.run) to stop the task between two packets. */
  cancel: Int32Array;
}

export interface SegmentResult {
  start: number;
  end: number;
  video: { t: Float64Array; rows: Float64Array; columns: number; frameDuration: number;
    /** Per frame: 1 where the decoder flagged damage; 1 for intra pictures. */
    corrupt: Uint8Array; key: Uint8Array;
    /** Times (seconds) of the packets of video decode calls the decoder refused. */
    errorTimes: Float64Array;
    texture: TileTexture | null;
    /**
     * The first frame after the segment (at videoEnd) as this segment's chain sees it:
     * what one pass gives for it (its row, and its cut flag for the tile texture). The
     * next segment starts its own chain there.
     */
    boundary: { t: number; row: Float64Array; cut: number } | null };
  /** Per window: [peak, rms, clipped] for each channel. */
  audio: { t0: number; window: number; channels: number; sampleRate: number; count: number; stats: Float64Array;
    /** Onsets (seconds) of test tones at toneFrequency in the first channel. */
    toneOnsets: Float64Array };
  decoded: { video: number; audio: number; decodeErrors: number; readError: string | null };
  /** Spans [start, end, start, end, ...] (seconds) in [start, end) where a track delivered nothing. */
  gaps: { video: Float64Array; audio: Float64Array };
  /**
   * Per track, its timestamps against its content clock over the frames analysed here
   * (src/metrics/timeline.ts): jumps and a deviation every 0.1 s. `videoClock`: the video
   * has a constant rate (a content clock); null for a track the input lacks.
   */
  timeline: { video: TimelinePart | null; audio: TimelinePart | null; videoClock: boolean };
}

class Growable {
  buf: Float64Array;
  length = 0;
  constructor(n = 4096) { this.buf = new Float64Array(n); }
  reserve(extra: number) {
    if (this.length + extra <= this.buf.length) return;
    const next = new Float64Array(Math.max(this.buf.length * 2, this.length + extra));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  push(v: ArrayLike<number>) { this.reserve(v.length); this.buf.set(v, this.length); this.length += v.length; }
  take() { return this.buf.slice(0, this.length); }
}

export default function analyzeSegment(task: SegmentTask): SegmentResult {
  const demuxer = openInputSync(task.url);
  let vdec: Decoder | null = null, adec: Decoder | null = null;
  try {
    if (task.seekTo > 0) demuxer.seekSync(task.seekTo + task.origin);
    const vs = task.videoStream >= 0 ? demuxer.streams[task.videoStream]! : null;
    const as = task.audioStream >= 0 ? demuxer.streams[task.audioStream]! : null;
    vdec = vs ? new Decoder(demuxer, vs.index, task.decoderThreads) : null;
    adec = as ? new Decoder(demuxer, as.index, 1) : null;

    const layout = native.videoLayout(task.video);
    const programme = new ProgrammeTiles(layout, task.tiles);
    const series = new Float64Array(SERIES_COLUMNS);
    const out = new Float64Array(task.batch * layout.rowWidth);
    const times = new Growable(), rows = new Growable(), corrupt: number[] = [], key: number[] = [], errorTimes: number[] = [];
    const texture = task.tileTexture ? new TileTextureRecorder(layout) : null;
    let pending: VideoFrame[] = [], pendingT: number[] = [], pendingCorrupt: number[] = [], pendingKey: number[] = [];
    const chain = new VideoChain(true);
    let videoDone = !vs, audioDone = !as;
    let boundary: { t: number; row: Float64Array; cut: number } | null = null;
    let decodedVideo = 0, decodedAudio = 0;

    const flushVideo = () => {
      if (!pending.length) return;
      chain.analyze(pending, task.video, out);
      for (let i = 0; i < pending.length; i++) {
        programme.seriesRow(out, i * layout.rowWidth, pending[i]!.width, pending[i]!.height, series, 0);
        rows.push(series);
      }
      texture?.push(out, pending.length);
      times.push(pendingT);
      corrupt.push(...pendingCorrupt);
      key.push(...pendingKey);
      pending = []; pendingT = []; pendingCorrupt = []; pendingKey = [];
    };
    // Where each track last delivered (end of its last frame), to find spans without any.
    const frameDuration = vs ? frameDurationOf(vs) : 0;
    const videoGaps: number[] = [], audioGaps: number[] = [];
    let videoUntil = task.videoStart, audioUntil = task.start;
    const GAP = HOLE;  // shorter holes are timestamp jitter, not a missing track
    // Timestamps against the content clock, over the frames this segment analyses.
    const nominal = vs ? constantFrameDuration(vs) : 0;
    const videoTimeline = vs ? new TimelineTracker(nominal > 0) : null;
    const audioTimeline = as ? new TimelineTracker(true) : null;
    const stamped = (f: DecodedFrame) => f.time !== null;
    // Every decoded frame goes to the chain (which releases it) or is released here.
    const onVideo = (frames: DecodedFrame[]) => {
      for (const f of frames) {
        decodedVideo++;
        const t = seconds(f.time, vs!.timeBase) - task.origin;
        // (A tenth of a millisecond of slack: the input's origin is rounded to microseconds.)
        if (t < task.videoStart - 1e-4) {
          // Pre-roll, or (after frames of the segment) timestamps that stepped back before it.
          if (videoTimeline!.started) videoTimeline!.frame(stamped(f) ? t : NaN, nominal);
          chain.seed(videoView(f)); videoUntil = Math.max(videoUntil, t + frameDuration); continue;
        }
        if (t >= task.videoEnd) {
          if (!videoDone && Math.abs(t - task.videoEnd) < 1e-6) {
            flushVideo();
            chain.analyze([videoView(f)], task.video, out);
            programme.seriesRow(out, 0, f.width, f.height, series, 0);
            boundary = { t, row: series.slice(), cut: isCut(out, 0, layout) ? 1 : 0 };
          } else {
            releaseFrames([f]);
          }
          videoDone = true;
          continue;
        }
        if (t - videoUntil > GAP) videoGaps.push(videoUntil, t);
        videoUntil = Math.max(videoUntil, t + frameDuration);
        videoTimeline!.frame(stamped(f) ? t : NaN, nominal);
        pending.push(videoView(f));
        pendingT.push(t);
        pendingCorrupt.push(f.damaged ? 1 : 0);
        pendingKey.push(f.intra ? 1 : 0);
        if (pending.length === task.batch) flushVideo();
      }
    };

    const rate = as?.sampleRate ?? 0;
    const channelsN = as?.channels ?? 0;
    const audioBufs: Float32Array[][] = Array.from({ length: channelsN }, () => []);
    let audioT0 = -1, audioCount = 0;
    // Audio is copied out of the decoder's frames (audioChannels), which are then released.
    const onAudio = (frames: DecodedFrame[]) => {
      for (const f of frames) audioFrame(f);
      releaseFrames(frames);
    };
    const audioFrame = (f: DecodedFrame) => {
      decodedAudio++;
      const t = seconds(f.time, as!.timeBase) - task.origin;
      const dur = f.samples / f.sampleRate;
      if (t + dur <= task.start) {
        if (audioTimeline!.started) audioTimeline!.frame(stamped(f) ? t : NaN, dur); // stepped back before the segment
        audioUntil = Math.max(audioUntil, t + dur); return;
      }
      if (t >= task.end) { audioDone = true; return; }
      const ch = audioChannels(f);
      // A hole in the audio timeline: NaN samples keep the windows on the clock and make
      // their levels unknown (neither silent nor clipped); the span is reported as a gap.
      if (audioT0 >= 0 && t - audioUntil > 0.001) {
        const n = Math.round((t - audioUntil) * f.sampleRate);
        for (let c = 0; c < channelsN; c++) audioBufs[c]!.push(new Float32Array(n).fill(NaN));
        audioCount += n;
      }
      if (t - audioUntil > GAP) audioGaps.push(audioUntil, t);
      audioUntil = Math.max(audioUntil, t + dur);
      // Trim to [start, end) at sample precision.
      let from = 0, to = f.samples;
      if (t < task.start) from = Math.min(to, Math.round((task.start - t) * f.sampleRate));
      if (t + dur > task.end) to = Math.max(from, Math.round((task.end - t) * f.sampleRate));
      if (audioT0 < 0) audioT0 = t + from / f.sampleRate;
      // The timeline starts where the segment does; a frame across the start later on (after
      // timestamps stepped back) is a whole frame to it, not a step of the trimmed samples.
      const head = audioTimeline!.started ? 0 : from;
      if (to > head) audioTimeline!.frame(stamped(f) ? t + head / f.sampleRate : NaN, (to - head) / f.sampleRate, dur);
      for (let c = 0; c < channelsN; c++) audioBufs[c]!.push((ch[c] ?? ch[0]!).slice(from, to));
      audioCount += to - from;
    };

    // Synchronous calls: this worker's thread is its own (no threadpool round trip per
    // packet, and a terminated worker is never inside an async FFmpeg call). A packet the
    // decoder refuses is damage to report, not a reason to stop; a demuxer that cannot read
    // on is the end of the input (a truncated file ends here).
    let decodeErrors = 0, readError: string | null = null;
    const decoded: DecodedFrame[] = [], p = demuxer.packet;
    for (;;) {
      if (videoDone && audioDone) break;
      if (Atomics.load(task.cancel, 0)) throw new Error('segment task cancelled');
      try {
        if (!demuxer.readSync()) break;
      } catch (e) {
        readError = e instanceof Error ? e.message : String(e);
        break;
      }
      // Packets shown after videoEnd only delay the frame at videoEnd (the boundary row).
      const late = p.pts !== null && p.streamIndex === vs?.index && seconds(p.pts, vs.timeBase) - task.origin > task.videoEnd + 1e-6;
      if (vdec && p.streamIndex === vs!.index && !videoDone && !late) {
        if (!vdec.decodeSync(decoded)) {
          // A refused packet is damage at its time (when that is in the segment).
          decodeErrors++;
          const at = p.pts !== null ? seconds(p.pts, vs!.timeBase) - task.origin : NaN;
          if (at >= task.start && at < task.end) errorTimes.push(at);
        }
        onVideo(decoded);
      } else if (adec && p.streamIndex === as!.index && !audioDone) {
        if (!adec.decodeSync(decoded)) decodeErrors++;
        onAudio(decoded);
      }
      decoded.length = 0;
    }
    // The frames still inside the decoders.
    if (vdec && !videoDone) {
      if (!vdec.flushSync(decoded)) decodeErrors++;
      onVideo(decoded);
      decoded.length = 0;
    }
    if (adec && !audioDone) {
      if (!adec.flushSync(decoded)) decodeErrors++;
      onAudio(decoded);
    }
    flushVideo();

    // Audio windows per channel, then interleaved as [window][channel][peak, rms, clipped].
    const win = Math.max(1, Math.round(task.audioWindow * rate));
    const windows = audioCount ? Math.ceil(audioCount / win) : 0;
    const stats = new Float64Array(windows * channelsN * 3);
    const one = new Float64Array(windows * 3);
    let tones: number[] = [];
    for (let c = 0; c < channelsN; c++) {
      const all = joinSamples(audioBufs[c]!, audioCount);
      native.audioStats(all, { window: win, clipLevel: task.clipLevel }, one);
      for (let w = 0; w < windows; w++) for (let k = 0; k < 3; k++) stats[(w * channelsN + c) * 3 + k] = one[w * 3 + k]!;
      if (c === 0 && task.toneFrequency > 0 && task.toneFrequency < rate / 2) {
        // A beep already sounding when the segment starts belongs to the segment before.
        const skip = task.start > 0 ? Math.round(rate * 0.005) : -1;
        tones = Array.from(native.toneOnsets(all, { sampleRate: rate, frequency: task.toneFrequency }))
          .filter((i) => i > skip).map((i) => (audioT0 < 0 ? task.start : audioT0) + i / rate);
      }
    }
    // Tracks that stopped before the segment's end (or the input's, for the last segment).
    const end = Math.min(task.end, task.duration ?? Infinity);
    if (Number.isFinite(end) && !readError) {
      const videoEnd = Math.min(task.videoEnd, task.duration ?? Infinity);
      if (vs && videoEnd - videoUntil > GAP) videoGaps.push(videoUntil, videoEnd);
      if (as && end - audioUntil > GAP) audioGaps.push(audioUntil, end);
    }
    const result: SegmentResult = {
      start: task.start,
      end: task.end,
      video: { t: times.take(), rows: rows.take(), columns: SERIES_COLUMNS, corrupt: Uint8Array.from(corrupt), key: Uint8Array.from(key), frameDuration,
        errorTimes: Float64Array.from(errorTimes), texture: texture?.take() ?? null, boundary },
      audio: { t0: audioT0 < 0 ? task.start : audioT0, window: win / (rate || 1), channels: channelsN, sampleRate: rate, count: windows, stats,
        toneOnsets: Float64Array.from(tones) },
      decoded: { video: decodedVideo, audio: decodedAudio, decodeErrors, readError },
      gaps: { video: Float64Array.from(videoGaps), audio: Float64Array.from(audioGaps) },
      timeline: { video: videoTimeline?.take() ?? null, audio: audioTimeline?.take() ?? null, videoClock: nominal > 0 },
    };
    return result;
  } finally {
    // Decoders first: closing one releases the frames it still has out (the chain's prev and ref).
    vdec?.close();
    adec?.close();
    void demuxer.close();
  }
}
