// EASE (Steck 2019): a closed-form item-item model for interactions without order.
// B = I - P / diag(P) with P = (X^T X + lambda I)^-1, zero diagonal; scores = x B.
// The inverse is a recursive block (Schur complement) inversion whose work is all native
// matrix products, so it costs ~n^3 flops at GEMM speed; the item set is capped at the most
// interacted `maxItems` items (n^2 memory, n^3 time), rarer items rank below them by popularity.
import { noGrad } from '../../autograd/mode.js';
import { cat } from '../../ops/join.js';
import { matmul } from '../../ops/linalg.js';
import { slice, transpose } from '../../ops/shape.js';
import { eye, tensor } from '../../tensor/create.js';
import { Tensor, tidy } from '../../tensor/tensor.js';
import { keep } from '../../tensor/scope.js';

export interface EaseOptions {
  /** Ridge strength, or several to validate (default: defaultLambdas(), scaled to the data). */
  lambda?: number | number[];
  /** Items modelled, the most interacted first (default 3000): memory n^2, time n^3. */
  maxItems?: number;
  /**
   * Recency half-lives (in items) to validate when histories are ordered (default
   * RECENCY_GRID, roughly geometric: each costs one scoring pass, no refit):
   * a history item's weight halves every `halfLife` items back; 0 weighs all alike.
   */
  halfLife?: number | number[];
}

/** Half-lives validated by default: 0 (no recency) and 1..20 items, about 1.5x apart. */
export const RECENCY_GRID = [0, 1, 2, 3, 5, 8, 12, 20];

/** Inverts a symmetric positive-definite matrix [n, n] by 2x2 block recursion (Schur complement). */
export function invertSpd(a: Tensor): Tensor {
  const n = a.shape[0];
  if (n <= 64) return smallInverse(a);
  // Each level in its own scope: only its result outlives it (peak memory a few n^2).
  return tidy(() => {
    const h = n >> 1;
    const A = slice(slice(a, 0, 0, h), 1, 0, h), B = slice(slice(a, 0, 0, h), 1, h, n), D = slice(slice(a, 0, h, n), 1, h, n);
    const Ai = invertSpd(A.contiguous());
    const AiB = matmul(Ai, B); // [h, n-h]
    const S = D.sub(matmul(transpose(B, 0, 1), AiB));
    const Si = invertSpd(S.contiguous());
    const topRight = matmul(AiB, Si).neg(); // -Ai B Si
    const topLeft = Ai.sub(matmul(topRight, transpose(AiB, 0, 1))); // Ai + Ai B Si B^T Ai
    return cat([cat([topLeft, topRight], 1), cat([transpose(topRight, 0, 1), Si], 1)], 0);
  });
}

/** Gauss-Jordan in float64 for the recursion's leaves (SPD: no pivoting needed). */
function smallInverse(a: Tensor): Tensor {
  const n = a.shape[0];
  const m = Float64Array.from(a.contiguous().dataSync());
  for (let k = 0; k < n; k++) {
    const rk = k * n, inv = 1 / m[rk + k];
    m[rk + k] = 1;
    for (let j = 0; j < n; j++) m[rk + j] *= inv;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const ri = i * n, f = m[ri + k];
      if (f === 0) continue;
      m[ri + k] = 0;
      for (let j = 0; j < n; j++) m[ri + j] -= f * m[rk + j];
    }
  }
  return tensor(Float32Array.from(m), { shape: [n, n] });
}

/** The inverse was not accurate enough in float32 at this lambda (try a larger one). */
export class EaseAccuracyError extends RangeError {
  constructor(readonly lambda: number, readonly residual: number) {
    super(`EASE: lambda ${lambda} is too small for float32 on this data (inverse residual ${residual.toExponential(1)})`);
  }
}

/**
 * Default lambdas to validate: 3, 10 and 30 times the mean interaction count of the modelled
 * items (the diagonal of X^T X), so the ridge keeps its meaning as data grows; on MovieLens
 * that is ~[85, 280, 850], around the baselines' grid [100, 300, 1000].
 */
export function defaultLambdas(histories: Int32Array[], numItems: number, maxItems = 3000): number[] {
  const counts = new Float64Array(numItems);
  for (const h of histories) for (const i of h) counts[i]++;
  const top = Array.from(counts).sort((a, b) => b - a).slice(0, maxItems).filter((c) => c > 0);
  const mean = top.reduce((a, b) => a + b, 0) / Math.max(1, top.length);
  return [3, 10, 30].map((f) => Math.max(1, Math.round(f * mean)));
}

export class Ease {
  private constructor(
    /** Model item index -> global item index, most interacted first. */
    readonly vocab: Int32Array,
    /** [n, n] item-item weights (row: the item seen, column: the item scored). */
    readonly weights: Tensor,
    readonly lambda: number,
    readonly numItems: number,
    /** Global popularity (training counts), for the items outside `vocab`. */
    readonly counts: Float64Array,
  ) {}

