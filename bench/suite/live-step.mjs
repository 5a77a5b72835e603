// One step of the streams-per-instance ramp, in its own process (so its memory is the
// monitor's alone): a monitor (createMonitor, every live detector) on the given UDP URLs.
// Prints {"ready":...} once listening; the parent then starts the senders. Once every
// input has analysed a frame it waits `warm` seconds, then measures `window` seconds:
// per input the frames analysed, packets dropped, input errors and lag at both ends;
// the main thread's event-loop use and CPU time, the process's CPU time, its peak RSS.
//   node bench/suite/live-step.mjs '{"urls":[...],"warm":4,"window":8}'
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { createMonitor } from '../../dist/index.js';

const { urls, warm, window, startTimeout = 20 } = JSON.parse(process.argv[2]);
// CPU seconds of this process's main thread (its task id is the pid; clock ticks of 1/100 s).
const mainCpu = () => {
  const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const status = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) / 1024;
const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));
const print = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

const baseRssMiB = status('VmRSS');
const monitor = createMonitor({ stallTimeout: 5, openTimeout: startTimeout });
const events = {};
monitor.on('event', (e) => { if (e.phase === 'start') events[e.type] = (events[e.type] ?? 0) + 1; });
for (const u of urls) monitor.add(u);
await sleep(0.5); // bound before the senders start: UDP sent earlier is lost
print({ ready: true });

const t0 = performance.now();
const byUrl = () => new Map(monitor.stats().inputs.map((s) => [s.url, s]));
while (![...byUrl().values()].every((s) => s.videoFrames > 0)) {
  if (performance.now() - t0 > startTimeout * 1000) {
    const s = [...byUrl().values()];
    print({ error: `${s.filter((x) => x.videoFrames === 0).length} of ${urls.length} streams had not started after ${startTimeout} s`,
      lastError: s.find((x) => x.lastError)?.lastError ?? null });
    process.exit(0);
  }
  await sleep(0.1);
}
const startedSec = (performance.now() - t0) / 1000;
await sleep(warm);
const a = byUrl(), elu0 = performance.eventLoopUtilization(), cpu0 = process.cpuUsage(), main0 = mainCpu(), w0 = performance.now();
await sleep(window);
const b = byUrl(), elu = performance.eventLoopUtilization(elu0), cpu = process.cpuUsage(cpu0), main1 = mainCpu(), seconds = (performance.now() - w0) / 1000;
print({
  seconds, startedSec,
  inputs: urls.map((u) => {
    const s = a.get(u), e = b.get(u);
    return { frames: e.videoFrames - s.videoFrames, dropped: e.droppedPackets - s.droppedPackets, errors: e.inputErrors - s.inputErrors,
      lagStart: s.lagSec, lagEnd: e.lagSec };
  }),
  // Wall-clock share the event loop was not idle (waiting for a core counts as busy), and
  // the CPU the main thread used, in cores.
  mainThreadBusy: elu.utilization,
  mainThreadCores: (main1 - main0) / seconds,
  cpuCores: (cpu.user + cpu.system) / 1e6 / seconds,
  baseRssMiB, peakRssMiB: status('VmHWM'), events,
});
process.exit(0); // a stop waits for reads in flight; nothing more is needed from this process
