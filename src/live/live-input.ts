/**
 * One live input (UDP/RTP MPEG-TS, SRT, RTMP, RTSP, HLS, HTTP...): demux and decode on
 * libuv's threadpool (node-av's async calls), kernels on each decoded group of frames in this thread (a few hundred
 * microseconds per 1080p frame), the streaming detectors (trackers.ts) fed each group's
 * metric rows, a stall watchdog, reconnection with backoff, and back-pressure: an input
 * whose processing falls behind real time drops packets unanalysed until it is live again.
 * Events carry media time from the input's first packet; after a reconnection media time
 * goes on from where the wall clock says the input is.
 */
import { Decoder, releaseFrames } from '../decode/decoder.js';
import { audioChannels, constantFrameDuration, frameDuration, kernelReadable, streamSeconds as seconds, videoView } from '../decode/frames.js';
import { MediaInput } from '../decode/input.js';
import { openInput } from '../decode/open.js';
import type { DecodedFrame, Rational, StreamParams } from '../decode/types.js';
import { clippingDefaults } from '../detectors/clipping.js';
import { round } from '../detectors/types.js';
import { VqmonError, isVqmonError } from '../errors.js';
import { joinSamples } from '../metrics/samples.js';
import { batchTexture } from '../metrics/tile-texture.js';
import { ProgrammeTiles, SERIES_COLUMNS } from '../detectors/graphics.js';
import { kernelVideoOptions, tileRuleOptions, VideoChain } from '../metrics/video-chain.js';
import { frameColumn, native } from '../native.js';
import { Preview } from './preview.js';
import { LagMeter } from './lag.js';
import { liveDefaults, type LiveOptions } from './options.js';
import { RunTracker, type Emit, type LiveEvent } from './run-tracker.js';
import { createTrackers, type LiveTracker } from './trackers.js';
import type { LiveUrl } from './url.js';

export type { LiveOptions } from './options.js';

/** Frames per kernel call. */
const BATCH = 16;
/** Audio window, seconds (as the file engine's default). */
const AUDIO_WINDOW = 0.05;
/**
 * Holes in the audio timeline up to this long (seconds) are filled with NaN samples, as the
 * file engine does: the windows stay on the clock and their levels are unknown (neither
 * silent nor clipped). After a longer one the windows start again, with a gap.
 */
const AUDIO_HOLE_FILL = 10;

export interface InputStats {
  url: string;
  /** connecting (never opened yet), live, retrying (waiting to reopen), stopped. */
  state: 'connecting' | 'live' | 'retrying' | 'stopped';
  /** Times the input was opened. */
  sessions: number;
  inputErrors: number;
  lastError: { code: string; message: string } | null;
  packets: number;
  /** Video frames and 50 ms audio windows analysed. */
  videoFrames: number;
  audioWindows: number;
  /** Video packets the decoder refused, and frames it decoded but flagged as damaged (concealed). */
  decoderErrors: number;
  /** Packets read but not analysed because processing fell behind real time, and the spans of them. */
  droppedPackets: number;
  dropSpans: number;
  /** Seconds behind real time now (sustained, see lag.ts), and the most so far. */
  lagSec: number;
  maxLagSec: number;
  /** Media time of the last packet read. */
  mediaTime: number;
}

const nowSec = () => performance.now() / 1000;
const MAFD_PREV = frameColumn('mafdPrev');

/** A stream's pixel aspect ratio (1 when unknown): thumbnails are shown at the display shape. */
function pixelAspect(s: StreamParams): number {
  const [num, den] = s.sampleAspectRatio;
  return num > 0 && den > 0 ? num / den : 1;
}

