// Reading cell values: what counts as missing, as a number, as a boolean.
import type { Value } from './table.js';

const MISSING = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?']);
const TRUE = new Set(['true', 'yes', 'y', 't', '1']);
const FALSE = new Set(['false', 'no', 'n', 'f', '0']);

export function isMissing(v: Value): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'number') return Number.isNaN(v);
  if (typeof v === 'string') return MISSING.has(v.trim().toLowerCase());
  return false;
}

/** The number in v, or undefined when v is not one (missing values are handled before). */
export function asNumber(v: Value): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
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
