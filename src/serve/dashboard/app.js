// The vqmon dashboard: a card per stream (status colour, latest picture, fps and lag,
// sparklines of motion, blockiness and audio level, a 10-minute event timeline) and, at
// #/stream/ID, one stream's events with the picture at each one's start. Streams come from
// polling /api/streams; events and metric samples are seeded over HTTP, then arrive live
// over Server-Sent Events. All text from the service goes in with textContent.

import { getJson, HttpError, liveSource } from './api.js';
import { drawSparks, drawTimeline, makeSparks } from './charts.js';
import { StreamModel } from './model.js';

const STREAMS_POLL_MS = 3000;
const THUMB_MISSING_MS = 5000; // a stream without a picture yet: asked less often
const EVENTS_SEED_MS = 3_600_000;
const DETAIL_HISTORY_MS = 86_400_000;
const DETAIL_ROWS = 200;

const $ = (sel, root = document) => root.querySelector(sel);
const models = new Map(); // stream id -> StreamModel
const cards = new Map(); // stream id -> card view
let lastEventId = 0;
let detail = null; // the open detail view: { id, sparks, thumb, rows }

const modelOf = (id) => {
  let m = models.get(id);
  if (!m) models.set(id, (m = new StreamModel(id)));
  return m;
};
const enc = encodeURIComponent;
const clock = (ms) => new Date(ms).toLocaleTimeString();
const secs = (s) => (s === null || s === undefined ? '?' : `${s.toFixed(2)} s`);

// ---- pictures ---------------------------------------------------------------------------

/** A live picture: the img reloads with a new query so no cache answers; hidden while missing. */
function livePicture(holder, id) {
  const img = $('img', holder);
  const p = { busy: false, missingSince: 0, id };
  img.addEventListener('load', () => {
    p.busy = false;
    p.missingSince = 0;
    holder.classList.remove('missing');
  });
  img.addEventListener('error', () => {
    p.busy = false;
    p.missingSince = Date.now();
    holder.classList.add('missing');
  });
  holder.classList.add('missing');
  p.refresh = (now) => {
    if (p.busy || (p.missingSince && now - p.missingSince < THUMB_MISSING_MS)) return;
    p.busy = true;
    img.src = `/api/streams/${enc(id)}/thumbnail?t=${now}`;
  };
  return p;
}

// ---- the grid -----------------------------------------------------------------------------

function makeCard(id) {
  const el = $('#card-template').content.firstElementChild.cloneNode(true);
  el.dataset.stream = id;
  const link = $('.name a', el);
  link.href = `#/stream/${enc(id)}`;
  el.addEventListener('click', (ev) => {
    if (ev.target.closest('a')) return; // the link navigates by itself
    location.hash = `#/stream/${enc(id)}`;
  });
  const card = { el, link, badge: $('.badge', el), url: $('.url', el), fps: $('.fps', el), lag: $('.lag', el),
    picture: livePicture($('.thumb', el), id), sparks: makeSparks($('.sparks', el)), timeline: $('.timeline', el) };
  $('#grid').append(el);
  cards.set(id, card);
  card.picture.refresh(Date.now());
  return card;
}

function renderCard(id) {
  const card = cards.get(id);
  const m = models.get(id);
  if (!card || !m?.row) return;
  const { row } = m;
  const st = m.state();
  card.el.dataset.state = st.cls;
  card.link.textContent = row.name;
  card.url.textContent = row.url;
  card.url.title = row.url;
  card.badge.textContent = st.label;
  card.fps.textContent = row.status.state === 'live' ? row.status.fps.toFixed(1) : '–';
  card.lag.textContent = row.status.state === 'live' ? `${row.status.lagSec.toFixed(1)} s` : '–';
  card.el.title = row.status.lastError ? `last error: ${row.status.lastError.message}` : '';
  drawTimeline(card.timeline, m.occ.list, Date.now());
  if (detail?.id === id) renderDetailHead();
}

