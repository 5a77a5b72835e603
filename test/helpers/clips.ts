/**
 * Test clips with known defects, made with FFmpeg's lavfi sources and filters and cached
 * under .vqmon-tmp/clips (keyed by their recipe, written atomically).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
export const clipDir = join(root, '.vqmon-tmp/clips');

/** A real clip of test/media (CC-licensed, attributed in its README). */
export function testMedia(file: string): string {
  return join(root, 'test/media', file);
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

/**
 * Flash-and-beep A/V-sync pattern: a 2-frame white flash every second from 0.5 s over a
 * test pattern, a 50 ms 1 kHz beep every second from 0.5 s + offset (positive: audio late).
 * PCM audio in Matroska, so no codec delay blurs the offset.
 */
export function syncClip(offsetMs: number, seconds = 10): string {
  const a = 0.5 + offsetMs / 1000;
  return clip(`sync${offsetMs}.mkv`, [
    '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=30:duration=${seconds},drawbox=enable='gte(t,0.5)*lt(mod(t-0.5,1),0.066)':color=white:t=fill`,
    '-f', 'lavfi', '-i', `aevalsrc='0.5*sin(2*PI*1000*t)*gte(t,${a})*lt(mod(t-${a},1),0.05)':s=48000:d=${seconds}`,
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'pcm_s16le', 'OUT']);
}

/**
 * Channel graphics keyed over the programme, scaled to the picture: a news ticker
 * scrolling along a band at the bottom, a running clock top right, and (logo) a static
 * station logo top left.
 */
export function channelGraphicsVf({ ticker = true, clock = true, logo = false } = {}): string {
  return [
    ...(ticker ? ['drawbox=x=0:y=ih*0.85:w=iw:h=ih*0.15:color=navy:t=fill',
      "drawtext=text='BREAKING +++ markets up 2 percent +++ sunny, 24 degrees +++':fontsize=h*0.1:fontcolor=white:x=w-mod(t*w*0.4\\,w+tw):y=h*0.87"] : []),
    ...(clock ? ["drawtext=text='%{pts\\:hms}':fontsize=h*0.08:fontcolor=white:box=1:boxcolor=black:x=w-tw-w*0.02:y=h*0.03"] : []),
    ...(logo ? ['drawbox=x=iw*0.04:y=ih*0.05:w=iw*0.17:h=ih*0.17:color=white@0.85:t=fill',
      "drawtext=text='TV1':fontsize=h*0.1:fontcolor=blue:x=w*0.07:y=h*0.08"] : []),
  ].join(',');
}

/**
 * A copy of `src` (remuxed to MPEG-TS, codecs copied) whose video packets with
 * presentation time in [from, to] seconds (from the first video packet) are damaged by the
 * `noise` bitstream filter: about one byte in `amount` changed.
 */
export function noiseDamaged(name: string, src: string, from: number, to: number, amount: number): string {
  return clip(name, ['-i', src, '-map', '0', '-c', 'copy',
    '-bsf:v', `noise=amount='between((pts-startpts)*tb,${from},${to})*${amount}'`, '-f', 'mpegts', 'OUT']);
}

export interface PacketInfo { t: number; key: boolean; hash: string }

/** Video packets of a file: time from the input's start (vqmon's 0), key flag, payload hash. */
export function videoPackets(file: string): PacketInfo[] {
  const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_data_hash', 'md5',
    '-show_entries', 'packet=pts_time,flags,data_hash:format=start_time', '-of', 'json', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`ffprobe failed for ${file}: ${r.stderr}`);
  const j = JSON.parse(r.stdout) as { packets: Array<{ pts_time: string; flags: string; data_hash: string }>; format: { start_time: string } };
  const origin = Number(j.format.start_time);
  return j.packets.map((p) => ({ t: Number(p.pts_time) - origin, key: p.flags.startsWith('K'), hash: p.data_hash }));
}

/**
 * Where the noise filter really changed a copy: the first and last damaged packets' times,
 * and the first keyframe after the last one (where the picture recovers; null if none).
 */
