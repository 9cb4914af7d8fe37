// ChurnModel (alias PropensityModel): rows with a yes/no outcome -> the probability of "yes".
// The preset owns its preprocessing (schema inference, imputation, scaling, categorical
// embeddings), network, imbalance handling, early stopping on validation AUC, and the
// evaluation marketers use (ROC AUC, lift/gains, capture rate, permutation importance).
import { noGrad } from '../autograd/mode.js';
import { InputError, type WarningHandler } from '../data/errors.js';
import { Preprocessor, type TransformOptions } from '../data/preprocess.js';
import { type ColumnInfo, type ColumnKind, inferSchema } from '../data/schema.js';
import { type BinaryTarget, binaryTarget, encodeTarget, stratifiedFolds, stratifiedSplit } from '../data/target.js';
import type { ReadOptions } from '../data/source.js';
import { type Row, type Table, toTable } from '../data/table.js';
import { registerLoader, save as saveModel } from '../io/model-file.js';
import { rocAuc, logLoss, accuracy } from '../metrics/classification.js';
import { captureRate, liftTable, type LiftRow } from '../metrics/marketing.js';
import { binaryCrossEntropyWithLogits } from '../nn/losses.js';
import { AdamW } from '../optim/optimizers.js';
import { manualSeed, tensor } from '../tensor/create.js';
import { type Tensor, tidy } from '../tensor/tensor.js';
import { earlyStopping } from '../train/callbacks.js';
import { fit } from '../train/fit.js';
import { seededRandom } from '../train/data.js';
import { TabularNet, type TabularNetOptions, embeddingCapFor } from './tabular-net.js';

export interface ChurnFitOptions {
  /** The 0/1 (yes/no, true/false, ...) outcome column. */
  target: string;
  /** Which value of the target is the positive class, when not obvious (yes/true/1/...). */
  positive?: string;
  /**
   * Networks trained on different folds of the data and averaged (default 5): each holds out
   * its fold for early stopping, so together they use every row, and the out-of-fold
   * predictions give an honest validation AUC. 1 trains a single network on 80% of the rows.
   */
  ensemble?: number;
  /** Columns to leave out (ids are detected and left out anyway). */
  exclude?: string[];
  /** Force a column's kind: 'numeric', 'categorical', 'boolean' or 'ignore'. */
  columns?: Record<string, ColumnKind>;
  /** Up-weights positives: 'balanced' (default) uses negatives/positives; a number sets it; 'none' turns it off. */
  classWeight?: 'balanced' | 'none' | number;
  hidden?: number[];
  dropout?: number;
  /** Dropout on categorical embeddings (default 0.25). */
  embeddingDropout?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  weightDecay?: number;
  /** Epochs without a better validation AUC before stopping (best weights are restored). */
  patience?: number;
  seed?: number;
  progress?: boolean;
  /** How to read `data` when it is a path (delimiter, encoding, format). */
  read?: ReadOptions;
  /** Receives warnings about the data (values out of float32 range); default: process.emitWarning. */
  onWarning?: WarningHandler;
  /** Told when each network of the ensemble starts and ends (for progress reports). */
  onNetwork?: (info: NetworkProgress) => void;
}

export interface NetworkProgress {
  /** 1-based index of the network, and how many the ensemble has. */
  network: number;
  networks: number;
  /** Set when the network has finished: epochs trained and ROC AUC on its held-out rows. */
  epochs?: number;
  auc?: number;
}

/** Options of evaluate() and importance(): how to read a path, and what to do with absent columns. */
export interface ChurnDataOptions {
  read?: ReadOptions;
  missing?: TransformOptions['missing'];
  onWarning?: WarningHandler;
}

export interface ChurnReport {
  rows: number;
  positives: number;
  auc: number;
  logLoss: number;
  accuracy: number;
  /** Deciles of customers ranked by predicted probability. */
  lift: LiftRow[];
  /** Share of all positives among the top 5%, 10%, 20% and 30% of scores. */
  capture: Record<'top5' | 'top10' | 'top20' | 'top30', number>;
}

export interface ColumnImportance {
  column: string;
  /** Mean drop in ROC AUC when the column's values are shuffled across rows. */
  aucDrop: number;
}

const VERSION = 1;

