/**
 * analyze(input) — one file or URL, every detector, one report.
 *
 * input -> probe (main thread) -> segments on the pool (each worker decodes its segment
 * and runs the kernels batch by batch) -> stitched metric series -> detectors -> report.
 */
import { availableParallelism } from 'node:os';

import { detectBlack } from '../detectors/black.js';
import { detectBlockiness } from '../detectors/blockiness.js';
import { avSyncDefaults, avSyncEvents, flashTimes, measureAvSync, type AvSyncMeasurement } from '../detectors/avsync.js';
import { dropFreezeUnderBlack } from '../detectors/combine.js';
import { detectClipping, clippingDefaults } from '../detectors/clipping.js';
import { detectCorruption } from '../detectors/corruption.js';
import { detectMissing, withoutSpans } from '../detectors/missing.js';
import { detectFreeze } from '../detectors/freeze.js';
import { checkDetectorOptions, type DetectorOptions } from '../detectors/options.js';
import { detectSilence } from '../detectors/silence.js';
import { timelineGaps, timestampEvents } from '../detectors/timestamps.js';
import type { VqEvent } from '../detectors/types.js';
import { VqmonError } from '../errors.js';
import { kernelVideoOptions, tileRuleOptions } from '../metrics/video-chain.js';
import { native } from '../native.js';
import { SegmentPool } from '../pool/pool.js';
import type { SegmentResult, SegmentTask } from '../pool/segment-worker.js';
import { probe, type StreamInfo } from './probe.js';
import { balancedCuts } from './keyframes.js';
import { planSegments } from './segments.js';
import { stitchAudio, stitchGaps, stitchTimeline, stitchTones, stitchVideo } from './stitch.js';

export const DETECTORS = ['freeze', 'black', 'blockiness', 'silence', 'clipping', 'av_sync', 'audio_missing', 'video_missing', 'corruption'] as const;
export type DetectorName = (typeof DETECTORS)[number];

export interface AnalyzeOptions extends DetectorOptions {
  /** Detectors to run [all]. */
  only?: DetectorName[];
  /** Worker threads [cores]. */
  threads?: number;
  /** Audio window, seconds [0.05]. */
  audioWindow?: number;
  /**
   * Frames per kernel call [8]. Frames waiting for the call keep their FFmpeg buffers out
   * of the decoder's pool (3 MiB each at 1080p), so a larger batch means fresh memory for
   * new frames: 64 at 1080p doubled the page faults and cost 8% more time.
   */
  batch?: number;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number }) => void;
}

export interface Report {
  input: string;
  durationSec: number | null;
  streams: StreamInfo[];
  events: VqEvent[];
  stats: { frames: number; decodeFps: number; realtimeFactor: number; simd: string; threads: number; segments: number;
    /** Packets the decoder refused (damage); the input's read error when it ended early. */
    decodeErrors: number; readError: string | null;
    /**
     * Video frames decoded, analysed or not: segments cut on keyframes decode one frame
     * more than they analyse (the next segment's first, to join the two).
     */
    framesDecoded: number;
    /** Where the media really ended when that is over a second before its declared duration. */
    truncatedAt: number | null;
    /** A/V offset measured on a flash-and-beep test pattern, when the input carries one. */
    avSync: AvSyncMeasurement | null };
}

function checkOptions(o: AnalyzeOptions) {
  for (const d of o.only ?? []) {
    if (!(DETECTORS as readonly string[]).includes(d)) {
      throw new VqmonError('ERR_VQMON_INVALID_ARG', `unknown detector '${d}'; detectors: ${DETECTORS.join(', ')}`);
    }
  }
  checkDetectorOptions(o);
  if (o.threads !== undefined && !(Number.isInteger(o.threads) && o.threads >= 1 && o.threads <= 256)) {
    throw new VqmonError('ERR_VQMON_INVALID_ARG', 'threads must be an integer in [1, 256]');
  }
}

/**
 * Runs the segments side by side. When one fails or the caller aborts, the others are
 * cancelled and awaited, so the pool is destroyed with no worker inside a decode call.
 */
