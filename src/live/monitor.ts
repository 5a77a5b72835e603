/**
 * createMonitor(): live inputs watched side by side in one process; events as an
 * EventEmitter ('event', every event, synchronously) and as an async iterator (a bounded
 * queue: a reader that falls behind loses the least important events and is told, see
 * event-queue.ts).
 */
import { EventEmitter } from 'node:events';

import { EventQueue } from './event-queue.js';
import { LiveInput, type InputStats } from './live-input.js';
import { checkLiveOptions, liveDefaults, type LiveOptions } from './options.js';
import { displayUrl, parseLiveUrl } from './url.js';
import { admit, liveCapacity } from './threadpool.js';
import type { Preview } from './preview.js';
import type { LiveEvent } from './run-tracker.js';

export type { LiveEvent } from './run-tracker.js';
export type { InputStats } from './live-input.js';
export type { PreviewReading, Thumbnail } from './preview.js';
export type { LiveDetectorName, LiveOptions } from './options.js';

export interface MonitorStats {
  /** The async iterator's queue: events held now, its bound, the most it held, events shed. */
  queue: { length: number; capacity: number; maxLength: number; dropped: number; superseded: number };
  inputs: InputStats[];
}

export class Monitor extends EventEmitter {
  private readonly inputs = new Map<string, LiveInput>();
  private readonly waiting: Array<(r: IteratorResult<LiveEvent>) => void> = [];
  private readonly queue: EventQueue;
  private closed = false;

  /** Throws ERR_VQMON_INVALID_ARG for options out of range. */
  constructor(private readonly options: LiveOptions = {}) {
    super();
    checkLiveOptions(options);
    this.queue = new EventQueue(options.maxQueuedEvents ?? liveDefaults.maxQueuedEvents);
  }

  /**
   * Starts watching `url` (no-op when it is already watched); throws ERR_VQMON_INVALID_ARG for
   * a URL that is not a live input, or for `options` out of range. `options` are this input's
   * own settings over the monitor's (top-level keys: a detector's object replaces the monitor's).
   * Throws ERR_VQMON_CAPACITY beyond maxInputs or what the threadpool can run (threadpool.ts).
   */
  add(url: string, options?: Omit<LiveOptions, 'maxQueuedEvents' | 'maxInputs'>): void {
    const target = parseLiveUrl(url);
    const merged = options ? { ...this.options, ...options } : this.options;
    if (options) checkLiveOptions(merged);
    if (this.closed || this.inputs.has(target.display)) return;
    admit(this.inputs.size, Math.min(this.options.maxInputs ?? Infinity, liveCapacity()));
    this.inputs.set(target.display, new LiveInput(target, merged, (e) => this.push(e)));
  }

  /** Stops watching `url` (as given to add(), or as events show it): runs in progress end at once; resolves once its read in flight has returned. */
  async remove(url: string): Promise<void> {
    const key = displayUrl(url);
    const input = this.inputs.get(key);
    this.inputs.delete(key);
    // A stop interrupts the call in flight: its thread is free within milliseconds.
    await input?.stop();
  }

  /** The input's thumbnails and metric readings (null unless the monitor's options.preview). */
  preview(url: string): Preview | null {
    return this.inputs.get(displayUrl(url))?.preview ?? null;
  }

  get urls(): string[] {
    return [...this.inputs.keys()];
  }

  stats(): MonitorStats {
    const q = this.queue;
    return { queue: { length: q.length, capacity: q.capacity, maxLength: q.maxLength, dropped: q.dropped, superseded: q.superseded },
      inputs: [...this.inputs.values()].map((i) => i.stats()) };
  }

  /** Stops every input (their phase end events come at once); iterators end after the queued events. */
  async close(): Promise<void> {
    this.closed = true;
    const stopping = [...this.inputs.keys()].map((u) => this.remove(u));
    for (const w of this.waiting.splice(0)) w({ value: undefined, done: true });
    await Promise.all(stopping);
  }

  private push(e: LiveEvent) {
    this.emit('event', e);
    const w = this.waiting.shift();
    if (w) w({ value: e, done: false });
    else this.queue.push(e);
  }

  [Symbol.asyncIterator](): AsyncIterator<LiveEvent> {
    return {
      next: () => {
        const e = this.queue.shift();
        if (e) return Promise.resolve({ value: e, done: false });
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((r) => this.waiting.push(r));
      },
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }
}

export function createMonitor(options: LiveOptions = {}): Monitor {
  return new Monitor(options);
}
