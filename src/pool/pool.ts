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
  run(task: SegmentTask, signal?: AbortSignal): Promise<SegmentResult> {
    return this.piscina.run(task, signal ? { signal } : {}) as Promise<SegmentResult>;
  }
  destroy(): Promise<void> {
    return this.piscina.destroy();
  }
}
