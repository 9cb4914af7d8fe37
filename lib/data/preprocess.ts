// Columns -> features, fitted on training rows only: numeric columns get median imputation
// (plus a missing-indicator when training data had gaps) and standard scaling; booleans become
// 0/1; categorical labels become embedding indices with 0 kept for labels never seen in
// training and a level of their own for missing values. The fitted state is plain JSON, saved
// in the model file, so a loaded model accepts raw rows. Out-of-range numbers (inf, 1e39)
// are missing values to both fit and transform (with a warning), and every statistic is
// checked finite when it is fitted, saved and loaded: a NaN there silently turns every later
// prediction into NaN.
import { type DataWarning, InputError, type WarningHandler, columnList, emitWarning, formatWarning } from './errors.js';
import { NUMBER_FORMATS, type NumberFormat, formatName, normalizeNumber } from './number-format.js';
import { asBoolean, asLabel, asNumber, isMissing, isOutOfRange } from './values.js';
import { type EncodeContext, MISSING_LEVEL, RowEncoder } from './preprocess-encode.js';
import type { ColumnInfo } from './schema.js';
import { type Row, type Table, where } from './table.js';
import { type TextColumn, checkTextColumn, encodeTextColumn, fitTextColumn } from './text-column.js';
import type { Bag } from './text/featurize.js';

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
  /** How the column's cells are written, when not as plain numbers ("1,234.5", "56,95 €"): number-format.ts. */
  format?: NumberFormat;
}

export interface CategoricalColumn {
  name: string;
  kind: 'categorical';
  /** Level i + 1 is levels[i]; index 0 is the out-of-vocabulary bucket. */
  levels: string[];
}

export type ColumnState = NumericColumn | CategoricalColumn | TextColumn;

export { MISSING_LEVEL };

export interface Encoded {
  /** [n, numericWidth] standardized numeric features (and indicators). */
  numeric: Float32Array;
  /** [n, categoricalColumns] embedding indices. */
  categorical: Int32Array;
  /** One bag of features per text column (text-column.ts), in column order. */
  text?: Bag[];
  n: number;
}

export interface TransformOptions {
  /** What a non-number in a numeric column does at predict time: throw (default) or count as missing. */
  invalid?: 'error' | 'missing';
  /**
   * What a row (or file) lacking a column the model was trained on does: throw, naming the
   * columns (default), or 'impute' them as missing values (with a warning).
   */
  missing?: 'error' | 'impute';
  /** Receives warnings (out-of-range values, imputed columns); default: process.emitWarning. */
  onWarning?: WarningHandler;
}

function outOfRangeWarning(column: string, count: number, examples: string[]): DataWarning {
  return { kind: 'out-of-range', column, count, examples };
}

