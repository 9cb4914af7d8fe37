// A numeric target (spend, value): every row's value read as a number, with one-line errors
// naming the file/line and the value when it is not one. Rows with a missing target are
// reported by count and dropped by the caller only when it asks (`missing: 'drop'`).
import { InputError, columnList } from './errors.js';
import { type NumberFormat, detectNumberFormat, normalizeNumber } from './number-format.js';
import { asNumber, isMissing } from './values.js';
import { type Table, where } from './table.js';

export interface NumericTarget {
  name: string;
  /** The values of the rows kept, in row order. */
  values: Float64Array;
  /** Indices of the rows kept (all rows unless missing targets were dropped). */
  rows: number[];
  /** How many rows had no target and were dropped. */
  dropped: number;
  /** How the values were written, when not as plain numbers ("$1,234.50"): what a model keeps to read later tables alike. */
  format?: NumberFormat;
}

export function numericTarget(
  t: Table, name: string,
  opts: { missing?: 'error' | 'drop'; /** true, or the name of the head that needs it */ nonNegative?: boolean | string; what?: string; /** the training data's format (absent: detected from these rows) */ format?: NumberFormat } = {},
): NumericTarget {
  const what = opts.what ?? 'target';
  if (!t.columns.includes(name)) throw new InputError(`${what}: column '${name}' is not in the data (columns: ${columnList(t.columns)})`);
  const values: number[] = [], rows: number[] = [];
  let dropped = 0;
  // Spend written for people ("$1,234.50", "56,95"): read in the column's one convention.
  const format = opts.format ?? detectNumberFormat(t.rows.map((r) => r[name]));
  t.rows.forEach((r, i) => {
    const v = r[name], x0 = normalizeNumber(v, format);
    if (isMissing(x0)) {
      if (opts.missing !== 'drop') throw new InputError(`${where(t, i)}: the target '${name}' is missing (pass { missing: 'drop' }, or --drop-missing on the command line, to train without such rows)`);
      dropped++;
      return;
    }
    const x = asNumber(x0);
    if (x === undefined || !Number.isFinite(x)) throw new InputError(`${where(t, i)}: the target '${name}' is '${String(v)}', not a finite number`);
    if (opts.nonNegative && x < 0)
      throw new InputError(`${where(t, i)}: the target '${name}' is ${x}; the ${typeof opts.nonNegative === 'string' ? opts.nonNegative : 'zero-inflated lognormal'} head needs values >= 0 (use { head: 'mse' } or 'auto' for signed targets)`);
    values.push(x);
    rows.push(i);
  });
  if (!rows.length) throw new InputError(`${what}: every row's '${name}' is missing; a value model needs numbers to learn from`);
  return { name, values: Float64Array.from(values), rows, dropped, ...(format ? { format } : {}) };
}
