/**
 * One live input (UDP/RTP MPEG-TS, SRT, RTMP, HLS, HTTP...): demux and decode on libuv's
 * threadpool, kernels on each decoded group of frames in this thread (a few hundred
 * microseconds per 1080p frame), streaming detectors, stall watch and reconnection with
 * backoff. Events carry media time from the input's first frame.
 */
import { openDecoder, type BcDecoder, type BcFrame, type BcPacket } from '../decode/beamcoder.js';
import { audioChannels, frameDuration, kernelReadable, streamSeconds as seconds, videoView } from '../decode/frames.js';
import { openInput } from '../decode/open.js';
import { blackDefaults, blackFrame, type BlackOptions } from '../detectors/black.js';
import { freezeDefaults, frozenFrame, refreshStep, type FreezeOptions } from '../detectors/freeze.js';
import { ProgrammeTiles, SERIES_COLUMNS } from '../detectors/graphics.js';
import { BlockinessScorer, blockinessDefaults, SCENE_CUT_MAFD, type BlockinessOptions, type ScoredFrame } from '../detectors/blockiness.js';
import { dbfs, silenceDefaults } from '../detectors/silence.js';
import { joinSamples } from '../metrics/samples.js';
import { kernelVideoOptions, tileRuleOptions, VideoChain } from '../metrics/video-chain.js';
import { frameColumn, native } from '../native.js';
import { FreezeTracker, RunTracker, type LiveEvent } from './run-tracker.js';

const BLOCK_TILES = frameColumn('blockTiles'), MAFD_PREV = frameColumn('mafdPrev');

export interface LiveOptions {
  /** As analyze()'s, channel graphics and masks included (src/detectors/freeze.ts, black.ts). */
  freeze?: FreezeOptions;
  black?: BlackOptions;
  blockiness?: BlockinessOptions;
  silence?: { minDuration?: number; level?: number };
  /** Seconds without any packet that make a stall [2]. */
  stallTimeout?: number;
  /** First reconnection delay, doubled up to 30 s [1]. */
  reconnectDelay?: number;
  /** Seconds to wait for an input to open [10]. */
  openTimeout?: number;
}

export class LiveInput {
  private stopped = false;
  private lastPacketWall = 0;
  private lastMediaT = 0;
  private origin: number | null = null;
  private readonly stall: RunTracker;
  private readonly freeze: FreezeTracker;
  private readonly black: RunTracker;
  private readonly silence: RunTracker;
  private readonly blockiness: RunTracker;
  private readonly blockScorer: BlockinessScorer;
  private readonly chain = new VideoChain();
  private prevT = 0;
  private readonly layout;
  private readonly out: Float64Array;
  private readonly programme: ProgrammeTiles;
  private readonly series = new Float64Array(SERIES_COLUMNS);
  private audio: { rate: number; channels: number; pending: Float32Array[][]; count: number; t0: number } | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  readonly done: Promise<void>;

  constructor(readonly url: string, private readonly options: LiveOptions, private readonly emit: (e: LiveEvent) => void) {
    const ev = (e: Omit<LiveEvent, 'input'>) => this.emit({ ...e, input: url });
    this.stall = new RunTracker('stall', 0, ev);
    this.freeze = new FreezeTracker(options.freeze?.minDuration ?? freezeDefaults.minDuration,
      options.freeze?.refreshTolerance ?? freezeDefaults.refreshTolerance, options.freeze?.refreshInterval ?? freezeDefaults.refreshInterval, ev);
    this.black = new RunTracker('black', options.black?.minDuration ?? blackDefaults.minDuration, ev);
    this.silence = new RunTracker('silence', options.silence?.minDuration ?? silenceDefaults.minDuration, ev);
    this.blockiness = new RunTracker('blockiness', options.blockiness?.minDuration ?? blockinessDefaults.minDuration, ev);
    this.blockScorer = new BlockinessScorer(options.blockiness?.baselineWindow, options.blockiness?.threshold);
    this.layout = native.videoLayout(kernelVideoOptions(options.black, options.freeze, false));
    this.out = new Float64Array(16 * this.layout.rowWidth);
    this.programme = new ProgrammeTiles(this.layout, tileRuleOptions(options.black, options.freeze));
    this.done = this.run();
  }

  /**
   * Stops after the read in flight returns (at most the open timeout on a silent source):
   * closing a demuxer while FFmpeg reads from it on the threadpool would free it under
   * that read.
   */
  stop(): Promise<void> {
    this.stopped = true;
    return this.done;
  }

  private mediaNow(): number {
    return this.lastMediaT + (performance.now() - this.lastPacketWall) / 1000;
  }

  private async run(): Promise<void> {
    const stallTimeout = this.options.stallTimeout ?? 2;
    this.lastPacketWall = performance.now();
    // A stall runs from the last packet until packets flow again.
    this.watchdog = setInterval(() => {
      const idle = (performance.now() - this.lastPacketWall) / 1000;
      if (idle >= stallTimeout) this.stall.update(true, this.lastMediaT, this.mediaNow());
    }, 100);
    let delay = this.options.reconnectDelay ?? 1;
    try {
      while (!this.stopped) {
        try {
          await this.session();
          delay = this.options.reconnectDelay ?? 1;
        } catch (e) {
          if (this.stopped) break;
          this.emit({ type: 'input_error', phase: 'start', start: Math.round(this.mediaNow() * 1000) / 1000, end: Math.round(this.mediaNow() * 1000) / 1000, duration: 0,
            input: this.url, detail: { message: e instanceof Error ? e.message : String(e), retryInSec: delay } });
        }
        if (this.stopped) break;
        await new Promise((r) => setTimeout(r, delay * 1000));
        delay = Math.min(30, delay * 2);
      }
    } finally {
      if (this.watchdog) clearInterval(this.watchdog);
      this.onBlockiness(this.blockScorer.flush());
      for (const t of [this.freeze, this.black, this.blockiness, this.silence, this.stall]) t.close();
    }
  }

