/** Every detector's options, as files (analyze) and live inputs (createMonitor) take them. */
import type { AvSyncOptions } from './avsync.js';
import type { BlackOptions } from './black.js';
import type { BlockinessOptions } from './blockiness.js';
import type { ClippingOptions } from './clipping.js';
import type { CorruptionOptions } from './corruption.js';
import type { FreezeOptions } from './freeze.js';
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
