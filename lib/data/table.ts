// Rows as they come from a CSV file or from JS: objects of column -> value, plus where each
// row came from, so every error can name the file, line and column.
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { parse } from 'csv-parse';

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

export interface CsvRecord {
  line: number;
  row: Row;
}

/**
 * Streams the records of a CSV file with a header row (constant memory, any size). Malformed
 * input (ragged rows, bad quoting, an empty file, duplicate or empty header names) is a
 * RangeError naming the file and line.
 */
export async function* streamCsv(path: string): AsyncGenerator<CsvRecord> {
  try {
    await access(path);
  } catch {
    throw new Error(`csv: cannot read ${path}: no such file`);
  }
  let sawHeader = false;
  const columns = (header: string[]): string[] => {
    sawHeader = true;
    return checkHeader(path, header);
  };
  const parser = createReadStream(path).pipe(
    parse({ columns, bom: true, skip_empty_lines: true, trim: true, info: true, relax_quotes: false }),
  );
  let any = false;
  try {
    for await (const rec of parser as AsyncIterable<{ record: Row; info: { lines: number } }>) {
      any = true;
      yield { line: rec.info.lines, row: rec.record };
    }
  } catch (e) {
    const err = e as Error & { lines?: number; code?: string };
    if (err.message?.startsWith('csv:')) throw err;
    throw new RangeError(`csv: ${path}${err.lines ? ` line ${err.lines}` : ''}: ${err.message.replace(/^Invalid Record Length: /, 'ragged row: ')}`);
  }
  if (!any && !sawHeader) throw new RangeError(`csv: ${path} is empty (no header row)`);
}

function checkHeader(path: string, header: string[]): string[] {
  const seen = new Set<string>();
  header.forEach((h, i) => {
    if (!h) throw new RangeError(`csv: ${path} line 1: column ${i + 1} has an empty name`);
    if (seen.has(h)) throw new RangeError(`csv: ${path} line 1: column '${h}' appears twice`);
    seen.add(h);
  });
  return header;
}

/** Reads a whole CSV file into memory (for training; scoring can stream with streamCsv). */
export async function readCsv(path: string): Promise<Table> {
  const rows: Row[] = [], lines: number[] = [];
  let columns: string[] | undefined;
  for await (const { line, row } of streamCsv(path)) {
    columns ??= Object.keys(row);
    rows.push(row);
    lines.push(line);
  }
  if (!columns) throw new RangeError(`csv: ${path} has a header but no data rows`);
  return { rows, columns, lines, source: path };
}

/** A Table from a CSV path or from an array of row objects (checked). */
export async function toTable(data: string | Row[] | Table, what = 'data'): Promise<Table> {
  if (typeof data === 'string') return readCsv(data);
  if (Array.isArray(data)) {
    if (!data.length) throw new RangeError(`${what}: no rows`);
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
