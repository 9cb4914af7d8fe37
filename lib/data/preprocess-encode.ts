// The row loop of Preprocessor.transform: fitted columns -> the numeric and categorical
// feature arrays. It runs once per value of every scored row, so the common cases take a
// path that allocates nothing and returns doubles only (no boxed numbers, no symbols): a
// plain decimal string or a finite number (decimal.ts), an exact level string compared as a
// literal (small vocabularies) or one Map lookup, a remembered yes/no spelling; that loop is
// generated per preprocessor (preprocess-codegen.ts). Any other value goes through the
// general readers here and in values.ts, which give the same answers and every warning and
// error; a value that is undefined is where absent columns are noticed.
import { InputError } from './errors.js';
import { type CompiledEncode, compileEncoder } from './preprocess-codegen.js';
import { type NumberFormat, formatName, normalizeNumber } from './number-format.js';
import { INVALID, OUT_OF_RANGE, asBoolean, isMissing, readNumeric } from './values.js';
import type { CategoricalColumn, NumericColumn } from './preprocess.js';
import { type Row, type Table, type Value, where } from './table.js';

/** Spellings of yes/no remembered per boolean column (a column has two or a few). */
const BOOLEAN_MEMO = 8;

export const MISSING_LEVEL = '(missing)';

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

export class RowEncoder {
  readonly width: number;
  readonly #names: string[];
  readonly #formats: (NumberFormat | undefined)[];
  readonly #yesNoKeys: string[][];
  readonly #yesNoValues: number[][];
  /** The row loop, generated for these columns (preprocess-codegen.ts); the slow readers below are its fallbacks. */
  readonly #compiled: CompiledEncode<EncodeContext>;

  /** `others`: further input columns (text) whose values are encoded elsewhere, read here only to notice them absent. */
  constructor(numeric: NumericColumn[], categorical: CategoricalColumn[], others: string[] = []) {
    this.#names = numeric.map((c) => c.name);
    this.#formats = numeric.map((c) => c.format);
    this.width = numeric.reduce((w, c) => w + (c.indicator ? 2 : 1), 0);
    this.#yesNoKeys = numeric.map(() => []);
    this.#yesNoValues = numeric.map(() => []);
    // Built from the Map, so a level listed twice (a hand-edited file) maps as the Map does.
    const maps = categorical.map((c) => new Map(c.levels.map((l, i) => [l, i + 1])));
    this.#compiled = compileEncoder(numeric, categorical, others, maps, {
      numericSlow: (v, i, j, ctx) => this.#numericSlow(v, i, j, ctx),
      yesNo: (v, i, j, ctx) => this.#yesNo(v, i, j, ctx),
      notObject: (i, ctx) => {
        ctx.check();
        throw new InputError(`${where(ctx.table, i)} is not an object of column values`);
      },
      missingLevel: MISSING_LEVEL,
    });
  }

  /**
   * Fills `numeric` [n, width] and `categorical` [n, columns] from rows `indices` (all rows
   * when absent); true when some value was undefined (maybe a column absent from a row).
   */
  encode(rows: Row[], indices: number[] | undefined, numeric: Float32Array, categorical: Int32Array, ctx: EncodeContext): boolean {
    return this.#compiled(rows, indices, numeric, categorical, ctx);
  }

  /** A numeric value off the fast path: the number, or NaN when missing (out-of-range and invalid values too, or an error). */
  #numericSlow(v: Value, i: number, j: number, ctx: EncodeContext): number {
    const format = this.#formats[j];
    const got = readNumeric(format ? normalizeNumber(v, format) : v);
    if (typeof got === 'number') return got;
    const name = this.#names[j];
    if (got === OUT_OF_RANGE) {
      const seen = ctx.outOfRange.get(name) ?? { count: 0, examples: [] };
      if (seen.count++ < 3) seen.examples.push(`${where(ctx.table, i)}: '${String(v)}'`);
      ctx.outOfRange.set(name, seen);
    } else if (got === INVALID && ctx.strict) {
      ctx.check();
      throw new InputError(`${where(ctx.table, i)}, column '${name}': '${String(v)}' is not a number${format ? ` as the training data wrote them (${formatName(format)})` : ''}`);
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
