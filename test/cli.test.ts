/**
 * `vqmon analyze` and `vqmon watch` from the outside: output modes, exit codes, and bad
 * input of every kind ending in exit code 2 with a message that says what is wrong, never a
 * crash; watch on inputs that never open keeps retrying until SIGINT, then exits 0.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

import { avClip, clip, clipDir, freezeVf } from './helpers/clips.js';

const root = resolve(import.meta.dirname, '..');

function vqmon(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'dist/cli.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
  expect(r.signal, r.stderr).toBeNull();
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('vqmon analyze', () => {
  it('exit 0 and a summary for a clean clip; --json is one report', () => {
    const file = avClip('clean.mp4', 12);
    const human = vqmon('analyze', file);
    expect(human.code).toBe(0);
    expect(human.out).toContain('no defects found');
    const json = vqmon('analyze', file, '--json');
    const report = JSON.parse(json.out) as { events: unknown[]; stats: { frames: number }; streams: unknown[] };
    expect(report.events).toEqual([]);
    expect(report.stats.frames).toBe(360);
    expect(report.streams).toHaveLength(2);
  });

  it('exit 1 with defects; --ndjson prints one event per line; --only filters', () => {
    const file = avClip('freeze.mp4', 10, freezeVf(30, 3, 6));
    const r = vqmon('analyze', file, '--ndjson');
    expect(r.code).toBe(1);
    const events = r.out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; start: number; end: number; duration: number });
    expect(events.map((e) => e.type)).toEqual(['freeze']);
    expect(Object.keys(events[0]!)).toEqual(expect.arrayContaining(['type', 'start', 'end', 'duration']));
    expect(vqmon('analyze', file, '--only', 'black,silence').code).toBe(0);
  });

  it('--config sets detector options', () => {
    const file = avClip('freeze-short.mp4', 8, freezeVf(30, 2, 3.5));
    const cfg = join(clipDir, 'short-freeze.json');
    writeFileSync(cfg, JSON.stringify({ freeze: { minDuration: 1 } }));
    expect(vqmon('analyze', file).code).toBe(0);
    expect(vqmon('analyze', file, '--config', cfg).code).toBe(1);
  });

  it('never crashes on an input that fails to open (a failed open frees its context once): 20 runs', () => {
    for (let i = 0; i < 20; i++) expect(vqmon('analyze', join(root, 'package.json')).code).toBe(2);
  }, 60_000);

  const bad: Array<[string, () => string[], RegExp]> = [
    ['a missing file', () => ['analyze', join(clipDir, 'nope.mp4')], /no such file/],
    ['an empty file', () => { const f = join(clipDir, 'empty.mp4'); writeFileSync(f, ''); return ['analyze', f]; }, /is empty/],
    ['a file that is not media', () => ['analyze', join(root, 'package.json')], /not a media file/],
    ['random bytes', () => {
      const f = join(clipDir, 'random.ts');
      writeFileSync(f, Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 2654435761) >>> 24)));
      return ['analyze', f];
    }, /not a media file|no audio or video/],
    ['an MP4 cut before its index', () => {
      const f = avClip('clean.mp4', 12);
      const cut = join(clipDir, 'truncated.mp4');
      writeFileSync(cut, readFileSync(f).subarray(0, 40000));
      return ['analyze', cut];
    }, /not a media file/],
    ['an MP4 (index first) cut in the middle of its media', () => {
      const f = clip('faststart.mp4', ['-i', avClip('clean.mp4', 12), '-c', 'copy', '-movflags', '+faststart', 'OUT']);
      const cut = join(clipDir, 'truncated-faststart.mp4');
      const bytes = readFileSync(f);
      writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
      return ['analyze', cut];
    }, /truncated or damaged/],
    ['an unsupported pixel format (10-bit)', () => ['analyze', clip('tenbit.mkv', ['-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=25:duration=2',
      '-c:v', 'libx264', '-pix_fmt', 'yuv420p10le', 'OUT'])], /yuv420p10le/],
    ['an unreachable URL', () => ['analyze', 'udp://127.0.0.1:9?timeout=1'], /cannot open udp/],
    ['an unknown detector', () => ['analyze', avClip('clean.mp4', 12), '--only', 'freez'], /unknown detector 'freez'/],
    ['an unknown option', () => ['analyze', avClip('clean.mp4', 12), '--fast'], /unknown option --fast/],
    ['a config that is not JSON', () => ['analyze', avClip('clean.mp4', 12), '--config', join(root, 'README.md')], /cannot read config/],
  ];
  for (const [what, args, message] of bad) {
    it(`exit 2 with a clear message for ${what}`, () => {
      const r = vqmon(...args());
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).toMatch(/\[ERR_VQMON_[A-Z_]+\]/);
      if (!/cut in the middle/.test(what)) expect(r.out).toBe('');
    }, 30_000);
  }
});

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('vqmon watch', () => {
  it('inputs that never open: input_error with code and message, retried with backoff, until SIGINT; exit 0', async () => {
    const port = await closedPort();
    const urls = [`http://127.0.0.1:${port}/x.m3u8`, `rtmp://127.0.0.1:${port}/live/x`, `tcp://127.0.0.1:${port}`];
    const cfg = join(clipDir, 'watch-retry.json');
    writeFileSync(cfg, JSON.stringify({ reconnectDelay: 0.1, openTimeout: 2 }));
    const child = spawn(process.execPath, [join(root, 'dist/cli.js'), 'watch', ...urls, '--ndjson', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
    const events: Array<{ type: string; phase: string; input: string; detail: Record<string, unknown> }> = [];
    let out = '', err = '';
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const started = (u: string) => events.filter((e) => e.input === u && e.type === 'input_error' && e.phase === 'start');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not enough retries in 30 s: ${out}\n${err}`)), 30_000);
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const lines = out.split('\n');
        out = lines.pop()!;
        // Only JSON lines are events.
        for (const l of lines) if (l.startsWith('{')) events.push(JSON.parse(l) as (typeof events)[number]);
        if (urls.every((u) => started(u).length >= 3)) { clearTimeout(timer); resolve(); }
      });
      void exited.then((code) => reject(new Error(`watch exited early (${code}): ${err}`)));
    });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const u of urls) {
      const tries = started(u);
      for (const e of tries) {
        expect(e.detail.code).toBe('ERR_VQMON_INPUT_OPEN');
        expect(e.detail.message).toMatch(new RegExp(`cannot open ${u.replace(/[/.]/g, '\\$&')}: .*refused.*nothing listens there`));
      }
      // Backoff: each retry waits twice as long as the one before.
      expect(tries.slice(0, 3).map((e) => e.detail.attempt)).toEqual([1, 2, 3]);
      expect(tries.slice(0, 3).map((e) => e.detail.retryInSec)).toEqual([0.1, 0.2, 0.4]);
    }
    expect(events.filter((e) => e.type !== 'input_error')).toEqual([]);
    expect(err).toMatch(new RegExp(`${urls[0]!.replace(/[/.]/g, '\\$&')}: 0 frames .* input errors`));
  }, 60_000);

  const bad: Array<[string, string[], RegExp]> = [
    ['no URL', ['watch'], /watch needs at least one URL/],
    ['an unsupported URL scheme', ['watch', 'gopher://127.0.0.1/x'], /unsupported URL scheme 'gopher:\/\/'.*live inputs: udp:\/\//],
    ['a file path', ['watch', 'clip.mp4'], /not a live input URL.*vqmon analyze/],
    ['an unknown option', ['watch', 'udp://127.0.0.1:5000', '--fast'], /unknown option --fast/],
    ['--json', ['watch', 'udp://127.0.0.1:5000', '--json'], /--ndjson, not --json/],
    ['an unknown live detector', ['watch', 'udp://127.0.0.1:5000', '--only', 'freeze,freez'], /unknown live detector 'freez'/],
  ];
  for (const [what, args, message] of bad) {
    it(`exit 2 with a clear message for ${what}`, () => {
      const r = vqmon(...args);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).toMatch(/\[ERR_VQMON_INVALID_ARG\]/);
      expect(r.out).toBe('');
    });
  }

  it('exit 2 for a config with an option out of range, or not JSON', () => {
    const cfg = join(clipDir, 'watch-bad.json');
    writeFileSync(cfg, JSON.stringify({ stallTimeout: -1 }));
    const r = vqmon('watch', 'udp://127.0.0.1:5000', '--config', cfg);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/stallTimeout must be a number in \[0\.1, 3600\], got -1 \[ERR_VQMON_INVALID_ARG\]/);
    const notJson = vqmon('watch', 'udp://127.0.0.1:5000', '--config', join(root, 'README.md'));
    expect(notJson.code).toBe(2);
    expect(notJson.err).toMatch(/cannot read config/);
  });
});
