// Uplift (treatment-effect) ranking metrics for randomized campaign data: how much more
// outcome a campaign gets by contacting the rows a model ranks first instead of random rows.
// Libraries disagree on the normalization (counts vs rates, per treated row vs per row), so
// every measure here is in outcome units per row of the population and is defined in
// docs/API.md ("Uplift metrics"); a random ranking scores 0 on the areas.
//
// With rows sorted by descending score, and over the top k rows: n_t, n_c the treated and
// control counts, y_t, y_c their outcome sums; N, N_T, N_C the totals; f = k / N:
//   upliftGain(f) = (y_t / n_t - y_c / n_c) * f          (incremental outcomes per row)
//   qini(f)       = (y_t - y_c * n_t / n_c) / N_T         (Radcliffe's Qini, per treated row)
//   random(f)     = ATE * f, ATE = Y_T / N_T - Y_C / N_C  (both curves end there at f = 1)
// A point where either arm is still empty is 0 (no estimate yet). Tied scores are one step:
// the curves are computed where the score changes and drawn straight in between.
import { type Values, sameLength, toArray } from './values.js';

export interface UpliftCurve {
  /** Share of the population targeted, by descending score, from 0 to 1. */
  fraction: number[];
  /** Qini curve: incremental outcomes per treated row of the population. */
  qini: number[];
  /** Uplift (gain) curve: uplift among the targeted times the share targeted. */
  upliftGain: number[];
  /** Random targeting: ATE × fraction (where both curves end). */
  random: number[];
}

interface Checked {
  s: Float64Array;
  t: Float64Array;
  y: Float64Array;
}

function check(metric: string, scores: Values, treated: Values, outcome: Values): Checked {
  const s = toArray(scores, metric, 'scores'), t = toArray(treated, metric, 'treated'), y = toArray(outcome, metric, 'outcome');
  sameLength(metric, s, t, 'scores', 'treated');
  sameLength(metric, s, y, 'scores', 'outcome');
  let nt = 0;
  for (let i = 0; i < s.length; i++) {
    if (!Number.isFinite(s[i])) throw new RangeError(`${metric}: score ${i} is ${s[i]} (expected a finite number)`);
    if (t[i] !== 0 && t[i] !== 1) throw new RangeError(`${metric}: treated ${i} is ${t[i]} (expected 0 or 1)`);
    if (!Number.isFinite(y[i])) throw new RangeError(`${metric}: outcome ${i} is ${y[i]} (expected a finite number)`);
    nt += t[i];
  }
  if (nt === 0 || nt === s.length)
    throw new RangeError(`${metric}: every row is ${nt === 0 ? 'control' : 'treated'}; uplift needs both treated and control rows`);
  return { s, t, y };
}

/** Row indices by descending score (ties in input order). */
function descending(s: Float64Array): number[] {
  return Array.from(s.keys()).sort((a, b) => s[b] - s[a] || a - b);
}

/** Curve values at each step of the ranking (fraction 0 first, then after each run of tied scores). */
function steps({ s, t, y }: Checked, order = descending(s)): { x: number[]; qini: number[]; gain: number[]; ate: number } {
  const n = s.length;
  let NT = 0, YT = 0, YC = 0;
  for (let i = 0; i < n; i++) {
    if (t[i]) { NT++; YT += y[i]; } else YC += y[i];
  }
  const ate = YT / NT - YC / (n - NT);
  const x = [0], qini = [0], gain = [0];
  let nt = 0, nc = 0, yt = 0, yc = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    if (t[i]) { nt++; yt += y[i]; } else { nc++; yc += y[i]; }
    if (k + 1 < n && s[order[k + 1]] === s[i]) continue;
    const both = nt > 0 && nc > 0;
    x.push((k + 1) / n);
    qini.push(both ? (yt - (yc * nt) / nc) / NT : 0);
    gain.push(both ? (yt / nt - yc / nc) * ((k + 1) / n) : 0);
  }
  return { x, qini, gain, ate };
}

/** Trapezoid area between a step curve and the line ate * x, over x in [0, 1]. */
function areaAboveRandom(x: number[], v: number[], ate: number): number {
  let area = 0;
  for (let k = 1; k < x.length; k++) area += ((v[k] + v[k - 1]) / 2) * (x[k] - x[k - 1]);
  return area - ate / 2;
}

