// Rows as they come from a file or from JS: objects of column -> value, plus where each row
// came from, so every error can name the file, line and column. Files are read by source.ts.
import { InputError } from './errors.js';
import { type ReadOptions, readTable } from './source.js';

export type Value = string | number | boolean | null | undefined;
export type Row = Record<string, Value>;

export interface Table {
  rows: Row[];
  columns: string[];
  /** Line of each row in its file (1 = the header), when it came from one. */
  lines?: number[];
  /** The file name, when the rows came from one. */
  source?: string;
}

/** Where row i came from, for error messages: "file.csv line 12" or "row 11". */
export function where(t: Pick<Table, 'lines' | 'source'>, i: number): string {
  return t.lines && t.source ? `${t.source} line ${t.lines[i]}` : `row ${i}`;
}

/** A Table from a CSV / JSON Lines path or from an array of row objects (checked). */
export async function toTable(data: string | Row[] | Table, what = 'data', opts: ReadOptions = {}): Promise<Table> {
  if (typeof data === 'string') return readTable(data, opts);
  if (Array.isArray(data)) {
    if (!data.length) throw new InputError(`${what}: no rows`, 'EEMPTY');
    const columns = new Set<string>();
    data.forEach((r, i) => {
      if (!r || typeof r !== 'object' || Array.isArray(r)) throw new TypeError(`${what}: row ${i} is not an object of column values`);
      for (const k of Object.keys(r)) columns.add(k);
    });
    return { rows: data, columns: [...columns] };
  }
  if (data && Array.isArray((data as Table).rows)) return data as Table;
  throw new TypeError(`${what}: expected a CSV file path or an array of row objects`);
}
