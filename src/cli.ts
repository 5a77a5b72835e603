#!/usr/bin/env node
/**
 * vqmon command line.
 *   vqmon analyze <file-or-url> [--json | --ndjson] [--only freeze,black,...] [--config file.json] [--threads N]
 *   vqmon watch <url>... [--ndjson] [--only freeze,black,...] [--config file.json]
 *   vqmon bench [--quick] [...]   the benchmark suite (bench/run.mjs; in a checkout of the repository)
 *   vqmon serve [--host 127.0.0.1] [--port N] [--data-dir DIR] [--token T] [--config vqmon.yaml]
 * Exit codes: 0 no defects (watch: stopped by Ctrl-C / SIGTERM), 1 defects found, 2 error.
 */
import { followParent, relaunch } from './launcher.js';
import { threadsFor } from './live/threadpool.js';

const USAGE = `usage:
  vqmon analyze <file-or-url> [--json | --ndjson] [--only freeze,black,blockiness,silence,clipping,
                              av_sync,audio_missing,video_missing,corruption]
                              [--config options.json] [--threads N]
  vqmon watch <url>... [--ndjson] [--only freeze,black,blockiness,silence,clipping,corruption,
                              audio_missing,video_missing,av_sync] [--config options.json]
                              live inputs (udp://, rtp://, srt://, rtmp://, rtsp://, http(s):// HLS,
                              tcp://) until Ctrl-C; events as they happen, an input that fails is
                              retried with backoff (input_error events)
  vqmon bench [--quick] [--write-results] [--instance NAME] [--only sections] [--help]
                              the benchmark suite against FFmpeg (bench/run.mjs, from a checkout)
  vqmon serve [--host 127.0.0.1] [--port 7878] [--data-dir ./vqmon-data] [--token T]
              [--config vqmon.yaml]
                              the monitor service: HTTP API (/api/streams, /api/events), Server-Sent
                              Events, webhooks, /metrics, SQLite store; token also from VQMON_TOKEN,
                              else generated at the first start and printed once
exit codes: 0 no defects (watch: stopped), 1 defects found, 2 error`;

interface Args { command?: string; input?: string; inputs: string[]; json: boolean; ndjson: boolean; only?: string[]; config?: string; threads?: number;
  host?: string; port?: string; dataDir?: string; token?: string }

function parse(argv: string[]): Args {
  const a: Args = { json: false, ndjson: false, inputs: [] };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw usage(`${x} needs a value`);
      return v;
    };
    if (x === '--json') a.json = true;
    else if (x === '--ndjson') a.ndjson = true;
    else if (x === '--only') a.only = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (x === '--config') a.config = value();
    else if (x === '--threads') a.threads = Number(value());
    else if (x === '--host') a.host = value();
    else if (x === '--port') a.port = value();
    else if (x === '--data-dir') a.dataDir = value();
    else if (x === '--token') a.token = value();
    else if (x === '-h' || x === '--help') { console.log(USAGE); process.exit(0); }
    else if (x.startsWith('-')) throw usage(`unknown option ${x}`);
    else if (!a.command) a.command = x;
    else if (a.command === 'watch') a.inputs.push(x);
    else if (!a.input) a.input = x;
    else throw usage(`unexpected argument ${x}`);
  }
  return a;
}

function usage(message: string) {
  return Object.assign(new Error(`${message}\n${USAGE}`), { code: 'ERR_VQMON_INVALID_ARG' });
}

async function readConfig(file: string | undefined): Promise<object> {
  if (!file) return {};
  const { readFile } = await import('node:fs/promises');
  try {
    const config = JSON.parse(await readFile(file, 'utf8')) as unknown;
    if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new Error('not a JSON object');
    return config;
  } catch (e) {
    throw Object.assign(new Error(`cannot read config ${file}: ${e instanceof Error ? e.message : String(e)}`), { code: 'ERR_VQMON_INVALID_ARG' });
  }
}

const fmt = (s: number) => {
  const m = Math.floor(s / 60), r = s - m * 60;
  return `${m}:${r.toFixed(2).padStart(5, '0')}`;
};

