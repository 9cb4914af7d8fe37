// Charts of a yes/no score against 0/1 outcomes (ChurnModel, binary PropensityModel): the
// cumulative gains and decile lift a campaign is planned from, the calibration (are the
// probabilities right as probabilities?), the ROC curve, and the score distribution per class.
import { rocAuc } from '../metrics/classification.js';
import type { LiftRow } from '../metrics/marketing.js';
import type { ChartPart } from './section.js';
import { r4, thin } from './render.js';

const W = 300, H = 230;

/** Row indices ordered by score, highest first (ties by index, so charts are repeatable). */
function byScore(p: ArrayLike<number>): number[] {
  return Array.from({ length: p.length }, (_, i) => i).sort((a, b) => p[b] - p[a] || a - b);
}

/** Share of positives reached after contacting each share of customers, best scores first (101 points). */
export function gainsPoints(p: ArrayLike<number>, y: ArrayLike<number>, points = 101): { fraction: number; gain: number }[] {
  const order = byScore(p), n = order.length;
  const total = order.reduce((s, i) => s + y[i], 0) || 1;
  const cum = new Float64Array(n + 1);
  order.forEach((i, r) => (cum[r + 1] = cum[r] + y[i]));
  return Array.from({ length: points }, (_, j) => {
    const f = j / (points - 1);
    return { fraction: f, gain: cum[Math.round(f * n)] / total };
  });
}

export function gainsChart(p: ArrayLike<number>, y: ArrayLike<number>): ChartPart {
  const pts = gainsPoints(p, y);
  const rate = Array.from(y).reduce((a, b) => a + b, 0) / Math.max(1, y.length);
  const values = [
    ...pts.map((d) => ({ fraction: d.fraction, gain: r4(d.gain), curve: 'model' })),
    ...pts.map((d) => ({ fraction: d.fraction, gain: d.fraction, curve: 'random' })),
    ...pts.map((d) => ({ fraction: d.fraction, gain: r4(Math.min(1, d.fraction / Math.max(rate, 1e-12))), curve: 'perfect' })),
  ];
  return {
    title: 'Cumulative gains',
    caption: 'Share of all positives reached when contacting the given share of customers, highest scores first; the diagonal is random targeting.',
    spec: {
      width: W, height: H, data: { values },
      mark: { type: 'line', strokeWidth: 2 },
      encoding: {
        x: { field: 'fraction', type: 'quantitative', title: 'share contacted', axis: { format: '%' } },
        y: { field: 'gain', type: 'quantitative', title: 'share of positives reached', axis: { format: '%' } },
        color: { field: 'curve', type: 'nominal', title: null, scale: { domain: ['model', 'random', 'perfect'], range: ['#4c78a8', '#999', '#54a24b'] } },
        strokeDash: { field: 'curve', type: 'nominal', legend: null, scale: { domain: ['model', 'random', 'perfect'], range: [[1, 0], [4, 3], [2, 2]] } },
      },
    },
  };
}

export function liftChart(lift: LiftRow[]): ChartPart {
  const values = lift.map((d) => ({ decile: d.bin, lift: r4(d.lift), rate: r4(d.rate) }));
  return {
    title: 'Lift by decile',
    caption: "Each decile's positive rate over the overall rate (decile 1 = the 10% scored highest); 1 is no better than random.",
    spec: {
      width: W, height: H, data: { values },
      layer: [
        { mark: { type: 'bar', color: '#4c78a8' }, encoding: { x: { field: 'decile', type: 'ordinal', title: 'decile (1 = highest scores)', axis: { labelAngle: 0 } }, y: { field: 'lift', type: 'quantitative', title: 'lift' }, tooltip: [{ field: 'rate', title: 'positive rate' }] } },
        { data: { values: [{ one: 1 }] }, mark: { type: 'rule', color: '#e45756', strokeDash: [4, 3] }, encoding: { y: { field: 'one', type: 'quantitative' } } },
      ],
    },
  };
}

/** Equal-count bins of the scores: mean predicted probability and observed rate in each. */
export function calibrationBins(p: ArrayLike<number>, y: ArrayLike<number>, bins = 10): { predicted: number; observed: number; count: number }[] {
  const order = byScore(p).reverse(), n = order.length;
  const out: { predicted: number; observed: number; count: number }[] = [];
  for (let b = 0; b < bins; b++) {
    const lo = Math.floor((b * n) / bins), hi = Math.floor(((b + 1) * n) / bins);
    if (hi <= lo) continue;
    let sp = 0, sy = 0;
    for (let r = lo; r < hi; r++) (sp += p[order[r]]), (sy += y[order[r]]);
    out.push({ predicted: sp / (hi - lo), observed: sy / (hi - lo), count: hi - lo });
  }
  return out;
}

