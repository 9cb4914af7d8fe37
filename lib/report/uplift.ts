// The report of an UpliftModel on labelled campaign rows: the Qini and uplift-gain curves of
// its ranking against random targeting (lib/metrics/uplift.ts defines both, per row of the
// population), the observed uplift per decile of predicted uplift beside the predicted one,
// the distribution of predicted uplift, and evaluate()'s measures with their bootstrap
// intervals and the randomization balance check.
import { encodeOutcome, encodeTreatment } from '../data/treatment.js';
import { InputError } from '../data/errors.js';
import type { Table } from '../data/table.js';
import { upliftCurve } from '../metrics/uplift.js';
import type { UpliftModel } from '../presets/uplift/uplift-model.js';
import { type BuildOptions, type ChartPart, type Section } from './section.js';
import { r4 } from './render.js';
import { trainingSection } from './training.js';

const W = 300, H = 230;

function curveChart(fraction: number[], model: number[], random: number[], title: string, yTitle: string, caption: string): ChartPart {
  const values = [...fraction.map((f, i) => ({ fraction: f, value: r4(model[i]), curve: 'model' })), ...fraction.map((f, i) => ({ fraction: f, value: r4(random[i]), curve: 'random' }))];
  return {
    title, caption,
    spec: {
      width: W, height: H, data: { values },
      mark: { type: 'line', strokeWidth: 2 },
      encoding: {
        x: { field: 'fraction', type: 'quantitative', title: 'share targeted (highest predicted uplift first)', axis: { format: '%' } },
        y: { field: 'value', type: 'quantitative', title: yTitle },
        color: { field: 'curve', type: 'nominal', title: null, scale: { domain: ['model', 'random'], range: ['#4c78a8', '#999'] } },
        strokeDash: { field: 'curve', type: 'nominal', legend: null, scale: { domain: ['model', 'random'], range: [[1, 0], [4, 3]] } },
      },
    },
  };
}

/** Ten equal-count groups by predicted uplift (1 = highest): mean predicted and observed treated - control difference. */
export function upliftDeciles(s: ArrayLike<number>, t: ArrayLike<number>, y: ArrayLike<number>, bins = 10) {
  const order = Array.from({ length: s.length }, (_, i) => i).sort((a, b) => s[b] - s[a] || a - b), n = order.length;
  const out: { decile: number; rows: number; treated: number; predicted: number; observed: number | null }[] = [];
  for (let b = 0; b < bins; b++) {
    const lo = Math.floor((b * n) / bins), hi = Math.floor(((b + 1) * n) / bins);
    if (hi <= lo) continue;
    let sp = 0, nt = 0, yt = 0, yc = 0;
    for (let r = lo; r < hi; r++) {
      const i = order[r];
      sp += s[i];
      if (t[i]) (nt++, (yt += y[i]));
      else yc += y[i];
    }
    const nc = hi - lo - nt;
    out.push({ decile: b + 1, rows: hi - lo, treated: nt, predicted: sp / (hi - lo), observed: nt && nc ? yt / nt - yc / nc : null });
  }
  return out;
}

