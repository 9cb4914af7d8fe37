// Randomization balance: in a randomized campaign the treated and control rows should look
// alike in every covariate. For each input column this measures the standardized mean
// difference between the arms (numeric: difference of means over the pooled s.d.; categorical:
// the largest such difference over its levels' shares) and flags a column when the difference
// is both material (|SMD| > 0.1, the usual rule) and beyond chance (|z| > 4, which stays rare
// under true randomization even across a hundred columns).
import type { Encoded, Preprocessor } from '../../data/preprocess.js';

export interface BalanceReport {
  /** Share of rows in the treated arm. */
  treatedShare: number;
  /** The largest absolute standardized mean difference over the columns. */
  maxStdDiff: number;
  /** The column with that difference ('' when there are no columns). */
  worstColumn: string;
  /** Columns whose arms differ materially and beyond chance (empty under good randomization). */
  imbalanced: string[];
}

const MATERIAL = 0.1, BEYOND_CHANCE = 4;

interface Diff {
  smd: number;
  z: number;
}

function difference(values: (i: number) => number, treated: ArrayLike<number>): Diff {
  let nt = 0, nc = 0, st = 0, sc = 0, qt = 0, qc = 0;
  for (let i = 0; i < treated.length; i++) {
    const v = values(i);
    if (treated[i]) { nt++; st += v; qt += v * v; } else { nc++; sc += v; qc += v * v; }
  }
  const mt = st / nt, mc = sc / nc;
  const vt = Math.max(0, qt / nt - mt * mt), vc = Math.max(0, qc / nc - mc * mc);
  const pooled = Math.sqrt((vt + vc) / 2), se = Math.sqrt(vt / nt + vc / nc);
  return { smd: pooled > 0 ? (mt - mc) / pooled : 0, z: se > 0 ? (mt - mc) / se : 0 };
}

/** The balance of the arms over the model's input columns, from the encoded rows. */
export function balanceOf(e: Encoded, pre: Preprocessor, treated: ArrayLike<number>): BalanceReport {
  let nt = 0;
  for (let i = 0; i < treated.length; i++) nt += treated[i];
  const perColumn: { column: string; diff: Diff }[] = [];
  const nw = pre.numericWidth, nc = pre.cardinalities.length;
  let j = 0;
  for (const c of pre.numericColumns) {
    const col = j;
    perColumn.push({ column: c.name, diff: difference((i) => e.numeric[i * nw + col], treated) });
    j += c.indicator ? 2 : 1;
  }
  pre.categoricalColumns.forEach((c, k) => {
    let worst: Diff = { smd: 0, z: 0 };
    for (let level = 0; level <= c.levels.length; level++) {
      const d = difference((i) => (e.categorical[i * nc + k] === level ? 1 : 0), treated);
      if (Math.abs(d.smd) > Math.abs(worst.smd)) worst = d;
    }
    perColumn.push({ column: c.name, diff: worst });
  });
  const worst = perColumn.reduce<{ column: string; diff: Diff } | undefined>((a, b) => (!a || Math.abs(b.diff.smd) > Math.abs(a.diff.smd) ? b : a), undefined);
  return {
    treatedShare: nt / treated.length,
    maxStdDiff: worst ? Math.abs(worst.diff.smd) : 0,
    worstColumn: worst?.column ?? '',
    imbalanced: perColumn.filter((c) => Math.abs(c.diff.smd) > MATERIAL && Math.abs(c.diff.z) > BEYOND_CHANCE).map((c) => c.column),
  };
}

/** The warnings a campaign's balance deserves (none for a clean randomized test). */
export function balanceWarnings(b: BalanceReport, rows: number): string[] {
  const out: string[] = [];
  const smaller = Math.min(b.treatedShare, 1 - b.treatedShare);
  if (smaller < 0.1) {
    const arm = b.treatedShare < 0.5 ? 'treated' : 'control';
    out.push(`unbalanced assignment: only ${(100 * smaller).toFixed(1)}% of the ${rows} rows are ${arm} (${Math.round(smaller * rows)} rows); uplift estimates rest on that arm and will be noisy`);
  }
  if (b.imbalanced.length)
    out.push(`unbalanced covariates: treated and control rows differ in ${b.imbalanced.slice(0, 5).map((c) => `'${c}'`).join(', ')}${b.imbalanced.length > 5 ? ', ...' : ''} (largest standardized difference ${b.maxStdDiff.toFixed(2)} in '${b.worstColumn}'); uplift assumes a randomized assignment (leave out a column that records or follows from the treatment)`);
  return out;
}