export class ChurnModel {
  private constructor(
    readonly nets: TabularNet[],
    readonly preprocessor: Preprocessor,
    readonly target: BinaryTarget,
    readonly schema: ColumnInfo[],
    /** Subtracted from the logits: undoes the class weighting so probabilities stay calibrated. */
    readonly logitShift: number,
    /** Out-of-fold ROC AUC on the training data, and the epochs each network trained. */
    readonly validation: { auc: number; epochs: number[] },
  ) {}

  /** Trains on a CSV file or rows; resolves with a model ready to predict. */
  static async fit(data: string | Row[] | Table, opts: ChurnFitOptions): Promise<ChurnModel> {
    if (!opts || typeof opts.target !== 'string') throw new TypeError('ChurnModel.fit: options.target (the outcome column) is required');
    const table = await toTable(data, 'ChurnModel.fit', opts.read);
    const seed = opts.seed ?? 42;
    const k = opts.ensemble ?? 5;
    if (!Number.isInteger(k) || k < 1 || k > 20) throw new RangeError('ChurnModel.fit: ensemble must be an integer from 1 to 20');
    const target = binaryTarget(table, opts.target, opts.positive);
    const y = encodeTarget(table, target);
    const schema = inferSchema(table, opts.target, { exclude: opts.exclude, overrides: opts.columns });
    const all = table.rows.map((_, i) => i);
    const positives = y.reduce((s, v) => s + v, 0);
    if (positives === 0 || positives === y.length) throw new InputError(`ChurnModel.fit: the rows contain only one class of '${opts.target}'`);
    if (positives < 2 * Math.max(k, 2) || y.length - positives < 2 * Math.max(k, 2))
      throw new InputError(
        (cli) => `ChurnModel.fit: too few rows of each class (${positives} positive, ${y.length - positives} negative) for ${k} validation folds; use more rows or a smaller ${cli ? '--ensemble' : 'ensemble'}`,
      );
    const preprocessor = Preprocessor.fit(table, all, schema, { onWarning: opts.onWarning });
    const cw = opts.classWeight ?? 'balanced';
    const posWeight = cw === 'none' ? 1 : cw === 'balanced' ? (y.length - positives) / positives : cw;
    if (!(posWeight > 0)) throw new RangeError(`ChurnModel.fit: classWeight must be 'balanced', 'none' or a positive number`);

    // Preprocessor.fit has already warned about these rows' values.
    const encoded = preprocessor.transform(table, undefined, { onWarning: () => undefined });
    const tensors = (idx: number[]) => {
      const nw = preprocessor.numericWidth, nc = preprocessor.cardinalities.length;
      const num = new Float32Array(idx.length * nw), cat = new Int32Array(idx.length * nc);
      idx.forEach((i, r) => {
        num.set(encoded.numeric.subarray(i * nw, (i + 1) * nw), r * nw);
        cat.set(encoded.categorical.subarray(i * nc, (i + 1) * nc), r * nc);
      });
      return {
        x: [tensor(num, { shape: [idx.length, nw], device: 'cpu' }), tensor(cat, { shape: [idx.length, nc], device: 'cpu' })],
        y: tensor(Float32Array.from(idx, (i) => y[i]), { shape: [idx.length, 1], device: 'cpu' }),
      };
    };
    // k networks, each validated on its own fold (k = 1: one network, 20% held out).
    const folds = k === 1 ? null : stratifiedFolds(y, k, seededRandom(seed));
    const split = k === 1 ? stratifiedSplit(y, 0.2, seededRandom(seed)) : null;
    const nets: TabularNet[] = [], epochs: number[] = [];
    const oof = new Float64Array(y.length).fill(NaN);
    for (let m = 0; m < k; m++) {
      opts.onNetwork?.({ network: m + 1, networks: k });
      manualSeed(seed + m);
      const train = folds ? all.filter((i) => folds[i] !== m) : split!.train;
      const validation = folds ? all.filter((i) => folds[i] === m) : split!.validation;
      const net = new TabularNet(preprocessor.numericWidth, preprocessor.cardinalities, {
        hidden: opts.hidden, dropout: opts.dropout, embeddingDropout: opts.embeddingDropout, maxEmbeddingDim: embeddingCapFor(train.length),
      });
      const trainData = tensors(train), valData = tensors(validation);
      const history = await fit(net, trainData, {
        loss: (p, t) => binaryCrossEntropyWithLogits(p, t, { posWeight }),
        optimizer: new AdamW(net.parameters(), { lr: opts.lr ?? 5e-3, weightDecay: opts.weightDecay ?? 1e-4 }),
        epochs: opts.epochs ?? 200,
        batchSize: opts.batchSize ?? 128,
        validation: valData,
        metrics: ['auc'],
        callbacks: earlyStopping({ monitor: 'valAuc', mode: 'max', patience: opts.patience ?? 20 }),
        seed: seed + m,
        progress: opts.progress ?? false,
      });
      const logits = noGrad(() => tidy(() => net.forward(...(valData.x as [Tensor, Tensor])).dataSync()));
      validation.forEach((i, r) => (oof[i] = logits[r]));
      for (const d of [trainData, valData]) [...d.x, d.y].forEach((t) => t.dispose());
      nets.push(net.eval());
      epochs.push(history.epochs.length);
      if (opts.onNetwork)
        opts.onNetwork({ network: m + 1, networks: k, epochs: history.epochs.length, auc: rocAuc(Array.from(logits), validation.map((i) => y[i])) });
    }
    const scored = all.filter((i) => !Number.isNaN(oof[i]));
    const auc = rocAuc(scored.map((i) => oof[i]), scored.map((i) => y[i]));
    return new ChurnModel(nets, preprocessor, target, schema, Math.log(posWeight), { auc, epochs });
  }

