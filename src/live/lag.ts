/**
 * How far a live input's processing has fallen behind real time.
 *
 * Each packet read gives an offset, wall clock minus media time. Processing that keeps up
 * holds it steady; processing slower than the input makes it grow by (1 - speed) seconds a
 * second. Lag is the offset above its least value (the base). Sources deliver in bursts (an
 * HLS segment of several seconds arrives at once, its first packet "late" by the segment's
 * length), so the lag that counts is `sustained`: the least lag over the last `window`
 * seconds of reads, where the last read before that window still counts — a burst that is
 * worked through within the window is not lag. A machine that is outrun shows it at most
 * `window` seconds late. The base may creep up 1 ms a second, so that the clocks of the
 * source and this machine drifting apart are not mistaken for lag on a 24/7 input.
 */
export class LagMeter {
  private base = Infinity;
  private lastWall = -1;
  /** Reads of the window, offsets increasing (a monotonic queue for the running minimum). */
  private readonly reads: Array<{ wall: number; off: number }> = [];
  /** Lag of the last read, seconds. */
  now = 0;
  /** Least lag over the window, seconds. */
  sustained = 0;
  /** Largest sustained lag so far. */
  max = 0;

  constructor(private readonly window = 4) {}

  /** A packet at `media` seconds read at `wall` seconds. */
  update(media: number, wall: number): void {
    const off = wall - media;
    if (off < this.base) this.base = off;
    const r = this.reads;
    while (r.length && r[r.length - 1]!.off >= off) r.pop();
    r.push({ wall, off });
    while (r.length > 1 && r[1]!.wall <= wall - this.window) r.shift();
    const least = r[0]!.off;
    if (least > this.base && this.lastWall >= 0) this.base = Math.min(least, this.base + (wall - this.lastWall) * 1e-3);
    this.lastWall = wall;
    this.now = Math.max(0, off - this.base);
    this.sustained = Math.max(0, least - this.base);
    this.max = Math.max(this.max, this.sustained);
  }

  /** Starts afresh: a new session, or packets flowing again after a stall (the source paused). */
  reset(): void {
    this.base = Infinity;
    this.lastWall = -1;
    this.reads.length = 0;
    this.now = this.sustained = 0;
  }
}