async function watch(args: Args): Promise<number> {
  if (!args.inputs.length) throw usage('watch needs at least one URL');
  if (args.json) throw usage('watch prints events as they happen: --ndjson, not --json');
  if (args.threads !== undefined) throw usage('--threads is an analyze option');
  const { createMonitor } = await import('./live/monitor.js');
  const { checkLiveUrl } = await import('./live/options.js');
  for (const url of args.inputs) checkLiveUrl(url); // all checked before any starts
  const relaunched = relaunch(threadsFor(args.inputs.length));
  if (relaunched) return relaunched;
  const monitor = createMonitor({ ...await readConfig(args.config), ...(args.only ? { only: args.only as never } : {}) });
  // Printed as they come (the emitter, not the iterator: nothing queues in this process).
  monitor.on('event', (e: import('./live/monitor.js').LiveEvent) => {
    if (args.ndjson) return console.log(JSON.stringify(e));
    const d = e.detail ?? {};
    const why = e.type === 'input_error' && e.phase === 'start' ? `: ${String(d.message)} [${String(d.code)}], retry ${String(d.attempt)} in ${String(d.retryInSec)} s`
      : e.type === 'analysis_dropped' && e.phase === 'end' ? `: ${String(d.packets)} packets not analysed (input ${String(d.lagSec)} s behind real time)` : '';
    console.log(`${new Date().toISOString()} ${e.input} ${e.type} ${e.phase} at ${fmt(e.start)}` +
      (e.phase === 'end' ? ` (${e.duration.toFixed(2)} s)` : '') + why);
  });
  // Runs in progress end now (their phase end events are printed); a source gone quiet
  // holds a read open for up to the open timeout, and an interactive stop does not wait for it.
  const stop = () => {
    const stats = monitor.stats();
    void monitor.close();
    for (const s of stats.inputs) {
      process.stderr.write(`vqmon: ${s.url}: ${s.videoFrames} frames and ${s.audioWindows} audio windows analysed, ` +
        `${s.droppedPackets} packets dropped behind real time, ${s.inputErrors} input errors\n`);
    }
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  for (const url of args.inputs) monitor.add(url);
  return new Promise<number>(() => {}); // until a signal
}

/**
 * The benchmark suite lives in bench/ of the repository (it builds the kernel benchmark
 * and generates clips; it is not part of the npm package): run it with the same Node,
 * passing its options through, and exit with its code.
 */
async function bench(argv: string[]): Promise<number> {
  const { existsSync } = await import('node:fs');
  const { spawn } = await import('node:child_process');
  const { dirname, join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const script = join(dirname(fileURLToPath(import.meta.url)), '../bench/run.mjs');
  if (!existsSync(script)) {
    throw Object.assign(new Error(`the benchmark suite is not here (${script}): it runs from a checkout of the vqmon repository ` +
      '(git clone, bash scripts/setup.sh, npm run bench), not from the npm package'), { code: 'ERR_VQMON_INVALID_ARG' });
  }
  const env: NodeJS.ProcessEnv = { ...process.env, VQMON_BENCH_COMMAND: `vqmon bench${argv.length ? ` ${argv.join(' ')}` : ''}` };
  const child = spawn(process.execPath, [script, ...argv], { stdio: 'inherit', env });
  return new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 2)));
}

/** How long `vqmon serve` drains on SIGTERM before it stops anyway. */
const DRAIN_MS = 10_000;

