// Measures for a classifier with more than two classes, from per-class probabilities
// ([n, C] rows, in class order) and int class ids: top-k accuracy, log loss, and how well each
// class's score finds that class (the lift of its top decile, as a marketer targets one offer).
import { type Values, toArray, toRows } from './values.js';
import type { Tensor } from '../tensor/tensor.js';

type Probabilities = Tensor | ArrayLike<number>[];

function read(probs: Probabilities, labels: Values, metric: string): { p: Float64Array[]; y: Float64Array; c: number } {
  const p = toRows(probs, metric, 'probs'), y = toArray(labels, metric, 'labels');
  if (p.length !== y.length) throw new RangeError(`${metric}: probs has ${p.length} rows but labels has ${y.length} values`);
  if (!p.length) throw new RangeError(`${metric}: no values`);
  const c = p[0].length;
  y.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v >= c) throw new RangeError(`${metric}: label ${v} at row ${i} is not a class id in 0..${c - 1}`);
  });
  return { p, y, c };
}

/** Share of rows whose true class is among the k most probable (ties toward the smaller class id). */
export function topKAccuracy(probs: Probabilities, labels: Values, k: number): number {
  const { p, y, c } = read(probs, labels, 'topKAccuracy');
  if (!Number.isInteger(k) || k < 1 || k > c) throw new RangeError(`topKAccuracy: k must be an integer in 1..${c}`);
  let hits = 0;
  p.forEach((row, i) => {
    const t = y[i], v = row[t];
    let above = 0;
    for (let j = 0; j < c; j++) if (row[j] > v || (row[j] === v && j < t)) above++;
    if (above < k) hits++;
  });
  return hits / p.length;
}

/** Mean -log p(true class), probabilities clipped to [eps, 1]. */
export function multiclassLogLoss(probs: Probabilities, labels: Values, opts: { eps?: number } = {}): number {
  const { p, y } = read(probs, labels, 'multiclassLogLoss');
  const eps = opts.eps ?? 1e-15;
  let total = 0;
  p.forEach((row, i) => (total -= Math.log(Math.max(eps, row[y[i]]))));
  return total / p.length;
}

/**
 * For each class: the rate of that class among the `fraction` (default 10%) of rows scored most
 * likely to be it, over its overall rate. 0 for a class absent from the labels.
 */
export function perClassLift(probs: Probabilities, labels: Values, opts: { fraction?: number } = {}): number[] {
  const { p, y, c } = read(probs, labels, 'perClassLift');
  const fraction = opts.fraction ?? 0.1;
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError('perClassLift: fraction must be in (0, 1]');
  const top = Math.max(1, Math.round(fraction * p.length));
  return Array.from({ length: c }, (_, k) => {
    const base = y.reduce((a, v) => a + (v === k ? 1 : 0), 0) / y.length;
    if (!base) return 0;
    const order = Array.from(p.keys()).sort((a, b) => p[b][k] - p[a][k] || a - b);
    let hit = 0;
    for (let r = 0; r < top; r++) if (y[order[r]] === k) hit++;
    return hit / top / base;
  });
}
