/**
 * Requests a careless or hostile client sends to `vqmon serve` (src/serve/guard.ts, the
 * closed schemas, the bounds): each refused with a clear 4xx, each a row of the hardening
 * issue that was accepted before.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../src/serve/config.js';
import { startServer, type RunningServer } from '../src/serve/server.js';
import { tempDir } from './helpers/live-sources.js';

const TOKEN = 'guards-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('vqmon serve: hostile and careless requests', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ ...loadConfig(undefined, { port: 0, dataDir: tempDir('guards'), token: TOKEN }), maxSseClients: 2 });
  });
  afterAll(() => server.close(500));

  const post = (path: string, body: string, headers: Record<string, string>) => fetch(`${server.url}${path}`, { method: 'POST', headers, body, redirect: 'manual' });
  const errorOf = async (r: Response) => ((await r.json()) as { error: { code: string; message: string } }).error;

  it('CSRF: a form posted from a page on another port of the same host, with the login cookie: 403, nothing created (it was 201)', async () => {
    const login = await post('/login', `token=${TOKEN}`, { 'content-type': 'application/x-www-form-urlencoded' });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    // What the browser sends for an auto-submitting form on http://127.0.0.1:OTHERPORT.
    const other = `http://127.0.0.1:${server.port + 1}`;
    const form = await post('/api/streams', 'url=udp%3A%2F%2F127.0.0.1%3A5000', { cookie, origin: other, 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(403);
    expect((await errorOf(form)).code).toBe('ERR_VQMON_FORBIDDEN');
    // The same as JSON from that page (a browser would preflight it; a script can forge it): 403 too.
    const json = await post('/api/streams', JSON.stringify({ url: 'udp://127.0.0.1:5000' }), { cookie, origin: other, 'content-type': 'application/json' });
    expect(json.status).toBe(403);
    // A form body without an Origin (an old browser, a script): not JSON, 415.
    const noOrigin = await post('/api/streams', 'url=udp%3A%2F%2F127.0.0.1%3A5000', { cookie, 'content-type': 'application/x-www-form-urlencoded' });
    expect(noOrigin.status).toBe(415);
    expect((await errorOf(noOrigin)).code).toBe('ERR_VQMON_UNSUPPORTED_MEDIA_TYPE');
    // Login CSRF (the attacker's token into the victim's browser): 403.
    expect((await post('/login', `token=${TOKEN}`, { origin: other, 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(403);
    expect((await fetch(`${server.url}/api/streams`, { headers: auth }).then((r) => r.json()) as { streams: unknown[] }).streams).toEqual([]);
    // The dashboard itself (same origin) still works.
    const own = await post('/api/streams', JSON.stringify({ url: 'udp://127.0.0.1:5001', paused: true }), { cookie, origin: server.url, 'content-type': 'application/json' });
    expect(own.status).toBe(201);
  });

  it('closed schemas: strings are not coerced into numbers or booleans; every detector option has bounds', async () => {
    const create = (body: unknown) => post('/api/streams', JSON.stringify(body), { ...auth, 'content-type': 'application/json' });
    const refused = async (body: unknown, message: RegExp) => {
      const r = await create(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect((await errorOf(r)).message, JSON.stringify(body)).toMatch(message);
    };
    await refused({ url: 'udp://127.0.0.1:5100', paused: 'true' }, /paused must be boolean/);
    await refused({ url: 'udp://127.0.0.1:5101', options: { stallTimeout: '5' } }, /stallTimeout must be number/);
    await refused({ url: 'udp://127.0.0.1:5102', options: { blockiness: { baselineWindow: 1e308 } } }, /blockiness.baselineWindow must be a number in \[1, 600\]/);
    await refused({ url: 'udp://127.0.0.1:5103', options: { freeze: { refreshTolerance: -5 } } }, /freeze.refreshTolerance must be a number in \[0, 1\]/);
    await refused({ url: 'udp://127.0.0.1:5104', options: { freeze: { refreshInterval: -1 } } }, /freeze.refreshInterval/);
    await refused({ url: 'udp://127.0.0.1:5105', options: { clipping: { minSamples: 1.5 } } }, /clipping.minSamples must be an integer/);
    await refused({ url: 'udp://127.0.0.1:5106', options: { corruption: { maxRecovery: 1e308 } } }, /corruption.maxRecovery must be a number in \[0, 3600\]/);
    await refused({ url: 'tcp://127.0.0.1:5107?listen=1' }, /'listen' is not accepted/);
    const limit = await fetch(`${server.url}/api/events/export?limit=1e21`, { headers: auth });
    expect(limit.status).toBe(400);
  });

  it('event streams beyond maxSseClients: 503 ERR_VQMON_CAPACITY; a closed one frees its place', async () => {
    const open = [0, 1].map(() => new AbortController());
    const streams = await Promise.all(open.map((a) => fetch(`${server.url}/api/events/stream`, { headers: auth, signal: a.signal })));
    expect(streams.map((r) => r.status)).toEqual([200, 200]);
    const third = await fetch(`${server.url}/api/events/stream`, { headers: auth });
    expect(third.status).toBe(503);
    expect((await errorOf(third)).code).toBe('ERR_VQMON_CAPACITY');
    open[0]!.abort();
    let again = 503;
    for (let i = 0; i < 40 && again === 503; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const r = await fetch(`${server.url}/api/events/stream`, { headers: auth, signal: open[0]!.signal.aborted ? undefined : open[0]!.signal });
      again = r.status;
      if (r.status === 200) await r.body?.cancel();
    }
    expect(again).toBe(200);
    open[1]!.abort();
  });

  it('wrong tokens: 20 a minute from one address, then 429 with Retry-After, the right token included', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 24; i++) statuses.push((await fetch(`${server.url}/api/streams`, { headers: { authorization: `Bearer wrong-${i}-0123456789abcdef` } })).status);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    const limited = await fetch(`${server.url}/api/streams`, { headers: auth });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('vqmon serve: streams per node', () => {
  it('beyond maxStreams a new or resumed stream is 503 ERR_VQMON_CAPACITY; paused ones do not count', async () => {
    const s = await startServer({ ...loadConfig(undefined, { port: 0, dataDir: tempDir('cap'), token: TOKEN }), maxStreams: 2 });
    const call = (method: string, path: string, body?: unknown) => fetch(`${s.url}${path}`, { method,
      headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    try {
      for (const port of [5301, 5302]) expect((await call('POST', '/api/streams', { url: `udp://127.0.0.1:${port}` })).status).toBe(201);
      const third = await call('POST', '/api/streams', { url: 'udp://127.0.0.1:5303' });
      expect(third.status).toBe(503);
      expect(((await third.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'ERR_VQMON_CAPACITY', message: expect.stringMatching(/at most 2 live inputs/) as string });
      const paused = await call('POST', '/api/streams', { url: 'udp://127.0.0.1:5303', paused: true });
      expect(paused.status).toBe(201);
      const { id } = (await paused.json()) as { id: string };
      expect((await call('POST', `/api/streams/${id}/resume`)).status).toBe(503);
    } finally {
      await s.close(200);
    }
  });
});

describe('vqmon serve: behind a TLS proxy, and webhook targets', () => {
  it('trustProxy: X-Forwarded-Proto https makes the login cookie Secure; without trustProxy the header is ignored', async () => {
    for (const trustProxy of [true, false]) {
      const s = await startServer({ ...loadConfig(undefined, { port: 0, dataDir: tempDir('proxy'), token: TOKEN }), trustProxy });
      try {
        const r = await fetch(`${s.url}/login`, { method: 'POST', redirect: 'manual',
          headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' }, body: JSON.stringify({ token: TOKEN }) });
        expect(r.status).toBe(303);
        expect(/;\s*Secure/.test(r.headers.get('set-cookie') ?? ''), `trustProxy ${trustProxy}`).toBe(trustProxy);
      } finally {
        await s.close(200);
      }
    }
  });

  it('a webhook at a link-local address (cloud metadata) is refused in the config', () => {
    const dir = tempDir('hooks');
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://0xa9fea9fe/', 'http://[fe80::1]/', 'http://metadata.google.internal/']) {
      writeFileSync(`${dir}/c.yaml`, `webhooks:\n  - url: ${url}\n    secret: a-secret-of-16-chars\n`);
      expect(() => loadConfig(`${dir}/c.yaml`), url).toThrow(/link-local/);
    }
  });
});
