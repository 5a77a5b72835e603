// bench/engine: `vqmon analyze` (all detectors) against FFmpeg on the same clip, in one
// run, interleaved and repeated: decode only (`ffmpeg -i clip -f null -`, FFmpeg's default
// threads, the ceiling for a decoder-bound monitor) and the filter chain a user would run
// instead. Prints a table with medians, spreads and ratios; writes bench/results/engine.json.
//
//   node bench/engine.mjs [--runs 5] [--clip file] [--no-peer]
// Without --clip it makes (once, cached in .vqmon-tmp/perf) the 1080p30 H.264 test clip:
// testsrc2 with temporal noise, x264 veryfast crf 23, GOP 60, AAC, 30 s.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const runs = Number(opt('--runs', '5'));
const peer = !args.includes('--no-peer');

function testClip() {
  const dir = join(root, '.vqmon-tmp/perf');
  const out = join(dir, '1080p30.mp4');
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.partial.mp4`;
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30:duration=30,noise=alls=8:allf=t',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=30',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-g', '60', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k', tmp], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('ffmpeg could not make the test clip');
  renameSync(tmp, out);
  return out;
}

const clip = opt('--clip', null) ?? testClip();

function frames(file) {
  const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_packets',
    '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

function time(cmd, cmdArgs, env = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, cmdArgs, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 256 << 20 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0 && !(cmd === process.execPath && r.status === 1)) throw new Error(`${cmd} ${cmdArgs.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return s;
}

const quiet = ['-hide_banner', '-loglevel', 'error', '-nostats'];
const cases = [
  { name: 'ffmpeg decode only (-f null)', baseline: true, run: () => time('ffmpeg', [...quiet, '-i', clip, '-f', 'null', '-']) },
  { name: 'vqmon analyze, all detectors', run: () => time(process.execPath, [join(root, 'dist/cli.js'), 'analyze', clip, '--json']) },
  ...(peer ? [{ name: 'ffmpeg freezedetect,blockdetect,blackdetect + silencedetect', run: () => time('ffmpeg', [...quiet, '-i', clip,
    '-vf', 'freezedetect,blockdetect,blackdetect', '-af', 'silencedetect', '-f', 'null', '-']), once: true }] : []),
];

const n = frames(clip);
const times = cases.map(() => []);
for (let r = 0; r < runs; r++) {
  cases.forEach((c, i) => { if (!c.once || r === 0) times[i].push(c.run()); });
  process.stderr.write(`run ${r + 1}/${runs}\n`);
}
const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const base = n / median(times[0]);
const rows = cases.map((c, i) => {
  const fps = times[i].map((t) => n / t);
  return { name: c.name, runs: fps.length, fpsMedian: n / median(times[i]), fpsMin: Math.min(...fps), fpsMax: Math.max(...fps), ratio: n / median(times[i]) / base };
});
const machine = { cpu: cpus()[0]?.model, cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30) };
console.log(`clip: ${clip} (${n} frames); ${machine.cpu}, ${machine.cores} cores; ${runs} runs, interleaved`);
console.log('| case | frames/s (median) | min-max | ratio to ffmpeg decode |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.name} | ${r.fpsMedian.toFixed(1)} | ${r.fpsMin.toFixed(1)}-${r.fpsMax.toFixed(1)} | ${r.ratio.toFixed(2)}x |`);
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/engine.json'), JSON.stringify({ clip, frames: n, machine, date: new Date().toISOString(), rows, seconds: times }, null, 2));
