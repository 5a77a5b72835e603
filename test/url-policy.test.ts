/**
 * Inputs open only what they should (src/live/url.ts): a protocol whitelist per scheme, URL
 * options FFmpeg would act on refused, URLs normalised before duplicate checks, credentials
 * kept out of everything shown, stored in events or sent.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { createMonitor, type LiveEvent } from '../src/live/monitor.js';
import { parseLiveUrl } from '../src/live/url.js';
import { loadConfig } from '../src/serve/config.js';
import { startServer } from '../src/serve/server.js';
import { tempDir } from './helpers/live-sources.js';

const TOKEN = 'url-policy-token-0123456789';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('live input URLs', () => {
  it.each([
    ['tcp://127.0.0.1:5000?listen=1', /'listen' is not accepted .*listen for a peer/],
    ['tcp://127.0.0.1:5000?listen_timeout=5', /'listen_timeout' is not accepted.*tcp:\/\/ accepts no URL options/],
    ['udp://127.0.0.1:5000?fifo_size=1000000000', /'fifo_size' is not accepted.*accepts localaddr, sources, block/],
    ['srt://example.net:9000?mode=listener', /'mode' is not accepted/],
    ['tcp://0.0.0.0:5000', /0\.0\.0\.0 is not a source address/],
    ['rtmp://[::]/live', /\[::\] is not a source address/],
    ['file:///etc/passwd', /unsupported URL scheme 'file:\/\/'/],
    ['udp://127.0.0.1:5000#x', /no #fragment/],
    ['http://exa mple.com/a.m3u8', /no spaces or control characters/],
    ['concat:udp://a|udp://b', /is not a live input URL/],
  ])('%s is refused', (url, why) => {
    expect(() => parseLiveUrl(url)).toThrow(why);
    expect(() => createMonitor().add(url)).toThrow(why);
  });

  it('normalised: scheme and host case, default ports, dot segments; UDP any-address forms are one', () => {
    expect(parseLiveUrl('HTTP://Example.COM:80/a/../live.m3u8').url).toBe('http://example.com/live.m3u8');
    expect(parseLiveUrl('RTSP://Cam.local:554/s1').url).toBe('rtsp://cam.local/s1');
    expect(parseLiveUrl('udp://@:1234').url).toBe('udp://0.0.0.0:1234');
    expect(parseLiveUrl('udp://:1234').url).toBe('udp://0.0.0.0:1234');
    expect(parseLiveUrl('UDP://239.1.1.1:5000?localaddr=10.0.0.2').url).toBe('udp://239.1.1.1:5000?localaddr=10.0.0.2');
    expect(parseLiveUrl('srt://h:9000?mode=caller&streamid=a').options.protocol_whitelist).toBe('srt');
  });

  it('credentials redacted in the shown form, kept in the opened one; the shown form is stable', () => {
    const u = parseLiveUrl('rtsp://admin:hunter2@cam:8554/s?token=abc&q=1');
    expect(u.url).toBe('rtsp://admin:hunter2@cam:8554/s?token=abc&q=1');
    expect(u.display).toBe('rtsp://***@cam:8554/s?token=***&q=1');
    expect(parseLiveUrl(u.display).display).toBe(u.display);
    expect(parseLiveUrl('srt://h:9000?streamid=x&passphrase=longsecret').display).toBe('srt://h:9000?streamid=***&passphrase=***');
  });

  it('an HLS playlist over raw TCP that lists a file:// segment: the local file is not read (it was: 120 frames decoded)', async () => {
    const secret = join(tempDir('url-policy'), 'secret.ts');
    const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=30:duration=4', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mpegts', secret]);
    expect(r.status).toBe(0);
    const playlist = `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:4.0,\nfile://${secret}\n#EXT-X-ENDLIST\n`;
    const server = createServer((s) => { s.on('error', () => {}); s.end(playlist); });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const url = `tcp://127.0.0.1:${(server.address() as { port: number }).port}/live.m3u8`;
    const m = createMonitor({ openTimeout: 2, reconnectDelay: 5 });
    const events: LiveEvent[] = [];
    m.on('event', (e: LiveEvent) => events.push(e));
    try {
      m.add(url);
      for (let i = 0; i < 60 && !events.some((e) => e.type === 'input_error'); i++) await sleep(50);
      const s = m.stats().inputs[0]!;
      expect(s.videoFrames).toBe(0);
      expect(s.packets).toBe(0);
      expect(events.find((e) => e.type === 'input_error')?.detail).toMatchObject({ code: 'ERR_VQMON_INPUT_OPEN' });
    } finally {
      await m.close();
      server.close();
    }
  });
});

describe('vqmon serve and URLs', () => {
  it('HTTP:// and http:// (and another password) are the same stream: 409; credentials never in answers or events', async () => {
    const server = await startServer(loadConfig(undefined, { port: 0, dataDir: tempDir('url-serve'), token: TOKEN }));
    const api = (path: string, body?: unknown) => fetch(`${server.url}${path}`, {
      method: body ? 'POST' : 'GET', headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    try {
      const first = await api('/api/streams', { url: 'http://user:pw1@127.0.0.1:9/live.m3u8?sig=s3cret', options: { openTimeout: 0.5, reconnectDelay: 30 } });
      expect(first.status).toBe(201);
      const created = await first.json() as { id: string; url: string; name: string };
      expect(created.url).toBe('http://***@127.0.0.1:9/live.m3u8?sig=***');
      expect(created.name).toBe(created.url);
      const again = await api('/api/streams', { url: 'HTTP://other:pw2@127.0.0.1:9/x/../live.m3u8?sig=s3cret', options: { openTimeout: 0.5 } });
      expect(again.status).toBe(409);
      const dup = await again.json() as { error: { message: string } };
      expect(dup.error.message).not.toMatch(/pw1|pw2|s3cret/);
      await sleep(1500); // an input_error, with FFmpeg's message
      const everything = await Promise.all(['/api/streams', '/api/events', '/api/events/export?format=ndjson'].map((p) => api(p).then((r) => r.text())));
      expect(everything[1]).toMatch(/input_error/);
      for (const text of everything) expect(text).not.toMatch(/pw1|pw2|s3cret|user:/);
    } finally {
      await server.close();
    }
  });
});
