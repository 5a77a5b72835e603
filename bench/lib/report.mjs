// @ts-check
// The Markdown report of a suite run (printed, and bench/RESULTS.md), and the chart's data.
// Pure: everything comes from the results object the suite wrote.

/** A Markdown table. */
export function table(/** @type {string[]} */ head, /** @type {Array<Array<string | number | null | undefined>>} */ rows) {
  const cell = (/** @type {unknown} */ v) => (v === null || v === undefined ? '—' : String(v).replace(/\|/g, '\\|'));
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

export const fps = (/** @type {number | null | undefined} */ v) => (v == null ? null : v >= 100 ? v.toFixed(0) : v.toFixed(1));
export const x = (/** @type {number | null | undefined} */ v) => (v == null ? null : `${v.toFixed(v < 0.095 ? 3 : 2)}x`);
const mib = (/** @type {number | null | undefined} */ v) => (v == null ? null : v.toFixed(0));
/** Microseconds, rounded as frames/s are. */
const us = fps;
const pct = (/** @type {number | null | undefined} */ v) => (v == null ? null : `${(100 * v).toFixed(0)}%`);
const usd = (/** @type {number | null | undefined} */ v, digits = 4) => (v == null ? null : `$${v.toFixed(digits)}`);
const usdRound = (/** @type {number | null | undefined} */ v) => (v == null ? null : `$${Math.round(v).toLocaleString('en-US')}`);

/** @param {any} c a corpus entry */
export function clipLine(c) {
  return `${c.label} (${c.codec} ${c.width}x${c.height}, ${c.fps.toFixed(2)} fps, ${c.durationSec.toFixed(1)} s, ` +
    `${c.bitrateMbps} Mbit/s, ${c.frames} frames${c.audio ? ', audio' : ', no audio'})`;
}

/**
 * The whole report.
 * @param {any} r results (bench/results/latest.json)
 * @param {{ chart?: string }} [options] chart: an image to link under the title
 */
export function renderReport(r, options = {}) {
  const out = [];
  const m = r.machine;
  out.push('# vqmon benchmark results', '',
    `Produced by \`${r.command}\` on ${r.startedAt.slice(0, 10)} (commit ${r.git?.commit?.slice(0, 12) ?? 'unknown'}` +
    `${r.git?.dirty?.length ? `, with uncommitted changes to ${r.git.dirty.join(', ')}` : ''}), ${r.mode} mode, in ${(r.durationSec / 60).toFixed(1)} min. ` +
    'Every figure below but the instance prices (from the price table) was measured by that run on this machine; none is typed in.', '');
  if (options.chart) out.push(`![throughput and scaling](${options.chart})`, '');
  out.push('## Machine', '', table(['', ''], [
    ['CPU', `${m.cpu} (${m.arch}, ${m.vcpus} vCPUs${m.threadsPerCore ? `, ${m.threadsPerCore} thread(s) per core` : ''}${m.hypervisor ? `, ${m.hypervisor} guest` : ''})`],
    ['Memory', `${m.memGiB} GiB`],
    ['SIMD', `${m.simd} (levels here: ${m.simdLevels.join(', ')})`],
    ['Software', `Node ${m.node}; ${m.ffmpeg ?? 'ffmpeg ?'}; Linux ${m.kernel}`],
    ['Load average at start', m.loadAtStart.join(' ')],
  ]), '');

  if (r.throughput?.length) {
    out.push('## Throughput: frames/s as a ratio to `ffmpeg -i X -f null -` in the same run', '',
      'Each case is a whole process (start-up included) on the whole clip, runs interleaved; the median of the runs, ' +
      'their range, and the peak RSS of the process. The FFmpeg peer is `ffmpeg -i X -vf freezedetect,blockdetect,blackdetect ' +
      '-af silencedetect -f null -`; `vqmon analyze` splits a file into segments analysed side by side on every core.', '');
    for (const t of r.throughput) {
      const c = r.corpus.find((/** @type {any} */ k) => k.id === t.clip);
      out.push(`### ${c ? clipLine(c) : t.clip}`, '', table(['case', 'frames/s', 'min–max (runs)', 'x ffmpeg decode', 'peak RSS MiB'],
        t.cases.map((/** @type {any} */ k) => [k.label, fps(k.fps.median), `${fps(k.fps.min)}–${fps(k.fps.max)} (${k.fps.runs})`, x(k.ratio), mib(k.peakRssMiB)])), '');
    }
  }

  if (r.kernels) {
    out.push('## Kernels alone, one thread, against the memory-bound references', '');
    if (r.kernels.skipped) out.push(`Skipped: ${r.kernels.skipped}`, '');
    else {
      const levels = r.kernels.summary[0]?.levels.map((/** @type {any} */ l) => l.level) ?? [];
      out.push('The fused frame pass (luma, then 4:2:0 chroma) in frames/s, and as a ratio to a plain SAD of two planes streamed from ' +
        'DRAM, measured in the same run over a frame ring far larger than the last-level cache (native/bench/kernel_bench.cpp).', '',
      table(['size', 'SAD from DRAM f/s', 'SAD, prev cached f/s', 'memcpy GB/s', ...levels.flatMap((/** @type {string} */ l) => [`fused ${l} f/s`, `${l} x SAD`])],
        r.kernels.summary.map((/** @type {any} */ s) => [s.size, fps(s.sadFromDramFps), fps(s.sadPrevCachedFps), s.memcpyGBs?.toFixed(1),
          ...s.levels.flatMap((/** @type {any} */ l) => [fps(l.fusedFps), x(l.ratioToSadDram)])])), '');
      const a = r.kernels.addon;
      if (a) out.push(`Through the addon (1080p, batches of ${a.batch}, ${a.level}, metric rows included): ${fps(a.fps)} frames/s = ${x(a.ratio)} the kernels called directly from C++.`, '');
    }
  }

  if (r.handoff) out.push(...handoffSection(r.handoff));

  if (r.scaling) {
    const s = r.scaling;
    out.push(`## Throughput against cores (${s.pinned ? 'pinned with taskset' : 'not pinned: taskset missing'})`, '',
      `${s.clipLabel ?? s.clip}. \`vqmon analyze\` (all detectors) and \`ffmpeg -i X -f null -\` on the first k CPUs; ` +
      'efficiency per core = speedup / cores (1 is linear).', '',
      table(['cores', 'vqmon f/s', 'speedup', 'efficiency', 'ffmpeg decode f/s', 'speedup', 'efficiency'],
        s.vqmon.map((/** @type {any} */ v, /** @type {number} */ i) => {
          const f = s.ffmpeg[i];
          return [v.cores, fps(v.fps), x(v.speedup), pct(v.efficiency), fps(f.fps), x(f.speedup), pct(f.efficiency)];
        })), '');
  }

  if (r.fanout) {
    const f = r.fanout;
    out.push(`## One pool task per frame against batches (${f.clip}, ${f.frames} frames in a SharedArrayBuffer ring, ${f.threads} threads)`, '',
      table(['schedule', 'frames/s', 'min–max', 'x per-frame'], f.modes.map((/** @type {any} */ m) => [m.batch === 1 ? 'a task per frame' : `tasks of ${m.batch} frames`,
        fps(m.fps), `${fps(m.min)}–${fps(m.max)}`, x(m.fps / f.modes[0].fps)])), '',
      `Rows of every schedule ${f.rowsMatch ? 'equal' : '**differ from**'} the per-frame rows (all columns but the freeze reference's). ` +
      (f.modes.length > 1 && f.modes[1].fps > f.modes[0].fps
        ? `Batches of ${f.modes[1].batch} take ${pct(1 - f.modes[0].fps / f.modes[1].fps)} less time a frame than a task per frame.`
        : '**Batching is not faster than a task per frame here**: the per-task cost it exists to save did not show.'), '');
  }

  if (r.streams?.length) {
    out.push('## Streams per instance: real time, every frame analysed', '',
      'Streams of the clip sent at real-time rate (vqmon: UDP MPEG-TS into one `createMonitor` process with every live detector; ' +
      'the FFmpeg peer: one filter process per stream reading at real-time rate), ramped until a stream analyses under 97% of its ' +
      'frames, drops packets, errs, or falls behind (lag growing by 0.5 s in the window, or over 2 s). Each step: the CPU the ' +
      'monitor process (or the FFmpeg processes) used, in cores, and for vqmon the part its main thread used (the kernels and ' +
      'JavaScript of every input run there; decoding runs on libuv\'s threadpool).', '');
    const labels = [...new Set(r.streams.map((/** @type {any} */ s) => s.clip))];
    out.push(table(['stream', 'vqmon', 'FFmpeg peer'], labels.map((id) => {
      const c = r.corpus.find((/** @type {any} */ k) => k.id === id);
      const get = (/** @type {string} */ tool) => {
        const s = r.streams.find((/** @type {any} */ k) => k.clip === id && k.tool === tool);
        return s ? `${s.streams}${s.converged ? '' : ' (ramp cut short)'}` : null;
      };
      return [c ? `${c.label}, ${c.bitrateMbps} Mbit/s` : id, get('vqmon'), get('ffmpeg-peer')];
    })), '');
    for (const s of r.streams) {
      out.push(`- ${s.tool} ${s.clip}: ${s.steps.map((/** @type {any} */ k) => `${k.streams} ${k.ok ? 'kept up' : 'behind'}` +
        (k.cpuCores ? ` (${k.cpuCores.toFixed(2)} cores${k.mainThreadCores !== undefined ? `, main thread ${k.mainThreadCores.toFixed(2)}` : ''})` : '')).join(', ')}`);
    }
    out.push('');
  }

  if (r.memory?.length) {
    out.push('## Memory: peak RSS', '', table(['what', 'clip', 'streams', 'kept up', 'peak RSS MiB', 'per stream MiB'],
      r.memory.map((/** @type {any} */ k) => [k.what, k.clip, k.streams, k.keptUp === undefined ? null : k.keptUp ? 'yes' : 'no', mib(k.peakRssMiB), mib(k.perStreamMiB)])), '');
  }

  if (r.cost) {
    const c = r.cost;
    out.push('## Cost per stream-hour', '',
      `Prices from \`${c.table.file}\` (editable, and they may be stale): ${c.table.region}, on demand, Linux; source ${c.table.source}, retrieved ${c.table.retrieved}. ` +
      'Streams on another instance type are the streams measured here scaled linearly by vCPUs (this machine\'s per-core efficiency ' +
      'carried over); "other arch" rows are scaled across CPU architectures as well, so treat them as rough. Run the suite on the ' +
      'instance with `--instance NAME` for a measured row. $/1,000 streams a month counts whole instances, 730 hours a month.', '');
    for (const res of c.resolutions) {
      out.push(`### ${res.label}`, '', table(['instance', 'vCPUs', 'arch', '$/hour', 'basis', 'vqmon streams', 'vqmon $/stream-hour', 'vqmon $/1,000 streams/month',
        'FFmpeg streams', 'FFmpeg $/stream-hour', 'FFmpeg $/1,000 streams/month'],
      res.rows.map((/** @type {any} */ k) => {
        const v = k.tools.vqmon, f = k.tools['ffmpeg-peer'];
        return [k.name, k.vcpus, k.arch, usd(k.pricePerHour), k.basis, v?.streams, usd(v?.perStreamHour), usdRound(v?.per1000Month),
          f?.streams, usd(f?.perStreamHour), usdRound(f?.per1000Month)];
      })), '');
    }
  }

  if (r.errors?.length) {
    out.push('## Sections that failed', '', ...r.errors.map((/** @type {any} */ e) => `- ${e.section}: ${e.message.split('\n')[0]}`), '');
  }
  return out.join('\n');
}

/**
 * The hand-off section: the kernels over decoded frames as they are against a copy first,
 * and what the frame record's planes cost.
 * @param {any} h results.handoff
 */
function handoffSection(h) {
  const row = (/** @type {string} */ what, /** @type {any} */ k, /** @type {boolean} */ rate) =>
    [what, us(k.usPerFrame), `${us(k.min)}–${us(k.max)}`, rate ? fps(1e6 / k.usPerFrame) : null];
  return [`## Hand-off: decoded frames to the kernels (${h.clip}, ${h.width}x${h.height} ${h.format}, one thread, ${h.level})`, '',
    `\`native.analyzeVideo\` in batches of ${h.batch} over ${h.frames} decoded frames held (read from DRAM), given as the decoder's own ` +
    'Buffers over the AVFrame planes, against the same frames each copied into JS-owned memory first (`native.copyFrame` into a ' +
    'Uint8Array: the cheapest copy); and the frame record\'s planes (node-av\'s `data` getter makes Buffers over the planes), ' +
    `detached at release as the decoder does, or left to the garbage collector. Medians of ${h.runs} runs.`, '',
    table(['hand-off', 'µs a frame', 'min–max', 'frames/s'], [
      row('kernels over the decoded planes (zero-copy)', h.direct, true),
      row('kernels over a copy of each frame', h.copied, true),
      row('frame record: `data` getter, detached at release', h.record, false),
      row('frame record: `data` getter, left to the GC', h.recordDropped, false),
    ]), '',
    `A copy would add ${us(h.copyUsPerFrame)} µs a frame: ${x(h.copyOverDirect)} the zero-copy time. ` +
    `Rows from both ${h.rowsMatch ? 'are equal' : '**differ**'}.`, ''];
}

/**
 * The chart's data: the ratios on the main clip, and throughput against cores.
 * @param {any} r results
 */
export function chartData(r) {
  const main = r.throughput?.find((/** @type {any} */ t) => t.clip === r.mainClip) ?? r.throughput?.[0];
  const label = r.corpus?.find((/** @type {any} */ c) => c.id === main?.clip)?.label ?? main?.clip ?? '';
  return {
    title: `vqmon ${r.mode} benchmark, ${r.machine.cpu} (${r.machine.vcpus} vCPUs, ${r.machine.simd}), ${r.startedAt.slice(0, 10)}`,
    bars: { title: `${label}: frames/s / ffmpeg decode (dashed: 1)`, reference: 1,
      items: (main?.cases ?? []).filter((/** @type {any} */ k) => k.ratio !== null).map((/** @type {any} */ k) => ({ label: k.short ?? k.label, value: k.ratio })) },
    lines: { title: `frames/s against cores (${r.scaling?.clip ?? ''})`, xLabel: 'cores', yLabel: 'frames/s',
      series: r.scaling ? [
        { name: 'vqmon analyze', points: r.scaling.vqmon.map((/** @type {any} */ p) => ({ x: p.cores, y: p.fps })) },
        { name: 'ffmpeg decode', points: r.scaling.ffmpeg.map((/** @type {any} */ p) => ({ x: p.cores, y: p.fps })) },
      ] : [] },
  };
}