  static fit(histories: Int32Array[], numItems: number, opts: EaseOptions & { lambda?: number } = {}): Ease {
    const lambda = opts.lambda ?? defaultLambdas(histories, numItems, opts.maxItems)[1], maxItems = opts.maxItems ?? 3000;
    const counts = new Float64Array(numItems);
    for (const h of histories) for (const i of h) counts[i]++;
    const order = Array.from(counts.keys()).filter((i) => counts[i] > 0).sort((a, b) => counts[b] - counts[a] || a - b);
    const vocab = Int32Array.from(order.slice(0, maxItems));
    const local = new Int32Array(numItems).fill(-1);
    vocab.forEach((g, l) => (local[g] = l));
    const n = vocab.length, users = histories.length;
    const weights = noGrad(() =>
      tidy(() => {
        // X^T X in blocks of users, so memory is n^2 + block x n however many users there are.
        // The big temporaries are native tensors, freed as each scope ends; JS arrays of this
        // size would wait for a garbage collection and pile up across the validated lambdas.
        let G: Tensor = eye(n).mul(lambda);
        const block = Math.max(1, Math.min(users, Math.floor(2_000_000 / Math.max(1, n))));
        const x = new Float32Array(block * n);
        for (let s = 0; s < users; s += block) {
          const part = histories.slice(s, s + block);
          x.fill(0);
          part.forEach((h, u) => h.forEach((i) => local[i] >= 0 && (x[u * n + local[i]] = 1)));
          const next = tidy(() => {
            const X = tensor(x.subarray(0, part.length * n), { shape: [part.length, n] });
            return keep(G.add(matmul(transpose(X, 0, 1), X)));
          });
          G.dispose();
          G = next;
        }
        const P = invertSpd(G);
        // The float32 recursion loses digits when lambda is small next to the Gram's largest
        // eigenvalues (users < items makes X^T X rank-deficient): check before trusting it.
        // A block of columns is enough to see a failed inverse, for a fraction of the memory.
        const residual = tidy(() => {
          const c = Math.min(n, 256);
          return eye(n, c).sub(matmul(G, slice(P, 1, 0, c))).abs().max().item();
        });
        G.dispose();
        if (!(residual < 1e-3)) {
          P.dispose();
          throw new EaseAccuracyError(lambda, residual);
        }
        // B[i][j] = -P[i][j] / P[j][j], with a zero diagonal.
        const I = eye(n);
        const B = P.div(P.mul(I).sum(0)).neg().mul(I.neg().add(1));
        P.dispose();
        return keep(B);
      }),
    );
    return new Ease(vocab, weights, lambda, numItems, counts);
  }

  /**
   * Scores [users.length, numItems] for histories (any item sequences). With `halfLife`, an
   * item's weight in the history halves every `halfLife` items back from the most recent.
   */
  score(histories: Int32Array[], halfLife = this.halfLife): Float32Array[] {
    const n = this.vocab.length, local = this.localIndex();
    const maxCount = Math.max(1, ...this.counts);
    const x = new Float32Array(histories.length * n);
    histories.forEach((h, u) =>
      h.forEach((i, p) => {
        if (i >= 0 && i < local.length && local[i] >= 0) x[u * n + local[i]] = halfLife ? 0.5 ** ((h.length - 1 - p) / halfLife) : 1;
      }),
    );
    const s = noGrad(() => tidy(() => matmul(tensor(x, { shape: [histories.length, n] }), this.weights).dataSync()));
    return histories.map((_, u) => {
      // Items outside the vocabulary: below every modelled score, ordered by popularity.
      let min = 0;
      for (let l = 0; l < n; l++) min = Math.min(min, s[u * n + l]);
      const out = new Float32Array(this.numItems);
      for (let i = 0; i < this.numItems; i++) out[i] = min - 2 + this.counts[i] / maxCount;
      for (let l = 0; l < n; l++) out[this.vocab[l]] = s[u * n + l];
      return out;
    });
  }

  /** Item-item similarity row of one item (its EASE weights), over all items. */
  similar(item: number): Float32Array {
    return this.score([Int32Array.of(item)])[0];
  }

  /** Recency half-life (items) used by score(); 0 = every history item counts the same. */
  halfLife = 0;

  private localCache?: Int32Array;
  private localIndex(): Int32Array {
    if (!this.localCache) {
      this.localCache = new Int32Array(this.numItems).fill(-1);
      this.vocab.forEach((g, l) => (this.localCache![g] = l));
    }
    return this.localCache;
  }

  toState(prefix: string): { tensors: Record<string, Tensor>; meta: Record<string, unknown> } {
    return {
      tensors: { [`${prefix}weights`]: this.weights, [`${prefix}vocab`]: tensor(this.vocab, { shape: [this.vocab.length] }) },
      meta: { lambda: this.lambda, numItems: this.numItems, halfLife: this.halfLife },
    };
  }

  static fromState(tensors: Record<string, Tensor>, prefix: string, meta: Record<string, unknown>, counts: Float64Array): Ease {
    const w = tensors[`${prefix}weights`], v = tensors[`${prefix}vocab`];
    if (!w || !v) throw new Error('Recommender: the file lacks the EASE weights');
    const e = new Ease(Int32Array.from(v.dataSync()), keep(w), Number(meta.lambda), Number(meta.numItems), counts);
    e.halfLife = Number(meta.halfLife ?? 0);
    return e;
  }

  dispose(): void {
    this.weights.dispose();
  }
}
