// bench/serve-soak: `vqmon serve` watching N real-time UDP streams for M minutes (20 and 5 by
// default), every live detector on, the events taken from its Server-Sent Events stream.
//
//   npm run soak:serve -- [--streams 20] [--minutes 5] [--resolution 360p]   (--help for all)
//
// The streams loop 32 s H.264 + AAC clips (CLIPS of them, generated once and cached in
// .vqmon-tmp/soak/clips; MP4, sent as MPEG-TS) carrying a freeze, black and silence at
// known times, each sent by `ffmpeg -re -stream_loop -1 -c copy` (copy: a sender costs
// little), stream i on clip i % CLIPS, started 0.25 s after stream i - 1. Each clip is
// looped once here first to measure the loop period and check the seams (loopProbe). Each sample (every 5 s) reads the server's
// RSS and CPU from /proc, the load average, and /api/streams. Then it checks:
//   1. every defect occurrence that fully played has its phase start and end events, start
//      and end within the tolerance, and no defect events came that were not injected;
//   2. RSS is stable: the last minute's mean against minute 2's (bench/lib/soak.mjs rssTrend);
//   3. no stream fell behind: no dropped packets, stalls, input errors or analysis_dropped,
//      lag at most 1 s, 97% of frames analysed, every stream live at the end;
//   4. the store holds exactly the events SSE delivered;
//   5. what an open dashboard reads keeps coming: a reading per stream about once a second
//      over /api/samples/stream, every stream's latest picture (fetched every 2 s, as the
//      dashboard does) after the first 10 s, and the picture at each freeze's and black's start.
// Prints a summary, writes .vqmon-tmp/soak/soak-<time>.json and .md; exits 1 when a check
// fails, 2 when it cannot run. Not part of npm test (it takes minutes and the machine).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { table } from './lib/report.mjs';
import { TOKEN, api, loadAvg, loopProbe, makeClip, rssMiB, sender, sseData, startServer } from './lib/serve-run.mjs';
import { CLIP_FPS, CLIPS, RESOLUTIONS, SOAK_USAGE, clipDefects, matchEvents, measuredPeriod, occurrences, parseSoakArgs, rssByMinute, rssTrend } from './lib/soak.mjs';
import { cpuSeconds } from './suite/proc.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Seconds after a defect's end by which its phase end event must have arrived. */
const LATENCY = 2;
/** Sustained lag (s) that counts as behind. */
const MAX_LAG = 1;
const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));
const log = (l) => process.stderr.write(`soak: ${l}\n`);

let args;
try {
  args = parseSoakArgs(process.argv.slice(2));
} catch (e) {
  console.error(e.message);
  process.exit(2);
}
if (args.help) {
  console.log(SOAK_USAGE);
  process.exit(0);
}
if (!existsSync(join(root, 'dist/cli.js'))) {
  console.error('soak: dist/cli.js is missing: build first (npm run build:ts)');
  process.exit(2);
}

// --- Clips -----------------------------------------------------------------------------

// --- Processes ---------------------------------------------------------------------------

/** Reads the server's event stream into `events` until `signal` aborts. */
async function sse(base, signal) {
  const out = { events: [] };
  out.done = (await sseData(base, '/api/events/stream', signal, (e) => out.events.push(e))).done;
  return out;
}

/**
 * An open dashboard's load and what it gets: the readings stream (counted per stream), and
 * every stream's latest picture every 2 s (the answers counted) until `signal` aborts.
 */
async function dashboardClient(base, streams, signal) {
  const out = { readings: new Map(), pictures: { ok: 0, failed: 0 } };
  const { done: readings } = await sseData(base, '/api/samples/stream', signal, (r) => out.readings.set(r.streamId, (out.readings.get(r.streamId) ?? 0) + 1));
  const pictures = (async () => {
    await sleep(10); // the inputs' first pictures
    while (!signal.aborted) {
      await Promise.all(streams.map(async (s) => {
        try {
          const r = await fetch(`${base}/api/streams/${s.id}/thumbnail`, { headers: { authorization: `Bearer ${TOKEN}` }, signal });
          const png = Buffer.from(await r.arrayBuffer());
          if (r.status === 200 && png.readUInt32BE(0) === 0x89504e47) out.pictures.ok++;
          else out.pictures.failed++;
        } catch { if (!signal.aborted) out.pictures.failed++; }
      }));
      await sleep(2);
    }
  })();
  out.done = Promise.all([readings, pictures]);
  return out;
}

