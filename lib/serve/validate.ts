// Request bodies checked against a model's input schema before they join a batch, so one bad
// row answers 400 (naming the row and column) to its own request and never fails the batch of
// others. The checks accept what the preprocessor accepts: numbers or numeric strings for
// number columns, yes/no values for booleans, any scalar for labels, and null / "" / "NA" as
// missing (imputed). Extra columns are ignored, as predict() does.
import { normalizeNumber } from '../data/number-format.js';
import { asBoolean, asNumber, isMissing, isOutOfRange } from '../data/values.js';
import type { Row } from '../data/table.js';
import type { InputColumn } from './predictor.js';

/** A request the client must fix: `status` is the HTTP answer (400 or 413). */
export class RequestError extends Error {
  constructor(message: string, readonly status = 400) {
    super(message);
    this.name = 'RequestError';
  }
}

const show = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
};

/** Why `v` is not a value of `col`, or null when it is. */
export function valueProblem(v: unknown, col: InputColumn): string | null {
  if (v === null || v === undefined) return null;
  // An image (pixel array, or a path) is checked by the preset, which knows its shape.
  if (col.type === 'image') return null;
  if (typeof v === 'object') return `expected a ${col.type === 'string' ? 'label' : col.type}, got ${Array.isArray(v) ? 'an array' : 'an object'}`;
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return `expected a ${col.type}, got ${typeof v}`;
  if (isMissing(v)) return null;
  if (col.type === 'number') {
    const x = normalizeNumber(v, col.format);
    if (asNumber(x) === undefined && !isOutOfRange(x)) return `expected a number, got ${show(v)}`;
  }
  if (col.type === 'boolean' && asBoolean(v) === undefined) return `expected a yes/no value, got ${show(v)}`;
  return null;
}

/** Checks one row object; throws a RequestError naming `at` (e.g. "row 3") and the column. */
export function checkRow(row: unknown, schema: readonly InputColumn[], at: string): Row {
  if (!row || typeof row !== 'object' || Array.isArray(row)) throw new RequestError(`${at}: expected an object of column values, got ${Array.isArray(row) ? 'an array' : show(row)}`);
  const missing = schema.filter((c) => !Object.hasOwn(row, c.name));
  if (missing.length) {
    const names = missing.slice(0, 8).map((c) => `'${c.name}'`).join(', ') + (missing.length > 8 ? `, ... (${missing.length - 8} more)` : '');
    throw new RequestError(`${at}: missing ${missing.length === 1 ? 'column' : 'columns'} ${names}`);
  }
  for (const c of schema) {
    const why = valueProblem((row as Row)[c.name], c);
    if (why) throw new RequestError(`${at}, column '${c.name}': ${why}`);
  }
  return row as Row;
}

/** The rows of a `{ "rows": [...] }` body, each checked; at most `maxRows` of them. */
export function checkRows(body: unknown, schema: readonly InputColumn[], maxRows: number): Row[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new RequestError('the body must be a JSON object { "rows": [ {...}, ... ] }');
  const rows = (body as { rows?: unknown }).rows;
  if (!Array.isArray(rows)) throw new RequestError(`the body needs "rows": an array of row objects${'rows' in body ? `, got ${show(rows)}` : ''}`);
  if (rows.length === 0) throw new RequestError('"rows" is empty; send at least one row');
  if (rows.length > maxRows) throw new RequestError(`${rows.length} rows in one request; at most ${maxRows} (split the request)`, 413);
  return rows.map((r, i) => checkRow(r, schema, `row ${i}`));
}
