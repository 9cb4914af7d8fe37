// The contract every marketing preset answers (API.md, "Presets: one contract"), so the CLI,
// batch scoring, serving and tl.load handle any of them without knowing its class:
//   - what it reads (`inputSchema`), what it is (`kind`, `describe()`);
//   - `predict(rows)`: one JSON value per row (a probability, a label, a value, a segment);
//   - `outputColumns()` + `score(rows)`: the same predictions as the flat columns a CSV or
//     JSON Lines file gets (class + one probability per class, value + interval, ...), in one
//     pass over the model;
//   - classifiers add `classes` and `predictProba(rows)`;
//   - `evaluate(data)` (a report of plain numbers), `save(path)`, and on the class `fit`,
//     `load` and `fromSaved` (what tl.load calls, through registry.ts).
import type { WarningHandler } from '../data/errors.js';
import type { NumberFormat } from '../data/number-format.js';
import type { TransformOptions } from '../data/preprocess.js';
import type { ReadOptions } from '../data/source.js';
import type { Row, Table } from '../data/table.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * How predict reads a column: a number, a yes/no value, a category label, free text, an image (pixels,
 * encoded bytes or a file path), or (in a
 * transaction log) a customer id and a date (ISO string or a number of days).
 */
export type InputType = 'numeric' | 'boolean' | 'categorical' | 'text' | 'id' | 'date' | 'image';

/** A column `predict` reads. Rows lacking one are an error naming it (unless `{ missing: 'impute' }`). */
export interface InputColumn {
  name: string;
  type: InputType;
  /** A numeric column trained on numbers written for people ("1,234.5", "56,95 €"): how such strings are read. */
  format?: NumberFormat;
}

/** One input as describe() lists it: "spend (numeric, decimal comma)". */
export function describeInput(c: InputColumn): string {
  return `${c.name} (${c.type}${c.format === 'comma' ? ', decimal comma' : c.format === 'point' ? ', formatted' : ''})`;
}

/** The input schema of fitted columns: name, kind and (for formatted numbers) the format. */
export function inputColumns(cols: readonly { name: string; kind: string; format?: NumberFormat }[]): InputColumn[] {
  return cols.map((c) => ({ name: c.name, type: c.kind as InputType, ...(c.format ? { format: c.format } : {}) }));
}

/** Options of every predict-time call: rows lacking a trained column (error or impute), non-numbers, warnings. */
export type PredictOptions = TransformOptions;

/** Options of evaluate() and other calls that take labelled data (a path or rows). */
export interface DataOptions {
  read?: ReadOptions;
  missing?: TransformOptions['missing'];
  onWarning?: WarningHandler;
}

/** Data a preset trains on or is evaluated with: a CSV / JSON Lines path, row objects, or a read table. */
export type Data = string | Row[] | Table;

/** One cell of a scored file. */
export type OutputValue = number | string | null;

/** A column that scoring adds to each row. The first one is the prediction itself (what `--column` renames). */
export interface OutputColumn {
  name: string;
  type: 'number' | 'string';
  /** What the column holds, for `describe()` and docs ("P(churn = yes)"). */
  description: string;
}

/** What tl.save writes: tensors plus JSON metadata (built by persist.ts for presets). */
export interface Saved {
  tensors: Record<string, Tensor>;
  meta: Record<string, unknown>;
}