export class LiveInput {
  private stopped = false;
  private finished = false;
  private state: InputStats['state'] = 'connecting';
  private seenPacket = false;
  private lastPacketWall = nowSec();
  private lastMediaT = 0;
  /** Media time = stream seconds + base; set on each session's first packet. */
  private base = 0;
  private readonly stall: RunTracker;
  private readonly trackers: LiveTracker[];
  private readonly chain = new VideoChain(true);
  private readonly layout;
  private readonly out;
  /** Per frame: the frame columns and the tile rule's programme columns (graphics.ts). */
  private readonly series = new Float64Array(BATCH * SERIES_COLUMNS);
  private readonly programme: ProgrammeTiles;
  private audio: { rate: number; channels: number; pending: Float32Array[][]; count: number; t0: number; gap: boolean;
    /** Decoded frames since the last windows went out: [time, samples, ...]; audio dropped before them. */
    frames: number[]; dropped: boolean } | null = null;
  private readonly lag = new LagMeter();
  private drop: { start: number; packets: number; lag: number } | null = null;
  /** Frames were dropped since the last analysed one. */
  private videoGap = false;
  /** A tracker reads the decoder's damage and the per-tile texture (corruption). */
  private readonly readsDamage: boolean;
  /** A tracker reads the first channel's samples (av_sync's beeps). */
  private readonly readsSamples: boolean;
  /** Media times of video packets the decoder refused, for the next group of frames. */
  private refused: number[] = [];
  private failure: { start: number; attempts: number } | null = null;
  /** A session read the input to its end. */
  private ended = false;
  /** The latest packet timestamp read, in stream seconds (HLS repeats on reopening are skipped). */
  private lastStreamSec: number | null = null;
  private readonly counts = { sessions: 0, inputErrors: 0, packets: 0, videoFrames: 0, audioWindows: 0, decoderErrors: 0, droppedPackets: 0, dropSpans: 0 };
  private lastError: InputStats['lastError'] = null;
  private watchdog: NodeJS.Timeout | null = null;
  /** The input being opened or read (stop interrupts it). */
  private input: MediaInput | null = null;
  private wake: (() => void) | null = null;
  private readonly emit: Emit;
  /** Thumbnails and metric readings, when options.preview asks for them. */
  readonly preview: Preview | null;
  readonly done: Promise<void>;

  /** The URL as shown, in events and errors (credentials redacted, url.ts). */
  readonly url: string;

  constructor(private readonly target: LiveUrl, private readonly options: LiveOptions, emit: (e: LiveEvent) => void) {
    const url = this.url = target.display;
    this.emit = (e) => emit({ ...e, input: url });
    this.stall = new RunTracker('stall', 0, this.emit);
    this.preview = options.preview ? new Preview() : null;
    const p = this.preview;
    this.trackers = createTrackers(options, this.emit, p ? { blockiness: (score) => p.addBlockiness(score) } : {});
    this.readsDamage = this.trackers.some((t) => t.readsDamage);
    this.readsSamples = this.trackers.some((t) => t.readsSamples);
    this.layout = native.videoLayout(kernelVideoOptions(options.black, options.freeze, false));
    this.out = new Float64Array(BATCH * this.layout.rowWidth);
    this.programme = new ProgrammeTiles(this.layout, tileRuleOptions(options.black, options.freeze));
    this.done = this.run();
  }

