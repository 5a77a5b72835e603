/**
 * Test clips with known defects, made with FFmpeg's lavfi sources and filters and cached
 * under .vqmon-tmp/clips (keyed by their recipe, written atomically).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
export const clipDir = join(root, '.vqmon-tmp/clips');

/** A real clip from ../shared/media beside the project (VQMON_SHARED_MEDIA overrides). */
export function sharedMedia(file: string): string {
  return join(process.env.VQMON_SHARED_MEDIA ?? resolve(root, '../shared/media'), file);
}

/** Runs ffmpeg with `args` (output file last, given as OUT) unless the clip exists. */
export function clip(name: string, args: string[]): string {
  mkdirSync(clipDir, { recursive: true });
  const ext = name.slice(name.lastIndexOf('.'));
  const key = createHash('sha1').update(args.join('\u0000')).digest('hex').slice(0, 10);
  const out = join(clipDir, `${name.slice(0, -ext.length)}-${key}${ext}`);
  if (existsSync(out)) return out;
  // Test files run in parallel processes and may want the same clip: private partial name.
  const tmp = `${out}.${process.pid}-${Math.random().toString(36).slice(2)}.partial${ext}`;
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args.map((a) => (a === 'OUT' ? tmp : a))], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg failed for ${name}: ${r.stderr}`);
  renameSync(tmp, out);
  return out;
}

/** 320x180 test pattern and a 440 Hz tone, H.264 + AAC in MP4, with optional filters. */
export function avClip(name: string, seconds: number, vf?: string, af?: string, extra: string[] = []): string {
  const graph = [
    vf ? `[0:v]${vf}[v]` : '[0:v]null[v]',
    af ? `[1:a]${af}[a]` : '[1:a]anull[a]',
  ].join(';');
  return clip(name, [
    '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=30:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-filter_complex', graph, '-map', '[v]', '-map', '[a]',
    '-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k', ...extra, 'OUT',
  ]);
}

/** freezeframes needs the stream twice: the frames and the replacement. */
export const freezeVf = (fps: number, from: number, to: number) =>
  `split[a][b];[a][b]freezeframes=first=${Math.round(from * fps)}:last=${Math.round(to * fps) - 1}:replace=${Math.round(from * fps)}`;