/** How many of the freeze and black phase starts have their picture. */
async function eventPictures(base, events) {
  const starts = events.filter((e) => e.phase === 'start' && (e.type === 'freeze' || e.type === 'black'));
  let ok = 0;
  for (const e of starts) {
    const r = await fetch(`${base}/api/events/${e.id}/thumbnail`, { headers: { authorization: `Bearer ${TOKEN}` } });
    await r.arrayBuffer();
    if (r.status === 200) ok++;
  }
  return { starts: starts.length, withPicture: ok };
}

// --- Run ---------------------------------------------------------------------------------

const res = RESOLUTIONS[args.resolution];
const clips = Array.from({ length: CLIPS }, (_, c) => makeClip(c, res));
let periods;
try {
  periods = clips.map((f) => ({ file: f, ...loopProbe(f) }));
} catch (e) {
  console.error(`soak: ${e.message}`);
  process.exit(2);
}
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const outDir = join(root, '.vqmon-tmp/soak');
const dataDir = join(outDir, `run-${stamp}`);
mkdirSync(dataDir, { recursive: true });
log(`${args.streams} streams of ${args.resolution}, ${args.minutes} min; loop periods ${periods.map((p) => p.period.toFixed(4)).join(', ')} s; data in ${relative(root, dataDir)}`);

const server = await startServer(dataDir);
const abort = new AbortController();
const senders = [];
const samples = [];
let exitCode = 0;
let report;
try {
  const stream = await sse(server.url, abort.signal);
  // Above the ports the live tests (20000-40000) and the bench (41000-55000) pick from.
  const base = 56000 + 2 * Math.floor(Math.random() * 2000);
  const streams = [];
  for (let i = 0; i < args.streams; i++) {
    const s = await api(server.url, 'POST', '/api/streams', { url: `udp://127.0.0.1:${base + 2 * i}`, name: `soak-${i}` });
    streams.push({ i, id: s.id, url: s.url, clip: i % CLIPS, port: base + 2 * i });
  }
  const dashboard = await dashboardClient(server.url, streams, abort.signal);
  await sleep(1.5); // the inputs bind their sockets before the first datagram
  const t0 = performance.now();
  for (const s of streams) {
    await sleep(Math.max(0, (t0 + s.i * 250 - performance.now()) / 1000));
    senders.push(sender(clips[s.clip], s.port));
  }
  const tStart = performance.now(); // the last source started
  const total = args.minutes * 60;
  let lastCpu = cpuSeconds(server.child.pid), lastSendCpu = 0, lastAt = tStart;
  log(`streams added and sources started; sampling every ${args.sample} s for ${args.minutes} min`);
  for (let n = 1; ; n++) {
    await sleep(Math.max(0, (tStart + n * args.sample * 1000 - performance.now()) / 1000));
    const now = performance.now(), t = (now - tStart) / 1000;
    const cpu = cpuSeconds(server.child.pid);
    const sendCpu = senders.reduce((sum, c) => sum + (cpuSeconds(c.pid) ?? 0), 0);
    const st = (await api(server.url, 'GET', '/api/streams')).streams;
    samples.push({ t, rssMiB: rssMiB(server.child.pid), serverCores: (cpu - lastCpu) / ((now - lastAt) / 1000), sendersCores: (sendCpu - lastSendCpu) / ((now - lastAt) / 1000),
      load1: loadAvg(), streams: st.map((s) => ({ id: s.id, ...s.status })) });
    lastCpu = cpu; lastSendCpu = sendCpu; lastAt = now;
    const x = samples[samples.length - 1];
    if (n % Math.max(1, Math.round(30 / args.sample)) === 0) {
      log(`${t.toFixed(0)} s: RSS ${x.rssMiB?.toFixed(0)} MiB, server ${x.serverCores.toFixed(2)} cores, senders ${x.sendersCores.toFixed(2)}, load ${x.load1}, ` +
        `fps ${Math.min(...x.streams.map((s) => s.fps))}-${Math.max(...x.streams.map((s) => s.fps))}, lag max ${Math.max(...x.streams.map((s) => s.lagSec))} s, events ${stream.events.length}`);
    }
    if (t >= total) break;
  }
  // The media time each stream had reached: occurrences are judged up to there.
  const final = (await api(server.url, 'GET', '/api/streams')).streams;
  await sleep(LATENCY);
  abort.abort();
  await stream.done;
  await dashboard.done;
  const readingsSec = (performance.now() - tStart) / 1000;
  const stored = [];
  for (let after = 0; ;) {
    const page = (await api(server.url, 'GET', `/api/events?after=${after}&limit=10000`)).events;
    stored.push(...page);
    if (page.length < 10000) break;
    after = page[page.length - 1].id;
  }
  const dash = { readings: streams.map((s) => dashboard.readings.get(s.id) ?? 0), readingsSec, pictures: dashboard.pictures, events: await eventPictures(server.url, stored) };
  report = analyse({ streams, final, events: stream.events, stored, samples, total, dash });
} finally {
  for (const c of senders) c.kill('SIGKILL');
  abort.abort();
  if (server.child.exitCode === null) {
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGTERM');
    const code = await Promise.race([exited, sleep(15).then(() => 'timeout')]);
    if (code !== 0) {
      log(`vqmon serve did not stop cleanly on SIGTERM (${code})`);
      if (code === 'timeout') server.child.kill('SIGKILL');
      exitCode = 1;
    }
  }
}

