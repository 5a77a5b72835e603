/**
 * Dead inputs cannot starve a live one (src/live/threadpool.ts, src/launcher.ts). Before the
 * admission rule and the launcher, 12 silent UDP inputs beside a live 30 fps stream took it
 * to 0 frames/s on Node's default 4 threads, for good.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

import { freezeVf } from './helpers/clips.js';
import { deadSources, ffmpegLive, liveH264, udpUrl } from './helpers/live-sources.js';
import { run } from './helpers/run.js';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist/cli.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (p: ReturnType<typeof spawn>) => new Promise<number | null>((r) => p.on('close', (code) => r(code)));

interface Line { input: string; type: string; phase: string; start: number; end: number }

describe('one live input beside 50 dead ones', () => {
  it('vqmon watch: the live one is analysed at its 30 fps, its freeze found, nothing else raised for it; SIGTERM ends all within 3 s', async () => {
    const dead = await deadSources(50);
    const live = udpUrl();
    // Node's default threadpool in the environment: the command sizes its own (launcher.ts).
    const env = { ...process.env };
    delete env.UV_THREADPOOL_SIZE;
    const watch = spawn(process.execPath, [cli, 'watch', live, ...dead.urls, '--ndjson'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    watch.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
    watch.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
    const done = exited(watch);
    try {
      await sleep(2000); // every dead input is opening
      const source = ffmpegLive(12, freezeVf(30, 5, 8), [...liveH264(30), '-f', 'mpegts', `${live}?pkt_size=1316`]);
      await exited(source);
      await sleep(700); // the last packets analysed, before a stall (2 s)
      const t = performance.now();
      watch.kill('SIGTERM');
      expect(await done, err).toBe(0);
      expect(performance.now() - t, 'SIGTERM to exit, ms').toBeLessThan(3000);
    } finally {
      watch.kill('SIGKILL');
      dead.close();
    }
    const frames = Number(new RegExp(`${live}: (\\d+) frames`).exec(err)?.[1]);
    expect(frames, err).toBeGreaterThanOrEqual(29 * 12); // of the 360 sent
    const mine = out.trim().split('\n').map((l) => JSON.parse(l) as Line).filter((e) => e.input === live);
    expect(mine.map((e) => `${e.type} ${e.phase}`)).toEqual(['freeze start', 'freeze end']);
    expect(Math.abs(mine[0]!.start - 5)).toBeLessThanOrEqual(0.2);
    expect(Math.abs(mine[1]!.end - 8)).toBeLessThanOrEqual(0.2);
  }, 60_000);

  it('1,000 dead inputs added and removed (20 rounds of 50) beside a live one: it keeps its rate during and in the 2 s after, raises nothing', async () => {
    const dead = await deadSources(50);
    const live = udpUrl();
    const source = ffmpegLive(40, 'null', [...liveH264(30), '-f', 'mpegts', `${live}?pkt_size=1316`]);
    try {
      const r = await run(process.execPath, [join(root, 'test/fixtures/churn-dead.mjs'), live, '20', ...dead.urls],
        { env: { ...process.env, UV_THREADPOOL_SIZE: '56' }, timeout: 50_000 });
      expect(r.status, r.stderr).toBe(0);
      const m = JSON.parse(r.stdout) as { churnSec: number; during: number; after: number; added: number; events: string[] };
      expect(m.added).toBe(1000);
      expect(m.during / m.churnSec, JSON.stringify(m)).toBeGreaterThanOrEqual(29);
      expect(m.after, JSON.stringify(m)).toBeGreaterThanOrEqual(2 * 29);
      expect(m.events).toEqual([]);
    } finally {
      source.kill('SIGKILL');
      dead.close();
    }
  }, 60_000);

  it('admission: a monitor refuses the input that would share a thread with another (ERR_VQMON_CAPACITY), and says how to size it', async () => {
    const r = await run(process.execPath, ['--input-type=module', '-e', `
      const { createMonitor } = await import(${JSON.stringify(join(root, 'dist/index.js'))});
      const m = createMonitor();
      m.add('udp://127.0.0.1:9'); m.add('udp://127.0.0.1:10');
      try { m.add('udp://127.0.0.1:11'); console.log('accepted'); } catch (e) { console.log(e.code, e.message); }
      await m.close();`], { env: { ...process.env, UV_THREADPOOL_SIZE: '4' }, timeout: 20_000 });
    expect(r.stdout).toMatch(/^ERR_VQMON_CAPACITY at most 2 live inputs .* UV_THREADPOOL_SIZE=5 /);
  });
});

describe('the launcher (vqmon serve and watch size their threadpool before Node starts)', () => {
  it('kill -9 of the launching process stops the service it started (it drains as on SIGTERM): nothing keeps the port', async () => {
    const dir = (await import('./helpers/live-sources.js')).tempDir('launcher');
    const env = { ...process.env };
    delete env.UV_THREADPOOL_SIZE;
    const parent = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data-dir', dir, '--token', 'launcher-test-token-0123'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    parent.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
    try {
      for (let i = 0; i < 100 && !/serving on (\S+)/.test(err); i++) await sleep(100);
      const url = /serving on (\S+)/.exec(err)?.[1];
      expect(url, err).toBeDefined();
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      parent.kill('SIGKILL');
      let gone = false;
      for (let i = 0; i < 50 && !gone; i++) {
        await sleep(100);
        gone = await fetch(`${url}/health`).then(() => false, () => true);
      }
      expect(gone, `the service still answers 5 s after its launcher was killed\n${err}`).toBe(true);
      expect(err).toMatch(/SIGTERM: stopping/);
    } finally {
      parent.kill('SIGKILL');
    }
  }, 30_000);
});
