/**
 * The vqmon command's launcher for live work (watch, serve). libuv reads UV_THREADPOOL_SIZE
 * once, when Node first uses its threadpool, so a process cannot size its own pool: when it
 * is smaller than the inputs need (src/live/threadpool.ts), the command runs itself again in
 * a child Node with the size set, and stays as a thin parent: it passes signals on and exits
 * as the child does. The child runs in its own process group (a terminal's Ctrl-C reaches it
 * once, through the parent) and stops itself, as on SIGTERM, when the parent is gone (its IPC
 * channel closes: the parent was killed).
 */
import { spawn } from 'node:child_process';

import { threadpoolSize } from './live/threadpool.js';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** True in the child a launcher started. */
export const launched = () => process.env.VQMON_LAUNCHED === '1';

/**
 * Runs this command again with a threadpool of `threads`, unless this process has that many
 * (or is already the launched child): resolves with the child's exit code, or null when this
 * process goes on itself.
 */
export function relaunch(threads: number): Promise<number> | null {
  if (launched() || threadpoolSize() >= threads) return null;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'], detached: true,
    env: { ...process.env, UV_THREADPOOL_SIZE: String(threads), VQMON_LAUNCHED: '1' },
  });
  const forward = FORWARDED.map((signal) => {
    const f = () => child.kill(signal);
    process.on(signal, f);
    return [signal, f] as const;
  });
  return new Promise<number>((resolve) => {
    child.once('error', (e) => {
      console.error(`vqmon: cannot start ${process.execPath}: ${e.message}`);
      resolve(2);
    });
    child.once('exit', (code, signal) => {
      for (const [s, f] of forward) process.off(s, f);
      // Ended by a signal: end the same way, so a supervisor (systemd, a shell) sees it.
      if (signal) process.kill(process.pid, signal);
      resolve(code ?? 2);
    });
  });
}

/** In a launched child: stop as on SIGTERM once the parent is gone. */
export function followParent(): void {
  if (!launched() || !process.channel) return;
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
