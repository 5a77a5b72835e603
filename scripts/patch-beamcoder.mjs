// Fixes beamcoder 0.7.1's per-frame AVFrame leak in place and rebuilds its addon (see
// patches/beamcoder-0.7.1.md). Idempotent: a patched package is left alone.
// Runs from vqmon's install script and from scripts/setup.sh.
//   node scripts/patch-beamcoder.mjs [--check]   (--check: exit 1 when not patched)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// Bump the number when a fix is added (src/decode/beamcoder.ts checks the same name).
const MARKER = '.vqmon-patched-4';
const require = createRequire(import.meta.url);

function beamcoderDir() {
  try {
    return dirname(require.resolve('beamcoder/package.json'));
  } catch {
    console.error('patch-beamcoder: beamcoder is not installed (npm ci first)');
    process.exit(1);
  }
}

// Each edit: the exact 0.7.1 text and its replacement. All must apply, or none is written.
const edits = [
  {
    file: 'src/decode.cc',
    what: 'EAGAIN branch pushes a frame even when receiving failed',
    from: `        frame = av_frame_alloc();
        avcodec_receive_frame(c->decoder, frame);
        c->frames.push_back(frame);
        goto bump;`,
    to: `        frame = av_frame_alloc();
        if (avcodec_receive_frame(c->decoder, frame) == 0) c->frames.push_back(frame);
        else av_frame_free(&frame); /* vqmon: no empty frame */
        goto bump;`,
  },
  {
    file: 'src/decode.cc',
    what: 'spare sw_frame reallocated (and the old one leaked) for every software frame',
    from: `        c->frames.push_back(sw_frame);
        av_frame_free(&frame);
      } else
        c->frames.push_back(frame);

      frame = av_frame_alloc();
      sw_frame = av_frame_alloc();`,
    to: `        c->frames.push_back(sw_frame);
        av_frame_free(&frame);
        sw_frame = av_frame_alloc(); /* vqmon: only replace a spare that was used */
      } else
        c->frames.push_back(frame);

      frame = av_frame_alloc();`,
  },
  {
    file: 'src/beamcoder_util.cc',
    what: 'rejectStatus reads the carrier after deleting it (random segfaults on every failed open)',
    from: `    delete[] extMsg;
    tidyCarrier(env, c);
  }
  return c->status;`,
    to: `    free(extMsg); /* vqmon: malloc'd, and c is freed by tidyCarrier: keep its status */
    int32_t rejected = c->status;
    tidyCarrier(env, c);
    return rejected;
  }
  return c->status;`,
  },
  // Every async call stores napi_queue_async_work's result in the carrier's status after
  // queueing it; when the work fails fast on the threadpool (an input that does not open),
  // that napi_ok overwrites the error and the completion dereferences a null context.
  ...['decode', 'demux', 'encode', 'filter', 'governor', 'mux'].map((name) => ({
    file: `src/${name}.cc`,
    all: true,
    what: 'status of queued async work overwritten after it may have run (race)',
    from: `  c->status = napi_queue_async_work(env, c->_request);
  REJECT_RETURN;`,
    to: `  { napi_status queued = napi_queue_async_work(env, c->_request); /* vqmon: c may be running */
    if (queued != napi_ok) { c->status = queued; REJECT_RETURN; } }`,
  })),
  // beamcoder prints DEBUG lines with printf: on stdout they would break `--json` and
  // `--ndjson` output. Every printf goes to stderr instead (applied by pattern; a second
  // run finds nothing left to change).
  ...['beamcoder.cc', 'beamcoder_util.cc', 'beamcoder_util.h', 'codec.cc', 'codec_par.cc', 'decode.cc', 'decode.h', 'demux.cc',
    'encode.cc', 'filter.cc', 'format.cc', 'frame.cc', 'frame.h', 'governor.cc', 'hwcontext.cc', 'mux.cc', 'packet.cc'].map((name) => ({
    file: `src/${name}`,
    pattern: /(?<![\w])printf\(/g,
    what: 'diagnostics printed on stdout',
    to: 'fprintf(stderr, ',
  })),
];

const dir = beamcoderDir();
const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
const marker = join(dir, MARKER);
const patched = existsSync(marker);
if (process.argv.includes('--check')) {
  console.log(patched ? `beamcoder ${version}: patched` : `beamcoder ${version}: NOT patched`);
  process.exit(patched ? 0 : 1);
}
if (patched) {
  console.log(`patch-beamcoder: beamcoder ${version} already patched`);
  process.exit(0);
}
if (version !== '0.7.1') {
  console.error(`patch-beamcoder: expected beamcoder 0.7.1, found ${version}; review patches/ before using it`);
  process.exit(1);
}
// Read every file first: all edits must apply before any file is written.
const files = new Map();
for (const e of edits) {
  if (!files.has(e.file)) {
    const raw = readFileSync(join(dir, e.file), 'utf8');
    files.set(e.file, { eol: raw.includes('\r\n') ? '\r\n' : '\n', src: raw.replace(/\r\n/g, '\n') }); // 0.7.1 ships CRLF
  }
  const f = files.get(e.file);
  if (e.pattern) {
    f.src = f.src.replace(e.pattern, e.to);
    continue;
  }
  if (f.src.includes(e.to)) continue;  // applied by an earlier run whose rebuild failed
  if (!f.src.includes(e.from)) {
    console.error(`patch-beamcoder: cannot find the code to fix (${e.what}) in ${join(dir, e.file)}`);
    process.exit(1);
  }
  f.src = e.all ? f.src.split(e.from).join(e.to) : f.src.replace(e.from, e.to);
}
for (const [file, f] of files) writeFileSync(join(dir, file), f.src.replace(/\n/g, f.eol));

// Rebuild beamcoder's addon with the fixed source: node-gyp from our dependencies, else
// the one bundled with npm.
const gypCandidates = [
  () => require.resolve('node-gyp/bin/node-gyp.js'),
  () => join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
];
let gyp;
for (const c of gypCandidates) {
  try {
    const p = c();
    if (existsSync(p)) { gyp = p; break; }
  } catch { /* try the next */ }
}
if (!gyp) {
  console.error('patch-beamcoder: node-gyp not found (npm ci installs it)');
  process.exit(1);
}
console.log(`patch-beamcoder: rebuilding ${dir}`);
// Node's headers from beside the running node when present (no download needed).
const prefix = join(dirname(process.execPath), '..');
const nodedir = process.env.npm_config_nodedir ||
  (existsSync(join(prefix, 'include/node/node_api.h')) ? prefix : undefined);
const r = spawnSync(process.execPath, [gyp, 'rebuild', '-j', 'max', ...(nodedir ? [`--nodedir=${nodedir}`] : [])], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
if (r.status !== 0) {
  console.error(`${r.stdout}\n${r.stderr}`);
  console.error('patch-beamcoder: rebuilding beamcoder failed (needs libav*-dev, a C++ compiler, python3)');
  process.exit(1);
}
writeFileSync(marker, edits.map((e) => `${e.file}: ${e.what}`).join('\n') + '\n');
console.log(`patch-beamcoder: beamcoder ${version} patched and rebuilt`);
