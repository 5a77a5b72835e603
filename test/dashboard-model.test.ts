/**
 * The dashboard's model of a stream (src/serve/dashboard/model.js, browser code without
 * the DOM): events paired into occurrences, open defects, the card's state.
 */
import { describe, expect, it } from 'vitest';

// plain browser JavaScript (no DOM in this module)
import { occurrences, StreamModel } from '../src/serve/dashboard/model.js';

let nextId = 1;
const ev = (type: string, phase: 'start' | 'end', start: number, end: number, at: number, extra: object = {}) =>
  ({ id: nextId++, streamId: 's', input: 'udp://x', type, phase, start, end, duration: end - start, at, ...extra });
const row = (state: string, extra: object = {}) => ({ id: 's', name: 'n', url: 'udp://x', paused: false, status: { state, stalled: false, fps: 25, lagSec: 0 }, ...extra });

describe('dashboard model', () => {
  it('pairs a start with its end, keeps one open, merges an outage told again, replaces a start whose end was lost', () => {
    const list = [
      ev('freeze', 'start', 3, 5, 10_000), ev('freeze', 'end', 3, 7, 12_000, { score: 0.5 }),
      ev('input_error', 'start', 9, 9, 20_000), ev('input_error', 'start', 9, 10, 21_000), ev('input_error', 'start', 9, 12, 23_000),
      ev('black', 'start', 20, 21, 30_000), ev('black', 'start', 40, 41, 50_000),
      ev('events_dropped', 'end', 44, 45, 55_000),
    ];
    const { list: occ, open } = occurrences(list);
    expect(occ.map((o: { type: string }) => o.type)).toEqual(['freeze', 'input_error', 'black', 'black', 'events_dropped']);
    expect(occ[0]).toMatchObject({ startId: list[0]!.id, endId: list[1]!.id, start: 3, end: 7, duration: 4, score: 0.5, wallStart: 8_000, wallEnd: 12_000 });
    expect(occ[1]).toMatchObject({ startId: list[2]!.id, endId: null, duration: 3, wallStart: 20_000, wallEnd: null });
    expect(occ[2]).toMatchObject({ start: 20, end: null, wallEnd: occ[2]!.wallStart }); // ended unseen
    expect(occ[3]).toMatchObject({ start: 40, wallEnd: null });
    expect(occ[4]).toMatchObject({ startId: null, wallStart: 54_000, wallEnd: 55_000 });
    expect([...open.keys()].sort()).toEqual(['black', 'input_error']);
  });

  it('the card state: red names the open defects, amber for input trouble, grey when paused, green otherwise', () => {
    const m = new StreamModel('s');
    m.row = row('live');
    expect(m.state()).toEqual({ cls: 'ok', label: 'live' });
    const start = ev('freeze', 'start', 1, 3, 1000);
    expect(m.addEvents([start])).toBe(true);
    expect(m.addEvents([start])).toBe(false); // seen already (seed and live overlap)
    expect(m.state()).toEqual({ cls: 'defect', label: 'freeze' });
    m.addEvents([ev('stall', 'start', 4, 4, 2000)]);
    expect(m.state()).toEqual({ cls: 'defect', label: 'freeze' });
    m.addEvents([ev('freeze', 'end', 1, 4, 3000)]);
    expect(m.state()).toEqual({ cls: 'warn', label: 'stalled' });
    m.row = row('retrying');
    expect(m.state()).toEqual({ cls: 'warn', label: 'retrying' });
    m.row = row('paused', { paused: true });
    expect(m.state()).toEqual({ cls: 'paused', label: 'paused' });
  });

  it('keeps samples in time order without duplicates, the last two minutes and a bit', () => {
    const m = new StreamModel('s');
    const now = Date.now();
    m.addSamples([{ at: now - 200_000, motion: 1 }, { at: now - 2000, motion: 2 }, { at: now - 1000, motion: 3 }]);
    m.addSamples([{ at: now - 1000, motion: 3 }, { at: now - 1500, motion: 9 }, { at: now, motion: 4 }]);
    expect(m.samples.map((s: { motion: number }) => s.motion)).toEqual([2, 9, 3, 4]);
  });
});
