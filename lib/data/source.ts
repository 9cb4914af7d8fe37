// The one way files come in: a path becomes records (streamed) or a Table (in memory), as CSV
// or JSON Lines by its extension, with the same checks whichever reader runs. Presets, the CLI
// and batch scoring all read through here.
import { type CsvOptions, readCsv, streamCsv, type CsvRecord } from './csv.js';
import { readJsonl, streamJsonl } from './jsonl.js';
import type { Table } from './table.js';

export interface ReadOptions extends CsvOptions {
  /** 'csv' or 'jsonl'; by default from the extension (.jsonl / .ndjson are JSON Lines, anything else CSV). */
  format?: 'csv' | 'jsonl';
}

export function formatOf(path: string, format?: 'csv' | 'jsonl'): 'csv' | 'jsonl' {
  return format ?? (/\.(jsonl|ndjson)$/i.test(path) ? 'jsonl' : 'csv');
}

/** Streams a file's records ({ line, row }); a CSV file's header goes to `opts.onHeader` first. */
export function streamRecords(path: string, opts: ReadOptions = {}): AsyncGenerator<CsvRecord> {
  return formatOf(path, opts.format) === 'jsonl' ? streamJsonl(path, opts) : streamCsv(path, opts);
}

/** Reads a whole CSV or JSON Lines file. */
export function readTable(path: string, opts: ReadOptions = {}): Promise<Table> {
  return formatOf(path, opts.format) === 'jsonl' ? readJsonl(path, opts) : readCsv(path, opts);
}
