// Which input columns a distilled student reads. Preprocessing is most of a small network's
// scoring cost (a CSV string cell costs ~10 ns to parse, a row of mlc_churn's 19 columns more
// than the student's whole forward pass), so a student that skips the columns the ensemble
// barely uses is cheaper end to end at no cost in quality. Two kinds of column go:
// - copies: a numeric column that is an affine function of an earlier one on every sampled row
//   (|Pearson r| >= 0.9995 and no row off the line by more than 0.02 of its spread: mlc_churn's
//   charges are its minutes times a rate, rounded to cents) carries nothing the earlier one
//   does not, so it goes without counting against the budget below;
// - the least used: the teacher's logits are recomputed with each column (copies together)
//   shuffled across rows, and the columns whose shuffling moves them least go while their
//   summed sensitivity stays within `prune` of the total, for each output (several classes:
//   each class's logit, less the row's mean, so a column only a small class relies on is
//   not "little used"). Then all of those are shuffled at
//   once, since correlated columns can each look unused while standing in for each other; the
//   most used goes back until the joint share is within `prune` too. It needs no labels, so it
//   measures what the student is taught, not the noise of a small labelled slice.
// Free-text columns are always kept.
import { InputError } from '../data/errors.js';
import type { Encoded, Preprocessor } from '../data/preprocess.js';
import { permutation, seededRandom } from '../train/data.js';

/** A column the student leaves out, and why (for describe() and the model file). */
export interface DroppedColumn {
  column: string;
  why: string;
}

export interface ColumnChoice {
  /** Names of the columns the student reads, in the preprocessor's order. */
  kept: string[];
  dropped: DroppedColumn[];
}

/** The teacher's logits [rows, outputs] (flat) for numeric [rows, width] and categorical [rows, columns] features. */
export type TeacherLogits = (numeric: Float32Array, categorical: Int32Array, rows: number[]) => Float32Array;

const COPY_CORRELATION = 0.9995;
/** Largest distance of a copy's row from the fitted line, in standard deviations of the copy. */
const COPY_RESIDUAL = 0.02;
/** Rows the sensitivities are measured on: enough for stable shares, cheap beside training. */
const SAMPLE_ROWS = 2000;

interface Group {
  /** Preprocessor columns of this group (copies of its first). */
  names: string[];
  /** Feature offsets of the numeric block and codes of the categorical block that the group's columns fill. */
  numeric: number[];
  categorical: number[];
  /** The first column's one feature, when copies may join it (numeric, no missing-value indicator). */
  lead?: number;
  /** Per output, the mean squared change of its logit with the group shuffled. */
  sensitivity: Float64Array;
  /** The largest share of any output's total sensitivity (what decides the order of dropping). */
  share: number;
}

/**
 * Whether feature b is an affine function of feature a on the rows: a high Pearson r (a
 * constant column is a copy of nothing) and every row near the least-squares line, so that a
 * column equal to another except on a few rows, which may be the rows that matter, is kept.
 */
function isCopy(x: Float32Array, width: number, a: number, b: number, rows: number): boolean {
  let sa = 0, sb = 0;
  for (let i = 0; i < rows; i++) (sa += x[i * width + a]), (sb += x[i * width + b]);
  const ma = sa / rows, mb = sb / rows;
  let cab = 0, caa = 0, cbb = 0;
  for (let i = 0; i < rows; i++) {
    const da = x[i * width + a] - ma, db = x[i * width + b] - mb;
    cab += da * db;
    caa += da * da;
    cbb += db * db;
  }
  if (!(caa > 0 && cbb > 0) || Math.abs(cab / Math.sqrt(caa * cbb)) < COPY_CORRELATION) return false;
  const slope = cab / caa, limit = COPY_RESIDUAL * Math.sqrt(cbb / rows);
  for (let i = 0; i < rows; i++) if (Math.abs(x[i * width + b] - mb - slope * (x[i * width + a] - ma)) > limit) return false;
  return true;
}

/** The preprocessor's numeric and categorical columns as groups, exact numeric copies merged into the first. */
function groups(pre: Preprocessor, sample: Float32Array, rows: number): Group[] {
  const width = pre.numericWidth, out: Group[] = [];
  let offset = 0;
  for (const c of pre.numericColumns) {
    const features = c.indicator ? [offset, offset + 1] : [offset];
    // A column with missing values (an indicator) is a copy only of nothing: its gaps carry their own signal.
    const copyOf = c.indicator ? undefined : out.find((g) => g.lead !== undefined && isCopy(sample, width, g.lead, offset, rows));
    if (copyOf) copyOf.names.push(c.name), copyOf.numeric.push(offset);
    else out.push({ names: [c.name], numeric: features, categorical: [], ...(c.indicator ? {} : { lead: offset }), sensitivity: new Float64Array(0), share: 0 });
    offset += features.length;
  }
  pre.categoricalColumns.forEach((c, j) => out.push({ names: [c.name], numeric: [], categorical: [j], sensitivity: new Float64Array(0), share: 0 }));
  return out;
}