/** Throws unless every number of a fitted column is finite (and std positive). */
function checkColumn(c: ColumnState, i: number, prefix: string): void {
  const bad = (why: string) => {
    throw new Error(`${prefix}preprocessing column ${i}${c && typeof c.name === 'string' ? ` '${c.name}'` : ''} ${why}`);
  };
  if (!c || typeof c !== 'object' || typeof c.name !== 'string') bad('is not a named column');
  if (c.kind === 'text') return checkTextColumn(c);
  if (c.kind === 'categorical') {
    if (!Array.isArray(c.levels) || !c.levels.every((l) => typeof l === 'string')) bad('has no list of levels');
    return;
  }
  if (c.kind !== 'numeric' && c.kind !== 'boolean') bad(`has an unknown kind ${JSON.stringify((c as { kind: unknown }).kind)}`);
  if (c.format !== undefined && (c.kind !== 'numeric' || !NUMBER_FORMATS.includes(c.format))) bad(`has an unknown number format ${JSON.stringify(c.format)}${c.kind !== 'numeric' ? ` for a ${c.kind} column` : ''}`);
  for (const key of ['median', 'mean', 'std'] as const)
    if (typeof c[key] !== 'number' || !Number.isFinite(c[key])) bad(`has a non-finite ${key} (${JSON.stringify(c[key])})`);
  if (!(c.std > 0)) bad(`has a std of ${c.std}, which must be positive`);
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
    return this.columns.filter((c): c is NumericColumn => c.kind === 'numeric' || c.kind === 'boolean');
  }
  get categoricalColumns(): CategoricalColumn[] {
    return this.columns.filter((c): c is CategoricalColumn => c.kind === 'categorical');
  }
  get textColumns(): TextColumn[] {
    return this.columns.filter((c): c is TextColumn => c.kind === 'text');
  }
  /** Per text column, the ids its bags hold (for the network's EmbeddingBag). */
  get textSizes(): number[] {
    return this.textColumns.map((c) => c.text.bpe.vocab.length + c.text.buckets);
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
  /** `text`: encode free-text columns (for networks that read them); otherwise they are left out. */
  static fit(t: Table, rows: number[], schema: ColumnInfo[], opts: { maxLevels?: number; onWarning?: WarningHandler; text?: boolean } = {}): Preprocessor {
    const maxLevels = opts.maxLevels ?? 1000;
    const onWarning = opts.onWarning ?? emitWarning;
    const columns: ColumnState[] = [];
    for (const col of schema) {
      if (col.kind === 'numeric' || col.kind === 'boolean') {
        const values: number[] = [];
        let missing = 0, outOfRange = 0;
        const examples: string[] = [];
        for (const i of rows) {
          const raw = t.rows[i][col.name];
          const v = col.kind === 'numeric' ? normalizeNumber(raw, col.format) : raw;
          if (isMissing(v)) {
            missing++;
            continue;
          }
          if (col.kind === 'numeric' && isOutOfRange(v)) {
            missing++;
            if (outOfRange++ < 3) examples.push(`${where(t, i)}: '${String(raw)}'`);
            continue;
          }
          const x = col.kind === 'boolean' ? Number(asBoolean(v)) : asNumber(v);
          if (x === undefined || Number.isNaN(x))
            throw new InputError(`${where(t, i)}, column '${col.name}': '${String(raw)}' is not a ${col.kind === 'boolean' ? 'yes/no value' : col.format ? `number written as the column's others are (${formatName(col.format)})` : 'number'}`);
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
        if (outOfRange) {
          const w = outOfRangeWarning(col.name, outOfRange, examples);
          onWarning(formatWarning(w), w);
        }
        const state: NumericColumn = { name: col.name, kind: col.kind, median: med, mean, std: std > 1e-12 ? std : 1, indicator: missing > 0, ...(log ? { log } : {}), ...(col.kind === 'numeric' && col.format ? { format: col.format } : {}) };
        checkColumn(state, columns.length, 'preprocess: ');
        columns.push(state);
      } else if (col.kind === 'text' && opts.text) {
        columns.push(fitTextColumn(t, rows, col.name));
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
    if (!columns.length) throw new InputError('preprocess: no usable feature columns (all are ids, text or empty)');
    return new Preprocessor(columns);
  }

  /** The fitted state as JSON (refused if any statistic is not finite: JSON would write null). */
  toJSON(): { version: 1; columns: ColumnState[] } {
    this.columns.forEach((c, i) => checkColumn(c, i, 'save: '));
    return { version: 1, columns: this.columns };
  }

  static fromJSON(state: unknown): Preprocessor {
    const s = state as { version?: number; columns?: ColumnState[] };
    if (!s || s.version !== 1 || !Array.isArray(s.columns)) throw new Error('preprocess: the saved preprocessing state is missing or from an unknown version');
    s.columns.forEach((c, i) => checkColumn(c, i, ''));
    return new Preprocessor(s.columns);
  }

  /** Columns the features are made from (what every row given to transform must have). */
  get inputColumns(): string[] {
    return this.columns.map((c) => c.name);
  }

  /**
   * Throws an InputError naming the trained columns `t` lacks (the file's header, else the
   * first row lacking one), unless `missing` is 'impute'; then warns once.
   */
  private checkColumns(t: Table, idx: number[], missing: 'error' | 'impute', onWarning: WarningHandler): void {
    const names = this.inputColumns;
    let absent: string[] = [], at = t.source ?? 'the rows', lacking = idx.length;
    if (t.columns.length) absent = names.filter((n) => !t.columns.includes(n));
    if (!absent.length) {
      // Rows from JS or JSON Lines may each have other keys: check every row.
      const union = new Set<string>();
      lacking = 0;
      for (const i of idx) {
        const row = t.rows[i];
        if (!row || typeof row !== 'object') throw new InputError(`${where(t, i)} is not an object of column values`);
        const gaps = names.filter((n) => !Object.hasOwn(row, n)); // not `in`: 'constructor' is in every object
        if (!gaps.length) continue;
        if (missing === 'error') {
          absent = gaps;
          at = where(t, i);
          break;
        }
        lacking++;
        for (const g of gaps) union.add(g);
      }
      if (missing === 'impute') absent = [...union];
    }
    if (!absent.length) return;
    if (missing === 'impute') {
      const w: DataWarning = { kind: 'imputed-columns', columns: absent, source: t.source, rows: lacking };
      onWarning(formatWarning(w), w);
      return;
    }
    const list = columnList(absent.map((n) => `'${n}'`));
    throw new InputError(
      (cli) =>
        `${at} lack${at === 'the rows' ? '' : 's'} ${absent.length === 1 ? 'a column' : `${absent.length} columns`} the model was trained on: ${list}; ` +
        `add ${absent.length === 1 ? 'it' : 'them'}, or pass ${cli ? '--impute-missing' : "{ missing: 'impute' }"} to score with imputed values`,
      'EMISSINGCOLUMNS',
    );
  }

  // The row encoder (preprocess-encode.ts), built on first use; the columns are fixed once fitted.
  #encoder: RowEncoder | undefined;

  /**
   * Encodes rows. Columns beyond the features are ignored; a row lacking a feature column is an
   * error unless `opts.missing` is 'impute'; out-of-range numbers are imputed, with a warning.
   */
  transform(t: Table, indices?: number[], opts: TransformOptions = {}): Encoded {
    const onWarning = opts.onWarning ?? emitWarning;
    const missing = opts.missing ?? 'error';
    const rows = t.rows, n = indices ? indices.length : rows.length;
    const allRows = () => indices ?? rows.map((_, i) => i);
    // Absent columns are found while encoding (a value is undefined), not by a pass over every
    // key of every row first (a fifth of the time); only a short header needs checking here.
    let checked = false;
    const check = () => {
      if (!checked) this.checkColumns(t, allRows(), missing, onWarning);
      checked = true;
    };
    if (t.columns.length) {
      const header = new Set(t.columns);
      if (!this.inputColumns.every((c) => header.has(c))) check();
    }
    const encoder = (this.#encoder ??= new RowEncoder(this.numericColumns, this.categoricalColumns, this.textColumns.map((c) => c.name)));
    const width = encoder.width, nc = this.cardinalities.length;
    const numeric = new Float32Array(n * width), categorical = new Int32Array(n * nc);
    const ctx: EncodeContext = { table: t, check, strict: (opts.invalid ?? 'error') === 'error', outOfRange: new Map() };
    const undefinedSeen = encoder.encode(rows, indices, numeric, categorical, ctx);
    if (undefinedSeen) check();
    for (const [column, { count, examples }] of ctx.outOfRange) {
      const w = outOfRangeWarning(column, count, examples);
      onWarning(formatWarning(w), w);
    }
    const texts = this.textColumns;
    return { numeric, categorical, n, ...(texts.length ? { text: texts.map((c) => encodeTextColumn(c, t, allRows())) } : {}) };
  }
}
