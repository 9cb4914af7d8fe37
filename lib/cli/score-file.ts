// Streaming batch scoring: a CSV or JSON Lines file in, the same rows plus the preset's output
// columns out (a probability; a class and per-class probabilities; ...), constant memory
// whatever the file size. The output goes to a temporary file beside the target and is renamed into place only when complete, so an earlier output survives any failure; the
// temporary file is removed on errors and on SIGINT/SIGTERM. '-' writes to stdout instead.
import { createWriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import { InputError, type WarningHandler, emitWarning, formatWarning, warningCollector } from '../data/errors.js';
import type { TransformOptions } from '../data/preprocess.js';
import { type CsvBatch, CsvFastUnsupported, streamCsvFast } from '../data/csv-fast.js';
import { type ReadOptions, formatOf, streamRecords } from '../data/source.js';
import { checkInputFile, checkOutputFile, fileError, sameFile } from '../io/paths.js';
import { removeStaleTemps, trackTempFile } from '../io/temp-files.js';
import type { Table } from '../data/table.js';
import type { OutputValue, Preset } from '../presets/preset.js';
import { WorkerPool } from '../serve/worker-pool.js';
import { type Scorer, scoreBatch } from '../presets/score-batch.js';

export { ASYNC_SLICE, type Scorer } from '../presets/score-batch.js';

export interface ScoreFileOptions {
  /** A new name for the prediction's own column (the first of the preset's output columns: 'probability', 'class', ...). */
  column?: string;
  /** Rows per model call. */
  batchSize?: number;
  /** Called after every batch with the bytes read, the file size and the rows scored. */
  onProgress?: (bytesRead: number, bytesTotal: number, rows: number) => void;
  /** How to read the input (delimiter, encoding, format). */
  read?: ReadOptions;
  /** Rows lacking a trained column: an error (default) or 'impute'd. */
  missing?: TransformOptions['missing'];
  /** Receives each warning once, summed over the whole file; default: process.emitWarning. */
  onWarning?: WarningHandler;
  /**
   * Worker threads scoring batches side by side, each with its own copy of the model (saved
   * from this one; lib/serve/worker-pool.ts). Default 0: batches are scored here, one at a time.
   */
  workers?: number;
  /** Score only data rows whose 0-based row number r has r % count === index (see parseShard). */
  shard?: { index: number; count: number };
}

/** `--shard i/n` (0 <= i < n): row r goes to shard r % n, so n jobs together score each row once. */
export function parseShard(v: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v.trim());
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count) || count > 1_000_000)
    throw new InputError(`--shard must be i/n with 0 <= i < n (e.g. 0/4 ... 3/4), got '${v}'`, 'ESHARD');
  return { index, count };
}

/** Where text goes, with backpressure, and write errors (a full disk, a closed pipe) kept to be thrown. */
interface Sink {
  write(text: string): Promise<void>;
  close(): Promise<void>;
  destroy(): void;
}

function sink(stream: NodeJS.WritableStream & { destroy?: () => void }, name: string, own: boolean): Sink {
  let failed: Error | undefined;
  let wake: (() => void) | undefined;
  const onError = (e: Error) => {
    failed = fileError('predict', 'write', name, e);
    wake?.();
  };
  stream.on('error', onError);
  const check = () => {
    if (failed) throw failed;
  };
  return {
    async write(text) {
      check();
      if (!stream.write(text))
        await new Promise<void>((resolve) => {
          wake = resolve;
          stream.once('drain', resolve);
        });
      check();
    },
    async close() {
      check();
      if (own) await new Promise<void>((resolve) => ((wake = resolve), stream.end(resolve)));
      check();
      stream.off('error', onError);
      // stdout stays open after this run: a late EPIPE must not become an uncaught error.
      if (!own) stream.on('error', () => undefined);
    },
    destroy() {
      if (own) stream.destroy?.();
      // A broken stdout must not raise again once this run is over.
      else stream.on('error', () => undefined);
    },
  };
}

