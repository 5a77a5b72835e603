import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

import { native } from '../src/native.js';
import { noiseFrame } from './helpers/frames.js';

const root = resolve(import.meta.dirname, '..');
const fixture = (name: string) => join(root, 'test/fixtures', name);

function loadIn(dir: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [fixture('load-addon.mjs'), dir], {
    env: { ...process.env, ...env }, encoding: 'utf8',
  });
  expect(r.signal, r.stderr).toBeNull();
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { ok: boolean; level?: string; path?: string; code?: string; message?: string };
}

function runWorker(data: object, terminateEarly = false): Promise<{ level: string; out: Float64Array; asyncOut: Float64Array } | 'terminated'> {
  return new Promise((res, rej) => {
    const w = new Worker(fixture('worker-analyze.mjs'), { workerData: { root, ...data } });
    w.on('message', (m: { loaded?: boolean }) => {
      // Terminate once the addon is loaded and the worker is inside its analysis loop.
      if (m.loaded) {
        if (terminateEarly) setTimeout(() => void w.terminate(), 20);
        return;
      }
      res(m as never);
    });
    w.once('error', rej);
    w.once('exit', (code) => (terminateEarly ? res('terminated') : code !== 0 && rej(new Error(`worker exit ${code}`))));
  });
}

describe('worker threads', () => {
  const batch = { frames: [1, 2, 3].map((s) => noiseFrame(160, 90, s)), prev: noiseFrame(160, 90, 9), options: { tileCols: 4, tileRows: 4 } };
  const rowWidth = native.videoLayout(batch.options).rowWidth;

  it('loads in several workers at once, each with its own level, and matches the main thread', async () => {
    const expected = new Float64Array(3 * rowWidth);
    native.analyzeVideo(batch, expected);
    const levels = native.simdLevels();
    const results = await Promise.all([
      runWorker({ batch, rowWidth, repeat: 50, level: levels[0] }),
      runWorker({ batch, rowWidth, repeat: 50, level: levels[levels.length - 1] }),
      runWorker({ batch, rowWidth, repeat: 50 }),
    ]);
    expect(results.map((r) => (r === 'terminated' ? r : r.level))).toEqual([levels[0], levels[levels.length - 1], native.simdLevel()]);
    for (const r of results) {
      if (r === 'terminated') throw new Error('unexpected');
      expect(Array.from(r.out)).toEqual(Array.from(expected));
      expect(Array.from(r.asyncOut)).toEqual(Array.from(expected));
    }
  });

  it('survives workers terminated mid-work (cleanup hooks free per-thread state)', async () => {
    const ends = await Promise.all([1, 2, 3, 4].map(() => runWorker({ batch, rowWidth, repeat: 100_000 }, true)));
    expect(ends).toEqual(['terminated', 'terminated', 'terminated', 'terminated']);
    const out = new Float64Array(3 * rowWidth);
    expect(native.analyzeVideo(batch, out)).toBeGreaterThanOrEqual(-1);
  });
});

describe('loading', () => {
  it('honours VQMON_SIMD and refuses a level that does not exist', () => {
    expect(loadIn(root, { VQMON_SIMD: 'scalar' })).toMatchObject({ ok: true, level: 'scalar' });
    const bad = loadIn(root, { VQMON_SIMD: 'quantum' });
    expect(bad).toMatchObject({ ok: false, code: 'ERR_VQMON_SIMD_UNSUPPORTED' });
    expect(bad.message).toMatch(/scalar, sse2, avx2/);
  });

  it('loads from prebuilds/ alone (PREBUILDS_ONLY=1)', () => {
    const dir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
    expect(existsSync(dir), 'run `npm run prebuilds` (scripts/test.sh does) before the tests').toBe(true);
    const r = loadIn(root, { PREBUILDS_ONLY: '1' });
    expect(r.ok, r.message).toBe(true);
    expect(r.path).toContain(join('prebuilds', `${process.platform}-${process.arch}`));
  });

  it('fails with one clear message when no binary loads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vqmon-noaddon-'));
    try {
      cpSync(join(root, 'package.json'), join(dir, 'package.json'));
      cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
      symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
      const r = spawnSync(process.execPath, ['-e', `import('${join(dir, 'dist/native.js')}').catch(e => { console.log(JSON.stringify({ code: e.code, message: e.message })); })`],
        { encoding: 'utf8', env: { ...process.env, PREBUILDS_ONLY: '1' } });
      expect(r.signal).toBeNull();
      const e = JSON.parse(r.stdout.trim()) as { code: string; message: string };
      expect(e.code).toBe('ERR_VQMON_LOAD_FAILED');
      expect(e.message).toContain(`${process.platform}-${process.arch}`);
      expect(e.message).toMatch(/glibc|musl/);
      expect(e.message).toContain('npm rebuild vqmon');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without node-av\'s FFmpeg package, analysis exits 2 with one clear error naming the platform and the fix', () => {
    // An install with --omit=optional: node-av is there, its platform package is not. node-av
    // is copied (a link would resolve to this checkout's node_modules, where it is found).
    const dir = mkdtempSync(join(tmpdir(), 'vqmon-noffmpeg-'));
    try {
      cpSync(join(root, 'package.json'), join(dir, 'package.json'));
      cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
      symlinkSync(join(root, 'build'), join(dir, 'build'));
      mkdirSync(join(dir, 'node_modules'));
      for (const name of readdirSync(join(root, 'node_modules'))) {
        if (name === '@seydx' || name === 'node-av') continue;
        symlinkSync(join(root, 'node_modules', name), join(dir, 'node_modules', name));
      }
      cpSync(join(root, 'node_modules/node-av'), join(dir, 'node_modules/node-av'), { recursive: true, dereference: true });
      const r = spawnSync(process.execPath, [join(dir, 'dist/cli.js'), 'analyze', join(root, 'package.json'), '--json'], { encoding: 'utf8' });
      expect(r.signal, r.stderr).toBeNull();
      expect(r.status, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('[ERR_VQMON_DECODER_UNAVAILABLE]');
      expect(r.stderr).toContain(`@seydx/node-av-${process.platform}-${process.arch} is not installed`);
      expect(r.stderr).toContain('npm install vqmon');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ships an aarch64 prebuild', () => {
    const dir = join(root, 'prebuilds', 'linux-arm64');
    expect(existsSync(dir)).toBe(true);
    const elf = readFileSync(join(dir, 'vqmon.node'));
    expect(elf.readUInt16LE(18)).toBe(183); // e_machine EM_AARCH64
  });
});