function renderSummary() {
  const counts = { ok: 0, defect: 0, warn: 0, paused: 0 };
  for (const id of cards.keys()) counts[models.get(id).state().cls === 'stopped' ? 'paused' : models.get(id).state().cls]++;
  const n = cards.size;
  $('#summary').textContent = `${n} stream${n === 1 ? '' : 's'}: ${counts.ok} ok, ${counts.defect} with a defect, ${counts.warn} with input trouble, ${counts.paused} paused`;
  $('#empty').hidden = n > 0;
}

async function seedSamples(id) {
  try {
    modelOf(id).addSamples((await getJson(`/api/streams/${enc(id)}/samples?seconds=120`)).samples);
  } catch (e) {
    if (!(e instanceof HttpError)) throw e; // no samples (yet): the sparklines fill live
  }
}

async function refreshStreams() {
  const { streams } = await getJson('/api/streams');
  const seen = new Set();
  for (const row of streams) {
    seen.add(row.id);
    modelOf(row.id).row = row;
    if (!cards.has(row.id)) {
      makeCard(row.id);
      void seedSamples(row.id);
    }
    renderCard(row.id);
  }
  for (const [id, card] of cards) {
    if (seen.has(id)) continue;
    card.el.remove();
    cards.delete(id);
    models.delete(id);
  }
  for (const id of models.keys()) if (!seen.has(id)) models.delete(id);
  renderSummary();
  if (detail && !cards.has(detail.id)) route();
}

// ---- events -------------------------------------------------------------------------------

function applyEvents(events) {
  const changed = new Set();
  for (const e of events) {
    lastEventId = Math.max(lastEventId, e.id);
    if (modelOf(e.streamId).addEvents([e])) changed.add(e.streamId);
  }
  for (const id of changed) {
    renderCard(id);
    if (detail?.id === id) renderEvents();
  }
  if (changed.size) renderSummary();
}

/** Every stored event matching `query` from `from` on (paged by id), oldest first. */
async function eventsSince(from, query = '') {
  const out = [];
  let after = 0;
  for (let page = 0; page < 20; page++) {
    const { events } = await getJson(`/api/events?from=${from}&after=${after}&limit=5000${query}`);
    out.push(...events);
    if (events.length < 5000) break;
    after = events[events.length - 1].id;
  }
  return out;
}

// ---- the detail view ----------------------------------------------------------------------

function renderDetailHead() {
  const m = models.get(detail.id);
  const view = $('#detail-view');
  const st = m.state();
  view.dataset.state = st.cls;
  $('#detail-name').textContent = m.row.name;
  $('.badge', view).textContent = st.label;
  $('.url', view).textContent = m.row.url;
}

function eventRow(o) {
  const li = $('#event-template').content.firstElementChild.cloneNode(true);
  const id = o.startId ?? o.endId;
  const holder = $('.event-thumb', li);
  const img = $('img', holder);
  img.addEventListener('error', () => holder.classList.add('missing'));
  img.src = `/api/events/${enc(String(id))}/thumbnail`;
  img.alt = `picture at the start of the ${o.type} event`;
  return li;
}

function fillRow(li, o, now) {
  li.dataset.type = o.type;
  li.dataset.open = String(o.wallEnd === null);
  const type = $('.type', li);
  type.textContent = o.type;
  type.className = `type t-${o.type.replace(/[^a-z0-9_]/gi, '')}`;
  $('.state', li).textContent = o.wallEnd === null ? 'open' : '';
  $('.when', li).textContent = o.wallEnd === null
    ? `since ${clock(o.wallStart)} (${((now - o.wallStart) / 1000).toFixed(0)} s so far)`
    : `${clock(o.wallStart)} – ${clock(o.wallEnd)}`;
  const ended = o.end !== null ? secs(o.end) : o.wallEnd === null ? 'now' : 'its end not seen';
  $('.media', li).textContent = o.wallEnd === null ? `media ${secs(o.start)} – now`
    : `media ${secs(o.start)} – ${ended}, lasted ${secs(o.duration)}${o.end === null ? ' or more' : ''}`;
  $('.score', li).textContent = o.score === null || o.score === undefined ? '' : `score ${o.score.toFixed(3)}`;
}

