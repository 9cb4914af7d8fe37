// Interaction logs (user, item, optional time and rating) -> integer-coded histories. Users and
// items get dense indices in sorted id order, so "ties broken by the smaller item index" means
// the smaller id, as in the project's baselines. Each user's history is ordered by (time, item
// index) when there is a time column, else by row order.
import { InputError } from './errors.js';
import { type Table, type Value, where } from './table.js';

export interface InteractionColumns {
  user: string;
  item: string;
  time?: string;
  rating?: string;
}

export interface Interactions {
  users: string[];
  items: string[];
  /** Per user (by index), the item indices in history order (no repeats). */
  histories: Int32Array[];
  /** Per user, the times of `histories` (absent without a time column). */
  times?: Float64Array[];
  /** Rows dropped because the (user, item) pair had appeared before. */
  duplicates: number;
  /** Rows dropped because their rating was below `minRating`. */
  belowMinRating: number;
}

export interface InteractionOptions {
  /** Keep only rows with rating >= this (needs `rating`). */
  minRating?: number;
  /** 'drop' (default): a repeated (user, item) pair keeps its earliest row; 'error': reject. */
  duplicates?: 'drop' | 'error';
}

const idText = (v: Value): string | undefined => (v === null || v === undefined || v === '' ? undefined : String(v).trim() || undefined);

/** Ids sorted numerically when they all are numbers, else as strings. */
export function sortIds(ids: Iterable<string>): string[] {
  const all = [...ids];
  const numeric = all.every((s) => /^-?\d+(\.\d+)?$/.test(s));
  return numeric ? all.sort((a, b) => Number(a) - Number(b)) : all.sort();
}

/** A time cell as a number: numbers (e.g. Unix seconds) or ISO 8601 dates (as milliseconds). */
export function parseTime(v: Value, column: string, at: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  const s = typeof v === 'string' ? v.trim() : '';
  if (s !== '' && Number.isFinite(Number(s))) return Number(s);
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && Number.isFinite(Date.parse(s))) return Date.parse(s);
  throw new InputError(`${at}: column '${column}' holds ${JSON.stringify(v ?? null)}, not a timestamp (a number such as Unix seconds, or an ISO date)`);
}

/** Reads and checks the interaction columns of a table; see Interactions. */
export function readInteractions(table: Table, cols: InteractionColumns, what: string, opts: InteractionOptions = {}): Interactions {
  for (const [role, name] of Object.entries(cols)) {
    if (name === undefined) continue;
    if (typeof name !== 'string' || !name) throw new TypeError(`${what}: options.${role} must be a column name`);
    if (!table.columns.includes(name)) throw new InputError(`${what}: the ${role} column '${name}' is not in the data (columns: ${table.columns.slice(0, 12).join(', ')})`);
  }
  if (opts.minRating !== undefined && !cols.rating) throw new InputError(`${what}: minRating needs a rating column`);
  const n = table.rows.length;
  const u = new Array<string>(n), it = new Array<string>(n), t = cols.time ? new Float64Array(n) : undefined;
  const keep = new Uint8Array(n);
  let belowMinRating = 0;
  for (let i = 0; i < n; i++) {
    const row = table.rows[i];
    const ui = idText(row[cols.user]), ii = idText(row[cols.item]);
    if (ui === undefined) throw new InputError(`${what}: ${where(table, i)}: the user column '${cols.user}' is empty`);
    if (ii === undefined) throw new InputError(`${what}: ${where(table, i)}: the item column '${cols.item}' is empty`);
    u[i] = ui;
    it[i] = ii;
    if (t) t[i] = parseTime(row[cols.time!], cols.time!, `${what}: ${where(table, i)}`);
    if (cols.rating) {
      const r = Number(row[cols.rating]);
      if (!Number.isFinite(r) || row[cols.rating] === '' || row[cols.rating] == null)
        throw new InputError(`${what}: ${where(table, i)}: column '${cols.rating}' holds ${JSON.stringify(row[cols.rating] ?? null)}, not a number`);
      if (opts.minRating !== undefined && r < opts.minRating) {
        belowMinRating++;
        continue;
      }
    }
    keep[i] = 1;
  }
  const users = sortIds(new Set(u.filter((_, i) => keep[i])));
  const items = sortIds(new Set(it.filter((_, i) => keep[i])));
  if (users.length < 2) throw new InputError(`${what}: the data has ${users.length} user${users.length === 1 ? '' : 's'} ('${cols.user}'); a recommender needs at least 2`);
  if (items.length < 2) throw new InputError(`${what}: the data has ${items.length} item${items.length === 1 ? '' : 's'} ('${cols.item}'); a recommender needs at least 2`);
  const userIndex = new Map(users.map((s, i) => [s, i])), itemIndex = new Map(items.map((s, i) => [s, i]));
  const rowsOf: number[][] = users.map(() => []);
  for (let i = 0; i < n; i++) if (keep[i]) rowsOf[userIndex.get(u[i])!].push(i);
  let duplicates = 0;
  const histories: Int32Array[] = [], times: Float64Array[] = [];
  rowsOf.forEach((rows) => {
    const idx = rows.map((i) => itemIndex.get(it[i])!);
    const order = rows.map((_, k) => k);
    if (t) order.sort((a, b) => t[rows[a]] - t[rows[b]] || idx[a] - idx[b]);
    const seen = new Set<number>();
    const h: number[] = [], ht: number[] = [];
    for (const k of order) {
      if (seen.has(idx[k])) {
        if (opts.duplicates === 'error')
          throw new InputError(`${what}: ${where(table, rows[k])}: user '${u[rows[k]]}' and item '${it[rows[k]]}' appear together more than once (pass duplicates: 'drop' to keep the earliest)`);
        duplicates++;
        continue;
      }
      seen.add(idx[k]);
      h.push(idx[k]);
      if (t) ht.push(t[rows[k]]);
    }
    histories.push(Int32Array.from(h));
    if (t) times.push(Float64Array.from(ht));
  });
  return { users, items, histories, times: t ? times : undefined, duplicates, belowMinRating };
}

/**
 * Leave-last-out: each user with at least 2 items gives up their last one. Returns the shorter
 * histories and, per user, the held-out item (-1 where none was held out).
 */
export function holdOutLast(histories: Int32Array[]): { train: Int32Array[]; heldOut: Int32Array } {
  const heldOut = new Int32Array(histories.length).fill(-1);
  const train = histories.map((h, u) => {
    if (h.length < 2) return h;
    heldOut[u] = h[h.length - 1];
    return h.subarray(0, h.length - 1);
  });
  return { train, heldOut };
}
