/**
 * vqmon serve end to end: the real server on an ephemeral loopback port with a temporary data
 * directory, real UDP and HLS sources (ffmpeg -re; HLS served over HTTP on loopback) with an
 * injected freeze, streams added through the API; the freeze received over Server-Sent
 * Events and over a webhook whose signature a local receiver checks, and found in the store
 * (API and SQLite); bad requests; a server killed with SIGKILL and restarted on the same
 * data directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';

import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../src/serve/config.js';
import { startServer, type RunningServer } from '../src/serve/server.js';
import { exportLines, Store, type StoredEvent } from '../src/serve/store.js';
import { freezeVf } from './helpers/clips.js';
import { ffmpegLive, ffmpegLiveHls, liveH264, serveDir, tempDir, udpUrl, watchPlaylist } from './helpers/live-sources.js';
import { sse } from './helpers/sse.js';

const root = resolve(import.meta.dirname, '..');
const TOKEN = 'test-token-0123456789abcdef';
const SECRET = 'webhook-secret-0123456789';
const TOL = 0.25;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A webhook receiver on loopback that checks each delivery's HMAC signature. */
async function webhookReceiver(secret: string, answer: () => number = () => 204): Promise<{ url: string; got: Array<{ e: StoredEvent; valid: boolean; headers: Record<string, unknown> }>; server: Server }> {
  const got: Array<{ e: StoredEvent; valid: boolean; headers: Record<string, unknown> }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      const status = answer();
      if (status >= 300) return void res.writeHead(status).end(); // refused: not received
      const ts = String(req.headers['x-vqmon-timestamp']);
      const want = `sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`;
      got.push({ e: JSON.parse(body) as StoredEvent, valid: req.headers['x-vqmon-signature'] === want, headers: req.headers });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, got, server };
}

/** A PNG's size from its IHDR chunk (and that it is one). */
function pngSize(b: Buffer): { width: number; height: number } {
  expect(b.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function api(base: string, token = TOKEN) {
  return async (method: string, path: string, body?: unknown, raw?: string) => {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: raw ?? (body !== undefined ? JSON.stringify(body) : undefined) });
    const text = await res.text();
    return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) as Record<string, any> : text as unknown as Record<string, any> };
  };
}