function renderEvents() {
  const m = models.get(detail.id);
  const list = $('#detail-view .events');
  const occ = [...m.occ.list].reverse().slice(0, DETAIL_ROWS);
  const keep = new Map();
  const now = Date.now();
  for (const o of occ) {
    const key = o.startId !== null ? `s${o.startId}` : `e${o.endId}`;
    const li = detail.rows.get(key) ?? eventRow(o);
    fillRow(li, o, now);
    keep.set(key, li);
    list.append(li); // in order: newest first
  }
  for (const [key, li] of detail.rows) if (!keep.has(key)) li.remove();
  detail.rows = keep;
  $('#detail-view .count').textContent = `(${m.occ.list.length}${m.occ.list.length > DETAIL_ROWS ? `, newest ${DETAIL_ROWS} shown` : ''})`;
  $('#detail-view .none').hidden = occ.length > 0;
}

async function showDetail(id) {
  const view = $('#detail-view');
  const opening = detail?.id !== id;
  if (opening) {
    $('#detail-view .events').replaceChildren();
    const sparks = $('.sparks', view);
    sparks.replaceChildren();
    const thumb = $('.thumb', view);
    const fresh = thumb.cloneNode(true); // drops the previous stream's listeners
    thumb.replaceWith(fresh);
    detail = { id, sparks: makeSparks(sparks), picture: livePicture(fresh, id), rows: new Map() };
  }
  $('#grid-view').hidden = true;
  view.hidden = false;
  renderDetailHead();
  renderEvents();
  drawSparks(detail.sparks, models.get(id).samples, Date.now());
  detail.picture.refresh(Date.now());
  if (opening) $('#detail-name').focus();
  // A day of this stream's events (the page seeded only the last hour).
  const events = await eventsSince(Date.now() - DETAIL_HISTORY_MS, `&stream=${enc(id)}`);
  if (detail?.id === id && models.get(id)?.addEvents(events)) {
    renderEvents();
    renderCard(id);
  }
}

function route() {
  const m = /^#\/stream\/(.+)$/.exec(location.hash);
  const id = m ? decodeURIComponent(m[1]) : null;
  if (id !== null && models.get(id)?.row) {
    void showDetail(id);
    return;
  }
  detail = null;
  $('#detail-view').hidden = true;
  $('#grid-view').hidden = false;
}

// ---- clock --------------------------------------------------------------------------------

function tick() {
  const now = Date.now();
  for (const [id, card] of cards) {
    const m = models.get(id);
    drawSparks(card.sparks, m.samples, now);
    drawTimeline(card.timeline, m.occ.list, now);
    if (m.row && m.row.status.state !== 'paused') card.picture.refresh(now);
  }
  if (detail && models.has(detail.id)) {
    drawSparks(detail.sparks, models.get(detail.id).samples, now);
    detail.picture.refresh(now);
    if ([...detail.rows.values()].some((li) => li.dataset.open === 'true')) renderEvents(); // open ones' durations
  }
}

function setConnection(state) {
  const el = $('#connection');
  el.dataset.state = state;
  el.textContent = state === 'live' ? 'live' : state === 'reconnecting' ? 'reconnecting…' : 'disconnected, retrying';
}

async function main() {
  await refreshStreams();
  applyEvents(await eventsSince(Date.now() - EVENTS_SEED_MS));
  liveSource(() => `/api/events/stream?after=${lastEventId}`, { vqmon: (e) => applyEvents([e]) }, setConnection);
  liveSource(() => '/api/samples/stream', { sample: (s) => { if (models.has(s.streamId)) models.get(s.streamId).addSamples([s]); } }, () => undefined, 15_000);
  window.addEventListener('hashchange', route);
  route();
  tick();
  setInterval(tick, 1000);
  setInterval(() => refreshStreams().catch((e) => console.warn(e)), STREAMS_POLL_MS);
  document.body.dataset.ready = 'true';
}

main().catch((e) => {
  console.error(e);
  $('#summary').textContent = `The dashboard could not load: ${e.message}. Retrying…`;
  setTimeout(() => location.reload(), 5000);
});
