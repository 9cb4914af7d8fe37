// Classification metrics: accuracy, ROC AUC, log loss, precision/recall/F1.
import { type Values, sameLength, toArray } from './values.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * Share of correct predictions. `pred` is class scores [n, c] (argmax taken), class labels
 * [n], or probabilities [n] / [n, 1] for a binary task (thresholded at `threshold`).
 */
export function accuracy(pred: Values, target: Values, opts: { threshold?: number } = {}): number {
  const labels = toArray(target, 'accuracy', 'target');
  let predicted: Float64Array;
  if (pred instanceof Tensor && pred.ndim === 2 && pred.shape[1] > 1) {
    predicted = Float64Array.from(pred.argmax(1).dataSync());
  } else {
    const p = toArray(pred, 'accuracy', 'pred');
    const isProb = p.some((v) => v !== Math.round(v)) || opts.threshold !== undefined;
    predicted = isProb ? p.map((v) => (v >= (opts.threshold ?? 0.5) ? 1 : 0)) : p;
  }
  sameLength('accuracy', predicted, labels, 'pred', 'target');
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) hit++;
  return hit / labels.length;
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random
 * negative (ties count half). Labels are 1 (positive) and 0.
 */
export function rocAuc(scores: Values, labels: Values): number {
  const s = toArray(scores, 'rocAuc', 'scores'), y = toArray(labels, 'rocAuc', 'labels');
  sameLength('rocAuc', s, y, 'scores', 'labels');
  const order = Array.from(s.keys()).sort((a, b) => s[a] - s[b]);
  let pos = 0, rankSum = 0;
  for (let k = 0; k < order.length; ) {
    let e = k;
    while (e + 1 < order.length && s[order[e + 1]] === s[order[k]]) e++;
    const rank = (k + e) / 2 + 1; // average rank of the tie group
    for (let t = k; t <= e; t++) if (y[order[t]] === 1) {
      pos++;
      rankSum += rank;
    }
    k = e + 1;
  }
  const neg = y.length - pos;
  if (pos === 0 || neg === 0) throw new RangeError('rocAuc: needs both positive (1) and negative (0) labels');
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Mean negative log-likelihood of binary labels under probabilities p (clipped to [eps, 1 - eps]). */
export function logLoss(probs: Values, labels: Values, opts: { eps?: number } = {}): number {
  const p = toArray(probs, 'logLoss', 'probs'), y = toArray(labels, 'logLoss', 'labels');
  sameLength('logLoss', p, y, 'probs', 'labels');
  const eps = opts.eps ?? 1e-15;
  let total = 0;
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(1 - eps, Math.max(eps, p[i]));
    total -= y[i] * Math.log(q) + (1 - y[i]) * Math.log(1 - q);
  }
  return total / p.length;
}

export interface PrecisionRecallF1 {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/**
 * Precision, recall and F1. 'binary' (default) scores the `positive` class (1); 'macro'
 * averages per-class scores; 'micro' pools all decisions. Probabilities are thresholded.
 */
export function precisionRecallF1(
  pred: Values,
  target: Values,
  opts: { average?: 'binary' | 'macro' | 'micro'; positive?: number; threshold?: number } = {},
): PrecisionRecallF1 {
  let p: Float64Array;
  if (pred instanceof Tensor && pred.ndim === 2 && pred.shape[1] > 1) p = Float64Array.from(pred.argmax(1).dataSync());
  else {
    p = toArray(pred, 'precisionRecallF1', 'pred');
    if (p.some((v) => v !== Math.round(v)) || opts.threshold !== undefined) p = p.map((v) => (v >= (opts.threshold ?? 0.5) ? 1 : 0));
  }
  const y = toArray(target, 'precisionRecallF1', 'target');
  sameLength('precisionRecallF1', p, y, 'pred', 'target');
  const score = (c: number) => {
    let tp = 0, fp = 0, fn = 0, support = 0;
    for (let i = 0; i < y.length; i++) {
      if (y[i] === c) support++;
      if (p[i] === c && y[i] === c) tp++;
      else if (p[i] === c) fp++;
      else if (y[i] === c) fn++;
    }
    return { tp, fp, fn, support };
  };
  const prf = (tp: number, fp: number, fn: number, support: number): PrecisionRecallF1 => {
    const precision = tp + fp ? tp / (tp + fp) : 0, recall = tp + fn ? tp / (tp + fn) : 0;
    return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, support };
  };
  const average = opts.average ?? 'binary';
  if (average === 'binary') {
    const s = score(opts.positive ?? 1);
    return prf(s.tp, s.fp, s.fn, s.support);
  }
  const classes = [...new Set([...y, ...p])].sort((a, b) => a - b);
  const all = classes.map(score);
  if (average === 'micro') {
    const sum = (k: 'tp' | 'fp' | 'fn') => all.reduce((a, s) => a + s[k], 0);
    return prf(sum('tp'), sum('fp'), sum('fn'), y.length);
  }
  if (average !== 'macro') throw new TypeError(`precisionRecallF1: average must be 'binary', 'macro' or 'micro'`);
  const per = all.map((s) => prf(s.tp, s.fp, s.fn, s.support));
  const mean = (k: 'precision' | 'recall' | 'f1') => per.reduce((a, r) => a + r[k], 0) / per.length;
  return { precision: mean('precision'), recall: mean('recall'), f1: mean('f1'), support: y.length };
}