async function runSegments(pool: SegmentPool, tasks: Omit<SegmentTask, 'cancel'>[],
  options: Pick<AnalyzeOptions, 'signal' | 'onProgress'>): Promise<SegmentResult[]> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  let done = 0, failure: unknown = null;
  try {
    const settled = await Promise.allSettled(tasks.map(async (task) => {
      try {
        const r = await pool.run(task, stop.signal);
        options.onProgress?.({ done: ++done, total: tasks.length });
        return r;
      } catch (e) {
        // The first failure is the one to report; the others are its cancellations.
        if (!stop.signal.aborted) failure = e;
        stop.abort();
        throw e;
      }
    }));
    if (options.signal?.aborted) throw new VqmonError('ERR_VQMON_ABORTED', 'analysis aborted');
    if (settled.some((s) => s.status === 'rejected')) throw failure;
    return settled.map((s) => (s as PromiseFulfilledResult<SegmentResult>).value);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

export async function analyze(input: string, options: AnalyzeOptions = {}): Promise<Report> {
  checkOptions(options);
  const t0 = performance.now();
  const threads = options.threads ?? availableParallelism();
  // Probed first: starting the workers alongside the probe gained about 2% at 1080p, but a
  // probe that fails then ends the process while workers load their addons, which aborted
  // it (SIGABRT) in 1 of 20 runs on a non-media file.
  const p = await probe(input);
  const window = options.audioWindow ?? 0.05;
  const plan = p.seekable ? planSegments(p.duration, threads, { quantum: window }) : [{ start: 0, end: Infinity }];
  const on = (d: DetectorName) => !options.only || options.only.includes(d);
  // Workers decode side by side; give each decoder its share of the cores. The corruption
  // detector needs one thread a decoder: how H.264 conceals damage (and which frames it
  // flags) changes with frame threads from run to run, and with slice threads too.
  const decoderThreads = on('corruption') ? 1 : Math.max(1, Math.floor(availableParallelism() / Math.min(threads, plan.length)));
  const fullRange = (p.video?.pixelFormat ?? '').startsWith('yuvj');
  // The workers load while the keyframes are found (balancedCuts does not throw: without
  // keyframes it leaves the planned cuts).
  const pool = new SegmentPool({ threads: Math.min(threads, plan.length) });
  try {
    const cuts = await balancedCuts(p, plan, Math.min(threads, plan.length), window);
    const results = await runSegments(pool, cuts.map((cut) => ({
      url: p.url, origin: p.origin, ...cut,
      videoStream: p.video?.index ?? -1, audioStream: p.audio?.index ?? -1,
      video: kernelVideoOptions(options.black, options.freeze, fullRange),
      tiles: tileRuleOptions(options.black, options.freeze),
      batch: options.batch ?? 8, audioWindow: window,
      clipLevel: options.clipping?.clipLevel ?? clippingDefaults.clipLevel, decoderThreads,
      duration: p.duration !== null ? p.duration - p.origin : null,
      toneFrequency: on('av_sync') && p.video ? options.av_sync?.frequency ?? avSyncDefaults.frequency : 0,
      tileTexture: on('corruption'),
    })), options);
    const video = stitchVideo(results), audio = stitchAudio(results);
    const avSync = on('av_sync') && p.video && p.audio
      ? measureAvSync(flashTimes(video, options.av_sync?.minJump), stitchTones(results), options.av_sync) : null;
    const timestamps = on('av_sync') ? timestampEvents({ video: p.video ? stitchTimeline(results, 'video') : null,
      audio: p.audio ? stitchTimeline(results, 'audio') : null, origin: p.origin }, options.av_sync) : [];
    // Stretches both tracks skipped together are the timeline's gaps (av_sync), not missing tracks.
    const skipped = timelineGaps(timestamps);
    const events: VqEvent[] = dropFreezeUnderBlack([
      ...(on('freeze') && p.video ? detectFreeze(video, options.freeze) : []),
      ...(on('black') && p.video ? detectBlack(video, options.black) : []),
      ...(on('blockiness') && p.video ? detectBlockiness(video, options.blockiness) : []),
      ...(on('silence') && p.audio ? detectSilence(audio, options.silence) : []),
      ...(on('clipping') && p.audio ? detectClipping(audio, options.clipping, p.audio.sampleRate) : []),
      ...avSyncEvents(avSync, options.av_sync),
      ...timestamps,
      ...(on('video_missing') ? detectMissing('video_missing', withoutSpans(stitchGaps(results, 'video'), skipped), options.video_missing) : []),
      ...(on('audio_missing') ? detectMissing('audio_missing', withoutSpans(stitchGaps(results, 'audio'), skipped), options.audio_missing) : []),
      ...(on('corruption') && p.video ? detectCorruption(video, options.corruption) : []),
    ]).sort((a, b) => a.start - b.start || a.type.localeCompare(b.type));
    const elapsed = (performance.now() - t0) / 1000;
    const lastVideo = video.t.length ? video.t[video.t.length - 1]! + video.frameDuration : 0;
    const lastAudio = audio.count ? audio.t0 + audio.count * audio.window : 0;
    const reached = Math.max(lastVideo, lastAudio);
    const truncatedAt = p.duration && reached < p.duration - 1 ? Math.round(reached * 1000) / 1000 : null;
    const frames = video.t.length;
    const media = p.duration ?? (frames && video.frameDuration ? frames * video.frameDuration : 0);
    return {
      input,
      durationSec: p.duration,
      streams: p.streams,
      events,
      stats: { frames, decodeFps: Math.round(frames / elapsed), realtimeFactor: Math.round((media / elapsed) * 10) / 10,
        simd: native.simdLevel(), threads: Math.min(threads, plan.length), segments: results.length,
        decodeErrors: results.reduce((a, r) => a + r.decoded.decodeErrors, 0),
        framesDecoded: results.reduce((a, r) => a + r.decoded.video, 0),
        readError: results.find((r) => r.decoded.readError)?.decoded.readError ?? null, truncatedAt, avSync },
    };
  } finally {
    await pool.destroy();
  }
}
