#!/usr/bin/env node
/**
 * vqmon command line.
 *   vqmon analyze <file-or-url> [--json | --ndjson] [--only freeze,black,...] [--config file.json] [--threads N]
 * Exit codes: 0 no defects, 1 defects found, 2 error.
 */
// beamcoder's async calls run on libuv's shared threadpool, sized once at its first use:
// one slot per core for the decoders in the workers plus headroom for file I/O.
import { availableParallelism } from 'node:os';
if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = String(Math.max(4, availableParallelism() + 2));

const USAGE = `usage:
  vqmon analyze <file-or-url> [--json | --ndjson] [--only freeze,black,blockiness,silence,clipping,
                              av_sync,audio_missing,video_missing,corruption]
                              [--config options.json] [--threads N]
  vqmon watch <url>... [--ndjson] [--config options.json]
                              live inputs until Ctrl-C; events as they happen
exit codes: 0 no defects, 1 defects found, 2 error`;

interface Args { command?: string; input?: string; inputs: string[]; json: boolean; ndjson: boolean; only?: string[]; config?: string; threads?: number }

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

const fmt = (s: number) => {
  const m = Math.floor(s / 60), r = s - m * 60;
  return `${m}:${r.toFixed(2).padStart(5, '0')}`;
};

async function watch(args: Args): Promise<number> {
  if (!args.inputs.length) throw usage('watch needs at least one URL');
  const { readFile } = await import('node:fs/promises');
  const { createMonitor } = await import('./live/monitor.js');
  const config = args.config ? JSON.parse(await readFile(args.config, 'utf8')) as object : {};
  const monitor = createMonitor(config);
  // A source that has gone quiet holds a read open for up to the open timeout; an
  // interactive stop should not wait for it: events so far are printed, exit now.
  const stop = () => process.exit(0);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  for (const url of args.inputs) monitor.add(url);
  for await (const e of monitor) {
    if (args.ndjson) console.log(JSON.stringify(e));
    else console.log(`${new Date().toISOString()} ${e.input} ${e.type} ${e.phase} at ${fmt(e.start)}` +
      (e.phase === 'end' ? ` (${e.duration.toFixed(2)} s)` : '') + (e.detail?.message ? `: ${String(e.detail.message)}` : ''));
  }
  return 0;
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  if (args.command === 'watch') return watch(args);
  if (args.command !== 'analyze' || !args.input) throw usage(args.command && args.command !== 'analyze' ? `unknown command ${args.command}` : 'missing input');
  if (args.json && args.ndjson) throw usage('--json and --ndjson exclude each other');
  const { readFile } = await import('node:fs/promises');
  const { analyze } = await import('./analyze/analyze.js');
  let config = {};
  if (args.config) {
    try {
      config = JSON.parse(await readFile(args.config, 'utf8')) as object;
    } catch (e) {
      throw Object.assign(new Error(`cannot read config ${args.config}: ${e instanceof Error ? e.message : String(e)}`), { code: 'ERR_VQMON_INVALID_ARG' });
    }
  }
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
      console.log(`  ${e.type.padEnd(9)} ${fmt(e.start)} - ${fmt(e.end)}  (${e.duration.toFixed(2)} s)` +
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
