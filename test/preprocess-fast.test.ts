// Preprocessor.transform's fast row loops (lib/data/preprocess-encode.ts, preprocess-codegen.ts, decimal.ts) against a
// straightforward reference written here from the general readers of values.ts (isMissing,
// isOutOfRange, asNumber, asBoolean, asLabel): fresh random rows of every kind of value a
// caller sends (numbers as numbers and as strings, padded, signed, exponents, hex, missing
// tokens, out-of-range values, unseen and padded labels, booleans, absent keys), compared bit
// for bit, with the warnings; and the decimal fast path against Number() itself.
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { plainDecimal } from '../lib/data/decimal.js';
import { CHUNK_COLUMNS, compileEncoder } from '../lib/data/preprocess-codegen.js';
import { asBoolean, asLabel, asNumber, isMissing, isOutOfRange } from '../lib/data/values.js';
import type { CategoricalColumn, ColumnState, NumericColumn } from '../lib/data/preprocess.js';
import type { DataWarning } from '../lib/data/errors.js';
import { TEST_SEED, makeRng } from './helpers/random.js';

type Value = tl.data.Value;

/**
 * The features as the general readers define them; invalid values count as missing, and so
 * does an absent key (a row's own properties only: an absent 'constructor' is not Object).
 */
function reference(columns: ColumnState[], rows: Record<string, Value>[]): { numeric: Float32Array; categorical: Int32Array; outOfRange: Map<string, number> } {
  const num = columns.filter((c): c is NumericColumn => c.kind === 'numeric' || c.kind === 'boolean');
  const cat = columns.filter((c): c is CategoricalColumn => c.kind === 'categorical');
  const numeric: number[] = [], categorical: number[] = [];
  const outOfRange = new Map<string, number>();
  const own = (row: Record<string, Value>, name: string) => (Object.hasOwn(row, name) ? row[name] : undefined);
  for (const row of rows) {
    for (const c of num) {
      const v = own(row, c.name);
      let x: number | undefined;
      if (c.kind === 'boolean') {
        const b = isMissing(v) ? undefined : asBoolean(v);
        x = b === undefined ? undefined : Number(b);
      } else if (isMissing(v)) x = undefined;
      else if (isOutOfRange(v)) outOfRange.set(c.name, (outOfRange.get(c.name) ?? 0) + 1);
      else x = asNumber(v);
      if (x !== undefined && c.log) x = Math.log1p(Math.max(0, x));
      numeric.push(((x ?? c.median) - c.mean) / c.std);
      if (c.indicator) numeric.push(x === undefined ? 1 : 0);
    }
    for (const c of cat) {
      const v = own(row, c.name);
      const label = isMissing(v) ? '(missing)' : asLabel(v);
      categorical.push(c.levels.lastIndexOf(label) + 1);
    }
  }
  return { numeric: Float32Array.from(numeric), categorical: Int32Array.from(categorical), outOfRange };
}

const NUMBER_TEXTS = ['0', '1', '-0', '+7', '.5', '5.', '-.25', '007', '12.50', ' 3 ', '\t4', '1e3', '2.5E-2', '-1e+2', '0x10', '0b1', '1_000',
  '1,5', 'abc', '', 'NA', 'n/a', 'NaN', 'null', 'None', '?', ' na ', 'inf', '-Infinity', '1e39', '-3.5e38', '123456789012345', '1234567890123456',
  '0.000000000000001', '99999999999999.9', '.', '-', '+', '--1', '1.2.3', '٣'];
// Column names and levels with quotes, backslashes, line separators, a lone surrogate, other scripts.
// (Levels are trimmed labels, as fit makes them: no white space at either end.)
const ODD_NAMES = ['q"uote', "it's", 'back\\slash', 'new\nline', 'line\u2028sep', '\ud800lone', 'ünï cødé', '${x}', '</script>'];
const YES_NO = ['yes', 'no', 'Yes', 'NO', ' y ', 'n', 'true', 'False', 't', 'f', '1', '0', 'maybe', '', 'NA'];

function randomValue(kind: string, levels: string[], rng: () => number): Value {
  const u = rng();
  if (u < 0.04) return undefined;
  if (u < 0.07) return null;
  if (kind === 'numeric') {
    if (u < 0.3) return NUMBER_TEXTS[Math.floor(rng() * NUMBER_TEXTS.length)];
    if (u < 0.35) return [NaN, Infinity, -Infinity, 1e308, -0, true, false][Math.floor(rng() * 7)];
    const x = (rng() - 0.5) * 10 ** Math.floor(rng() * 8 - 2);
    const digits = Math.floor(rng() * 17) + 1;
    const r = u < 0.65 ? x : Number(x.toPrecision(digits));
    return u < 0.5 ? r : String(u < 0.8 ? r : Math.round(r));
  }
  if (kind === 'boolean') {
    if (u < 0.15) return [true, false, 1, 0, 2][Math.floor(rng() * 5)];
    return YES_NO[Math.floor(rng() * YES_NO.length)];
  }
  if (u < 0.7) return levels[Math.floor(rng() * levels.length)];
  if (u < 0.8) return ` ${levels[Math.floor(rng() * levels.length)]} `;
  if (u < 0.85) return [3, 4.5, true][Math.floor(rng() * 3)];
  return ['unseen', '', 'NA', '(missing)', 'ZZ', 'b '][Math.floor(rng() * 6)];
}

