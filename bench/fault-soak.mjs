// bench/fault-soak: `vqmon serve` watching N live UDP streams for M minutes (20 and 10 by
// default) while things go wrong as they do in a 24/7 monitor:
//   - sources die for 15 s and return (one every 60 s), and flap (killed and back after 1 s,
//     one every 45 s);
//   - clients stall: 3 event-stream replays from the first event and an NDJSON export that
//     are never read; the reading event client disconnects every 60-120 s and reconnects
//     with Last-Event-ID;
//   - the service gets SIGTERM once (at 40% of the run) and kill -9 once (at 70%), and is
//     started again on the same data directory each time;
//   - a webhook receiver counts what it is sent.
// Reports events stored / delivered over SSE / delivered to the webhook, and lost (stored,
// never delivered) and duplicated ones; the injected defects found on each stream up to its
// first fault; RSS; drain and recovery times. Exit 1 when an event is lost or duplicated over
// SSE, the webhook misses one, a defect is missed or invented, or a recovery is too slow.
//
//   npm run soak:faults -- [--streams 20] [--minutes 10] [--resolution 360p]
// Not part of npm test (it takes the machine for its length). Writes .vqmon-tmp/soak/faults-<time>.json and .md.
import { connect } from 'node:net';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { table } from './lib/report.mjs';
import { TOKEN, api, loopProbe, makeClip, rssMiB, sender, sseData, startServer } from './lib/serve-run.mjs';
import { CLIPS, RESOLUTIONS, clipDefects, matchEvents, occurrences, parseSoakArgs } from './lib/soak.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));
const log = (l) => process.stderr.write(`faults: ${l}\n`);
/** Recovery bounds, seconds: the service after a restart; a source after it returns (reconnect backoff up to 16 s after 15 s down). */
const RESTART_BOUND = 10, SOURCE_BOUND = 20;

const args = parseSoakArgs(['--minutes', '10', ...process.argv.slice(2)]);
if (args.help) {
  console.log('usage: npm run soak:faults -- [--streams 20] [--minutes 10] [--resolution 360p] [--tolerance 0.5]');
  process.exit(0);
}
if (!existsSync(join(root, 'dist/cli.js'))) {
  console.error('faults: dist/cli.js is missing: build first (npm run build:ts)');
  process.exit(2);
}

/** Counts the webhook deliveries by event id. */
async function webhookReceiver() {
  const got = new Map();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = Number(req.headers['x-vqmon-delivery']);
      got.set(id, (got.get(id) ?? 0) + 1);
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/hook`, got, close: () => server.close() };
}

/** A request on a raw socket that is never read. */
function stalled(url, path) {
  const { port } = new URL(url);
  const s = connect(Number(port), '127.0.0.1');
  s.on('error', () => {});
  s.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${TOKEN}\r\n\r\n`);
  s.pause();
  return s;
}

/** The reading client: reconnects after each disconnect (its own, or the server's) with Last-Event-ID. */
function sseClient(current, signal) {
  const seen = new Map();
  let last = 0, reconnects = 0;
  const done = (async () => {
    while (!signal.aborted) {
      const mine = new AbortController();
      const stop = () => mine.abort();
      signal.addEventListener('abort', stop, { once: true });
      const timer = setTimeout(stop, (60 + Math.random() * 60) * 1000);
      try {
        const { done: reading } = await sseData(current().url, '/api/events/stream', mine.signal, (e) => {
          seen.set(e.id, (seen.get(e.id) ?? 0) + 1);
          last = Math.max(last, e.id);
        }, last ? { 'last-event-id': String(last) } : {});
        await reading;
      } catch { /* the server is down: again shortly */ }
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
      if (!signal.aborted) { reconnects++; await sleep(0.5); }
    }
  })();
  return { seen, done, reconnects: () => reconnects };
}

/**
 * Polls until every stream is live with new frames coming (over `after`, its frame count
 * when the fault ended, plus a second of them), or 3 x `bound` s pass; returns the seconds
 * it took, or null.
 */
