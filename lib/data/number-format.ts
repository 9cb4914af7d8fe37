// Numbers written for people rather than programs: "1,889.50", "$1,234", "45%", and in most of
// Europe "1.234,56" or "56,95 €". A column of them used to become a category with a level per
// value, silently. The convention is decided once per column, from all its values, because a
// single cell cannot say it: "1,234" is 1234 with a decimal point and 1.234 with a decimal
// comma. 'point': '.' is the decimal mark (',' or "'" group thousands); 'comma': ',' is the
// decimal mark ('.', a space, a no-break space or a narrow no-break space group thousands).
// A currency sign in front or behind and a trailing '%' are dropped (the percentage stays 45,
// not 0.45: the scaler makes the two the same feature).
import type { Value } from './table.js';
import { asBoolean, asNumber, isMissing } from './values.js';

export type NumberFormat = 'point' | 'comma';

export const NUMBER_FORMATS: readonly NumberFormat[] = ['point', 'comma'];

/** How a format is named in messages and describe(). */
export function formatName(f: NumberFormat): string {
  return f === 'point' ? "formatted numbers with a decimal point (1,234.5, $12, 45%)" : 'numbers with a decimal comma (1.234,5, 56,95 €)';
}

// Sign and currency may come in either order ("-$5", "$-5"); the body is checked per format.
const AFFIXES = /^([-+]?)\s*(?:[$€£¥₹]\s*)?([-+]?)(.*?)\s*(?:[$€£¥₹%])?$/su;
const POINT_BODY = /^(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?:['\u2019]\d{3})+|\d+)?(?:\.\d+)?$/;
const COMMA_BODY = /^(?:\d{1,3}(?:\.\d{3})+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)?(?:,\d+)?$/;
const GROUPS = /[,'. \u00a0\u202f]/g;
// Cells longer than this are text, not numbers (and a regex over 100k characters costs).
const MAX_LENGTH = 64;

/** The number `s` writes in format `f` (possibly beyond float32: the caller's out-of-range rule applies), or undefined. */
export function parseFormatted(s: string, f: NumberFormat): number | undefined {
  if (s.length > MAX_LENGTH) return undefined;
  const m = AFFIXES.exec(s.trim());
  if (!m || (m[1] && m[2])) return undefined;
  const body = m[3];
  if (!/\d/.test(body) || !(f === 'point' ? POINT_BODY : COMMA_BODY).test(body)) return undefined;
  const plain = f === 'point' ? body.replace(/[,'\u2019]/g, '') : body.replace(GROUPS, (c) => (c === ',' ? '.' : ''));
  const x = Number(plain);
  if (!Number.isFinite(x)) return undefined;
  return m[1] === '-' || m[2] === '-' ? -x : x;
}

/**
 * The value a numeric reader should see: a string written in `f` becomes its number; anything
 * else (no format, a number, a missing marker, a cell that is not such a number) is returned
 * as it is, so the reader's usual rules (missing, out of range, not a number) still apply.
 */
export function normalizeNumber(v: Value, f: NumberFormat | undefined): Value {
  if (!f || typeof v !== 'string') return v;
  const x = parseFormatted(v, f);
  return x === undefined ? v : x;
}

const PLAIN = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const INFINITY = /^[-+]?(inf|infinity)$/i;

/**
 * The format every present value of a column can be read in, when some value needs one (a
 * column of plain numbers needs none), else undefined. Both fitting: 'point', since a column
 * whose every comma is followed by exactly three digits ("1,250", "12,500") is far more often
 * thousands than three-decimal amounts.
 */
export function detectNumberFormat(values: Iterable<Value>): NumberFormat | undefined {
  let point = true, comma = true, needed = false;
  for (const v of values) {
    if (typeof v === 'number' || typeof v === 'boolean' || isMissing(v)) continue;
    if (typeof v !== 'string') return undefined;
    const s = v.trim();
    if (INFINITY.test(s)) continue;
    const plain = PLAIN.test(s);
    if (!plain) needed = true;
    // A plain "1.5" is 1.5 with a decimal point but no number at all with a decimal comma.
    if (point && !plain && parseFormatted(s, 'point') === undefined) point = false;
    if (comma && !(plain && !s.includes('.')) && parseFormatted(s, 'comma') === undefined) comma = false;
    if (!point && !comma) return undefined;
  }
  return needed ? (point ? 'point' : 'comma') : undefined;
}

/**
 * The number a numeric or yes/no cell holds (numeric cells read in `format`), or undefined when
 * it is missing, not such a value, or beyond float32: for readers that skip what they cannot use.
 */
export function cellNumber(v: Value, kind: 'numeric' | 'boolean', format?: NumberFormat): number | undefined {
  if (isMissing(v)) return undefined;
  if (kind === 'boolean') {
    const b = asBoolean(v);
    return b === undefined ? undefined : Number(b);
  }
  const x = asNumber(normalizeNumber(v, format));
  return x !== undefined && Number.isFinite(x) ? x : undefined;
}
