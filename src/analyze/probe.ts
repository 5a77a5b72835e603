/** Opens an input once in the main thread to learn its streams and duration. */
import { stat } from 'node:fs/promises';

import { Decoder } from '../decode/decoder.js';
import { frameRate, kernelReadable } from '../decode/frames.js';
import type { StreamParams } from '../decode/types.js';
import { isUrl, openInput } from '../decode/open.js';
import { VqmonError } from '../errors.js';

export interface StreamInfo {
  index: number;
  type: 'video' | 'audio';
  codec: string;
  width?: number;
  height?: number;
  pixelFormat?: string;
  frameRate?: number;
  sampleRate?: number;
  channels?: number;
}

export interface Probe {
  url: string;
  format: string;
  /** Seconds; null when unknown (live). */
  duration: number | null;
  /** Stream time of the first frame, seconds: subtracted so the first frame is at 0. */
  origin: number;
  /** True for a local file (can be seeked and split into segments). */
  seekable: boolean;
  video: StreamInfo | null;
  audio: StreamInfo | null;
  streams: StreamInfo[];
}

function info(s: StreamParams): StreamInfo | null {
  if (s.type === 'video') {
    return { index: s.index, type: 'video', codec: s.codec ?? 'unknown', width: s.width, height: s.height,
      pixelFormat: s.format ?? 'unknown', frameRate: frameRate(s) };
  }
  if (s.type === 'audio') {
    return { index: s.index, type: 'audio', codec: s.codec ?? 'unknown', sampleRate: s.sampleRate, channels: s.channels };
  }
  return null;
}

export async function probe(input: string): Promise<Probe> {
  const local = !isUrl(input);
  if (local) {
    const path = input.replace(/^file:\/\//, '');
    const st = await stat(path).catch((e: NodeJS.ErrnoException) => {
      throw new VqmonError('ERR_VQMON_INPUT_OPEN', `cannot read ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
    });
    if (!st.isFile()) throw new VqmonError('ERR_VQMON_INPUT_OPEN', `${path} is not a file`);
    if (st.size === 0) throw new VqmonError('ERR_VQMON_INPUT_OPEN', `${path} is empty`);
  }
  const dm = await openInput(input);
  try {
    const streams = dm.streams.map(info).filter((s): s is StreamInfo => s !== null);
    const video = streams.find((s) => s.type === 'video') ?? null;
    const audio = streams.find((s) => s.type === 'audio') ?? null;
    if (!video && !audio) throw new VqmonError('ERR_VQMON_INPUT_NO_STREAMS', `${input} has no audio or video stream`);
    for (const s of [video, audio]) {
      if (!s) continue;
      new Decoder(dm, s.index).close(); // throws ERR_VQMON_UNSUPPORTED_CODEC
    }
    if (video && video.pixelFormat !== 'unknown' && !kernelReadable(video.pixelFormat ?? null)) {
      throw new VqmonError('ERR_VQMON_UNSUPPORTED_FORMAT',
        `${input}: pixel format ${video.pixelFormat} is not supported yet (8-bit gray, yuv420p/422p/444p and nv12/nv21 are; convert it once first, e.g. ffmpeg -vf format=yuv420p)`);
    }
    const start = dm.startTime ?? 0;
    return {
      url: input,
      format: dm.formatName,
      duration: dm.duration,
      origin: start > 0 ? start : 0,
      seekable: local,
      video,
      audio,
      streams,
    };
  } finally {
    await dm.close();
  }
}
