// @ts-check
// A small dependency-free SVG chart: horizontal bars (rates as ratios to a baseline) beside
// a line chart (throughput against cores, with the linear ideal dashed). Pure.

const COLORS = ['#2f6db5', '#d9822b', '#3a9d5d', '#b54a4a', '#7a5bb5'];

/** Escapes text for SVG. */
export function esc(/** @type {string} */ s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round tick steps (1, 2 or 5 x 10^k) covering [0, max] with about `count` ticks. */
export function niceTicks(/** @type {number} */ max, count = 5) {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const fmt = (/** @type {number} */ v) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/**
 * @typedef {{ label: string, value: number }} Bar
 * @typedef {{ name: string, points: Array<{ x: number, y: number }> }} Series
 * @param {{ title: string, bars: { title: string, items: Bar[], reference?: number },
 *           lines: { title: string, xLabel: string, yLabel: string, series: Series[] } }} chart
 * @returns {string}
 */
export function chartSvg(chart) {
  const W = 980, H = 420, pad = 16, top = 56;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${pad}" y="24" font-size="16" font-weight="bold">${esc(chart.title)}</text>`];

  // Left: bars.
  const bx = pad, bw = 520, labelW = 250, plotW = bw - labelW - 50;
  const items = chart.bars.items;
  out.push(`<text x="${bx}" y="${top - 10}" font-weight="bold">${esc(chart.bars.title)}</text>`);
  const maxBar = Math.max(chart.bars.reference ?? 0, ...items.map((b) => b.value), 1e-9);
  const rowH = Math.min(28, (H - top - 40) / Math.max(1, items.length));
  const scaleX = (/** @type {number} */ v) => bx + labelW + (v / maxBar) * plotW;
  items.forEach((b, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${bx + labelW - 6}" y="${y + rowH * 0.65}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${bx + labelW}" y="${y + 3}" width="${Math.max(0, scaleX(b.value) - bx - labelW).toFixed(1)}" height="${(rowH - 6).toFixed(1)}" fill="${COLORS[0]}"/>`,
      `<text x="${(scaleX(b.value) + 4).toFixed(1)}" y="${y + rowH * 0.65}">${fmt(b.value)}x</text>`);
  });
  if (chart.bars.reference !== undefined) {
    const x = scaleX(chart.bars.reference).toFixed(1);
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + items.length * rowH}" stroke="#555" stroke-dasharray="4 3"/>`);
  }

  // Right: lines.
  const lx = bx + bw + 60, lw = W - lx - pad - 10, ly = top + 10, lh = H - ly - 60;
  const series = chart.lines.series.filter((s) => s.points.length);
  out.push(`<text x="${lx - 40}" y="${top - 10}" font-weight="bold">${esc(chart.lines.title)}</text>`);
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const maxX = Math.max(1, ...xs);
  // The ideal line from each series' 1-core point reaches y1 * maxX.
  const ideal = series.map((s) => s.points.find((p) => p.x === 1)?.y ?? null);
  const maxY = Math.max(1e-9, ...series.flatMap((s) => s.points.map((p) => p.y)), ...ideal.map((y) => (y ?? 0) * maxX));
  const yt = niceTicks(maxY);
  const top_ = yt[yt.length - 1] ?? maxY;
  const px = (/** @type {number} */ x) => lx + (maxX === 1 ? 0.5 : (x - 1) / (maxX - 1)) * lw;
  const py = (/** @type {number} */ y) => ly + lh - (y / top_) * lh;
  out.push(`<line x1="${lx}" y1="${ly + lh}" x2="${lx + lw}" y2="${ly + lh}" stroke="#333"/>`,
    `<line x1="${lx}" y1="${ly}" x2="${lx}" y2="${ly + lh}" stroke="#333"/>`);
  for (const t of yt) {
    out.push(`<line x1="${lx - 4}" y1="${py(t).toFixed(1)}" x2="${lx + lw}" y2="${py(t).toFixed(1)}" stroke="#eee"/>`,
      `<text x="${lx - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(`<text x="${px(x).toFixed(1)}" y="${ly + lh + 16}" text-anchor="middle">${x}</text>`);
  }
  out.push(`<text x="${lx + lw / 2}" y="${ly + lh + 34}" text-anchor="middle">${esc(chart.lines.xLabel)}</text>`,
    `<text x="${lx - 44}" y="${ly + lh / 2}" text-anchor="middle" transform="rotate(-90 ${lx - 44} ${ly + lh / 2})">${esc(chart.lines.yLabel)}</text>`);
  series.forEach((s, i) => {
    const color = COLORS[(i + 1) % COLORS.length];
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`);
    for (const p of pts) out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${color}"/>`);
    const y1 = ideal[i];
    if (y1 !== null && y1 !== undefined && maxX > 1) {
      out.push(`<line x1="${px(1).toFixed(1)}" y1="${py(y1).toFixed(1)}" x2="${px(maxX).toFixed(1)}" y2="${py(y1 * maxX).toFixed(1)}" stroke="${color}" stroke-dasharray="5 4" opacity="0.6"/>`);
    }
    const ly2 = ly + 14 + i * 16;
    out.push(`<line x1="${lx + 10}" y1="${ly2 - 4}" x2="${lx + 28}" y2="${ly2 - 4}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${lx + 32}" y="${ly2}">${esc(s.name)}</text>`);
  });
  if (series.length && maxX > 1) {
    const ly2 = ly + 14 + series.length * 16;
    out.push(`<line x1="${lx + 10}" y1="${ly2 - 4}" x2="${lx + 28}" y2="${ly2 - 4}" stroke="#777" stroke-dasharray="5 4"/>`,
      `<text x="${lx + 32}" y="${ly2}">linear from 1 core</text>`);
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
