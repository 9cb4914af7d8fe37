// Schema inference: what each column is, from its values. Numeric (every present value is a
// number), boolean (yes/no, true/false, ...), categorical (a manageable set of labels), text
// (long free text), id (a different label on every row: identifies, does not predict).
// Out-of-range numbers (inf, 1e39) count as missing numbers here, so they cannot change a
// numeric column's kind.
import { InputError, columnList } from './errors.js';
import { type NumberFormat, detectNumberFormat, normalizeNumber } from './number-format.js';
import { asBoolean, asLabel, asNumber, isMissing, isOutOfRange } from './values.js';
import type { Table } from './table.js';

export type ColumnKind = 'numeric' | 'boolean' | 'categorical' | 'text' | 'id' | 'ignore';

export interface ColumnInfo {
  name: string;
  kind: ColumnKind;
  missing: number;
  distinct: number;
  /** Values of a numeric column that are infinite or beyond float32 (also counted in `missing`). */
  outOfRange?: number;
  /** A numeric column written for people ("1,234.5", "56,95 €"): how its cells are read (number-format.ts). */
  format?: NumberFormat;
}

export interface SchemaOptions {
  /** Columns left out of the features (the target is always left out). */
  exclude?: string[];
  /** Force a column's kind (e.g. a numeric code that is really a category). */
  overrides?: Record<string, ColumnKind>;
}

export function inferColumn(t: Table, name: string): ColumnInfo {
  let missing = 0, numeric = true, boolean = true, totalLength = 0, spaced = 0, present = 0, outOfRange = 0, finite = 0;
  const labels = new Set<string>();
  for (const r of t.rows) {
    const v = r[name];
    if (isMissing(v)) {
      missing++;
      continue;
    }
    present++;
    if (numeric) {
      if (asNumber(v) !== undefined) finite++;
      else if (isOutOfRange(v)) outOfRange++;
      else numeric = false;
    }
    if (boolean && asBoolean(v) === undefined) boolean = false;
    const label = asLabel(v);
    if (labels.size <= 100000) labels.add(label);
    totalLength += label.length;
    if (label.includes(' ')) spaced++;
  }
  const info = { name, missing, distinct: labels.size };
  if (present === 0) return { ...info, kind: 'ignore' };
  // 0/1 flags stay numeric: same thing to a network. A column of nothing but infinities has
  // no usable value: like an empty one, it is ignored.
  if (numeric) return { ...info, missing: missing + outOfRange, ...(outOfRange ? { outOfRange } : {}), kind: finite ? 'numeric' : 'ignore' };
  if (boolean && labels.size <= 2) return { ...info, kind: 'boolean' };
  const format = detectNumberFormat(t.rows.map((r) => r[name]), { idLike: labels.size === present && present > 50 });
  if (format) return formattedColumn(t, name, format, info);
  const avgLength = totalLength / present;
  if (avgLength > 30 && spaced > present / 2) return { ...info, kind: 'text' };
  // A label per row (beyond small tables) is an identifier, not a category.
  if (labels.size === present && present > 50) return { ...info, kind: 'id' };
  return { ...info, kind: 'categorical' };
}

/** A column whose every value reads as a number in `format`: numeric, out-of-range cells counted as missing. */
function formattedColumn(t: Table, name: string, format: NumberFormat, info: { name: string; missing: number; distinct: number }): ColumnInfo {
  let outOfRange = 0, dashes = 0;
  for (const r of t.rows) {
    const v = r[name];
    if (isMissing(v)) continue;
    const x = normalizeNumber(v, format);
    if (isMissing(x)) dashes++; // a lone dash
    else if (isOutOfRange(x)) outOfRange++;
  }
  return { ...info, missing: info.missing + dashes + outOfRange, ...(outOfRange ? { outOfRange } : {}), kind: 'numeric', format };
}

export function inferSchema(t: Table, target: string | undefined, opts: SchemaOptions = {}): ColumnInfo[] {
  const exclude = new Set([...(opts.exclude ?? []), ...(target ? [target] : [])]);
  for (const name of [...(opts.exclude ?? []), ...Object.keys(opts.overrides ?? {})])
    if (!t.columns.includes(name)) throw new InputError(`schema: column '${name}' is not in the data (columns: ${columnList(t.columns)})`);
  return t.columns
    .filter((c) => !exclude.has(c))
    .map((c) => {
      const info = inferColumn(t, c);
      const forced = opts.overrides?.[c];
      if (!forced) return info;
      // A forced kind other than numeric reads the cells as labels: no number format then.
      const { format, ...rest } = info;
      return forced === 'numeric' && format ? { ...rest, kind: forced, format } : { ...rest, kind: forced };
    });
}
