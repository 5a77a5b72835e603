// What the page knows of one stream: its row from /api/streams (settings and status), its
// recent events by id, the occurrences they make (a phase start and its phase end are one
// occurrence; a start without its end is open) and the last minutes of metric samples.

/** Event types that are the input's trouble, not a defect of the picture or sound: amber, not red. */
export const INPUT_TROUBLE = new Set(['stall', 'input_error', 'analysis_dropped', 'events_dropped']);
export const SAMPLE_KEEP_MS = 130_000;
const MAX_EVENTS = 2000;

/** Occurrences from events in id order; `open` maps each type with a start but no end yet to its occurrence. */
export function occurrences(events) {
  const list = [];
  const open = new Map();
  for (const e of events) {
    const wallStart = e.at - (e.duration ?? 0) * 1000; // the event is raised `duration` after its run began
    if (e.phase === 'start') {
      const current = open.get(e.type);
      if (current && current.start === e.start) {
        // The same run told again (input_error: every failed attempt of one outage).
        Object.assign(current, { duration: e.duration, score: e.score ?? current.score, detail: e.detail ?? current.detail });
        continue;
      }
      // Otherwise a start while one is open (a restart lost its end): the new one replaces it.
      const o = { type: e.type, startId: e.id, endId: null, start: e.start, end: null, duration: e.duration, score: e.score ?? null,
        detail: e.detail ?? null, wallStart, wallEnd: null };
      open.set(e.type, o);
      list.push(o);
      continue;
    }
    const o = open.get(e.type);
    if (o) {
      open.delete(e.type);
      Object.assign(o, { endId: e.id, end: e.end, duration: e.duration, score: e.score ?? o.score, detail: e.detail ?? o.detail, wallEnd: e.at });
    } else {
      list.push({ type: e.type, startId: null, endId: e.id, start: e.start, end: e.end, duration: e.duration, score: e.score ?? null,
        detail: e.detail ?? null, wallStart, wallEnd: e.at });
    }
  }
  for (const o of list) if (o.endId === null && open.get(o.type) !== o) o.wallEnd = o.wallStart; // replaced: ended unseen
  return { list, open };
}

export class StreamModel {
  constructor(id) {
    this.id = id;
    this.row = null;
    this.events = new Map();
    this.samples = [];
    this.occ = { list: [], open: new Map() };
  }

  /** Adds events not seen yet; true when any was new. */
  addEvents(events) {
    let added = false;
    for (const e of events) {
      if (this.events.has(e.id)) continue;
      this.events.set(e.id, e);
      added = true;
    }
    if (!added) return false;
    let ordered = [...this.events.values()].sort((a, b) => a.id - b.id);
    if (ordered.length > MAX_EVENTS) {
      ordered = ordered.slice(-MAX_EVENTS);
      this.events = new Map(ordered.map((e) => [e.id, e]));
    }
    this.occ = occurrences(ordered);
    return true;
  }

  addSamples(samples) {
    for (const s of samples) {
      const last = this.samples[this.samples.length - 1];
      if (last && s.at <= last.at) {
        if (this.samples.some((x) => x.at === s.at)) continue;
        this.samples.push(s);
        this.samples.sort((a, b) => a.at - b.at);
      } else this.samples.push(s);
    }
    const keepFrom = Date.now() - SAMPLE_KEEP_MS;
    let drop = 0;
    while (drop < this.samples.length && this.samples[drop].at < keepFrom) drop++;
    if (drop) this.samples.splice(0, drop);
  }

  /**
   * The card's state: `paused` (grey), `defect` (red: an open defect, named), `warn` (amber:
   * connecting, retrying, stalled, behind), `ok` (green: live, nothing open), `stopped`.
   */
  state() {
    const status = this.row?.status ?? { state: 'connecting' };
    if (this.row?.paused || status.state === 'paused') return { cls: 'paused', label: 'paused' };
    const open = [...this.occ.open.keys()];
    const defects = open.filter((t) => !INPUT_TROUBLE.has(t));
    if (defects.length) return { cls: 'defect', label: defects.join(', ') };
    if (status.state === 'retrying') return { cls: 'warn', label: 'retrying' };
    if (status.stalled || open.includes('stall')) return { cls: 'warn', label: 'stalled' };
    if (open.includes('input_error')) return { cls: 'warn', label: 'input error' };
    if (open.includes('analysis_dropped')) return { cls: 'warn', label: 'behind' };
    if (status.state === 'connecting') return { cls: 'warn', label: 'connecting' };
    if (status.state === 'stopped') return { cls: 'paused', label: 'stopped' };
    return { cls: 'ok', label: 'live' };
  }
}
