// The row loop of Preprocessor.transform: fitted columns -> the numeric and categorical
// feature arrays. It runs once per value of every scored row, so the common cases take a
// path that allocates nothing and returns doubles only (no boxed numbers, no symbols): a
// plain decimal string or a finite number (decimal.ts), an exact level string found by a
// short scan (small vocabularies) or one Map lookup, a remembered yes/no spelling. Any other
// value goes through the general readers of values.ts, which give the same answers and
// every warning and error; a value that is undefined is where absent columns are noticed.
import { InputError } from './errors.js';
import { plainDecimal } from './decimal.js';
import { FLOAT32_MAX, INVALID, OUT_OF_RANGE, asBoolean, asLabel, isMissing, readNumeric } from './values.js';
import type { CategoricalColumn, NumericColumn } from './preprocess.js';
import { type Row, type Table, type Value, where } from './table.js';

/** Level -> index lookups of this many levels or fewer scan an array (cheaper than hashing a fresh string). */
const SCAN_LEVELS = 8;
/** Spellings of yes/no remembered per boolean column (a column has two or a few). */
const BOOLEAN_MEMO = 8;

export const MISSING_LEVEL = '(missing)';

// log1p of the small whole numbers that log-scaled count columns mostly hold: a table load
// instead of a call into the math library (a third of a wide count table's time). The
// values are Math.log1p's own, so the features stay bit-identical.
const LOG1P_INTEGERS = Float64Array.from({ length: 1024 }, (_, i) => Math.log1p(i));

/** What the slow paths report back to the caller's transform (errors are thrown after `check`). */
export interface EncodeContext {
  table: Table;
  /** Throws or warns as transform does for absent columns; called at most once, before any error. */
  check: () => void;
  /** A non-number in a numeric column throws (else it counts as missing). */
  strict: boolean;
  /** Out-of-range values per column, in the order first seen (row-major), with up to three examples. */
  outOfRange: Map<string, { count: number; examples: string[] }>;
}

/**
 * A function copying a row's values of `names` into an array, one property read per name with
 * the name as a constant (an inline cache per column: rows of one shape, as JSON.parse or a
 * CSV reader makes them, are read at a fixed offset, where a read by a variable name goes
 * through the megamorphic cache: 2-4x slower on wide rows). Names are JSON-quoted literals.
 * A name every object inherits ('constructor', 'toString') is read only as the row's own
 * property: an absent column must read as undefined, which is how absence is noticed.
 */
function rowReader(names: string[]): (row: Row, into: Value[]) => void {
  const inherited = names.map((n) => n in Object.prototype);
  if (names.length > 1000) return (row, into) => names.forEach((n, j) => (into[j] = inherited[j] && !Object.hasOwn(row, n) ? undefined : row[n]));
  const reads = names.map((n, j) => {
    const key = JSON.stringify(n);
    return inherited[j] ? `into[${j}] = Object.hasOwn(row, ${key}) ? row[${key}] : undefined;` : `into[${j}] = row[${key}];`;
  });
  return new Function('row', 'into', reads.join('\n')) as (row: Row, into: Value[]) => void;
}

export class RowEncoder {
  readonly width: number;
  readonly #names: string[];
  readonly #isBoolean: Uint8Array;
  readonly #indicator: Uint8Array;
  readonly #log: Uint8Array;
  readonly #median: Float64Array;
  readonly #mean: Float64Array;
  readonly #std: Float64Array;
  readonly #catNames: string[];
  readonly #maps: Map<string, number>[];
  // Columns of few levels scan their levels, all columns' in one flat list: column j's are
  // [scanFrom[j], scanTo[j]), with each level's length compared first (a cheap field load)
  // so that about one full string comparison decides. scanFrom[j] < 0: look up the Map.
  readonly #scanFrom: Int32Array;
  readonly #scanTo: Int32Array;
  readonly #scanKeys: string[];
  readonly #scanLengths: Int32Array;
  readonly #scanCodes: Int32Array;
  readonly #yesNoKeys: string[][];
  readonly #yesNoValues: number[][];
  readonly #read: (row: Row, into: Value[]) => void;

  readonly #others: number;

