/**
 * A decoder for one stream of a MediaInput, fed the input's current packet, giving
 * DecodedFrame records (types.ts) whose planes are the decoder's own memory.
 *
 * Frames are received into a pool of node-av Frames, one per frame still held: node-av's
 * plane Buffers do not own their memory (the next receive into the same Frame overwrites
 * them, and reading them after the Frame is freed crashes), so a frame the engine keeps (a
 * batch, the previous frame, the freeze reference) keeps its pool Frame until it is
 * released. `releaseFrames` detaches the frame's plane Buffers (a stale view then reads as
 * empty and the kernels refuse it) and unrefs the Frame, whose memory goes back to the
 * decoder's buffer pool at once; the Frame object is reused for a later frame. Closing the
 * decoder does the same for every frame still out.
 *
 * `decodeSync` is for pool workers; `decode` (async calls on libuv's threadpool) for the
 * main thread.
 */
import type { CodecContext, Frame } from 'node-av/lib';

import { VqmonError } from '../errors.js';
import { native } from '../native.js';
import { ffmpeg } from './ffmpeg.js';
import { ffmpegError, timestamp, type MediaInput } from './input.js';
import type { DecodedFrame } from './types.js';

/** The pool Frame behind a record, and whether the record still holds it. */
interface Held { frame: Frame; decoder: Decoder; live: boolean }
const held = new WeakMap<object, Held>();

/**
 * Gives frames back to their decoders: their plane Buffers are detached and their memory
 * returns to the decoder's pool. Records that are not decoded frames, or already released,
 * are skipped, so a frame is released exactly once.
 */
export function releaseFrames(frames: Iterable<object>): void {
  for (const f of frames) {
    const h = held.get(f);
    if (!h || !h.live) continue;
    h.live = false;
    native.releaseFrames([f as DecodedFrame]);
    h.decoder.recycle(h.frame);
  }
}

/**
 * The node-av Frame a decoded record holds (null once released): for tests and diagnostics
 * that look at the decoder's own frame (its `data` getter makes new Buffers over the same
 * planes).
 */
export function heldFrame(record: object): Frame | null {
  const h = held.get(record);
  return h?.live ? h.frame : null;
}

export class Decoder {
  private readonly ctx: CodecContext;
  private readonly free: Frame[] = [];
  /** Every pool Frame with the record that holds it (for close). */
  private readonly out = new Map<Frame, DecodedFrame>();
  private closed = false;
  private readonly video: boolean;

  /**
   * `threads`: the decoder's thread count (left out: FFmpeg's default, one thread).
   * Throws ERR_VQMON_UNSUPPORTED_CODEC when this FFmpeg build has no decoder for the stream.
   */
  constructor(private readonly input: MediaInput, readonly streamIndex: number, threads?: number) {
    const { lib } = ffmpeg();
    const s = input.streams[streamIndex];
    if (!s) throw new VqmonError('ERR_VQMON_INVALID_ARG', `stream ${streamIndex} does not exist`);
    const par = input.codecParameters(streamIndex);
    const codec = lib.Codec.findDecoder(par.codecId);
    if (!codec) throw new VqmonError('ERR_VQMON_UNSUPPORTED_CODEC', `no decoder for ${s.type} codec ${s.codec ?? 'unknown'} in this FFmpeg build`);
    this.video = s.type === 'video';
    this.ctx = new lib.CodecContext();
    this.ctx.allocContext3(codec);
    let r = this.ctx.parametersToContext(par);
    // Timestamps the decoder passes through (and audio priming it trims) are in the stream's time base.
    this.ctx.pktTimebase = new lib.Rational(s.timeBase[0], s.timeBase[1]);
    if (threads) this.ctx.threadCount = threads;
    if (r >= 0) r = this.ctx.open2Sync(codec, null);
    if (r < 0) {
      this.ctx.freeContext();
      throw new VqmonError('ERR_VQMON_UNSUPPORTED_CODEC', `cannot open the ${s.type} decoder for ${s.codec ?? 'unknown'}: ${ffmpegError(r)}`);
    }
  }

