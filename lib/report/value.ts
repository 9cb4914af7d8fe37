// The report of LifetimeValueModel: predicted against actual value per customer, the
// residuals, and decile calibration (customers in ten groups by predicted value: mean
// predicted beside mean actual), which is how a value model is used (who is worth the most).
// Values are skewed (most customers near zero, a few large), so the scatter uses symlog axes.
import type { LifetimeValueModel } from '../presets/lifetime-value.js';
import type { Table } from '../data/table.js';
import { type BuildOptions, type ChartPart, type Section, metricsTable } from './section.js';
import { r4, thin } from './render.js';
import { trainingSection } from './training.js';

const W = 300, H = 230, MAX_POINTS = 2000;

/** Ten equal-count groups by predicted value (1 = highest): mean predicted and mean actual. */
export function valueDeciles(pred: number[], actual: number[], bins = 10): { decile: number; rows: number; predicted: number; actual: number }[] {
  const order = pred.map((_, i) => i).sort((a, b) => pred[b] - pred[a] || a - b), n = order.length;
  const out = [];
  for (let b = 0; b < bins; b++) {
    const lo = Math.floor((b * n) / bins), hi = Math.floor(((b + 1) * n) / bins);
    if (hi <= lo) continue;
    let sp = 0, sa = 0;
    for (let r = lo; r < hi; r++) (sp += pred[order[r]]), (sa += actual[order[r]]);
    out.push({ decile: b + 1, rows: hi - lo, predicted: sp / (hi - lo), actual: sa / (hi - lo) });
  }
  return out;
}

function scatterChart(pred: number[], actual: number[]): ChartPart {
  // An even thinning over rows sorted by prediction keeps the shape of the cloud.
  const idx = thin(pred.map((_, i) => i).sort((a, b) => pred[a] - pred[b]), MAX_POINTS);
  const top = Math.max(1, ...pred, ...actual);
  // symlog is linear below `constant` and logarithmic above: a tenth of the median value keeps
  // the bulk of customers spread out whatever the currency unit.
  const sorted = [...actual].sort((a, b) => a - b), constant = Math.max(1e-6, Math.abs(sorted[Math.floor(sorted.length / 2)] ?? 1) / 10 || 1);
  const scale = { type: 'symlog' as const, constant };
  return {
    title: 'Predicted vs actual value',
    caption: `One dot per customer${pred.length > MAX_POINTS ? ` (${MAX_POINTS} of ${pred.length}, evenly spread over the predictions)` : ''}; symmetric-log axes. On the dashed diagonal the prediction was exact.`,
    spec: {
      width: W, height: H,
      layer: [
        { data: { values: [{ x: 0, y: 0 }, { x: top, y: top }] }, mark: { type: 'line', color: '#999', strokeDash: [4, 3] }, encoding: { x: { field: 'x', type: 'quantitative', scale }, y: { field: 'y', type: 'quantitative', scale } } },
        {
          data: { values: idx.map((i) => ({ predicted: r4(pred[i]), actual: r4(actual[i]) })) },
          mark: { type: 'circle', size: 14, opacity: 0.45, color: '#4c78a8' },
          encoding: {
            x: { field: 'predicted', type: 'quantitative', title: 'predicted value', scale },
            y: { field: 'actual', type: 'quantitative', title: 'actual value', scale },
          },
        },
      ],
    },
  };
}

function residualChart(pred: number[], actual: number[]): ChartPart {
  const res = actual.map((a, i) => a - pred[i]).sort((a, b) => a - b);
  // The middle 98% sets the range: one huge customer would squeeze every other bar into one.
  const lo = res[Math.floor(0.01 * (res.length - 1))], hi = res[Math.ceil(0.99 * (res.length - 1))];
  const bins = 30, width = (hi - lo) / bins || 1, counts = new Array(bins).fill(0);
  for (const r of res) counts[Math.min(bins - 1, Math.max(0, Math.floor((r - lo) / width)))]++;
  return {
    title: 'Residuals (actual − predicted)',
    caption: 'How far off the predictions were, in value units; the outer 1% on each side are counted in the end bars. Right of zero: the customer was worth more than predicted.',
    spec: {
      width: W, height: H,
      data: { values: counts.map((c, b) => ({ lo: r4(lo + b * width), hi: r4(lo + (b + 1) * width), customers: c })) },
      layer: [
        { mark: { type: 'bar', color: '#4c78a8', orient: 'vertical' }, encoding: { x: { field: 'lo', type: 'quantitative', title: 'residual' }, x2: { field: 'hi' }, y: { field: 'customers', type: 'quantitative', title: 'customers' } } },
        { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#e45756' }, encoding: { x: { field: 'zero', type: 'quantitative' } } },
      ],
    },
  };
}

function decileChart(deciles: ReturnType<typeof valueDeciles>): ChartPart {
  const values = deciles.flatMap((d) => [{ decile: d.decile, which: 'predicted', value: r4(d.predicted) }, { decile: d.decile, which: 'actual', value: r4(d.actual) }]);
  return {
    title: 'Decile calibration',
    caption: 'Customers in ten equal groups by predicted value (1 = highest): the mean predicted and the mean actual value of each group.',
    spec: {
      width: W, height: H, data: { values },
      mark: 'bar',
      encoding: {
        x: { field: 'decile', type: 'ordinal', title: 'decile (1 = highest predicted)', axis: { labelAngle: 0 } },
        xOffset: { field: 'which', sort: ['predicted', 'actual'] },
        y: { field: 'value', type: 'quantitative', title: 'mean value' },
        color: { field: 'which', type: 'nominal', title: null, sort: ['predicted', 'actual'], scale: { range: ['#4c78a8', '#f58518'] } },
      },
    },
  };
}

export async function valueSections(model: LifetimeValueModel, table: Table, opts: BuildOptions): Promise<Section[]> {
  const report = await model.evaluate(table, opts);
  const { pred, actual } = await model.predictedAndActual(table, { ...opts, onWarning: () => undefined });
  const deciles = valueDeciles(pred, actual);
  const sections: Section[] = [
    {
      title: 'Value',
      intro: `${report.rows.toLocaleString('en-US')} customers. Spearman ${report.spearman.toFixed(3)}, normalized Gini ${report.normalizedGini.toFixed(3)}, RMSE ${report.rmse.toFixed(2)}, MAE ${report.mae.toFixed(2)}.`,
      charts: [scatterChart(pred, actual), residualChart(pred, actual), decileChart(deciles)],
      tables: [{ title: 'Deciles by predicted value', columns: ['decile', 'customers', 'mean predicted', 'mean actual'], rows: deciles.map((d) => [d.decile, d.rows, d.predicted, d.actual]) }],
    },
    { title: 'Numbers', charts: [], tables: [metricsTable(report)] },
  ];
  sections.push(...trainingSection(model));
  return sections;
}
