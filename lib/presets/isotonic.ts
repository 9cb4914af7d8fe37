// Isotonic calibration of predicted values (pool-adjacent-violators): the non-decreasing map
// from prediction to the mean actual value that fits out-of-fold predictions best in squared
// error. A ZILN head's mean, p * exp(mu + sigma^2 / 2), is biased wherever the lognormal is
// the wrong shape (bounded spend, bimodal tenure); a monotone map fixes the level without
// changing how customers are ranked.

export interface IsotonicMap {
  /** Block edges: predictions (increasing) and the calibrated value at each. */
  x: number[];
  y: number[];
}

/** Fits the map on (prediction, actual) pairs; blocks of fewer than `minBlock` rows are pooled with a neighbour. */
export function fitIsotonic(pred: number[], actual: number[], minBlock = 20): IsotonicMap {
  const order = pred.map((_, i) => i).sort((a, b) => pred[a] - pred[b]);
  // Each block: sum of actuals, count, and the mean prediction it covers.
  const blocks: { sy: number; sx: number; n: number }[] = [];
  for (const i of order) {
    blocks.push({ sy: actual[i], sx: pred[i], n: 1 });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1], a = blocks[blocks.length - 2];
      if (a.sy / a.n < b.sy / b.n && a.n >= minBlock) break;
      blocks.pop();
      a.sy += b.sy;
      a.sx += b.sx;
      a.n += b.n;
    }
  }
  return { x: blocks.map((b) => b.sx / b.n), y: blocks.map((b) => b.sy / b.n) };
}

/** The calibrated value of v: linear between block centres, flat beyond the ends. */
export function applyIsotonic(m: IsotonicMap, v: number): number {
  const { x, y } = m;
  if (!x.length) return v;
  if (v <= x[0]) return y[0];
  if (v >= x[x.length - 1]) return y[y.length - 1];
  let lo = 0, hi = x.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid] <= v) lo = mid;
    else hi = mid;
  }
  return x[hi] === x[lo] ? y[lo] : y[lo] + ((y[hi] - y[lo]) * (v - x[lo])) / (x[hi] - x[lo]);
}
