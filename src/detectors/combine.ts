/**
 * Rules across detectors. A black picture is also a still picture: a freeze lying (by at
 * least `share` of its length) inside black events is that black, not a second defect.
 */
import type { VqEvent } from './types.js';

export function dropFreezeUnderBlack(events: VqEvent[], share = 0.9): VqEvent[] {
  const black = events.filter((e) => e.type === 'black');
  return events.filter((e) => {
    if (e.type !== 'freeze' || !black.length || e.duration <= 0) return true;
    let covered = 0;
    for (const b of black) covered += Math.max(0, Math.min(e.end, b.end) - Math.max(e.start, b.start));
    return covered / e.duration < share;
  });
}
