// Columns -> features, fitted on training rows only: numeric columns get median imputation
// (plus a missing-indicator when training data had gaps) and standard scaling; booleans become
// 0/1; categorical labels become embedding indices with 0 kept for labels never seen in
// training and a level of their own for missing values. The fitted state is plain JSON, saved
// in the model file, so a loaded model accepts raw rows.
import { asBoolean, asLabel, asNumber, isMissing } from './values.js';
import type { ColumnInfo } from './schema.js';
import { type Row, type Table, where } from './table.js';

export interface NumericColumn {
  name: string;
  kind: 'numeric' | 'boolean';
  median: number;
  mean: number;
  std: number;
  /** Adds a 0/1 "was missing" feature (training data had missing values here). */
  indicator: boolean;
  /** log1p before scaling: for non-negative, strongly right-skewed columns (amounts, counts). */
  log?: boolean;
}

export interface CategoricalColumn {
  name: string;
  kind: 'categorical';
  /** Level i + 1 is levels[i]; index 0 is the out-of-vocabulary bucket. */
  levels: string[];
}

export type ColumnState = NumericColumn | CategoricalColumn;

export const MISSING_LEVEL = '(missing)';

export interface Encoded {
  /** [n, numericWidth] standardized numeric features (and indicators). */
  numeric: Float32Array;
  /** [n, categoricalColumns] embedding indices. */
  categorical: Int32Array;
  n: number;
}

export interface TransformOptions {
  /** What a non-number in a numeric column does at predict time: throw (default) or count as missing. */
  invalid?: 'error' | 'missing';
}

function skewness(values: number[]): number {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  let m2 = 0, m3 = 0;
  for (const v of values) {
    const d = v - mean;
    m2 += d * d;
    m3 += d * d * d;
  }
  m2 /= n;
  m3 /= n;
  return m2 > 0 ? m3 / m2 ** 1.5 : 0;
}

function median(values: number[]): number {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export class Preprocessor {
  readonly columns: ColumnState[];

  constructor(columns: ColumnState[]) {
    this.columns = columns;
  }

  get numericColumns(): NumericColumn[] {
    return this.columns.filter((c): c is NumericColumn => c.kind !== 'categorical');
  }
  get categoricalColumns(): CategoricalColumn[] {
    return this.columns.filter((c): c is CategoricalColumn => c.kind === 'categorical');
  }
  /** Width of the numeric feature block. */
  get numericWidth(): number {
    return this.numericColumns.reduce((w, c) => w + (c.indicator ? 2 : 1), 0);
  }
  /** Embedding table sizes: levels + the out-of-vocabulary bucket. */
  get cardinalities(): number[] {
    return this.categoricalColumns.map((c) => c.levels.length + 1);
  }

  /** Fits the encoders on `rows` (training rows only) for the feature columns in `schema`. */
  static fit(t: Table, rows: number[], schema: ColumnInfo[], opts: { maxLevels?: number } = {}): Preprocessor {
    const maxLevels = opts.maxLevels ?? 1000;
    const columns: ColumnState[] = [];
    for (const col of schema) {
      if (col.kind === 'numeric' || col.kind === 'boolean') {
        const values: number[] = [];
        let missing = 0;
        for (const i of rows) {
          const v = t.rows[i][col.name];
          if (isMissing(v)) {
            missing++;
            continue;
          }
          const x = col.kind === 'boolean' ? Number(asBoolean(v)) : asNumber(v);
          if (x === undefined || Number.isNaN(x))
            throw new RangeError(`${where(t, i)}, column '${col.name}': '${String(v)}' is not a ${col.kind === 'boolean' ? 'yes/no value' : 'number'}`);
          values.push(x);
        }
        // Strongly right-skewed non-negative columns (spend, tenure-like amounts) are scaled on a
        // log scale, where a network sees their differences evenly.
        const log = col.kind === 'numeric' && values.length > 2 && values.every((v) => v >= 0) && skewness(values) > 0.5;
        if (log) for (let j = 0; j < values.length; j++) values[j] = Math.log1p(values[j]);
        const med = median(values);
        const filled = values.length + missing ? [...values, ...new Array(missing).fill(med)] : [0];
        const mean = filled.reduce((a, b) => a + b, 0) / filled.length;
        const std = Math.sqrt(filled.reduce((a, b) => a + (b - mean) ** 2, 0) / filled.length);
        columns.push({ name: col.name, kind: col.kind, median: med, mean, std: std > 1e-12 ? std : 1, indicator: missing > 0, ...(log ? { log } : {}) });
      } else if (col.kind === 'categorical') {
        const counts = new Map<string, number>();
        for (const i of rows) {
          const v = t.rows[i][col.name];
          const label = isMissing(v) ? MISSING_LEVEL : asLabel(v);
          counts.set(label, (counts.get(label) ?? 0) + 1);
        }
        // The most frequent labels, in a stable order; rarer ones share the OOV bucket.
        const levels = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, maxLevels).map(([l]) => l);
        columns.push({ name: col.name, kind: 'categorical', levels: levels.sort() });
      }
    }
    if (!columns.length) throw new RangeError('preprocess: no usable feature columns (all are ids, text or empty)');
    return new Preprocessor(columns);
  }

  toJSON(): { version: 1; columns: ColumnState[] } {
    return { version: 1, columns: this.columns };
  }

  static fromJSON(state: unknown): Preprocessor {
    const s = state as { version?: number; columns?: ColumnState[] };
    if (!s || s.version !== 1 || !Array.isArray(s.columns)) throw new Error('preprocess: the saved preprocessing state is missing or from an unknown version');
    return new Preprocessor(s.columns);
  }

  /** Encodes rows (any columns beyond the features are ignored; missing feature columns are missing values). */
  transform(t: Table, indices?: number[], opts: TransformOptions = {}): Encoded {
    const idx = indices ?? t.rows.map((_, i) => i);
    const n = idx.length, width = this.numericWidth, cats = this.categoricalColumns;
    const numeric = new Float32Array(n * width), categorical = new Int32Array(n * cats.length);
    const lookups = cats.map((c) => new Map(c.levels.map((l, i) => [l, i + 1])));
    idx.forEach((i, r) => {
      const row: Row = t.rows[i];
      let k = r * width;
      for (const c of this.numericColumns) {
        const v = row[c.name];
        let x: number | undefined;
        if (!isMissing(v)) {
          x = c.kind === 'boolean' ? (asBoolean(v) === undefined ? undefined : Number(asBoolean(v))) : asNumber(v);
          if (x === undefined && (opts.invalid ?? 'error') === 'error')
            throw new RangeError(`${where(t, i)}, column '${c.name}': '${String(v)}' is not a ${c.kind === 'boolean' ? 'yes/no value' : 'number'}`);
        }
        if (x !== undefined && c.log) x = Math.log1p(Math.max(0, x));
        numeric[k++] = ((x ?? c.median) - c.mean) / c.std;
        if (c.indicator) numeric[k++] = x === undefined ? 1 : 0;
      }
      cats.forEach((c, j) => {
        const v = row[c.name];
        categorical[r * cats.length + j] = lookups[j].get(isMissing(v) ? MISSING_LEVEL : asLabel(v)) ?? 0;
      });
    });
    return { numeric, categorical, n };
  }
}
