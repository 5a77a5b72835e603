/**
 * blockiness — visible compression blocking, sustained.
 *
 * A block codec starved of bits (MPEG-2, MPEG-4 part 2, H.264 with its deblocking filter
 * off, JPEG) reduces each 8x8 transform block towards its mean, and the picture shows steps
 * on the 8-pixel grid. The kernels measure per tile the mean luma gradient across the grid
 * against the mean gradient inside the blocks, (grid + 1) / (off + 1); the `blockTiles`
 * column is the geometric mean of that ratio over the tiles that have any gradient, so a
 * blocky flat half of the picture is not drowned by a textured half.
 *
 * The ratio also depends on the content (graphics and text on the grid raise it, a
 * deblocked encode sits below 1), so each frame is scored against the content's own
 * baseline: the lower quartile of log(blockTiles) over the trailing `baselineWindow`
 * seconds. A frame's score is 1 - baseline / blockTiles (0 at or below the baseline): the
 * share of its grid contrast the content did not have. Scores are smoothed by a centred
 * median of 7 frames; a frame is blocky when its smoothed score is at least `threshold`,
 * and runs of at least `minDuration` are reported. Flat pictures (no gradient anywhere)
 * score 0 and stay out of the baseline.
 *
 * The baseline only looks back, here and on live inputs alike: blocking from the first
 * frame, or lasting longer than about 3/4 of `baselineWindow`, becomes the baseline and is
 * not (or no longer) reported. A deblocked low-bitrate encode (H.264, HEVC) blurs rather
 * than blocks and does not fire; see README for the measured levels behind `threshold`.
 *
 * Options:
 *   threshold       smoothed per-frame score at which a frame is blocky, 0..1       [0.25]
 *                   (blockTiles 1.33x the baseline)
 *   minDuration     shortest blocking reported, seconds                            [1]
 *   baselineWindow  seconds of past frames the baseline is taken from              [20]
 * Output: { type: 'blockiness', start, end, duration, score, detail: { peakScore, baseline, blockTiles } }:
 * score = mean smoothed frame score over the span (0..1], peakScore its maximum, baseline the
 * content's blockTiles level when the span began, blockTiles the span's median.
 */
import { frameColumn } from '../native.js';
import { TrailingQuantile } from './trailing-quantile.js';
import { event, round, spans, type VideoSeries, type VqEvent } from './types.js';

export interface BlockinessOptions {
  threshold?: number;
  minDuration?: number;
  baselineWindow?: number;
}

export const blockinessDefaults = { threshold: 0.25, minDuration: 1, baselineWindow: 20 };

const QUANTILE = 0.25;
const MEDIAN_RADIUS = 3; // 7 frames
/**
 * A frame this different from the one before (whole-frame MAFD, 0-1) is a new picture: a
 * scene cut, a switch to black or to a slate. Its grid-aligned edges belong to new
 * content, so the baseline restarts there rather than scoring the new content against
 * the old (a cut to SMPTE bars, a black picture under a logo, each raised a 1 s
 * "blockiness" before), unless blocking is already under way.
 */
export const SCENE_CUT_MAFD = 0.1;

/** One frame [t0, t1) with its smoothed score, baseline and blockTiles value. */
export interface ScoredFrame {
  t0: number;
  t1: number;
  score: number;
  baseline: number;
  blockTiles: number;
}

/**
 * The per-frame scoring in streaming form (used offline and on live inputs): push frames
 * in time order, get them back scored, MEDIAN_RADIUS frames later (flush() at the end).
 */
export class BlockinessScorer {
  private readonly baseline: TrailingQuantile;
  private items: Array<ScoredFrame & { raw: number }> = [];
  private first = 0; // index of items[0]
  private next = 0;  // index of the next frame to hand back

  constructor(baselineWindow = blockinessDefaults.baselineWindow, private readonly threshold = blockinessDefaults.threshold) {
    this.baseline = new TrailingQuantile(baselineWindow, QUANTILE);
  }