  /**
   * Probability of the positive class for each row (raw row objects; extra columns are ignored).
   * A row lacking a column the model was trained on is an error naming it, unless
   * `{ missing: 'impute' }`; values out of float32 range are imputed with a warning.
   */
  predict(rows: Row[] | Table, opts: TransformOptions = {}): number[] {
    const table = Array.isArray(rows) ? { rows, columns: [] } : rows;
    if (!Array.isArray(table.rows)) throw new TypeError('ChurnModel.predict: expected an array of row objects');
    if (!table.rows.length) return [];
    const e = this.preprocessor.transform(table, undefined, opts);
    return noGrad(() =>
      tidy(() => {
        const num = tensor(e.numeric, { shape: [e.n, this.preprocessor.numericWidth], device: 'cpu' });
        const cat = tensor(e.categorical, { shape: [e.n, this.preprocessor.cardinalities.length], device: 'cpu' });
        // The ensemble averages logits, then undoes the class weighting.
        let sum = this.nets[0].forward(num, cat);
        for (const net of this.nets.slice(1)) sum = sum.add(net.forward(num, cat));
        return Array.from(sum.div(this.nets.length).sub(this.logitShift).sigmoid().dataSync());
      }),
    );
  }

  /** The 0/1 labels of rows to score against: both classes must be there, or no ranking measure exists. */
  private labels(table: Table): number[] {
    const y = Array.from(encodeTarget(table, this.target));
    const pos = y.reduce((a, b) => a + b, 0);
    if (pos === 0 || pos === y.length)
      throw new InputError(`${table.source ?? 'the rows'}: every row has '${this.target.name}' = '${pos ? this.target.positive : this.target.negative}'; ROC AUC and lift need rows of both classes`);
    return y;
  }

  /** ROC AUC, log loss, accuracy, the decile lift table and capture rates on labelled rows. */
  async evaluate(data: string | Row[] | Table, opts: ChurnDataOptions = {}): Promise<ChurnReport> {
    const table = await toTable(data, 'ChurnModel.evaluate', opts.read);
    const y = this.labels(table);
    const p = this.predict(table, { missing: opts.missing, onWarning: opts.onWarning });
    return {
      rows: y.length,
      positives: y.reduce((a, b) => a + b, 0),
      auc: rocAuc(p, y),
      logLoss: logLoss(p, y),
      accuracy: accuracy(p.map((v) => (v >= 0.5 ? 1 : 0)), y),
      lift: liftTable(p, y),
      capture: { top5: captureRate(p, y, 0.05), top10: captureRate(p, y, 0.1), top20: captureRate(p, y, 0.2), top30: captureRate(p, y, 0.3) },
    };
  }

