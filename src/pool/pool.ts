/**
 * The worker pool: piscina, sized to the machine. A task is a segment of an input (a batch
 * of thousands of frames), never a frame.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Piscina } from 'piscina';

import type { SegmentResult, SegmentTask } from './segment-worker.js';

/** The compiled worker: next to this module in dist/, or dist/ when running from src/. */
function workerFile(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const local = join(here, 'segment-worker.js');
  if (existsSync(local)) return local;
  const dist = resolve(here, '../../dist/pool/segment-worker.js');
  if (existsSync(dist)) return dist;
  throw new Error(`segment worker not built: run npm run build:ts (looked for ${local} and ${dist})`);
}

export interface PoolOptions {
  /** Worker threads [number of cores]. */
  threads?: number;
}

export class SegmentPool {
  readonly threads: number;
  private readonly piscina: Piscina;
  constructor(options: PoolOptions = {}) {
    this.threads = Math.max(1, options.threads ?? availableParallelism());
    this.piscina = new Piscina({ filename: workerFile(), minThreads: this.threads, maxThreads: this.threads, idleTimeout: 1000 });
  }
  /**
   * Cancelling is cooperative: an abort sets a flag the worker reads between two packets,
   * and the task then ends with an error. piscina's own signal terminates the worker, which
   * inside a synchronous FFmpeg call aborted the whole process (node-av throws into a
   * terminating thread: "FATAL ERROR: Error::ThrowAsJavaScriptException napi_throw").
   */
  run(task: Omit<SegmentTask, 'cancel'>, signal?: AbortSignal): Promise<SegmentResult> {
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const onAbort = () => Atomics.store(cancel, 0, 1);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    return (this.piscina.run({ ...task, cancel }) as Promise<SegmentResult>)
      .finally(() => signal?.removeEventListener('abort', onAbort));
  }
  /** Ends the workers: call it with no task in flight (see run). */
  destroy(): Promise<void> {
    return this.piscina.destroy();
  }
}
