/**
 * Live inputs and libuv's threadpool. A live input's open, reads and decodes are node-av
 * async calls, each run on a threadpool thread; an input makes one call at a time, so it
 * holds at most one thread, but that thread can sit in a blocking FFmpeg call for up to the
 * open timeout (a silent source). The threadpool has a fixed size, read by libuv from
 * UV_THREADPOOL_SIZE once, when Node first uses it (before any of vqmon's code runs: setting
 * it from inside the process does nothing). So the rule is admission: at most
 * `threads - RESERVE` live inputs in one process, and the vqmon command starts Node with the
 * threads it needs (launcher.ts). Measured before this rule: 12 silent UDP inputs beside a
 * live 30 fps stream took it to 0 frames/s for good on the default 4 threads.
 */
import { VqmonError } from '../errors.js';

/**
 * Threads kept for what is not a live input (the service's fs, dns and zlib work): on
 * Node's default 4 threads, a program using the library runs 2 live inputs.
 */
export const RESERVE = 2;
/** libuv's own bound on UV_THREADPOOL_SIZE. */
export const MAX_THREADS = 1024;

/** The threadpool size libuv uses, from the environment (libuv's rule: 4 unless set, clamped to [1, 1024]). */
export function threadpoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const n = Math.trunc(Number(env.UV_THREADPOOL_SIZE));
  return n > 0 ? Math.min(n, MAX_THREADS) : 4;
}

/** Live inputs this process can run without one blocking another. */
export function liveCapacity(env: NodeJS.ProcessEnv = process.env): number {
  return Math.max(0, threadpoolSize(env) - RESERVE);
}

/** The threadpool size for `inputs` live inputs. */
export function threadsFor(inputs: number): number {
  return Math.min(MAX_THREADS, Math.max(0, inputs) + RESERVE);
}

/** The most live inputs one process can be sized for. */
export const MAX_INPUTS = MAX_THREADS - RESERVE;

/** Throws ERR_VQMON_CAPACITY when one more live input would share a thread with another. */
export function admit(running: number, limit: number, setting = 'maxInputs'): void {
  if (running < limit) return;
  const cap = liveCapacity();
  throw new VqmonError('ERR_VQMON_CAPACITY', limit < cap
    ? `at most ${limit} live inputs in this process (${setting}); remove or pause one, or raise ${setting}`
    : `at most ${cap} live inputs in this process: its libuv threadpool has ${threadpoolSize()} threads, ${RESERVE} kept for other work, ` +
      `and a silent input holds one for up to its open timeout. Start Node with UV_THREADPOOL_SIZE=${threadsFor(running + 1)} or more ` +
      '(the vqmon command does this itself), or run another process');
}