describe('Preprocessor.transform fast path', () => {
  it(`matches the reference on fresh random rows (seed ${TEST_SEED})`, () => {
    const rng = makeRng(TEST_SEED);
    for (let trial = 0; trial < 30; trial++) {
      const columns: ColumnState[] = [];
      const kinds: string[] = [];
      // The last trial spans several generated functions (preprocess-codegen.ts: CHUNK_COLUMNS each).
      const width = trial === 29 ? 5 * CHUNK_COLUMNS + 3 : 1 + Math.floor(rng() * 12);
      for (let j = 0; j < width; j++) {
        const u = rng();
        // Names every object inherits are columns too (read as own properties only), and names
        // that must be quoted inside generated code.
        const name = j === 0 && trial % 5 === 0 ? 'constructor' : trial % 4 === 1 ? ODD_NAMES[j % ODD_NAMES.length] + j : `c${j}`;
        if (u < 0.5) {
          columns.push({ name, kind: 'numeric', median: rng() * 4 - 2, mean: trial % 6 === 2 ? -0 : rng() - 0.5, std: 0.1 + rng() * 3, indicator: rng() < 0.5, ...(rng() < 0.4 ? { log: true } : {}) });
          kinds.push('numeric');
        } else if (u < 0.65) {
          columns.push({ name, kind: 'boolean', median: 0.5, mean: 0.4, std: 0.5, indicator: rng() < 0.5 });
          kinds.push('boolean');
        } else {
          // Small vocabularies (scanned) and large ones (looked up), with or without the missing level.
          const n = rng() < 0.6 ? 1 + Math.floor(rng() * 8) : 9 + Math.floor(rng() * 40);
          const names = trial % 4 === 1 ? ODD_NAMES : ['a', 'b', 'c', 'ab', 'Yes', 'No', '3', 'true'];
          const levels = Array.from({ length: n }, (_, i) => names[i] ?? `l${i}`);
          if (rng() < 0.5) levels.push('(missing)');
          columns.push({ name, kind: 'categorical', levels: levels.sort() });
          kinds.push('categorical');
        }
      }
      const pre = tl.data.Preprocessor.fromJSON({ version: 1, columns });
      const n = 1 + Math.floor(rng() * 300);
      const rows = Array.from({ length: n }, () => {
        const row: Record<string, Value> = {};
        columns.forEach((c, j) => {
          const v = randomValue(kinds[j], (c as CategoricalColumn).levels ?? [], rng);
          if (v !== undefined || rng() < 0.5) row[c.name] = v; // absent keys and present undefined values
        });
        return row;
      });
      const warnings: DataWarning[] = [];
      const got = pre.transform({ rows, columns: [] }, undefined, { invalid: 'missing', missing: 'impute', onWarning: (_, w) => warnings.push(w) });
      const want = reference(columns, rows);
      const context = `trial ${trial}, seed ${TEST_SEED}`;
      expect(Buffer.from(got.numeric.buffer).equals(Buffer.from(want.numeric.buffer)), context).toBe(true);
      expect(Array.from(got.categorical), context).toEqual(Array.from(want.categorical));
      const ranges = warnings.filter((w) => w.kind === 'out-of-range').map((w) => [w.column, w.count]);
      expect(new Map(ranges as [string, number][]), context).toEqual(want.outOfRange);
      // A subset by indices reads the same rows.
      const idx = Array.from({ length: Math.min(n, 7) }, () => Math.floor(rng() * n));
      const sub = pre.transform({ rows, columns: [] }, idx, { invalid: 'missing', missing: 'impute', onWarning: () => undefined });
      const subWant = reference(columns, idx.map((i) => rows[i]));
      expect(Buffer.from(sub.numeric.buffer).equals(Buffer.from(subWant.numeric.buffer)), context).toBe(true);
      expect(Array.from(sub.categorical), context).toEqual(Array.from(subWant.categorical));
    }
  });

  it('reports absent columns, invalid values and non-object rows as before, in row order', () => {
    const columns: ColumnState[] = [
      { name: 'x', kind: 'numeric', median: 0, mean: 0, std: 1, indicator: false },
      { name: 'ok', kind: 'boolean', median: 0, mean: 0, std: 1, indicator: false },
      { name: 'plan', kind: 'categorical', levels: ['a', 'b'] },
    ];
    const pre = tl.data.Preprocessor.fromJSON({ version: 1, columns });
    const t = (rows: Record<string, Value>[]) => ({ rows, columns: [] });
    // An absent column is named before a later row's invalid value, as the check runs first.
    expect(() => pre.transform(t([{ x: 'zz', ok: 'yes', plan: 'a' }, { x: '1', plan: 'b' }]))).toThrow(/row 1 lacks a column the model was trained on: 'ok'/);
    expect(() => pre.transform(t([{ x: '1', ok: 'yes', plan: 'a' }, { x: 'zz', ok: 'no', plan: 'a' }]))).toThrow(/row 1, column 'x': 'zz' is not a number/);
    expect(() => pre.transform(t([{ x: '1', ok: 'maybe', plan: 'a' }]))).toThrow(/row 0, column 'ok': 'maybe' is not a yes\/no value/);
    expect(() => pre.transform(t([{ x: '1', ok: 'yes', plan: 'a' }, null as unknown as Record<string, Value>]))).toThrow(/row 1 is not an object of column values/);
    const warnings: DataWarning[] = [];
    const e = pre.transform(t([{ x: '1', ok: 'yes', plan: 'a' }, { ok: 'no' }, { plan: 'c' }]), undefined, { missing: 'impute', onWarning: (_, w) => warnings.push(w) });
    expect(warnings).toEqual([{ kind: 'imputed-columns', columns: ['x', 'plan', 'ok'], source: undefined, rows: 2 }]);
    expect(Array.from(e.categorical)).toEqual([1, 0, 0]);
    // Out-of-range warnings come per column in the order first seen, each with its first examples.
    const ranges: DataWarning[] = [];
    pre.transform(t([{ x: '1', ok: 'y', plan: 'a' }, { x: 'inf', ok: 'n', plan: 'b' }]), undefined, { onWarning: (_, w) => ranges.push(w) });
    expect(ranges).toEqual([{ kind: 'out-of-range', column: 'x', count: 1, examples: ["row 1: 'inf'"] }]);
  });

  it('codes small vocabularies told apart by length and one character, or by neither', () => {
    // 'aab', 'aba', 'baa' share every single position with another level: plain comparisons.
    const levels = ['aab', 'aba', 'area_code_408', 'area_code_415', 'baa', 'x', 'y'];
    const pre = tl.data.Preprocessor.fromJSON({ version: 1, columns: [{ name: 'c', kind: 'categorical', levels }] });
    const values = [...levels, 'abb', 'area_code_418', 'z', 'xx', ' aba ', 'NA'];
    // Fields of a CSV line as the reader slices them (13 characters and more are V8 slices).
    const line = values.join(',');
    let at = 0;
    const sliced = values.map((v) => line.slice(at, (at += v.length + 1) - 1));
    for (const vs of [values, sliced]) {
      const e = pre.transform({ rows: vs.map((c) => ({ c })), columns: [] }, undefined, { onWarning: () => undefined });
      expect(Array.from(e.categorical)).toEqual([1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0, 2, 0]);
    }
  });

  it('refuses a saved statistic that is not a number before it reaches generated code', () => {
    const crafted = { name: 'x', kind: 'numeric', median: '0; globalThis.pwned = 1', mean: 0, std: 1, indicator: false } as unknown as ColumnState;
    // Loading checks the state first; the code generator refuses it again on its own.
    expect(() => tl.data.Preprocessor.fromJSON({ version: 1, columns: [crafted] }).transform({ rows: [{ x: '1' }], columns: [] })).toThrow(/'x' has a non-finite median/);
    expect(() => compileEncoder([crafted as NumericColumn], [], [], [], {} as never)).toThrow(/saved median of column 'x' is not a number/);
    expect((globalThis as Record<string, unknown>).pwned).toBeUndefined();
  });

  it('reads plain decimals exactly as Number() does, and nothing else', () => {
    const rng = makeRng(TEST_SEED + 1);
    for (let i = 0; i < 20000; i++) {
      const intDigits = Math.floor(rng() * 12), fracDigits = Math.floor(rng() * 24);
      let s = rng() < 0.3 ? '-' : rng() < 0.1 ? '+' : '';
      for (let d = 0; d < intDigits; d++) s += Math.floor(rng() * 10);
      if (fracDigits || rng() < 0.2) s += '.';
      for (let d = 0; d < fracDigits; d++) s += Math.floor(rng() * 10);
      const got = plainDecimal(s), want = Number(s);
      if (Number.isNaN(got)) {
        // Only strings it does not take: no digits, more than 22 after the point, or 2^53 and more.
        expect(intDigits + fracDigits === 0 || fracDigits > 22 || Number(s.replace('.', '').replace(/^[-+]/, '')) >= 2 ** 53, s).toBe(true);
      } else expect(Object.is(got, want), `${s}: ${got} vs ${want}`).toBe(true);
    }
    for (const s of ['', ' 1', '1 ', '1e3', '0x1', 'Infinity', 'NaN', '1.2.3', '--1', '+-1', '.', '-', '9007199254740993', '1.00000000000000000000001'])
      expect(plainDecimal(s), s).toBeNaN();
    expect(Object.is(plainDecimal('-0'), -0)).toBe(true);
    expect(plainDecimal('999999999999999')).toBe(999999999999999);
    expect(plainDecimal('0.123456789012345')).toBe(0.123456789012345);
    expect(plainDecimal('-0.0000000000000000000001')).toBe(-1e-22);
  });
});
