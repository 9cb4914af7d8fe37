// tl.report: a model's evaluation as one self-contained HTML page (charts as inline SVG drawn
// from vega-lite specs in Node, plus the numbers), and training curves as SVG.
//   const html = await tl.report.html(model, 'holdout.csv');
//   await tl.report.write(model, 'holdout.csv', 'report.html');
//   await writeFile('curves.svg', await tl.report.trainingCurvesSvg(model));
import { basename } from 'node:path';
import { toTable } from '../data/table.js';
import { type Data, type DataOptions, type Preset, isPreset } from '../presets/preset.js';
import { pageHtml, type RenderedSection } from './html.js';
import { planSection } from './plan.js';
import { renderSvg } from './render.js';
import { reportBuilder } from './registry.js';
import { atomicWrite } from './write.js';
import './builders.js';

export { trainingCurvesSvg } from './training.js';
export { registerReportBuilder, reportKinds } from './registry.js';
export type { ChartPart, Section, ReportBuilder, BuildOptions } from './section.js';
export type { ReportTable } from './html.js';

export interface ReportOptions extends DataOptions {
  /** The page's title (default: the model's kind and the data's name). */
  title?: string;
  /** Where the model came from, for the page's header (default: not shown). */
  modelPath?: string;
  /**
   * Adds a campaign-plan section (models with plan(): UpliftModel): the costs plan() takes,
   * e.g. `{ costPerContact: 1, valuePerConversion: 40, budget?: 5000 }`, stated on the page as assumptions.
   */
  plan?: Record<string, number>;
}

const NAMES: Record<string, string> = { churn: 'Churn model', propensity: 'Propensity model', ltv: 'Lifetime value model', segments: 'Segmentation', recommender: 'Recommender', uplift: 'Uplift model', sentiment: 'Sentiment model', intent: 'Intent classifier', image: 'Image classifier' };

/** The report of `model` on labelled `data` (a path, rows or a table) as an HTML string. */
export async function html(model: Preset, data: Data, opts: ReportOptions = {}): Promise<string> {
  if (!isPreset(model)) throw new TypeError('report.html: expected a preset (a trained or loaded tensorlift model)');
  const build = reportBuilder(model.kind);
  const table = await toTable(data, 'report', opts.read);
  const started = performance.now();
  const sections = await build(model, table, { missing: opts.missing, onWarning: opts.onWarning });
  if (opts.plan) sections.push(await planSection(model, table, opts.plan, { missing: opts.missing, onWarning: () => undefined }));
  const rendered: RenderedSection[] = [];
  for (const s of sections) rendered.push({ ...s, charts: await Promise.all(s.charts.map(async (c) => ({ title: c.title, caption: c.caption, svg: await renderSvg(c.spec) }))) });
  const source = typeof data === 'string' ? basename(data) : table.source ? basename(table.source) : undefined;
  const rows = `${table.rows.length.toLocaleString('en-US')} rows`;
  rendered.push({ title: 'About the model', charts: [], tables: [], intro: model.describe() });
  return pageHtml(
    {
      title: opts.title ?? `${NAMES[model.kind] ?? model.kind} report: ${source ?? rows}`,
      subtitle: [`${opts.modelPath ? `model ${basename(opts.modelPath)} · ` : ''}kind '${model.kind}' · data ${source ? `${source} (${rows})` : rows}`, `made ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`],
    },
    rendered,
    `tensorlift report · built in ${((performance.now() - started) / 1000).toFixed(1)} s · one self-contained file: no scripts, fonts or images are loaded from anywhere`,
  );
}

/** Writes the report to `path` (atomically: a temp file, then renamed). */
export async function write(model: Preset, data: Data, path: string, opts: ReportOptions = {}): Promise<void> {
  await atomicWrite(path, await html(model, data, opts));
}
