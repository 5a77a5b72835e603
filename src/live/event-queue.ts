/**
 * The monitor's event queue for async-iterator readers: bounded, so a reader that falls
 * behind (or never reads) cannot make memory grow. When it is full, the oldest event that
 * matters least goes: first a phase start whose phase end is already queued (the end
 * carries the whole span, so nothing is lost but the early warning), then the oldest phase
 * start, and only then the oldest event. The reader is told: before the next event it
 * reads comes one `events_dropped` report,
 *   { type: 'events_dropped', phase: 'end', input, start, end, duration,
 *     detail: { dropped, superseded, types } }
 * with the media-time span of what went (input '*' when it came from several inputs),
 * `superseded` starts replaced by their ends, `dropped` events lost, `types` per type.
 */
import { round } from '../detectors/types.js';
import type { LiveEvent } from './run-tracker.js';

interface Shed { dropped: number; superseded: number; types: Record<string, number>; start: number; end: number; inputs: Set<string> }

export class EventQueue {
  private items: LiveEvent[] = [];
  private shed: Shed | null = null;
  /** Longest the queue has been. */
  maxLength = 0;
  /** Totals since the monitor started. */
  dropped = 0;
  superseded = 0;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.items.length;
  }

  push(e: LiveEvent): void {
    this.items.push(e);
    if (this.items.length > this.capacity) this.shedOne();
    this.maxLength = Math.max(this.maxLength, this.items.length);
  }

  /** The next event for the reader: the report of what was shed first, if anything was. */
  shift(): LiveEvent | undefined {
    if (this.shed) {
      const s = this.shed;
      this.shed = null;
      return { type: 'events_dropped', phase: 'end', input: s.inputs.size === 1 ? [...s.inputs][0]! : '*',
        start: round(s.start), end: round(s.end), duration: round(s.end - s.start),
        detail: { dropped: s.dropped, superseded: s.superseded, types: s.types } };
    }
    return this.items.shift();
  }

  private shedOne() {
    const q = this.items;
    const key = (e: LiveEvent) => `${e.input}\u0000${e.type}\u0000${e.start}`;
    const ended = new Set(q.filter((e) => e.phase === 'end').map(key));
    let i = q.findIndex((e) => e.phase === 'start' && ended.has(key(e)));
    const superseded = i >= 0;
    if (i < 0) i = q.findIndex((e) => e.phase === 'start');
    if (i < 0) i = 0;
    const [e] = q.splice(i, 1) as [LiveEvent];
    const s = this.shed ??= { dropped: 0, superseded: 0, types: {}, start: Infinity, end: -Infinity, inputs: new Set() };
    if (superseded) { s.superseded++; this.superseded++; } else { s.dropped++; this.dropped++; }
    s.types[e.type] = (s.types[e.type] ?? 0) + 1;
    s.start = Math.min(s.start, e.start);
    s.end = Math.max(s.end, e.end);
    s.inputs.add(e.input);
  }
}
