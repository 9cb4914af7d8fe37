// Preprocessor.transform's row loop, generated for one fitted preprocessor: column by column,
// with every column's name, kind, statistics and small vocabulary written in as literals.
// A general loop over the columns spent most of its ~11 ns a value choosing what to do with
// it (per-column flags, scans of a shared level list, an array of values in between); here
// that choice is made once, when the code is generated, and a number cell costs its read,
// its parse and one store (JSON numbers 1.75-1.9x, CSV strings 1.2-1.6x faster than that
// loop; bench/RESULTS.md).
// The arithmetic is the loop's, expression for expression, so the features are bit-identical
// (test/preprocess-fast.test.ts); values off the fast path take the slow readers passed in,
// so warnings, errors and their row order are unchanged. Names and levels go in as JSON
// string literals, which JavaScript reads back as the same strings, so any text is safe.
import { plainDecimal } from './decimal.js';
import { InputError } from './errors.js';
import { FLOAT32_MAX, asLabel, isMissing } from './values.js';
import type { CategoricalColumn, NumericColumn } from './preprocess.js';
import type { Row, Value } from './table.js';

/**
 * Columns per generated function. One function for a wide table grows past what V8's
 * optimizing compiler inlines well (85 columns ran slower than the general loop); a row
 * then calls a few small functions, each optimized on its own.
 */
export const CHUNK_COLUMNS = 16;
/** Vocabularies of this many levels or fewer are compared as literals; larger ones are a Map lookup. */
const LITERAL_LEVELS = 8;

// log1p of the small whole numbers that log-scaled count columns mostly hold: a table load
// instead of a call into the math library (a third of a wide count table's time). The
// values are Math.log1p's own, so the features stay bit-identical.
const LOG1P_INTEGERS = Float64Array.from({ length: 1024 }, (_, i) => Math.log1p(i));

export interface EncoderHelpers<C> {
  /** A numeric value off the fast path: its number, or NaN (missing, invalid, out of range), or a throw. */
  numericSlow: (v: Value, i: number, j: number, ctx: C) => number;
  /** A yes/no value other than true/false: 1, 0 or NaN, or a throw. */
  yesNo: (v: Value, i: number, j: number, ctx: C) => number;
  /** Row i is not an object: throws. */
  notObject: (i: number, ctx: C) => never;
  missingLevel: string;
}

export type CompiledEncode<C> = (rows: Row[], indices: number[] | undefined, numeric: Float32Array, categorical: Int32Array, ctx: C) => boolean;

/**
 * A column statistic as a literal that reads back as the same double (-0 included). It comes
 * from a model file, which may be corrupt or crafted: anything but a number is refused here,
 * before it could become code.
 */
function numberLiteral(x: number, column: string, what: string): string {
  if (typeof x !== 'number') throw new InputError(`preprocess: the saved ${what} of column '${column}' is not a number (a corrupt model file?)`);
  return Object.is(x, -0) ? '-0' : String(x);
}

/** A property read of `name` from `row`; a name every object inherits is read as an own property only, so an absent column reads undefined. */
function readOf(name: string): string {
  const key = JSON.stringify(name);
  return name in Object.prototype ? `(Object.hasOwn(row, ${key}) ? row[${key}] : undefined)` : `row[${key}]`;
}

/** One column's statements: reads row[name], writes its feature(s); `undefinedSeen` set when the value is undefined. */
type Statements = string[];

function numericStatements(c: NumericColumn, j: number, offset: number): Statements {
  const out = [`v = ${readOf(c.name)};`];
  if (c.kind === 'boolean') out.push(`x = v === true ? 1 : v === false ? 0 : yesNo(v, i, ${j}, ctx);`);
  else {
    // A one-character cell (a count, a flag, a rating) is read here: with a call per column,
    // V8 stops inlining plainDecimal after a few, and most cells of wide count tables are one digit.
    // With a decimal comma "1.234" is 1234, not what plainDecimal reads: such strings take the slow path.
    if (c.format === 'comma') out.push(`if (typeof v === 'string') x = NaN;`);
    else out.push(`if (typeof v === 'string') { d = v.length === 1 ? v.charCodeAt(0) - 48 : -1; x = d >= 0 && d <= 9 ? d : plainDecimal(v); }`);
    out.push(`else x = typeof v === 'number' && Math.abs(v) <= FLOAT32_MAX ? v : NaN;`);
    out.push(`if (x !== x) x = numericSlow(v, i, ${j}, ctx);`);
  }
  out.push(`if (v === undefined) undefinedSeen = true;`, `missing = x !== x;`);
  if (c.log) out.push(`if (!missing) { y = x > 0 ? x : 0; x = y < LOG1P_INTEGERS.length && y === Math.floor(y) ? LOG1P_INTEGERS[y] : Math.log1p(y); }`);
  out.push(`numeric[k + ${offset}] = ((missing ? ${numberLiteral(c.median, c.name, 'median')} : x) - ${numberLiteral(c.mean, c.name, 'mean')}) / ${numberLiteral(c.std, c.name, 'scale')};`);
  if (c.indicator) out.push(`numeric[k + ${offset + 1}] = missing ? 1 : 0;`);
  return out;
}

