// The clips the suite measures: generated here, deterministically, from FFmpeg's lavfi
// sources (cached by recipe under .vqmon-tmp/bench), plus the real clips in
// test/media (real CC-licensed clips, attributed in its README).
//
// Generated: testsrc2 with temporal noise (every frame differs, as camera noise does; the
// encoder cannot skip it, so the bitrate is that of a busy contribution feed) and a
// stereo tone, H.264 (x264 veryfast, CRF 23, a keyframe every 2 s) at 720p, 1080p and
// 2160p, and HEVC (x265 ultrafast, CRF 26) at 1080p; AAC audio; all 30 fps in MP4.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const RECIPES = [
  { id: 'h264-720p30', label: '720p30 H.264', size: '1280x720', codec: ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23'] },
  { id: 'h264-1080p30', label: '1080p30 H.264', size: '1920x1080', codec: ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23'] },
  { id: 'h264-2160p30', label: '2160p30 H.264', size: '3840x2160', codec: ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23'], short: true },
  { id: 'hevc-1080p30', label: '1080p30 HEVC', size: '1920x1080',
    codec: ['-c:v', 'libx265', '-preset', 'ultrafast', '-crf', '26', '-tag:v', 'hvc1', '-x265-params', 'log-level=error'] },
];

/** Seconds of each generated clip: quick runs use short clips (2160p shorter still). */
export function clipSeconds(quick, short) {
  return quick ? (short ? 5 : 10) : (short ? 20 : 30);
}

function generate(dir, recipe, seconds) {
  const args = [
    '-f', 'lavfi', '-i', `testsrc2=size=${recipe.size}:rate=30:duration=${seconds},noise=alls=8:allf=t`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    ...recipe.codec, '-g', '60', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k', '-ac', '2',
  ];
  const key = createHash('sha1').update(args.join('\0')).digest('hex').slice(0, 10);
  const out = join(dir, `${recipe.id}-${seconds}s-${key}.mp4`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.partial.mp4`;
  process.stderr.write(`corpus: making ${recipe.label}, ${seconds} s (once; cached in ${dir})\n`);
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, tmp], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    throw new Error(`ffmpeg could not make ${recipe.label} (needs libx264 and libx265; run scripts/setup.sh)`);
  }
  renameSync(tmp, out);
  return out;
}

/** Codec, size, rate, duration, bitrate, audio and video frame count of a clip. */
export function probeClip(file) {
  const r = spawnSync('ffprobe', ['-v', 'error', '-count_packets', '-show_entries',
    'stream=codec_type,codec_name,width,height,avg_frame_rate,nb_read_packets:format=duration,bit_rate', '-of', 'json', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffprobe failed on ${file}: ${r.stderr}`);
  const j = JSON.parse(r.stdout);
  const v = j.streams.find((s) => s.codec_type === 'video');
  const a = j.streams.find((s) => s.codec_type === 'audio');
  if (!v) throw new Error(`${file} has no video`);
  const [n, d] = v.avg_frame_rate.split('/').map(Number);
  return {
    codec: v.codec_name, width: v.width, height: v.height, fps: d ? n / d : 0,
    durationSec: Number(j.format.duration), frames: Number(v.nb_read_packets),
    bitrateMbps: Math.round(Number(j.format.bit_rate) / 1e4) / 100, audio: Boolean(a),
  };
}

/**
 * The corpus: generated clips (ids above; `only`: those ids alone) and, when `shared` is
 * true and the folder exists, every .mp4 of test/media (ids "shared:<name>").
 */
export function corpus(root, { quick, shared = true, only = null }) {
  const dir = process.env.VQMON_BENCH_CACHE ?? join(root, '.vqmon-tmp/bench');
  const clips = RECIPES.filter((r) => !only || only.includes(r.id))
    .map((r) => ({ id: r.id, label: r.label, source: 'generated', file: generate(dir, r, clipSeconds(quick, r.short)) }));
  const media = join(root, 'test/media'); // ids keep their "shared:" prefix, as in RESULTS.md
  if (shared && !only && existsSync(media)) {
    for (const f of readdirSync(media).filter((n) => n.endsWith('.mp4')).sort()) {
      clips.push({ id: `shared:${f}`, label: f, source: 'shared', file: join(media, f) });
    }
  }
  return clips.map((c) => ({ ...c, ...probeClip(c.file) }));
}

/**
 * `clip` looped (stream copy, no re-encoding) to `seconds`, cached beside the corpus: a
 * file long enough for vqmon to split across many cores (it cuts no segment under 10 s).
 */
export function loopedClip(root, clip, seconds) {
  const dir = process.env.VQMON_BENCH_CACHE ?? join(root, '.vqmon-tmp/bench');
  const key = createHash('sha1').update(`${clip.file}\0${seconds}`).digest('hex').slice(0, 10);
  const out = join(dir, `${clip.id.replace(/[^\w.-]/g, '_')}-loop${seconds}s-${key}.mp4`);
  if (!existsSync(out)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${out}.${process.pid}.partial.mp4`;
    const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-stream_loop', '-1', '-i', clip.file, '-t', String(seconds),
      '-map', '0', '-c', 'copy', tmp], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) {
      rmSync(tmp, { force: true });
      throw new Error(`ffmpeg could not loop ${clip.file} to ${seconds} s`);
    }
    renameSync(tmp, out);
  }
  return { ...clip, id: `${clip.id}-loop${seconds}s`, label: `${clip.label}, looped to ${seconds} s`, file: out, ...probeClip(out) };
}
