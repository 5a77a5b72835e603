/**
 * corruption on a live input: the file detector's rule (src/detectors/corruption.ts,
 * CorruptionRule) fed each decoded group's frames as they come, with the same evidence:
 * the decoder's damage flags, packets it refused, and the per-tile texture the input
 * computes for this tracker. Phase start comes once an event has lasted `minDuration` (with
 * the default 0: at its first damaged frame; pixel damage needs its tiles anomalous for 2
 * frames first, and starts where they turned anomalous); phase end once it is final: the
 * picture recovered (a clean keyframe, no anomalous tile, or `maxRecovery` passed) and
 * `mergeGap` went by without damage joining it, or the input stopped.
 *
 * A new session (reconnection) decodes afresh: an event in progress ends with the last
 * frame before it (recovery 'input-end'). A new session, or frames dropped unanalysed
 * before a group (back-pressure), restarts every tile's history, as a scene cut does.
 *
 * Options: those of the file detector. Output: as for files, plus `phase`; on phase start
 * `end`, `detail` and `score` are as far as the event has come, and `recovery` is null.
 */
import { CorruptionRule, type CorruptionFrame, type CorruptionOptions } from '../detectors/corruption.js';
import type { Emit } from './run-tracker.js';
import type { LiveTracker, VideoRows } from './trackers.js';

export class CorruptionTracker implements LiveTracker {
  readonly readsDamage = true;
  private readonly rule: CorruptionRule;
  /** Refused packets' times not yet placed on a frame (the first frame at or after each). */
  private refused: number[] = [];
  private started = false;
  private readonly frame: CorruptionFrame = { t0: 0, t1: 0, key: false, corrupt: false, refused: 0, texture: null, row: 0, restart: false };

  constructor(options: CorruptionOptions | undefined, emit: Emit) {
    this.rule = new CorruptionRule(options ?? {}, (phase, { type, ...e }) => emit({ type, phase, ...e }), true);
  }

  video(b: VideoRows): void {
    if (b.first) {
      if (this.started) this.rule.endInput();
      this.refused = [];
    }
    this.started = true;
    if (b.refused.length) this.refused.push(...b.refused);
    const f = this.frame;
    for (let i = 0; i < b.count; i++) {
      const t = b.t[i]!;
      f.refused = 0;
      if (this.refused.length) {
        const before = this.refused.length;
        this.refused = this.refused.filter((at) => at > t + 1e-6);
        f.refused = before - this.refused.length;
      }
      f.t0 = t;
      f.t1 = t + b.frameDuration;
      f.key = b.key[i] === 1;
      f.corrupt = b.corrupt[i] === 1;
      f.texture = b.texture;
      f.row = i;
      f.restart = i === 0 && (b.first || b.gap);
      this.rule.frame(f);
    }
  }

  close(): void {
    this.rule.finish();
    this.refused = [];
  }
}
