// Reading cell values: what counts as missing, as a number, as a boolean. Numbers a float32
// tensor cannot hold (infinities, |x| > 3.4e38) are "out of range": a numeric column keeps
// its kind and treats them as missing, because one stray "inf" must neither turn the column
// into a category nor reach the scaler (one 1e308 made every standardized value NaN).
import type { Value } from './table.js';

/** The largest finite float32. */
export const FLOAT32_MAX = 3.4028234663852886e38;
/** A plain number as Number() reads it ("-3", "2.5", ".5", "1e5"); also number-format.ts's test for cells that need no format. */
export const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
/** An infinity spelled out ("inf", "-Infinity"). */
export const INFINITY = /^[-+]?(inf|infinity)$/i;

const MISSING = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?']);
const TRUE = new Set(['true', 'yes', 'y', 't', '1']);
const FALSE = new Set(['false', 'no', 'n', 'f', '0']);

export function isMissing(v: Value): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'number') return Number.isNaN(v);
  if (typeof v === 'string') return MISSING.has(v.trim().toLowerCase());
  return false;
}

/**
 * The number in v, or undefined when v is not one or is out of float32 range (missing values
 * are handled before; tell "not a number" from "out of range" with isOutOfRange).
 */
export function asNumber(v: Value): number | undefined {
  if (typeof v === 'boolean') return v ? 1 : 0;
  const n = typeof v === 'number' ? v : typeof v === 'string' && NUMBER.test(v.trim()) ? Number(v.trim()) : undefined;
  return n !== undefined && Math.abs(n) <= FLOAT32_MAX ? n : undefined;
}

/** A number no float32 can hold: ±Infinity, "inf", "-Infinity", "1e39", 1e308 (NaN is missing, not this). */
export function isOutOfRange(v: Value): boolean {
  if (typeof v === 'number') return !Number.isNaN(v) && !(Math.abs(v) <= FLOAT32_MAX);
  if (typeof v !== 'string') return false;
  const s = v.trim();
  if (INFINITY.test(s)) return true;
  return NUMBER.test(s) && !(Math.abs(Number(s)) <= FLOAT32_MAX);
}

export function asBoolean(v: Value): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toLowerCase();
  return TRUE.has(s) ? true : FALSE.has(s) ? false : undefined;
}

/** The category label of v (numbers and booleans become their text). */
export function asLabel(v: Value): string {
  return typeof v === 'string' ? v.trim() : String(v);
}

export const MISSING_VALUE = Symbol('missing');
export const OUT_OF_RANGE = Symbol('out of range');
export const INVALID = Symbol('not a number');

/**
 * A numeric column's value in one reading: the number, or which of missing / out of range /
 * not a number it is. The same answers as isMissing, isOutOfRange and asNumber together,
 * with one trim and one match, because scoring a file calls it for every value.
 */
export function readNumeric(v: Value): number | typeof MISSING_VALUE | typeof OUT_OF_RANGE | typeof INVALID {
  if (typeof v === 'number') return Number.isNaN(v) ? MISSING_VALUE : Math.abs(v) <= FLOAT32_MAX ? v : OUT_OF_RANGE;
  if (v === null || v === undefined) return MISSING_VALUE;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'string') return INVALID;
  // Printable ASCII at both ends: nothing for trim() to remove (the usual case, skipped).
  const a = v.charCodeAt(0), b = v.charCodeAt(v.length - 1);
  const s = a > 32 && a < 127 && b > 32 && b < 127 ? v : v.trim();
  // The common case without the regex: a decimal that Number() reads as a finite number.
  // Number() also reads 0x / 0b / 0o literals, which are not numbers here: those take the
  // regex (as do "Infinity", "1e400" and everything else).
  const c0 = s.charCodeAt(0), c1 = s.charCodeAt(1) | 32;
  if (((c0 >= 48 && c0 <= 57) || c0 === 45 || c0 === 43 || c0 === 46) && !(c0 === 48 && (c1 === 120 || c1 === 98 || c1 === 111))) {
    const n = Number(s);
    if (Number.isFinite(n)) return Math.abs(n) <= FLOAT32_MAX ? n : OUT_OF_RANGE;
  }
  if (NUMBER.test(s)) {
    const n = Number(s);
    return Math.abs(n) <= FLOAT32_MAX ? n : OUT_OF_RANGE;
  }
  if (MISSING.has(s.toLowerCase())) return MISSING_VALUE;
  return INFINITY.test(s) ? OUT_OF_RANGE : INVALID;
}