async function untilAllLive(current, ids, bound, after = new Map()) {
  const t0 = performance.now();
  while ((performance.now() - t0) / 1000 < bound * 3) {
    try {
      const st = (await api(current().url, 'GET', '/api/streams')).streams.filter((s) => ids.includes(s.id));
      const flowing = (s) => s.status.state === 'live' && !s.status.stalled && s.status.videoFrames > (after.get(s.id) ?? 0) + 25;
      if (st.length === ids.length && st.every(flowing)) return (performance.now() - t0) / 1000;
    } catch { /* not up yet */ }
    await sleep(0.25);
  }
  return null;
}

const res = RESOLUTIONS[args.resolution];
const clips = Array.from({ length: CLIPS }, (_, c) => makeClip(c, res));
const periods = clips.map((f) => loopProbe(f).period);
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const outDir = join(root, '.vqmon-tmp/soak'), dataDir = join(outDir, `faults-${stamp}`);
mkdirSync(dataDir, { recursive: true });
const hook = await webhookReceiver();
writeFileSync(join(dataDir, 'vqmon.yaml'), `webhooks:\n  - url: ${hook.url}\n    secret: fault-soak-secret-0123456789\n` +
  'webhook: { attempts: 10000, firstDelay: 0.2, maxDelay: 2, maxQueue: 1000000 }\n');
const serveArgs = { args: ['--config', join(dataDir, 'vqmon.yaml')] };
let server = await startServer(dataDir, serveArgs);
const current = () => server;
log(`${args.streams} streams of ${args.resolution}, ${args.minutes} min; data in ${relative(root, dataDir)}`);

const abort = new AbortController();
const base = 56000 + 2 * Math.floor(Math.random() * 2000);
const streams = [];
for (let i = 0; i < args.streams; i++) {
  const s = await api(server.url, 'POST', '/api/streams', { url: `udp://127.0.0.1:${base + 2 * i}`, name: `faults-${i}` });
  streams.push({ i, id: s.id, clip: i % CLIPS, port: base + 2 * i, firstFault: null, proc: null });
}
const client = sseClient(current, abort.signal);
let sockets = [0, 1, 2].map(() => stalled(server.url, '/api/events/stream?after=0'));
await sleep(1.5);
for (const s of streams) {
  s.proc = sender(clips[s.clip], s.port);
  await sleep(0.25);
}
const tStart = performance.now(), T = args.minutes * 60;
const now = () => (performance.now() - tStart) / 1000;
const faults = [], samples = [], horizons = new Map();

/** Media time of every stream now (for the detection windows). */
async function mediaTimes() {
  const st = (await api(server.url, 'GET', '/api/streams')).streams;
  return new Map(st.map((s) => [s.id, s.status.mediaTime]));
}

async function markFault(s) {
  if (s.firstFault !== null) return;
  s.firstFault = now();
  s.firstFaultAt = Date.now();
  horizons.set(s.id, (await mediaTimes()).get(s.id) ?? 0);
}

async function sourceDies(s, down) {
  await markFault(s);
  s.proc.kill('SIGKILL');
  await sleep(down);
  const frames = new Map([[s.id, (await api(server.url, 'GET', `/api/streams/${s.id}`)).status.videoFrames]]);
  s.proc = sender(clips[s.clip], s.port);
  const t = performance.now();
  const took = await untilAllLive(current, [s.id], SOURCE_BOUND, frames);
  faults.push({ kind: down > 5 ? 'source down 15 s' : 'source flap 1 s', stream: s.i, at: now(), recoverySec: took === null ? null : (performance.now() - t) / 1000 });
}

async function restart(kind) {
  for (const s of streams) await markFault(s);
  const t = performance.now();
  const exited = new Promise((r) => server.child.once('exit', (code, signal) => r(code ?? signal)));
  server.child.kill(kind === 'SIGTERM' ? 'SIGTERM' : 'SIGKILL');
  const code = await exited;
  const drainSec = (performance.now() - t) / 1000;
  for (const s of sockets) s.destroy();
  server = await startServer(dataDir, serveArgs);
  const recoverySec = await untilAllLive(current, streams.map((s) => s.id), RESTART_BOUND);
  sockets = [0, 1, 2].map(() => stalled(server.url, '/api/events/stream?after=0'));
  faults.push({ kind, at: now(), exit: code, drainSec, recoverySec });
  log(`${kind}: exit ${code} after ${drainSec.toFixed(2)} s, all streams live again ${recoverySec?.toFixed(1) ?? 'NOT'} s after the restart`);
}

