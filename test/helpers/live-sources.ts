/**
 * Real live sources for the live tests: ffmpeg -re sending a lavfi test pattern (UDP
 * MPEG-TS, or an HLS playlist in a directory, all kept or a sliding window), a small HTTP
 * server for that directory,
 * and a watcher that notes when each HLS segment was published; an MPEG-TS file sent over
 * UDP byte for byte at a steady rate.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/** H.264 in MPEG-TS that a monitor picks up within a frame or two: a keyframe every `gop` frames, none elsewhere. */
export const liveH264 = (gop: number) => ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency',
  '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-pix_fmt', 'yuv420p'];

/**
 * ffmpeg at real speed (-re) from a 320x180 30 fps test pattern of `seconds`, video filtered
 * by `vf`; `audio`, a lavfi audio graph, is read at real speed too and mapped after the video.
 */
export function ffmpegLive(seconds: number, vf: string, output: string[], audio?: string): ChildProcess {
  return spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=30:duration=${seconds}`,
    ...(audio ? ['-re', '-f', 'lavfi', '-i', audio] : []),
    '-filter_complex', `[0:v]${vf}[v]`, '-map', '[v]', ...(audio ? ['-map', '1:a'] : []), ...output], { stdio: 'ignore' });
}

export function udpUrl(): string {
  return `udp://127.0.0.1:${20000 + Math.floor(Math.random() * 20000)}`;
}

/**
 * Sends an MPEG-TS file to `url` (udp://host:port) as it is, 1316 bytes a datagram, spread
 * evenly over `seconds`. Unlike ffmpeg -re -c copy, which keeps its output's timestamps
 * rising (it moves packets that step back up to the last time), the file's timestamps reach
 * the monitor untouched.
 */
export function sendTsFile(file: string, url: string, seconds: number): { kill(): void } {
  const data = readFileSync(file), { hostname, port } = new URL(url), sock = createSocket('udp4');
  const started = performance.now();
  let sent = 0;
  const timer = setInterval(() => {
    const due = Math.min(data.length, Math.ceil((data.length * (performance.now() - started)) / (seconds * 1000) / 1316) * 1316);
    for (; sent < due; sent += 1316) sock.send(data.subarray(sent, Math.min(sent + 1316, data.length)), Number(port), hostname);
    if (sent >= data.length) stop();
  }, 10);
  const stop = () => {
    clearInterval(timer);
    setTimeout(() => sock.close(), 200);
  };
  return { kill: () => { if (sent < data.length) { sent = data.length; stop(); } } };
}

export function tempDir(prefix: string): string {
  const base = join(root, '.vqmon-tmp/live');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `${prefix}-`));
}

/** Serves `dir` on 127.0.0.1; notes the first segment (.ts) asked for. */
export async function serveDir(dir: string): Promise<{ port: number; firstSegment: () => string | null; server: Server }> {
  let first: string | null = null;
  const server = createServer((req, res) => {
    const name = (req.url ?? '/').split('?')[0]!.replace(/^\/+/, '');
    const file = join(dir, name);
    if (name.includes('..') || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    if (name.endsWith('.ts')) first ??= name;
    res.writeHead(200, { 'content-type': name.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { port, firstSegment: () => first, server };
}

export interface Segment { name: string; start: number; duration: number; publishedAt: number }

/**
 * Polls an HLS playlist every 20 ms: each segment's media start and when it first appeared
 * in the playlist (performance.now(), ms). A segment's start is the end of the one listed
 * before it, so a sliding window (hls_list_size, delete_segments) keeps the clock; start
 * watching before the first segment is written (media time 0 is the first segment's start).
 */
export function watchPlaylist(file: string): { segments: Map<string, Segment>; stop: () => void } {
  const segments = new Map<string, Segment>();
  const poll = () => {
    if (!existsSync(file)) return;
    let t = 0, duration = 0;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const inf = /^#EXTINF:([\d.]+)/.exec(line);
      if (inf) duration = Number(inf[1]);
      else if (line && !line.startsWith('#')) {
        const known = segments.get(line);
        if (known) t = known.start;
        else segments.set(line, { name: line, start: t, duration, publishedAt: performance.now() });
        t += duration;
      }
    }
  };
  const timer = setInterval(poll, 20);
  return { segments, stop: () => clearInterval(timer) };
}

/**
 * A live HLS source in `dir`: ffmpeg -re (ffmpegLive) writing half-second segments (a
 * keyframe every 15 frames) to a sliding playlist `live.m3u8` of 6 segments, older segments
 * deleted, as a live packager does.
 */
export function ffmpegLiveHls(dir: string, seconds: number, vf: string): { child: ChildProcess; playlist: string } {
  const playlist = join(dir, 'live.m3u8');
  const child = ffmpegLive(seconds, vf, [...liveH264(15), '-f', 'hls', '-hls_time', '0.5', '-hls_list_size', '6',
    '-hls_flags', 'delete_segments+temp_file', '-hls_segment_filename', join(dir, 'seg%05d.ts'), playlist]);
  return { child, playlist };
}

/**
 * `n` dead inputs, a third of each kind: silent UDP ports (nothing sends), a TCP server that
 * accepts and never sends, an HTTP server that accepts HLS requests and never answers.
 */
export async function deadSources(n: number): Promise<{ urls: string[]; close(): void }> {
  const { createServer: createTcpServer } = await import('node:net');
  const held: Array<{ destroy(): void }> = [];
  const tcp = createTcpServer((s) => { held.push(s); });
  const http = createServer((req) => { held.push(req.socket); });
  await Promise.all([tcp, http].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  const port = (s: { address(): unknown }) => (s.address() as { port: number }).port;
  const udpBase = 40000 + Math.floor(Math.random() * 20000);
  const urls = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? `udp://127.0.0.1:${udpBase + i}`
    : i % 3 === 1 ? `tcp://127.0.0.1:${port(tcp)}/dead${i}` : `http://127.0.0.1:${port(http)}/dead${i}.m3u8`));
  return { urls, close: () => {
    for (const s of held) s.destroy();
    tcp.close();
    http.close();
  } };
}
