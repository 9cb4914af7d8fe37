// UpliftModel.evaluate's report as terminal text: the average effect, the ranking measures
// with their bootstrap intervals, and the balance check (warned about when it fails).
import type { UpliftReport } from '../presets/uplift/uplift-report.js';

export function isUpliftReport(r: object): r is UpliftReport {
  const u = r as UpliftReport;
  return typeof u.qini === 'number' && typeof u.auuc === 'number' && !!u.upliftAt && !!u.ci && !!u.balance;
}

const f = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : 'n/a');

export function upliftReportText(r: UpliftReport): string {
  const ci = (i: { low: number; high: number }) => `[${f(i.low)}, ${f(i.high)}]`;
  const b = r.balance;
  return [
    `rows ${r.rows}: ${r.treated} treated, ${r.control} control`,
    `average effect (treated - control) ${f(r.ate)}  ${ci(r.ci.ate)}`,
    `${(100 * r.ci.level).toFixed(0)}% bootstrap intervals (${r.ci.samples} resamples) in brackets; outcome units per row (docs/API.md, "Uplift metrics")`,
    '',
    `uplift-curve area above random (AUUC)  ${f(r.auuc)}  ${ci(r.ci.auuc)}`,
    `Qini coefficient                       ${f(r.qini)}  ${ci(r.ci.qini)}`,
    ...([10, 20, 30] as const).map((k) => `uplift in the top ${k}%                  ${f(r.upliftAt[k])}  ${ci(r.ci.upliftAt[k])}`),
    '',
    `balance: ${(100 * b.treatedShare).toFixed(1)}% treated; largest standardized difference ${b.maxStdDiff.toFixed(3)} ('${b.worstColumn}'); ` +
      (b.imbalanced.length ? `UNBALANCED: ${b.imbalanced.join(', ')} (was the assignment randomized?)` : 'no column differs beyond chance'),
  ].join('\n');
}
