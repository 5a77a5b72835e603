/**
 * `vqmon analyze` from the outside: output modes, exit codes, and bad input of every kind
 * ending in exit code 2 with a message that says what is wrong, never a crash.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
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

  it('never crashes on an input that fails to open (beamcoder race, patched): 20 runs', () => {
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
