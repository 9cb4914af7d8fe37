// Numbers written for people rather than programs: "1,889.50", "$1,234", "45%", and in most of
// Europe "1.234,56" or "56,95 €". A column of them used to become a category with a level per
// value, silently. The convention is decided once per column, from all its values, because a
// single cell cannot say it: "1,234" is 1234 with a decimal point and 1.234 with a decimal
// comma. 'point': '.' is the decimal mark (',' or "'" group thousands); 'comma': ',' is the
// decimal mark ('.', a space, a no-break space or a narrow no-break space group thousands).
// A currency sign in front or behind and a trailing '%' are dropped (the percentage stays 45,
// not 0.45: the scaler makes the two the same feature).
import type { Value } from './table.js';
import { INFINITY, NUMBER as PLAIN, asBoolean, asNumber, isMissing } from './values.js';

export type NumberFormat = 'point' | 'comma';

export const NUMBER_FORMATS: readonly NumberFormat[] = ['point', 'comma'];

/** How a format is named in messages and describe(). */
export function formatName(f: NumberFormat): string {
  return f === 'point' ? "formatted numbers with a decimal point (1,234.5, $12, 45%)" : 'numbers with a decimal comma (1.234,5, 56,95 €)';
}

// Affixes: a currency sign or code in front or behind ("$5", "5 €", "CHF 5", "R$ 5"), or a
// trailing '%', not both; a sign before or after a leading currency ("-$5", "$-5", "€ -5"); the
// Unicode minus of Nordic locales; accounting parentheses for a negative ("($1,234.50)").
const CURRENCY = '(?:[$€£¥₹₩₽₺₫฿￥¢]|R\\$|zł|kr\\.?|Kč|Fr\\.|USD|EUR|GBP|CHF|JPY|CNY|INR|AUD|CAD|SEK|NOK|DKK|PLN|CZK|BRL|MXN|ZAR|RUB|TRY|KRW|HKD|SGD|NZD)';
const AFFIXES = new RegExp(`^([-+]?)\\s*(?:(${CURRENCY})\\s*)?([-+]?)\\s*(.*?)\\s*(${CURRENCY}|%)?$`, 'su');
// Bodies: groups of three after a first group that is not 0 ("0,125" is no thousands), Indian
// lakh grouping ("12,34,567.5"), or plain digits; then the decimal part.
const POINT_BODY = /^(?:[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d{0,2}(?:['\u2019]\d{3})+|[1-9]\d?(?:,\d{2})+,\d{3}|\d+)?(?:\.\d+)?$/;
const COMMA_BODY = /^(?:[1-9]\d{0,2}(?:\.\d{3})+|[1-9]\d{0,2}(?:[ \u00a0\u202f]\d{3})+|\d+)?(?:,\d+)?$/;
const GROUPS = /[,'. \u00a0\u202f]/g;
// A lone dash in a column of formatted numbers (spreadsheets write it for none) is a missing value.
const DASH = /^[-\u2012\u2013\u2014\u2212]$/;
// Cells longer than this are text, not numbers (and a regex over 100k characters costs).
const MAX_LENGTH = 64;
// What normalizeNumber gives for a cell written in the other convention: no reader takes it for a number.
const UNREADABLE = 'not a number in the column format';

/** The number `s` writes in format `f` (possibly beyond float32: the caller's out-of-range rule applies), or undefined. */
export function parseFormatted(s: string, f: NumberFormat): number | undefined {
  if (s.length > MAX_LENGTH) return undefined;
  let t = s.trim().replace(/^\u2212/, '-'), negative = false;
  if (t.startsWith('(') && t.endsWith(')')) (t = t.slice(1, -1).trim()), (negative = true);
  const m = AFFIXES.exec(t);
  if (!m || (m[1] && m[3]) || (m[2] && m[5]) || (negative && (m[1] || m[3]))) return undefined;
  const body = m[4];
  if (!/\d/.test(body) || !(f === 'point' ? POINT_BODY : COMMA_BODY).test(body)) return undefined;
  const plain = f === 'point' ? body.replace(/[,'\u2019]/g, '') : body.replace(GROUPS, (c) => (c === ',' ? '.' : ''));
  const x = Number(plain);
  if (!Number.isFinite(x)) return undefined;
  return negative || m[1] === '-' || m[3] === '-' ? -x : x;
}

/**
 * The value a numeric reader should see: a string written in `f` becomes its number, a lone
 * dash NaN (missing); a plain number stays as it is, except that with a decimal comma one with
 * a '.' ("1.5") is no number (it would read as 1.5 beside "1.500" read as 1500); anything else
 * (no format, a number, a missing marker, text) is returned as it is, so the reader's usual
 * rules (missing, out of range, not a number) still apply. Messages should show the raw cell.
 */
export function normalizeNumber(v: Value, f: NumberFormat | undefined): Value {
  if (!f || typeof v !== 'string') return v;
  const x = parseFormatted(v, f);
  if (x !== undefined) return x;
  const s = v.trim();
  if (DASH.test(s)) return NaN;
  return f === 'comma' && s.includes('.') && PLAIN.test(s) ? UNREADABLE : v;
}

/** Does a cell carry what amounts have and identifiers do not: decimals, a currency or a percent sign? */
function amountLike(s: string, f: NumberFormat): boolean {
  const m = AFFIXES.exec(s.trim());
  return !!m && (!!m[2] || !!m[5] || (f === 'point' ? /\.\d/ : /,\d/).test(m[4]));
}

/**
 * The format every present value of a column can be read in, when some value needs one (a
 * column of plain numbers needs none), else undefined. When both fit: 'comma' if the column
 * has dots and no commas ("1.200 €": dots group thousands), else 'point' ("1,250", "12,500" are
 * far more often thousands than three-decimal amounts). Columns of a different whole number on
 * every row, with no decimals, currency or percent signs ("732 829 320") are identifiers:
 * `idLike` (every value differs, as an identifier's do) makes them so.
 */
export function detectNumberFormat(values: Iterable<Value>, opts: { idLike?: boolean } = {}): NumberFormat | undefined {
  let point = true, comma = true, needed = false, dots = false, commas = false, amounts = { point: false, comma: false };
  for (const v of values) {
    if (typeof v === 'number' || typeof v === 'boolean' || isMissing(v)) continue;
    if (typeof v !== 'string') return undefined;
    const s = v.trim();
    if (s.length > MAX_LENGTH) return undefined;
    if (INFINITY.test(s) || DASH.test(s)) continue;
    const plain = PLAIN.test(s);
    if (!plain) needed = true;
    if (s.includes('.')) dots = true;
    if (s.includes(',')) commas = true;
    // A plain "1.5" is 1.5 with a decimal point but no number at all with a decimal comma.
    if (point && !plain && parseFormatted(s, 'point') === undefined) point = false;
    if (comma && !(plain && !s.includes('.')) && parseFormatted(s, 'comma') === undefined) comma = false;
    if (!point && !comma) return undefined;
    if (opts.idLike) (amounts.point ||= point && amountLike(s, 'point')), (amounts.comma ||= comma && amountLike(s, 'comma'));
  }
  if (!needed) return undefined;
  const f: NumberFormat = point && comma ? (dots && !commas ? 'comma' : 'point') : point ? 'point' : 'comma';
  return opts.idLike && !amounts[f] ? undefined : f;
}

/**
 * The number a numeric or yes/no cell holds (numeric cells read in `format`), or undefined when
 * it is missing, not such a value, or beyond float32: for readers that skip what they cannot use.
 */
export function cellNumber(v: Value, kind: 'numeric' | 'boolean', format?: NumberFormat): number | undefined {
  if (kind === 'boolean') {
    if (isMissing(v)) return undefined;
    const b = asBoolean(v);
    return b === undefined ? undefined : Number(b);
  }
  const n = normalizeNumber(v, format);
  if (isMissing(n)) return undefined;
  const x = asNumber(n);
  return x !== undefined && Number.isFinite(x) ? x : undefined;
}
