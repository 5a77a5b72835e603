/**
 * Streaming form of a run detector: fed one unit (frame or audio window) at a time, it says
 * `start` once a run has lasted `minDuration` (the detector is sure) and `end` when it
 * stops. Live events come twice, as the output contract says: phase start, phase end.
 */
import { round, type VqEvent } from '../detectors/types.js';

export interface LiveEvent extends VqEvent {
  phase: 'start' | 'end';
  input: string;
}

/** How a tracker reports: its input's name is added by the input. */
export type Emit = (e: Omit<LiveEvent, 'input'>) => void;

export class RunTracker {
  private active = false;
  private reported = false;
  private start = 0;
  private end = 0;
  private scoreSum = 0;
  private scored = 0;

  constructor(private readonly type: string, private readonly minDuration: number, private readonly emit: Emit) {}

  /**
   * A unit [t0, t1) that is (on) or is not part of a run; runStart overrides where a new run
   * begins. A detector that scores its units passes `score`: events then carry the run's mean.
   */
  update(on: boolean, t0: number, t1: number, runStart = t0, score?: number): void {
    if (on) {
      if (!this.active) {
        this.active = true;
        this.start = runStart;
        this.scoreSum = this.scored = 0;
      }
      this.end = t1;
      if (score !== undefined) { this.scoreSum += score; this.scored++; }
      if (!this.reported && this.end - this.start >= this.minDuration - 1e-9) {
        this.reported = true;
        this.emit(this.event('start'));
      }
      return;
    }
    this.close();
  }

  private event(phase: 'start' | 'end'): Omit<LiveEvent, 'input'> {
    return { type: this.type, phase, start: round(this.start), end: round(this.end), duration: round(this.end - this.start),
      ...(this.scored ? { score: round(this.scoreSum / this.scored) } : {}) };
  }

  /** Ends a run in progress (input gone, monitor stopped). */
  close(): void {
    if (this.active && this.reported) this.emit(this.event('end'));
    this.active = false;
    this.reported = false;
  }
}

/**
 * The freeze detector's streaming form, with the offline detector's bridging of keyframe
 * refreshes (src/detectors/freeze.ts): a one-frame step of at most `tolerance` after a
 * frozen stretch of `interval` is held, and becomes part of the freeze if the picture then
 * stays frozen for `interval` again.
 */
export class FreezeTracker {
  private readonly runs: RunTracker;
  private active = false;
  private tailStart = 0;
  private held: number | null = null; // time of a held refresh frame

  constructor(minDuration: number, private readonly tolerance: number, private readonly interval: number, emit: Emit) {
    this.runs = new RunTracker('freeze', minDuration, emit);
  }

  /** Frame [t0, t1): frozen against the reference or not; step = its MAFD against the frame before; refT = the frame before. */
  update(frozen: boolean, step: number, t0: number, t1: number, refT: number): void {
    if (frozen) {
      if (this.held !== null && t1 - this.held >= this.interval - 1e-9) this.held = null; // refresh confirmed
      if (!this.active) { this.active = true; this.tailStart = refT; }
      this.runs.update(true, t0, t1, refT);
      return;
    }
    const canHold = this.active && this.held === null && t0 - this.tailStart >= this.interval - 1e-9 && step <= this.tolerance;
    if (canHold) {
      this.held = t0;
      this.tailStart = t0;
      this.runs.update(true, t0, t1);
      return;
    }
    this.held = null;
    this.active = false;
    this.runs.update(false, t0, t1);
  }

  close(): void {
    this.runs.close();
    this.active = false;
    this.held = null;
  }
}
