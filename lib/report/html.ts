// The report page: one self-contained HTML file (inline CSS and SVG; no script, font, image
// or stylesheet from anywhere), so it can be mailed, attached to a ticket or opened offline.
// Sections are what the per-kind builders return (registry.ts); charts arrive as SVG markup.

export interface ReportTable {
  title: string;
  columns: string[];
  rows: (string | number | null)[][];
  /** Below the table: how to read it. */
  note?: string;
}

export interface RenderedChart {
  title: string;
  svg: string;
  /** One or two sentences under the chart: what it shows and how to read it. */
  caption?: string;
}

export interface RenderedSection {
  title: string;
  intro?: string;
  charts: RenderedChart[];
  tables: ReportTable[];
}

export interface PageInfo {
  title: string;
  /** Lines under the title (model, data, when). */
  subtitle: string[];
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** A table cell: integers as they are, other numbers to 4 significant digits, null/NaN as an en dash. */
export function cell(v: string | number | null): string {
  if (v === null || (typeof v === 'number' && !Number.isFinite(v))) return '–';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : String(Number(v.toPrecision(4)));
  return escapeHtml(v);
}

function tableHtml(t: ReportTable): string {
  const head = t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((v) => `<td${typeof v === 'number' ? ' class="num"' : ''}>${cell(v)}</td>`).join('')}</tr>`).join('\n');
  return `<figure class="table"><figcaption>${escapeHtml(t.title)}</figcaption><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>${
    t.note ? `<p class="note">${escapeHtml(t.note)}</p>` : ''}</figure>`;
}

function chartHtml(c: RenderedChart): string {
  // The caption wraps to the chart's own width, so charts sit side by side as drawn.
  const width = /<svg[^>]*\swidth="(\d+(?:\.\d+)?)"/.exec(c.svg)?.[1];
  return `<figure class="chart"${width ? ` style="max-width: ${width}px"` : ''}><figcaption>${escapeHtml(c.title)}</figcaption>${c.svg}${c.caption ? `<p class="note">${escapeHtml(c.caption)}</p>` : ''}</figure>`;
}

const CSS = `
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 0; color: #222; background: #f6f7f9; }
header { background: #1f3a5f; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 6px; font-size: 22px; font-weight: 600; }
header p { margin: 2px 0; opacity: .85; font-size: 13px; }
main { padding: 8px 32px 40px; max-width: 1400px; }
section { background: #fff; border: 1px solid #e2e5ea; border-radius: 6px; margin: 20px 0; padding: 16px 20px; }
section h2 { margin: 0 0 6px; font-size: 17px; font-weight: 600; }
section > p.intro { margin: 0 0 12px; color: #555; font-size: 13px; max-width: 900px; white-space: pre-line; }
.grid { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
figure { margin: 0; }
figure.chart { flex: 0 0 auto; }
figure.chart p.note { max-width: none; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figcaption { font-weight: 600; font-size: 13px; margin: 4px 0 6px; }
p.note { color: #666; font-size: 12px; max-width: 460px; margin: 4px 0 0; }
figure.table { margin: 12px 0; overflow-x: auto; }
table { border-collapse: collapse; font-size: 12px; }
th, td { border-bottom: 1px solid #eceef1; padding: 4px 10px; text-align: left; white-space: nowrap; }
th { background: #f2f4f7; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
footer { color: #888; font-size: 11px; padding: 0 32px 24px; }
`;

/** The whole page. */
export function pageHtml(info: PageInfo, sections: RenderedSection[], footer: string): string {
  const body = sections
    .map((s) => `<section>\n<h2>${escapeHtml(s.title)}</h2>${s.intro ? `<p class="intro">${escapeHtml(s.intro)}</p>` : ''}
${s.charts.length ? `<div class="grid">\n${s.charts.map(chartHtml).join('\n')}\n</div>` : ''}
${s.tables.map(tableHtml).join('\n')}
</section>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(info.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(info.title)}</h1>${info.subtitle.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</header>
<main>
${body}
</main>
<footer>${escapeHtml(footer)}</footer>
</body>
</html>
`;
}