/** Linear interpolation of (xs, vs) at x (xs ascending from 0 to 1). */
function interpolate(xs: number[], vs: number[], x: number, from: { k: number }): number {
  while (from.k < xs.length - 2 && xs[from.k + 1] < x) from.k++;
  const x0 = xs[from.k], x1 = xs[from.k + 1];
  const w = x1 > x0 ? Math.min(1, Math.max(0, (x - x0) / (x1 - x0))) : 1;
  return vs[from.k] + w * (vs[from.k + 1] - vs[from.k]);
}

/**
 * Qini and uplift-gain curves of a ranking by `scores` (higher = contact first), sampled at
 * `points` evenly spaced fractions of the population from 0 to 1, plus the random line.
 * `treated` is 0/1 per row, `outcome` a number (0/1 for conversions).
 */
export function upliftCurve(scores: ArrayLike<number>, treated: ArrayLike<number>, outcome: ArrayLike<number>, points = 101): UpliftCurve {
  if (!Number.isInteger(points) || points < 2) throw new RangeError(`upliftCurve: points must be an integer of at least 2, got ${points}`);
  const { x, qini, gain, ate } = steps(check('upliftCurve', scores, treated, outcome));
  const fraction = Array.from({ length: points }, (_, i) => i / (points - 1));
  const qc = { k: 0 }, gc = { k: 0 };
  return {
    fraction,
    qini: fraction.map((f) => interpolate(x, qini, f, qc)),
    upliftGain: fraction.map((f) => interpolate(x, gain, f, gc)),
    random: fraction.map((f) => ate * f),
  };
}

/** Qini coefficient: area between the Qini curve and the random line over fractions 0..1 (0 = random). */
export function qiniCoefficient(scores: Values, treated: Values, outcome: Values): number {
  const { x, qini, ate } = steps(check('qiniCoefficient', scores, treated, outcome));
  return areaAboveRandom(x, qini, ate);
}

/** Area under the uplift curve above the random line over fractions 0..1 (0 = random), outcome units per row. */
export function auuc(scores: Values, treated: Values, outcome: Values): number {
  const { x, gain, ate } = steps(check('auuc', scores, treated, outcome));
  return areaAboveRandom(x, gain, ate);
}

/**
 * Uplift among the top `fraction` of rows by score (0.3 = top 30%): their treated mean outcome
 * minus their control mean outcome. NaN when the top rows hold only one arm.
 */
export function upliftAtK(scores: Values, treated: Values, outcome: Values, fraction: number): number {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`upliftAtK: fraction must be in (0, 1], got ${fraction}`);
  const c = check('upliftAtK', scores, treated, outcome);
  return topUplift(c, descending(c.s), fraction);
}

function topUplift({ s, t, y }: Checked, order: number[], fraction: number): number {
  const top = Math.max(1, Math.round(fraction * s.length));
  let nt = 0, nc = 0, yt = 0, yc = 0;
  for (let k = 0; k < top; k++) {
    const i = order[k];
    if (t[i]) { nt++; yt += y[i]; } else { nc++; yc += y[i]; }
  }
  return nt && nc ? yt / nt - yc / nc : NaN;
}

/** Difference in mean outcome between treated and control rows (the campaign's average effect). */
export function averageTreatmentEffect(treated: Values, outcome: Values): number {
  const t = toArray(treated, 'averageTreatmentEffect', 'treated');
  const { y } = check('averageTreatmentEffect', new Float64Array(t.length), t, outcome);
  let nt = 0, yt = 0, yc = 0;
  for (let i = 0; i < t.length; i++) if (t[i]) { nt++; yt += y[i]; } else yc += y[i];
  return yt / nt - yc / (t.length - nt);
}

/**
 * ATE, Qini coefficient, AUUC and uplift at each of `fractions` from one sort of the scores:
 * the same values as the separate functions (what a bootstrap computes hundreds of times).
 */
export function upliftSummary(scores: Values, treated: Values, outcome: Values, fractions: number[]): { ate: number; qini: number; auuc: number; upliftAt: number[] } {
  for (const f of fractions) if (!(f > 0 && f <= 1)) throw new RangeError(`upliftSummary: fraction must be in (0, 1], got ${f}`);
  const c = check('upliftSummary', scores, treated, outcome);
  const order = descending(c.s);
  const { x, qini, gain, ate } = steps(c, order);
  return { ate, qini: areaAboveRandom(x, qini, ate), auuc: areaAboveRandom(x, gain, ate), upliftAt: fractions.map((f) => topUplift(c, order, f)) };
}
