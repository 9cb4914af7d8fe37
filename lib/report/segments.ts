// The report of a Segmenter, on the rows given: how big each segment is, how each segment's
// numeric means differ from everyone's (in standard deviations, so columns of any unit share
// one colour scale), and the labels over-represented in each segment (lift = the label's share
// in the segment over its share in all rows).
import type { Table } from '../data/table.js';
import { type NumberFormat, cellNumber } from '../data/number-format.js';
import { asLabel, isMissing } from '../data/values.js';
import type { Segmenter } from '../presets/segmenter.js';
import { type BuildOptions, type ChartPart, type Section, metricsTable } from './section.js';
import { r4 } from './render.js';
import { trainingSection } from './training.js';

export interface NumericProfile {
  column: string;
  overall: number;
  std: number;
  /** Per segment: its mean. */
  means: number[];
}

export function numericProfiles(table: Table, labels: number[], k: number, columns: { name: string; type: string; format?: NumberFormat }[]): NumericProfile[] {
  return columns.filter((c) => c.type === 'numeric' || c.type === 'boolean').map((c) => {
    const sums = new Float64Array(k), counts = new Float64Array(k);
    let s = 0, s2 = 0, n = 0;
    table.rows.forEach((r, i) => {
      const x = cellNumber(r[c.name], c.type === 'boolean' ? 'boolean' : 'numeric', c.format);
      if (x === undefined) return;
      sums[labels[i]] += x;
      counts[labels[i]]++;
      s += x;
      s2 += x * x;
      n++;
    });
    const overall = n ? s / n : NaN;
    return { column: c.name, overall, std: n ? Math.sqrt(Math.max(0, s2 / n - overall * overall)) : NaN, means: Array.from(sums, (v, j) => (counts[j] ? v / counts[j] : NaN)) };
  });
}

/** Per categorical column and segment: the labels with lift > 1, highest first (at most 3). */
export function categoricalLifts(table: Table, labels: number[], k: number, columns: { name: string; type: string }[]): { column: string; segment: number; label: string; lift: number; share: number }[] {
  const sizes = new Array(k).fill(0);
  for (const l of labels) sizes[l]++;
  return columns.filter((c) => c.type === 'categorical').flatMap((c) => {
    const overall = new Map<string, number>(), per = Array.from({ length: k }, () => new Map<string, number>());
    table.rows.forEach((r, i) => {
      const v = r[c.name], l = isMissing(v) ? '(missing)' : asLabel(v);
      overall.set(l, (overall.get(l) ?? 0) + 1);
      per[labels[i]].set(l, (per[labels[i]].get(l) ?? 0) + 1);
    });
    return per.flatMap((m, s) =>
      [...m.entries()]
        .map(([label, count]) => ({ column: c.name, segment: s, label, share: count / sizes[s], lift: count / sizes[s] / (overall.get(label)! / labels.length) }))
        .filter((d) => d.lift > 1 && sizes[d.segment] > 0)
        .sort((a, b) => b.lift - a.lift || (a.label < b.label ? -1 : 1))
        .slice(0, 3),
    );
  });
}

function sizesChart(sizes: number[]): ChartPart {
  const n = sizes.reduce((a, b) => a + b, 0) || 1;
  return {
    title: 'Segment sizes',
    caption: 'Rows of the data in each segment (0 = the largest in training).',
    spec: {
      width: Math.max(220, 40 * sizes.length), height: 220,
      data: { values: sizes.map((s, i) => ({ segment: String(i), rows: s, share: r4(s / n) })) },
      mark: { type: 'bar', color: '#4c78a8' },
      encoding: { x: { field: 'segment', type: 'ordinal', title: 'segment', axis: { labelAngle: 0 } }, y: { field: 'rows', type: 'quantitative', title: 'rows' }, tooltip: [{ field: 'share', format: '.1%' }] },
    },
  };
}

