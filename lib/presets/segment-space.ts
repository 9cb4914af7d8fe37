// The space segments live in: each numeric column standardized on its own scale (no log
// transform: a marketer reads "mean spend 120", so distances must be in the units of the
// column), except that columns sharing one scale (the same observed min and max: survey items
// rated 1-10, several 0-100 scores) are divided by one pooled standard deviation, so a point
// on one question weighs what a point on another does, as the respondent meant it; each categorical column one-hot with every level weighted 1/sqrt(2), so two rows
// with different labels are one unit apart, as two rows one standard deviation apart are.
// Missing numbers take the training median; unseen labels get no level (all zeros).
import { InputError } from '../data/errors.js';
import { MISSING_LEVEL, type TransformOptions } from '../data/preprocess.js';
import type { ColumnInfo } from '../data/schema.js';
import { type Table, where } from '../data/table.js';
import { type NumberFormat, cellNumber, formatName, normalizeNumber } from '../data/number-format.js';
import { asLabel, isMissing, isOutOfRange } from '../data/values.js';

export type SpaceColumn =
  | { name: string; kind: 'numeric' | 'boolean'; median: number; mean: number; std: number; format?: NumberFormat }
  | { name: string; kind: 'categorical'; levels: string[] };

const ONE_HOT = Math.SQRT1_2;

function numberOf(t: Table, i: number, name: string, kind: 'numeric' | 'boolean', format?: NumberFormat): number | undefined {
  const v = t.rows[i][name], x0 = kind === 'numeric' ? normalizeNumber(v, format) : v;
  // An infinite or beyond-float32 number is a number, not an invalid cell: missing, as the schema
  // (inferColumn's outOfRange) and the other presets' preprocessor count it, not an error.
  if (isMissing(x0) || (kind === 'numeric' && isOutOfRange(x0))) return undefined;
  const x = cellNumber(x0, kind);
  if (x === undefined) throw new InputError(`${where(t, i)}, column '${name}': '${String(v)}' is not a ${kind === 'boolean' ? 'yes/no value' : format ? `number as the training data wrote them (${formatName(format)})` : 'number'}`);
  return x;
}

/** Fits the scaling on rows `idx` for the numeric, boolean and categorical columns of `schema`. */
export function fitSpace(t: Table, idx: number[], schema: ColumnInfo[], maxLevels = 50): SpaceColumn[] {
  const cols: SpaceColumn[] = [];
  for (const c of schema) {
    if (c.kind === 'numeric' || c.kind === 'boolean') {
      const format = c.kind === 'numeric' ? c.format : undefined;
      const values = idx.map((i) => numberOf(t, i, c.name, c.kind as 'numeric' | 'boolean', format)).filter((v): v is number => v !== undefined);
      if (!values.length) continue;
      const sorted = [...values].sort((a, b) => a - b);
      const median = sorted[sorted.length >> 1];
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
      cols.push({ name: c.name, kind: c.kind, median, mean, std: std > 1e-12 ? std : 1, ...(format ? { format } : {}) });
    } else if (c.kind === 'categorical') {
      const counts = new Map<string, number>();
      for (const i of idx) {
        const v = t.rows[i][c.name];
        const l = isMissing(v) ? MISSING_LEVEL : asLabel(v);
        counts.set(l, (counts.get(l) ?? 0) + 1);
      }
      // Rare labels beyond the most frequent `maxLevels` fall together with unseen ones.
      const levels = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, maxLevels).map(([l]) => l);
      cols.push({ name: c.name, kind: 'categorical', levels: levels.sort() });
    }
  }
  if (!cols.length) throw new InputError('Segmenter: no usable columns (all are ids, text or empty)');
  poolSharedScales(cols, t, idx);
  return cols;
}

/** Numeric columns with the same observed [min, max] get their pooled std (see the file's comment). */
function poolSharedScales(cols: SpaceColumn[], t: Table, idx: number[]): void {
  const groups = new Map<string, Extract<SpaceColumn, { kind: 'numeric' | 'boolean' }>[]>();
  for (const c of cols) {
    if (c.kind !== 'numeric') continue;
    let lo = Infinity, hi = -Infinity;
    for (const i of idx) {
      const x = numberOf(t, i, c.name, 'numeric', c.format);
      if (x !== undefined && Number.isFinite(x)) (lo = Math.min(lo, x)), (hi = Math.max(hi, x));
    }
    if (!(hi > lo)) continue;
    const key = `${lo}|${hi}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    const pooled = Math.sqrt(g.reduce((s, c) => s + c.std * c.std, 0) / g.length);
    for (const c of g) c.std = pooled;
  }
}

export function spaceWidth(cols: SpaceColumn[]): number {
  return cols.reduce((w, c) => w + (c.kind === 'categorical' ? c.levels.length : 1), 0);
}

/** Rows -> [n, width] float64 points (a row lacking a column is an error unless missing: 'impute'). */
export function encodeSpace(cols: SpaceColumn[], t: Table, opts: TransformOptions = {}): Float64Array {
  const width = spaceWidth(cols), n = t.rows.length;
  const out = new Float64Array(n * width);
  const lookups = cols.map((c) => (c.kind === 'categorical' ? new Map(c.levels.map((l, i) => [l, i])) : null));
  for (let i = 0; i < n; i++) {
    const row = t.rows[i];
    if (!row || typeof row !== 'object') throw new InputError(`${where(t, i)} is not an object of column values`);
    let k = i * width;
    cols.forEach((c, j) => {
      if (opts.missing !== 'impute' && !Object.hasOwn(row, c.name))
        throw new InputError(`${where(t, i)} lacks the column '${c.name}' the segmenter was trained on; add it, or pass { missing: 'impute' }`, 'EMISSINGCOLUMNS');
      if (c.kind === 'categorical') {
        const v = row[c.name];
        const at = lookups[j]!.get(isMissing(v) ? MISSING_LEVEL : asLabel(v));
        if (at !== undefined) out[k + at] = ONE_HOT;
        k += c.levels.length;
      } else {
        const x = numberOf(t, i, c.name, c.kind, c.format);
        out[k++] = ((x !== undefined ? x : c.median) - c.mean) / c.std;
      }
    });
  }
  return out;
}
