// A max-heap of (count, key) pairs with lazy deletion, for the BPE trainer: each count change
// pushes a fresh entry, and a popped entry whose count is no longer current is skipped.
export class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  get size(): number {
    return this.counts.length;
  }

  push(count: number, key: number): void {
    const c = this.counts, k = this.keys;
    let i = c.length;
    c.push(count);
    k.push(key);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** The entry with the largest count (ties: the smaller key, so training is deterministic). */
  pop(): [number, number] | undefined {
    const c = this.counts, k = this.keys;
    if (!c.length) return undefined;
    const top: [number, number] = [c[0], k[0]];
    const lastC = c.pop()!, lastK = k.pop()!;
    if (c.length) {
      c[0] = lastC;
      k[0] = lastK;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < c.length && this.before(l, m)) m = l;
        if (r < c.length && this.before(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }

  private before(a: number, b: number): boolean {
    return this.counts[a] > this.counts[b] || (this.counts[a] === this.counts[b] && this.keys[a] < this.keys[b]);
  }

  private swap(a: number, b: number): void {
    [this.counts[a], this.counts[b]] = [this.counts[b], this.counts[a]];
    [this.keys[a], this.keys[b]] = [this.keys[b], this.keys[a]];
  }
}
