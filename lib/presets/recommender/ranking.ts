// Full-ranking helpers: top-k over every item, the rank of a held-out item, and the list
// measures (coverage, popularity bias). Ties go to the smaller item index (= smaller id), as in
// the project's baselines.

/** The k best item indices of `scores`, skipping `exclude`d ones, best first. */
export function topK(scores: ArrayLike<number>, k: number, exclude?: Uint8Array): number[] {
  const best: number[] = [];
  const better = (a: number, b: number) => scores[a] > scores[b] || (scores[a] === scores[b] && a < b);
  for (let i = 0; i < scores.length; i++) {
    if (exclude?.[i] || Number.isNaN(scores[i])) continue;
    if (best.length === k && !better(i, best[k - 1])) continue;
    let p = best.length === k ? k - 1 : best.length;
    if (best.length < k) best.push(i);
    while (p > 0 && better(i, best[p - 1])) {
      best[p] = best[p - 1];
      p--;
    }
    best[p] = i;
  }
  return best;
}

/** 0-based rank of `target` among the items not excluded (the target itself always competes). */
export function rankOf(scores: ArrayLike<number>, target: number, exclude?: Uint8Array): number {
  const t = scores[target];
  let rank = 0;
  for (let j = 0; j < scores.length; j++) {
    if (j === target || exclude?.[j]) continue;
    if (scores[j] > t || (scores[j] === t && j < target) || Number.isNaN(t)) rank++;
  }
  return rank;
}

/** A mask of a history's items, for excluding what a user has already seen. */
export function seenMask(history: ArrayLike<number>, size: number): Uint8Array {
  const m = new Uint8Array(size);
  for (let k = 0; k < history.length; k++) if (history[k] >= 0 && history[k] < size) m[history[k]] = 1;
  return m;
}

export interface ListStats {
  /** Share of the catalogue that appears in at least one list. */
  coverage: number;
  /** Mean training interactions of the recommended items. */
  averagePopularity: number;
  /** Mean popularity percentile of the recommended items (1 = the most popular item, 0.5 = median). */
  popularityBias: number;
}

/** Coverage and popularity bias of recommendation lists (item indices) against training counts. */
export function listStats(lists: number[][], counts: ArrayLike<number>): ListStats {
  const n = counts.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => counts[a] - counts[b] || a - b);
  const percentile = new Float64Array(n);
  order.forEach((item, r) => (percentile[item] = n > 1 ? r / (n - 1) : 1));
  const shown = new Set<number>();
  let pop = 0, pct = 0, total = 0;
  for (const list of lists)
    for (const i of list) {
      shown.add(i);
      pop += counts[i] ?? 0;
      pct += percentile[i] ?? 0;
      total++;
    }
  return { coverage: n ? shown.size / n : 0, averagePopularity: total ? pop / total : 0, popularityBias: total ? pct / total : 0 };
}

/** Mean and standard deviation (1 where there is no spread) of the first `n` values. */
export function meanSd(v: ArrayLike<number>, n = v.length): { m: number; s: number } {
  let m = 0, q = 0;
  for (let i = 0; i < n; i++) m += v[i];
  m /= n;
  for (let i = 0; i < n; i++) q += (v[i] - m) ** 2;
  return { m, s: Math.sqrt(q / n) || 1 };
}

/**
 * base + weight x side, the side scores standardized over the items and scaled to the base's
 * spread, so that a weight means the same whatever the scale of either model's scores.
 */
export function blendScores(base: Float32Array, side: Float32Array, weight: number): Float32Array {
  if (!weight) return base;
  const b = meanSd(base, side.length), f = meanSd(side);
  const out = Float32Array.from(base);
  for (let i = 0; i < side.length; i++) out[i] += (weight * b.s * (side[i] - f.m)) / f.s;
  return out;
}

/**
 * rankOf(blendScores(base, side, weight), target, exclude) for several weights in one pass
 * each, without building the blended arrays (validation tries many weights per user).
 */
export function blendedRanks(base: Float32Array, side: Float32Array, weights: number[], target: number, exclude: Uint8Array): number[] {
  const b = meanSd(base, side.length), f = meanSd(side);
  return weights.map((w) => {
    const c = (w * b.s) / f.s, t = base[target] + c * side[target];
    let rank = 0;
    for (let j = 0; j < side.length; j++) {
      if (j === target || exclude[j]) continue;
      const v = base[j] + c * side[j];
      if (v > t || (v === t && j < target)) rank++;
    }
    return rank;
  });
}

/** Cosine similarity of item i's vector to every item's. */
export function cosineRow(v: Float32Array, d: number, i: number): Float32Array {
  const n = v.length / d, out = new Float32Array(n);
  const norm = (j: number) => Math.sqrt(v.subarray(j * d, (j + 1) * d).reduce((a, x) => a + x * x, 0)) || 1;
  const ni = norm(i);
  for (let j = 0; j < n; j++) {
    let dot = 0;
    for (let c = 0; c < d; c++) dot += v[i * d + c] * v[j * d + c];
    out[j] = dot / (ni * norm(j));
  }
  return out;
}
