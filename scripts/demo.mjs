// Quick-start demo of the native core on a real clip: per-second picture and sound metrics
// from the SIMD kernels, with the spans where the picture is frozen or black and the sound
// silent. With no argument it generates a 12 s sample with a known freeze (3-5.5 s), black
// picture (8-9 s) and silence (6-8 s) with FFmpeg's lavfi sources; or pass any clip.
//
// This demo decodes with the ffmpeg CLI into a pipe, which copies frames through JS; the
// analysis engine (vqmon analyze) decodes with beamcoder and hands frames over zero-copy.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { blackThreshold, frameColumn, native } from '../dist/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sample() {
  const dir = join(root, '.vqmon-tmp');
  const out = join(dir, 'demo-sample.mp4');
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const partial = join(dir, 'demo-sample.partial.mp4');
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=12',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=12',
    // freezeframes takes two inputs: the stream and the frames to repeat (here the same).
    '-filter_complex', "[0:v]split[va][vb];[va][vb]freezeframes=first=90:last=165:replace=90," +
      "drawbox=enable='between(t,8,9)':color=black:t=fill[v];[1:a]volume=enable='between(t,6,8)':volume=0[a]",
    '-map', '[v]', '-map', '[a]',
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', partial], { stdio: 'inherit' });
  if (r.status !== 0) {
    rmSync(partial, { force: true });
    throw new Error('ffmpeg could not generate the demo sample (run scripts/setup.sh)');
  }
  renameSync(partial, out);  // only a complete sample is ever reused
  return out;
}

function probe(file) {
  const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,avg_frame_rate',
    '-of', 'json', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffprobe cannot read ${file}: ${r.stderr.trim()}`);
  const s = JSON.parse(r.stdout).streams?.[0];
  if (!s) throw new Error(`${file} has no video stream`);
  const [n, d] = s.avg_frame_rate.split('/').map(Number);
  return { width: s.width, height: s.height, fps: n / (d || 1) };
}

async function* rawFrames(file, width, height) {
  const size = width * height * 3 / 2;
  const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', file, '-map', '0:v:0', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-']);
  let buf = Buffer.alloc(0);
  for await (const chunk of ff.stdout) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length >= size) {
      yield buf.subarray(0, size);
      buf = buf.subarray(size);
    }
  }
}

function audioSamples(file) {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', file, '-map', '0:a:0?', '-ac', '1', '-ar', '48000', '-f', 'f32le', '-'],
    { maxBuffer: 1 << 30 });
  return new Float32Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.length / 4);
}

const file = process.argv[2] ? resolve(process.argv[2]) : sample();
const { width, height, fps } = probe(file);
const cw = width >> 1, ch = height >> 1;
const options = { blackThreshold: blackThreshold(), freezeNoise: 0.001 };
const layout = native.videoLayout(options);
const batchSize = 32;
const out = new Float64Array(batchSize * layout.rowWidth);
const rows = [];
let prev = null, ref = null, frames = [];
const t0 = performance.now();

const flush = () => {
  if (!frames.length) return;
  const r = native.analyzeVideo({ frames, prev, ref, options }, out);
  if (r >= 0) ref = frames[r];
  for (let i = 0; i < frames.length; i++) rows.push(out.slice(i * layout.rowWidth, i * layout.rowWidth + layout.frameColumns));
  prev = frames[frames.length - 1];
  frames = [];
};
for await (const raw of rawFrames(file, width, height)) {
  const y = raw.subarray(0, width * height), u = raw.subarray(width * height, width * height + cw * ch), v = raw.subarray(width * height + cw * ch);
  frames.push({ width, height, format: 'yuv420p', data: [y, u, v], linesize: [width, cw, cw] });
  if (frames.length === batchSize) flush();
}
flush();
const elapsed = (performance.now() - t0) / 1000;

const pcm = audioSamples(file);
const win = 4800; // 100 ms
const astats = new Float64Array(Math.ceil(pcm.length / win) * 3 + 3);
const windows = pcm.length ? native.audioStats(pcm, { window: win }, astats) : 0;
const db = (x) => (x > 0 ? 20 * Math.log10(x) : -Infinity);

const C = (n) => frameColumn(n);
const secs = Math.ceil(rows.length / fps);
console.log(`\n${file}\n${width}x${height} @ ${fps.toFixed(2)} fps, ${rows.length} frames, SIMD ${native.simdLevel()}`);
console.log('  sec   luma  black%   MAFD(ref)  block8   audio RMS dBFS   flags');
const spans = { frozen: [], black: [], silent: [] };
const mark = (kind, t, on) => {
  const s = spans[kind], last = s[s.length - 1];
  if (on && (!last || last[1] !== undefined)) s.push([t]);
  if (!on && last && last[1] === undefined) last[1] = t;
};
for (let f = 0; f < rows.length; f++) {
  const r = rows[f], t = f / fps;
  mark('frozen', t, r[C('isRef')] === 0);
  mark('black', t, r[C('blackRatio')] >= 0.98);
}
for (let w = 0; w < windows; w++) mark('silent', (w * win) / 48000, db(astats[w * 3 + 1]) < -60);
for (let s = 0; s < secs; s++) {
  const sel = rows.slice(Math.round(s * fps), Math.round((s + 1) * fps));
  const avg = (n) => sel.reduce((a, r) => a + (Number.isNaN(r[C(n)]) ? 0 : r[C(n)]), 0) / sel.length;
  const aw = [];
  for (let w = Math.floor((s * 48000) / win); w < Math.min(windows, Math.floor(((s + 1) * 48000) / win)); w++) aw.push(astats[w * 3 + 1]);
  const rms = aw.length ? db(Math.sqrt(aw.reduce((a, x) => a + x * x, 0) / aw.length)) : NaN;
  const flags = [sel.every((r) => r[C('isRef')] === 0) && 'frozen', avg('blackRatio') >= 0.98 && 'black', rms < -60 && 'silent'].filter(Boolean);
  console.log(`  ${String(s).padStart(3)}  ${avg('lumaMean').toFixed(1).padStart(5)}  ${(100 * avg('blackRatio')).toFixed(1).padStart(6)}  ${avg('mafdRef').toFixed(5).padStart(10)}  ${avg('block8').toFixed(2).padStart(6)}  ${(Number.isNaN(rms) ? 'n/a' : Number.isFinite(rms) ? rms.toFixed(1) : '-inf').padStart(15)}   ${flags.join(' ')}`);
}
const end = rows.length / fps;
console.log('\nspans (s):');
for (const [kind, list] of Object.entries(spans)) {
  const long = list.map(([a, b]) => [a, b ?? end]).filter(([a, b]) => b - a >= (kind === 'frozen' ? 2 : kind === 'silent' ? 1 : 0.5));
  console.log(`  ${kind.padEnd(7)} ${long.length ? long.map(([a, b]) => `${a.toFixed(2)}-${b.toFixed(2)}`).join(', ') : 'none'}`);
}
console.log(`\nanalysis incl. decode pipe: ${(rows.length / elapsed).toFixed(0)} frames/s (${(rows.length / fps / elapsed).toFixed(1)}x real time)`);