  /** Whether the frames just before are blocky (the median of the last raw scores). */
  private blocky(): boolean {
    const last = this.items.slice(-(2 * MEDIAN_RADIUS + 1)).map((x) => x.raw).sort((a, b) => a - b);
    return last.length > 0 && last[last.length >> 1]! >= this.threshold;
  }

  /**
   * `cut`: the frame is a new picture (a scene cut). The baseline restarts from it unless
   * blocking is under way: a starved encoder stays starved across a cut.
   */
  push(t0: number, t1: number, blockTiles: number, cut = false): ScoredFrame[] {
    let raw = 0, base = NaN;
    if (cut && !this.blocky()) this.baseline.clear();
    if (Number.isFinite(blockTiles) && blockTiles > 0) {
      const v = Math.log(blockTiles);
      this.baseline.add(t0, v);
      base = this.baseline.value();
      raw = v > base ? 1 - Math.exp(base - v) : 0;
    }
    this.items.push({ t0, t1, score: raw, raw, baseline: Math.exp(base), blockTiles });
    const out: ScoredFrame[] = [];
    while (this.next + MEDIAN_RADIUS < this.first + this.items.length) out.push(this.finish(this.next++));
    this.trim();
    return out;
  }

  /** Hands back the frames still waiting for later ones. */
  flush(): ScoredFrame[] {
    const out: ScoredFrame[] = [];
    while (this.next < this.first + this.items.length) out.push(this.finish(this.next++));
    this.trim();
    return out;
  }

  /** Forgets everything (a new session of a live input: the content may have changed). */
  reset(): void {
    this.baseline.clear();
    this.items = [];
    this.first = this.next = 0;
  }

  private finish(i: number): ScoredFrame {
    const lo = Math.max(this.first, i - MEDIAN_RADIUS) - this.first;
    const hi = Math.min(this.first + this.items.length - 1, i + MEDIAN_RADIUS) - this.first;
    const near = this.items.slice(lo, hi + 1).map((x) => x.raw).sort((a, b) => a - b);
    const { t0, t1, baseline, blockTiles } = this.items[i - this.first]!;
    return { t0, t1, score: near[near.length >> 1]!, baseline, blockTiles };
  }

  private trim(): void {
    const drop = this.next - MEDIAN_RADIUS - this.first;
    if (drop > 0) {
      this.items.splice(0, drop);
      this.first += drop;
    }
  }
}

export function detectBlockiness(v: VideoSeries, options: BlockinessOptions = {}): VqEvent[] {
  const threshold = options.threshold ?? blockinessDefaults.threshold;
  const minDuration = options.minDuration ?? blockinessDefaults.minDuration;
  const n = v.t.length, c = v.columns, col = frameColumn('blockTiles'), step = frameColumn('mafdPrev'), fd = v.frameDuration || 0;
  const scorer = new BlockinessScorer(options.baselineWindow ?? blockinessDefaults.baselineWindow, threshold);
  const frames: ScoredFrame[] = [];
  for (let i = 0; i < n; i++) {
    // A frame lasts its nominal duration (until the next frame when that is unknown).
    const t1 = v.t[i]! + (fd || (i + 1 < n ? v.t[i + 1]! - v.t[i]! : 0));
    frames.push(...scorer.push(v.t[i]!, t1, v.rows[i * c + col]!, v.rows[i * c + step]! >= SCENE_CUT_MAFD));
  }
  frames.push(...scorer.flush());
  return spans(n, (i) => frames[i]!.score >= threshold, (i) => frames[i]!.t0, (j) => frames[j]!.t1, minDuration).map((s) => {
    const run = frames.slice(s.first, s.last + 1);
    const scores = run.map((f) => f.score);
    const levels = run.map((f) => f.blockTiles).sort((a, b) => a - b);
    return event('blockiness', s.start, s.end, {
      score: round(scores.reduce((a, b) => a + b, 0) / scores.length),
      detail: { peakScore: round(scores.reduce((a, b) => Math.max(a, b), 0)), baseline: round(run[0]!.baseline), blockTiles: round(levels[levels.length >> 1]!) },
    });
  });
}
