/**
 * The FFmpeg build vqmon decodes with: node-av's low-level API over its prebuilt FFmpeg
 * (`@seydx/node-av-linux-x64` / `-linux-arm64`, installed by npm as an optional
 * dependency, no install script needed). Loaded once per thread; a platform without a
 * prebuilt binary gets one clear error naming it, at the first decode, not at import (the
 * kernels and the service's other parts still load).
 *
 * This file and the rest of src/decode/ are the only code that knows node-av: the layer's
 * own types (types.ts) are what the engine reads, so another FFmpeg binding could be
 * slotted in here by a distributor who needs a different build.
 */
import { createRequire } from 'node:module';

import { VqmonError } from '../errors.js';

type Lib = typeof import('node-av/lib');
type Constants = typeof import('node-av/constants');
export interface FFmpeg { lib: Lib; c: Constants }

let loaded: FFmpeg | null = null;
let failure: unknown = null;
try {
  const [lib, c] = await Promise.all([import('node-av/lib'), import('node-av/constants')]);
  loaded = { lib, c };
  // FFmpeg's own log lines would interleave with vqmon's output (and corrupt --json on
  // stderr readers); decode problems reach vqmon as frame flags and return codes instead.
  // VQMON_FFMPEG_LOG=error|warning|info|debug shows them.
  const levels: Record<string, number> = { quiet: c.AV_LOG_QUIET, fatal: c.AV_LOG_FATAL, error: c.AV_LOG_ERROR,
    warning: c.AV_LOG_WARNING, info: c.AV_LOG_INFO, verbose: c.AV_LOG_VERBOSE, debug: c.AV_LOG_DEBUG };
  lib.Log.setLevel((levels[process.env.VQMON_FFMPEG_LOG ?? 'quiet'] ?? c.AV_LOG_QUIET) as never);
} catch (e) {
  failure = e;
}

/** glibc or musl: node-av's Linux binaries need glibc >= 2.28. */
function libc(): string {
  if (process.platform !== 'linux') return '';
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const glibc = report?.header?.glibcVersionRuntime;
  return glibc ? ` (glibc ${glibc})` : ' (no glibc: musl?)';
}

/** The platform package node-av loads its FFmpeg from on this machine. */
export function platformPackage(): string {
  return `@seydx/node-av-${process.platform}-${process.arch}`;
}

/** node-av's FFmpeg for this thread; throws ERR_VQMON_DECODER_UNAVAILABLE with what to do. */
export function ffmpeg(): FFmpeg {
  if (loaded) return loaded;
  const why = failure instanceof Error ? failure.message.split('\n')[0] : String(failure);
  const supported = ['linux-x64', 'linux-arm64'].includes(`${process.platform}-${process.arch}`);
  let installed = false;
  try {
    createRequire(import.meta.url).resolve(`${platformPackage()}/package.json`);
    installed = true;
  } catch { /* not installed */ }
  const fix = !supported
    ? `vqmon ships decoding for linux-x64 and linux-arm64 (glibc) only; this is ${process.platform}-${process.arch}${libc()}`
    : !installed
      ? `its FFmpeg package ${platformPackage()} is not installed: reinstall without --omit=optional (npm install vqmon)`
      : `its FFmpeg build did not load on this machine${libc()}; it needs glibc >= 2.28`;
  throw new VqmonError('ERR_VQMON_DECODER_UNAVAILABLE', `FFmpeg (node-av) is not available: ${fix}. (${why})`, { cause: failure });
}

/** The FFmpeg version node-av brings, e.g. "8.1" ('unavailable' when it did not load). */
export function ffmpegVersion(): string {
  if (!loaded) return 'unavailable';
  try {
    return loaded.lib.getFFmpegInfo().version;
  } catch {
    return 'unknown';
  }
}
