/**
 * Shutdown always ends (src/cli.ts serve): SIGTERM drains within a bound whatever the inputs
 * are doing, a second signal or the bound passing ends the process anyway, and the store is
 * closed cleanly either way. Before: with a tcp://...?listen=1 input waiting for a peer, or
 * after a 1,000-stream test, SIGTERM never ended the process (only kill -9 did).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

import { freezeVf } from './helpers/clips.js';
import { deadSources, ffmpegLive, liveH264, tempDir, udpUrl } from './helpers/live-sources.js';

const root = resolve(import.meta.dirname, '..');
const TOKEN = 'shutdown-token-0123456789abcdef';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function serve(dataDir: string, config: string[] = []): Promise<{ child: ChildProcess; url: string; log: () => string; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, [join(root, 'dist/cli.js'), 'serve', '--port', '0', '--data-dir', dataDir, '--token', TOKEN, ...config],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, UV_THREADPOOL_SIZE: '66' } });
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { log += d; });
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  for (let i = 0; i < 100 && !/serving on/.test(log); i++) await sleep(100);
  return { child, url: /serving on (\S+)/.exec(log)![1]!, log: () => log, exit };
}

/** 50 dead inputs, a live one frozen from 2 s, the listen attempt; returns the live stream's id. */
async function busy(url: string, dead: string[]): Promise<string> {
  const add = (body: object) => fetch(`${url}/api/streams`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  for (const u of dead) expect((await add({ url: u, options: { openTimeout: 60 } })).status).toBe(201);
  expect((await add({ url: 'tcp://127.0.0.1:45999?listen=1' })).status).toBe(400);
  const live = udpUrl();
  const r = await add({ url: live, options: { only: ['freeze'], freeze: { minDuration: 1 } } });
  ffmpegLive(30, freezeVf(30, 2, 30), [...liveH264(30), '-f', 'mpegts', `${live}?pkt_size=1316`]).unref();
  return ((await r.json()) as { id: string }).id;
}

async function freezeStored(url: string) {
  for (let i = 0; i < 80; i++) {
    const r = await fetch(`${url}/api/events?type=freeze`, { headers: { authorization: `Bearer ${TOKEN}` } });
    if (((await r.json()) as { events: unknown[] }).events.length) return;
    await sleep(100);
  }
  throw new Error('no freeze stored within 8 s');
}

/** The store after the process: intact, and no defect left without its end. */
function checkStore(dataDir: string) {
  const db = new Database(join(dataDir, 'vqmon.db'), { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    return {
      streams: (db.prepare('SELECT count(*) AS n FROM streams').get() as { n: number }).n,
      open: (db.prepare('SELECT count(*) AS n FROM open_events').get() as { n: number }).n,
      freeze: db.prepare("SELECT phase FROM events WHERE type = 'freeze' ORDER BY id").all().map((r) => (r as { phase: string }).phase),
    };
  } finally {
    db.close();
  }
}

describe('vqmon serve: SIGTERM', () => {
  it('with 50 dead inputs opening and a freeze under way: exits 0 within 3 s, the freeze ended, the store intact', async () => {
    const dataDir = tempDir('shutdown');
    const dead = await deadSources(50);
    const s = await serve(dataDir);
    try {
      await busy(s.url, dead.urls);
      await freezeStored(s.url);
      const t = performance.now();
      s.child.kill('SIGTERM');
      expect(await s.exit, s.log()).toBe(0);
      const ms = performance.now() - t;
      expect(ms, s.log()).toBeLessThan(3000);
      expect(s.log()).toMatch(/stopped in \d+ ms/);
      console.log(`SIGTERM with 50 dead inputs: ${/stopped in (\d+ ms)/.exec(s.log())![1]} in the process, ${Math.round(ms)} ms to exit`);
      expect(checkStore(dataDir)).toEqual({ streams: 51, open: 0, freeze: ['start', 'end'] });
    } finally {
      s.child.kill('SIGKILL');
      dead.close();
    }
  }, 60_000);

  it('a second SIGTERM does not wait for the drain (a webhook that never answers holds it): exit 1 at once, the store closed and intact', async () => {
    const dataDir = tempDir('shutdown2');
    const dead = await deadSources(50);
    // dead.urls[2] is an HTTP server that never answers: as a webhook, it holds the drain's wait for deliveries.
    const hook = dead.urls[2]!.replace(/\/dead2\.m3u8$/, '/hook');
    writeFileSync(join(dataDir, 'c.yaml'), `webhooks:\n  - url: ${hook}\n    secret: a-secret-of-16-chars\nwebhook: { timeout: 30 }\n`);
    const s = await serve(dataDir, ['--config', join(dataDir, 'c.yaml')]);
    try {
      await busy(s.url, dead.urls);
      await freezeStored(s.url); // an event for the webhook to owe
      const t = performance.now();
      s.child.kill('SIGTERM');
      for (let i = 0; i < 50 && !/stopping/.test(s.log()); i++) await sleep(20);
      await sleep(200);
      expect(s.child.exitCode, `the drain was still waiting for the webhook\n${s.log()}`).toBeNull();
      s.child.kill('SIGTERM');
      expect(await s.exit, s.log()).toBe(1);
      expect(performance.now() - t).toBeLessThan(2000);
      expect(s.log()).toMatch(/second signal: stopped without the rest of the drain .* store closed/);
      expect(checkStore(dataDir).streams).toBe(51);
    } finally {
      s.child.kill('SIGKILL');
      dead.close();
    }
  }, 60_000);
});
