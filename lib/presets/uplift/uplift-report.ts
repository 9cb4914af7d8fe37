// UpliftModel.evaluate's report: the ranking measures of lib/metrics/uplift.ts on labelled
// campaign rows, each with a bootstrap confidence interval (rows resampled within each arm,
// so every replicate keeps the campaign's treated/control sizes), and the arms' balance.
import { upliftSummary } from '../../metrics/uplift.js';
import { seededRandom } from '../../train/data.js';
import type { BalanceReport } from './balance.js';

export interface Interval {
  low: number;
  high: number;
}

export interface UpliftReport {
  rows: number;
  treated: number;
  control: number;
  /** Difference in mean outcome, treated minus control (the campaign's average effect). */
  ate: number;
  /** Qini coefficient and area under the uplift curve above random, outcome units per row (docs/API.md). */
  qini: number;
  auuc: number;
  /** Uplift (treated minus control mean outcome) among the top 10, 20 and 30% by predicted uplift. */
  upliftAt: { 10: number; 20: number; 30: number };
  /** Percentile bootstrap intervals of the same measures. */
  ci: { level: number; samples: number; ate: Interval; qini: Interval; auuc: Interval; upliftAt: { 10: Interval; 20: Interval; 30: Interval } };
  /** Are treated and control rows alike? (randomization check) */
  balance: BalanceReport;
}

export interface BootstrapOptions {
  /** Resamples (default 200; 0 leaves the intervals NaN). */
  samples?: number;
  /** Interval coverage (default 0.95). */
  level?: number;
  seed?: number;
}

const KS = [10, 20, 30] as const;

function measures(s: ArrayLike<number>, t: ArrayLike<number>, y: ArrayLike<number>): number[] {
  const m = upliftSummary(s, t, y, KS.map((k) => k / 100));
  return [m.ate, m.qini, m.auuc, ...m.upliftAt];
}

function percentile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = q * (sorted.length - 1), lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** The report of uplift scores `s` against 0/1 treatment `t` and outcomes `y`. */
export function upliftReport(s: Float64Array, t: Float32Array, y: Float64Array, balance: BalanceReport, opts: BootstrapOptions = {}): UpliftReport {
  const samples = opts.samples ?? 200, level = opts.level ?? 0.95;
  if (!Number.isInteger(samples) || samples < 0 || samples > 100_000) throw new RangeError(`UpliftModel.evaluate: bootstrap samples must be an integer from 0 to 100000, got ${samples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`UpliftModel.evaluate: the interval level must be in (0, 1), got ${level}`);
  const point = measures(s, t, y);
  const arms: number[][] = [[], []];
  t.forEach((v, i) => arms[v].push(i));
  const random = seededRandom(opts.seed ?? 11);
  const draws: number[][] = point.map(() => []);
  const n = t.length;
  const bs = new Float64Array(n), bt = new Float32Array(n), by = new Float64Array(n);
  for (let r = 0; r < samples; r++) {
    let k = 0;
    for (const arm of arms)
      for (let j = 0; j < arm.length; j++) {
        const i = arm[Math.floor(random() * arm.length)];
        bs[k] = s[i]; bt[k] = t[i]; by[k] = y[i];
        k++;
      }
    // NaN where a replicate's top rows hold one arm only: left out of that interval.
    measures(bs, bt, by).forEach((v, m) => { if (Number.isFinite(v)) draws[m].push(v); });
  }
  const ci = draws.map((d) => {
    const sorted = d.sort((a, b) => a - b);
    return { low: percentile(sorted, (1 - level) / 2), high: percentile(sorted, 1 - (1 - level) / 2) };
  });
  const nt = arms[1].length;
  return {
    rows: n, treated: nt, control: n - nt, ate: point[0], qini: point[1], auuc: point[2],
    upliftAt: { 10: point[3], 20: point[4], 30: point[5] },
    ci: { level, samples, ate: ci[0], qini: ci[1], auuc: ci[2], upliftAt: { 10: ci[3], 20: ci[4], 30: ci[5] } },
    balance,
  };
}
