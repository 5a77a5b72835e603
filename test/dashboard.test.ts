/**
 * The dashboard: its login (cookie) and headers over HTTP, then the page itself in Debian's
 * Chromium driven by playwright-core: the real server on a loopback port, two real UDP
 * sources (ffmpeg -re), one with an injected freeze; a user logs in through the form, sees
 * both streams with their status and latest picture, and sees the freeze turn its card red
 * live (no reload), then finds the event with its picture in the stream's detail view. The
 * screenshot is written to test-artifacts/dashboard.png.
 */
import { type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../src/serve/config.js';
import { startServer, type RunningServer } from '../src/serve/server.js';
import { freezeVf } from './helpers/clips.js';
import { ffmpegLive, liveH264, tempDir, udpUrl } from './helpers/live-sources.js';

const root = resolve(import.meta.dirname, '..');
const TOKEN = 'dashboard-token-0123456789';

/** Debian's Chromium (scripts/setup.sh installs it), or $VQMON_CHROMIUM. */
function chromiumPath(): string {
  const candidates = [process.env.VQMON_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no Chromium found (looked for ${candidates.join(', ')}): run bash scripts/setup.sh, which installs Debian's chromium, or set VQMON_CHROMIUM to a Chromium binary`);
  return found;
}

/** An <img>'s width once it has loaded (0 before, or when it failed). Runs in the page. */
const loadedWidth = (img: unknown) => { const i = img as { complete: boolean; naturalWidth: number }; return i.complete ? i.naturalWidth : 0; };

describe('dashboard: login and headers', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(loadConfig(undefined, { port: 0, dataDir: tempDir('dash-http'), token: TOKEN }));
  });
  afterAll(() => server.close(500));

  it('a browser without the token gets the login page (401, no stream data); the form sets an HttpOnly SameSite=Strict cookie that the API accepts; logout clears it', async () => {
    const added = await fetch(`${server.url}/api/streams`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: udpUrl(), name: 'secret-studio', paused: true }) });
    expect(added.status).toBe(201);
    const html = { accept: 'text/html,application/xhtml+xml' };
    const login = await fetch(`${server.url}/`, { headers: html });
    expect(login.status).toBe(401);
    expect(login.headers.get('content-type')).toMatch(/^text\/html/);
    expect(login.headers.get('content-security-policy')).toMatch(/default-src 'self'.*img-src 'self' data: blob:/);
    const page = await login.text();
    expect(page).toContain('<form method="post" action="/login">');
    expect(page).not.toContain('secret-studio');
    expect(page).not.toMatch(/<script|style=/); // nothing inline
    // Scripts ask for JSON and get the API's error.
    expect(((await (await fetch(`${server.url}/`)).json()) as { error: { code: string } }).error.code).toBe('ERR_VQMON_UNAUTHORIZED');

    const post = (body: string, type = 'application/x-www-form-urlencoded') =>
      fetch(`${server.url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': type, ...html }, body });
    const wrong = await post(`token=${TOKEN}x`);
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toMatch(/Wrong token/);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const ok = await post(`token=${encodeURIComponent(TOKEN)}`);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/');
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^vqmon_token=[^;]+; Path=\/; HttpOnly; SameSite=Strict$/);
    const jar = { cookie: cookie.split(';')[0]! };
    expect((await post(JSON.stringify({ token: TOKEN }), 'application/json')).status).toBe(303);

    const dash = await fetch(`${server.url}/`, { headers: { ...html, ...jar } });
    expect(dash.status).toBe(200);
    const index = await dash.text();
    expect(index).toContain('<script type="module" src="/assets/app.js"></script>');
    expect(index).not.toMatch(/<script>|style=|https?:\/\//); // no inline script, nothing from elsewhere
    expect(dash.headers.get('content-security-policy')).toContain("script-src 'self'");
    const streams = await fetch(`${server.url}/api/streams`, { headers: jar });
    expect(streams.status).toBe(200);
    expect(((await streams.json()) as { streams: Array<{ name: string }> }).streams.map((s) => s.name)).toEqual(['secret-studio']);
    expect((await fetch(`${server.url}/api/streams`, { headers: { cookie: 'vqmon_token=nope-nope-nope-nope' } })).status).toBe(401);
    // The page's files hold no data and load before login; an unknown one is a 404.
    const app = await fetch(`${server.url}/assets/app.js`);
    expect(app.status).toBe(200);
    expect(app.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${server.url}/assets/style.css`)).headers.get('content-type')).toMatch(/^text\/css/);
    expect((await fetch(`${server.url}/assets/nothing.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/assets/..%2Fapi.ts`)).status).toBe(400);

    const out = await fetch(`${server.url}/logout`, { method: 'POST', redirect: 'manual', headers: jar });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^vqmon_token=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0$/);
  });
});