/**
 * The columns a student of `teacher` should read, measured on (up to 2000 of) the encoded
 * rows `e`. `prune`: the share of the teacher's summed sensitivity the dropped columns may
 * carry (0: none goes for being little used). `copies`: whether copies go (default: when
 * prune is above 0).
 */
export function studentColumns(pre: Preprocessor, e: Encoded, teacher: TeacherLogits, prune: number, seed: number, copies = prune > 0): ColumnChoice {
  if (!(typeof prune === 'number' && prune >= 0 && prune < 1)) throw new InputError(`distill: prune must be a share from 0 to below 1, got ${String(prune)}`);
  const all = pre.columns.map((c) => c.name);
  if (prune === 0 && !copies) return { kept: all, dropped: [] };
  const random = seededRandom(seed);
  const idx = Array.from(permutation(e.n, random).subarray(0, SAMPLE_ROWS)), m = idx.length;
  const nw = pre.numericWidth, nc = pre.cardinalities.length;
  const numeric = new Float32Array(m * nw), categorical = new Int32Array(m * nc);
  idx.forEach((i, r) => {
    numeric.set(e.numeric.subarray(i * nw, (i + 1) * nw), r * nw);
    categorical.set(e.categorical.subarray(i * nc, (i + 1) * nc), r * nc);
  });
  const gs = groups(pre, numeric, m);
  if (gs.length < 2) return { kept: all, dropped: [] };
  const unused = prune > 0 ? leastUsed(gs, numeric, categorical, idx, teacher, prune, random) : [];
  if (!unused) return { kept: all, dropped: [] };
  const dropped: DroppedColumn[] = [], gone = new Set<string>();
  for (const g of unused)
    for (const name of g.names) gone.add(name), dropped.push({ column: name, why: `little used by the ensemble (${(100 * g.share).toFixed(2)}% of its sensitivity${g.sensitivity.length > 1 ? ', for the class that uses it most' : ''})` });
  if (copies)
    for (const g of gs)
      if (!gone.has(g.names[0])) for (const name of g.names.slice(1)) gone.add(name), dropped.push({ column: name, why: `a copy of '${g.names[0]}' (an affine function of it on every row sampled)` });
  return { kept: all.filter((n) => !gone.has(n)), dropped };
}

/**
 * The groups to drop for being little used (see the top of the file), least used first; null
 * when the teacher's logits do not move at all (nothing then says what to keep).
 */
function leastUsed(gs: Group[], numeric: Float32Array, categorical: Int32Array, idx: number[], teacher: TeacherLogits, prune: number, random: () => number): Group[] | null {
  const m = idx.length, nw = numeric.length / m, nc = categorical.length / m;
  // Several outputs: each row's logits less their mean, since softmax ignores a shift of all.
  const centered = (raw: Float32Array): Float32Array => {
    const k = raw.length / m;
    if (k === 1) return raw;
    const z = Float32Array.from(raw);
    for (let r = 0; r < m; r++) {
      let mean = 0;
      for (let o = 0; o < k; o++) mean += z[r * k + o] / k;
      for (let o = 0; o < k; o++) z[r * k + o] -= mean;
    }
    return z;
  };
  const base = centered(teacher(numeric, categorical, idx)), k = base.length / m;
  const shuffle = permutation(m, random);
  /** Per output, the mean squared change of its logit with these groups' features shuffled across rows (all by one permutation). */
  const sensitivity = (these: Group[]): Float64Array => {
    const num = numeric.slice(), cat = categorical.slice();
    for (let r = 0; r < m; r++)
      for (const g of these) {
        for (const f of g.numeric) num[r * nw + f] = numeric[shuffle[r] * nw + f];
        for (const f of g.categorical) cat[r * nc + f] = categorical[shuffle[r] * nc + f];
      }
    const z = centered(teacher(num, cat, idx)), d = new Float64Array(k);
    for (let p = 0; p < z.length; p++) d[p % k] += (z[p] - base[p]) ** 2 / m;
    return d;
  };
  for (const g of gs) g.sensitivity = sensitivity([g]);
  const total = new Float64Array(k);
  for (const g of gs) g.sensitivity.forEach((v, o) => (total[o] += v));
  // A teacher that no column moves (constant logits) says nothing about which to keep.
  if (!total.some((t) => t > 0)) return null;
  // Shares per output, so that a column only a small class relies on is not "little used".
  const shares = (d: Float64Array): number => Math.max(...Array.from(d, (v, o) => (total[o] > 0 ? v / total[o] : 0)));
  for (const g of gs) g.share = shares(g.sensitivity);
  // Least used first, while every output's sum stays within the budget; the most used group always stays.
  const order = [...gs].sort((a, b) => a.share - b.share);
  const unused: Group[] = [], used = new Float64Array(k);
  for (const g of order.slice(0, -1)) {
    if (shares(used.map((u, o) => u + g.sensitivity[o])) > prune) break;
    g.sensitivity.forEach((v, o) => (used[o] += v));
    unused.push(g);
  }
  // Shuffled together they may matter more than their sum (columns standing in for each other).
  while (unused.length && shares(sensitivity(unused)) > prune) unused.pop();
  return unused;
}