describe('vqmon serve: live stream through the API, SSE, webhook, store', () => {
  it('a freeze on a UDP stream added through the API arrives over SSE and a signed webhook (a dead hook beside it), and is in SQLite', async () => {
    const dataDir = tempDir('serve');
    const hook = await webhookReceiver(SECRET);
    // A hook nobody answers: its retries must not hold up the live one or the monitoring.
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadUrl = `http://127.0.0.1:${(dead.address() as { port: number }).port}/`;
    await new Promise((r) => dead.close(r));
    const cfg = join(dataDir, 'vqmon.yaml');
    writeFileSync(cfg, `port: 0\ntoken: ${TOKEN}\ndefaults:\n  stallTimeout: 2\n  openTimeout: 4\nwebhooks:\n  - url: ${deadUrl}\n    secret: ${SECRET}\n  - url: ${hook.url}\n    secret: ${SECRET}\n` +
      'webhook:\n  firstDelay: 0.2\n  attempts: 3\n');
    const server = await startServer(loadConfig(cfg, { dataDir }));
    const call = api(server.url);
    const abort = new AbortController();
    let ff: ChildProcess | undefined;
    try {
      const stream = await sse(`${server.url}/api/events/stream`, TOKEN, abort.signal);
      const url = udpUrl();
      const added = await call('POST', '/api/streams', { url, name: 'loopback', options: { only: ['freeze'] } });
      expect(added.status, JSON.stringify(added.body)).toBe(201);
      const id = added.body.id as string;
      expect(added.body.options).toEqual({ only: ['freeze'] });
      // Beside it, a stream whose server is gone: retried with backoff, never in the way.
      const gone = await call('POST', '/api/streams', { url: `${deadUrl}live.m3u8`, options: { reconnectDelay: 0.2 } });
      expect(gone.status).toBe(201);
      await sleep(500);
      // Frozen 3-7 s, then 2 s of motion; the source stops at 9 s.
      ff = ffmpegLive(9, freezeVf(30, 3, 7), [...liveH264(30), '-f', 'mpegts', `${url}?pkt_size=1316`]);
      const start = await until('freeze start over SSE', () => stream.events.find((e) => e.type === 'freeze' && e.phase === 'start'), 20_000);
      expect(Math.abs(start.start - 3)).toBeLessThanOrEqual(TOL);
      expect(start.streamId).toBe(id);
      expect(start.input).toBe(url);
      const end = await until('freeze end over SSE', () => stream.events.find((e) => e.type === 'freeze' && e.phase === 'end'), 15_000);
      expect(Math.abs(end.end - 7)).toBeLessThanOrEqual(TOL);
      expect(stream.ids).toEqual(stream.events.map((e) => e.id));

      // The webhook: same events, signed, in order.
      const delivered = await until('both freeze events over the webhook', () => (hook.got.filter((g) => g.e.type === 'freeze').length >= 2 ? hook.got : undefined), 10_000);
      const freezes = delivered.filter((g) => g.e.type === 'freeze');
      expect(freezes.every((g) => g.valid)).toBe(true);
      expect(freezes.map((g) => g.e)).toEqual([start, end]);
      expect(freezes[0]!.headers['x-vqmon-event']).toBe('freeze');
      expect(freezes[0]!.headers['x-vqmon-delivery']).toBe(String(start.id));

      // Stored before it was sent: through the API and in the SQLite file itself.
      const listed = await call('GET', `/api/events?stream=${id}&type=freeze`);
      expect(listed.status).toBe(200);
      expect(listed.body.events).toEqual([start, end]);
      expect(stream.events.filter((e) => e.streamId === id).map((e) => e.type).sort()).toEqual(['freeze', 'freeze']);
      const db = new Database(join(dataDir, 'vqmon.db'), { readonly: true });
      const row = db.prepare('SELECT * FROM events WHERE id = ?').get(start.id) as Record<string, unknown>;
      db.close();
      expect(row).toMatchObject({ stream_id: id, type: 'freeze', phase: 'start', start: start.start });
      // The picture at the freeze's start, stored with it (the end answers with its start's),
      // the stream's latest picture, and its once-a-second readings.
      for (const e of [start, end]) {
        const png = await fetch(`${server.url}/api/events/${e.id}/thumbnail`, { headers: { authorization: `Bearer ${TOKEN}` } });
        expect(png.status).toBe(200);
        expect(png.headers.get('content-type')).toBe('image/png');
        expect(pngSize(Buffer.from(await png.arrayBuffer()))).toEqual({ width: 256, height: 144 });
      }
      const latest = await fetch(`${server.url}/api/streams/${id}/thumbnail`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(latest.status).toBe(200);
      expect(pngSize(Buffer.from(await latest.arrayBuffer()))).toEqual({ width: 256, height: 144 });
      expect((await call('GET', '/api/events/999999/thumbnail')).status).toBe(404);
      const readings = (await call('GET', `/api/streams/${id}/samples?seconds=600`)).body.samples as Array<{ mediaTime: number; motion: number | null; audioDb: number | null }>;
      // Frozen seconds read as no motion, moving ones as motion.
      const moving = readings.filter((r) => r.motion !== null && r.mediaTime > 1.5 && r.mediaTime < 2.8);
      const frozen = readings.filter((r) => r.motion !== null && r.mediaTime > 4.2 && r.mediaTime < 6.8);
      expect(moving.length).toBeGreaterThan(0);
      expect(frozen.length).toBeGreaterThan(0);
      expect(Math.min(...moving.map((r) => r.motion!))).toBeGreaterThan(0.003);
      expect(Math.max(...frozen.map((r) => r.motion!))).toBeLessThan(0.001);
      const none = await call('GET', `/api/events?stream=${id}&type=black`);
      expect(none.body.events).toEqual([]);
      const later = await call('GET', `/api/events?stream=${id}&from=${new Date(Date.now() + 60_000).toISOString()}`);
      expect(later.body.events).toEqual([]);

      // The status and /metrics saw the frames and the defect.
      const s = await call('GET', `/api/streams/${id}`);
      expect(s.body.status.videoFrames).toBeGreaterThan(150);
      const metrics = await call('GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(String(metrics.body)).toContain(`vqmon_events_total{stream="${id}",type="freeze"} 1`);
      expect(Number(new RegExp(`vqmon_frames_analyzed_total\\{stream="${id}"\\} (\\d+)`).exec(String(metrics.body))?.[1])).toBeGreaterThan(150);
      expect(String(metrics.body)).toMatch(/vqmon_process_resident_memory_bytes \d+/);
      // Pausing closes the stream's minute: its summary holds the frames and the freeze.
      expect((await call('POST', `/api/streams/${id}/pause`)).body.status.state).toBe('paused');
      const minutes = (await call('GET', `/api/streams/${id}/summaries`)).body.summaries as Array<{ frames: number; events: number }>;
      expect(minutes.reduce((n, m) => n + m.frames, 0)).toBeGreaterThanOrEqual(s.body.status.videoFrames);
      const defects = ((await call('GET', `/api/events?stream=${id}`)).body.events as StoredEvent[]).filter((e) => e.phase === 'start');
      expect(defects.map((e) => e.type)).toContain('freeze');
      expect(minutes.reduce((n, m) => n + m.events, 0)).toBe(defects.length);
      // The stream that cannot open: retrying, its failures stored as input_error events.
      const g = await call('GET', `/api/streams/${gone.body.id}`);
      expect(g.body.status.state).toBe('retrying');
      expect(g.body.status.inputErrors).toBeGreaterThan(1);
      expect(g.body.status.lastError.code).toBe('ERR_VQMON_INPUT_OPEN');
      const errors = (await call('GET', `/api/events?stream=${gone.body.id}`)).body.events as StoredEvent[];
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((e) => e.type === 'input_error')).toBe(true);
      // The dead hook was tried and is still retrying or gave up; it never held the live one.
      const deadStats = server.notifier.hookStats()[0]!;
      expect(deadStats.delivered).toBe(0);
      expect(deadStats.failedAttempts).toBeGreaterThan(0);

      // A client reconnecting with Last-Event-ID gets what came after it from the store.
      const res = await fetch(`${server.url}/api/events/stream?access_token=${TOKEN}`, { headers: { 'last-event-id': String(start.id) } });
      const reader = res.body!.getReader();
      let text = '';
      while (!text.includes(`id: ${end.id}\n`)) text += new TextDecoder().decode((await reader.read()).value);
      expect(text).not.toContain(`id: ${start.id}\n`);
      await reader.cancel();
    } finally {
      ff?.kill();
      abort.abort();
      await server.close(1000);
      await new Promise((r) => hook.server.close(r));
    }
  }, 60_000);

  it('a freeze on a live HLS stream (a sliding playlist over HTTP) added through the API arrives over SSE and is in SQLite', async () => {
    const dataDir = tempDir('serve-hls');
    const hlsDir = tempDir('serve-hls-source');
    const http = await serveDir(hlsDir);
    const server = await startServer(loadConfig(undefined, { port: 0, dataDir, token: TOKEN }));
    const call = api(server.url);
    const abort = new AbortController();
    const watcher = watchPlaylist(join(hlsDir, 'live.m3u8'));
    // Frozen 3-6 s of its 9 s.
    const source = ffmpegLiveHls(hlsDir, 9, freezeVf(30, 3, 6));
    try {
      const stream = await sse(`${server.url}/api/events/stream`, TOKEN, abort.signal);
      // Joined 2 s in: FFmpeg's HLS reader starts a live playlist 3 segments from its end.
      await until('four HLS segments', () => watcher.segments.size >= 4, 15_000);
      const url = `http://127.0.0.1:${http.port}/live.m3u8`;
      const added = await call('POST', '/api/streams', { url, name: 'hls', options: { only: ['freeze'], openTimeout: 4 } });
      expect(added.status, JSON.stringify(added.body)).toBe(201);
      const id = added.body.id as string;
      const mine = (phase: string) => stream.events.find((e) => e.streamId === id && e.type === 'freeze' && e.phase === phase);
      const start = await until('HLS freeze start over SSE', () => mine('start'), 20_000);
      const end = await until('HLS freeze end over SSE', () => mine('end'), 10_000);
      // Media time 0 is the start of the first segment the server asked for.
      const first = watcher.segments.get(http.firstSegment()!);
      expect(first, JSON.stringify([...watcher.segments.values()])).toBeDefined();
      expect(first!.start).toBeGreaterThan(0);
      expect(Math.abs(start.start - (3 - first!.start)), JSON.stringify({ first, start })).toBeLessThanOrEqual(TOL);
      expect(Math.abs(end.end - (6 - first!.start)), JSON.stringify({ first, end })).toBeLessThanOrEqual(TOL);
      expect(end.start).toBe(start.start);
      expect(start.input).toBe(url);
      // The playlist slid: the first segments were deleted while the stream was read.
      expect(existsSync(join(hlsDir, 'seg00000.ts'))).toBe(false);
      const listed = await call('GET', `/api/events?stream=${id}&type=freeze`);
      expect(listed.body.events).toEqual([start, end]);
      const db = new Database(join(dataDir, 'vqmon.db'), { readonly: true });
      const rows = db.prepare("SELECT id, phase, start, end FROM events WHERE stream_id = ? AND type = 'freeze' ORDER BY id").all(id);
      db.close();
      expect(rows).toEqual([{ id: start.id, phase: 'start', start: start.start, end: start.end }, { id: end.id, phase: 'end', start: end.start, end: end.end }]);
      expect(((await call('GET', `/api/streams/${id}`)).body.status as { videoFrames: number }).videoFrames).toBeGreaterThan(90);
    } finally {
      source.child.kill();
      watcher.stop();
      abort.abort();
      await server.close(1000);
      await new Promise((r) => http.server.close(r));
    }
  }, 40_000);
});

describe('vqmon serve: requests', () => {
  let server: RunningServer;
  let call: ReturnType<typeof api>;
  beforeAll(async () => {
    server = await startServer(loadConfig(undefined, { port: 0, dataDir: tempDir('serve-api'), token: TOKEN }));
    call = api(server.url);
  });
  afterAll(() => server.close(500));

  it('health and readiness need no token; everything else answers 401 without the right one', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect(await (await fetch(`${server.url}/ready`)).json()).toEqual({ status: 'ready' });
    for (const path of ['/api/streams', '/api/events', '/metrics', '/openapi.json', '/api/events/stream', '/']) {
      const none = await fetch(`${server.url}${path}`);
      expect(none.status, path).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(((await none.json()) as { error: { code: string } }).error.code).toBe('ERR_VQMON_UNAUTHORIZED');
    }
    expect((await api(server.url, `${TOKEN}x`)('GET', '/api/streams')).status).toBe(401);
    // The query-string token is for the event stream and the dashboard only.
    expect((await fetch(`${server.url}/api/streams?access_token=${TOKEN}`)).status).toBe(401);
    // The dashboard's link form logs in (cookie) and drops the token from the address.
    const link = await fetch(`${server.url}/?access_token=${TOKEN}`, { redirect: 'manual' });
    expect(link.status).toBe(303);
    expect(link.headers.get('location')).toBe('/');
    expect(link.headers.get('set-cookie')).toMatch(/^vqmon_token=/);
  });

  it('bad requests get 4xx with a message that names the problem', async () => {
    const bad = async (status: number, pattern: RegExp, method: string, path: string, body?: unknown, raw?: string) => {
      const r = await call(method, path, body, raw);
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.body.error.message).toMatch(pattern);
    };
    await bad(400, /not valid JSON/, 'POST', '/api/streams', undefined, '{"url": ');
    await bad(400, /unknown field 'colour'/, 'POST', '/api/streams', { url: udpUrl(), colour: 'red' });
    await bad(400, /body.options.freeze: unknown field 'minDurration'/, 'POST', '/api/streams', { url: udpUrl(), options: { freeze: { minDurration: 1 } } });
    await bad(400, /unknown field 'debug'/, 'POST', '/api/streams', { url: udpUrl(), options: { debug: { analysisDelay: 1 } } });
    await bad(400, /must have required property 'url'/, 'POST', '/api/streams', { name: 'x' });
    await bad(400, /unsupported URL scheme 'file:\/\/'/, 'POST', '/api/streams', { url: 'file:///etc/passwd' });
    await bad(400, /not a live input URL/, 'POST', '/api/streams', { url: '/dev/zero' });
    await bad(400, /must NOT have more than 2048 characters/, 'POST', '/api/streams', { url: `udp://127.0.0.1:1/${'a'.repeat(3000)}` });
    await bad(400, /freeze.minDuration must be a number in \[0, 3600\], got -1/, 'POST', '/api/streams', { url: udpUrl(), options: { freeze: { minDuration: -1 } } });
    await bad(400, /body.options.only.0 must be equal to one of the allowed values: "freeze"/, 'POST', '/api/streams', { url: udpUrl(), options: { only: ['frezee'] } });
    await bad(400, /must be number/, 'POST', '/api/streams', { url: udpUrl(), options: { stallTimeout: 'soon' } });
    await bad(413, /too large/i, 'POST', '/api/streams', { url: udpUrl(), name: 'n'.repeat(70_000) });
    await bad(400, /querystring: unknown field 'colour'/, 'GET', '/api/events?colour=red');
    await bad(400, /from must be an ISO 8601 time/, 'GET', '/api/events?from=yesterday');
    await bad(400, /limit must be <= 10000/, 'GET', '/api/events?limit=20000');
    await bad(404, /no stream with id 'nope'/, 'GET', '/api/streams/nope');
    await bad(404, /no route GET \/api\/nothing/, 'GET', '/api/nothing');
    await bad(400, /must NOT have fewer than 1 properties/, 'PATCH', '/api/streams/nope', {});
    // The dashboard's routes.
    await bad(404, /no stream with id 'nope'/, 'GET', '/api/streams/nope/thumbnail');
    await bad(404, /no stream with id 'nope'/, 'GET', '/api/streams/nope/samples');
    await bad(400, /seconds must be <= 600/, 'GET', '/api/streams/nope/samples?seconds=601');
    await bad(400, /params\.id must be integer/, 'GET', '/api/events/abc/thumbnail');
    await bad(404, /no picture for this event/, 'GET', '/api/events/12345/thumbnail');
    await bad(400, /querystring: unknown field 'type'/, 'GET', '/api/samples/stream?type=freeze');
    expect((await call('GET', '/api/streams')).body.streams).toEqual([]); // nothing bad was added
  });

  it('streams: add, duplicate URL 409, rename, change settings, pause, resume, remove; the OpenAPI description lists the routes', async () => {
    const url = udpUrl();
    const a = await call('POST', '/api/streams', { url, options: { only: ['freeze', 'black'], freeze: { minDuration: 1 } } });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ url, name: url, paused: false, status: { state: 'connecting' } });
    const dup = await call('POST', '/api/streams', { url });
    expect(dup.status).toBe(409);
    expect(dup.body.error.message).toContain(`already watched as stream '${a.body.id}'`);
    const renamed = await call('PATCH', `/api/streams/${a.body.id}`, { name: 'studio 1' });
    expect(renamed.body).toMatchObject({ name: 'studio 1', options: a.body.options });
    const tuned = await call('PATCH', `/api/streams/${a.body.id}`, { options: { only: ['black'] } });
    expect(tuned.body.options).toEqual({ only: ['black'] });
    const paused = await call('POST', `/api/streams/${a.body.id}/pause`);
    expect(paused.body).toMatchObject({ paused: true, status: { state: 'paused' } });
    expect(server.supervisor.list()[0]!.paused).toBe(true);
    const resumed = await call('POST', `/api/streams/${a.body.id}/resume`);
    expect(resumed.body).toMatchObject({ paused: false });
    expect(resumed.body.status.state).not.toBe('paused');
    const b = await call('POST', '/api/streams', { url: udpUrl(), name: 'second', paused: true });
    expect(b.body.status.state).toBe('paused');
    expect((await call('GET', '/api/streams')).body.streams.map((s: { name: string }) => s.name)).toEqual(['studio 1', 'second']);
    expect((await call('DELETE', `/api/streams/${a.body.id}`)).status).toBe(204);
    expect((await call('GET', `/api/streams/${a.body.id}`)).status).toBe(404);
    expect((await call('GET', '/api/streams')).body.streams).toHaveLength(1);
    const doc = (await call('GET', '/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/streams', '/api/streams/{id}', '/api/streams/{id}/pause', '/api/events', '/api/events/stream', '/health', '/metrics']));
    expect(doc.paths['/api/streams'].post.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
  });
});