// The output columns' values as CSV cells: numbers as JavaScript prints them (what
// csv-stringify writes too), text quoted only where it must be (RFC 4180), null as empty.
function cells(values: OutputValue[], delimiter: string): string {
  let line = '';
  for (let j = 0; j < values.length; j++) {
    const v = values[j];
    if (j) line += delimiter;
    if (v === null || v === undefined) continue;
    if (typeof v === 'number') line += String(v);
    else line += /["\r\n]/.test(v) || v.includes(delimiter) ? `"${v.replace(/"/g, '""')}"` : v;
  }
  return line;
}

export async function scoreFile(model: Scorer, input: string, output: string, opts: ScoreFileOptions = {}): Promise<{ rows: number }> {
  const toStdout = output === '-';
  // Every path problem is found before anything is read or written.
  await checkInputFile(input, 'predict');
  if (!toStdout) {
    await checkOutputFile(output, 'predict');
    if (await sameFile(input, output)) throw new InputError(`predict: the output ${output} is the input file; write the scores to another file`, 'ESAMEFILE');
  }
  const total = (await stat(input)).size;
  // The preset's columns for its kind: a probability; a class and one probability per class; ...
  const added = model.outputColumns().map((c) => c.name);
  if (opts.column !== undefined) added[0] = opts.column;
  const clash = (columns: string[]) => added.find((c) => columns.includes(c));
  const workers = opts.workers ?? 0;
  if (!Number.isInteger(workers) || workers < 0 || workers > 256) throw new InputError(`predict: workers must be an integer from 0 to 256, got ${String(opts.workers)}`);
  // Workers get smaller batches, two each in flight: one scoring while the next waits, so no
  // worker idles while this thread reads and writes (and memory stays bounded either way).
  const batchSize = opts.batchSize ?? (workers ? 1024 : 4096);
  const depth = workers ? 2 * workers : 1;
  const inFormat = formatOf(input, opts.read?.format);
  const outFormat = toStdout ? inFormat : formatOf(output);
  const warnings = warningCollector();
  let read = 0, rows = 0, header: string[] | undefined, delimiter = ',';
  // CSV output columns: the input's header, or (JSON Lines in) the first record's keys.
  let outColumns: string[] | undefined;
  // CSV to CSV copies each record's text and appends the score: no re-quoting of every field.
  const copyRaw = inFormat === 'csv' && outFormat === 'csv';
  const shard = opts.shard ?? { index: 0, count: 1 };
  const taken = (name: string, where: string) =>
    new InputError(`predict: ${where} already has a column named '${name}'${name === added[0] ? '; choose another with --column' : ''}`, 'ECOLUMN');
  const onHeader = (columns: string[], d: string) => {
    const clashing = clash(columns);
    if (clashing !== undefined) throw taken(clashing, input);
    header = columns;
    delimiter = d;
  };
  const read_ = { ...opts.read, onBytes: (n: number) => (read = n), onHeader };
  // Batches of records from the standard readers (every format, every quirk of CSV).
  async function* standard(): AsyncGenerator<CsvBatch> {
    let b: CsvBatch = { rows: [], lines: [], raws: [] };
    for await (const rec of streamRecords(input, { ...read_, raw: copyRaw })) {
      const clashing = header ? undefined : clash(Object.keys(rec.row));
      if (clashing !== undefined) throw taken(clashing, `${input} line ${rec.line}`);
      b.rows.push(rec.row);
      b.lines.push(rec.line);
      if (rec.raw !== undefined) b.raws.push(rec.raw);
      if (b.rows.length >= batchSize) {
        yield b;
        b = { rows: [], lines: [], raws: [] };
      }
    }
    if (b.rows.length) yield b;
  }

  const tmp = `${output}.tmp-${process.pid}`;
  let release = () => {};
  if (!toStdout) {
    await removeStaleTemps(output);
    release = trackTempFile(tmp);
  }
  let out = toStdout ? sink(process.stdout, 'stdout', false) : sink(createWriteStream(tmp), tmp, true);
  let wroteHeader = false;
  let seen = 0; // data rows read, in every shard: the row number a shard is chosen by
  const inFlight: Promise<void>[] = [];
  let tail: Promise<void> = Promise.resolve();
  let pool: WorkerPool | undefined;
  const score = async (b: CsvBatch) => {
    let { rows: batchRows, lines, raws } = b;
    if (shard.count > 1) {
      const keep: number[] = [];
      for (let i = 0; i < batchRows.length; i++) if ((seen + i) % shard.count === shard.index) keep.push(i);
      seen += batchRows.length;
      batchRows = keep.map((i) => b.rows[i]);
      lines = keep.map((i) => b.lines[i]);
      raws = copyRaw ? keep.map((i) => b.raws[i]) : raws;
    }
    const columns = (outColumns ??= [...(header ?? Object.keys(b.rows[0])), ...added]);
    const headerText = !wroteHeader && outFormat === 'csv' ? stringify([columns], { delimiter }) : '';
    wroteHeader = true;
    const table = { rows: batchRows, columns: header ?? [], lines, source: input };
    const scores = !batchRows.length ? Promise.resolve([])
      : pool ? pool.score(table, { missing: opts.missing }).then((a) => (a.warnings.forEach((w) => warnings.add(formatWarning(w), w)), a.out))
      : scoreBatch(model, table, { missing: opts.missing, onWarning: warnings.add });
    scores.catch(() => undefined); // awaited in order below; not an unhandled rejection meanwhile
    // Batches are written in the order read: each waits for the one before it.
    const before = tail;
    const step = (async () => {
      const s = await scores;
      await before;
      let text = headerText;
      if (copyRaw) for (let i = 0; i < batchRows.length; i++) text += `${raws[i]}${delimiter}${cells(s[i], delimiter)}\n`;
      else if (batchRows.length) {
        const scored = batchRows.map((r, i) => {
          const row: Record<string, unknown> = { ...r };
          added.forEach((c, j) => (row[c] = s[i][j]));
          return row;
        });
        text += outFormat === 'jsonl' ? scored.map((r) => JSON.stringify(r)).join('\n') + '\n' : stringify(scored, { delimiter, columns });
      }
      if (text) await out.write(text);
      rows += batchRows.length;
      opts.onProgress?.(read, total, rows);
    })();
    step.catch(() => undefined);
    tail = step;
    inFlight.push(step);
    if (inFlight.length >= depth) await inFlight.shift();
  };
  /** Every batch read so far scored and written. */
  const drain = async () => {
    inFlight.length = 0;
    await tail;
  };
  try {
    if (workers) {
      const save = (model as Partial<Pick<Preset, 'save'>>).save;
      if (typeof save !== 'function') throw new InputError('predict: scoring on workers needs a preset that can save() itself');
      pool = await WorkerPool.start((file) => save.call(model, file), workers);
    }
    // Well-formed CSV takes the fast reader; a file it is unsure of is read again from the
    // start by the standard one (the partial output is a temp file: started over).
    let fast = copyRaw && !toStdout;
    if (fast) {
      try {
        for await (const b of streamCsvFast(input, { ...read_, batchSize })) await score(b);
        await drain();
      } catch (e) {
        if (!(e instanceof CsvFastUnsupported)) throw e;
        // The batches already handed out finish (into the output about to be dropped) first.
        await drain().catch(() => undefined);
        tail = Promise.resolve();
        out.destroy();
        out = sink(createWriteStream(tmp), tmp, true);
        read = rows = seen = 0;
        wroteHeader = false;
        header = outColumns = undefined;
        fast = false;
      }
    }
    if (!fast) {
      for await (const b of standard()) await score(b);
      await drain();
    }
    if (rows === 0 && seen === 0) throw new InputError(`predict: ${input} has ${header ? 'a header but no data rows' : 'no records'}; nothing to score`, 'EEMPTY');
    await out.close();
    if (!toStdout) await rename(tmp, output);
    warnings.flush(opts.onWarning ?? emitWarning);
    return { rows };
  } catch (e) {
    out.destroy();
    if (!toStdout) await unlink(tmp).catch(() => undefined);
    throw e;
  } finally {
    release();
    await pool?.close();
  }
}
