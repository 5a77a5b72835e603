// `npm pack` -> install the tarball into an empty project -> the addon loads from its
// prebuild (nothing of vqmon's is compiled: no build/ appears) and computes metrics.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { run } from './helpers/run.js';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'vqmon-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm pack', () => {
  it('installs from the tarball without compiling and computes metrics', async () => {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' })) as
      Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toContain(`prebuilds/linux-x64/vqmon.node`);
    expect(files).toContain(`prebuilds/linux-arm64/vqmon.node`);
    expect(files).toContain('dist/native.js');
    // the dashboard's static files, which dist/serve/dashboard.js reads from there
    expect(files).toEqual(expect.arrayContaining(['src/serve/dashboard/index.html', 'src/serve/dashboard/login.html', 'src/serve/dashboard/app.js', 'src/serve/dashboard/style.css']));
    // no build junk, tests or benchmarks in the package
    expect(files.filter((f) => /^(build|build-[^/]+|node_modules|test|bench)\//.test(f))).toEqual([]);

    const app = join(work, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module' }));
    // beamcoder (a dependency, FFmpeg bindings) builds from source against the system FFmpeg,
    // and vqmon's install script patches and rebuilds it; nothing of vqmon's own compiles:
    // node-gyp-build finds the prebuild, so vqmon's package gets no build/.
    const install = await run('npm', ['install', '--no-audit', '--no-fund', join(work, packed[0]!.filename)], { cwd: app });
    expect(install.status, install.stderr).toBe(0);
    const pkg = join(app, 'node_modules/vqmon');
    expect(existsSync(join(pkg, 'build'))).toBe(false);
    expect(readdirSync(join(app, 'node_modules/beamcoder'))).toContain('.vqmon-patched-5');
    expect(readdirSync(join(pkg, 'prebuilds'))).toEqual(expect.arrayContaining(['linux-x64', 'linux-arm64']));

    const script = `
      import { native } from 'vqmon';
      const y = new Uint8Array(64 * 32).fill(16), u = new Uint8Array(32 * 16).fill(128), v = u.slice();
      const layout = native.videoLayout();
      const out = new Float64Array(layout.rowWidth);
      native.analyzeVideo({ frames: [{ width: 64, height: 32, format: 'yuv420p', data: [y, u, v], linesize: [64, 32, 32] }] }, out);
      console.log(JSON.stringify({ level: native.simdLevel(), mean: out[2] }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ mean: 16 });
  }, 400_000);
});