// --- The run: faults on a timeline, a sample every 5 s ------------------------------------

const half = Math.ceil(streams.length / 2);
const timeline = [];
for (let t = 30, k = 0; t < T - 30; t += 60, k++) timeline.push({ at: t, run: () => sourceDies(streams[k % half], 15) });
for (let t = 20, k = 0; t < T - 30; t += 45, k++) timeline.push({ at: t, run: () => sourceDies(streams[half + (k % (streams.length - half))] ?? streams[0], 1) });
timeline.push({ at: 0.4 * T, run: () => restart('SIGTERM'), exclusive: true });
timeline.push({ at: 0.5 * T, run: async () => { sockets.push(stalled(server.url, '/api/events/export?format=ndjson')); } });
timeline.push({ at: 0.7 * T, run: () => restart('SIGKILL'), exclusive: true });
timeline.sort((a, b) => a.at - b.at);
const running = [];
let next = 0;
while (now() < T) {
  while (next < timeline.length && timeline[next].at <= now()) {
    const f = timeline[next++];
    const run = () => f.run().catch((e) => log(`fault failed: ${e.message}`));
    if (!f.exclusive) running.push(run());
    else {
      // A restart overlaps no source fault: each is measured alone.
      await Promise.all(running.splice(0));
      await run();
    }
  }
  samples.push({ t: now(), rssMiB: rssMiB(server.child.pid) });
  if (samples.length % 12 === 0) log(`${now().toFixed(0)} s: RSS ${samples.at(-1).rssMiB?.toFixed(0)} MiB, ${faults.length} faults done, SSE ${client.seen.size} events`);
  await sleep(5);
}
await Promise.all(running);
const endLive = await untilAllLive(current, streams.map((s) => s.id), RESTART_BOUND);

// --- The end: every stored event must reach the client and the webhook --------------------

async function storedEvents() {
  const out = [];
  for (let after = 0; ;) {
    const page = (await api(server.url, 'GET', `/api/events?after=${after}&limit=10000`)).events;
    out.push(...page);
    if (page.length < 10000) return out;
    after = page.at(-1).id;
  }
}
let stored = await storedEvents();
for (let i = 0; i < 60 && stored.some((e) => !client.seen.has(e.id) || !hook.got.has(e.id)); i++) {
  await sleep(0.5);
  if (i % 10 === 9) stored = await storedEvents();
}
abort.abort();
await client.done;
for (const s of streams) s.proc.kill('SIGKILL');
for (const s of sockets) s.destroy();
const exited = new Promise((r) => server.child.once('exit', (code) => r(code)));
server.child.kill('SIGTERM');
const lastExit = await exited;
hook.close();