  /**
   * Decodes the input's current packet; its frames are appended to `frames`. Returns false
   * when the decoder refused the packet (damage to report, not a reason to stop).
   */
  decodeSync(frames: DecodedFrame[]): boolean {
    const sent = this.ctx.sendPacketSync(this.input.native);
    const received = this.drainSync(frames);
    return sent >= 0 && received;
  }

  async decode(frames: DecodedFrame[]): Promise<boolean> {
    const sent = await this.ctx.sendPacket(this.input.native);
    const received = await this.drain(frames);
    return sent >= 0 && received;
  }

  /** The frames still inside the decoder, at the end of the input. */
  flushSync(frames: DecodedFrame[]): boolean {
    const sent = this.ctx.sendPacketSync(null);
    return this.drainSync(frames) && sent >= 0;
  }

  async flush(frames: DecodedFrame[]): Promise<boolean> {
    const sent = await this.ctx.sendPacket(null);
    return (await this.drain(frames)) && sent >= 0;
  }

  /** Frees the decoder and every frame it still has out (their planes read as empty from now on). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    releaseFrames([...this.out.values()]);
    for (const f of this.free) f.free();
    this.free.length = 0;
    this.ctx.freeContext();
  }

  /** A released frame's pool Frame: unreferenced now (its memory back to the decoder), reused later. */
  recycle(frame: Frame): void {
    this.out.delete(frame);
    frame.unref();
    if (this.closed) frame.free();
    else this.free.push(frame);
  }

  private drainSync(frames: DecodedFrame[]): boolean {
    for (;;) {
      const f = this.take();
      const r = this.ctx.receiveFrameSync(f);
      if (!this.received(f, r, frames)) return r === ffmpeg().c.AVERROR_EAGAIN || r === ffmpeg().c.AVERROR_EOF;
    }
  }

  private async drain(frames: DecodedFrame[]): Promise<boolean> {
    for (;;) {
      const f = this.take();
      const r = await this.ctx.receiveFrame(f);
      if (!this.received(f, r, frames)) return r === ffmpeg().c.AVERROR_EAGAIN || r === ffmpeg().c.AVERROR_EOF;
    }
  }

  private take(): Frame {
    const f = this.free.pop();
    if (f) return f;
    const frame = new (ffmpeg().lib.Frame)();
    frame.alloc();
    return frame;
  }

  /** A frame received (r >= 0) becomes a record; otherwise its pool Frame goes back. */
  private received(f: Frame, r: number, frames: DecodedFrame[]): boolean {
    if (r < 0) {
      this.free.push(f);
      return false;
    }
    const rec = this.video ? this.videoRecord(f) : this.audioRecord(f);
    held.set(rec, { frame: f, decoder: this, live: true });
    this.out.set(f, rec);
    frames.push(rec);
    return true;
  }

  private videoRecord(f: Frame): DecodedFrame {
    const { lib, c } = ffmpeg();
    const flags = f.flags, data = f.data ?? [];
    return {
      format: lib.avGetPixFmtName(f.format as never), width: f.width, height: f.height,
      data, linesize: f.linesize.slice(0, data.length), time: frameTime(f), samples: 0, sampleRate: 0, channels: 0,
      damaged: (flags & c.AV_FRAME_FLAG_CORRUPT) !== 0 || f.decodeErrorFlags !== 0,
      intra: (flags & c.AV_FRAME_FLAG_KEY) !== 0 || f.pictType === c.AV_PICTURE_TYPE_I,
    };
  }

  private audioRecord(f: Frame): DecodedFrame {
    const { lib, c } = ffmpeg();
    return {
      format: lib.avGetSampleFmtName(f.format as never), width: 0, height: 0, data: f.data ?? [], linesize: [],
      time: frameTime(f), samples: f.nbSamples, sampleRate: f.sampleRate, channels: f.channels,
      damaged: (f.flags & c.AV_FRAME_FLAG_CORRUPT) !== 0 || f.decodeErrorFlags !== 0, intra: true,
    };
  }
}

/** Best-effort timestamp, else pts (stream time base); null when neither is set. */
function frameTime(f: Frame): number | null {
  return timestamp(f.bestEffortTimestamp) ?? timestamp(f.pts);
}
