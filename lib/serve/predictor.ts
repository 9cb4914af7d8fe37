// What every serving mode (HTTP, Redis Streams, file scoring) needs from a model, and nothing
// more: a kind, the columns a row must carry (to reject a bad request before it joins a batch),
// predict(rows), optionally predictAsync(rows) (the forward pass off the event loop), and how a
// prediction is written as JSON and as file columns. Presets are moving onto one contract
// (lib/presets/preset.ts); until it lands, asPredictor() gets this interface from today's
// ChurnModel by duck typing, and from anything that already speaks it.
import { NUMBER_FORMATS, type NumberFormat } from '../data/number-format.js';
import type { Row, Value } from '../data/table.js';

/** A column a row must have: 'number' (numeric or missing), 'boolean' (yes/no), 'string' (a label or text). */
export type ColumnType = 'number' | 'boolean' | 'string' | 'image';

export interface InputColumn {
  name: string;
  type: ColumnType;
  /** How a numeric column's strings are written, when not as plain numbers (number-format.ts). */
  format?: NumberFormat;
}

export interface Predictor<P = unknown> {
  /** What the model is ('churn', ...): shown by GET /v1/models and in metrics. */
  readonly kind: string;
  /** The columns predict() reads; extra columns in a row are ignored. */
  readonly inputSchema: readonly InputColumn[];
  /** One prediction per row, in row order. */
  predict(rows: Row[]): P[];
  /** The same values, computed off the event loop (used when present). */
  predictAsync?(rows: Row[]): Promise<P[]>;
  /** Names of the columns a prediction fills in a scored file. */
  readonly outputColumns: readonly string[];
  /** A prediction as a JSON value (HTTP answers, stream entries). */
  toJSON(p: P): unknown;
  /** A prediction as the values of outputColumns (scored files). */
  toColumns(p: P): Value[];
  /** Frees what scoring holds beyond the model (a pool of workers), once no batch will come. */
  close?(): Promise<void>;
}

// Kinds of today's preprocessing state and of the coming contract's schema, as request types.
const TYPES: Record<string, ColumnType> = {
  numeric: 'number', number: 'number', integer: 'number', float: 'number',
  boolean: 'boolean', bool: 'boolean',
  categorical: 'string', category: 'string', string: 'string', text: 'string',
  // A transaction log's customer id and date (an ISO string or a number of days): any scalar.
  id: 'string', date: 'string',
  // An image field (pixel array, PNG/JPEG path): the preset checks it.
  image: 'image',
};

function isPredictor(m: Record<string, unknown>): boolean {
  return typeof m.kind === 'string' && Array.isArray(m.inputSchema) && typeof m.predict === 'function'
    && Array.isArray(m.outputColumns) && typeof m.toJSON === 'function' && typeof m.toColumns === 'function';
}

function schemaOf(m: Record<string, unknown>): InputColumn[] {
  const raw = (Array.isArray(m.inputSchema) ? m.inputSchema
    : (m.preprocessor as { columns?: unknown } | undefined)?.columns) as { name?: unknown; type?: unknown; kind?: unknown; format?: unknown }[] | undefined;
  if (!Array.isArray(raw)) throw new TypeError('serve: the model has no input schema (inputSchema, or a fitted preprocessor)');
  return raw.map((c, i) => {
    const type = TYPES[String(c?.type ?? c?.kind)];
    if (typeof c?.name !== 'string' || !type) throw new TypeError(`serve: input column ${i} of the model has no name or an unknown type (${JSON.stringify(c?.type ?? c?.kind)})`);
    const format = NUMBER_FORMATS.find((f) => f === c.format);
    return { name: c.name, type, ...(type === 'number' && format ? { format } : {}) };
  });
}

// A number that JSON cannot hold (NaN) is written as null rather than breaking the answer.
const jsonValue = (p: unknown): unknown => (typeof p === 'number' && !Number.isFinite(p) ? null : p);

/**
 * The serving interface of `model`: returned as is when it already has one; built from a
 * preset's predict() and input schema otherwise (ChurnModel today: kind 'churn', one
 * 'probability' column). Throws a TypeError when the object cannot predict from rows.
 */
export function asPredictor(model: unknown, opts: { onWarning?: (message: string) => void } = {}): Predictor {
  const m = model as Record<string, unknown> | null;
  if (!m || typeof m !== 'object') throw new TypeError('serve: expected a preset (a model with predict(rows)) or a model file path');
  if (isPredictor(m)) return m as unknown as Predictor;
  if (typeof m.predict !== 'function') throw new TypeError(`serve: ${m.constructor?.name ?? 'the object'} has no predict(rows); serve a preset such as ChurnModel`);
  const inputSchema = schemaOf(m);
  const kind = typeof m.kind === 'string' ? m.kind : m.target && m.preprocessor ? 'churn' : 'model';
  // The preset contract's outputColumns() gives the file columns; older objects get defaults.
  const declared = typeof m.outputColumns === 'function' ? (m.outputColumns as () => { name: string }[]).call(m).map((c) => c.name)
    : Array.isArray(m.outputColumns) ? (m.outputColumns as string[]) : undefined;
  const outputColumns = declared?.length ? [declared[0]] : kind === 'churn' || kind === 'propensity' ? ['probability'] : ['prediction'];
  // Data warnings (a value out of float32 range, imputed) go to the caller's handler, not to
  // process warnings: a server would print one per request.
  const po = { onWarning: opts.onWarning ?? (() => undefined) };
  const rawPredict = m.predict as (rows: Row[], o: typeof po) => unknown[];
  const rawAsync = m.predictAsync as ((rows: Row[], o: typeof po) => Promise<unknown[]>) | undefined;
  const predict = (rows: Row[]) => rawPredict.call(m, rows, po);
  const predictAsync = typeof rawAsync === 'function' ? (rows: Row[]) => rawAsync.call(m, rows, po) : undefined;
  return {
    kind, inputSchema, outputColumns, predict, predictAsync,
    toJSON: jsonValue,
    toColumns: (p) => {
      if (p !== null && typeof p === 'object' && !Array.isArray(p)) return outputColumns.map((c) => (p as Record<string, Value>)[c]);
      return [jsonValue(p) as Value];
    },
  };
}

/** Runs the forward pass of `rows`: off the event loop when the model can, else inline. */
export function runPredict(p: Predictor, rows: Row[]): Promise<unknown[]> {
  if (p.predictAsync) return p.predictAsync(rows);
  try {
    return Promise.resolve(p.predict(rows));
  } catch (e) {
    return Promise.reject(e);
  }
}
