/**
 * A child process run to its end without blocking this thread: vitest's worker must keep
 * answering its runner (a spawnSync over 60 s, such as an npm install that compiles,
 * fails the run with "Timeout calling onTaskUpdate" although every test passed).
 */
import { spawn, type SpawnOptions } from 'node:child_process';

export interface RunResult { status: number | null; stdout: string; stderr: string }

export function run(cmd: string, args: string[], options: SpawnOptions & { timeout?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = options.timeout ? setTimeout(() => child.kill('SIGKILL'), options.timeout) : null;
    child.on('error', reject);
    child.on('close', (status) => {
      if (timer) clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