export function calibrationChart(p: ArrayLike<number>, y: ArrayLike<number>): ChartPart {
  const bins = calibrationBins(p, y);
  const top = Math.min(1, Math.max(0.05, ...bins.map((b) => Math.max(b.predicted, b.observed))) * 1.05);
  return {
    title: 'Calibration (reliability)',
    caption: 'Customers in ten equal-size groups by score: the mean predicted probability against the share that were positive. On the diagonal, a score of 0.3 means 30%.',
    spec: {
      width: W, height: H,
      layer: [
        { data: { values: [{ x: 0, y: 0 }, { x: top, y: top }] }, mark: { type: 'line', color: '#999', strokeDash: [4, 3] }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
        {
          data: { values: bins.map((b) => ({ predicted: r4(b.predicted), observed: r4(b.observed), count: b.count })) },
          mark: { type: 'line', point: { filled: true, size: 50 }, color: '#4c78a8' },
          encoding: {
            x: { field: 'predicted', type: 'quantitative', title: 'mean predicted probability', scale: { domain: [0, top] } },
            y: { field: 'observed', type: 'quantitative', title: 'observed positive rate', scale: { domain: [0, top] } },
          },
        },
      ],
    },
  };
}

/** (false positive rate, true positive rate) at every distinct threshold, thinned to `max` points. */
export function rocPoints(p: ArrayLike<number>, y: ArrayLike<number>, max = 200): { fpr: number; tpr: number }[] {
  const order = byScore(p);
  const pos = order.reduce((s, i) => s + y[i], 0), neg = order.length - pos;
  const pts = [{ fpr: 0, tpr: 0 }];
  let tp = 0, fp = 0;
  order.forEach((i, r) => {
    if (y[i]) tp++;
    else fp++;
    if (r === order.length - 1 || p[order[r + 1]] !== p[i]) pts.push({ fpr: neg ? fp / neg : 0, tpr: pos ? tp / pos : 0 });
  });
  return thin(pts, max);
}

export function rocChart(p: ArrayLike<number>, y: ArrayLike<number>): ChartPart {
  const auc = rocAuc(Array.from(p), Array.from(y));
  return {
    title: `ROC curve (AUC ${auc.toFixed(3)})`,
    caption: 'Share of positives found against share of negatives flagged, over every threshold; the diagonal is a coin flip (AUC 0.5).',
    spec: {
      width: W, height: H,
      layer: [
        { data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }, mark: { type: 'line', color: '#999', strokeDash: [4, 3] }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
        {
          data: { values: rocPoints(p, y).map((d) => ({ fpr: r4(d.fpr), tpr: r4(d.tpr) })) },
          mark: { type: 'line', color: '#4c78a8', strokeWidth: 2, interpolate: 'step-after' },
          encoding: { x: { field: 'fpr', type: 'quantitative', title: 'false positive rate' }, y: { field: 'tpr', type: 'quantitative', title: 'true positive rate' } },
        },
      ],
    },
  };
}

/** Share of each class's rows per score bin (20 bins over [0, 1]). */
export function scoreHistogram(p: ArrayLike<number>, y: ArrayLike<number>, labels: [string, string], bins = 20): { lo: number; hi: number; share: number; cls: string }[] {
  const counts = [new Float64Array(bins), new Float64Array(bins)], totals = [0, 0];
  for (let i = 0; i < p.length; i++) {
    const c = y[i] ? 1 : 0, b = Math.min(bins - 1, Math.max(0, Math.floor(p[i] * bins)));
    counts[c][b]++;
    totals[c]++;
  }
  return [0, 1].flatMap((c) => Array.from(counts[c], (v, b) => ({ lo: r4(b / bins)!, hi: r4((b + 1) / bins)!, share: r4(totals[c] ? v / totals[c] : 0)!, cls: labels[c] })));
}

export function scoreDistributionChart(p: ArrayLike<number>, y: ArrayLike<number>, labels: [string, string], target: string): ChartPart {
  return {
    title: 'Score distribution by outcome',
    caption: `Predicted probability of each '${target}' group, as a share of that group's rows: the less the two overlap, the better the model separates them.`,
    spec: {
      width: W, height: H, data: { values: scoreHistogram(p, y, labels) },
      mark: { type: 'bar', opacity: 0.6, orient: 'vertical' },
      encoding: {
        x: { field: 'lo', type: 'quantitative', title: 'predicted probability', scale: { domain: [0, 1] } },
        x2: { field: 'hi' },
        y: { field: 'share', type: 'quantitative', title: 'share of the group', stack: null, axis: { format: '%' } },
        color: { field: 'cls', type: 'nominal', title: target, scale: { domain: [labels[0], labels[1]], range: ['#4c78a8', '#f58518'] } },
      },
    },
  };
}