  /**
   * Ends runs in progress at once (their phase end events) and interrupts the open or read
   * in flight (FFmpeg returns from it at once); the input is closed once that call has
   * returned, never under it.
   */
  stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.input?.interrupt();
    this.finish();
    return this.done;
  }

  stats(): InputStats {
    return { url: this.url, state: this.state, ...this.counts, lastError: this.lastError,
      lagSec: round(this.lag.sustained, 2), maxLagSec: round(this.lag.max, 2), mediaTime: round(this.lastMediaT) };
  }

  /** Where the input is now on its media clock: the last packet's time plus the wall time since. */
  private mediaNow(): number {
    return this.lastMediaT + (nowSec() - this.lastPacketWall);
  }

  private async run(): Promise<void> {
    const o = this.options;
    const stallTimeout = o.stallTimeout ?? liveDefaults.stallTimeout;
    // A stall runs from the last packet until packets flow again. Before the first packet
    // the input is not live yet: input_error says why.
    this.watchdog = setInterval(() => {
      if (this.seenPacket && nowSec() - this.lastPacketWall >= stallTimeout) this.stall.update(true, this.lastMediaT, this.mediaNow());
    }, 100);
    const first = o.reconnectDelay ?? liveDefaults.reconnectDelay;
    let delay = first;
    try {
      while (!this.stopped) {
        try {
          await this.session(() => { delay = first; });
          if (!this.stopped) throw new VqmonError('ERR_VQMON_INPUT_READ', `${this.url} ended: the source closed the stream (or, for HLS, its playlist stopped growing)`);
        } catch (e) {
          if (this.stopped) break;
          this.failed(e, delay);
        }
        if (this.stopped) break;
        this.state = 'retrying';
        await new Promise<void>((r) => {
          const timer = setTimeout(r, delay * 1000);
          this.wake = () => { clearTimeout(timer); r(); };
        });
        this.wake = null;
        delay = Math.min(liveDefaults.maxReconnectDelay, delay * 2);
      }
    } finally {
      this.finish();
    }
  }

  /** input_error, phase start, on every failed open or read: the outage's start, the attempt, the next retry. */
  private failed(e: unknown, retryInSec: number) {
    const code = isVqmonError(e) ? e.code : 'ERR_VQMON_INPUT_READ';
    const message = e instanceof Error ? e.message : String(e);
    this.counts.inputErrors++;
    this.lastError = { code, message };
    const f = this.failure ??= { start: this.mediaNow(), attempts: 0 };
    f.attempts++;
    const now = this.mediaNow();
    this.emit({ type: 'input_error', phase: 'start', start: round(f.start), end: round(now), duration: round(now - f.start),
      detail: { code, message, attempt: f.attempts, retryInSec } });
  }

  /** input_error, phase end: media flows again (reason 'open') or the monitor stopped ('stopped'). */
  private recovered(reason: 'open' | 'stopped') {
    const f = this.failure;
    if (!f) return;
    this.failure = null;
    const now = this.mediaNow();
    this.emit({ type: 'input_error', phase: 'end', start: round(f.start), end: round(now), duration: round(now - f.start), detail: { attempts: f.attempts, reason } });
  }

  /** Once: phase end for everything in progress. */
  private finish() {
    if (this.finished) return;
    this.finished = true;
    this.state = 'stopped';
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.drop) this.endDrop(this.lastMediaT);
    for (const t of this.trackers) t.close();
    this.stall.close();
    this.recovered('stopped');
  }

  private async session(onOpen: () => void): Promise<void> {
    const o = this.options;
    const openTimeout = o.openTimeout ?? liveDefaults.openTimeout;
    // FFmpeg's HLS reader reloads a playlist that stopped growing 1000 times before it gives
    // up, holding its read (and a stop) for many minutes: give up after about the open timeout.
    const hlsOptions = /\.m3u8(\?|$)/i.test(this.url) ? { m3u8_hold_counters: String(Math.max(3, Math.ceil(openTimeout))) } : undefined;
    const dm = await openInput(this.target.url, openTimeout, { ...hlsOptions, ...this.target.options }, this.input = new MediaInput(), this.url);
    let vdec: Decoder | null = null, adec: Decoder | null = null;
    try {
      if (this.stopped) return;
      // A finished HLS playlist (or a file over HTTP) opens again as a whole: reading it
      // again would report old media as new. It is still ended until it opens live.
      const live = !(dm.duration !== null && dm.duration > 0);
      if (this.ended && !live) throw new VqmonError('ERR_VQMON_INPUT_READ', `${this.url} has ended (a finished playlist or a file), waiting for it to go live again`);
      const vs = dm.streams.find((s) => s.type === 'video' && kernelReadable(s.format)) ?? null;
      const as = dm.streams.find((s) => s.type === 'audio') ?? null;
      if (!vs && !as) {
        const found = dm.streams.map((s) => `${s.type} ${s.codec ?? '?'} ${s.format ?? ''}`.trim()).join(', ') || 'none';
        throw new VqmonError('ERR_VQMON_INPUT_NO_STREAMS', `${this.url} has no video in a pixel format the kernels read and no audio (streams: ${found})`);
      }
      // One decoder thread while corruption runs, as for files (ARCHITECTURE.md: decoder damage).
      vdec = vs ? new Decoder(dm, vs.index, this.readsDamage ? 1 : undefined) : null;
      adec = as ? new Decoder(dm, as.index, 1) : null;
      this.audio = as ? { rate: as.sampleRate, channels: as.channels, pending: [], count: 0, t0: -1, gap: true, frames: [], dropped: false } : null;
      this.refused = [];
      this.resetAudio();
      const fd = (vs && frameDuration(vs)) || 1 / 25;
      const constantDuration = vs ? constantFrameDuration(vs) : 0;
      // A new session starts a new reference chain (the picture may have changed) and a new lag base.
      this.chain.reset();
      this.lag.reset();
      this.counts.sessions++;
      this.state = 'live';
      for (const t of this.trackers) t.session?.({ video: vs !== null, audio: as !== null });
      // A live playlist opened again starts a few segments back: those already read are skipped.
      const repeats = dm.formatName === 'hls' && this.lastStreamSec !== null ? this.lastStreamSec : null;
      const stallTimeout = o.stallTimeout ?? liveDefaults.stallTimeout;
      const analysisDelay = o.debug?.analysisDelay ?? 0;
      let rebase = true, awaitingKey = true;
      const p = dm.packet, decoded: DecodedFrame[] = [];
      while (!this.stopped) {
        let more: boolean;
        try {
          more = await dm.read();
        } catch (e) {
          throw new VqmonError('ERR_VQMON_INPUT_READ', `reading ${this.url} failed: ${e instanceof Error ? e.message : String(e)}`);
        }
        if (this.stopped) break;
        if (!more) {
          this.ended = true;
          break;
        }
        this.counts.packets++;
        const stream = dm.streams[p.streamIndex]!;
        const ts = p.pts ?? p.dts;
        const wall = nowSec();
        // Packets again after a stall: the source paused.
        const resumed = this.seenPacket && wall - this.lastPacketWall >= stallTimeout;
        let t = NaN;
        if (ts !== null) {
          const sec = seconds(ts, stream.timeBase);
          if (repeats !== null && sec <= repeats && sec > repeats - 30) continue;
          this.lastStreamSec = Math.max(this.lastStreamSec ?? -Infinity, sec);
          if (rebase) {
            // Media flows: the input is back (input_error ends), and its clock goes on from here.
            this.base = this.seenPacket ? this.mediaNow() - sec : -sec;
            rebase = false;
            onOpen();
            this.recovered('open');
          }
          t = sec + this.base;
          if (resumed) this.lag.reset(); // a paused source is not lag
          this.lastMediaT = Math.max(this.lastMediaT, t);
          this.lag.update(t, wall, p.streamIndex);
        }
        this.lastPacketWall = wall;
        this.seenPacket = true;
        this.stall.update(false, 0, 0);
        const isVideo = vdec !== null && p.streamIndex === vs!.index;
        const isAudio = adec !== null && p.streamIndex === as!.index;
        if ((isVideo || isAudio) && ts !== null) {
          const duration = p.duration ? seconds(p.duration, stream.timeBase) : isVideo ? fd : 0;
          for (const tr of this.trackers) tr.packet?.(isVideo ? 'video' : 'audio', t, t + duration, resumed);
        }
        if (this.dropping(p.key, isVideo, vdec !== null)) continue;
        // A session joins the stream anywhere: pictures before its first keyframe would be
        // decoded against references it never had.
        if (isVideo && awaitingKey && !p.key) continue;
        if (isVideo) {
          awaitingKey = false;
          const pts = p.pts;
          // A packet the decoder refuses is damage at its time (corruption's decoder evidence).
          if (!(await vdec!.decode(decoded))) {
            this.counts.decoderErrors++;
            if (pts !== null) this.refused.push(seconds(pts, vs!.timeBase) + this.base);
          }
          this.onVideo(decoded, vs!.timeBase, fd, constantDuration, pixelAspect(vs!));
          if (analysisDelay) await new Promise((r) => setTimeout(r, analysisDelay * 1000));
        } else if (isAudio) {
          await adec!.decode(decoded);
          this.onAudio(decoded, as!.timeBase);
        }
        decoded.length = 0;
      }
    } finally {
      if (this.drop) this.endDrop(this.lastMediaT);
      // The chain's frames go back before their decoder closes; then the input (no call in flight here).
      this.chain.reset();
      vdec?.close();
      adec?.close();
      this.input = null;
      await dm.close();
    }
  }

  /**
   * Back-pressure: once processing is `maxLag` behind real time (sustained), packets are
   * read and dropped, not decoded, until it is within maxLag / 2 again and a video
   * keyframe (where decoding can restart) arrives. Reported as analysis_dropped, phase
   * start then end, with the packets dropped.
   */
  private dropping(key: boolean, isVideo: boolean, hasVideo: boolean): boolean {
    const maxLag = this.options.maxLag ?? liveDefaults.maxLag;
    const t = this.lastMediaT;
    if (!this.drop && this.lag.sustained > maxLag) {
      this.drop = { start: t, packets: 0, lag: this.lag.sustained };
      this.counts.dropSpans++;
      this.emit({ type: 'analysis_dropped', phase: 'start', start: round(t), end: round(t), duration: 0, detail: { lagSec: round(this.lag.sustained, 2) } });
    }
    if (!this.drop) return false;
    if (this.lag.now <= maxLag / 2 && (!hasVideo || (isVideo && key))) {
      this.endDrop(t);
      return false;
    }
    this.drop.packets++;
    this.counts.droppedPackets++;
    return true;
  }

  private endDrop(t: number) {
    const d = this.drop!;
    this.drop = null;
    this.emit({ type: 'analysis_dropped', phase: 'end', start: round(d.start), end: round(t), duration: round(t - d.start),
      detail: { packets: d.packets, lagSec: round(d.lag, 2) } });
    this.videoGap = true;
    this.resetAudio();
    if (this.audio) {
      this.audio.gap = this.audio.dropped = true;
      this.audio.frames = [];
    }
  }

  private resetAudio() {
    const a = this.audio;
    if (!a) return;
    a.pending = Array.from({ length: a.channels }, () => []);
    a.count = 0;
    a.t0 = -1;
  }

  /** Analyses the frames; the chain releases them (all of them, when the input has stopped). */
  private onVideo(frames: DecodedFrame[], tb: Rational, fd: number, constantDuration: number, pixelShape: number) {
    if (!frames.length) return;
    if (this.finished) {
      releaseFrames(frames);
      return;
    }
    const views = frames.map(videoView);
    const times = Float64Array.from(frames, (f) => seconds(f.time, tb) + this.base);
    const corrupt = Uint8Array.from(frames, (f) => (f.damaged ? 1 : 0));
    for (const c of corrupt) this.counts.decoderErrors += c;
    const key = Uint8Array.from(frames, (f) => (f.intra ? 1 : 0));
    const options = kernelVideoOptions(this.options.black, this.options.freeze, (frames[0]!.format ?? '').startsWith('yuvj'));
    for (let s = 0; s < views.length; s += BATCH) {
      const batch = views.slice(s, s + BATCH);
      const first = this.chain.prev === null;
      // Thumbnails before the kernels: the chain releases the frames' planes after them.
      this.preview?.frames(batch, times.subarray(s, s + batch.length), (frames[0]!.width * pixelShape) / frames[0]!.height);
      this.chain.analyze(batch, options, this.out);
      // The same series rows as the file path: frame columns, then the tile rule's.
      for (let i = 0; i < batch.length; i++) {
        this.programme.seriesRow(this.out, i * this.layout.rowWidth, batch[i]!.width, batch[i]!.height, this.series, i * SERIES_COLUMNS);
      }
      const rows = { rows: this.series, rowWidth: SERIES_COLUMNS, count: batch.length, t: times.subarray(s, s + batch.length),
        frameDuration: fd, constantDuration, first, gap: this.videoGap, corrupt: corrupt.subarray(s, s + batch.length), key: key.subarray(s, s + batch.length),
        texture: this.readsDamage ? batchTexture(this.out, batch.length, this.layout) : null, refused: this.refused };
      if (this.preview) {
        for (let i = first ? 1 : 0; i < batch.length; i++) this.preview.addMotion(this.series[i * SERIES_COLUMNS + MAFD_PREV]!);
      }
      this.videoGap = false;
      this.refused = [];
      for (const t of this.trackers) t.video?.(rows);
      this.counts.videoFrames += batch.length;
    }
  }

  /** Copies the frames' samples out (audioChannels) and releases them. */
  private onAudio(frames: DecodedFrame[], tb: Rational) {
    try {
      this.audioFrames(frames, tb);
    } finally {
      releaseFrames(frames);
    }
  }

  private audioFrames(frames: DecodedFrame[], tb: Rational) {
    const a = this.audio;
    if (!a || !frames.length || this.finished) return;
    for (const f of frames) {
      const t = seconds(f.time, tb) + this.base;
      const hole = a.t0 < 0 ? 0 : t - (a.t0 + a.count / a.rate);
      if (hole > AUDIO_HOLE_FILL) {
        this.audioWindows(1); // what is complete goes out; the windows start again after the hole
        this.resetAudio();
        a.gap = true;
      } else if (hole > 0.001) {
        const n = Math.round(hole * a.rate);
        for (let c = 0; c < a.channels; c++) a.pending[c]!.push(new Float32Array(n).fill(NaN));
        a.count += n;
      }
      if (a.t0 < 0) a.t0 = t;
      a.frames.push(t, f.samples);
      const ch = audioChannels(f);
      for (let c = 0; c < a.channels; c++) a.pending[c]!.push(ch[c] ?? ch[0]!.slice());
      a.count += f.samples;
    }
    this.audioWindows(5);
  }

  /** The whole 50 ms windows pending, once there are `min` (a quarter second at a time): one native call per channel. */
  private audioWindows(min: number) {
    const a = this.audio!;
    const win = Math.round(a.rate * AUDIO_WINDOW);
    const windows = Math.floor(a.count / win);
    if (windows < Math.max(1, min)) return;
    const n = windows * win;
    const stats = new Float64Array(windows * a.channels * 3);
    const one = new Float64Array(windows * 3);
    const clipLevel = this.options.clipping?.clipLevel ?? clippingDefaults.clipLevel;
    let samples: Float32Array | null = null;
    for (let c = 0; c < a.channels; c++) {
      const all = joinSamples(a.pending[c]!, a.count);
      if (c === 0 && this.readsSamples) samples = all.slice(0, n);
      native.audioStats(all.subarray(0, n), { window: win, clipLevel }, one);
      // Interleaved as the file engine's series: [window][channel][peak, rms, clipped].
      for (let w = 0; w < windows; w++) stats.set(one.subarray(w * 3, w * 3 + 3), (w * a.channels + c) * 3);
      a.pending[c] = [all.slice(n)];
    }
    const chunk = { t0: a.t0, window: win / a.rate, channels: a.channels, count: windows, stats, sampleRate: a.rate, gap: a.gap,
      dropped: a.dropped, frames: Float64Array.from(a.frames), samples };
    a.gap = a.dropped = false;
    a.frames = [];
    this.preview?.addAudio(stats, windows, a.channels);
    for (const t of this.trackers) t.audio?.(chunk);
    this.counts.audioWindows += windows;
    a.t0 += windows * (win / a.rate);
    a.count -= n;
  }
}