describe('vqmon serve: command line and config', () => {
  const cli = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [join(root, 'dist/cli.js'), ...args],
    { encoding: 'utf8', timeout: 30_000, env: { ...process.env, VQMON_TOKEN: '', ...env } });

  it('bad settings exit 2 before anything starts, naming the setting', () => {
    const dir = tempDir('serve-cli');
    const bad = (args: string[], pattern: RegExp) => {
      const r = cli(args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(pattern);
    };
    bad(['serve', '--port', 'http'], /--port must be an integer in \[0, 65535\]/);
    bad(['serve', '--port', '70000'], /--port must be an integer/);
    bad(['serve', '--data-dir', dir, '--token', 'short'], /the token must be 16 to 512 printable characters/);
    writeFileSync(join(dir, 'a.yaml'), 'port: 0\nwebhook:\n  retries: 3\n');
    bad(['serve', '--config', join(dir, 'a.yaml')], /webhook: unknown setting 'retries'; settings: attempts, firstDelay/);
    writeFileSync(join(dir, 'b.yaml'), 'defaults:\n  freeze: { minDuration: -2 }\n');
    bad(['serve', '--config', join(dir, 'b.yaml')], /freeze.minDuration must be a number/);
    writeFileSync(join(dir, 'c.yaml'), 'webhooks:\n  - url: ftp://x\n    secret: 0123456789abcdef\n');
    bad(['serve', '--config', join(dir, 'c.yaml')], /webhooks\[0\].url must be an http:\/\/ or https:\/\/ URL/);
    writeFileSync(join(dir, 'd.yaml'), 'port: [1\n');
    bad(['serve', '--config', join(dir, 'd.yaml')], /cannot read config/);
    bad(['serve', '--only', 'freeze'], /serve takes --host, --port/);
    bad(['watch', 'udp://127.0.0.1:1', '--port', '1'], /--host, --port, --data-dir and --token are serve options/);
  });

  it('the token is generated at the first start, printed once, and the same after a restart; VQMON_TOKEN overrides it', async () => {
    const dir = tempDir('serve-token');
    const start = (env: Record<string, string> = {}) => {
      const child = spawn(process.execPath, [join(root, 'dist/cli.js'), 'serve', '--port', '0', '--data-dir', dir],
        { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, VQMON_TOKEN: '', ...env } });
      let log = '';
      const url = new Promise<string>((ok, fail) => {
        child.stderr!.on('data', (c: Buffer) => {
          log += c.toString();
          const m = /serving on (http:\/\/\S+)/.exec(log);
          if (m) ok(m[1]!);
        });
        child.on('exit', (code) => fail(new Error(`exited ${code}: ${log}`)));
      });
      const stop = async () => {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        return exited;
      };
      return { url, log: () => log, stop };
    };
    const a = start();
    const urlA = await a.url;
    const token = /API token \(shown only now; kept in (\S+)\):\n(\S+)\n/.exec(a.log());
    expect(token, a.log()).not.toBeNull();
    expect(token![1]).toBe(join(dir, 'token'));
    expect(statSync(token![1]!).mode & 0o777).toBe(0o600);
    expect((await api(urlA, token![2]!)('GET', '/api/streams')).status).toBe(200);
    expect(await a.stop()).toBe(0);
    const b = start();
    const urlB = await b.url;
    expect(b.log()).not.toContain('API token');
    expect((await api(urlB, token![2]!)('GET', '/api/streams')).status).toBe(200);
    expect(await b.stop()).toBe(0);
    const c = start({ VQMON_TOKEN: TOKEN });
    const urlC = await c.url;
    expect((await api(urlC, token![2]!)('GET', '/api/streams')).status).toBe(401);
    expect((await api(urlC, TOKEN)('GET', '/api/streams')).status).toBe(200);
    expect(await c.stop()).toBe(0);
  }, 60_000);
});