function analyse({ streams, final, events, stored, samples, total, dash }) {
  const perStream = streams.map((s) => {
    const st = final.find((f) => f.id === s.id).status;
    const mine = events.filter((e) => e.streamId === s.id);
    const m = matchEvents(occurrences(clipDefects(s.clip), { period: periods[s.clip].period, origin: 0, horizon: st.mediaTime, latency: LATENCY }), mine, args.tolerance);
    const seen = samples.map((x) => x.streams.find((y) => y.id === s.id)).filter(Boolean);
    const warm = seen.filter((_, k) => samples[k].t >= Math.min(60, total / 3));
    const framesRatio = st.mediaTime > 0 ? st.videoFrames / (st.mediaTime * CLIP_FPS) : 0;
    const behind = st.droppedPackets > 0 || st.maxLagSec > MAX_LAG || framesRatio < 0.97 || m.health.stall + m.health.input_error + m.health.analysis_dropped > 0 || st.state !== 'live';
    return { stream: s.i, id: s.id, clip: s.clip, mediaTime: st.mediaTime, state: st.state, videoFrames: st.videoFrames, framesRatio,
      fpsMean: warm.length ? warm.reduce((a, y) => a + y.fps, 0) / warm.length : null, fpsMin: warm.length ? Math.min(...warm.map((y) => y.fps)) : null,
      lagMax: Math.max(st.maxLagSec, ...seen.map((y) => y.lagSec)), droppedPackets: st.droppedPackets, decoderErrors: st.decoderErrors, inputErrors: st.inputErrors,
      expected: m.expected, found: m.found, missed: m.missed, extra: m.extra, health: m.health, residuals: m.residuals, behind };
  });
  const all = perStream.flatMap((p) => p.residuals);
  const abs = (k) => (all.length ? Math.max(...all.map((r) => Math.abs(r[k]))) : null);
  const mean = (k) => (all.length ? all.reduce((a, r) => a + r[k], 0) / all.length : null);
  const rss = rssTrend(samples.filter((x) => x.rssMiB !== null), total);
  const warm = samples.filter((x) => x.t >= Math.min(60, total / 3));
  const sseIds = events.map((e) => e.id);
  const upTo = sseIds.length ? Math.max(...sseIds) : 0;
  const storedIds = stored.filter((e) => e.id <= upTo).map((e) => e.id);
  const checks = {
    defects: perStream.every((p) => !p.missed.length && !p.extra.length),
    rss: rss.stable,
    keptUp: perStream.every((p) => !p.behind),
    storeMatchesSse: JSON.stringify(storedIds) === JSON.stringify(sseIds),
    // Readings: one a second from the stream's start (a second or two of slack each end).
    dashboard: Math.min(...dash.readings) >= dash.readingsSec - 5 && dash.pictures.failed === 0 && dash.pictures.ok > 0
      && dash.events.withPicture === dash.events.starts,
  };
  return {
    date: new Date().toISOString(), options: args, resolution: RESOLUTIONS[args.resolution], clips: periods.map((p, c) => ({ file: relative(root, p.file), defects: clipDefects(c), periodSec: p.period })),
    machine: { cpus: spawnSync('nproc', { encoding: 'utf8' }).stdout.trim(), node: process.version },
    loop: { predictedPeriodSec: periods[0].period, measuredPeriodSec: measuredPeriod(perStream.map((p) => p.residuals)), origin: 0,
      startErrorMean: mean('start'), startErrorMaxAbs: abs('start'), endErrorMean: mean('end'), endErrorMaxAbs: abs('end'),
      byType: Object.fromEntries(['freeze', 'black', 'silence'].map((type) => {
        const rs = all.filter((r) => r.type === type), m = (k) => (rs.length ? rs.reduce((a, r) => a + r[k], 0) / rs.length : null);
        return [type, { n: rs.length, startMean: m('start'), startMaxAbs: rs.length ? Math.max(...rs.map((r) => Math.abs(r.start))) : null, endMean: m('end'), endMaxAbs: rs.length ? Math.max(...rs.map((r) => Math.abs(r.end))) : null }];
      })) },
    events: { expected: perStream.reduce((a, p) => a + p.expected, 0), found: perStream.reduce((a, p) => a + p.found, 0),
      missed: perStream.reduce((a, p) => a + p.missed.length, 0), extra: perStream.reduce((a, p) => a + p.extra.length, 0), sse: events.length, stored: stored.length },
    rss: { ...rss, byMinute: rssByMinute(samples.filter((x) => x.rssMiB !== null)) },
    cpu: { serverCoresMean: warm.length ? warm.reduce((a, x) => a + x.serverCores, 0) / warm.length : null, serverCoresMax: Math.max(...warm.map((x) => x.serverCores)),
      sendersCoresMean: warm.length ? warm.reduce((a, x) => a + x.sendersCores, 0) / warm.length : null,
      load1Mean: samples.reduce((a, x) => a + x.load1, 0) / samples.length, load1Max: Math.max(...samples.map((x) => x.load1)) },
    dashboard: { readingsMin: Math.min(...dash.readings), readingsMax: Math.max(...dash.readings), readingsSec: dash.readingsSec, pictures: dash.pictures, eventPictures: dash.events },
    checks, perStream, samples: samples.map(({ streams, ...x }) => x),
  };
}

