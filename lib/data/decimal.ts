// The one reading of a numeric cell that scoring does for nearly every value: a plain decimal
// ("29.85", "-3", "0", ".5", "+7.") parsed from its characters, without Number()'s general
// string-to-double path (about half the cost of a value on fresh CSV strings). Exact: when the
// digits, read as one integer m, stay below 2^53 and at most 22 follow the point, m and 10^k
// are exact doubles and m / 10^k is the correctly rounded quotient, the double Number()
// returns (Clinger's fast path). Anything else (spaces, exponents, more digits, hex, "NA")
// gives NaN, and the caller takes the general reading (values.ts readNumeric).

const POWERS_OF_TEN = Float64Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
const EXACT_INTEGERS = 2 ** 53;

/** The number a plain decimal string holds, exactly as Number(s); NaN for any other string. */
export function plainDecimal(s: string): number {
  const n = s.length;
  if (n === 0 || n > 40) return NaN;
  let i = 0, negative = false;
  const c0 = s.charCodeAt(0);
  if (c0 === 45 /* - */) {
    negative = true;
    i = 1;
  } else if (c0 === 43 /* + */) i = 1;
  let m = 0, digits = 0, point = -1;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d >= 0 && d <= 9) {
      m = m * 10 + d;
      digits++;
    } else if (d === -2 /* . */ && point < 0) point = i;
    else return NaN;
  }
  // m only grows, so a final m below 2^53 means every step was exact.
  const k = point < 0 ? 0 : n - 1 - point;
  if (digits === 0 || m >= EXACT_INTEGERS || k > 22) return NaN;
  const x = k === 0 ? m : m / POWERS_OF_TEN[k];
  return negative ? -x : x;
}
