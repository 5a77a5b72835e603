/**
 * Options of createMonitor / vqmon watch, their defaults and their checks, and which URLs a
 * live input accepts.
 */
import { checkBounds, checkDetectorOptions, type Bound, type DetectorOptions } from '../detectors/options.js';
import { VqmonError } from '../errors.js';
import { MAX_INPUTS } from './threadpool.js';
import { parseLiveUrl } from './url.js';

/** Detectors that run on live inputs (stall, input_error and the drop reports always do). */
export const LIVE_DETECTORS = ['freeze', 'black', 'blockiness', 'silence', 'clipping', 'corruption', 'audio_missing', 'video_missing', 'av_sync'] as const;
export type LiveDetectorName = (typeof LIVE_DETECTORS)[number];

export interface LiveOptions extends DetectorOptions {
  /** Detectors to run [all of LIVE_DETECTORS]. */
  only?: LiveDetectorName[];
  /** Seconds without any packet that make a stall [2]. */
  stallTimeout?: number;
  /** First reconnection delay, doubled after each failure up to 30 s [1]. */
  reconnectDelay?: number;
  /** Seconds to wait for an input to open, and for a packet once open [10]. */
  openTimeout?: number;
  /** Seconds behind real time, sustained, after which packets are dropped unanalysed until the input is live again [3]. */
  maxLag?: number;
  /** Events the async iterator holds for a slow reader before it sheds the oldest [1000]. */
  maxQueuedEvents?: number;
  /** Live inputs this monitor runs at most (add() refuses more); never more than the threadpool allows (threadpool.ts) [that]. */
  maxInputs?: number;
  /** Keep thumbnails and a metric reading per input (Monitor.preview(url); the service's dashboard) [false]. */
  preview?: boolean;
  /** Testing aid: an extra delay (seconds) after each decoded video packet, as on a machine too slow for the input [0]. */
  debug?: { analysisDelay?: number };
}

export const liveDefaults = { stallTimeout: 2, reconnectDelay: 1, openTimeout: 10, maxLag: 3, maxQueuedEvents: 1000, maxReconnectDelay: 30 };

const invalid = (message: string) => new VqmonError('ERR_VQMON_INVALID_ARG', message);

/** The monitor's own numeric options and their bounds (the detectors' are in detectors/options.ts). */
const LIVE_BOUNDS: readonly Bound[] = [['stallTimeout', 0.1, 3600], ['reconnectDelay', 0.01, liveDefaults.maxReconnectDelay],
  ['openTimeout', 0.1, 3600], ['maxLag', 0.1, 3600], ['maxInputs', 1, MAX_INPUTS, 'int']];

export function checkLiveOptions(o: LiveOptions): void {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw invalid('monitor options must be an object');
  for (const d of o.only ?? []) {
    if (!(LIVE_DETECTORS as readonly string[]).includes(d)) {
      throw invalid(`unknown live detector '${String(d)}'; live detectors: ${LIVE_DETECTORS.join(', ')}`);
    }
  }
  checkDetectorOptions(o);
  if (o.preview !== undefined && typeof o.preview !== 'boolean') throw invalid(`preview must be true or false, got ${JSON.stringify(o.preview)}`);
  checkBounds(o as Record<string, unknown>, LIVE_BOUNDS, '');
  checkBounds(o.debug ?? {}, [['analysisDelay', 0, 10]], 'debug.');
  if (o.maxQueuedEvents !== undefined && !(Number.isInteger(o.maxQueuedEvents) && o.maxQueuedEvents >= 1)) {
    throw invalid(`maxQueuedEvents must be an integer >= 1, got ${JSON.stringify(o.maxQueuedEvents)}`);
  }
}

export { LIVE_SCHEMES } from './url.js';

/** Throws ERR_VQMON_INVALID_ARG for a URL that is not a live input vqmon opens (url.ts). */
export function checkLiveUrl(url: unknown): void {
  parseLiveUrl(url);
}
