// Fixes beamcoder 0.7.1's per-frame AVFrame leak in place and rebuilds its addon (see
// patches/beamcoder-0.7.1.md). Idempotent: a patched package is left alone.
// Runs from vqmon's install script and from scripts/setup.sh.
//   node scripts/patch-beamcoder.mjs [--check]   (--check: exit 1 when not patched)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// Bump the number when a fix is added (src/decode/beamcoder.ts checks the same name).
const MARKER = '.vqmon-patched-5';
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
  // Lean frames: a decoder with `vqmon_lean: true` returns plain objects holding what a
  // monitor reads, instead of frames with 44 accessor functions each (created per frame,
  // then collected: about a tenth of the CPU of an analysis at 1080p). The AVFrame is freed
  // at once; each plane Buffer holds its own reference to FFmpeg's buffer.
  {
    file: 'src/decode.h',
    what: 'lean frames: carrier flag',
    from: `struct decodeCarrier : carrier {
  AVCodecContext* decoder;`,
    to: `struct decodeCarrier : carrier {
  AVCodecContext* decoder;
  bool lean = false; /* vqmon: lean frames */`,
  },
  {
    file: 'src/decode.cc',
    all: true,
    what: 'lean frames: read the decoder flag in decode and flush',
    from: `  c->status = napi_get_value_external(env, decoderExt, (void**) &c->decoder);
  REJECT_RETURN;`,
    to: `  c->status = napi_get_value_external(env, decoderExt, (void**) &c->decoder);
  REJECT_RETURN;
  { napi_value leanJS; bool lean = false; /* vqmon: lean frames */
    if (napi_get_named_property(env, decoderJS, "vqmon_lean", &leanJS) == napi_ok &&
        napi_get_value_bool(env, leanJS, &lean) == napi_ok) c->lean = lean; }`,
  },
  {
    file: 'src/decode.cc',
    what: 'lean frames: build them',
    from: `    frameData* f = new frameData;
    f->frame = *it;

    c->status = fromAVFrame(env, f, &frame);
    REJECT_STATUS;`,
    to: `    if (c->lean) { /* vqmon: lean frames */
      AVFrame* lf = *it;
      *it = nullptr;
      c->status = vqmonLeanFrame(env, lf, &frame);
      av_frame_free(&lf);
      REJECT_STATUS;
      c->status = napi_set_element(env, frames, frameCount++, frame);
      REJECT_STATUS;
      continue;
    }
    frameData* f = new frameData;
    f->frame = *it;

    c->status = fromAVFrame(env, f, &frame);
    REJECT_STATUS;`,
  },
  {
    file: 'src/decode.cc',
    what: 'lean frames: the builder',
    from: `void decodeComplete(napi_env env, napi_status asyncStatus, void* data) {`,
    to: `/* vqmon: lean frames. */
// made: the status of creating *v (arguments are evaluated in no set order: pass v by address).
static napi_status vqmonSet(napi_env env, napi_value obj, const char* name, napi_status made, const napi_value* v) {
  return made != napi_ok ? made : napi_set_named_property(env, obj, name, *v);
}
static napi_status vqmonSetInt(napi_env env, napi_value obj, const char* name, int64_t x) {
  napi_value v;
  return vqmonSet(env, obj, name, napi_create_int64(env, x, &v), &v);
}
static napi_status vqmonSetTs(napi_env env, napi_value obj, const char* name, int64_t x) {
  napi_value v;
  return vqmonSet(env, obj, name, x == AV_NOPTS_VALUE ? napi_get_null(env, &v) : napi_create_int64(env, x, &v), &v);
}
static napi_status vqmonSetBool(napi_env env, napi_value obj, const char* name, bool x) {
  napi_value v;
  return vqmonSet(env, obj, name, napi_get_boolean(env, x, &v), &v);
}
static void vqmonUnrefPlane(napi_env env, void* data, void* hint) {
  AVBufferRef* ref = (AVBufferRef*) hint;
  av_buffer_unref(&ref);
}
// The FFmpeg buffer that holds p, among the frame's buffers (null when none does).
static AVBufferRef* vqmonOwner(AVFrame* fr, const uint8_t* p) {
  for (int i = 0; i < AV_NUM_DATA_POINTERS + fr->nb_extended_buf; i++) {
    AVBufferRef* b = i < AV_NUM_DATA_POINTERS ? fr->buf[i] : fr->extended_buf[i - AV_NUM_DATA_POINTERS];
    if (b && p >= b->data && p < b->data + b->size) return b;
  }
  return nullptr;
}
static napi_status vqmonLeanFrame(napi_env env, AVFrame* fr, napi_value* result) {
  napi_status s;
  napi_value obj, v, planes, sizes, flags;
  s = napi_create_object(env, &obj);
  if (s != napi_ok) return s;
  const bool audio = fr->nb_samples > 0 && (fr->channel_layout || fr->channels > 0);
  const char* name = audio ? av_get_sample_fmt_name((AVSampleFormat) fr->format) : nullptr;
  if (name == nullptr) name = av_get_pix_fmt_name((AVPixelFormat) fr->format);
  if ((s = vqmonSet(env, obj, "format", name ? napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &v) : napi_get_null(env, &v), &v)) != napi_ok) return s;
  if ((s = vqmonSetInt(env, obj, "width", fr->width)) != napi_ok) return s;
  if ((s = vqmonSetInt(env, obj, "height", fr->height)) != napi_ok) return s;
  if ((s = vqmonSetInt(env, obj, "nb_samples", fr->nb_samples)) != napi_ok) return s;
  if ((s = vqmonSetInt(env, obj, "sample_rate", fr->sample_rate)) != napi_ok) return s;
  if ((s = vqmonSetInt(env, obj, "channels", fr->channels)) != napi_ok) return s;
  if ((s = vqmonSetBool(env, obj, "key_frame", fr->key_frame != 0)) != napi_ok) return s;
  const char pict[2] = { av_get_picture_type_char(fr->pict_type), 0 };
  if ((s = vqmonSet(env, obj, "pict_type", fr->pict_type == AV_PICTURE_TYPE_NONE ? napi_get_null(env, &v)
      : napi_create_string_utf8(env, pict, 1, &v), &v)) != napi_ok) return s;
  if ((s = vqmonSetTs(env, obj, "pts", fr->pts)) != napi_ok) return s;
  if ((s = vqmonSetTs(env, obj, "best_effort_timestamp", fr->best_effort_timestamp)) != napi_ok) return s;
  if ((s = napi_create_object(env, &flags)) != napi_ok) return s;
  if ((s = vqmonSetBool(env, flags, "CORRUPT", (fr->flags & AV_FRAME_FLAG_CORRUPT) != 0)) != napi_ok) return s;
  if ((s = napi_set_named_property(env, obj, "flags", flags)) != napi_ok) return s;
  if (fr->decode_error_flags) {
    if ((s = napi_create_object(env, &v)) != napi_ok) return s;
    if ((s = vqmonSetBool(env, v, "INVALID_BITSTREAM", (fr->decode_error_flags & FF_DECODE_ERROR_INVALID_BITSTREAM) != 0)) != napi_ok) return s;
    if ((s = vqmonSetBool(env, v, "MISSING_REFERENCE", (fr->decode_error_flags & FF_DECODE_ERROR_MISSING_REFERENCE) != 0)) != napi_ok) return s;
    if ((s = vqmonSetBool(env, v, "CONCEALMENT_ACTIVE", (fr->decode_error_flags & FF_DECODE_ERROR_CONCEALMENT_ACTIVE) != 0)) != napi_ok) return s;
    if ((s = vqmonSetBool(env, v, "DECODE_SLICES", (fr->decode_error_flags & FF_DECODE_ERROR_DECODE_SLICES) != 0)) != napi_ok) return s;
  } else if ((s = napi_get_null(env, &v)) != napi_ok) return s;
  if ((s = napi_set_named_property(env, obj, "decode_error_flags", v)) != napi_ok) return s;
  // Planes: video planes in data[], audio channels in extended_data (planar: one a channel).
  const int count = audio ? (av_sample_fmt_is_planar((AVSampleFormat) fr->format) ? fr->channels : 1) : AV_NUM_DATA_POINTERS;
  if ((s = napi_create_array(env, &planes)) != napi_ok) return s;
  if ((s = napi_create_array(env, &sizes)) != napi_ok) return s;
  uint32_t n = 0;
  for (int i = 0; i < count; i++) {
    uint8_t* p = audio ? fr->extended_data[i] : fr->data[i];
    if (p == nullptr) { if (audio) break; continue; }
    AVBufferRef* owner = vqmonOwner(fr, p);
    if (owner == nullptr) break; // not refcounted: leave the plane out rather than guess its size
    AVBufferRef* ref = av_buffer_ref(owner);
    if (ref == nullptr) return napi_generic_failure;
    napi_value buf;
    s = napi_create_external_buffer(env, (size_t) (owner->data + owner->size - p), p, vqmonUnrefPlane, ref, &buf);
    if (s != napi_ok) { av_buffer_unref(&ref); return s; }
    if ((s = napi_set_element(env, planes, n, buf)) != napi_ok) return s;
    if ((s = napi_create_int32(env, audio ? fr->linesize[0] : fr->linesize[i], &v)) != napi_ok) return s;
    if ((s = napi_set_element(env, sizes, n, v)) != napi_ok) return s;
    n++;
  }
  if ((s = napi_set_named_property(env, obj, "data", planes)) != napi_ok) return s;
  if ((s = napi_set_named_property(env, obj, "linesize", sizes)) != napi_ok) return s;
  *result = obj;
  return napi_ok;
}

void decodeComplete(napi_env env, napi_status asyncStatus, void* data) {`,
  },
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
