/** Opens an input once in the main thread to learn its streams and duration. */
import { stat } from 'node:fs/promises';

import { beamcoder, type BcStream } from '../decode/beamcoder.js';
import { frameRate, kernelReadable } from '../decode/frames.js';
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

function info(s: BcStream): StreamInfo | null {
  const p = s.codecpar;
  if (p.codec_type === 'video') {
    return { index: s.index, type: 'video', codec: p.name ?? 'unknown', width: p.width, height: p.height,
      pixelFormat: p.format ?? 'unknown', frameRate: frameRate(s) };
  }
  if (p.codec_type === 'audio') {
    return { index: s.index, type: 'audio', codec: p.name ?? 'unknown', sampleRate: p.sample_rate, channels: p.channels };
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
  const bc = beamcoder();
  const dm = await openInput(input);
  try {
    const streams = dm.streams.map(info).filter((s): s is StreamInfo => s !== null);
    const video = streams.find((s) => s.type === 'video') ?? null;
    const audio = streams.find((s) => s.type === 'audio') ?? null;
    if (!video && !audio) throw new VqmonError('ERR_VQMON_INPUT_NO_STREAMS', `${input} has no audio or video stream`);
    for (const s of [video, audio]) {
      if (!s) continue;
      try {
        bc.decoder({ demuxer: dm, stream_index: s.index });
      } catch (e) {
        throw new VqmonError('ERR_VQMON_UNSUPPORTED_CODEC',
          `no decoder for ${s.type} codec ${s.codec} in this FFmpeg build (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    if (video && video.pixelFormat !== 'unknown' && !kernelReadable(video.pixelFormat ?? null)) {
      throw new VqmonError('ERR_VQMON_UNSUPPORTED_FORMAT',
        `${input}: pixel format ${video.pixelFormat} is not supported yet (8-bit gray, yuv420p/422p/444p and nv12/nv21 are; convert it once first, e.g. ffmpeg -vf format=yuv420p)`);
    }
    const start = dm.start_time ?? 0;
    return {
      url: input,
      format: dm.iformat?.name ?? 'unknown',
      duration: dm.duration && dm.duration > 0 ? dm.duration / 1e6 : null,
      origin: start > 0 ? start / 1e6 : 0,
      seekable: local,
      video,
      audio,
      streams,
    };
  } finally {
    dm.forceClose();
  }
}