  /** `others`: further input columns (text) whose values are encoded elsewhere, read here only to notice them absent. */
  constructor(numeric: NumericColumn[], categorical: CategoricalColumn[], others: string[] = []) {
    this.#names = numeric.map((c) => c.name);
    this.#isBoolean = Uint8Array.from(numeric, (c) => (c.kind === 'boolean' ? 1 : 0));
    this.#indicator = Uint8Array.from(numeric, (c) => (c.indicator ? 1 : 0));
    this.#log = Uint8Array.from(numeric, (c) => (c.log ? 1 : 0));
    this.#median = Float64Array.from(numeric, (c) => c.median);
    this.#mean = Float64Array.from(numeric, (c) => c.mean);
    this.#std = Float64Array.from(numeric, (c) => c.std);
    this.width = numeric.reduce((w, c) => w + (c.indicator ? 2 : 1), 0);
    this.#catNames = categorical.map((c) => c.name);
    // Built from the Map, so a level listed twice (a hand-edited file) maps as the Map does.
    this.#maps = categorical.map((c) => new Map(c.levels.map((l, i) => [l, i + 1])));
    const keys: string[] = [], codes: number[] = [];
    this.#scanFrom = new Int32Array(categorical.length).fill(-1);
    this.#scanTo = new Int32Array(categorical.length).fill(-1);
    this.#maps.forEach((m, j) => {
      if (m.size > SCAN_LEVELS) return;
      this.#scanFrom[j] = keys.length;
      for (const [l, code] of m) keys.push(l), codes.push(code);
      this.#scanTo[j] = keys.length;
    });
    this.#scanKeys = keys;
    this.#scanLengths = Int32Array.from(keys, (k) => k.length);
    this.#scanCodes = Int32Array.from(codes);
    this.#yesNoKeys = numeric.map(() => []);
    this.#yesNoValues = numeric.map(() => []);
    this.#others = others.length;
    this.#read = rowReader([...this.#names, ...this.#catNames, ...others]);
  }

  /**
   * Fills `numeric` [n, width] and `categorical` [n, columns] from rows `indices` (all rows
   * when absent); true when some value was undefined (maybe a column absent from a row).
   */
  encode(rows: Row[], indices: number[] | undefined, numeric: Float32Array, categorical: Int32Array, ctx: EncodeContext): boolean {
    const n = indices ? indices.length : rows.length;
    const nn = this.#names.length, nc = this.#catNames.length, width = this.width;
    const isBoolean = this.#isBoolean, log = this.#log, indicator = this.#indicator;
    const median = this.#median, mean = this.#mean, std = this.#std;
    const maps = this.#maps, scanKeys = this.#scanKeys, scanLengths = this.#scanLengths, scanCodes = this.#scanCodes;
    const scanFrom = this.#scanFrom, scanTo = this.#scanTo;
    const read = this.#read;
    const values = new Array<Value>(nn + nc + this.#others).fill(undefined);
    let undefinedSeen = false;
    for (let r = 0; r < n; r++) {
      const i = indices ? indices[r] : r;
      const row = rows[i];
      if (row === null || typeof row !== 'object') {
        ctx.check();
        throw new InputError(`${where(ctx.table, i)} is not an object of column values`);
      }
      read(row, values);
      let k = r * width;
      for (let j = 0; j < nn; j++) {
        const v = values[j];
        let x = NaN;
        if (isBoolean[j] === 0) {
          if (typeof v === 'string') x = plainDecimal(v);
          else if (typeof v === 'number' && Math.abs(v) <= FLOAT32_MAX) x = v;
          if (x !== x) x = this.#numericSlow(v, i, j, ctx);
        } else x = this.#yesNo(v, i, j, ctx);
        if (v === undefined) undefinedSeen = true;
        // NaN is "missing" from here on: the median, and the indicator's 1.
        const missing = x !== x;
        if (!missing && log[j] === 1) {
          const y = x > 0 ? x : 0;  // Math.max(0, x), -0 included
          x = y < LOG1P_INTEGERS.length && y === Math.floor(y) ? LOG1P_INTEGERS[y] : Math.log1p(y);
        }
        numeric[k++] = ((missing ? median[j] : x) - mean[j]) / std[j];
        if (indicator[j] === 1) numeric[k++] = missing ? 1 : 0;
      }
      for (let j = 0; j < nc; j++) {
        const v = values[nn + j];
        let code = -1;
        // A string that is a level as it stands needs no trimming or missing check: levels
        // are trimmed labels, and no missing token ("NA", "") is ever a level.
        if (typeof v === 'string') {
          const from = scanFrom[j];
          if (from >= 0) {
            const len = v.length, to = scanTo[j];
            for (let l = from; l < to; l++)
              if (scanLengths[l] === len && scanKeys[l] === v) {
                code = scanCodes[l];
                break;
              }
          } else code = maps[j].get(v) ?? -1;
        }
        if (code < 0) {
          if (v === undefined) undefinedSeen = true;
          code = maps[j].get(isMissing(v) ? MISSING_LEVEL : asLabel(v)) ?? 0;
        }
        categorical[r * nc + j] = code;
      }
      for (let j = nn + nc; j < values.length; j++) if (values[j] === undefined) undefinedSeen = true;
    }
    return undefinedSeen;
  }

  /** A numeric value off the fast path: the number, or NaN when missing (out-of-range and invalid values too, or an error). */
  #numericSlow(v: Value, i: number, j: number, ctx: EncodeContext): number {
    const got = readNumeric(v);
    if (typeof got === 'number') return got;
    const name = this.#names[j];
    if (got === OUT_OF_RANGE) {
      const seen = ctx.outOfRange.get(name) ?? { count: 0, examples: [] };
      if (seen.count++ < 3) seen.examples.push(`${where(ctx.table, i)}: '${String(v)}'`);
      ctx.outOfRange.set(name, seen);
    } else if (got === INVALID && ctx.strict) {
      ctx.check();
      throw new InputError(`${where(ctx.table, i)}, column '${name}': '${String(v)}' is not a number`);
    }
    return NaN;
  }

  /** A yes/no column's 1 / 0, or NaN when missing (or not yes/no, unless strict: then an error). */
  #yesNo(v: Value, i: number, j: number, ctx: EncodeContext): number {
    if (v === true) return 1;
    if (v === false) return 0;
    if (typeof v === 'string') {
      const keys = this.#yesNoKeys[j];
      for (let l = 0; l < keys.length; l++) if (keys[l] === v) return this.#yesNoValues[j][l];
    }
    if (isMissing(v)) return NaN;
    const b = asBoolean(v);
    if (b === undefined) {
      if (ctx.strict) {
        ctx.check();
        throw new InputError(`${where(ctx.table, i)}, column '${this.#names[j]}': '${String(v)}' is not a yes/no value`);
      }
      return NaN;
    }
    // Remembered by the exact string: the same spelling always reads the same.
    if (typeof v === 'string' && this.#yesNoKeys[j].length < BOOLEAN_MEMO) {
      this.#yesNoKeys[j].push(v);
      this.#yesNoValues[j].push(b ? 1 : 0);
    }
    return b ? 1 : 0;
  }
}
