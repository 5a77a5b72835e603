/** vqmon's public API. The analysis engine and service build on these pieces. */
export { VqmonError, isVqmonError } from './errors.js';
export type { VqmonErrorCode } from './errors.js';
export {
  FRAME_COLUMNS,
  TILE_COLUMNS,
  blackThreshold,
  frameColumn,
  native,
  slotFrame,
  tileColumn,
} from './native.js';
export type {
  AudioStatsOptions,
  FrameSlot,
  HandoffFormat,
  PixelFormat,
  SimdLevel,
  ToneOptions,
  VideoBatch,
  VideoFrame,
  VideoLayout,
  VideoOptions,
} from './native.js';

export { analyze, DETECTORS } from './analyze/analyze.js';
export type { AnalyzeOptions, DetectorName, Report } from './analyze/analyze.js';
export type { DetectorOptions } from './detectors/options.js';
export type { StreamInfo } from './analyze/probe.js';
export type { VqEvent } from './detectors/types.js';
export { createMonitor, Monitor } from './live/monitor.js';
export type { InputStats, LiveDetectorName, LiveEvent, LiveOptions, MonitorStats } from './live/monitor.js';
export { LIVE_DETECTORS } from './live/options.js';