export interface Preset<Prediction = unknown, Report extends object = object> {
  /** The file kind ('churn', 'propensity', ...): tl.load and the registry find the class by it. */
  readonly kind: string;
  /** The columns predict reads, in the order the model uses them. */
  readonly inputSchema: readonly InputColumn[];
  /** A few lines a person can read: inputs, outputs, training data, validation metrics. */
  describe(): string;
  /** One JSON-ready value per row (extra columns ignored). */
  predict(rows: Row[] | Table, opts?: PredictOptions): Prediction[];
  /**
   * Optional: predict() with the model's forward pass off the event loop (on a worker
   * thread), for servers; the same values. Callers fall back to predict() without it.
   */
  predictAsync?(rows: Row[] | Table, opts?: PredictOptions): Promise<Prediction[]>;
  /** The columns score() gives, in order. */
  outputColumns(): OutputColumn[];
  /** For each row, the values of outputColumns() in that order: what batch scoring writes. */
  score(rows: Row[] | Table, opts?: PredictOptions): OutputValue[][];
  /**
   * Optional: score() for inputs that need asynchronous work first (image files to decode,
   * relative to the folder of the Table's `source`); batch scoring awaits it where a preset has it.
   */
  scoreAsync?(rows: Row[] | Table, opts?: PredictOptions): Promise<OutputValue[][]>;
  /** Metrics on labelled data (plain numbers, and tables of them). */
  evaluate(data: Data, opts?: DataOptions): Promise<Report>;
  /** Writes one safetensors file (atomically). */
  save(path: string): Promise<void>;
  /** @internal What save() writes (tl.save calls it). */
  toSafetensors(): Saved;
}

/** A preset whose predictions are classes. */
export interface Classifier<Prediction = unknown, Report extends object = object> extends Preset<Prediction, Report> {
  /** Class labels, in the order of predictProba's columns. */
  readonly classes: readonly string[];
  /** n × classes probabilities, each row summing to 1. */
  predictProba(rows: Row[] | Table, opts?: PredictOptions): number[][];
}

/** How much the model leans on one input column (permutation importance): `column` and one measure, e.g. `aucDrop`. */
export type ColumnImportance = { column: string; aucDrop: number } | ({ column: string } & Record<string, number>);

/** A preset that can say which columns it leans on. */
export interface Explainable {
  importance(data: Data, opts?: DataOptions & { repeats?: number; seed?: number }): Promise<ColumnImportance[]>;
}

/** The static side of a preset class. */
export interface PresetClass<P extends Preset = Preset> {
  /** The kind its files carry. */
  readonly kind: string;
  /** The class name users see ('ChurnModel'). */
  readonly name: string;
  fit(data: Data, opts: never): Promise<P>;
  load(path: string): Promise<P>;
  /** @internal Rebuilds an instance from a file's tensors and metadata (it adopts the tensors). */
  fromSaved(tensors: Record<string, Tensor>, meta: Record<string, unknown>): P;
}

export function isPreset(v: unknown): v is Preset {
  const p = v as Preset;
  return !!p && typeof p === 'object' && typeof p.kind === 'string' && typeof p.predict === 'function' && typeof p.score === 'function'
    && typeof p.outputColumns === 'function' && Array.isArray(p.inputSchema);
}

export function isClassifier(v: unknown): v is Classifier {
  return isPreset(v) && Array.isArray((v as Classifier).classes) && typeof (v as Classifier).predictProba === 'function';
}

export function isExplainable(v: unknown): v is Preset & Explainable {
  return isPreset(v) && typeof (v as unknown as Explainable).importance === 'function';
}

/** A JSON value as HTTP sends it. */
export type JsonValue = number | string | boolean | null | JsonValue[] | { [key: string]: JsonValue };

function toJson(v: unknown): JsonValue {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' || typeof v === 'boolean' || v === null) return v;
  if (v === undefined) return null;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v as ArrayLike<unknown>, toJson);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  throw new TypeError(`predictions: a ${typeof v} cannot be sent as JSON`);
}

/**
 * The body serving answers: `{ predictions }`, the values of predict(rows) in row order, with
 * anything JSON cannot carry (NaN, infinities, typed arrays) made plain.
 */
export function jsonPredictions(preset: Preset, rows: Row[] | Table, opts?: PredictOptions): { predictions: JsonValue[] } {
  return { predictions: preset.predict(rows, opts).map(toJson) };
}

/** The rows of a `predict` argument as a Table (row objects or an already-read table). */
export function asTable(rows: Row[] | Table, what: string): Table {
  const table = Array.isArray(rows) ? { rows, columns: [] } : rows;
  if (!table || !Array.isArray(table.rows)) throw new TypeError(`${what}: expected an array of row objects`);
  return table;
}