describe('dashboard in Chromium', () => {
  it('logs in, shows both streams with status and picture, and the injected freeze live; the detail view lists it with its picture', async () => {
    const executablePath = chromiumPath();
    const dataDir = tempDir('dash');
    const cfg = join(dataDir, 'vqmon.yaml');
    writeFileSync(cfg, `port: 0\ntoken: ${TOKEN}\ndefaults:\n  stallTimeout: 2\n  openTimeout: 4\n`);
    const server = await startServer(loadConfig(cfg, { dataDir }));
    const sources: ChildProcess[] = [];
    let browser: Browser | undefined;
    const began = performance.now();
    try {
      const add = async (body: object) => {
        const r = await fetch(`${server.url}/api/streams`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect(r.status).toBe(201);
        return ((await r.json()) as { id: string }).id;
      };
      const urlA = udpUrl(), urlB = udpUrl();
      const a = await add({ url: urlA, name: 'Studio A <freeze>', options: { only: ['freeze', 'black'], freeze: { minDuration: 1 } } });
      const b = await add({ url: urlB, name: 'Studio B', options: { only: ['freeze', 'black', 'silence'] } });
      // A: frozen 5-9 s (the freeze start event at about 6 s, minDuration 1 s); B: moving, with a tone.
      sources.push(ffmpegLive(16, freezeVf(30, 5, 9), [...liveH264(30), '-f', 'mpegts', `${urlA}?pkt_size=1316`]));
      sources.push(ffmpegLive(16, 'null', [...liveH264(30), '-c:a', 'aac', '-f', 'mpegts', `${urlB}?pkt_size=1316`], 'sine=frequency=440:sample_rate=48000:duration=16'));

      browser = await chromium.launch({ executablePath, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
      const page: Page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => { if (/Content Security Policy|Uncaught/i.test(m.text())) problems.push(`console: ${m.text()}`); });

      // A user opens the address, gets the login form, types the token.
      const first = await page.goto(server.url);
      expect(first!.status()).toBe(401);
      await page.fill('#token', TOKEN);
      await Promise.all([page.waitForURL(`${server.url}/`), page.click('button[type=submit]')]);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
      await page.evaluate(() => { (globalThis as { notReloaded?: boolean }).notReloaded = true; });

      const card = (id: string) => page.locator(`article.card[data-stream="${id}"]`);
      await expect.poll(() => card(a).locator('h2').textContent(), { timeout: 5000 }).toBe('Studio A <freeze>');
      expect(await card(b).locator('h2').textContent()).toBe('Studio B');
      expect(await card(a).locator('.url').textContent()).toBe(urlA);
      // Both live (green) with frames flowing, and each with its latest picture loaded.
      for (const id of [a, b]) {
        await expect.poll(() => card(id).getAttribute('data-state'), { timeout: 10_000 }).toBe('ok');
        await expect.poll(() => card(id).locator('.badge').textContent()).toBe('live');
        await expect.poll(() => card(id).locator('.thumb img').evaluate(loadedWidth), { timeout: 8000 }).toBeGreaterThan(0);
      }
      await expect.poll(() => card(b).locator('.fps').textContent(), { timeout: 8000 }).toMatch(/^(2[5-9]|3\d)\.\d$/);
      // The sparklines fill from the live samples.
      await expect.poll(() => card(b).locator('.m-motion path').getAttribute('d'), { timeout: 8000 }).toMatch(/^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){2,}/);

      // The freeze arrives live: card A turns red and names it; its timeline grows a freeze bar.
      await expect.poll(() => card(a).getAttribute('data-state'), { timeout: 15_000 }).toBe('defect');
      const sawFreeze = performance.now();
      expect(await card(a).locator('.badge').textContent()).toBe('freeze');
      expect(await card(a).locator('.timeline .bar.t-freeze.open').count()).toBe(1);
      expect(await card(b).getAttribute('data-state')).toBe('ok');
      // The sparklines' latest readings: A still, B moving and with its tone's level.
      await expect.poll(() => card(a).locator('.m-motion .value').textContent(), { timeout: 3000 }).toBe('0.00 %');
      expect(await card(b).locator('.m-motion .value').textContent()).toMatch(/^(?!0\.00)\d+\.\d\d %$/);
      expect(await card(b).locator('.m-audioDb .value').textContent()).toMatch(/^-\d+ dBFS$/);
      const shot = join(root, 'test-artifacts/dashboard.png');
      mkdirSync(join(root, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: shot });
      console.log(`dashboard screenshot: ${shot} (freeze seen ${((sawFreeze - began) / 1000).toFixed(1)} s after the start)`);

      // The detail view: the freeze with its times and the picture at its start.
      await card(a).locator('.thumb').click();
      await page.waitForSelector('#detail-view:not([hidden])');
      expect(await page.locator('#detail-name').textContent()).toBe('Studio A <freeze>');
      const row = page.locator('#detail-view .event[data-type="freeze"]').first();
      await row.waitFor({ timeout: 5000 });
      // Once the freeze ends (9 s of media) the row closes and the card goes green again.
      await expect.poll(() => row.getAttribute('data-open'), { timeout: 10_000 }).toBe('false');
      expect(await row.locator('.media').textContent()).toMatch(/^media 5\.\d\d s – 9\.\d\d s, lasted [34]\.\d\d s$/);
      await expect.poll(() => row.locator('img').evaluate(loadedWidth), { timeout: 5000 }).toBeGreaterThan(0);
      await page.screenshot({ path: join(root, 'test-artifacts/dashboard-detail.png') });
      await page.click('a.back');
      await expect.poll(() => card(a).getAttribute('data-state'), { timeout: 5000 }).toBe('ok');

      // A stream removed through the API leaves the page; all of it without a reload.
      expect((await fetch(`${server.url}/api/streams/${b}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(204);
      await expect.poll(() => card(b).count(), { timeout: 8000 }).toBe(0);
      expect(await page.evaluate(() => (globalThis as { notReloaded?: boolean }).notReloaded)).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      for (const s of sources) s.kill();
      await browser?.close();
      await server.close(1000);
    }
  }, 60_000);
});
