// Vega-Lite specs -> inline SVG, in Node: vega-lite compiles the spec to a Vega one, and a
// headless vega View (renderer 'none') writes SVG markup without a canvas or a browser. The
// view gets a loader that refuses every URL, so a chart can only draw the values it carries
// (a report must open offline and never fetch anything while it is made).
// vega is imported on first use: its canvas probe awaits at module top level, which would
// stop `require('tensorlift')` from CommonJS (require() cannot load such a module graph).
import type * as Vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';

export type ChartSpec = TopLevelSpec;

/** Looks shared by every chart: one font stack (system fonts, nothing to download), quiet axes. */
const CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e8e8e8', domainColor: '#888', tickColor: '#888' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 13, anchor: 'start' as const },
  range: { category: ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac', '#eeca3b'] },
};

const offline = {
  load: (uri: string) => Promise.reject(new Error(`report charts carry their data inline; refusing to load ${uri}`)),
  sanitize: (uri: string) => Promise.reject(new Error(`report charts carry their data inline; refusing ${uri}`)),
  http: () => Promise.reject(new Error('report charts never use the network')),
  file: () => Promise.reject(new Error('report charts never read files')),
};

let libs: Promise<[typeof Vega, typeof import('vega-lite')]> | undefined;

/** The chart as one `<svg>` element (fixed size, white background). */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const [vega, vl] = await (libs ??= Promise.all([import('vega'), import('vega-lite')]));
  const compiled = vl.compile({ ...spec, config: { ...CONFIG, ...(spec as { config?: object }).config } } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader: offline as unknown as Vega.Loader, logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Evenly spaced picks of at most `max` items (first and last kept): charts stay small for any data size. */
export function thin<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const step = (items.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => items[Math.round(i * step)]);
}

/** A number rounded for a chart's data (4 significant digits keeps the SVG small). */
export const r4 = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(4)) : null);
