// What a per-kind report builder returns: sections of chart specs (rendered to SVG later, all
// at once) and tables of numbers. Builders are plain functions of (model, labelled rows), so a
// test can check a chart's data without rendering it.
import type { DataOptions, Preset } from '../presets/preset.js';
import type { Table } from '../data/table.js';
import type { ReportTable } from './html.js';
import type { ChartSpec } from './render.js';

export interface ChartPart {
  title: string;
  spec: ChartSpec;
  caption?: string;
}

export interface Section {
  title: string;
  intro?: string;
  charts: ChartPart[];
  tables: ReportTable[];
}

/** Options a builder gets: how to treat rows that lack a trained column, where warnings go. */
export type BuildOptions = Pick<DataOptions, 'missing' | 'onWarning'>;

export type ReportBuilder<P extends Preset = Preset> = (model: P, data: Table, opts: BuildOptions) => Promise<Section[]>;

/** The scalar numbers of an evaluate() report as a two-column table (nested objects flattened as a.b). */
export function metricsTable(report: object, title = 'Metrics'): ReportTable {
  const rows: (string | number | null)[][] = [];
  const walk = (o: object, prefix: string) => {
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'number') rows.push([`${prefix}${k}`, v]);
      else if (v && typeof v === 'object' && !Array.isArray(v)) walk(v, `${prefix}${k}.`);
    }
  };
  walk(report, '');
  return { title, columns: ['measure', 'value'], rows };
}