  private async session(): Promise<void> {
    const dm = await openInput(this.url, this.options.openTimeout ?? 10);
    try {
      const vs = dm.streams.find((s) => s.codecpar.codec_type === 'video' && kernelReadable(s.codecpar.format)) ?? null;
      const as = dm.streams.find((s) => s.codecpar.codec_type === 'audio') ?? null;
      const vdec: BcDecoder | null = vs ? openDecoder(dm, vs.index) : null;
      const adec: BcDecoder | null = as ? openDecoder(dm, as.index, 1) : null;
      if (as) this.audio = { rate: as.codecpar.sample_rate, channels: as.codecpar.channels, pending: Array.from({ length: as.codecpar.channels }, () => []), count: 0, t0: -1 };
      const fd = (vs && frameDuration(vs)) || 1 / 25;
      // A new session starts a new reference chain and blockiness baseline (the picture may have changed).
      this.chain.reset();
      this.onBlockiness(this.blockScorer.flush());
      this.blockScorer.reset();
      while (!this.stopped) {
        const p: BcPacket | null = await dm.read();
        if (!p) break;
        const stream = dm.streams[p.stream_index]!;
        const t = seconds(p.pts ?? p.dts, stream.time_base);
        if (this.origin === null) this.origin = t;
        this.lastPacketWall = performance.now();
        this.lastMediaT = Math.max(this.lastMediaT, t - this.origin);
        this.stall.update(false, 0, 0);
        if (vdec && p.stream_index === vs!.index) this.onVideo((await vdec.decode(p).catch(() => ({ frames: [] }))).frames, vs!.time_base, fd);
        else if (adec && p.stream_index === as!.index) this.onAudio((await adec.decode(p).catch(() => ({ frames: [] }))).frames, as!.time_base);
      }
    } finally {
      dm.forceClose(); // no read in flight here
    }
  }

  private onVideo(frames: BcFrame[], tb: [number, number], fd: number) {
    if (!frames.length) return;
    const views = frames.map(videoView);
    const times = frames.map((f) => seconds(f.best_effort_timestamp ?? f.pts, tb) - (this.origin ?? 0));
    const fullRange = (frames[0]!.format ?? '').startsWith('yuvj');
    const options = kernelVideoOptions(this.options.black, this.options.freeze, fullRange);
    for (let s = 0; s < views.length; s += 16) {
      const batch = views.slice(s, s + 16);
      const hadPrev = this.chain.prev !== null;
      this.chain.analyze(batch, options, this.out);
      const pic = this.options.black?.pictureThreshold ?? blackDefaults.pictureThreshold;
      const row = this.series, c = SERIES_COLUMNS;
      for (let i = 0; i < batch.length; i++) {
        const t = times[s + i]!;
        // The same per-frame rules as the file detectors, on the same series row.
        this.programme.seriesRow(this.out, i * this.layout.rowWidth, batch[i]!.width, batch[i]!.height, row, 0);
        const frozen = (i > 0 || hadPrev) && frozenFrame(row, c, 0);
        this.freeze.update(frozen, refreshStep(row, c, 0), t, t + fd, this.prevT);
        this.black.update(blackFrame(row, c, 0, pic), t, t + fd);
        this.onBlockiness(this.blockScorer.push(t, t + fd, row[BLOCK_TILES]!, row[MAFD_PREV]! >= SCENE_CUT_MAFD));
        this.prevT = t;
      }
    }
  }

  /** Scored frames come back a few frames late (the score is a centred median). */
  private onBlockiness(frames: ScoredFrame[]) {
    const threshold = this.options.blockiness?.threshold ?? blockinessDefaults.threshold;
    for (const f of frames) this.blockiness.update(f.score >= threshold, f.t0, f.t1, f.t0, f.score);
  }

  private onAudio(frames: BcFrame[], tb: [number, number]) {
    const a = this.audio;
    if (!a || !frames.length) return;
    for (const f of frames) {
      const ch = audioChannels(f);
      if (a.t0 < 0) a.t0 = seconds(f.best_effort_timestamp ?? f.pts, tb) - (this.origin ?? 0);
      for (let c = 0; c < a.channels; c++) a.pending[c]!.push(ch[c] ?? ch[0]!.slice());
      a.count += f.nb_samples;
    }
    // Whole 50 ms windows, a quarter second at a time: one native call per channel.
    const win = Math.round(a.rate * 0.05);
    const windows = Math.floor(a.count / win);
    if (windows < 5) return;
    const n = windows * win;
    const rms = new Float64Array(windows);
    const stats = new Float64Array(windows * 3);
    for (let c = 0; c < a.channels; c++) {
      const all = joinSamples(a.pending[c]!, a.count);
      native.audioStats(all.subarray(0, n), { window: win }, stats);
      for (let w = 0; w < windows; w++) rms[w] = Math.max(rms[w]!, stats[w * 3 + 1]!);
      a.pending[c] = [all.slice(n)];
    }
    const level = this.options.silence?.level ?? silenceDefaults.level;
    for (let w = 0; w < windows; w++) {
      const t0 = a.t0 + w * 0.05;
      this.silence.update(dbfs(rms[w]!) < level, t0, t0 + 0.05);
    }
    a.t0 += windows * 0.05;
    a.count -= n;
  }
}
