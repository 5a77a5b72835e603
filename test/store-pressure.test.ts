/**
 * The store never blocks events (src/serve/store.ts, notify.ts): a client that stalls an
 * export or an SSE replay holds neither the writer nor unbounded memory. Before: a stalled
 * NDJSON export of a 305k-event store made every event write fail ("This database
 * connection is busy") for as long as it stalled; 5 stalled replays took RSS to 1.45 GB and
 * /health timed out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

import Database from 'better-sqlite3';

import { loadConfig } from '../src/serve/config.js';
import { startServer } from '../src/serve/server.js';
import { Store } from '../src/serve/store.js';
import type { StoredEvent } from '../src/serve/store.js';
import { ffmpegLive, liveH264, tempDir, udpUrl } from './helpers/live-sources.js';
import { sse } from './helpers/sse.js';

const root = resolve(import.meta.dirname, '..');
const TOKEN = 'store-pressure-token-0123456789';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A store with `n` old events of one stream (ended ones), as months of a busy node leave it. */
function filledStore(dir: string, n: number) {
  const store = new Store(dir);
  const now = Date.now();
  store.insertStream({ id: 'old', url: 'udp://127.0.0.1:9', name: 'old', options: {}, paused: true, createdAt: now, updatedAt: now });
  const db = (store as unknown as { db: { prepare(sql: string): { run(...a: unknown[]): void }; transaction(f: () => void): () => void } }).db;
  const insert = db.prepare('INSERT INTO events (stream_id, at, type, phase, start, end, duration, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const detail = JSON.stringify({ note: 'filler so that each event is about as big as a real one, with its detail' });
  db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run('old', now - 86_400_000 + i, 'freeze', i % 2 ? 'end' : 'start', i >> 1, (i >> 1) + 1, 1, detail);
  })();
  store.close();
}

/** A request on a raw socket that is never read: the client that stalls. */
function stalledRequest(port: number, path: string): Socket {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => {});
  s.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${TOKEN}\r\n\r\n`);
  s.pause();
  return s;
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

describe('vqmon serve under stalled readers', () => {
  it('a stalled export of 300,000 events and 5 stalled replays while 4 live streams raise events: every event stored and delivered; RSS bounded; /health < 100 ms', async () => {
    const dataDir = tempDir('pressure');
    filledStore(dataDir, 300_000);
    const server: ChildProcess = spawn(process.execPath, [join(root, 'dist/cli.js'), 'serve', '--port', '0', '--data-dir', dataDir, '--token', TOKEN],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, UV_THREADPOOL_SIZE: '66' } });
    let log = '';
    server.stderr!.setEncoding('utf8').on('data', (d: string) => { log += d; });
    const sources: ChildProcess[] = [], sockets: Socket[] = [];
    const abort = new AbortController();
    try {
      for (let i = 0; i < 100 && !/serving on/.test(log); i++) await sleep(100);
      const url = /serving on (\S+)/.exec(log)![1]!;
      const port = Number(new URL(url).port);
      const api = (path: string, body?: unknown) => fetch(`${url}${path}`, { method: body ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      const rssBefore = rssMb(server.pid!);
      const { events: delivered } = await sse(`${url}/api/events/stream`, TOKEN, abort.signal);
      sockets.push(stalledRequest(port, '/api/events/export?format=ndjson'));
      for (let i = 0; i < 5; i++) sockets.push(stalledRequest(port, '/api/events/stream?after=0'));
      await sleep(1000);
      // 4 live streams, each black for 1 s of every 3 s from 3 s: 4 black runs of 0.5 s or more each.
      const urls = Array.from({ length: 4 }, () => udpUrl());
      for (const u of urls) expect((await api('/api/streams', { url: u, options: { only: ['black'], black: { minDuration: 0.5 } } })).status).toBe(201);
      await sleep(500);
      for (const u of urls) {
        sources.push(ffmpegLive(14, "drawbox=enable='gte(t,3)*lt(mod(t,3),1)':color=black:t=fill", [...liveH264(30), '-f', 'mpegts', `${u}?pkt_size=1316`]));
      }
      let worstHealthMs = 0;
      const until = Date.now() + 15_000;
      while (Date.now() < until) {
        const t = performance.now();
        expect((await api('/health')).status).toBe(200);
        worstHealthMs = Math.max(worstHealthMs, performance.now() - t);
        await sleep(250);
      }
      const rssAfter = rssMb(server.pid!);
      const stored = (await (await api('/api/events?type=black&limit=10000')).json() as { events: StoredEvent[] }).events.filter((e) => e.streamId !== 'old');
      const byStream = new Map<string, number>();
      for (const e of stored) byStream.set(e.streamId, (byStream.get(e.streamId) ?? 0) + 1);
      const summary = JSON.stringify({ rssBefore, rssAfter, worstHealthMs, stored: stored.length, delivered: delivered.length, byStream: [...byStream] });
      expect(log, summary).not.toMatch(/failed/);
      expect([...byStream.values()], summary).toEqual([8, 8, 8, 8]); // starts and ends at 3, 6, 9, 12 s
      expect(delivered.filter((e) => e.type === 'black').map((e) => e.id), summary).toEqual(stored.map((e) => e.id));
      expect(worstHealthMs, summary).toBeLessThan(100);
      expect(rssAfter - rssBefore, summary).toBeLessThan(150);
      console.log(`store pressure: ${summary}`);
    } finally {
      abort.abort();
      for (const s of sockets) s.destroy();
      for (const s of sources) s.kill('SIGKILL');
      server.kill('SIGKILL');
    }
  }, 90_000);
});

describe('vqmon serve when the store refuses writes', () => {
  it('the database locked by another program: events wait, in order, and are stored and delivered once it is free; none lost', async () => {
    const dataDir = tempDir('locked');
    const server = await startServer(loadConfig(undefined, { port: 0, dataDir, token: TOKEN }));
    const abort = new AbortController();
    const other = new Database(join(dataDir, 'vqmon.db'));
    try {
      const { events: delivered } = await sse(`${server.url}/api/events/stream`, TOKEN, abort.signal);
      // A dead input: an input_error at each retry (0.2 s open timeout, retries from 0.1 s).
      server.supervisor.add({ url: udpUrl(), options: { openTimeout: 0.2, reconnectDelay: 0.1 } });
      other.exec('BEGIN EXCLUSIVE'); // then a backup or the sqlite3 shell holds the file
      await sleep(2500);
      const held = server.supervisor.writeStats();
      expect(held.failures).toBeGreaterThan(0);
      expect(held.waiting).toBeGreaterThan(0);
      expect(delivered).toEqual([]); // nothing is sent before it is stored
      other.exec('ROLLBACK');
      await sleep(2000);
      const after = server.supervisor.writeStats();
      expect(after).toMatchObject({ waiting: 0, dropped: 0 });
      const stored = server.store.events({});
      expect(stored.length).toBeGreaterThanOrEqual(held.waiting);
      expect(delivered.map((e) => e.id)).toEqual(stored.map((e) => e.id));
      // In the order they were raised: their attempts count up.
      const attempts = stored.filter((e) => e.phase === 'start').map((e) => (e.detail as { attempt: number }).attempt);
      expect(attempts).toEqual([...attempts].sort((a, b) => a - b));
      const metrics = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
      expect(metrics).toMatch(new RegExp(`vqmon_event_write_failures_total ${after.failures}`));
    } finally {
      abort.abort();
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
      await server.close(200);
    }
  }, 30_000);
});
