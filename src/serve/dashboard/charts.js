// The pictures drawn from numbers: sparklines (inline SVG paths, time on x) and the event
// timeline (positioned bars, one per occurrence, coloured by type through CSS).

export const SPARK_WINDOW_MS = 120_000;
export const TIMELINE_WINDOW_MS = 600_000;
const W = 120;
const H = 30;
const GAP_MS = 2500; // samples further apart than this: the line breaks

export const METRICS = [
  // motion: mean absolute luma difference to the frame before, a fraction of full scale (as freeze.noise)
  { key: 'motion', label: 'motion', range: (vals) => [0, Math.max(0.005, ...vals)], format: (v) => `${(v * 100).toFixed(2)} %` },
  { key: 'blockiness', label: 'blockiness', range: (vals) => [0, Math.max(0.05, ...vals)], format: (v) => v.toFixed(3) },
  { key: 'audioDb', label: 'audio', range: () => [-60, 0], format: (v) => (v <= -120 ? 'silent' : `${v.toFixed(0)} dBFS`) },
];

/** The SVG path of `samples[key]` over the window ending `now`, scaled into [lo, hi]. */
export function sparkPath(samples, key, now, lo, hi) {
  const from = now - SPARK_WINDOW_MS;
  let d = '';
  let prevAt = -Infinity;
  for (const s of samples) {
    const v = s[key];
    if (s.at < from || v === null || v === undefined) {
      prevAt = -Infinity;
      continue;
    }
    const x = ((s.at - from) / SPARK_WINDOW_MS) * W;
    const y = H - ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo || 1)) * H;
    d += `${s.at - prevAt > GAP_MS ? 'M' : 'L'}${x.toFixed(2)},${y.toFixed(2)}`;
    prevAt = s.at;
  }
  return d;
}

/** Builds the three sparklines into `holder` (once) from the page's template. */
export function makeSparks(holder) {
  const tpl = document.getElementById('spark-template');
  const out = {};
  for (const m of METRICS) {
    const fig = tpl.content.firstElementChild.cloneNode(true);
    fig.classList.add(`m-${m.key}`);
    fig.querySelector('.label').textContent = m.label;
    holder.append(fig);
    out[m.key] = { path: fig.querySelector('path'), value: fig.querySelector('.value'), fig };
  }
  return out;
}

export function drawSparks(sparks, samples, now) {
  const last = samples[samples.length - 1];
  const recent = last && now - last.at < 5000 ? last : null;
  for (const m of METRICS) {
    const s = sparks[m.key];
    const vals = [];
    for (const x of samples) if (x[m.key] !== null && x[m.key] !== undefined && x.at >= now - SPARK_WINDOW_MS) vals.push(x[m.key]);
    const [lo, hi] = m.range(vals);
    s.path.setAttribute('d', sparkPath(samples, m.key, now, lo, hi));
    const v = recent?.[m.key];
    s.value.textContent = v === null || v === undefined ? '–' : m.format(v);
    s.fig.setAttribute('aria-label', `${m.label}, last 2 minutes; now ${s.value.textContent}`);
  }
}

/** Redraws the timeline's bars for the occurrences inside the last 10 minutes. */
export function drawTimeline(el, list, now) {
  const from = now - TIMELINE_WINDOW_MS;
  for (const b of el.querySelectorAll('.bar')) b.remove();
  const names = [];
  for (const o of list) {
    const end = o.wallEnd ?? now;
    if (end < from) continue;
    const left = Math.max(0, (o.wallStart - from) / TIMELINE_WINDOW_MS) * 100;
    const right = Math.min(1, (end - from) / TIMELINE_WINDOW_MS) * 100;
    const bar = document.createElement('span');
    bar.className = `bar t-${o.type.replace(/[^a-z0-9_]/gi, '')}`;
    if (o.wallEnd === null) bar.classList.add('open');
    bar.style.left = `${left}%`;
    bar.style.width = `${Math.max(0.5, right - left)}%`;
    bar.title = `${o.type} at ${new Date(o.wallStart).toLocaleTimeString()}${o.wallEnd === null ? ' (open)' : `, ${(o.duration ?? 0).toFixed(1)} s`}`;
    el.append(bar);
    names.push(o.wallEnd === null ? `${o.type} (open)` : o.type);
  }
  el.setAttribute('aria-label', names.length ? `events in the last 10 minutes: ${names.join(', ')}` : 'no events in the last 10 minutes');
}
