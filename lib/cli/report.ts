// Plain-text tables for the terminal.
import type { ChurnReport, ColumnImportance } from '../presets/churn.js';

export function formatReport(r: ChurnReport): string {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
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

export function formatImportance(items: ColumnImportance[], top = 10): string {
  return items
    .slice(0, top)
    .map((c, i) => `${String(i + 1).padStart(3)}. ${c.column.padEnd(32)} AUC drop ${c.aucDrop.toFixed(4)}`)
    .join('\n');
}
