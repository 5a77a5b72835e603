/**
 * beamcoder, loaded as its raw addon: its index.js prints a banner on stdout (it would
 * corrupt `--json` output), installs a process-wide segfault handler and cannot load in a
 * worker thread; the raw `.node` has none of those problems and loads in every thread.
 * Only the small part of beamcoder's API vqmon uses is typed here.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { VqmonError } from '../errors.js';

export interface BcPacket {
  stream_index: number;
  pts: number | null;
  dts: number | null;
  duration: number;
  size: number;
  flags: { KEY?: boolean; CORRUPT?: boolean };
}

export interface BcFrame {
  format: string | null;
  width: number;
  height: number;
  data: Buffer[];
  linesize: number[];
  pts: number | null;
  best_effort_timestamp: number | null;
  nb_samples: number;
  sample_rate: number;
  channels: number;
  flags: { CORRUPT?: boolean };
  /** Lean frames (openDecoder): null when no bit is set, else every bit by name. */
  decode_error_flags: Record<string, boolean> | null;
  key_frame: boolean;
  pict_type: string | null;
}

export interface BcCodecPar {
  codec_type: 'video' | 'audio' | 'subtitle' | 'data' | 'attachment' | string;
  name: string | null;
  width: number;
  height: number;
  format: string | null;
  sample_rate: number;
  channels: number;
  /** Pixel shape [num, den]; [0, 1] when unknown. */
  sample_aspect_ratio?: [number, number];
}

export interface BcStream {
  index: number;
  time_base: [number, number];
  avg_frame_rate: [number, number];
  r_frame_rate: [number, number];
  start_time: number | null;
  duration: number | null;
  codecpar: BcCodecPar;
}

export interface BcDemuxer {
  streams: BcStream[];
  /** In AV_TIME_BASE (microseconds); null when unknown (live). */
  duration: number | null;
  start_time: number | null;
  iformat: { name: string } | null;
  read(): Promise<BcPacket | null>;
  seek(options: { time?: number; stream_index?: number; timestamp?: number; backward?: boolean; any?: boolean }): Promise<null>;
  forceClose(): void;
}

export interface BcDecoder {
  decode(packet: BcPacket | BcPacket[]): Promise<{ frames: BcFrame[] }>;
  flush(): Promise<{ frames: BcFrame[] }>;
}

export interface Beamcoder {
  demuxer(options: string | { url: string; options?: Record<string, string> }): Promise<BcDemuxer>;
  decoder(options: { demuxer: BcDemuxer; stream_index: number; [key: string]: unknown }): BcDecoder;
  avVersionInfo(): string;
  logging(level?: string): string | undefined;
}

// Written by scripts/patch-beamcoder.mjs once all its fixes are built in (same name there).
const MARKER = '.vqmon-patched-5';
let cached: Beamcoder | undefined;

/** The beamcoder addon for this thread; throws ERR_VQMON_DECODER_UNAVAILABLE with a fix. */
export function beamcoder(): Beamcoder {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = dirname(require.resolve('beamcoder/package.json'));
  } catch (e) {
    throw new VqmonError('ERR_VQMON_DECODER_UNAVAILABLE',
      'beamcoder (the FFmpeg bindings vqmon decodes with) is not installed. Fix: npm install (needs FFmpeg 5.1 libav*-dev).', { cause: e });
  }
  // beamcoder 0.7.1 leaks an AVFrame per decoded frame and segfaults at random when an
  // input fails to open; refuse to run a 24/7 monitor on it unpatched.
  if (!existsSync(join(dir, MARKER)) && !process.env.VQMON_ALLOW_UNPATCHED_BEAMCODER) {
    throw new VqmonError('ERR_VQMON_DECODER_UNAVAILABLE',
      `beamcoder in ${dir} is not patched (per-frame memory leak, crashes on failed opens; see patches/). Fix: npm rebuild vqmon ` +
      '(its install script patches and rebuilds beamcoder), or set VQMON_ALLOW_UNPATCHED_BEAMCODER=1 for short runs.');
  }
  try {
    cached = require(join(dir, 'build/Release/beamcoder.node')) as Beamcoder;
    // FFmpeg's own log lines would interleave with vqmon's output; decode problems reach
    // vqmon as frame flags and errors instead. VQMON_FFMPEG_LOG=info|warning|... overrides.
    cached.logging(process.env.VQMON_FFMPEG_LOG ?? 'fatal');
  } catch (e) {
    throw new VqmonError('ERR_VQMON_DECODER_UNAVAILABLE',
      `beamcoder's addon did not load (${e instanceof Error ? e.message : String(e)}). Fix: install FFmpeg 5.1 (apt install libavcodec59 libavformat59 ...) and run npm rebuild beamcoder.`, { cause: e });
  }
  return cached;
}

/**
 * A decoder for one stream that returns lean frames (plain objects with the fields of
 * BcFrame, planes as Buffers over FFmpeg's memory; see patches/beamcoder-0.7.1.md):
 * beamcoder's own frames define 44 accessor functions on every frame, a tenth of the CPU
 * of an analysis at 1080p. `threads`: the decoder's thread count (FFmpeg's default when
 * left out).
 */
export function openDecoder(demuxer: BcDemuxer, streamIndex: number, threads?: number): BcDecoder {
  return beamcoder().decoder({ demuxer, stream_index: streamIndex, vqmon_lean: true, ...(threads ? { thread_count: threads } : {}) });
}