describe('vqmon serve: store', () => {
  it('migrations run once, retention drops old rows, exports quote CSV', () => {
    const dir = tempDir('serve-store');
    let store = new Store(dir);
    expect(store.schemaVersion).toBe(3);
    store.insertStream({ id: 's1', url: 'udp://127.0.0.1:1', name: 'one', options: {}, paused: false, createdAt: 1, updatedAt: 1 });
    const day = 86_400_000, now = Date.now();
    store.insertEvent('s1', { input: 'udp://127.0.0.1:1', type: 'freeze', phase: 'start', start: 1, end: 3, duration: 2 }, now - 40 * day);
    const kept = store.insertEvent('s1', { input: 'udp://127.0.0.1:1', type: 'black', phase: 'end', start: 1, end: 3, duration: 2, detail: { note: 'a "quoted", value' } }, now);
    store.addMinute({ streamId: 's1', minute: Math.floor((now - 40 * day) / 60_000), frames: 1, audioWindows: 0, droppedPackets: 0, decoderErrors: 0, inputErrors: 0, events: 1, maxLag: 0 });
    store.addMinute({ streamId: 's1', minute: Math.floor(now / 60_000), frames: 10, audioWindows: 2, droppedPackets: 0, decoderErrors: 1, inputErrors: 0, events: 0, maxLag: 0.5 });
    store.addMinute({ streamId: 's1', minute: Math.floor(now / 60_000), frames: 5, audioWindows: 0, droppedPackets: 0, decoderErrors: 0, inputErrors: 0, events: 1, maxLag: 0.2 });
    store.close();
    store = new Store(dir); // reopened: no migration runs twice
    expect(store.schemaVersion).toBe(3);
    expect(store.openEvents().map((e) => e.type)).toEqual(['freeze']); // its start, never ended
    expect(store.retain(30, now)).toEqual({ events: 1, minutes: 1 });
    expect(store.events()).toEqual([kept]);
    expect(store.db.prepare('SELECT count(*) AS n FROM open_events').get()).toEqual({ n: 0 }); // went with its event
    expect(store.minutes('s1')).toEqual([expect.objectContaining({ frames: 15, audioWindows: 2, decoderErrors: 1, events: 1, maxLag: 0.5 })]);
    const csv = [...exportLines(store.iterateEvents(), 'csv')];
    expect(csv[0]).toBe('id,streamId,input,at,type,phase,start,end,duration,score,detail\n');
    expect(csv[1]).toBe(`${kept.id},s1,udp://127.0.0.1:1,${new Date(now).toISOString()},black,end,1,3,2,,"{""note"":""a \\""quoted\\"", value""}"\n`);
    expect([...exportLines(store.iterateEvents(), 'ndjson')].map((l) => JSON.parse(l) as unknown)).toEqual([kept]);
    store.close();
  });
});