const ids = new Set(stored.map((e) => e.id));
const perStream = streams.map((s) => {
  const horizon = horizons.get(s.id) ?? 0;
  // The first session's events, raised before the stream's first fault (a later session's media clock starts again).
  const mine = stored.filter((e) => e.streamId === s.id && e.at < (s.firstFaultAt ?? Infinity) && e.start <= horizon && !e.detail?.interrupted);
  const m = matchEvents(occurrences(clipDefects(s.clip), { period: periods[s.clip], origin: 0, horizon, latency: 2 }), mine, args.tolerance);
  return { stream: s.i, horizon, expected: m.expected, found: m.found, missed: m.missed, extra: m.extra };
});
const count = (m) => [...m.values()];
const report = {
  date: new Date().toISOString(), options: args, streams: args.streams,
  events: {
    stored: stored.length,
    sse: { delivered: [...client.seen.keys()].filter((id) => ids.has(id)).length, lost: stored.filter((e) => !client.seen.has(e.id)).length,
      duplicated: count(client.seen).filter((n) => n > 1).length, reconnects: client.reconnects() },
    webhook: { delivered: [...hook.got.keys()].filter((id) => ids.has(id)).length, lost: stored.filter((e) => !hook.got.has(e.id)).length,
      duplicated: count(hook.got).filter((n) => n > 1).length },
    interruptedEnds: stored.filter((e) => e.phase === 'end' && e.detail?.interrupted).length,
    byType: Object.fromEntries([...new Set(stored.map((e) => e.type))].map((t) => [t, stored.filter((e) => e.type === t && e.phase === 'start').length])),
  },
  detection: { expected: perStream.reduce((a, p) => a + p.expected, 0), found: perStream.reduce((a, p) => a + p.found, 0),
    missed: perStream.flatMap((p) => p.missed.map((m) => ({ stream: p.stream, ...m }))), extra: perStream.flatMap((p) => p.extra.map((x) => ({ stream: p.stream, ...x }))) },
  rss: { afterMinute1: samples.find((x) => x.t >= 60)?.rssMiB ?? null, max: Math.max(...samples.map((x) => x.rssMiB ?? 0)), last: samples.at(-1)?.rssMiB ?? null },
  faults, endAllLiveSec: endLive, lastExit,
};
const restarts = faults.filter((f) => f.kind === 'SIGTERM' || f.kind === 'SIGKILL');
const sources = faults.filter((f) => f.kind.startsWith('source'));
report.checks = {
  nothingLostOverSse: report.events.sse.lost === 0 && report.events.sse.duplicated === 0,
  nothingLostToWebhook: report.events.webhook.lost === 0,
  defectsFound: report.detection.missed.length === 0 && report.detection.extra.length === 0,
  restartsRecovered: restarts.length === 2 && restarts.every((f) => f.recoverySec !== null) && restarts[0].exit === 0,
  sourcesRecovered: sources.every((f) => f.recoverySec !== null),
  allLiveAtEnd: endLive !== null && lastExit === 0,
};

const f = (v, d = 1) => (v === null || v === undefined ? '—' : Number(v).toFixed(d));
const md = [`# vqmon serve under faults: ${args.streams} streams of ${args.resolution}, ${args.minutes} min`, '',
  `${report.date}; command: \`npm run soak:faults -- --streams ${args.streams} --minutes ${args.minutes} --resolution ${args.resolution}\``, '',
  table(['check', 'result'], Object.entries(report.checks).map(([k, ok]) => [k, ok ? 'pass' : 'FAIL'])), '',
  `Events: ${report.events.stored} stored; SSE ${report.events.sse.delivered} delivered, ${report.events.sse.lost} lost, ${report.events.sse.duplicated} duplicated ` +
    `(${report.events.sse.reconnects} reconnects with Last-Event-ID); webhook ${report.events.webhook.delivered} delivered, ${report.events.webhook.lost} lost, ` +
    `${report.events.webhook.duplicated} delivered twice (at least once: allowed after a kill); ${report.events.interruptedEnds} defects ended as interrupted by the restarts. ` +
    `Phase starts by type: ${Object.entries(report.events.byType).map(([t, n]) => `${t} ${n}`).join(', ')}.`, '',
  `Injected defects before each stream's first fault: ${report.detection.found}/${report.detection.expected} found, ${report.detection.missed.length} missed, ${report.detection.extra.length} extra.`, '',
  `RSS: ${f(report.rss.afterMinute1, 0)} MiB after a minute, ${f(report.rss.max, 0)} MiB at most, ${f(report.rss.last, 0)} MiB at the end.`, '',
  table(['fault', 'at s', 'stream', 'exit', 'drain s', 'recovery s'], faults.map((x) => [x.kind, f(x.at, 0), x.stream ?? 'all', x.exit ?? '', f(x.drainSec, 2), f(x.recoverySec, 1)])), ''].join('\n');
const file = join(outDir, `faults-${stamp}`);
writeFileSync(`${file}.json`, JSON.stringify(report, null, 2));
writeFileSync(`${file}.md`, md);
console.log(md);
const failed = Object.entries(report.checks).filter(([, ok]) => !ok).map(([k]) => k);
if (failed.length) console.error(`faults: FAILED: ${failed.join(', ')}; data kept in ${relative(root, dataDir)}`);
process.exit(failed.length ? 1 : 0);
