// JSON Lines files (one JSON object per line: what serving and event streams speak), streamed
// with the same guarantees as CSV: UTF-8 checked, read errors reject, and a line that is not a
// JSON object of plain values is an error naming the file and line.
import { type DecodeOptions, decodedChunks } from './decode.js';
import { InputError } from './errors.js';
import type { CsvRecord } from './csv.js';
import type { Row, Table, Value } from './table.js';

function toRow(path: string, line: number, text: string): Row {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new InputError(`jsonl: ${path} line ${line}: not valid JSON (${String((e as Error).message).split('\n')[0].slice(0, 120)})`, 'EJSON');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new InputError(`jsonl: ${path} line ${line}: expected an object of column values, got ${Array.isArray(v) ? 'an array' : JSON.stringify(v)}`, 'EJSON');
  for (const [k, x] of Object.entries(v))
    if (x !== null && typeof x === 'object')
      throw new InputError(`jsonl: ${path} line ${line}, column '${k}': ${Array.isArray(x) ? 'an array' : 'an object'}; column values are numbers, strings, booleans or null`, 'EJSON');
  return v as Record<string, Value>;
}

/** Streams the objects of a JSON Lines file (blank lines are skipped; CRLF and a BOM are accepted). */
export async function* streamJsonl(path: string, opts: DecodeOptions = {}): AsyncGenerator<CsvRecord> {
  let line = 0, rest = '', first = true;
  const take = (text: string): CsvRecord | undefined => {
    line++;
    const t = text.trim();
    return t ? { line, row: toRow(path, line, t) } : undefined;
  };
  for await (const chunk of decodedChunks(path, 'jsonl', opts)) {
    let text = rest + chunk.toString('utf8');
    if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    first = false;
    const parts = text.split('\n');
    rest = parts.pop()!;
    for (const p of parts) {
      const rec = take(p);
      if (rec) yield rec;
    }
  }
  const rec = take(rest);
  if (rec) yield rec;
}

/** Reads a whole JSON Lines file; its columns are every key seen, in order of appearance. */
export async function readJsonl(path: string, opts: DecodeOptions = {}): Promise<Table> {
  const rows: Row[] = [], lines: number[] = [], columns = new Set<string>();
  for await (const { line, row } of streamJsonl(path, opts)) {
    for (const k of Object.keys(row)) columns.add(k);
    rows.push(row);
    lines.push(line);
  }
  if (!rows.length) throw new InputError(`jsonl: ${path} is empty (no JSON objects)`, 'EEMPTY');
  return { rows, columns: [...columns], lines, source: path };
}
