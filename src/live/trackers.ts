/**
 * Streaming detectors of a live input. Each is a LiveTracker fed every batch of metric rows
 * (video: one row per frame, the kernels' columns, with the decoder's damage and keyframe
 * flags; audio: 50 ms windows, [peak, rms, clipped] per channel), or the packets of the
 * input's tracks as they are read, and emitting phase start/end events; a detector joins
 * the live path by adding a factory to LIVE_TRACKERS (and its name to LIVE_DETECTORS in
 * options.ts).
 */
import { blackDefaults, blackFrame } from '../detectors/black.js';
import { BlockinessScorer, blockinessDefaults, SCENE_CUT_MAFD, type ScoredFrame } from '../detectors/blockiness.js';
import { freezeDefaults, frozenFrame, refreshStep } from '../detectors/freeze.js';
import { silenceDefaults, windowRmsDb } from '../detectors/silence.js';
import type { AudioSeries } from '../detectors/types.js';
import type { TileTexture } from '../metrics/tile-texture.js';
import { frameColumn } from '../native.js';
import { ClippingTracker } from './clipping-tracker.js';
import { CorruptionTracker } from './corruption-tracker.js';
import { MissingTracker } from './missing-tracker.js';
import { SignalTracker } from './signal-tracker.js';
import { TimestampTracker } from './timestamp-tracker.js';
import type { LiveDetectorName, LiveOptions } from './options.js';
import { FreezeTracker, RunTracker, type Emit } from './run-tracker.js';

/** One kernel call's frames, in time order. */
export interface VideoRows {
  /** `count` series rows of `rowWidth` values: the frame columns, then the tile rule's (graphics.ts). */
  rows: Float64Array;
  rowWidth: number;
  count: number;
  /** Each frame's start, media seconds. */
  t: Float64Array;
  /** Nominal frame duration, seconds. */
  frameDuration: number;
  /** The stream's constant frame duration (constantFrameDuration), seconds; 0: variable rate (no content clock). */
  constantDuration: number;
  /** The first row has no frame before it (new session): its differences mean nothing. */
  first: boolean;
  /** Frames before the first row were dropped unanalysed (back-pressure): a gap in the series. */
  gap: boolean;
  /** Per row: 1 where the decoder flagged the frame damaged (decodeDamaged); 1 for intra pictures. */
  corrupt: Uint8Array;
  key: Uint8Array;
  /** The rows' per-tile texture (src/metrics/tile-texture.ts); only when a tracker reads damage. */
  texture: TileTexture | null;
  /** Media times of video packets the decoder refused since the batch before. */
  refused: number[];
}

/** Audio windows in time order, as the file detectors read them, with the input's sample rate. */
export interface AudioWindows extends AudioSeries {
  sampleRate: number;
  /** Audio before the first window is missing (a long hole in its timeline, or dropped by back-pressure): a gap in the series. */
  gap: boolean;
  /** Audio was dropped unanalysed (back-pressure) before these frames. */
  dropped: boolean;
  /** The decoded frames whose samples came in since the last call, whole windows or not: [time, samples, time, samples, ...]. */
  frames: Float64Array;
  /** The first channel's samples of these windows (the first at t0), when a tracker reads samples; NaN in filled holes. */
  samples: Float32Array | null;
}

export type TrackKind = 'video' | 'audio';

export interface LiveTracker {
  /**
   * Reads the decoder's damage flags and the per-tile texture: the input then computes the
   * texture and decodes video on one thread (with threads, which frames H.264 flags changes
   * from run to run).
   */
  readonly readsDamage?: boolean;
  /** Reads the first channel's samples (AudioWindows.samples). */
  readonly readsSamples?: boolean;
  video?(b: VideoRows): void;
  audio?(a: AudioWindows): void;
  /** A session opened (the first, or a reconnection), analysing these tracks. */
  session?(tracks: Record<TrackKind, boolean>): void;
  /**
   * A packet of an analysed track was read, before back-pressure may drop it: media
   * [t0, t1). `resumed`: the first packet after a pause of the whole input (stallTimeout).
   */
  packet?(track: TrackKind, t0: number, t1: number, resumed: boolean): void;
  /** Ends any run in progress (input gone, monitor stopped). */
  close(): void;
}

/**
 * Freeze, with the file path's rule across detectors (src/detectors/combine.ts) in streaming
 * form: while black runs too, a black frame is the black picture, not a frozen one.
 */
class FreezeLive implements LiveTracker {
  private readonly runs: FreezeTracker;
  private readonly blackPicture: number | null;
  private lastT = 0;
  constructor(o: LiveOptions, emit: Emit) {
    this.runs = new FreezeTracker(o.freeze?.minDuration ?? freezeDefaults.minDuration,
      o.freeze?.refreshTolerance ?? freezeDefaults.refreshTolerance, o.freeze?.refreshInterval ?? freezeDefaults.refreshInterval, emit);
    this.blackPicture = !o.only || o.only.includes('black') ? o.black?.pictureThreshold ?? blackDefaults.pictureThreshold : null;
  }

  video(b: VideoRows) {
    for (let i = 0; i < b.count; i++) {
      const t = b.t[i]!;
      // The file detectors' per-frame rules (whole frame, or the tile rule under graphics).
      const black = this.blackPicture !== null && blackFrame(b.rows, b.rowWidth, i, this.blackPicture);
      const frozen = !black && (i > 0 || !b.first) && frozenFrame(b.rows, b.rowWidth, i);
      // After a gap a freeze found now began somewhere in it: start it here, not before.
      const refT = i === 0 && b.gap ? t : this.lastT;
      this.runs.update(frozen, refreshStep(b.rows, b.rowWidth, i), t, t + b.frameDuration, refT);
      this.lastT = t;
    }
  }

