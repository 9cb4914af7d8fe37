// The measures marketers use: lift/gains tables, ranking quality, cluster separation.
import { noGrad } from '../autograd/mode.js';
import { matmul } from '../ops/linalg.js';
import { square } from '../ops/math.js';
import { sum } from '../ops/reduce.js';
import { slice, transpose } from '../ops/shape.js';
import { Tensor, tidy } from '../tensor/tensor.js';
import { type Values, sameLength, toArray, toRows } from './values.js';

export interface LiftRow {
  /** 1 = the highest-scored tenth (or bin). */
  bin: number;
  count: number;
  positives: number;
  rate: number;
  /** rate / overall positive rate. */
  lift: number;
  /** Share of all positives captured by this bin and the ones above it. */
  cumulativeGain: number;
  cumulativeLift: number;
}

/** Decile (or `bins`) lift and cumulative gains of scores against 0/1 labels. */
export function liftTable(scores: Values, labels: Values, opts: { bins?: number } = {}): LiftRow[] {
  const s = toArray(scores, 'liftTable', 'scores'), y = toArray(labels, 'liftTable', 'labels');
  sameLength('liftTable', s, y, 'scores', 'labels');
  const bins = opts.bins ?? 10;
  if (!Number.isInteger(bins) || bins < 1 || bins > s.length) throw new RangeError(`liftTable: bins must be an integer in 1..${s.length}`);
  const order = Array.from(s.keys()).sort((a, b) => s[b] - s[a] || a - b);
  const total = y.reduce((a, v) => a + v, 0);
  const base = total / y.length;
  const rows: LiftRow[] = [];
  let cumPos = 0, cumCount = 0;
  for (let b = 0; b < bins; b++) {
    // Rounded like captureRate's cut-off, so the first decile holds exactly the "top 10%".
    const lo = Math.round((b * order.length) / bins), hi = Math.round(((b + 1) * order.length) / bins);
    let pos = 0;
    for (let k = lo; k < hi; k++) pos += y[order[k]];
    cumPos += pos;
    cumCount += hi - lo;
    const rate = hi > lo ? pos / (hi - lo) : 0;
    rows.push({
      bin: b + 1, count: hi - lo, positives: pos, rate, lift: base ? rate / base : 0,
      cumulativeGain: total ? cumPos / total : 0, cumulativeLift: base && cumCount ? cumPos / cumCount / base : 0,
    });
  }
  return rows;
}

/** Share of positives captured in the top `fraction` of scores (e.g. 0.1 for the top 10%). */
export function captureRate(scores: Values, labels: Values, fraction: number): number {
  const s = toArray(scores, 'captureRate', 'scores'), y = toArray(labels, 'captureRate', 'labels');
  sameLength('captureRate', s, y, 'scores', 'labels');
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError('captureRate: fraction must be in (0, 1]');
  const order = Array.from(s.keys()).sort((a, b) => s[b] - s[a] || a - b);
  const top = Math.round(fraction * s.length);
  const total = y.reduce((a, v) => a + v, 0);
  let hit = 0;
  for (let k = 0; k < top; k++) hit += y[order[k]];
  return total ? hit / total : 0;
}

// Rank of the target among a row's scores (0 = best); ties broken toward the smaller index,
// as in the project's baselines.
function rankOf(row: Float64Array, target: number, exclude?: Set<number>): number {
  const t = row[target];
  let rank = 0;
  for (let j = 0; j < row.length; j++) {
    if (j === target || exclude?.has(j)) continue;
    if (row[j] > t || (row[j] === t && j < target)) rank++;
  }
  return rank;
}

/**
 * Share of users whose held-out item ranks in their top k. scores: [users, items]; targets:
 * the held-out item index per user; exclude: items to skip per user (already seen).
 */
export function hitRateAtK(scores: Tensor | ArrayLike<number>[], targets: Values, k: number, opts: { exclude?: Iterable<number>[] } = {}): number {
  const rows = toRows(scores, 'hitRateAtK', 'scores'), t = toArray(targets, 'hitRateAtK', 'targets');
  if (rows.length !== t.length) throw new RangeError(`hitRateAtK: ${rows.length} score rows but ${t.length} targets`);
  let hits = 0;
  rows.forEach((r, u) => {
    if (rankOf(r, t[u], opts.exclude?.[u] ? new Set(opts.exclude[u]) : undefined) < k) hits++;
  });
  return hits / rows.length;
}

/** Mean NDCG@k with one relevant item per user: 1 / log2(rank + 2) when it is in the top k. */
export function ndcgAtK(scores: Tensor | ArrayLike<number>[], targets: Values, k: number, opts: { exclude?: Iterable<number>[] } = {}): number {
  const rows = toRows(scores, 'ndcgAtK', 'scores'), t = toArray(targets, 'ndcgAtK', 'targets');
  if (rows.length !== t.length) throw new RangeError(`ndcgAtK: ${rows.length} score rows but ${t.length} targets`);
  let total = 0;
  rows.forEach((r, u) => {
    const rank = rankOf(r, t[u], opts.exclude?.[u] ? new Set(opts.exclude[u]) : undefined);
    if (rank < k) total += 1 / Math.log2(rank + 2);
  });
  return total / rows.length;
}

/**
 * Mean silhouette coefficient (euclidean) of points x [n, d] in clusters `labels`: for each
 * point (b - a) / max(a, b) with a its mean distance within its cluster and b to the nearest
 * other cluster. Distances come from one native matrix product per block of rows.
 */
export function silhouette(x: Tensor, labels: Values): number {
  if (!(x instanceof Tensor) || x.ndim !== 2) throw new TypeError('silhouette: expected x as a [n, d] Tensor');
  const y = toArray(labels, 'silhouette', 'labels');
  const n = x.shape[0];
  if (y.length !== n) throw new RangeError(`silhouette: ${n} points but ${y.length} labels`);
  const clusters = [...new Set(y)];
  if (clusters.length < 2) throw new RangeError('silhouette: needs at least two clusters');
  const index = new Map(clusters.map((c, i) => [c, i]));
  const sizes = new Float64Array(clusters.length);
  for (const v of y) sizes[index.get(v)!]++;
  // Read-only arithmetic on the caller's tensor: no graph, and every intermediate freed here.
  const norms = noGrad(() => tidy(() => sum(square(x), 1).dataSync()));
  let total = 0;
  const block = Math.max(1, Math.floor(4_000_000 / n));
  for (let r0 = 0; r0 < n; r0 += block) {
    const r1 = Math.min(n, r0 + block);
    const dots = noGrad(() => tidy(() => matmul(slice(x, 0, r0, r1), transpose(x, 0, 1)).dataSync()));
    for (let i = r0; i < r1; i++) {
      const sums = new Float64Array(clusters.length);
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const d2 = norms[i] + norms[j] - 2 * dots[(i - r0) * n + j];
        sums[index.get(y[j])!] += Math.sqrt(Math.max(0, d2));
      }
      const own = index.get(y[i])!;
      if (sizes[own] <= 1) continue; // a singleton's silhouette is 0
      const a = sums[own] / (sizes[own] - 1);
      let b = Infinity;
      for (let c = 0; c < clusters.length; c++) if (c !== own) b = Math.min(b, sums[c] / sizes[c]);
      total += (b - a) / Math.max(a, b);
    }
  }
  return total / n;
}
