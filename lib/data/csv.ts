// CSV files with a header row, streamed through csv-parse: the delimiter sniffed from the
// header (or given), a BOM and CRLF accepted, the bytes checked as UTF-8 (decode.ts), and every
// problem (a ragged row, a quote never closed, an empty or duplicate column name, a stream
// error) a rejected promise with a one-line message naming the file and line.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { CsvFastUnsupported, streamCsvFast } from './csv-fast.js';
import { type DecodeOptions, decodedChunks } from './decode.js';
import { InputError } from './errors.js';
import { headerLine, parseDelimiter, sniffDelimiter } from './sniff.js';
import type { Row, Table } from './table.js';

export interface CsvOptions extends DecodeOptions {
  /** The field delimiter; by default sniffed from the header line among , ; tab |. */
  delimiter?: string;
  /** Called once the header is read, before any row is yielded (throwing stops the read). */
  onHeader?: (columns: string[], delimiter: string) => void;
  /** Also yield each record's text as in the file (for writers that copy rows through). */
  raw?: boolean;
}

export interface CsvRecord {
  line: number;
  row: Row;
  /** The record's text without its line ending (with `raw: true`). */
  raw?: string;
}

/** How much of a file is read, at most, looking for the end of the header line. */
const MAX_HEADER_BYTES = 1 << 20;

function checkHeader(path: string, header: string[]): string[] {
  const seen = new Set<string>();
  header.forEach((h, i) => {
    if (!h) throw new InputError(`csv: ${path} line 1: column ${i + 1} has an empty name`);
    if (seen.has(h)) throw new InputError(`csv: ${path} line 1: column '${h}' appears twice`);
    // A row object cannot hold this key (it would set the prototype): the column would vanish.
    if (h === '__proto__') throw new InputError(`csv: ${path} line 1: '__proto__' cannot be a column name`);
    seen.add(h);
  });
  return header;
}

/** csv-parse's messages, shortened to one line in the words of a person fixing the file. */
function parseError(path: string, e: Error & { code?: string; lines?: number; column?: string | number }, lastLine: number): InputError {
  let why = e.message, line = e.lines;
  const ragged = /columns length is (\d+), got (\d+)/.exec(why);
  if (e.code === 'CSV_RECORD_INCONSISTENT_COLUMNS' && ragged) why = `ragged row: ${ragged[2]} fields where the header has ${ragged[1]}`;
  else if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
    // csv-parse reports the end of the file; the open quote is in the record after the last good one.
    line = undefined;
    why = `a quoted field${typeof e.column === 'string' ? ` (column '${e.column}')` : ''} that starts after line ${lastLine} is never closed`;
  }
  why = why.split('\n')[0];
  if (why.length > 200) why = `${why.slice(0, 200)}...`;
  return new InputError(`csv: ${path}${line ? ` line ${line}` : ''}: ${why}`, e.code ?? 'ECSV');
}

/**
 * Streams the records of a CSV file with a header row (constant memory, any size). Malformed
 * input (ragged rows, bad quoting, an empty file, duplicate or empty header names, bytes that
 * are not UTF-8, a path that is not a readable file) rejects with an InputError naming the
 * file and line.
 */
export async function* streamCsv(path: string, opts: CsvOptions = {}): AsyncGenerator<CsvRecord> {
  const fixed = opts.delimiter === undefined ? undefined : parseDelimiter(opts.delimiter);
  const abort = new AbortController();
  const chunks = decodedChunks(path, 'csv', { ...opts, signal: abort.signal })[Symbol.asyncIterator]();
  // Read until the header line is complete, to sniff its delimiter.
  const head: Buffer[] = [];
  let text = '';
  while (text.length < MAX_HEADER_BYTES) {
    const r = await chunks.next();
    if (r.done) break;
    head.push(r.value);
    text += r.value.toString('utf8');
    if (headerLine(text).length < text.length - (text.charCodeAt(0) === 0xfeff ? 1 : 0)) break;
  }
  const delimiter = fixed ?? sniffDelimiter(headerLine(text));
  let sawHeader = false;
  const parser = parse({
    columns: (header: string[]) => {
      sawHeader = true;
      const columns = checkHeader(path, header);
      opts.onHeader?.(columns, delimiter);
      return columns;
    },
    delimiter, bom: true, skip_empty_lines: true, trim: true, info: true, relax_quotes: false, raw: opts.raw === true,
  });
  async function* all(): AsyncGenerator<Buffer> {
    yield* head;
    for (let r = await chunks.next(); !r.done; r = await chunks.next()) yield r.value;
  }
  // pipeline() destroys the parser with any read error, so iterating it rejects: a stream
  // 'error' never goes unhandled. Its own promise carries the same error, seen below.
  const feeding = pipeline(Readable.from(all(), { objectMode: false }), parser).catch(() => undefined);
  let lastLine = 1;
  try {
    for await (const rec of parser as AsyncIterable<{ record: Row; info: { lines: number }; raw?: string }>) {
      lastLine = rec.info.lines;
      if (rec.raw === undefined) yield { line: rec.info.lines, row: rec.record };
      else yield { line: rec.info.lines, row: rec.record, raw: rec.raw.replace(/[\r\n]+$/, '') };
    }
  } catch (e) {
    throw e instanceof InputError ? e : parseError(path, e as Error, lastLine);
  } finally {
    // Also when the caller stopped early: end the read, even one waiting on a pipe.
    abort.abort();
    parser.destroy();
    await feeding;
  }
  if (!sawHeader) throw new InputError(`csv: ${path} is empty (no header row)`, 'EEMPTY');
}

/**
 * Reads a whole CSV file into memory (for training; scoring streams with streamCsv). Well-formed
 * files take the fast reader, whose rows share one shape (csv-parse's are built key by key and
 * read 2-4x slower in the preprocessor); a file it is unsure of is read again by streamCsv.
 */
export async function readCsv(path: string, opts: CsvOptions = {}): Promise<Table> {
  let columns: string[] | undefined;
  const onHeader = (c: string[], d: string) => {
    if (columns) return; // the standard reader's second look at a header the fast one reported
    columns = c;
    opts.onHeader?.(c, d);
  };
  if (!opts.raw) {
    try {
      const rows: Row[] = [], lines: number[] = [];
      for await (const b of streamCsvFast(path, { ...opts, onHeader })) {
        for (const r of b.rows) rows.push(r);
        for (const l of b.lines) lines.push(l);
      }
      if (!rows.length) throw new InputError(`csv: ${path} has a header but no data rows`, 'EEMPTY');
      return { rows, columns: columns!, lines, source: path };
    } catch (e) {
      if (!(e instanceof CsvFastUnsupported)) throw e;
    }
  }
  const rows: Row[] = [], lines: number[] = [];
  for await (const { line, row } of streamCsv(path, { ...opts, onHeader })) {
    rows.push(row);
    lines.push(line);
  }
  if (!rows.length) throw new InputError(`csv: ${path} has a header but no data rows`, 'EEMPTY');
  return { rows, columns: columns!, lines, source: path };
}