export function damageSpan(clean: string, damaged: string): { first: number; last: number; recovery: number | null } {
  const a = videoPackets(clean), b = videoPackets(damaged);
  if (a.length !== b.length) throw new Error('packet counts differ');
  const hit = b.filter((p, i) => p.hash !== a[i]!.hash).map((p) => p.t);
  if (!hit.length) throw new Error('the noise filter damaged nothing');
  const first = Math.min(...hit), last = Math.max(...hit);
  const key = b.filter((p) => p.key && p.t > last).map((p) => p.t);
  return { first, last, recovery: key.length ? Math.min(...key) : null };
}

/**
 * Holes of more than 0.25 s in each track of a file: [end of the last packet before, next
 * packet's time], seconds from the input's start (vqmon's 0, as videoPackets).
 */
export function trackHoles(file: string): Record<'audio' | 'video', Array<[number, number]>> {
  const r = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'packet=stream_index,pts_time,duration_time:stream=index,codec_type:format=start_time',
    '-of', 'json', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`ffprobe failed for ${file}: ${r.stderr}`);
  const j = JSON.parse(r.stdout) as { packets: Array<{ stream_index: number; pts_time: string; duration_time?: string }>;
    streams: Array<{ index: number; codec_type: string }>; format: { start_time: string } };
  const origin = Number(j.format.start_time);
  const holes: Record<'audio' | 'video', Array<[number, number]>> = { audio: [], video: [] };
  const until = new Map<number, number>();
  for (const p of j.packets) {
    const kind = j.streams.find((s) => s.index === p.stream_index)?.codec_type;
    if (kind !== 'audio' && kind !== 'video') continue;
    const t = Number(p.pts_time) - origin, end = t + Number(p.duration_time ?? 0);
    const last = until.get(p.stream_index);
    if (last !== undefined && t - last > 0.25) holes[kind].push([last, t]);
    until.set(p.stream_index, Math.max(last ?? -Infinity, end));
  }
  return holes;
}

/**
 * Clips encoded separately (give them a .ts name: MPEG-TS joins byte for byte) played one
 * after the other: the concat protocol reads them as one stream and the remux makes the
 * timestamps continuous. For defects an encoder makes in one span only (a starved part).
 */
export function joinedClip(name: string, parts: string[]): string {
  return clip(name, ['-i', `concat:${parts.join('|')}`, '-c', 'copy', 'OUT']);
}

/**
 * Files joined byte for byte (MPEG-TS parts: one stream whose timestamps jump where the
 * parts meet). Not through ffmpeg: its remux smooths MPEG-TS timestamp jumps over 10 s.
 */
export function catClip(name: string, parts: string[]): string {
  mkdirSync(clipDir, { recursive: true });
  const ext = name.slice(name.lastIndexOf('.'));
  const key = createHash('sha1').update(parts.join('\u0000')).digest('hex').slice(0, 10);
  const out = join(clipDir, `${name.slice(0, -ext.length)}-${key}${ext}`);
  if (existsSync(out)) return out;
  const tmp = `${out}.${process.pid}-${Math.random().toString(36).slice(2)}.partial${ext}`;
  writeFileSync(tmp, Buffer.concat(parts.map((f) => readFileSync(f))));
  renameSync(tmp, out);
  return out;
}

/**
 * testsrc2 averaged with a slowly turning black-to-white gradient, plus mild noise: flat
 * bars, text, smooth ramps and grain, where a starved block codec shows its 8x8 grid.
 */
export const texturedInput = (seconds: number) => [
  '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=30:duration=${seconds}`,
  '-f', 'lavfi', '-i', `gradients=size=320x180:rate=30:duration=${seconds}:speed=0.02:c0=black:c1=white:seed=1`,
  '-filter_complex', '[0][1]blend=all_mode=average,noise=alls=6:allf=t'];

/**
 * 10 s of texturedInput in H.264 with frames 120-209 (4-7 s) at QP 51 and the deblocking
 * filter off: a keyframe at 4 s and I-frames at the zone's QP (ipratio=1), so the blocking
 * starts on one frame.
 */
export const blockyZoneClip = () => clip('blocky-zone.mp4', [...texturedInput(10),
  '-an', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '60', '-crf', '23',
  '-force_key_frames', '4', '-x264-params', 'zones=120,209,q=51,no-deblock=1:ipratio=1', 'OUT']);