/**
 * An expression for the code of string `v` among a few levels (from the Map, so a level
 * listed twice codes as the Map codes it). Levels are told apart by length and then by one
 * character, so that one string comparison decides: a CSV reader's fields of 13 characters
 * or more are V8 slices of the text they came from, and each `===` on a slice takes a slow
 * path (mlc_churn's 'area_code_415' against three levels: 63 ns a value, against 11 for
 * JSON.parse's internalized strings, where equality is a pointer test).
 */
function literalLookup(map: Map<string, number>): string {
  const byLength = new Map<number, [string, number][]>();
  for (const [level, code] of map) byLength.set(level.length, [...(byLength.get(level.length) ?? []), [level, code]]);
  const branches = [...byLength].map(([length, levels]) => {
    const at = levels.length > 1 ? Array.from({ length }, (_, p) => length - 1 - p).find((p) => new Set(levels.map(([l]) => l.charCodeAt(p))).size === levels.length) : undefined;
    const tests = levels.map(([level, code]) => `${at === undefined ? '' : `v.charCodeAt(${at}) === ${level.charCodeAt(at)} && `}v === ${JSON.stringify(level)} ? ${code} : `).join('');
    return `v.length === ${length} ? (${tests}-1) : `;
  });
  return `${branches.join('')}-1`;
}

function categoricalStatements(c: CategoricalColumn, j: number, map: Map<string, number>): Statements {
  const out = [`v = ${readOf(c.name)};`];
  if (map.size <= LITERAL_LEVELS) out.push(`code = typeof v === 'string' ? ${literalLookup(map)} : -1;`);
  else out.push(`code = typeof v === 'string' ? (maps[${j}].get(v) ?? -1) : -1;`);
  // A string that is not a level as it stands may still be one trimmed, or a missing token.
  out.push(`if (code < 0) { if (v === undefined) undefinedSeen = true; code = maps[${j}].get(isMissing(v) ? MISSING_LEVEL : asLabel(v)) ?? 0; }`);
  out.push(`categorical[c + ${j}] = code;`);
  return out;
}

type Chunk<C> = (row: Row, i: number, k: number, c: number, numeric: Float32Array, categorical: Int32Array, ctx: C) => boolean;

/** The encode function for these columns. */
export function compileEncoder<C>(numeric: NumericColumn[], categorical: CategoricalColumn[], others: string[], maps: Map<string, number>[], helpers: EncoderHelpers<C>): CompiledEncode<C> {
  const columns: Statements[] = [];
  let width = 0;
  numeric.forEach((c, j) => {
    columns.push(numericStatements(c, j, width));
    width += c.indicator ? 2 : 1;
  });
  const nc = categorical.length;
  categorical.forEach((c, j) => columns.push(categoricalStatements(c, j, maps[j])));
  for (const name of others) columns.push([`if (${readOf(name)} === undefined) undefinedSeen = true;`]);
  const chunks: Chunk<C>[] = [];
  for (let from = 0; from < columns.length; from += CHUNK_COLUMNS) {
    const source = `
      return function encodeColumns(row, i, k, c, numeric, categorical, ctx) {
        let v, x, y, d, missing, code, undefinedSeen = false;
        ${columns.slice(from, from + CHUNK_COLUMNS).flat().join('\n        ')}
        return undefinedSeen;
      };`;
    const make = new Function('plainDecimal', 'FLOAT32_MAX', 'LOG1P_INTEGERS', 'maps', 'isMissing', 'asLabel', 'MISSING_LEVEL', 'numericSlow', 'yesNo', source);
    chunks.push(make(plainDecimal, FLOAT32_MAX, LOG1P_INTEGERS, maps, isMissing, asLabel, helpers.missingLevel, helpers.numericSlow, helpers.yesNo) as Chunk<C>);
  }
  const notObject = helpers.notObject;
  return (rows, indices, numericOut, categoricalOut, ctx) => {
    const n = indices ? indices.length : rows.length;
    let undefinedSeen = false;
    for (let r = 0; r < n; r++) {
      const i = indices ? indices[r] : r;
      const row = rows[i];
      if (row === null || typeof row !== 'object') notObject(i, ctx);
      // Chunks in column order, so values are read (and any error thrown) in the general order.
      for (let g = 0; g < chunks.length; g++) if (chunks[g](row, i, r * width, r * nc, numericOut, categoricalOut, ctx)) undefinedSeen = true;
    }
    return undefinedSeen;
  };
}
