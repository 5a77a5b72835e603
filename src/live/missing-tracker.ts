/**
 * audio_missing / video_missing on a live input: the watched track stops delivering while
 * the other track goes on. A file shows a missing track as a hole in its timeline; a live
 * input shows it as packets of the other track only, so the rule reads the packets of both
 * tracks as they are read (before back-pressure may drop them, and before the first video
 * keyframe: a track that is there but not yet decodable is not missing).
 *
 * The watched track is missing once the other track has delivered `minDuration` of media
 * (at least 0.25 s: shorter holes are timestamp jitter, as for files) since the watched
 * track's last packet arrived: phase start, with `start` where the watched track's media
 * stopped (the end of its last packet). Measuring the other track's progress since then,
 * not the two tracks' timestamps against each other, makes a constant offset between the
 * tracks in the multiplex (audio sent ahead of its picture) no defect. Phase end when the
 * watched track delivers new media again (`end` = that packet's time), or with the other
 * track's last media when the session ends (reconnection) or the input stops. Media from
 * just before the hole that arrives late (ending within 0.25 s of the start: an MPEG-TS
 * muxer holds a partial audio PES, and the demuxer the last video PES, until the track's
 * next packet) is no return: it moves the start to its end, which phase end carries.
 *
 * The input as a whole pausing is a `stall`, not a missing track: the other track's
 * progress counts from where its packets last flowed without a pause (of stallTimeout in
 * wall time, or a hole of more than 0.25 s in its timeline).
 *
 * Tracks: those the input analyses (its first decodable video stream, its first audio
 * stream) as found when it opens. A track the input declares but that never delivers is
 * missing from the session's first media of the other track on; a track the input does not
 * have is never missing (a radio stream has no video_missing, a silent feed without an audio
 * stream no audio_missing), and with one track only there is nothing to compare: its
 * stopping is a stall.
 *
 * Options: `minDuration` [0.5 s], as for files.
 * Output: { type: 'audio_missing' | 'video_missing', phase, start, end, duration }.
 */
import { MISSING_JITTER, missingDefaults, type MissingOptions } from '../detectors/missing.js';
import { event } from '../detectors/types.js';
import type { Emit } from './run-tracker.js';
import type { LiveTracker, TrackKind } from './trackers.js';

export class MissingTracker implements LiveTracker {
  private readonly type: string;
  private readonly threshold: number;
  /** Both tracks are analysed in this session. */
  private active = false;
  /** End of the watched track's media so far, and of the other track's (null: nothing yet this session). */
  private watchedUntil: number | null = null;
  private otherUntil: number | null = null;
  /** Where the other track's current run of packets (no pause, no hole) began. */
  private otherRun = 0;
  /** otherUntil when the watched track last delivered (null: not while the other was delivering). */
  private otherAtWatched: number | null = null;
  /** Start of the missing span reported (phase start sent), null when none. */
  private start: number | null = null;
  /** Media ending by this (its start when reported + 0.25 s) is held-back media, not a return. */
  private heldLimit = 0;

  constructor(private readonly track: TrackKind, options: MissingOptions | undefined, private readonly emit: Emit) {
    this.type = `${track}_missing`;
    this.threshold = Math.max(options?.minDuration ?? missingDefaults.minDuration, MISSING_JITTER);
  }

  session(tracks: Record<TrackKind, boolean>): void {
    this.end(this.otherUntil);
    this.active = tracks.audio && tracks.video;
    this.watchedUntil = this.otherUntil = this.otherAtWatched = null;
  }

  packet(track: TrackKind, t0: number, t1: number, resumed: boolean): void {
    if (!this.active) return;
    if (track === this.track) {
      if (this.start !== null && t1 <= this.heldLimit && !resumed) {
        // Media from just before the hole that the multiplexer (or the demuxer, waiting for
        // the next PES to end the last one) held back: the hole starts after it. Anything
        // later is a return, even if contiguous (a track delayed, not lost).
        this.watchedUntil = Math.max(this.watchedUntil ?? t1, t1);
        this.start = Math.max(this.start, this.watchedUntil);
        return;
      }
      this.end(t0);
      this.watchedUntil = resumed || this.watchedUntil === null ? t1 : Math.max(this.watchedUntil, t1);
      this.otherAtWatched = this.otherUntil;
      return;
    }
    if (this.otherUntil === null || resumed || t0 > this.otherUntil + MISSING_JITTER) this.otherRun = t0;
    this.otherUntil = resumed || this.otherUntil === null ? t1 : Math.max(this.otherUntil, t1);
    if (this.start !== null) return;
    // The other track's progress since the watched one last delivered, within its current run.
    const sinceWatched = this.otherAtWatched !== null && this.otherAtWatched >= this.otherRun;
    const since = sinceWatched ? this.otherAtWatched! : this.otherRun;
    if (this.otherUntil - since < this.threshold - 1e-9) return;
    this.start = sinceWatched ? this.watchedUntil! : Math.max(this.otherRun, this.watchedUntil ?? -Infinity);
    this.heldLimit = this.start + MISSING_JITTER;
    this.send('start', this.otherUntil);
  }

  close(): void {
    this.end(this.otherUntil);
  }

  /** Phase end of the span reported, at `at` (no earlier than its start). */
  private end(at: number | null): void {
    if (this.start === null) return;
    this.send('end', at ?? this.start);
    this.start = null;
  }

  private send(phase: 'start' | 'end', end: number) {
    const { type, ...e } = event(this.type, this.start!, Math.max(this.start!, end));
    this.emit({ type, phase, ...e });
  }
}