  /**
   * Which columns the model leans on: the drop in ROC AUC when one column's values are
   * shuffled across rows (averaged over `repeats` seeded shuffles), largest first.
   */
  async importance(data: string | Row[] | Table, opts: ChurnDataOptions & { repeats?: number; seed?: number } = {}): Promise<ColumnImportance[]> {
    const table = await toTable(data, 'ChurnModel.importance', opts.read);
    const y = this.labels(table);
    const base = rocAuc(this.predict(table, { missing: opts.missing, onWarning: opts.onWarning }), y);
    // The shuffles hold the same values: their warnings were given once above.
    const quiet: TransformOptions = { invalid: 'missing', missing: opts.missing, onWarning: () => undefined };
    const random = seededRandom(opts.seed ?? 7);
    const repeats = opts.repeats ?? 3;
    const out: ColumnImportance[] = [];
    for (const col of this.preprocessor.columns) {
      let drop = 0;
      for (let r = 0; r < repeats; r++) {
        const values = table.rows.map((row) => row[col.name]);
        for (let i = values.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [values[i], values[j]] = [values[j], values[i]];
        }
        const shuffled = table.rows.map((row, i) => ({ ...row, [col.name]: values[i] }));
        drop += base - rocAuc(this.predict(shuffled, quiet), y);
      }
      out.push({ column: col.name, aucDrop: drop / repeats });
    }
    return out.sort((a, b) => b.aucDrop - a.aucDrop);
  }

  /** Everything tl.save needs: the network's weights, and config + preprocessing as metadata. */
  toSafetensors(): { tensors: Record<string, Tensor>; meta: Record<string, unknown> } {
    // JSON writes NaN and infinities as null, which no later load could use.
    if (!Number.isFinite(this.logitShift)) throw new Error(`save: the model's logit shift is ${this.logitShift}, not a finite number`);
    return {
      tensors: Object.fromEntries(this.nets.flatMap((net, m) => Object.entries(net.stateDict()).map(([k, t]) => [`net${m}.${k}`, t]))),
      meta: {
        kind: 'churn', preset: 'ChurnModel', presetVersion: VERSION, nets: this.nets.map((n) => n.config()),
        preprocessor: this.preprocessor.toJSON(), target: this.target, schema: this.schema,
        logitShift: this.logitShift, validation: this.validation,
      },
    };
  }

  /** Writes the model to one safetensors file (atomically). */
  save(path: string): Promise<void> {
    return saveModel(this, path);
  }

  static async load(path: string): Promise<ChurnModel> {
    const { load } = await import('../io/model-file.js');
    const m = await load(path);
    if (!(m instanceof ChurnModel)) throw new TypeError(`ChurnModel.load: ${path} does not hold a churn model`);
    return m;
  }

  /** @internal Rebuilds from a file's tensors and metadata (registered with tl.load). */
  static fromSaved(tensors: Record<string, Tensor>, meta: Record<string, unknown>): ChurnModel {
    if (meta.presetVersion !== VERSION) throw new Error(`ChurnModel: unsupported preset version ${String(meta.presetVersion)}`);
    const configs = meta.nets as { args: [number, number[], TabularNetOptions] }[];
    if (!Array.isArray(configs) || !configs.length) throw new Error('ChurnModel: the file lists no networks');
    if (typeof meta.logitShift !== 'number' || !Number.isFinite(meta.logitShift))
      throw new Error(`ChurnModel: the file's logit shift is ${JSON.stringify(meta.logitShift)}, not a finite number`);
    for (const [name, t] of Object.entries(tensors))
      if (t.dtype === 'float32' && !t.dataSync().every(Number.isFinite)) throw new Error(`ChurnModel: the weights '${name}' hold values that are not finite`);
    const preprocessor = Preprocessor.fromJSON(meta.preprocessor);
    const nets = configs.map((cfg, m) => {
      const net = new TabularNet(...cfg.args);
      const prefix = `net${m}.`;
      net.loadStateDict(Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t])));
      return net.eval();
    });
    for (const t of Object.values(tensors)) t.dispose();
    return new ChurnModel(
      nets, preprocessor, meta.target as BinaryTarget, meta.schema as ColumnInfo[],
      Number(meta.logitShift), meta.validation as { auc: number; epochs: number[] },
    );
  }
}

/** The same model under the name used for purchase / response propensity. */
export const PropensityModel = ChurnModel;

registerLoader('churn', (tensors, meta) => ChurnModel.fromSaved(tensors, meta));
