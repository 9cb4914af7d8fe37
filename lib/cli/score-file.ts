// Streaming batch scoring: a CSV or JSON Lines file in, the same rows plus the preset's output
// columns out (a probability; a class and per-class probabilities; ...), constant memory
// whatever the file size. The output goes to a temporary file beside the target and is renamed into place only when complete, so an earlier output survives any failure; the
// temporary file is removed on errors and on SIGINT/SIGTERM. '-' writes to stdout instead.
import { createWriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import { InputError, type WarningHandler, emitWarning, warningCollector } from '../data/errors.js';
import type { TransformOptions } from '../data/preprocess.js';
import { type ReadOptions, formatOf, streamRecords } from '../data/source.js';
import type { Row } from '../data/table.js';
import { checkInputFile, checkOutputFile, fileError, sameFile } from '../io/paths.js';
import { removeStaleTemps, trackTempFile } from '../io/temp-files.js';
import type { Preset } from '../presets/preset.js';

/** What scoring needs of a preset (preset.ts): the columns it adds, and their values per row. */
export type Scorer = Pick<Preset, 'outputColumns' | 'score'>;

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
  const batchSize = opts.batchSize ?? 4096;
  const inFormat = formatOf(input, opts.read?.format);
  const outFormat = toStdout ? inFormat : formatOf(output);
  const warnings = warningCollector();
  let read = 0, rows = 0, header: string[] | undefined, delimiter = ',';
  // CSV output columns: the input's header, or (JSON Lines in) the first record's keys.
  let outColumns: string[] | undefined;
  const records = streamRecords(input, {
    ...opts.read,
    onBytes: (n) => (read = n),
    onHeader: (columns, d) => {
      const taken = clash(columns);
      if (taken !== undefined) throw new InputError(`predict: ${input} already has a column named '${taken}'${taken === added[0] ? '; choose another with --column' : ''}`, 'ECOLUMN');
      header = columns;
      delimiter = d;
    },
  });

  const tmp = `${output}.tmp-${process.pid}`;
  let release = () => {};
  if (!toStdout) {
    await removeStaleTemps(output);
    release = trackTempFile(tmp);
  }
  const out = toStdout ? sink(process.stdout, 'stdout', false) : sink(createWriteStream(tmp), tmp, true);
  let batch: { row: Row; line: number }[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const table = { rows: batch.map((b) => b.row), columns: header ?? [], lines: batch.map((b) => b.line), source: input };
    const scores = model.score(table, { missing: opts.missing, onWarning: warnings.add });
    const scored = batch.map((b, i) => {
      const row: Record<string, unknown> = { ...b.row };
      added.forEach((c, j) => (row[c] = scores[i][j]));
      return row;
    });
    outColumns ??= [...(header ?? Object.keys(batch[0].row)), ...added];
    if (outFormat === 'jsonl') await out.write(scored.map((r) => JSON.stringify(r)).join('\n') + '\n');
    else await out.write(stringify(scored, { header: rows === 0, delimiter, columns: outColumns }));
    rows += batch.length;
    batch = [];
    opts.onProgress?.(read, total, rows);
  };
  try {
    for await (const rec of records) {
      const taken = header ? undefined : clash(Object.keys(rec.row));
      if (taken !== undefined) throw new InputError(`predict: ${input} line ${rec.line} already has a column named '${taken}'${taken === added[0] ? '; choose another with --column' : ''}`, 'ECOLUMN');
      batch.push({ row: rec.row, line: rec.line });
      if (batch.length >= batchSize) await flush();
    }
    await flush();
    if (rows === 0) throw new InputError(`predict: ${input} has ${header ? 'a header but no data rows' : 'no records'}; nothing to score`, 'EEMPTY');
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
  }
}
