// Item-to-next-item transitions of ordered histories: how often item j follows item i within
// `window` positions (a pair d steps apart weighs decay^(d-1)), in compressed rows per i. A
// history's transition score of j sums, over its last `window` items (the most recent
// weighing most, halving every `halfLife` items back), the row of each item scaled by
// 1/sqrt(its total) so that hubs do not swamp the list. Blended beside the chosen model at a
// validated weight it carries what happens next, which an order-free model like EASE cannot.

export interface TransitionOptions {
  window: number;
  halfLife: number;
  /** Weight beside the model's scores (see blendScores); 0 = not used. */
  weight: number;
}

/** Transition settings validated by default (with weights 0 to 6). */
export const TRANSITION_GRID: Omit<TransitionOptions, 'weight'>[] = [
  { window: 5, halfLife: 2 },
  { window: 10, halfLife: 3 },
  { window: 20, halfLife: 6 },
];
export const TRANSITION_WEIGHTS = [0, 0.4, 0.8, 1.5, 3, 6];

const DECAY = 0.8;
/** Pairs kept at most (8 bytes each: 64 MB; validation holds one model per grid setting); the window shrinks on long logs. */
const MAX_PAIRS = 8_000_000;

export class Transitions {
  private readonly offsets: Int32Array;
  private readonly targets: Int32Array;
  private readonly weights: Float32Array;
  private readonly norm: Float32Array;
  readonly window: number;

  constructor(histories: Int32Array[], readonly numItems: number, readonly opts: TransitionOptions) {
    const total = histories.reduce((a, h) => a + h.length, 0);
    this.window = Math.max(1, Math.min(opts.window, Math.floor(MAX_PAIRS / Math.max(1, total))));
    const w = this.window;
    const degree = new Int32Array(numItems + 1);
    for (const h of histories) for (let a = 0; a < h.length; a++) degree[h[a] + 1] += Math.min(w, h.length - 1 - a);
    for (let i = 0; i < numItems; i++) degree[i + 1] += degree[i];
    this.offsets = degree;
    this.targets = new Int32Array(degree[numItems]);
    this.weights = new Float32Array(degree[numItems]);
    const fill = degree.slice(0, numItems);
    const sums = new Float64Array(numItems);
    for (const h of histories)
      for (let a = 0; a < h.length; a++)
        for (let d = 1; d <= w && a + d < h.length; d++) {
          const k = fill[h[a]]++, v = DECAY ** (d - 1);
          this.targets[k] = h[a + d];
          this.weights[k] = v;
          sums[h[a]] += v;
        }
    this.norm = Float32Array.from(sums, (s) => (s > 0 ? 1 / Math.sqrt(s) : 0));
  }

  get weight(): number {
    return this.opts.weight;
  }

  /** Transition scores of every item after a history (item indices, oldest first). */
  score(history: ArrayLike<number>): Float32Array {
    const s = new Float32Array(this.numItems), n = history.length;
    for (let p = Math.max(0, n - this.window); p < n; p++) {
      const i = history[p];
      if (i < 0 || i >= this.numItems) continue;
      const f = 0.5 ** ((n - 1 - p) / this.opts.halfLife) * this.norm[i];
      for (let k = this.offsets[i]; k < this.offsets[i + 1]; k++) s[this.targets[k]] += f * this.weights[k];
    }
    return s;
  }
}
