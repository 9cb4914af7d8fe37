// What evaluate() reports for a classifier, in the measures marketers use: for a yes/no
// target ROC AUC, lift by decile and capture rates (who to call first); for more classes
// accuracy, top-k accuracy, macro F1 and how well each class's score finds that class.
import { accuracy, logLoss, precisionRecallF1, rocAuc } from '../metrics/classification.js';
import { captureRate, liftTable, type LiftRow } from '../metrics/marketing.js';
import { multiclassLogLoss, perClassLift, topKAccuracy } from '../metrics/multiclass.js';

export interface ChurnReport {
  rows: number;
  positives: number;
  auc: number;
  logLoss: number;
  accuracy: number;
  /** Deciles of customers ranked by predicted probability. */
  lift: LiftRow[];
  /** Share of all positives among the top 5%, 10%, 20% and 30% of scores. */
  capture: Record<'top5' | 'top10' | 'top20' | 'top30', number>;
}

export interface ClassReport {
  class: string;
  /** Rows of this class in the data. */
  support: number;
  precision: number;
  recall: number;
  f1: number;
  /** Rate of the class among the 10% of rows scored most likely to be it, over its overall rate. */
  lift: number;
}

export interface MulticlassReport {
  rows: number;
  classes: string[];
  accuracy: number;
  logLoss: number;
  /** F1 averaged over the classes, each counting the same (rare offers as much as common ones). */
  macroF1: number;
  /** Share of rows whose class is among the `k` most probable. */
  topK: number;
  k: number;
  /** Per class: the top-decile lift of its probability (see ClassReport.lift). */
  perClassLift: Record<string, number>;
  perClass: ClassReport[];
}

/** The report of P(positive) scores against 0/1 labels. */
export function binaryReport(p: number[], y: number[]): ChurnReport {
  return {
    rows: y.length,
    positives: y.reduce((a, b) => a + b, 0),
    auc: rocAuc(p, y),
    logLoss: logLoss(p, y),
    accuracy: accuracy(p.map((v) => (v >= 0.5 ? 1 : 0)), y),
    lift: liftTable(p, y),
    capture: { top5: captureRate(p, y, 0.05), top10: captureRate(p, y, 0.1), top20: captureRate(p, y, 0.2), top30: captureRate(p, y, 0.3) },
  };
}

/** k of top-k accuracy by default: 3, or one less than the number of classes when there are fewer than 4. */
export function defaultTopK(classes: number): number {
  return Math.max(1, Math.min(3, classes - 1));
}

/** The report of per-class probabilities (class order) against class ids. */
export function multiclassReport(probs: number[][], y: number[], classes: string[], k = defaultTopK(classes.length)): MulticlassReport {
  if (!Number.isInteger(k) || k < 1 || k > classes.length) throw new RangeError(`evaluate: k must be an integer from 1 to ${classes.length}`);
  const predicted = probs.map((row) => row.reduce((best, v, j) => (v > row[best] ? j : best), 0));
  const lifts = perClassLift(probs, y);
  const perClass = classes.map((name, c) => {
    const r = precisionRecallF1(predicted.map((v) => (v === c ? 1 : 0)), y.map((v) => (v === c ? 1 : 0)));
    return { class: name, support: r.support, precision: r.precision, recall: r.recall, f1: r.f1, lift: lifts[c] };
  });
  return {
    rows: y.length,
    classes,
    accuracy: accuracy(predicted, y),
    logLoss: multiclassLogLoss(probs, y),
    macroF1: precisionRecallF1(predicted, y, { average: 'macro' }).f1,
    topK: topKAccuracy(probs, y, k),
    k,
    perClassLift: Object.fromEntries(classes.map((name, c) => [name, lifts[c]])),
    perClass,
  };
}