async function serve(args: Args): Promise<number> {
  if (args.json || args.ndjson || args.only || args.threads !== undefined || args.input) {
    throw usage('serve takes --host, --port, --data-dir, --token and --config (detector settings go in the config or per stream)');
  }
  const { loadConfig, checkPort } = await import('./serve/config.js');
  const { startServer } = await import('./serve/server.js');
  const port = args.port === undefined ? undefined : checkPort(/^\d+$/.test(args.port) ? Number(args.port) : NaN, '--port');
  const config = loadConfig(args.config, { ...(args.host ? { host: args.host } : {}), ...(port !== undefined ? { port } : {}),
    ...(args.dataDir ? { dataDir: args.dataDir } : {}), ...(args.token ? { token: args.token } : {}) });
  const relaunched = relaunch(threadsFor(config.maxStreams));
  if (relaunched) return relaunched;
  const server = await startServer(config);
  if (server.tokenCreated) {
    process.stderr.write(`vqmon: API token (shown only now; kept in ${server.tokenFile}):\n${server.token}\n`);
  }
  process.stderr.write(`vqmon: serving on ${server.url} (data: ${config.dataDir}, ${server.supervisor.list().length} streams)\n`);
  const stop = (signal: string) => {
    const t0 = performance.now();
    const took = () => `${Math.round(performance.now() - t0)} ms`;
    process.stderr.write(`vqmon: ${signal}: stopping (at most ${DRAIN_MS / 1000} s)\n`);
    // The drain is bounded, and a second signal does not wait for it: either way the store
    // is closed (its writes are synchronous: none is half done here) before the exit.
    const now = (why: string) => {
      server.store.close();
      process.stderr.write(`vqmon: ${why}: stopped without the rest of the drain after ${took()}, store closed\n`);
      process.exit(1);
    };
    process.once('SIGINT', () => now('second signal'));
    process.once('SIGTERM', () => now('second signal'));
    setTimeout(() => now(`the drain took over ${DRAIN_MS / 1000} s`), DRAIN_MS).unref();
    server.close().then(() => {
      process.stderr.write(`vqmon: stopped in ${took()}\n`);
      process.exit(0);
    }, (e: unknown) => {
      console.error(`vqmon: shutdown: ${e instanceof Error ? e.message : String(e)}`);
      now('shutdown failed');
    });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return new Promise<number>(() => {}); // until a signal
}

async function main(): Promise<number> {
  followParent();
  if (process.argv[2] === 'bench') return bench(process.argv.slice(3));
  const args = parse(process.argv.slice(2));
  if (args.command === 'serve') return serve(args);
  if (args.host ?? args.port ?? args.dataDir ?? args.token) throw usage('--host, --port, --data-dir and --token are serve options');
  if (args.command === 'watch') return watch(args);
  if (args.command !== 'analyze' || !args.input) throw usage(args.command && args.command !== 'analyze' ? `unknown command ${args.command}` : 'missing input');
  if (args.json && args.ndjson) throw usage('--json and --ndjson exclude each other');
  const { analyze } = await import('./analyze/analyze.js');
  const config = await readConfig(args.config);
  const tty = process.stderr.isTTY && !args.json && !args.ndjson;
  const report = await analyze(args.input, {
    ...config,
    ...(args.only ? { only: args.only as never } : {}),
    ...(args.threads !== undefined ? { threads: args.threads } : {}),
    onProgress: tty ? ({ done, total }) => process.stderr.write(`\ranalyzing ${args.input}: ${'#'.repeat(Math.round((20 * done) / total)).padEnd(20, '.')} ${done}/${total}`) : undefined,
  });
  if (tty) process.stderr.write('\n');
  if (args.json) console.log(JSON.stringify(report, null, 2));
  else if (args.ndjson) for (const e of report.events) console.log(JSON.stringify(e));
  else {
    const v = report.streams.find((s) => s.type === 'video'), a = report.streams.find((s) => s.type === 'audio');
    console.log(`${report.input}: ${report.durationSec?.toFixed(2) ?? '?'} s` +
      (v ? `, video ${v.codec} ${v.width}x${v.height} ${v.frameRate?.toFixed(2)} fps` : '') +
      (a ? `, audio ${a.codec} ${a.sampleRate} Hz x${a.channels}` : ''));
    if (!report.events.length) console.log('no defects found');
    for (const e of report.events) {
      // av_sync says which check found it: signal, drift, gap, discontinuity (and the track, the jump).
      const d = e.type === 'av_sync' ? e.detail as { kind?: string; track?: string; jumpSec?: number } | undefined : undefined;
      const what = d?.kind ? `  ${d.kind}${d.track ? ` (${d.track})` : ''}${d.jumpSec !== undefined ? ` ${d.jumpSec > 0 ? '+' : ''}${d.jumpSec} s` : ''}` : '';
      console.log(`  ${e.type.padEnd(9)} ${fmt(e.start)} - ${fmt(e.end)}  (${e.duration.toFixed(2)} s)${what}` +
        `${e.score !== undefined ? `  score ${e.score.toFixed(2)}` : ''}${e.offsetMs !== undefined ? `  offset ${e.offsetMs} ms (positive: audio late)` : ''}`);
    }
    const sync = report.stats.avSync;
    if (sync) console.log(`A/V sync test pattern: audio ${sync.offsetMs} ms ${sync.offsetMs >= 0 ? 'late' : 'early'} (${sync.pairs} flash/beep pairs, spread ${sync.spreadMs} ms)`);
    const s = report.stats;
    console.log(`${s.frames} frames, ${s.decodeFps} frames/s, ${s.realtimeFactor}x real time (${s.threads} threads, ${s.segments} segments, SIMD ${s.simd})`);
  }
  // What was analysed is printed above; an input that ended early is still an error.
  const { truncatedAt, readError, decodeErrors } = report.stats;
  if (truncatedAt !== null || readError) {
    const where = truncatedAt !== null ? `ends at ${truncatedAt.toFixed(2)} s of its declared ${report.durationSec?.toFixed(2) ?? '?'} s` : 'could not be read to its end';
    throw Object.assign(new Error(`${args.input} ${where}: the file is truncated or damaged` +
      `${readError ? ` (${readError})` : ''}${decodeErrors ? `; ${decodeErrors} packets failed to decode` : ''}`),
    { code: 'ERR_VQMON_DECODE_FAILED' });
  }
  return report.events.length ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  const err = e as { code?: string; message?: string };
  console.error(`vqmon: ${err.message ?? String(e)}${err.code ? ` [${err.code}]` : ''}`);
  process.exitCode = 2;
});