// --- Report ------------------------------------------------------------------------------

const f = (v, d = 1) => (v === null || v === undefined ? '—' : Number(v).toFixed(d));
function markdown(r) {
  const c = r.checks, l = r.loop;
  return [`# vqmon serve soak: ${r.options.streams} streams of ${r.options.resolution}, ${r.options.minutes} min`, '',
    `${r.date}; ${r.machine.cpus} CPUs, Node ${r.machine.node}; command: \`node bench/serve-soak.mjs --streams ${r.options.streams} --minutes ${r.options.minutes} --resolution ${r.options.resolution}\``, '',
    table(['check', 'result', 'figures'], [
      ['every injected defect found, none extra', c.defects ? 'pass' : 'FAIL', `${r.events.found}/${r.events.expected} found, ${r.events.missed} missed, ${r.events.extra} extra (tolerance ${r.options.tolerance} s)`],
      ['RSS stable', c.rss ? 'pass' : 'FAIL', `${f(r.rss.baselineMiB)} MiB (s ${r.rss.window.baseline.map((x) => x.toFixed(0)).join('-')}) → ${f(r.rss.lastMiB)} MiB (s ${r.rss.window.last.map((x) => x.toFixed(0)).join('-')}): ${f(r.rss.growthMiB)} MiB, bound ${f(r.rss.boundMiB)}; slope ${f(r.rss.slopeMiBPerMin, 2)} MiB/min`],
      ['no stream behind', c.keptUp ? 'pass' : 'FAIL', `${r.perStream.filter((p) => p.behind).length} behind; lag max ${f(Math.max(...r.perStream.map((p) => p.lagMax)), 2)} s; dropped packets ${r.perStream.reduce((a, p) => a + p.droppedPackets, 0)}`],
      ['store = SSE', c.storeMatchesSse ? 'pass' : 'FAIL', `${r.events.sse} events over SSE, ${r.events.stored} stored`],
      ['dashboard fed', c.dashboard ? 'pass' : 'FAIL', `readings per stream ${r.dashboard.readingsMin}-${r.dashboard.readingsMax} over ${f(r.dashboard.readingsSec, 0)} s; latest pictures ${r.dashboard.pictures.ok} ok, ${r.dashboard.pictures.failed} failed; ` +
        `freeze/black starts with their picture ${r.dashboard.eventPictures.withPicture}/${r.dashboard.eventPictures.starts}`],
    ]), '',
    `Loop: period ${f(l.predictedPeriodSec, 4)} s (the clip looped by FFmpeg, read back), ${f(l.measuredPeriodSec, 4)} s measured from the events; ` +
      `event start - injected start: mean ${f(l.startErrorMean, 3)} s, max |${f(l.startErrorMaxAbs, 3)}| s; end: mean ${f(l.endErrorMean, 3)} s, max |${f(l.endErrorMaxAbs, 3)}| s ` +
      `(${Object.entries(l.byType).map(([t, b]) => `${t}: start ${f(b.startMean, 3)}, end ${f(b.endMean, 3)}`).join('; ')}).`, '',
    `CPU: vqmon serve ${f(r.cpu.serverCoresMean, 2)} cores mean (max ${f(r.cpu.serverCoresMax, 2)}), the ${r.options.streams} ffmpeg senders ${f(r.cpu.sendersCoresMean, 2)}; load average (1 min) ${f(r.cpu.load1Mean, 2)} mean, ${f(r.cpu.load1Max, 2)} max.`, '',
    `RSS by minute: ${r.rss.byMinute.map((m) => `${m.minute}: ${f(m.meanMiB, 0)} MiB`).join(', ')}.`, '',
    table(['stream', 'clip', 'media s', 'fps mean', 'fps min', 'frames analysed', 'lag max s', 'dropped', 'decoder errors', 'expected', 'found', 'missed', 'extra', 'stall/input_error/dropped events'],
      r.perStream.map((p) => [p.stream, p.clip, f(p.mediaTime, 0), f(p.fpsMean), f(p.fpsMin), `${(100 * p.framesRatio).toFixed(1)}%`, f(p.lagMax, 2), p.droppedPackets, p.decoderErrors,
        p.expected, p.found, p.missed.map((m) => `${m.type}@${m.start.toFixed(1)} (${m.why})`).join(', ') || 0,
        p.extra.map((e) => `${e.type}@${e.start}`).join(', ') || 0, `${p.health.stall}/${p.health.input_error}/${p.health.analysis_dropped}`])), ''].join('\n');
}

if (report) {
  const md = markdown(report);
  const file = join(outDir, `soak-${stamp}`);
  writeFileSync(`${file}.json`, JSON.stringify(report, null, 2));
  writeFileSync(`${file}.md`, md);
  console.log(md);
  const failed = Object.entries(report.checks).filter(([, ok]) => !ok).map(([k]) => k);
  console.log(`results: ${relative(root, file)}.json and .md`);
  if (failed.length) {
    console.error(`soak: FAILED: ${failed.join(', ')} (see the tables above)`);
    console.error(`soak: the server's data directory is kept: ${relative(root, dataDir)}`);
    exitCode = 1;
  } else {
    console.log('soak: all checks passed');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
process.exit(exitCode);
