/**
 * av_sync (test signal) on a live input: the file detector's flash-and-beep measurement
 * (src/detectors/avsync.ts) over a sliding window of the last WINDOW seconds. Flashes: a
 * frame whose mean luma rises by `minJump` over the frame before (the kernels' rule, kept
 * streaming with the last frame's mean); beeps: toneOnsets on the first audio channel, each
 * group of windows read with the end of the one before (so a beep across the join is found
 * once, at its onset). A flash is paired once both tracks have come `maxOffset` past it
 * (its beep, early or late, is in by then), as measureAvSync pairs them.
 *
 * Phase start when the window holds `minPairs` pairs and |offset| > `tolerance` (offsetMs,
 * pairs, spreadMs as measured then; `start` the first pair, `end` the last); phase end when
 * the offset is back within the tolerance or the pattern stops (fewer than minPairs pairs in
 * the window), with the last out-of-tolerance measurement (offsetMs the largest one seen),
 * or when the session ends. A new session, or media dropped by back-pressure, restarts the
 * window.
 *
 * Options: those of the file detector (frequency, minJump, maxOffset, minPairs, tolerance).
 * Output: { type: 'av_sync', phase, start, end, duration, offsetMs, detail: { kind: 'signal', pairs, spreadMs } }.
 */
import { avSyncDefaults, measureAvSync, type AvSyncMeasurement, type AvSyncOptions } from '../detectors/avsync.js';
import { event } from '../detectors/types.js';
import { frameColumn, native } from '../native.js';
import type { Emit } from './run-tracker.js';
import type { AudioWindows, LiveTracker, VideoRows } from './trackers.js';

/** Seconds of flashes and beeps measured together. */
const WINDOW = 10;
/** Audio read again at the start of each group (a beep across the join is found from its onset), seconds. */
const OVERLAP = 0.25;
/** Onsets this close to the end of what was read are left to the next read (the tone must be confirmed), seconds. */
const CONFIRM = 0.1;

export class SignalTracker implements LiveTracker {
  readonly readsSamples = true;
  private readonly o: Required<Pick<AvSyncOptions, 'frequency' | 'minJump' | 'maxOffset' | 'minPairs' | 'tolerance'>>;
  private lastMean = NaN;
  private flashes: number[] = [];
  private beeps: number[] = [];
  /** Where each track has come to (media seconds). */
  private videoAt = -Infinity;
  private audioAt = -Infinity;
  /** The end of the audio read so far and its last OVERLAP seconds; onsets before `onsetFrom` were taken. */
  private tail: Float32Array = new Float32Array(0);
  private tailT0 = 0;
  private onsetFrom = -Infinity;
  /** The out-of-tolerance measurement reported (phase start sent), null when none. */
  private open: AvSyncMeasurement | null = null;
  private peak = 0;

  constructor(options: AvSyncOptions | undefined, private readonly emit: Emit) {
    this.o = { ...avSyncDefaults, ...stripUndefined(options ?? {}) };
  }

  session(): void {
    this.end();
    this.restart();
    this.videoAt = this.audioAt = -Infinity;
  }

  video(b: VideoRows): void {
    if (b.first || b.gap) {
      this.lastMean = NaN;
      if (b.gap) this.restart();
    }
    const col = frameColumn('lumaMean');
    for (let i = 0; i < b.count; i++) {
      const m = b.rows[i * b.rowWidth + col]!;
      if (m >= this.lastMean + this.o.minJump) this.flashes.push(b.t[i]!);
      this.lastMean = m;
      this.videoAt = b.t[i]! + b.frameDuration;
    }
    this.measure();
  }

  audio(a: AudioWindows): void {
    if (!a.samples) return;
    if (a.dropped) this.restart();
    const rate = a.sampleRate;
    if (a.gap || Math.abs(this.tailT0 + this.tail.length / rate - a.t0) > 1 / rate) this.tail = new Float32Array(0);
    const all = new Float32Array(this.tail.length + a.samples.length);
    all.set(this.tail);
    all.set(a.samples, this.tail.length);
    const t0 = a.t0 - this.tail.length / rate, end = t0 + all.length / rate;
    if (this.o.frequency > 0 && this.o.frequency < rate / 2) {
      // A tone already sounding at the first sample began before what is read.
      const skip = Math.round(rate * 0.005);
      for (const i of native.toneOnsets(all, { sampleRate: rate, frequency: this.o.frequency })) {
        const t = t0 + i / rate;
        if (i > skip && t >= this.onsetFrom && t < end - CONFIRM) this.beeps.push(t);
      }
    }
    this.onsetFrom = end - CONFIRM;
    const keep = Math.min(all.length, Math.round(OVERLAP * rate));
    this.tail = all.slice(all.length - keep);
    this.tailT0 = end - keep / rate;
    this.audioAt = a.t0 + a.count * a.window;
    this.measure();
  }

  close(): void {
    this.end();
  }

  private restart() {
    this.flashes = [];
    this.beeps = [];
    this.tail = new Float32Array(0);
    this.onsetFrom = -Infinity;
  }

  private measure() {
    // Flashes whose beep (up to maxOffset either way) is surely in.
    const ready = Math.min(this.videoAt, this.audioAt) - this.o.maxOffset;
    const from = ready - WINDOW;
    while (this.flashes.length && this.flashes[0]! < from) this.flashes.shift();
    while (this.beeps.length && this.beeps[0]! < from - this.o.maxOffset) this.beeps.shift();
    const flashes = this.flashes.filter((t) => t <= ready);
    const m = measureAvSync(flashes, this.beeps, this.o);
    const over = m !== null && Math.abs(m.offsetMs) > this.o.tolerance * 1000;
    if (over) {
      if (!this.open) {
        this.open = m;
        this.peak = m.offsetMs;
        this.send('start', m, m.start);
      } else {
        if (Math.abs(m.offsetMs) > Math.abs(this.peak)) this.peak = m.offsetMs;
        this.open = { ...m, start: this.open.start };
      }
    } else this.end();
  }

  private end() {
    if (!this.open) return;
    this.send('end', { ...this.open, offsetMs: this.peak }, this.open.start);
    this.open = null;
  }

  private send(phase: 'start' | 'end', m: AvSyncMeasurement, start: number) {
    const { type, ...e } = event('av_sync', start, Math.max(start, m.end), { offsetMs: m.offsetMs, detail: { kind: 'signal', pairs: m.pairs, spreadMs: m.spreadMs } });
    this.emit({ type, phase, ...e });
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
