// Makes prebuilds/linux-x64 and prebuilds/linux-arm64 with prebuildify (N-API, stripped).
// arm64 is cross-compiled with Debian's aarch64 toolchain. Each build runs in a staging
// copy so that the checkout's own build/ (the addon tests load) is never overwritten by a
// foreign-architecture binary.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);
const targets = [
  { arch: 'x64', env: {} },
  {
    arch: 'arm64',
    env: { CC: 'aarch64-linux-gnu-gcc', CXX: 'aarch64-linux-gnu-g++', LINK: 'aarch64-linux-gnu-g++',
           AR: 'aarch64-linux-gnu-ar', PREBUILD_STRIP_BIN: 'aarch64-linux-gnu-strip' },
    needs: 'aarch64-linux-gnu-g++',
  },
].filter((t) => only.length === 0 || only.includes(t.arch));

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const nodePrefix = resolve(dirname(process.execPath), '..');
const nodedir = process.env.npm_config_nodedir ||
  (existsSync(join(nodePrefix, 'include/node/node_api.h')) ? nodePrefix : undefined);

for (const t of targets) {
  if (t.needs && !has(t.needs)) {
    console.error(`prebuild: ${t.needs} not found (run scripts/setup.sh); cannot build linux-${t.arch}`);
    process.exit(1);
  }
  const stage = mkdtempSync(join(tmpdir(), `vqmon-prebuild-${t.arch}-`));
  for (const p of ['package.json', 'binding.gyp', 'native']) cpSync(join(root, p), join(stage, p), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'));
  const env = { ...process.env, ...t.env, ...(nodedir ? { npm_config_nodedir: nodedir } : {}),
                PREBUILD_NODE_GYP: join(root, 'node_modules/.bin/node-gyp') };
  const r = spawnSync(join(root, 'node_modules/.bin/prebuildify'),
    ['--napi', '--strip', '--arch', t.arch, '--target', process.versions.node], { cwd: stage, env, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`prebuild: prebuildify failed for linux-${t.arch}`);
    process.exit(1);
  }
  const out = join(root, 'prebuilds', `linux-${t.arch}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  cpSync(join(stage, 'prebuilds', `linux-${t.arch}`), out, { recursive: true });
  rmSync(stage, { recursive: true, force: true });
  console.log(`prebuild: ${out}`);
}