  close() { this.runs.close(); }
}

class BlackLive implements LiveTracker {
  private readonly runs: RunTracker;
  private readonly picture: number;
  constructor(o: LiveOptions, emit: Emit) {
    this.runs = new RunTracker('black', o.black?.minDuration ?? blackDefaults.minDuration, emit);
    this.picture = o.black?.pictureThreshold ?? blackDefaults.pictureThreshold;
  }

  video(b: VideoRows) {
    for (let i = 0; i < b.count; i++) this.runs.update(blackFrame(b.rows, b.rowWidth, i, this.picture), b.t[i]!, b.t[i]! + b.frameDuration);
  }

  close() { this.runs.close(); }
}

/** Blockiness: the file detector's streaming scorer; frames come back a few frames late (a centred median). */
class BlockinessLive implements LiveTracker {
  private readonly runs: RunTracker;
  private readonly scorer: BlockinessScorer;
  private readonly threshold: number;
  constructor(o: LiveOptions, emit: Emit, private readonly meter?: (score: number) => void) {
    this.runs = new RunTracker('blockiness', o.blockiness?.minDuration ?? blockinessDefaults.minDuration, emit);
    this.threshold = o.blockiness?.threshold ?? blockinessDefaults.threshold;
    this.scorer = new BlockinessScorer(o.blockiness?.baselineWindow, this.threshold);
  }

  video(b: VideoRows) {
    const col = frameColumn('blockTiles'), step = frameColumn('mafdPrev');
    if (b.first) { this.take(this.scorer.flush()); this.scorer.reset(); } // a new session: the content may have changed
    for (let i = 0; i < b.count; i++) {
      const cut = (i > 0 || !b.first) && b.rows[i * b.rowWidth + step]! >= SCENE_CUT_MAFD;
      this.take(this.scorer.push(b.t[i]!, b.t[i]! + b.frameDuration, b.rows[i * b.rowWidth + col]!, cut));
    }
  }

  private take(frames: ScoredFrame[]) {
    for (const f of frames) {
      this.meter?.(f.score);
      this.runs.update(f.score >= this.threshold, f.t0, f.t1, f.t0, f.score);
    }
  }

  close() { this.take(this.scorer.flush()); this.runs.close(); }
}

class SilenceLive implements LiveTracker {
  private readonly runs: RunTracker;
  private readonly level: number;
  constructor(o: LiveOptions, emit: Emit) {
    this.runs = new RunTracker('silence', o.silence?.minDuration ?? silenceDefaults.minDuration, emit);
    this.level = o.silence?.level ?? silenceDefaults.level;
  }

  audio(a: AudioWindows) {
    if (a.gap) this.runs.close(); // missing audio is not silence
    for (let w = 0; w < a.count; w++) {
      const t0 = a.t0 + w * a.window;
      this.runs.update(windowRmsDb(a, w) < this.level, t0, t0 + a.window);
    }
  }

  close() { this.runs.close(); }
}

/** av_sync: the test-signal offset (signal-tracker.ts) and, unless `timestamps` is false, the timestamp checks (timestamp-tracker.ts). */
class AvSyncLive implements LiveTracker {
  readonly readsSamples = true;
  private readonly parts: LiveTracker[];
  constructor(o: LiveOptions, emit: Emit) {
    this.parts = [new SignalTracker(o.av_sync, emit), ...(o.av_sync?.timestamps === false ? [] : [new TimestampTracker(o.av_sync, emit)])];
  }

  session(tracks: Record<TrackKind, boolean>) { for (const p of this.parts) p.session?.(tracks); }
  video(b: VideoRows) { for (const p of this.parts) p.video?.(b); }
  audio(a: AudioWindows) { for (const p of this.parts) p.audio?.(a); }
  close() { for (const p of this.parts) p.close(); }
}

/** Readings the trackers hand on as they score frames (the dashboard's sparklines, preview.ts). */
export interface TrackerMeters {
  blockiness?(score: number): void;
}

export const LIVE_TRACKERS: Record<LiveDetectorName, (o: LiveOptions, emit: Emit, meters: TrackerMeters) => LiveTracker> = {
  freeze: (o, emit) => new FreezeLive(o, emit),
  black: (o, emit) => new BlackLive(o, emit),
  blockiness: (o, emit, meters) => new BlockinessLive(o, emit, meters.blockiness),
  silence: (o, emit) => new SilenceLive(o, emit),
  clipping: (o, emit) => new ClippingTracker(o.clipping, emit),
  corruption: (o, emit) => new CorruptionTracker(o.corruption, emit),
  audio_missing: (o, emit) => new MissingTracker('audio', o.audio_missing, emit),
  video_missing: (o, emit) => new MissingTracker('video', o.video_missing, emit),
  av_sync: (o, emit) => new AvSyncLive(o, emit),
};

/** The trackers `options.only` asks for (all by default). */
export function createTrackers(options: LiveOptions, emit: Emit, meters: TrackerMeters = {}): LiveTracker[] {
  const names = options.only ?? (Object.keys(LIVE_TRACKERS) as LiveDetectorName[]);
  return names.map((n) => LIVE_TRACKERS[n](options, emit, meters));
}
