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
 * source and this machine drifting apart are not mistaken for lag on a 24/7 input. A track
 * whose timeline steps back (a source restarted without a pause, a splice) starts the meter
 * afresh: its offset jumps by the step, which is not lag, and the base's 1 ms a second
 * would take hours to absorb it (the input would drop packets all that time).
 */
/** A step back within one track larger than reordering (B-frames, PES interleave) can make, seconds. */
const STEP_BACK = 0.5;

interface Read {
  wall: number;
  off: number;
}

export class LagMeter {
  private base = Infinity;
  private lastWall = -1;
  /** The window's reads in order, from `head` (a queue compacted now and then). */
  private reads: Read[] = [];
  private head = 0;
  /** The window's reads with offsets increasing (a monotonic queue for the running minimum). */
  private readonly least: Read[] = [];
  /** The last read that left the window: it still counts. */
  private before: Read | null = null;
  /** Each track's latest media time. */
  private readonly latest = new Map<number, number>();
  /** Lag of the last read, seconds. */
  now = 0;
  /** Least lag over the window, seconds. */
  sustained = 0;
  /** Largest sustained lag so far. */
  max = 0;

  constructor(private readonly window = 4) {}

  /** A packet of `track` at `media` seconds read at `wall` seconds. */
  update(media: number, wall: number, track = 0): void {
    const last = this.latest.get(track);
    if (last !== undefined && media < last - STEP_BACK) this.reset();
    this.latest.set(track, Math.max(media, last ?? -Infinity));
    const read = { wall, off: wall - media };
    if (read.off < this.base) this.base = read.off;
    this.push(read);
    const least = Math.min(this.least[0]!.off, this.before?.off ?? Infinity);
    if (least > this.base && this.lastWall >= 0) this.base = Math.min(least, this.base + (wall - this.lastWall) * 1e-3);
    this.lastWall = wall;
    this.now = Math.max(0, read.off - this.base);
    this.sustained = Math.max(0, least - this.base);
    this.max = Math.max(this.max, this.sustained);
  }

  /** Adds a read to the window and lets out those older than it. */
  private push(read: Read): void {
    const q = this.least;
    while (q.length && q[q.length - 1]!.off >= read.off) q.pop();
    q.push(read);
    this.reads.push(read);
    while (this.reads[this.head]!.wall <= read.wall - this.window) {
      const out = this.reads[this.head++]!;
      this.before = out;
      if (q[0] === out) q.shift();
    }
    if (this.head > 1024 && this.head * 2 > this.reads.length) {
      this.reads = this.reads.slice(this.head);
      this.head = 0;
    }
  }

  /** Starts afresh: a new session, or packets flowing again after a stall (the source paused). */
  reset(): void {
    this.base = Infinity;
    this.lastWall = -1;
    this.reads = [];
    this.head = 0;
    this.least.length = 0;
    this.before = null;
    this.latest.clear();
    this.now = this.sustained = 0;
  }
}
