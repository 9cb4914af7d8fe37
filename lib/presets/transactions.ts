// Transaction log -> one row per customer, as of a cut-off date: the RFM and inter-purchase
// features a buy-till-you-die model would use (frequency, recency, age, spend), the customer's
// last N transactions as a sequence for the recurrent encoder, and (when the log reaches past
// the cut-off) the value spent in the next `horizonDays`, the training label.
import { InputError, columnList } from '../data/errors.js';
import { type NumberFormat, NUMBER_FORMATS, detectNumberFormat, normalizeNumber } from '../data/number-format.js';
import { asLabel, asNumber, isMissing } from '../data/values.js';
import { type Row, type Table, where } from '../data/table.js';

export interface LogColumns {
  customer: string;
  time: string;
  amount: string;
  /** How the amounts are written when not as plain numbers ("$12.50", "12,50 €"); absent: detected from the log. */
  amountFormat?: NumberFormat;
}

const DAY_MS = 86_400_000;

/** A time cell in days: a number is already days (any origin); a string is an ISO date/time. */
export function timeInDays(v: unknown, at: string, column: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  const s = typeof v === 'string' ? v.trim() : '';
  const n = asNumber(s);
  if (n !== undefined) return n;
  const ms = Date.parse(s);
  if (s && Number.isFinite(ms)) return ms / DAY_MS;
  throw new InputError(`${at}, column '${column}': '${String(v)}' is not a date (use ISO dates like 2024-03-01, or a number of days)`);
}

export interface Purchase {
  day: number;
  amount: number;
}

/** The log grouped by customer, purchases sorted by time; first-seen order of customers. */
export function groupLog(t: Table, cols: LogColumns): { customers: string[]; purchases: Map<string, Purchase[]>; lastDay: number; amountFormat?: NumberFormat } {
  for (const c of [cols.customer, cols.time, cols.amount])
    if (t.columns.length && !t.columns.includes(c)) throw new InputError(`transaction log: column '${c}' is not in the data (columns: ${columnList(t.columns)})`);
  const purchases = new Map<string, Purchase[]>();
  let lastDay = -Infinity;
  // Amounts written for people ("$12.50", "12,50 €"): read in the log's one convention, the
  // training log's when the model saved one (a small batch alone cannot always tell).
  const format = cols.amountFormat && NUMBER_FORMATS.includes(cols.amountFormat) ? cols.amountFormat : detectNumberFormat(t.rows.map((r) => r[cols.amount]));
  t.rows.forEach((r: Row, i) => {
    const id = r[cols.customer], a = r[cols.amount];
    if (isMissing(id)) throw new InputError(`${where(t, i)}: the customer '${cols.customer}' is missing`);
    const amount = asNumber(normalizeNumber(a ?? '', format));
    if (isMissing(a) || amount === undefined) throw new InputError(`${where(t, i)}, column '${cols.amount}': '${String(a)}' is not an amount`);
    if (amount < 0) throw new InputError(`${where(t, i)}, column '${cols.amount}': ${amount} is negative; refunds must be netted out of the log first`);
    const day = timeInDays(r[cols.time], where(t, i), cols.time);
    const key = asLabel(id!);
    let list = purchases.get(key);
    if (!list) purchases.set(key, (list = []));
    list.push({ day, amount });
    lastDay = Math.max(lastDay, day);
  });
  for (const list of purchases.values()) list.sort((x, y) => x.day - y.day);
  return { customers: [...purchases.keys()], purchases, lastDay, ...(format ? { amountFormat: format } : {}) };
}

/**
 * Per-step features of the sequence encoder: log1p of the amount, of the gap to the previous
 * purchase and of its age at asOf (each / 5, which puts $1-$150 and 1-150 days in about 0-1,
 * the range a GRU's gates start out sensitive to), and 1 for a real step (0 = padding).
 */
export const STEP_FEATURES = 4;

export interface CustomerFeatures {
  /** Customers with at least one purchase on or before asOf, in first-seen order. */
  customers: string[];
  /** One feature row per customer (plain numbers; the preprocessor scales them). */
  rows: Row[];
  /** [customers, steps, STEP_FEATURES], left-padded with zeros (the last step is the latest purchase). */
  sequences: Float32Array;
  /** Spend in (asOf, asOf + horizonDays] per customer (0 when the log ends before). */
  future: Float64Array;
}

/**
 * Features as of `asOf` (purchases after it are only used for `future`). Recency-type
 * features are in days; windows scale with the horizon, so a 90-day and a 365-day model look
 * at comparable history.
 */
export function customerFeatures(
  g: ReturnType<typeof groupLog>, asOf: number, horizonDays: number, steps: number,
): CustomerFeatures {
  const customers: string[] = [], rows: Row[] = [], future: number[] = [];
  const seqs: Float32Array[] = [];
  for (const id of g.customers) {
    const all = g.purchases.get(id)!;
    const past = all.filter((p) => p.day <= asOf);
    if (!past.length) continue;
    customers.push(id);
    future.push(all.reduce((s, p) => s + (p.day > asOf && p.day <= asOf + horizonDays ? p.amount : 0), 0));
    const first = past[0].day, last = past[past.length - 1].day;
    const amounts = past.map((p) => p.amount);
    const total = amounts.reduce((a, b) => a + b, 0);
    const gaps = past.slice(1).map((p, i) => p.day - past[i].day);
    const meanGap = gaps.length ? gaps.reduce((a, b) => a + b, 0) / gaps.length : 0;
    const inWindow = (w: number) => past.filter((p) => p.day > asOf - w);
    const recentH = inWindow(horizonDays), recent2H = inWindow(2 * horizonDays);
    const age = asOf - first;
    rows.push({
      frequency: past.length - 1, // repeat purchases, BG/NBD's x
      recency: last - first, // t_x
      age, // T
      daysSinceLast: asOf - last,
      total,
      meanAmount: total / past.length,
      lastAmount: amounts[amounts.length - 1],
      maxAmount: Math.max(...amounts),
      meanGap,
      gapStd: gaps.length > 1 ? Math.sqrt(gaps.reduce((a, x) => a + (x - meanGap) ** 2, 0) / gaps.length) : 0,
      // Purchase rate and spend rate over the customer's life, per horizon.
      rate: (past.length - 1) / Math.max(age, 1) * horizonDays,
      spendRate: total / Math.max(age, 1) * horizonDays,
      countLastHorizon: recentH.length,
      spendLastHorizon: recentH.reduce((s, p) => s + p.amount, 0),
      countLast2Horizons: recent2H.length,
      spendLast2Horizons: recent2H.reduce((s, p) => s + p.amount, 0),
      // How overdue the next purchase is, in units of the customer's usual gap.
      overdue: meanGap > 0 ? (asOf - last) / meanGap : 0,
    });
    const seq = new Float32Array(steps * STEP_FEATURES);
    const tail = past.slice(-steps);
    tail.forEach((p, k) => {
      const idx = past.length - tail.length + k;
      const gap = idx > 0 ? p.day - past[idx - 1].day : 0;
      const o = (steps - tail.length + k) * STEP_FEATURES;
      seq[o] = Math.log1p(p.amount) / 5;
      seq[o + 1] = Math.log1p(gap) / 5;
      seq[o + 2] = Math.log1p(asOf - p.day) / 5;
      seq[o + 3] = 1;
    });
    seqs.push(seq);
  }
  const sequences = new Float32Array(customers.length * steps * STEP_FEATURES);
  seqs.forEach((s, i) => sequences.set(s, i * steps * STEP_FEATURES));
  return { customers, rows, sequences, future: Float64Array.from(future) };
}
