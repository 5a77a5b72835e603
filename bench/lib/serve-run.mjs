// The serve soaks' processes and media (bench/serve-soak.mjs, bench/fault-soak.mjs): the
// looped clips with known defects, \`vqmon serve\` as a user runs it, the ffmpeg senders, the
// API and Server-Sent Events clients, the server's RSS.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { statusMiB } from '../suite/proc.mjs';
import { CLIP_FPS, CLIP_SECONDS, clipDefects, trackSteps } from './soak.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const TOKEN = 'soak-token-0123456789abcdef';
const log = (l) => process.stderr.write(`soak: ${l}\n`);

/**
 * Clip c at the resolution: testsrc2 with temporal noise (a camera-like decode cost), a tone;
 * its defects burnt in. MP4, though the senders send MPEG-TS: -stream_loop seeks the file back
 * to its start, which in an MPEG-TS file loses the first video packet (the keyframe), so every
 * loop would start with a broken GOP; MP4's index seeks exactly.
 */
export function makeClip(c, [w, h]) {
  const [freeze, black, silence] = clipDefects(c);
  const f = (t) => Math.round(t * CLIP_FPS);
  const graph = `[0:v]split[a][b];[a][b]freezeframes=first=${f(freeze.start)}:last=${f(freeze.end) - 1}:replace=${f(freeze.start)},` +
    `drawbox=enable='between(n,${f(black.start)},${f(black.end) - 1})':color=black:t=fill[v];` +
    `[1:a]volume=enable='gte(t,${silence.start})*lt(t,${silence.end})':volume=0[au]`;
  const args = ['-f', 'lavfi', '-i', `testsrc2=size=${w}x${h}:rate=${CLIP_FPS}:duration=${CLIP_SECONDS},noise=alls=8:allf=t`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${CLIP_SECONDS}`,
    '-filter_complex', graph, '-map', '[v]', '-map', '[au]',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-g', String(CLIP_FPS), '-bf', '0', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-f', 'mp4'];
  const dir = join(root, '.vqmon-tmp/soak/clips');
  const out = join(dir, `clip${c}-${h}p-${createHash('sha1').update(args.join('\0')).digest('hex').slice(0, 10)}.mp4`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  log(`making ${relative(root, out)} (once)`);
  const tmp = `${out}.${process.pid}.partial`;
  const r = spawnSync('nice', ['-n', '19', 'ffmpeg', '-hide_banner', '-loglevel', 'error', '-y', ...args, tmp], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    throw new Error(`ffmpeg could not make clip ${c} (needs libx264)`);
  }
  renameSync(tmp, out);
  return out;
}

/**
 * The clip looped three times as the senders loop it (-stream_loop, stream copy, MPEG-TS),
 * its packets' timestamps read back: the loop period (how far the video's timestamps move
 * from one loop to the next) and whether both tracks step evenly across the seams. FFmpeg's
 * loop shifts each loop by the longest track's span plus a frame or a tick, and keeps or
 * drops AAC's priming packet depending on the video's first timestamps (with B-frames, it
 * kept it: the audio overlapped itself by a frame at every seam, and the monitor's audio
 * windows, timed by counting samples, drifted 21 ms a loop). So it is measured, not assumed.
 */
export function loopProbe(file) {
  const looped = `${file}.loop3.ts`;
  const ff = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-stream_loop', '2', '-i', file, '-c', 'copy', '-f', 'mpegts', looped], { encoding: 'utf8' });
  if (ff.status !== 0) throw new Error(`ffmpeg could not loop ${file}: ${ff.stderr}`);
  const r = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'packet=stream_index,pts_time:stream=index,codec_type', '-of', 'json', looped], { encoding: 'utf8', maxBuffer: 1 << 28 });
  rmSync(looped, { force: true });
  if (r.status !== 0) throw new Error(`ffprobe failed on ${looped}: ${r.stderr}`);
  const j = JSON.parse(r.stdout);
  const tracks = j.streams.map((s) => ({ type: s.codec_type, pts: j.packets.filter((p) => p.stream_index === s.index && p.pts_time !== undefined).map((p) => Number(p.pts_time)) }));
  const video = tracks.find((t) => t.type === 'video').pts.sort((a, b) => a - b);
  const period = video[CLIP_SECONDS * CLIP_FPS] - video[0];
  const steps = tracks.map((t) => ({ type: t.type, ...trackSteps(t.pts) }));
  const seams = steps.filter((t) => t.off.length);
  if (seams.length) {
    throw new Error(`${relative(root, file)} does not loop seamlessly: ${seams.map((t) => `${t.type} steps ${t.off.map((o) => `${(o.step * 1000).toFixed(1)} ms at ${o.at.toFixed(3)} s`).join(', ')} (not ${(t.step * 1000).toFixed(1)} ms)`).join('; ')}`);
  }
  return { period };
}

/**
 * `vqmon serve` as a user runs it; resolves with its URL once it listens. Its threadpool is
 * sized here (as the launcher would for maxStreams 64), so `child` is the service itself:
 * its RSS and CPU are read, and kill -9 reaches it.
 */
export function startServer(dataDir, { args = [], env = { ...process.env, UV_THREADPOOL_SIZE: '66' } } = {}) {
  const child = spawn(process.execPath, [join(root, 'dist/cli.js'), 'serve', '--port', '0', '--data-dir', dataDir, '--token', TOKEN, ...args],
    { stdio: ['ignore', 'ignore', 'pipe'], env });
  let text = '';
  return new Promise((ok, fail) => {
    child.stderr.on('data', (c) => {
      text += c.toString();
      if (text.length > 1 << 20) text = text.slice(-(1 << 19));
      const m = /serving on (http:\/\/\S+)/.exec(text);
      if (m) ok({ child, url: m[1], log: () => text });
    });
    child.on('exit', (code) => fail(new Error(`vqmon serve exited (${code}): ${text}`)));
  });
}

export function sender(clip, port) {
  return spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostats', '-re', '-stream_loop', '-1', '-i', clip,
    '-c', 'copy', '-f', 'mpegts', `udp://127.0.0.1:${port}?pkt_size=1316`], { stdio: 'ignore' });
}

/** RSS of a live process in MiB, or null. */
export const rssMiB = (pid) => statusMiB(pid, 'VmRSS');

export const loadAvg = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

export async function api(base, method, path, body) {
  const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Opens a Server-Sent Events route; resolves once it answers, with `done`: reading it, `onData` with each message's JSON, until `signal` aborts. */
export async function sseData(base, path, signal, onData, headers = {}) {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}`, ...headers }, signal });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
  const done = (async () => {
    let buf = '';
    const dec = new TextDecoder();
    try {
      for await (const chunk of res.body) {
        buf += dec.decode(chunk, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const data = /^data: (.*)$/m.exec(buf.slice(0, i));
          buf = buf.slice(i + 2);
          if (data) onData(JSON.parse(data[1]));
        }
      }
    } catch { /* aborted */ }
  })();
  return { done };
}

