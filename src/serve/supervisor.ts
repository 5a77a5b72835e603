/**
 * The service's streams on one live Monitor (src/live/monitor.ts): each stored stream that
 * is not paused is one input with its own settings over the service's defaults. Adding,
 * changing, pausing and removing a stream go to the store first, then to the monitor, so
 * the store always holds the set to resume after a restart.
 *
 * Every event is stored (committed) before it is published to SSE and webhooks, so an
 * event anyone was told about is in the store, killed process or not.
 *
 * Supervision is the live input's own: a stream that fails to open or read is retried with
 * backoff (input_error events, state `retrying`), a stream that stops delivering is a
 * `stall`; each input runs its own read loop, so one bad stream does not hold up another.
 *
 * Once a second the supervisor samples each input's counters: frames per second over the
 * last 5 s for status and /metrics, and per-minute summaries (frames, audio windows,
 * dropped packets, decoder and input errors, events, worst lag) written at each minute's end,
 * and a metric reading (motion, blockiness, audio level: src/live/preview.ts) kept for the
 * last 10 minutes and published to the dashboard. Each event's phase start is stored with
 * the picture at its start, when the input has one within a second of it.
 */
import { randomBytes } from 'node:crypto';

import { round } from '../detectors/types.js';
import { VqmonError } from '../errors.js';
import { createMonitor, type InputStats, type LiveEvent, type Monitor } from '../live/monitor.js';
import { checkLiveOptions, type LiveOptions } from '../live/options.js';
import { displayUrl, parseLiveUrl } from '../live/url.js';
import { admit, liveCapacity } from '../live/threadpool.js';
import type { Thumbnail } from '../live/preview.js';
import type { StreamGaugeSource } from './metrics.js';
import { encodePng } from './png.js';
import type { StreamOptions } from './schemas.js';
import type { StoredEvent, StreamRow, Store } from './store.js';

export interface StreamStatus {
  state: InputStats['state'] | 'paused';
  stalled: boolean;
  fps: number;
  videoFrames: number;
  audioWindows: number;
  decoderErrors: number;
  inputErrors: number;
  droppedPackets: number;
  lagSec: number;
  maxLagSec: number;
  mediaTime: number;
  lastError: { code: string; message: string } | null;
}

export interface SupervisorOptions {
  /** Settings every stream starts from (a stream's own options replace these key by key). */
  defaults?: StreamOptions;
  /** Called with every stored event, after it is committed. */
  publish?: (e: StoredEvent) => void;
  /** Called for each event's phase start (a defect), after it is stored. */
  onDefect?: (streamId: string, type: string) => void;
  /** Called with each stream's metric reading, once a second. */
  publishSample?: (s: Sample) => void;
  /** Streams watched at once at most (paused ones do not count) [no limit but the threadpool's]. */
  maxStreams?: number;
}

/** A stream's once-a-second reading for the dashboard's sparklines. */
export interface Sample {
  streamId: string;
  /** Epoch ms. */
  at: number;
  /** The input's media time, seconds. */
  mediaTime: number;
  fps: number;
  /** Mean absolute luma difference of each frame to the one before, 0..1 of full scale (freeze.noise's unit); null: no video this second. */
  motion: number | null;
  /** Mean blockiness score (0..1, the blockiness detector's); null: none scored this second. */
  blockiness: number | null;
  /** RMS level of the loudest channel, dBFS (floor -120); null: no audio this second. */
  audioDb: number | null;
}

/** Readings kept per stream: ten minutes. */
export const SAMPLES_KEPT = 600;
/** Events kept waiting for a store that fails writes (about an hour of a busy node). */
const MAX_UNSTORED = 100_000;

interface FrameCount { at: number; frames: number }
interface Minute { minute: number; frames: number; audioWindows: number; droppedPackets: number; decoderErrors: number; inputErrors: number; events: number; maxLag: number }
interface Tracked { samples: FrameCount[]; last: InputStats | null; minute: Minute; stalled: boolean; readings: Sample[] }

const newMinute = (minute: number): Minute => ({ minute, frames: 0, audioWindows: 0, droppedPackets: 0, decoderErrors: 0, inputErrors: 0, events: 0, maxLag: 0 });
const notFound = (id: string) => new VqmonError('ERR_VQMON_NOT_FOUND', `no stream with id '${id}' (GET /api/streams lists them)`);

export class Supervisor {
  private readonly monitor: Monitor;
  private readonly byUrl = new Map<string, string>();
  private readonly tracked = new Map<string, Tracked>();
  /** Inputs being stopped, by URL: resolved once their read in flight has returned. */
  private readonly closing = new Map<string, Promise<void>>();
  private readonly sampler: NodeJS.Timeout;
  private closed = false;
  /** PNGs of pictures, encoded once each (png()). */
  private readonly encoded = new WeakMap<Thumbnail, Buffer>();
  /** Events whose write failed, oldest first (record()). */
  private readonly unstored: Array<{ id: string; e: LiveEvent; at: number }> = [];
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly writes = { failures: 0, dropped: 0 };