function decileChart(d: ReturnType<typeof upliftDeciles>): ChartPart {
  const values = d.flatMap((x) => [{ decile: x.decile, which: 'predicted', value: r4(x.predicted) }, { decile: x.decile, which: 'observed', value: x.observed === null ? null : r4(x.observed) }]);
  return {
    title: 'Uplift by decile',
    caption: 'Rows in ten equal groups by predicted uplift (1 = highest): the mean predicted uplift, and the observed one (treated minus control mean outcome in the group). A good model has observed uplift falling from left to right.',
    spec: {
      width: W, height: H, data: { values },
      layer: [
        {
          mark: 'bar',
          encoding: {
            x: { field: 'decile', type: 'ordinal', title: 'decile (1 = highest predicted uplift)', axis: { labelAngle: 0 } },
            xOffset: { field: 'which', sort: ['predicted', 'observed'] },
            y: { field: 'value', type: 'quantitative', title: 'uplift (outcome units)' },
            color: { field: 'which', type: 'nominal', title: null, sort: ['predicted', 'observed'], scale: { range: ['#4c78a8', '#f58518'] } },
          },
        },
        { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#666' }, encoding: { y: { field: 'zero', type: 'quantitative' } } },
      ],
    },
  };
}

function distributionChart(s: ArrayLike<number>): ChartPart {
  const v = Array.from(s).sort((a, b) => a - b);
  const lo = v[Math.floor(0.005 * (v.length - 1))], hi = v[Math.ceil(0.995 * (v.length - 1))];
  const bins = 30, width = (hi - lo) / bins || 1, counts = new Array(bins).fill(0);
  for (const x of v) counts[Math.min(bins - 1, Math.max(0, Math.floor((x - lo) / width)))]++;
  return {
    title: 'Predicted uplift distribution',
    caption: 'How many rows the model expects the campaign to move, and by how much; left of zero, contacting is expected to hurt (the outer 0.5% are in the end bars).',
    spec: {
      width: W, height: H,
      data: { values: counts.map((c, b) => ({ lo: r4(lo + b * width), hi: r4(lo + (b + 1) * width), rows: c })) },
      layer: [
        { mark: { type: 'bar', color: '#54a24b', orient: 'vertical' }, encoding: { x: { field: 'lo', type: 'quantitative', title: 'predicted uplift' }, x2: { field: 'hi' }, y: { field: 'rows', type: 'quantitative', title: 'rows' } } },
        { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#e45756' }, encoding: { x: { field: 'zero', type: 'quantitative' } } },
      ],
    },
  };
}

export async function upliftSections(model: UpliftModel, table: Table, opts: BuildOptions): Promise<Section[]> {
  for (const c of [model.treatment.name, model.outcome.name])
    if (!table.columns.includes(c) && !table.rows.some((r) => c in r)) throw new InputError(`report: the data has no '${c}' column; an uplift report needs the campaign's treatment and outcome columns`);
  const report = await model.evaluate(table, opts);
  const t = encodeTreatment(table, model.treatment), y = encodeOutcome(table, model.outcome);
  const s = model.predict(table, { missing: opts.missing, onWarning: () => undefined });
  const curve = upliftCurve(s, t, y);
  const deciles = upliftDeciles(s, t, y);
  const ci = report.ci, b = report.balance;
  const interval = (i: { low: number; high: number }) => [i.low, i.high];
  return [
    {
      title: 'Campaign uplift',
      intro: `${report.rows.toLocaleString('en-US')} rows: ${report.treated.toLocaleString('en-US')} treated, ${report.control.toLocaleString('en-US')} control. Average effect (treated minus control) ${report.ate.toFixed(4)}; uplift-curve area above random ${report.auuc.toFixed(4)}, Qini ${report.qini.toFixed(4)}, uplift in the top 30% ${report.upliftAt[30].toFixed(4)} (outcome units per row; docs/API.md defines each).`,
      charts: [
        curveChart(curve.fraction, curve.qini, curve.random, 'Qini curve', 'incremental outcomes per treated row', 'Incremental outcomes (treated minus scaled control) among the rows targeted first, per treated row of the population; dashed: random targeting. The area between them is the Qini coefficient.'),
        curveChart(curve.fraction, curve.upliftGain, curve.random, 'Uplift curve', 'uplift × share targeted', 'Uplift among the rows targeted first times the share targeted; dashed: random targeting. The area between them is the AUUC reported.'),
        decileChart(deciles),
        distributionChart(s),
      ],
      tables: [
        { title: 'Measures with bootstrap intervals', columns: ['measure', 'value', `${Math.round(100 * ci.level)}% low`, `${Math.round(100 * ci.level)}% high`],
          rows: [['average effect', report.ate, ...interval(ci.ate)], ['AUUC', report.auuc, ...interval(ci.auuc)], ['Qini', report.qini, ...interval(ci.qini)],
            ['uplift@10%', report.upliftAt[10], ...interval(ci.upliftAt[10])], ['uplift@20%', report.upliftAt[20], ...interval(ci.upliftAt[20])], ['uplift@30%', report.upliftAt[30], ...interval(ci.upliftAt[30])]],
          note: `${ci.samples} resamples of the rows within each arm.` },
        { title: 'Deciles by predicted uplift', columns: ['decile', 'rows', 'treated', 'mean predicted', 'observed uplift'], rows: deciles.map((d) => [d.decile, d.rows, d.treated, d.predicted, d.observed]) },
        { title: 'Randomization balance', columns: ['treated share', 'largest std. mean difference', 'in column', 'imbalanced columns'],
          rows: [[b.treatedShare, b.maxStdDiff, b.worstColumn || '–', b.imbalanced.length ? b.imbalanced.join(', ') : 'none']],
          note: 'Treated and control rows should look alike in every column; a column is flagged when its arms differ materially (|SMD| > 0.1) and beyond chance.' },
      ],
    },
    ...trainingSection(model, `${model.chosen === 'blend' ? 'the blended learners' : model.chosen}, one per fold and arm`),
  ];
}

