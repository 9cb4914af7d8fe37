// A fast reader for well-formed CSV, for scoring large files: records come in batches (row
// objects, line numbers, and each record's text for copying through), parsed with indexOf and
// native slices instead of a character state machine. It accepts only what it is sure reads as
// streamCsv (csv-parse) would: RFC 4180 quoting, \n or \r\n line ends, no whitespace around
// fields, every row as wide as the header, no empty lines or line breaks inside fields. Anything else (a ragged row, a stray quote, a lone
// \r, an odd header) throws CsvFastUnsupported, and the caller reads the file with streamCsv,
// which gives the exact answer or error. Bytes come through decodedChunks (same UTF-8 checks).
import { type DecodeOptions, decodedChunks } from './decode.js';
import { headerLine, parseDelimiter, sniffDelimiter } from './sniff.js';
import type { Row } from './table.js';

export class CsvFastUnsupported extends Error {
  constructor(readonly why: string) {
    super(`csv fast path: ${why}`);
    this.name = 'CsvFastUnsupported';
  }
}

export interface CsvBatch {
  rows: Row[];
  lines: number[];
  raws: string[];
}

export interface CsvFastOptions extends DecodeOptions {
  delimiter?: string;
  onHeader?: (columns: string[], delimiter: string) => void;
  /** Records per batch (default 8192). */
  batchSize?: number;
}

const QUOTE = 34, LF = 10, CR = 13;
const NEED_MORE = null;

// Whitespace at a field's edge is trimmed by csv-parse (trim: true); left to it.
const edgeSpace = (v: string) => v.length > 0 && (v.charCodeAt(0) <= 32 || v.charCodeAt(v.length - 1) <= 32);

/**
 * Parses one record starting at `pos`; returns its fields, where the next record starts, and
 * the newlines inside it, or NEED_MORE when the text ends inside it (and `final` is false).
 */
function parseRecord(text: string, pos: number, delim: string, final: boolean, fields: string[]): { fields: string[]; next: number; end: number; newlines: number } | null {
  const d = delim.charCodeAt(0);
  fields.length = 0; // one array for every record: less garbage
  let p = pos, newlines = 0;
  for (;;) {
    if (text.charCodeAt(p) === QUOTE) {
      let q = p + 1, value = '';
      for (;;) {
        const e = text.indexOf('"', q);
        if (e === -1 || e + 1 === text.length) {
          if (!final || e === -1) {
            if (final) throw new CsvFastUnsupported('a quote is never closed');
            return NEED_MORE;
          }
        }
        if (text.charCodeAt(e + 1) === QUOTE) {
          value += text.slice(q, e + 1);
          q = e + 2;
          continue;
        }
        value += text.slice(q, e);
        p = e + 1;
        break;
      }
      // csv-parse counts the lines of multi-line records its own way; its line numbers are
      // what error messages must give, so such files are left to it.
      if (value.includes('\n') || value.includes('\r')) throw new CsvFastUnsupported('a quoted field with a line break');
      fields.push(value);
      const c = text.charCodeAt(p);
      if (c === d) {
        p++;
        continue;
      }
      if (c === LF) return { fields, next: p + 1, end: p, newlines };
      if (c === CR && text.charCodeAt(p + 1) === LF) return { fields, next: p + 2, end: p, newlines };
      if (p >= text.length) return final ? { fields, next: p, end: p, newlines } : NEED_MORE;
      if (c === CR && p + 1 >= text.length && !final) return NEED_MORE;
      throw new CsvFastUnsupported('text after a closing quote');
    }
    const nd = text.indexOf(delim, p), nl = text.indexOf('\n', p);
    let stop = nd !== -1 && (nl === -1 || nd < nl) ? nd : nl;
    const atNewline = stop === nl && stop !== -1;
    if (stop === -1) {
      if (!final) return NEED_MORE;
      stop = text.length;
    }
    let v = text.slice(p, stop);
    if (atNewline && v.charCodeAt(v.length - 1) === CR) v = v.slice(0, -1);
    if (v.includes('"') || v.includes('\r') || edgeSpace(v)) throw new CsvFastUnsupported('a field with quotes, whitespace or a lone CR');
    fields.push(v);
    if (stop === nd) {
      p = nd + 1;
      continue;
    }
    return { fields, next: stop + 1, end: atNewline && text.charCodeAt(stop - 1) === CR ? stop - 1 : stop, newlines };
  }
}

/**
 * A function that makes a row object from a record's fields, as one object literal with the
 * header's keys: every row then shares one shape (fast to build and to read), where keyed
 * stores one column at a time were the reader's largest cost. Keys are JSON-quoted, so any
 * header text is safe; '__proto__' never gets here (refused as an odd header).
 */
function rowFactory(header: string[]): (f: string[]) => Row {
  if (header.length > 1000) return (f) => Object.fromEntries(header.map((h, j) => [h, f[j]]));
  const body = `return {${header.map((h, j) => `${JSON.stringify(h)}: f[${j}]`).join(', ')}};`;
  return new Function('f', body) as (f: string[]) => Row;
}

/** Batches of the records of a CSV file with a header row (see the file comment). */
export async function* streamCsvFast(path: string, opts: CsvFastOptions = {}): AsyncGenerator<CsvBatch> {
  const size = opts.batchSize ?? 8192;
  let text = '', pos = 0, line = 0, header: string[] | undefined, delim = opts.delimiter === undefined ? undefined : parseDelimiter(opts.delimiter);
  let batch: CsvBatch = { rows: [], lines: [], raws: [] };
  const fields: string[] = [];
  let makeRow: (f: string[]) => Row = () => ({});
  const take = function* (final: boolean): Generator<CsvBatch> {
    for (;;) {
      if (pos >= text.length) return;
      // csv-parse skips empty lines but counts them its own way (see above): left to it.
      if (text.charCodeAt(pos) === LF || text.charCodeAt(pos) === CR) {
        if (!final && pos + 2 >= text.length) return;
        // A last line ending of its own ("...\n\n" at the very end is still an empty line).
        throw new CsvFastUnsupported('an empty line');
      }
      if (!header) {
        const head = headerLine(text.slice(pos));
        if (!final && pos + head.length >= text.length) return;
        delim ??= sniffDelimiter(head);
      }
      const r = parseRecord(text, pos, delim!, final, fields);
      if (r === NEED_MORE) return;
      line += 1 + r.newlines;
      if (!header) {
        const seen = new Set(r.fields);
        if (seen.size !== r.fields.length || r.fields.some((f) => !f || f === '__proto__')) throw new CsvFastUnsupported('an odd header');
        header = r.fields.slice();
        opts.onHeader?.(header, delim!);
        makeRow = rowFactory(header);
      } else {
        if (r.fields.length !== header.length) throw new CsvFastUnsupported('a ragged row');
        batch.rows.push(makeRow(r.fields));
        batch.lines.push(line);
        batch.raws.push(text.slice(pos, r.end));
        if (batch.rows.length >= size) {
          yield batch;
          batch = { rows: [], lines: [], raws: [] };
        }
      }
      pos = r.next;
    }
  };
  let first = true;
  for await (const chunk of decodedChunks(path, 'csv', opts)) {
    text = text.slice(pos) + chunk.toString('utf8');
    pos = 0;
    if (first && text.charCodeAt(0) === 0xfeff) pos = 1;
    first = false;
    yield* take(false);
  }
  text = text.slice(pos);
  pos = 0;
  yield* take(true);
  if (batch.rows.length) yield batch;
  if (!header) throw new CsvFastUnsupported('no header');
}