  constructor(private readonly store: Store, private readonly o: SupervisorOptions = {}) {
    const defaults = o.defaults ?? {};
    checkLiveOptions(defaults);
    // Events are taken from the emitter, synchronously; the async iterator's queue is not
    // read here, so it is kept at one event (it sheds in constant time).
    this.monitor = createMonitor({ ...defaults, maxQueuedEvents: 1, preview: true });
    this.monitor.on('event', (e: LiveEvent) => this.onEvent(e));
    this.sampler = setInterval(() => this.sample(), 1000);
    this.sampler.unref();
  }

  /**
   * Starts every stored stream that is not paused (after a restart: the same set as before).
   * Defects that were still open when the process stopped (killed) get their phase end first,
   * marked interrupted, with the end known at their start: a client never holds an event
   * that cannot end. One still there is found again, as a new event, once its input runs.
   */
  start(): void {
    for (const e of this.store.openEvents()) {
      this.record(e.streamId, { input: e.input, type: e.type, phase: 'end', start: e.start, end: e.end, duration: e.duration,
        ...(e.score !== undefined ? { score: e.score } : {}),
        detail: { ...e.detail, interrupted: true, reason: 'the service stopped before this ended; reported again if it is still there' } });
    }
    for (const s of this.store.listStreams()) {
      this.byUrl.set(displayUrl(s.url), s.id);
      if (s.paused) continue;
      try {
        this.admit();
        this.watch(s);
      } catch (e) {
        // A smaller maxStreams than before the restart: the rest wait, stopped, for room.
        console.error(`vqmon: stream ${s.id} not started: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  /** Throws ERR_VQMON_CAPACITY when one more watched stream is more than this node takes. */
  private admit() {
    admit(this.tracked.size, Math.min(this.o.maxStreams ?? Infinity, liveCapacity()), 'maxStreams');
  }

  /** Opens the stream's input, once the input it had before (same URL) has let go of it. */
  private watch(s: StreamRow) {
    const t: Tracked = { samples: [], last: null, minute: newMinute(Math.floor(Date.now() / 60_000)), stalled: false, readings: [] };
    this.tracked.set(s.id, t);
    const pending = this.closing.get(displayUrl(s.url));
    if (!pending) return this.monitor.add(s.url, s.options);
    void pending.then(() => {
      if (this.tracked.get(s.id) === t && !this.closed) this.monitor.add(s.url, s.options);
    });
  }

  /**
   * Stops the stream's input: its runs end now (phase end events stored and sent before this
   * returns). Not awaited: a quiet source holds its read in flight up to the open timeout,
   * and the API does not wait for that; a new input on the same URL does (watch()).
   */
  private unwatch(s: StreamRow) {
    this.sample(); // its counters up to now, into its minute
    const key = displayUrl(s.url);
    const done: Promise<void> = this.monitor.remove(s.url).catch(() => undefined).finally(() => {
      if (this.closing.get(key) === done) this.closing.delete(key);
    });
    this.closing.set(key, done);
    this.flushMinute(s.id);
    this.tracked.delete(s.id);
  }

  list(): StreamRow[] {
    return this.store.listStreams();
  }

  get(id: string): StreamRow {
    const s = this.store.getStream(id);
    if (!s) throw notFound(id);
    return s;
  }

  /** Throws ERR_VQMON_INVALID_ARG (URL, options), ERR_VQMON_CONFLICT (URL already watched). */
  add(input: { url: string; name?: string; options?: StreamOptions; paused?: boolean }): StreamRow {
    // Stored normalised, credentials included (the input is opened again after a restart);
    // shown, and compared for duplicates, redacted (url.ts).
    const { url, display } = parseLiveUrl(input.url);
    const options = input.options ?? {};
    checkLiveOptions({ ...this.o.defaults, ...options });
    const existing = this.byUrl.get(display);
    if (existing !== undefined) throw new VqmonError('ERR_VQMON_CONFLICT', `${display} is already watched as stream '${existing}'`);
    if (!input.paused) this.admit();
    const now = Date.now();
    const s: StreamRow = { id: randomBytes(6).toString('base64url'), url, name: input.name ?? display, options,
      paused: input.paused ?? false, createdAt: now, updatedAt: now };
    this.store.insertStream(s);
    this.byUrl.set(display, s.id);
    if (!s.paused) this.watch(s);
    return s;
  }

  /** New name and/or settings; a running stream is reopened with the new settings. */
  update(id: string, patch: { name?: string; options?: StreamOptions }): StreamRow {
    const s = this.get(id);
    if (patch.options) checkLiveOptions({ ...this.o.defaults, ...patch.options });
    const next: StreamRow = { ...s, name: patch.name ?? s.name, options: patch.options ?? s.options, updatedAt: Date.now() };
    this.store.updateStream(next);
    if (patch.options && !s.paused) {
      this.unwatch(s);
      this.watch(next);
    }
    return next;
  }

  setPaused(id: string, paused: boolean): StreamRow {
    const s = this.get(id);
    if (s.paused === paused) return s;
    if (!paused) this.admit();
    const next = { ...s, paused, updatedAt: Date.now() };
    this.store.updateStream(next);
    if (paused) this.unwatch(s);
    else this.watch(next);
    return next;
  }

  /** Stops watching and forgets the stream; its stored events stay. */
  remove(id: string): void {
    const s = this.get(id);
    this.store.deleteStream(id);
    if (!s.paused) this.unwatch(s);
    this.byUrl.delete(displayUrl(s.url));
  }

  status(s: StreamRow): StreamStatus {
    const t = this.tracked.get(s.id);
    const i = t ? this.monitor.stats().inputs.find((x) => x.url === s.url) : undefined;
    return { state: s.paused ? 'paused' : i?.state ?? (t ? 'connecting' : 'stopped'), stalled: t?.stalled ?? false, fps: t ? fps(t.samples) : 0,
      videoFrames: i?.videoFrames ?? 0, audioWindows: i?.audioWindows ?? 0, decoderErrors: i?.decoderErrors ?? 0,
      inputErrors: i?.inputErrors ?? 0, droppedPackets: i?.droppedPackets ?? 0, lagSec: i?.lagSec ?? 0, maxLagSec: i?.maxLagSec ?? 0,
      mediaTime: i?.mediaTime ?? 0, lastError: i?.lastError ?? null };
  }

  /** The stream's latest picture as PNG, or null (none yet, paused, no video). */
  latestThumbnail(id: string): Buffer | null {
    const s = this.get(id);
    const th = this.tracked.has(id) ? this.monitor.preview(s.url)?.latest() : null;
    return th ? this.png(th) : null;
  }

  /** A picture as PNG, encoded once (the latest is asked for every second or two, and may also be an event's). */
  private png(th: Thumbnail): Buffer {
    let png = this.encoded.get(th);
    if (!png) {
      png = encodePng(th.width, th.height, th.rgb);
      this.encoded.set(th, png);
    }
    return png;
  }

  /** The stream's readings of the last `seconds` (oldest first; while watched since). */
  readings(id: string, seconds = 120): Sample[] {
    this.get(id);
    const since = Date.now() - seconds * 1000;
    return (this.tracked.get(id)?.readings ?? []).filter((r) => r.at >= since);
  }

  /** Per-stream figures for /metrics. */
  gauges(): StreamGaugeSource[] {
    return this.list().filter((s) => !s.paused).map((s) => {
      const st = this.status(s);
      return { id: s.id, up: st.state === 'live' && !st.stalled, fps: st.fps, lagSec: st.lagSec, videoFrames: st.videoFrames,
        audioWindows: st.audioWindows, decoderErrors: st.decoderErrors, inputErrors: st.inputErrors, droppedPackets: st.droppedPackets };
    });
  }

  private onEvent(e: LiveEvent) {
    const id = this.byUrl.get(e.input);
    if (id !== undefined) this.record(id, e);
  }

  /**
   * Stores the event (and the picture at a phase start), then publishes it. A write that
   * fails (disk full, the file locked by another program) is not dropped: the event waits,
   * in order with those after it, and is written again every second; only past
   * MAX_UNSTORED waiting events is the oldest given up, counted and logged.
   */
  private record(id: string, e: LiveEvent, at = Date.now()) {
    if (this.unstored.length || !this.tryStore(id, e, at)) this.defer(id, e, at);
  }

  private defer(id: string, e: LiveEvent, at: number) {
    if (this.unstored.push({ id, e, at }) > MAX_UNSTORED) {
      const lost = this.unstored.shift()!;
      this.writes.dropped++;
      console.error(`vqmon: a ${lost.e.type} event of ${lost.e.input} is lost: ${MAX_UNSTORED} events wait for the store`);
    }
    this.retryTimer ??= setTimeout(() => this.retryUnstored(), 1000);
  }

  private retryUnstored() {
    this.retryTimer = null;
    while (this.unstored.length) {
      const { id, e, at } = this.unstored[0]!;
      if (!this.tryStore(id, e, at)) break;
      this.unstored.shift();
    }
    if (this.unstored.length && !this.closed) this.retryTimer = setTimeout(() => this.retryUnstored(), 1000);
  }

  /** Event writes: failed (each attempt), waiting now, given up. */
  writeStats(): { failures: number; waiting: number; dropped: number } {
    return { ...this.writes, waiting: this.unstored.length };
  }

  private tryStore(id: string, e: LiveEvent, at: number): boolean {
    let stored: StoredEvent;
    try {
      stored = this.store.insertEvent(id, e, at);
    } catch (err) {
      // Not stored, so not notified either: a notification always has its row.
      this.writes.failures++;
      console.error(`vqmon: storing a ${e.type} event of ${e.input} failed (kept, written again in 1 s): ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
    this.published(id, e, stored);
    return true;
  }

  private published(id: string, e: LiveEvent, stored: StoredEvent) {
    if (e.phase === 'start') this.storeThumbnail(stored);
    const t = this.tracked.get(id);
    if (e.type === 'stall' && t) t.stalled = e.phase === 'start';
    if (e.phase === 'start') {
      if (t) t.minute.events++;
      this.o.onDefect?.(id, e.type);
    }
    this.o.publish?.(stored);
  }

  /** The picture at the event's start, stored with it (before it is published). */
  private storeThumbnail(e: StoredEvent) {
    const th = this.monitor.preview(e.input)?.at(e.start);
    if (!th) return;
    try {
      this.store.insertThumbnail(e.id, th.width, th.height, this.png(th));
    } catch (err) {
      console.error(`vqmon: storing the picture of event ${e.id} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private sample() {
    const now = Date.now(), minute = Math.floor(now / 60_000);
    const inputs = new Map(this.monitor.stats().inputs.map((i) => [i.url, i]));
    for (const s of this.list()) {
      const t = this.tracked.get(s.id), i = inputs.get(s.url);
      if (!t || !i) continue;
      if (minute !== t.minute.minute) this.flushMinute(s.id, minute);
      // Counters restart when an input is reopened: a drop means a new input.
      const d = (k: 'videoFrames' | 'audioWindows' | 'droppedPackets' | 'decoderErrors' | 'inputErrors') => (t.last && i[k] >= t.last[k] ? i[k] - t.last[k] : i[k]);
      const m = t.minute;
      m.frames += d('videoFrames');
      m.audioWindows += d('audioWindows');
      m.droppedPackets += d('droppedPackets');
      m.decoderErrors += d('decoderErrors');
      m.inputErrors += d('inputErrors');
      m.maxLag = Math.max(m.maxLag, i.lagSec);
      t.last = i;
      t.samples.push({ at: now, frames: i.videoFrames });
      while (t.samples.length > 6) t.samples.shift();
      const r = this.monitor.preview(s.url)?.take();
      if (r) {
        const orNull = (v: number | null) => (v === null ? null : round(v));
        const reading: Sample = { streamId: s.id, at: now, mediaTime: round(r.mediaTime), fps: fps(t.samples),
          motion: orNull(r.motion), blockiness: orNull(r.blockiness), audioDb: orNull(r.audioDb) };
        t.readings.push(reading);
        if (t.readings.length > SAMPLES_KEPT) t.readings.shift();
        this.o.publishSample?.(reading);
      }
    }
  }

  private flushMinute(id: string, next?: number) {
    const t = this.tracked.get(id);
    if (!t) return;
    const m = t.minute;
    if (m.frames || m.audioWindows || m.events || m.inputErrors || m.droppedPackets) {
      try {
        this.store.addMinute({ streamId: id, ...m });
      } catch (err) {
        console.error(`vqmon: storing the minute summary of stream ${id} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    t.minute = newMinute(next ?? m.minute);
  }

  /**
   * Stops every input (runs in progress end at once: their phase end events are stored and
   * published), flushes summaries. Waits up to `waitMs` for reads in flight to return (a
   * quiet source holds one open up to its open timeout).
   */
  async close(waitMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sampler);
    this.sample();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([this.monitor.close(), ...this.closing.values()]), new Promise((r) => { timer = setTimeout(r, waitMs); })]);
    clearTimeout(timer);
    for (const id of this.tracked.keys()) this.flushMinute(id);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryUnstored(); // a last try
    if (this.unstored.length) console.error(`vqmon: ${this.unstored.length} events could not be stored before the stop and are lost`);
  }
}

/** Frames per second over the samples kept (about the last 5 s). */
function fps(samples: FrameCount[]): number {
  const a = samples[0], b = samples[samples.length - 1];
  if (!a || !b || b.at === a.at || b.frames < a.frames) return 0;
  return Math.round(((b.frames - a.frames) * 1000 / (b.at - a.at)) * 10) / 10;
}

export type { LiveOptions };