describe('vqmon serve: killed and restarted', () => {
  /** `node dist/cli.js serve` on a free port; resolves with its URL once it listens. */
  function serveProcess(dataDir: string, config: string): Promise<{ child: ChildProcess; url: string; log: () => string }> {
    const child = spawn(process.execPath, [join(root, 'dist/cli.js'), 'serve', '--port', '0', '--data-dir', dataDir, '--token', TOKEN, '--config', config],
      // A threadpool as big as the service needs: no launcher, so the process killed is the service itself.
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, UV_THREADPOOL_SIZE: '66' } });
    let log = '';
    return new Promise((resolveUrl, reject) => {
      child.stderr!.on('data', (c: Buffer) => {
        log += c.toString();
        const m = /serving on (http:\/\/\S+)/.exec(log);
        if (m) resolveUrl({ child, url: m[1]!, log: () => log });
      });
      child.on('exit', (code) => reject(new Error(`vqmon serve exited (${code}): ${log}`)));
    });
  }

  it('after kill -9 the restarted service watches the same streams, ends the defect the kill cut short, sends the webhooks it owed, and the stored events are intact', async () => {
    const dataDir = tempDir('serve-kill');
    const url = udpUrl();
    // A webhook receiver that refuses everything until the restart: deliveries are owed.
    let hookUp = false;
    const hook = await webhookReceiver(SECRET, () => (hookUp ? 204 : 503));
    const config = join(dataDir, 'vqmon.yaml');
    writeFileSync(config, `webhooks:\n  - url: ${hook.url}\n    secret: ${SECRET}\n    types: [freeze]\nwebhook:\n  firstDelay: 0.2\n  maxDelay: 0.5\n  attempts: 100\n`);
    // One source through both lives of the server: frozen 3-6 s and 15-19 s.
    let ff: ChildProcess | undefined;
    let second: ChildProcess | undefined;
    const first = await serveProcess(dataDir, config);
    try {
      const call1 = api(first.url);
      const added = await call1('POST', '/api/streams', { url, options: { only: ['freeze'], freeze: { minDuration: 1 }, stallTimeout: 2 } });
      expect(added.status).toBe(201);
      await sleep(500);
      ff = ffmpegLive(22, 'split=3[a][b][c];[a][b]freezeframes=first=90:last=179:replace=90[x];[x][c]freezeframes=first=450:last=569:replace=450', [...liveH264(30), '-f', 'mpegts', `${url}?pkt_size=1316`]);
      // Killed while the first freeze is under way (its phase start stored, its end not yet).
      const before = await until('the first freeze\'s start in the store', async () => {
        const ev = (await call1('GET', '/api/events?type=freeze')).body.events as StoredEvent[];
        return ev.some((e) => e.phase === 'start') ? ev : undefined;
      }, 15_000);
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
      // The stream's own freeze.minDuration (1 s, default 2 s) is the one applied: phase start
      // comes once the run has lasted 1 s.
      const firstStart = before.find((e) => e.phase === 'start')!;
      expect(before).toEqual([firstStart]);
      expect(firstStart.duration).toBeGreaterThanOrEqual(1);
      expect(firstStart.duration).toBeLessThan(1.5);
      expect(hook.got).toEqual([]);

      hookUp = true;
      const restarted = await serveProcess(dataDir, config);
      second = restarted.child;
      const call2 = api(restarted.url);
      const streams = (await call2('GET', '/api/streams')).body.streams as Array<{ id: string; url: string; options: unknown }>;
      expect(streams.map((s) => ({ id: s.id, url: s.url, options: s.options }))).toEqual([{ id: added.body.id, url, options: added.body.options }]);
      // The freeze the kill cut short is ended at once, marked interrupted, with the end known at its start.
      const ended = (await call2('GET', '/api/events?type=freeze')).body.events as StoredEvent[];
      expect(ended.slice(0, 1)).toEqual(before);
      expect(ended[1]).toMatchObject({ type: 'freeze', phase: 'end', start: firstStart.start, end: firstStart.end, detail: { interrupted: true } });
      // The webhook gets what it was owed, in order and signed: the start from before the kill, then that end.
      const owed = await until('the owed deliveries', () => (hook.got.length >= 2 ? hook.got : undefined), 10_000);
      expect(owed.slice(0, 2).map((g) => g.e)).toEqual(ended.slice(0, 2));
      expect(owed.every((g) => g.valid)).toBe(true);
      // Watched again: frames flow, and the second freeze is found by the new process.
      await until('frames after the restart', async () => ((await call2('GET', `/api/streams/${added.body.id}`)).body.status.videoFrames > 30 ? true : undefined), 10_000);
      const after = await until('a freeze seen after the restart', async () => {
        const ev = (await call2('GET', `/api/events?type=freeze&after=${ended[1]!.id}`)).body.events as StoredEvent[];
        return ev.find((e) => e.phase === 'start');
      }, 20_000);
      expect(after.streamId).toBe(added.body.id);
      // New settings reopen the input on the same UDP port (once the old one let go): frames flow again.
      const patched = await call2('PATCH', `/api/streams/${added.body.id}`, { options: { only: ['freeze', 'black'], stallTimeout: 2 } });
      expect(patched.body.options).toEqual({ only: ['freeze', 'black'], stallTimeout: 2 });
      await until('frames on the reopened input', async () => {
        const st = (await call2('GET', `/api/streams/${added.body.id}`)).body.status as { state: string; videoFrames: number };
        return st.state === 'live' && st.videoFrames > 30 ? true : undefined;
      }, 5_000);
      expect((await call2('GET', '/api/events?type=freeze')).body.events.slice(0, 2)).toEqual(ended.slice(0, 2));
    } finally {
      hook.server.close();
      ff?.kill();
      first.child.kill('SIGKILL');
      if (second && second.exitCode === null) {
        const exited = new Promise((r) => second!.once('exit', r));
        second.kill('SIGTERM');
        expect(await exited).toBe(0); // a graceful stop
      }
    }
  }, 90_000);
});
