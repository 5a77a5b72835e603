// Running the programs the suite measures: wall time from spawn to exit, and the peak
// resident memory (VmHWM) of the process, polled from /proc while it runs.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A memory field of a live process's /proc status (VmRSS, VmHWM, ...) in MiB, or null when it cannot be read. */
export function statusMiB(pid, field) {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Peak RSS (VmHWM) of a live process in MiB, or null. */
export const peakRssMiB = (pid) => statusMiB(pid, 'VmHWM');

/**
 * CPU seconds (user + system) a live process has used, or null. /proc counts clock ticks,
 * 100 a second on Linux (USER_HZ).
 */
export function cpuSeconds(pid) {
  try {
    // Fields after the command name, which is in parentheses and may hold spaces.
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * Runs `cmd args` to its end. Resolves { seconds, code, stdout, stderr, peakRssMiB };
 * rejects when it exits with a code not in `okCodes`.
 */
export function timed(cmd, args, { env = {}, cwd, okCodes = [0], pollMs = 100 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', peak = null;
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; if (stderr.length > 1 << 20) stderr = stderr.slice(-(1 << 19)); });
    const poll = setInterval(() => { peak = peakRssMiB(child.pid) ?? peak; }, pollMs);
    child.on('error', (e) => { clearInterval(poll); reject(e); });
    child.on('close', (code, signal) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (!okCodes.includes(code)) {
        reject(new Error(`${cmd} ${args.join(' ')}: ${signal ? `killed by ${signal}` : `exit ${code}`}\n${stderr.slice(-2000)}`));
        return;
      }
      resolve({ seconds, code, stdout, stderr, peakRssMiB: peak });
    });
  });
}

/** Runs a command and returns its stdout (trimmed), or null when it fails. */
export async function capture(cmd, args) {
  try {
    return (await timed(cmd, args, { pollMs: 1000 })).stdout.trim();
  } catch {
    return null;
  }
}
