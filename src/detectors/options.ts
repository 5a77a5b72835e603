/** Every detector's options, as files (analyze) and live inputs (createMonitor) take them, and their one check. */
import { VqmonError } from '../errors.js';
import type { AvSyncOptions } from './avsync.js';
import type { BlackOptions } from './black.js';
import type { BlockinessOptions } from './blockiness.js';
import type { ClippingOptions } from './clipping.js';
import type { CorruptionOptions } from './corruption.js';
import type { FreezeOptions } from './freeze.js';
import { checkGraphicsOptions } from './graphics.js';
import type { MissingOptions } from './missing.js';
import type { SilenceOptions } from './silence.js';

export interface DetectorOptions {
  freeze?: FreezeOptions;
  black?: BlackOptions;
  blockiness?: BlockinessOptions;
  silence?: SilenceOptions;
  clipping?: ClippingOptions;
  av_sync?: AvSyncOptions;
  audio_missing?: MissingOptions;
  video_missing?: MissingOptions;
  corruption?: CorruptionOptions;
}

/** A duration option's bound, seconds: an hour. */
const MAX_SECONDS = 3600;
/** An option's bounds: its name, min, max, and 'open' (the minimum itself is refused) or 'int'. */
export type Bound = readonly [name: string, min: number, max: number, kind?: 'open' | 'int'];

/** Throws ERR_VQMON_INVALID_ARG for the first of `bounds` that `o` holds out of range; `prefix` names where (`freeze.`). */
export function checkBounds(o: Record<string, unknown>, bounds: readonly Bound[], prefix: string): void {
  for (const [name, min, max, kind] of bounds) {
    const v = o[name];
    if (v === undefined) continue;
    const ok = typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && !(kind === 'open' && v === min) && !(kind === 'int' && !Number.isInteger(v));
    if (!ok) {
      throw new VqmonError('ERR_VQMON_INVALID_ARG',
        `${prefix}${name} must be ${kind === 'int' ? 'an integer' : 'a number'} in ${kind === 'open' ? '(' : '['}${min}, ${max}], got ${JSON.stringify(v)}`);
    }
  }
}

/** Each detector's numeric options and their bounds. */
const BOUNDS: Readonly<Record<keyof DetectorOptions, readonly Bound[]>> = {
  freeze: [['minDuration', 0, MAX_SECONDS], ['noise', 0, 1], ['refreshTolerance', 0, 1], ['refreshInterval', 0, 60]],
  black: [['minDuration', 0, MAX_SECONDS], ['pixelThreshold', 0, 1], ['pictureThreshold', 0, 1]],
  blockiness: [['minDuration', 0, MAX_SECONDS], ['threshold', 0, 1, 'open'], ['baselineWindow', 1, 600]],
  silence: [['minDuration', 0, MAX_SECONDS], ['level', -200, 0]],
  clipping: [['clipLevel', 0, 1, 'open'], ['minSamples', 1, 48000, 'int'], ['mergeGap', 0, MAX_SECONDS]],
  corruption: [['minTiles', 1, 64, 'int'], ['maxRecovery', 0, MAX_SECONDS], ['mergeGap', 0, MAX_SECONDS], ['minDuration', 0, MAX_SECONDS]],
  audio_missing: [['minDuration', 0, MAX_SECONDS]],
  video_missing: [['minDuration', 0, MAX_SECONDS]],
  av_sync: [['tolerance', 0, 10, 'open'], ['maxOffset', 0, 10, 'open'], ['frequency', 0, 96000, 'open'], ['minJump', 0, 255, 'open'], ['minPairs', 1, 10000, 'int']],
};
const FLAGS: Partial<Record<keyof DetectorOptions, readonly string[]>> = {
  corruption: ['decoder', 'pixels'],
  av_sync: ['timestamps'],
};

/**
 * The one check of the detectors' options, for files, live inputs, config files and the
 * API alike: each detector's options an object, each number within its bounds (no option
 * can grow memory or time without limit: a `baselineWindow` of 1e308 did), each flag a
 * boolean; then the channel-graphics options of freeze and black. Throws
 * ERR_VQMON_INVALID_ARG naming the option and its range.
 */
export function checkDetectorOptions(o: DetectorOptions): void {
  const invalid = (message: string) => new VqmonError('ERR_VQMON_INVALID_ARG', message);
  for (const [detector, bounds] of Object.entries(BOUNDS) as Array<[keyof DetectorOptions, readonly Bound[]]>) {
    const d = o[detector] as Record<string, unknown> | undefined;
    if (d === undefined) continue;
    if (d === null || typeof d !== 'object' || Array.isArray(d)) throw invalid(`${detector} options must be an object, got ${JSON.stringify(d)}`);
    checkBounds(d, bounds, `${detector}.`);
    for (const name of FLAGS[detector] ?? []) {
      if (d[name] !== undefined && typeof d[name] !== 'boolean') throw invalid(`${detector}.${name} must be true or false, got ${JSON.stringify(d[name])}`);
    }
  }
  checkGraphicsOptions(o.freeze, 'freeze');
  checkGraphicsOptions(o.black, 'black');
}
