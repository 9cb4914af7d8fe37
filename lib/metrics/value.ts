// Customer-value measures beyond RMSE/MAE: how well predicted value ranks customers
// (Spearman, normalized Gini) and how well it is calibrated per decile (decile MAPE). These
// are the figures the ZILN paper (Wang et al. 2019) and most CLV work report, because a
// marketer acts on the ranking (whom to target) and on segment totals (what to budget).
import { type Values, sameLength, toArray } from './values.js';

/** Average ranks (1-based) of v; ties share the mean of their ranks. */
export function ranks(v: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: v.length }, (_, i) => i).sort((a, b) => v[a] - v[b]);
  const r = new Float64Array(v.length);
  for (let k = 0; k < order.length; ) {
    let e = k;
    while (e + 1 < order.length && v[order[e + 1]] === v[order[k]]) e++;
    for (let t = k; t <= e; t++) r[order[t]] = (k + e) / 2 + 1;
    k = e + 1;
  }
  return r;
}

function pearson(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) (ma += a[i]), (mb += b[i]);
  ma /= n;
  mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma, db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/**
 * Spearman rank correlation: the Pearson correlation of the average ranks of `pred` and
 * `target` (ties share ranks). 1 = same order, 0 = unrelated; 0 when either side is constant.
 */
export function spearman(pred: Values, target: Values): number {
  const p = toArray(pred, 'spearman', 'pred'), y = toArray(target, 'spearman', 'target');
  sameLength('spearman', p, y, 'pred', 'target');
  return pearson(ranks(p), ranks(y));
}

// Gini of `y` accumulated in the order of `key` (largest first, ties by index): the area
// between the cumulative share of y and the diagonal (Kaggle's definition).
function gini(key: Float64Array, y: Float64Array): number {
  const order = Array.from(key.keys()).sort((a, b) => key[b] - key[a] || a - b);
  const total = y.reduce((s, v) => s + v, 0);
  const n = y.length;
  let cum = 0, area = 0;
  for (let k = 0; k < n; k++) {
    cum += y[order[k]];
    area += cum / total - (k + 1) / n;
  }
  return area / n;
}

/**
 * Normalized Gini: the Gini coefficient of the actual values when customers are ordered by
 * predicted value, divided by the Gini of the perfect order (by actual value). 1 = the
 * prediction orders customers as well as knowing their value, 0 = no better than random.
 * Needs non-negative targets with a positive sum.
 */
export function normalizedGini(pred: Values, target: Values): number {
  const p = toArray(pred, 'normalizedGini', 'pred'), y = toArray(target, 'normalizedGini', 'target');
  sameLength('normalizedGini', p, y, 'pred', 'target');
  if (!(y.reduce((s, v) => s + v, 0) > 0)) throw new RangeError('normalizedGini: the targets must have a positive sum');
  const best = gini(y, y);
  return best > 0 ? gini(p, y) / best : 0;
}

/**
 * Decile MAPE: customers are sorted by predicted value and cut into `bins` (10) equal groups;
 * per group, |mean predicted - mean actual| / mean actual; the result is the mean over the
 * groups. It measures calibration where budgets are set (per segment), not per customer.
 * Groups whose actual mean is 0 have no relative error and are left out (NaN if all are).
 */
export function decileMape(pred: Values, target: Values, opts: { bins?: number } = {}): number {
  const p = toArray(pred, 'decileMape', 'pred'), y = toArray(target, 'decileMape', 'target');
  sameLength('decileMape', p, y, 'pred', 'target');
  const bins = opts.bins ?? 10;
  if (!Number.isInteger(bins) || bins < 1 || bins > p.length) throw new RangeError(`decileMape: bins must be an integer in 1..${p.length}`);
  const order = Array.from(p.keys()).sort((a, b) => p[b] - p[a] || a - b);
  let total = 0, used = 0;
  for (let b = 0; b < bins; b++) {
    const lo = Math.round((b * p.length) / bins), hi = Math.round(((b + 1) * p.length) / bins);
    let sp = 0, sy = 0;
    for (let k = lo; k < hi; k++) (sp += p[order[k]]), (sy += y[order[k]]);
    if (hi <= lo || sy === 0) continue;
    total += Math.abs(sp - sy) / Math.abs(sy);
    used++;
  }
  return used ? total / used : NaN;
}
