/**
 * One opened input (file or URL): its streams, and its packets read one at a time into one
 * reused packet. Every call has a synchronous form for pool workers (a worker's thread is
 * its own: no threadpool round trip per packet, and no async call a worker's termination
 * could interrupt) and an asynchronous one for the main thread (the live path never blocks
 * it).
 *
 * node-av's sharp edges handled here: the format context is allocated before the open, so
 * FFmpeg's interrupt callback is installed (without it `interrupt()` does nothing and a
 * close during a read crashes); a close while an async call is in flight interrupts it and
 * frees the context only once the call has returned.
 */
import type { FormatContext, Packet } from 'node-av/lib';

import { VqmonError } from '../errors.js';
import { ffmpeg } from './ffmpeg.js';
import type { PacketInfo, Rational, StreamParams } from './types.js';

/** node-av's timestamps are bigints with AV_NOPTS_VALUE for none. */
const NOPTS = -(2n ** 63n);
export const timestamp = (v: bigint): number | null => (v === NOPTS ? null : Number(v));
const rational = (r: { num: number; den: number } | null | undefined): Rational => (r && r.den ? [r.num, r.den] : [0, 1]);

const MEDIA_TYPES = ['video', 'audio', 'data', 'subtitle', 'attachment'] as const;

/** FFmpeg's text for an error code. */
export function ffmpegError(code: number): string {
  return ffmpeg().lib.FFmpegError.strerror(code);
}

export class MediaInput {
  streams: StreamParams[] = [];
  /** Seconds; null when unknown (live). */
  duration: number | null = null;
  /** Seconds; null when unknown. */
  startTime: number | null = null;
  /** The demuxer's name (mov,mp4,..., mpegts, hls). */
  formatName = 'unknown';
  /** The packet read last (see PacketInfo: reused). */
  readonly packet: PacketInfo = { streamIndex: -1, pts: null, dts: null, duration: 0, key: false };
  private readonly ctx: FormatContext;
  /** The reused packet, for a decoder of this input. */
  readonly native: Packet;
  private inFlight: Promise<unknown> | null = null;
  private closed = false;
  private opened = false;

  constructor() {
    const { lib } = ffmpeg();
    this.ctx = new lib.FormatContext();
    this.ctx.allocContext(); // before the open: installs the interrupt callback
    this.native = new lib.Packet();
    this.native.alloc();
  }

  /** Opens `url` with FFmpeg options (protocol and format); then reads the streams' parameters. Returns FFmpeg's code (< 0: failed). */
  async open(url: string, options: Record<string, string> = {}): Promise<number> {
    const dict = this.dictionary(options);
    try {
      let r = await this.track(this.ctx.openInput(url, null, dict));
      if (r >= 0) { this.opened = true; r = await this.track(this.ctx.findStreamInfo(null)); }
      if (r >= 0) this.describe();
      return r;
    } finally {
      dict?.free();
    }
  }

  openSync(url: string, options: Record<string, string> = {}): number {
    const dict = this.dictionary(options);
    try {
      let r = this.ctx.openInputSync(url, null, dict);
      if (r >= 0) { this.opened = true; r = this.ctx.findStreamInfoSync(null); }
      if (r >= 0) this.describe();
      return r;
    } finally {
      dict?.free();
    }
  }

  /** Reads the next packet into `packet`: false at the end of the input; throws ERR_VQMON_INPUT_READ on a read error. */
  async read(): Promise<boolean> {
    this.native.unref();
    return this.readResult(await this.track(this.ctx.readFrame(this.native)));
  }

  readSync(): boolean {
    this.native.unref();
    return this.readResult(this.ctx.readFrameSync(this.native));
  }

  /**
   * Seeks all streams to `seconds` of the input's clock, backwards: an indexed container
   * (MP4, MKV) lands on the keyframe at or before it, MPEG-TS on a packet at or before it.
   * (FFmpeg 5's MP4 reader did that without the flag; FFmpeg 8's goes forward, and fails
   * past the last keyframe.)
   */
  seekSync(seconds: number): boolean {
    return this.ctx.seekFrameSync(-1, BigInt(Math.trunc(seconds * 1e6)), ffmpeg().c.AVSEEK_FLAG_BACKWARD) >= 0;
  }

  async seek(seconds: number): Promise<boolean> {
    return (await this.track(this.ctx.seekFrame(-1, BigInt(Math.trunc(seconds * 1e6)), ffmpeg().c.AVSEEK_FLAG_BACKWARD))) >= 0;
  }

  /** Aborts a blocking open or read (it returns an error at once). */
  interrupt(): void {
    if (!this.closed) this.ctx.interrupt();
  }

  /**
   * Closes the input. An async call still in flight is interrupted first and the context is
   * freed once it has returned, never under it. Safe to call more than once.
   */
  close(): Promise<void> {
    if (this.closed) return this.inFlight?.then(() => undefined, () => undefined) ?? Promise.resolve();
    this.closed = true;
    const free = () => {
      if (this.opened) this.ctx.closeInputSync();
      else this.ctx.freeContext();
      this.native.free();
    };
    if (!this.inFlight) {
      free();
      return Promise.resolve();
    }
    this.ctx.interrupt();
    return this.inFlight.then(free, free);
  }

  /** The stream's codec parameters, for a decoder (decoder.ts). */
  codecParameters(index: number) {
    const s = this.ctx.streams[index];
    if (!s) throw new VqmonError('ERR_VQMON_INVALID_ARG', `stream ${index} does not exist (the input has ${this.streams.length})`);
    return s.codecpar;
  }

  private readResult(r: number): boolean {
    const { c } = ffmpeg();
    if (r === c.AVERROR_EOF) return false;
    if (r < 0) throw new VqmonError('ERR_VQMON_INPUT_READ', ffmpegError(r));
    const p = this.native, info = this.packet;
    info.streamIndex = p.streamIndex;
    info.pts = timestamp(p.pts);
    info.dts = timestamp(p.dts);
    info.duration = Number(p.duration);
    info.key = (p.flags & c.AV_PKT_FLAG_KEY) !== 0;
    return true;
  }

  /** One async call at a time; close() waits for it. */
  private track<T>(p: Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new VqmonError('ERR_VQMON_INPUT_READ', 'the input is closed'));
    const run = p.finally(() => { if (this.inFlight === run) this.inFlight = null; });
    this.inFlight = run;
    return run;
  }

  private dictionary(options: Record<string, string>) {
    return Object.keys(options).length ? ffmpeg().lib.Dictionary.fromObject(options) : null;
  }

  private describe() {
    const { lib } = ffmpeg();
    this.streams = this.ctx.streams.map((s) => {
      const p = s.codecpar;
      const type = MEDIA_TYPES[p.codecType] ?? 'unknown';
      const format = p.format < 0 ? null : type === 'video' ? lib.avGetPixFmtName(p.format as never) : type === 'audio' ? lib.avGetSampleFmtName(p.format as never) : null;
      return {
        index: s.index, type, codec: lib.avGetCodecName(p.codecId), width: p.width, height: p.height, format,
        sampleRate: p.sampleRate, channels: p.channels, sampleAspectRatio: rational(p.sampleAspectRatio),
        timeBase: rational(s.timeBase), avgFrameRate: rational(s.avgFrameRate), rFrameRate: rational(s.rFrameRate),
      };
    });
    const duration = timestamp(this.ctx.duration), start = timestamp(this.ctx.startTime);
    this.duration = duration !== null && duration > 0 ? duration / 1e6 : null;
    this.startTime = start !== null ? start / 1e6 : null;
    this.formatName = this.ctx.iformat?.name ?? 'unknown';
  }
}
