// Streaming batch scoring: CSV in, CSV out (the input columns plus the score), constant
// memory whatever the file size, written to a temporary file and renamed into place.
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import type { Row, Table } from '../data/table.js';

export interface Scorer {
  predict(rows: Table): number[];
}

export interface ScoreFileOptions {
  /** Name of the added column (default "probability"). */
  column?: string;
  /** Rows per model call. */
  batchSize?: number;
  /** Called after every batch with the bytes read, the file size and the rows scored. */
  onProgress?: (bytesRead: number, bytesTotal: number, rows: number) => void;
}

export async function scoreFile(model: Scorer, input: string, output: string, opts: ScoreFileOptions = {}): Promise<{ rows: number }> {
  const total = (await stat(input)).size;
  const column = opts.column ?? 'probability';
  const batchSize = opts.batchSize ?? 4096;
  const tmp = `${output}.tmp-${process.pid}`;
  const source = createReadStream(input);
  let read = 0;
  source.on('data', (chunk) => (read += chunk.length));
  const parser = source.pipe(parse({ columns: true, bom: true, skip_empty_lines: true, trim: true, info: true }));
  const out = createWriteStream(tmp);
  const writer = stringify({ header: true });
  writer.pipe(out);
  let rows = 0;
  let batch: { row: Row; line: number }[] = [];
  const write = async (row: Record<string, unknown>) => {
    if (!writer.write(row)) await once(writer, 'drain');
  };
  const flush = async () => {
    if (!batch.length) return;
    const scores = model.predict({ rows: batch.map((b) => b.row), columns: [], lines: batch.map((b) => b.line), source: input });
    for (let i = 0; i < batch.length; i++) await write({ ...batch[i].row, [column]: scores[i] });
    rows += batch.length;
    batch = [];
    opts.onProgress?.(read, total, rows);
  };
  try {
    try {
      for await (const rec of parser as AsyncIterable<{ record: Row; info: { lines: number } }>) {
        if (column in rec.record) throw new RangeError(`predict: ${input} already has a column named '${column}'; choose another with --column`);
        batch.push({ row: rec.record, line: rec.info.lines });
        if (batch.length >= batchSize) await flush();
      }
    } catch (e) {
      const err = e as Error & { lines?: number };
      if (err instanceof RangeError || err instanceof TypeError) throw err;
      throw new RangeError(`csv: ${input}${err.lines ? ` line ${err.lines}` : ''}: ${err.message}`);
    }
    await flush();
    writer.end();
    await once(out, 'finish');
    await rename(tmp, output);
    return { rows };
  } catch (e) {
    writer.destroy();
    out.destroy();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
