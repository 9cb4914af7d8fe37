// From a CSV file (or rows) to tensors tl.fit accepts, for custom models: the same
// inference and preprocessing the presets use, fitted on the training split only.
import { tensor } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { seededRandom } from '../train/data.js';
import { Preprocessor, type TransformOptions } from './preprocess.js';
import { type ColumnKind, inferSchema } from './schema.js';
import { type BinaryTarget, binaryTarget, encodeTarget, stratifiedSplit } from './target.js';
import type { WarningHandler } from './errors.js';
import type { ReadOptions } from './source.js';
import { type Row, type Table, toTable } from './table.js';

export interface Prepared {
  /** x = [numeric float32 [n, w], categorical int32 [n, c]], y float32 [n, 1]. */
  train: { x: [Tensor, Tensor]; y: Tensor };
  validation: { x: [Tensor, Tensor]; y: Tensor };
  preprocessor: Preprocessor;
  target: BinaryTarget;
  /** Encodes new rows with the fitted preprocessing (for prediction; a row lacking a trained column is an error unless `{ missing: 'impute' }`). */
  encode(rows: Row[] | Table, opts?: TransformOptions): [Tensor, Tensor];
}

export async function prepare(
  data: string | Row[],
  opts: { target: string; positive?: string; validation?: number; seed?: number; exclude?: string[]; columns?: Record<string, ColumnKind>; read?: ReadOptions; onWarning?: WarningHandler },
): Promise<Prepared> {
  const table = await toTable(data, 'prepare', opts.read);
  const target = binaryTarget(table, opts.target, opts.positive);
  const y = encodeTarget(table, target);
  const schema = inferSchema(table, opts.target, { exclude: opts.exclude, overrides: opts.columns });
  const { train, validation } = stratifiedSplit(y, opts.validation ?? 0.2, seededRandom(opts.seed ?? 42));
  const preprocessor = Preprocessor.fit(table, train, schema, { onWarning: opts.onWarning });
  // The training rows' warnings were given by fit; encoding them again would repeat them.
  const encode = (t: Table, idx?: number[], o: TransformOptions = { onWarning: () => undefined }): [Tensor, Tensor] => {
    const e = preprocessor.transform(t, idx, o);
    return [
      tensor(e.numeric, { shape: [e.n, preprocessor.numericWidth], device: 'cpu' }),
      tensor(e.categorical, { shape: [e.n, preprocessor.cardinalities.length], device: 'cpu' }),
    ];
  };
  const labels = (idx: number[]) => tensor(Float32Array.from(idx, (i) => y[i]), { shape: [idx.length, 1], device: 'cpu' });
  return {
    train: { x: encode(table, train), y: labels(train) },
    validation: { x: encode(table, validation, { onWarning: opts.onWarning }), y: labels(validation) },
    preprocessor,
    target,
    encode: (rows, o = {}) => encode(Array.isArray(rows) ? { rows, columns: [] } : rows, undefined, { onWarning: opts.onWarning, ...o }),
  };
}
