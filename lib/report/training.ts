// Training curves from the history a preset saves (lib/presets/training-history.ts): the
// training and validation loss of each network per epoch, and each validation measure the
// early stopping watched. Overfitting shows as a validation loss that turns up while the
// training loss keeps falling; the last epochs of each line are the patience window.
import type { History } from '../train/fit.js';
import { type NetworkHistory, networkHistory } from '../presets/training-history.js';
import type { ChartPart, Section } from './section.js';
import { type ChartSpec, r4, renderSvg } from './render.js';

const NAMES: Record<string, string> = { loss: 'training loss', valLoss: 'validation loss', valAuc: 'validation ROC AUC', valLogLoss: 'validation log loss', valAccuracy: 'validation accuracy', valRmse: 'validation RMSE', valMae: 'validation MAE' };
const label = (name: string) => NAMES[name] ?? name;

/** The saved curves of a preset (churn, propensity, ltv, uplift and segments models record them), or undefined. */
export function presetHistory(model: unknown): NetworkHistory[] | undefined {
  const h = (model as { validation?: { history?: unknown } })?.validation?.history;
  return Array.isArray(h) && h.length && h.every((n) => n && typeof n === 'object' && (n as NetworkHistory).series) ? (h as NetworkHistory[]) : undefined;
}

/** The report's 'Training' section from the model's saved curves (none for files saved before them); `what` names the networks. */
export function trainingSection(model: unknown, what?: string): Section[] {
  const history = presetHistory(model);
  if (!history) return [];
  const networks = `${history.length} network${history.length === 1 ? '' : 's'}${what ? ` (${what})` : ''}`;
  return [{ title: 'Training', intro: `${networks}, epochs ${history.map((h) => h.epochs).join('/')}.`, charts: trainingCharts(history), tables: [] }];
}

function lossSpec(history: NetworkHistory[], width: number, height: number): ChartSpec {
  const values = history.flatMap((h, n) =>
    ['loss', 'valLoss'].flatMap((name) => (h.series[name] ?? []).map((v, e) => ({ epoch: e + 1, value: v === null ? null : r4(v), network: `net ${n + 1}`, series: label(name) }))),
  );
  return {
    width, height, data: { values },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
      y: { field: 'value', type: 'quantitative', title: 'loss', scale: { zero: false } },
      color: { field: 'network', type: 'nominal', title: 'network' },
      strokeDash: { field: 'series', type: 'nominal', title: null, scale: { domain: [label('loss'), label('valLoss')], range: [[1, 0], [5, 3]] } },
      detail: [{ field: 'network' }, { field: 'series' }],
    },
  } as ChartSpec;
}

function metricSpec(history: NetworkHistory[], name: string, width: number, height: number): ChartSpec {
  const values = history.flatMap((h, n) => (h.series[name] ?? []).map((v, e) => ({ epoch: e + 1, value: v === null ? null : r4(v), network: `net ${n + 1}` })));
  return {
    width, height, data: { values },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
      y: { field: 'value', type: 'quantitative', title: label(name), scale: { zero: false } },
      color: { field: 'network', type: 'nominal', title: 'network' },
    },
  } as ChartSpec;
}

/** Networks by group (a value model's heads: their losses are on different scales), in order. */
function byGroup(history: NetworkHistory[]): [string | undefined, NetworkHistory[]][] {
  const groups = new Map<string | undefined, NetworkHistory[]>();
  for (const h of history) groups.set(h.group, [...(groups.get(h.group) ?? []), h]);
  return [...groups];
}

/** One loss chart per group of networks, then one chart per other validation measure recorded. */
export function trainingCharts(history: NetworkHistory[]): ChartPart[] {
  const measures = [...new Set(history.flatMap((h) => Object.keys(h.series)))].filter((k) => k !== 'loss' && k !== 'valLoss');
  return [
    ...byGroup(history).map(([group, nets]) => ({
      title: `Training curves: loss per epoch${group ? ` (${group})` : ''}`,
      caption: 'Solid: training loss; dashed: loss on the rows each network held out. Each network stopped when its validation measure had not improved for the patience window.',
      spec: lossSpec(nets, 300, 230),
    })),
    ...measures.map((m) => ({ title: `Training curves: ${label(m)}`, caption: 'The measure early stopping watched, on each network\'s held-out rows; the best epoch\'s weights were kept.', spec: metricSpec(history, m, 300, 230) })),
  ];
}

function asHistories(h: unknown): NetworkHistory[] {
  if (Array.isArray(h) && h.every((x) => x && Array.isArray((x as History).epochs))) return (h as History[]).map(networkHistory);
  if (h && Array.isArray((h as History).epochs)) return [networkHistory(h as History)];
  const saved = presetHistory(h) ?? (Array.isArray(h) && h.length && h.every((x) => x && typeof x === 'object' && (x as NetworkHistory).series) ? (h as NetworkHistory[]) : undefined);
  if (saved) return saved;
  const kind = (h as { kind?: unknown })?.kind;
  if (typeof kind === 'string')
    throw new RangeError(`trainingCurvesSvg: this '${kind}' model records no training history (ChurnModel, PropensityModel, LifetimeValueModel, UpliftModel and Segmenter save one; files from before they did have none)`);
  throw new TypeError('trainingCurvesSvg: expected a trained ChurnModel, PropensityModel, LifetimeValueModel, UpliftModel or Segmenter, a tl.fit() history, or an array of them');
}

/**
 * The training curves as one SVG document: the loss chart and each validation measure side by
 * side. Takes a preset that records its history, tl.fit()'s history, or an array of either.
 */
export async function trainingCurvesSvg(history: unknown, opts: { width?: number; height?: number } = {}): Promise<string> {
  const h = asHistories(history);
  if (!h.some((n) => n.epochs > 0)) throw new RangeError('trainingCurvesSvg: the history has no epochs');
  const width = opts.width ?? 340, height = opts.height ?? 260;
  const measures = [...new Set(h.flatMap((n) => Object.keys(n.series)))].filter((k) => k !== 'loss' && k !== 'valLoss');
  const losses = byGroup(h).map(([group, nets]) => ({ ...lossSpec(nets, width, height), ...(group ? { title: group } : {}) }));
  const svg = await renderSvg({ hconcat: [...losses, ...measures.map((m) => metricSpec(h, m, width, height))], resolve: { scale: { color: 'shared' } } } as ChartSpec);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`;
}