function profileChart(profiles: NumericProfile[], k: number): ChartPart {
  const values = profiles.flatMap((p) => p.means.map((m, s) => ({ column: p.column, segment: String(s), z: r4(p.std > 0 ? Math.max(-3, Math.min(3, (m - p.overall) / p.std)) : 0), mean: r4(m) })));
  return {
    title: 'Numeric profiles vs overall',
    caption: "Each segment's mean of each numeric column, minus the overall mean, in overall standard deviations (capped at ±3): red above average, blue below.",
    spec: {
      width: Math.max(200, 44 * k), height: Math.max(120, 22 * profiles.length),
      data: { values },
      encoding: { x: { field: 'segment', type: 'ordinal', title: 'segment', axis: { labelAngle: 0 } }, y: { field: 'column', type: 'nominal', title: null, axis: { labelLimit: 300 } } },
      layer: [
        { mark: 'rect', encoding: { color: { field: 'z', type: 'quantitative', title: 'std from mean', scale: { scheme: 'redblue', reverse: true, domain: [-2, 2], clamp: true } } } },
        ...(k * profiles.length <= 150 ? [{ mark: { type: 'text' as const, fontSize: 9 }, encoding: { text: { field: 'z', type: 'quantitative' as const, format: '+.1f' } } }] : []),
      ],
    },
  };
}

function liftChart(lifts: ReturnType<typeof categoricalLifts>): ChartPart {
  const top = [...lifts].sort((a, b) => b.lift - a.lift).slice(0, 30);
  return {
    title: 'Most over-represented labels',
    caption: "Labels far more common inside a segment than overall (lift 2 = twice as common); the 30 largest lifts.",
    spec: {
      width: 320, height: Math.max(120, 16 * top.length),
      data: { values: top.map((d) => ({ what: `seg ${d.segment}: ${d.column} = ${d.label}`, lift: r4(d.lift) })) },
      mark: { type: 'bar', color: '#f58518' },
      encoding: { y: { field: 'what', type: 'nominal', title: null, sort: '-x', axis: { labelLimit: 420 } }, x: { field: 'lift', type: 'quantitative', title: 'lift' } },
    },
  };
}

export async function segmentSections(model: Segmenter, table: Table, opts: BuildOptions): Promise<Section[]> {
  const report = await model.evaluate(table, { missing: opts.missing, onWarning: opts.onWarning });
  const labels = model.predict(table, { missing: opts.missing, onWarning: () => undefined });
  const k = report.sizes.length;
  const columns = model.inputSchema;
  const numeric = numericProfiles(table, labels, k, columns);
  const lifts = categoricalLifts(table, labels, k, columns);
  const charts = [sizesChart(report.sizes), ...(numeric.length ? [profileChart(numeric, k)] : []), ...(lifts.length ? [liftChart(lifts)] : [])];
  return [
    {
      title: 'Segments',
      intro: `${report.rows.toLocaleString('en-US')} rows in ${k} segments; mean silhouette ${Number.isFinite(report.silhouette) ? report.silhouette.toFixed(3) : '–'} (1 = tight, well-separated segments; near 0 = overlapping).`,
      charts,
      tables: [
        { title: 'Segment means', columns: ['segment', 'rows', 'share', ...numeric.map((p) => p.column)], rows: [...report.sizes.map((s, j): (string | number)[] => [j, s, s / Math.max(1, report.rows), ...numeric.map((p) => p.means[j])]), ['all', report.rows, 1, ...numeric.map((p) => p.overall)]] },
        ...(lifts.length ? [{ title: 'Over-represented labels (top 3 per column and segment)', columns: ['segment', 'column', 'label', 'share in segment', 'lift'], rows: lifts.map((d) => [d.segment, d.column, d.label, d.share, d.lift]) }] : []),
      ],
    },
    ...trainingSection(model, 'the autoencoder whose embedding seeds the segments'),
    { title: 'Numbers', charts: [], tables: [metricsTable({ rows: report.rows, silhouette: report.silhouette, segments: k })] },
  ];
}
