// Plain-text tables of evaluation reports for the terminal: the churn/propensity report (ROC
// AUC, capture rates, deciles), the multi-class one (accuracy, macro F1, top-k, a row per
// class), and for any other preset's report its numbers and tables as they come.
import type { ChurnReport, MulticlassReport } from '../presets/classifier-report.js';
import type { ColumnImportance } from '../presets/preset.js';
import { isUpliftReport, upliftReportText } from './uplift-text.js';

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const num = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : String(v));

function isChurnReport(r: object): r is ChurnReport {
  return typeof (r as ChurnReport).auc === 'number' && Array.isArray((r as ChurnReport).lift);
}

function isMulticlassReport(r: object): r is MulticlassReport {
  return typeof (r as MulticlassReport).macroF1 === 'number' && Array.isArray((r as MulticlassReport).perClass);
}

function churnReport(r: ChurnReport): string {
  const lines = [
    `rows ${r.rows}, positives ${r.positives} (${pct(r.positives / r.rows)})`,
    `ROC AUC ${r.auc.toFixed(4)}   log loss ${r.logLoss.toFixed(4)}   accuracy ${r.accuracy.toFixed(4)}`,
    `share of positives captured in the top 5% ${pct(r.capture.top5)}, 10% ${pct(r.capture.top10)}, 20% ${pct(r.capture.top20)}, 30% ${pct(r.capture.top30)}`,
    '',
    'decile  customers  positives   rate   lift  cumulative gain',
  ];
  for (const row of r.lift)
    lines.push(
      `${String(row.bin).padStart(6)}  ${String(row.count).padStart(9)}  ${String(row.positives).padStart(9)}  ${row.rate.toFixed(3)}  ${row.lift
        .toFixed(2)
        .padStart(5)}  ${pct(row.cumulativeGain).padStart(15)}`,
    );
  return lines.join('\n');
}

function multiclassReport(r: MulticlassReport): string {
  const width = Math.max(5, ...r.perClass.map((c) => c.class.length));
  const lines = [
    `rows ${r.rows}, ${r.classes.length} classes`,
    `accuracy ${r.accuracy.toFixed(4)}   top-${r.k} accuracy ${r.topK.toFixed(4)}   macro F1 ${r.macroF1.toFixed(4)}   log loss ${r.logLoss.toFixed(4)}`,
    '',
    `${'class'.padEnd(width)}  support  precision  recall      F1  top-decile lift`,
  ];
  for (const c of r.perClass)
    lines.push(`${c.class.padEnd(width)}  ${String(c.support).padStart(7)}  ${c.precision.toFixed(4).padStart(9)}  ${c.recall.toFixed(4).padStart(6)}  ${c.f1.toFixed(4)}  ${c.lift.toFixed(2).padStart(15)}`);
  return lines.join('\n');
}

/** Any report: numbers as `name value`, arrays of objects as tables, nested objects indented. */
function genericReport(r: object, indent = ''): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(r)) {
    if (Array.isArray(value) && value.length && typeof value[0] === 'object') {
      const columns = Object.keys(value[0] as object);
      lines.push(`${indent}${key}:`, `${indent}  ${columns.join('  ')}`);
      for (const row of value) lines.push(`${indent}  ${columns.map((c) => num((row as Record<string, unknown>)[c])).join('  ')}`);
    } else if (value && typeof value === 'object' && !Array.isArray(value)) lines.push(`${indent}${key}:`, genericReport(value, `${indent}  `));
    else lines.push(`${indent}${key} ${Array.isArray(value) ? value.map(num).join(', ') : num(value)}`);
  }
  return lines.join('\n');
}

export function formatReport(r: object): string {
  if (isChurnReport(r)) return churnReport(r);
  if (isMulticlassReport(r)) return multiclassReport(r);
  if (isUpliftReport(r)) return upliftReportText(r);
  return genericReport(r);
}

export function formatImportance(items: ColumnImportance[], top = 10): string {
  return items
    .slice(0, top)
    .map((c, i) => {
      const [measure, value] = Object.entries(c).find(([k, v]) => k !== 'column' && typeof v === 'number') ?? ['', NaN];
      const label = measure === 'aucDrop' ? 'AUC drop' : measure;
      return `${String(i + 1).padStart(3)}. ${c.column.padEnd(32)} ${label} ${Number(value).toFixed(4)}`;
    })
    .join('\n');
}
