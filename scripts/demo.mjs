// Quick-start demo: `vqmon analyze` on a generated 12 s sample with known defects -- a
// freeze (3-5.5 s), a black picture (8-9 s) and silence (6-8.5 s), made with FFmpeg's
// lavfi sources and filters -- or on any clip or URL given as the argument.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
      "drawbox=enable='between(t,8,9)':color=black:t=fill[v];[1:a]volume=enable='between(t,6,8.5)':volume=0[a]",
    '-map', '[v]', '-map', '[a]',
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', partial], { stdio: 'inherit' });
  if (r.status !== 0) {
    rmSync(partial, { force: true });
    throw new Error('ffmpeg could not generate the demo sample (run scripts/setup.sh)');
  }
  renameSync(partial, out);  // only a complete sample is ever reused
  return out;
}

const input = process.argv[2] ?? sample();
if (!process.argv[2]) console.log(`sample: ${input}\n  injected: freeze 3.00-5.50 s, silence 6.00-8.50 s, black 8.00-9.00 s\n`);
const r = spawnSync(process.execPath, [join(root, 'dist/cli.js'), 'analyze', input], { stdio: 'inherit' });
// analyze exits 1 when it finds defects, which is what the sample is for.
process.exit(r.status === 2 || r.status === null ? 2 : 0);
