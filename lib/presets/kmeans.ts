// k-means on plain float64 rows (the segmenter's data is small: thousands of rows, tens of
// columns), with k-means++ seeding and restarts as scikit-learn does, an optional explicit
// start (centroids from another clustering), and a silhouette (exact, or on a seeded sample).
import { seededRandom } from '../train/data.js';

export interface Points {
  data: Float64Array;
  n: number;
  d: number;
}

export interface Clustering {
  centroids: Float64Array;
  labels: Int32Array;
  inertia: number;
}

function dist2(p: Points, i: number, c: Float64Array, j: number): number {
  let s = 0;
  for (let t = 0; t < p.d; t++) {
    const diff = p.data[i * p.d + t] - c[j * p.d + t];
    s += diff * diff;
  }
  return s;
}

/** Nearest centroid of every point, and the sum of squared distances. */
export function assign(p: Points, centroids: Float64Array, k: number): { labels: Int32Array; inertia: number } {
  const labels = new Int32Array(p.n);
  let inertia = 0;
  for (let i = 0; i < p.n; i++) {
    let best = Infinity, arg = 0;
    for (let j = 0; j < k; j++) {
      const d = dist2(p, i, centroids, j);
      if (d < best) (best = d), (arg = j);
    }
    labels[i] = arg;
    inertia += best;
  }
  return { labels, inertia };
}

/** Mean of each cluster's points (an empty cluster takes the point farthest from its centroid). */
export function centroidsOf(p: Points, labels: Int32Array, k: number): Float64Array {
  const c = new Float64Array(k * p.d), counts = new Float64Array(k);
  for (let i = 0; i < p.n; i++) {
    counts[labels[i]]++;
    for (let t = 0; t < p.d; t++) c[labels[i] * p.d + t] += p.data[i * p.d + t];
  }
  for (let j = 0; j < k; j++) {
    if (counts[j]) for (let t = 0; t < p.d; t++) c[j * p.d + t] /= counts[j];
    else {
      const i = Math.floor((j * p.n) / k); // deterministic re-seed of an empty cluster
      for (let t = 0; t < p.d; t++) c[j * p.d + t] = p.data[i * p.d + t];
    }
  }
  return c;
}

function plusPlus(p: Points, k: number, random: () => number): Float64Array {
  const c = new Float64Array(k * p.d);
  const pick = (j: number, i: number) => c.set(p.data.subarray(i * p.d, (i + 1) * p.d), j * p.d);
  pick(0, Math.floor(random() * p.n));
  const best = new Float64Array(p.n).fill(Infinity);
  for (let j = 1; j < k; j++) {
    let total = 0;
    for (let i = 0; i < p.n; i++) total += best[i] = Math.min(best[i], dist2(p, i, c, j - 1));
    let r = random() * total, i = 0;
    while (i < p.n - 1 && (r -= best[i]) > 0) i++;
    pick(j, i);
  }
  return c;
}

/** Lloyd's iterations from `start` until assignments stop changing (or maxIter). */
export function lloyd(p: Points, start: Float64Array, k: number, maxIter = 300): Clustering {
  let centroids = start, { labels, inertia } = assign(p, centroids, k);
  for (let it = 0; it < maxIter; it++) {
    centroids = centroidsOf(p, labels, k);
    const next = assign(p, centroids, k);
    const changed = next.labels.some((l, i) => l !== labels[i]);
    ({ labels, inertia } = next);
    if (!changed) break;
  }
  return { centroids, labels, inertia };
}

/** The best (lowest inertia) of `restarts` k-means++ runs. */
export function kmeans(p: Points, k: number, opts: { restarts?: number; seed?: number } = {}): Clustering {
  if (!Number.isInteger(k) || k < 1 || k > p.n) throw new RangeError(`kmeans: k must be an integer from 1 to ${p.n}`);
  const random = seededRandom(opts.seed ?? 0);
  let best: Clustering | undefined;
  for (let r = 0; r < (opts.restarts ?? 10); r++) {
    const run = lloyd(p, plusPlus(p, k, random), k);
    if (!best || run.inertia < best.inertia) best = run;
  }
  return best!;
}

/**
 * Mean silhouette (euclidean) of `labels`, exact on all points up to `sample` (3000), else on
 * a seeded sample of that many (distances within the sample, as scikit-learn's sample_size):
 * O(sample^2 * d), so choosing k stays fast on big tables. -1 with fewer than two clusters.
 */
export function silhouetteOf(p: Points, labels: Int32Array, opts: { sample?: number; seed?: number } = {}): number {
  const m = Math.min(p.n, opts.sample ?? 3000);
  let rows = Array.from({ length: p.n }, (_, i) => i);
  if (m < p.n) {
    const random = seededRandom(opts.seed ?? 1);
    for (let i = p.n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [rows[i], rows[j]] = [rows[j], rows[i]];
    }
    rows = rows.slice(0, m);
  }
  const k = Math.max(...labels) + 1;
  const sizes = new Float64Array(k);
  for (const i of rows) sizes[labels[i]]++;
  if (sizes.filter((s) => s > 0).length < 2) return -1;
  let total = 0;
  const sums = new Float64Array(k);
  for (const i of rows) {
    sums.fill(0);
    for (const j of rows) {
      if (j === i) continue;
      let s = 0;
      for (let t = 0; t < p.d; t++) {
        const diff = p.data[i * p.d + t] - p.data[j * p.d + t];
        s += diff * diff;
      }
      sums[labels[j]] += Math.sqrt(s);
    }
    const own = labels[i];
    if (sizes[own] <= 1) continue; // a singleton's silhouette is 0
    const a = sums[own] / (sizes[own] - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && sizes[c] > 0) b = Math.min(b, sums[c] / sizes[c]);
    total += (b - a) / Math.max(a, b);
  }
  return total / rows.length;
}
