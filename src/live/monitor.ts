/**
 * createMonitor(): live inputs watched side by side in one process; events as an
 * EventEmitter ('event', 'error') and as an async iterator.
 */
import { EventEmitter } from 'node:events';

import { checkGraphicsOptions } from '../detectors/graphics.js';
import { LiveInput, type LiveOptions } from './live-input.js';
import type { LiveEvent } from './run-tracker.js';

export type { LiveEvent } from './run-tracker.js';
export type { LiveOptions } from './live-input.js';

export class Monitor extends EventEmitter {
  private readonly inputs = new Map<string, LiveInput>();
  private readonly waiting: Array<(r: IteratorResult<LiveEvent>) => void> = [];
  private readonly queue: LiveEvent[] = [];
  private closed = false;

  constructor(private readonly options: LiveOptions = {}) {
    super();
    checkGraphicsOptions(options.freeze, 'freeze');
    checkGraphicsOptions(options.black, 'black');
  }

  /** Starts watching `url` (no-op when it is already watched). */
  add(url: string): void {
    if (this.closed || this.inputs.has(url)) return;
    this.inputs.set(url, new LiveInput(url, this.options, (e) => this.push(e)));
  }

  async remove(url: string): Promise<void> {
    const input = this.inputs.get(url);
    this.inputs.delete(url);
    await input?.stop();
  }

  get urls(): string[] {
    return [...this.inputs.keys()];
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.inputs.keys()].map((u) => this.remove(u)));
    for (const w of this.waiting.splice(0)) w({ value: undefined, done: true });
  }

  private push(e: LiveEvent) {
    this.emit('event', e);
    const w = this.waiting.shift();
    if (w) w({ value: e, done: false });
    else if (this.queue.length < 10_000) this.queue.push(e); // an iterator nobody reads must not grow forever
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
