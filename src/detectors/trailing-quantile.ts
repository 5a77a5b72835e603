/**
 * A quantile of the values seen over the last `window` seconds, updated one value at a
 * time (a content baseline that follows scenes but not short defects). Values are kept
 * sorted; adding or dropping one is a binary search and a shift of the array.
 */
export class TrailingQuantile {
  private readonly sorted: number[] = [];
  private readonly order: Array<{ t: number; v: number }> = [];
  private head = 0; // order[head] is the oldest value still in the window

  constructor(private readonly window: number, private readonly q: number) {}

  get count(): number {
    return this.sorted.length;
  }

  /** Adds the value at time t and drops those older than t - window. */
  add(t: number, v: number): void {
    this.sorted.splice(this.lowerBound(v), 0, v);
    this.order.push({ t, v });
    while (this.head < this.order.length && this.order[this.head]!.t <= t - this.window) {
      this.sorted.splice(this.lowerBound(this.order[this.head]!.v), 1);
      this.head++;
    }
    // Compact now and then so the arrival list does not grow with the stream.
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }

  /** The lower q-quantile of the window (NaN when empty). */
  value(): number {
    const n = this.sorted.length;
    return n ? this.sorted[Math.floor(this.q * (n - 1))]! : NaN;
  }

  clear(): void {
    this.sorted.length = 0;
    this.order.length = 0;
    this.head = 0;
  }

  private lowerBound(v: number): number {
    let lo = 0, hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
