/**
 * beamcoder 0.7.1 leaks an AVFrame per decoded frame unless patched (patches/). Decode
 * 100,000 frames through the engine's path (lean frames) and through beamcoder's own frame
 * objects, and require RSS to stay flat after warm-up in both. Unpatched, the classic run
 * grows by about 0.65 KiB a frame (~45 MiB over the measured 70,000 frames). Patched, the
 * allocator and V8's heap still settle upwards by 4-10 MiB over that window (measured over
 * many runs; a 300,000-frame run stays at 155-156 MiB from 150,000 on), so the bound is
 * 20 MiB: under half of what the leak adds, and twice the settling seen.
 */
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

import { clip } from './helpers/clips.js';
import { run } from './helpers/run.js';

const root = resolve(import.meta.dirname, '..');

describe('decode soak', () => {
  it.each(['lean', 'classic'])('RSS stays flat over 100,000 decoded frames (%s frames)', async (mode) => {
    const file = clip('soak.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=128x72:rate=30:duration=200',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', 'OUT']);
    const r = await run(process.execPath, ['--expose-gc', join(root, 'test/fixtures/soak-decode.mjs'), file, '100000', mode], { timeout: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    const { frames, rssMiB } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { frames: number; rssMiB: Array<[number, number]> };
    expect(frames).toBeGreaterThanOrEqual(100000);
    // After warm-up (30,000 frames): growth over the remaining 70,000 frames.
    const after = rssMiB.filter(([n]) => n >= 30000).map(([, mb]) => mb);
    const growth = Math.max(...after) - after[0]!;
    console.log(`decode soak (${mode}): RSS ${JSON.stringify(rssMiB)} (MiB by frames), growth after warm-up ${growth} MiB`);
    expect(growth).toBeLessThan(20);
  }, 300_000);
});
