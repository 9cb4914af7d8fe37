// Training the tabular classifiers (ChurnModel, PropensityModel): schema inference and
// preprocessing fitted on the rows, then an ensemble of TabularNets, one per stratified fold,
// each early-stopped on its held-out fold. Two heads on the same backbone:
//   - binary: one logit, BCE with the positives up-weighted, stopped on validation ROC AUC;
//   - softmax: one logit per class, cross-entropy with class weights, stopped on validation
//     log loss.
// Class weighting changes what the network learns, not what it predicts: the log of each
// class's weight is subtracted from its logit afterwards (the head's logit shift), which
// undoes the weighting exactly for a well-fitted model, so probabilities stay calibrated.
import { noGrad } from '../autograd/mode.js';
import { classTarget, encodeClasses, type ClassTarget } from '../data/classes.js';
import { InputError, type WarningHandler } from '../data/errors.js';
import { Preprocessor, type Encoded } from '../data/preprocess.js';
import { type ColumnInfo, inferSchema } from '../data/schema.js';
import type { DroppedColumn } from './distill-columns.js';
import { type BinaryTarget, binaryTarget, encodeTarget } from '../data/target.js';
import { type Table, toTable } from '../data/table.js';
import { asLabel, isMissing } from '../data/values.js';
import { rocAuc } from '../metrics/classification.js';
import { binaryCrossEntropyWithLogits, crossEntropy } from '../nn/losses.js';
import { logSoftmax } from '../ops/reduce.js';
import { AdamW } from '../optim/optimizers.js';
import { tensor } from '../tensor/create.js';
import { type Tensor, tidy } from '../tensor/tensor.js';
import { earlyStopping } from '../train/callbacks.js';
import { fit } from '../train/fit.js';
import { type Fold, fitFolds, planFolds } from './fit-folds.js';
import type { Data } from './preset.js';
import { TabularNet, type TabularTrainingOptions, embeddingCapFor, textTensors } from './tabular-net.js';
import { type NetworkHistory, networkHistory } from './training-history.js';
import { ClassifierTrees, chooseTreeWeight } from './classifier-trees.js';

export interface ClassifierFitOptions extends TabularTrainingOptions {
  /** The outcome column: yes/no for a binary model, or the classes (offers, products) to choose among. */
  target: string;
  /** Which value of a binary target is the positive class, when not obvious (yes/true/1/...). */
  positive?: string;
  /**
   * Networks trained on different folds of the data and averaged (default 5): each holds out
   * its fold for early stopping, so together they use every row, and the out-of-fold
   * predictions give an honest validation measure. 1 trains a single network on 80% of the rows.
   */
  ensemble?: number;
  /**
   * 'balanced' (default) weights classes inversely to their frequency (binary: positives by
   * negatives/positives); 'none' turns it off; a number sets a binary target's positive weight;
   * an object sets each class's weight by label.
   */
  classWeight?: 'balanced' | 'none' | number | Record<string, number>;
  /**
   * Yes/no targets: also boost logistic trees on the networks' folds and blend their log-odds in,
   * when that lowers the out-of-fold log loss by more than two standard errors (default true;
   * false: networks alone). +0.009 / +0.001 / +0.015 test AUC on mlc_churn / wa_churn / ticdata,
   * for ~1.5 ms more per 1000 rows at predict time; distill() hands the trees on to its student.
   */
  trees?: boolean;
  /** Most classes a text target may have (default 100; PropensityModel). */
  maxClasses?: number;
  /** Receives warnings about the data (values out of float32 range); default: process.emitWarning. */
  onWarning?: WarningHandler;
  /** Told when each network of the ensemble starts and ends (for progress reports). */
  onNetwork?: (info: NetworkProgress) => void;
}

export interface NetworkProgress {
  /** 1-based index of the network, and how many the ensemble has. */
  network: number;
  networks: number;
  /** Set when the network has finished: epochs trained and its measure on its held-out rows. */
  epochs?: number;
  /** Binary: ROC AUC on the held-out rows. */
  auc?: number;
  /** More classes: accuracy on the held-out rows. */
  accuracy?: number;
}

export type ClassifierHead = { type: 'binary'; logitShift: number } | { type: 'softmax'; logitShift: number[] };

/** Measures on the training data's out-of-fold predictions. */
export interface ClassifierValidation {
  /** Binary: out-of-fold ROC AUC. */
  auc?: number;
  /** More classes: out-of-fold accuracy and log loss. */
  accuracy?: number;
  logLoss?: number;
  /** Epochs each network trained. */
  epochs: number[];
  /** Per-epoch training and validation curves of each network (absent in older files). */
  history?: NetworkHistory[];
  /** Yes/no models with boosted trees in the blend (classifier-trees.ts): their weight, rounds per fold, and the networks' own out-of-fold AUC. */
  /** networksAuc: the networks' own (out-of-fold; a distilled student's: its network's held-out) ROC AUC. */
  trees?: { weight: number; scale: number; rounds: number[]; networksAuc?: number };
  /** A distilled student: the ensemble's columns it does not read (distill-columns.ts). */
  dropped?: DroppedColumn[];
}

export interface FittedClassifier {
  nets: TabularNet[];
  preprocessor: Preprocessor;
  schema: ColumnInfo[];
  target: BinaryTarget | ClassTarget;
  head: ClassifierHead;
  /** Yes/no models: logistic trees blended with the networks (absent: networks alone). */
  trees?: ClassifierTrees;
  validation: ClassifierValidation;
  /** Rows trained on, and rows of each class (in class order: binary [negative, positive]). */
  training: { rows: number; counts: number[] };
}

/** 'binary': the target must have two values (ChurnModel); 'any': two or more (PropensityModel). */
export type TargetMode = 'binary' | 'any';

/** A target with exactly two distinct values (and none missing) is trained as a binary one. */
function isTwoValued(t: Table, name: string): boolean {
  const seen = new Set<string>();
  for (const r of t.rows) {
    const v = r[name];
    if (isMissing(v)) return false;
    seen.add(asLabel(v));
    if (seen.size > 2) return false;
  }
  return seen.size === 2;
}

/** Rows of the encoded features (and their labels) as tensors for tl.fit. */
function batchTensors(e: Encoded, pre: Preprocessor, idx: number[], labels: (idx: number[]) => Tensor): { x: Tensor[]; y: Tensor } {
  const nw = pre.numericWidth, nc = pre.cardinalities.length;
  const num = new Float32Array(idx.length * nw), cat = new Int32Array(idx.length * nc);
  idx.forEach((i, r) => {
    num.set(e.numeric.subarray(i * nw, (i + 1) * nw), r * nw);
    cat.set(e.categorical.subarray(i * nc, (i + 1) * nc), r * nc);
  });
  return {
    x: [tensor(num, { shape: [idx.length, nw], device: 'cpu' }), tensor(cat, { shape: [idx.length, nc], device: 'cpu' }), ...textTensors(e, idx)],
    y: labels(idx),
  };
}

function classWeights(counts: number[], classes: string[], cw: ClassifierFitOptions['classWeight'], what: string): number[] {
  const n = counts.reduce((a, b) => a + b, 0);
  if (cw === undefined || cw === 'balanced')
    // sklearn's n / (C n_c), capped: a class of a handful of rows must not dominate every batch.
    return counts.map((c) => Math.min(20, n / (classes.length * c)));
  if (cw === 'none') return counts.map(() => 1);
  if (typeof cw === 'number') throw new RangeError(`${what}.fit: a number as classWeight weights a binary target's positives; with ${classes.length} classes give 'balanced', 'none' or { class: weight }`);
  if (!cw || typeof cw !== 'object') throw new TypeError(`${what}.fit: classWeight must be 'balanced', 'none' or an object of class weights`);
  for (const k of Object.keys(cw)) if (!classes.includes(k)) throw new RangeError(`${what}.fit: classWeight names '${k}', which is not a class of the target`);
  return classes.map((c) => {
    const w = cw[c] ?? 1;
    if (!(typeof w === 'number' && w > 0 && Number.isFinite(w))) throw new RangeError(`${what}.fit: classWeight of '${c}' must be a positive number`);
    return w;
  });
}

/** Fits the preprocessing and the ensemble; `what` names the class in messages ('ChurnModel'). */
export async function fitClassifier(data: Data, opts: ClassifierFitOptions, mode: TargetMode, what: string): Promise<FittedClassifier> {
  if (!opts || typeof opts.target !== 'string') throw new TypeError(`${what}.fit: options.target (the outcome column) is required`);
  const table = await toTable(data, `${what}.fit`, opts.read);
  const seed = opts.seed ?? 42;
  const k = opts.ensemble ?? 5;
  if (!Number.isInteger(k) || k < 1 || k > 20) throw new RangeError(`${what}.fit: ensemble must be an integer from 1 to 20`);
  const binary = mode === 'binary' || !table.columns.includes(opts.target) || isTwoValued(table, opts.target);
  if (!binary && opts.positive !== undefined)
    throw new InputError((cli) => `${what}.fit: ${cli ? '--positive' : 'positive'} is for a yes/no target, and '${opts.target}' has more than two values`);
  return binary ? fitBinary(table, opts, k, seed, what) : fitSoftmax(table, opts, k, seed, what);
}

interface Shared {
  table: Table;
  opts: ClassifierFitOptions;
  k: number;
  seed: number;
  strata: ArrayLike<number>;
  schema: ColumnInfo[];
  preprocessor: Preprocessor;
  outputs: number;
  labels: (idx: number[]) => Tensor;
  loss: (logits: Tensor, y: Tensor) => Tensor;
  monitor: { metric: { name: string; fn: (logits: Tensor, y: Tensor) => number }; key: string; mode: 'min' | 'max' } | 'auc';
  /** The network's measure on its held-out rows, for the progress report. */
  report: (logits: Float32Array, validation: number[]) => Partial<NetworkProgress>;
}

interface Ensemble {
  nets: TabularNet[];
  outOfFold: Float64Array;
  scored: number[];
  epochs: number[];
  history: NetworkHistory[];
  encoded: Encoded;
  folds: Fold[];
}

async function trainEnsemble(s: Shared): Promise<Ensemble> {
  const { opts, k } = s;
  // Preprocessor.fit has already warned about these rows' values.
  const encoded = s.preprocessor.transform(s.table, undefined, { onWarning: () => undefined });
  const epochs: number[] = [], curves: NetworkHistory[] = [];
  const folds = planFolds(s.strata, k, s.seed);
  const ensemble = await fitFolds(folds, s.table.rows.length, s.outputs, async (fold: Fold) => {
    opts.onNetwork?.({ network: fold.index + 1, networks: k });
    const net = new TabularNet(s.preprocessor.numericWidth, s.preprocessor.cardinalities, {
      hidden: opts.hidden, dropout: opts.dropout, embeddingDropout: opts.embeddingDropout, maxEmbeddingDim: embeddingCapFor(fold.train.length), outputs: s.outputs, textSizes: s.preprocessor.textSizes,
    });
    const trainData = batchTensors(encoded, s.preprocessor, fold.train, s.labels), valData = batchTensors(encoded, s.preprocessor, fold.validation, s.labels);
    const monitor = s.monitor === 'auc' ? { metrics: ['auc' as const], key: 'valAuc', mode: 'max' as const } : { metrics: [s.monitor.metric], key: s.monitor.key, mode: s.monitor.mode };
    const history = await fit(net, trainData, {
      loss: s.loss,
      optimizer: new AdamW(net.parameters(), { lr: opts.lr ?? 5e-3, weightDecay: opts.weightDecay ?? 1e-4 }),
      epochs: opts.epochs ?? 200,
      batchSize: opts.batchSize ?? 128,
      validation: valData,
      metrics: monitor.metrics,
      callbacks: earlyStopping({ monitor: monitor.key, mode: monitor.mode, patience: opts.patience ?? 20 }),
      seed: fold.seed,
      progress: opts.progress ?? false,
    });
    const logits = noGrad(() => tidy(() => net.forward(valData.x[0], valData.x[1], ...valData.x.slice(2)).dataSync()));
    for (const d of [trainData, valData]) [...d.x, d.y].forEach((t) => t.dispose());
    epochs.push(history.epochs.length);
    curves.push(networkHistory(history));
    if (opts.onNetwork) opts.onNetwork({ network: fold.index + 1, networks: k, epochs: history.epochs.length, ...s.report(logits as Float32Array, fold.validation) });
    return { model: net.eval(), validationOutputs: logits };
  });
  return { nets: ensemble.models, outOfFold: ensemble.outOfFold, scored: ensemble.scored, epochs, history: curves, encoded, folds };
}

async function fitBinary(table: Table, opts: ClassifierFitOptions, k: number, seed: number, what: string): Promise<FittedClassifier> {
  const target = binaryTarget(table, opts.target, opts.positive);
  const y = encodeTarget(table, target);
  const schema = inferSchema(table, opts.target, { exclude: opts.exclude, overrides: opts.columns });
  const positives = y.reduce((s, v) => s + v, 0);
  if (positives === 0 || positives === y.length) throw new InputError(`${what}.fit: the rows contain only one class of '${opts.target}'`);
  if (positives < 2 * Math.max(k, 2) || y.length - positives < 2 * Math.max(k, 2))
    throw new InputError(
      (cli) => `${what}.fit: too few rows of each class (${positives} positive, ${y.length - positives} negative) for ${k} validation folds; use more rows or a smaller ${cli ? '--ensemble' : 'ensemble'}`,
    );
  const preprocessor = Preprocessor.fit(table, table.rows.map((_, i) => i), schema, { onWarning: opts.onWarning, text: true });
  const cw = opts.classWeight ?? 'balanced';
  if (typeof cw === 'object') throw new TypeError(`${what}.fit: for a yes/no target classWeight is 'balanced', 'none' or the positives' weight (a number)`);
  const posWeight = cw === 'none' ? 1 : cw === 'balanced' ? (y.length - positives) / positives : cw;
  if (!(posWeight > 0)) throw new RangeError(`${what}.fit: classWeight must be 'balanced', 'none' or a positive number`);
  const ensemble = await trainEnsemble({
    table, opts, k, seed, strata: y, schema, preprocessor, outputs: 1,
    labels: (idx) => tensor(Float32Array.from(idx, (i) => y[i]), { shape: [idx.length, 1], device: 'cpu' }),
    loss: (p, t) => binaryCrossEntropyWithLogits(p, t, { posWeight }),
    monitor: 'auc',
    report: (logits, validation) => ({ auc: rocAuc(Array.from(logits), validation.map((i) => y[i])) }),
  });
  const { nets, outOfFold, scored, epochs, history } = ensemble;
  const shift = Math.log(posWeight), labels = scored.map((i) => y[i]);
  const networks = scored.map((i) => outOfFold[i] - shift);
  const auc = rocAuc(networks, labels);
  const blended = opts.trees === false ? undefined : blendTrees(ensemble, preprocessor, y, networks, labels);
  return {
    nets, preprocessor, schema, target, head: { type: 'binary', logitShift: shift }, ...(blended ? { trees: blended.trees } : {}),
    validation: { auc: blended ? rocAuc(blended.outOfFold, labels) : auc, epochs, history, ...(blended ? { trees: { weight: blended.trees.weight, scale: blended.trees.scale, rounds: blended.trees.rounds, networksAuc: auc } } : {}) },
    training: { rows: y.length, counts: [y.length - positives, positives] },
  };
}

/** Trees on the networks' folds, kept when chooseTreeWeight gives them a weight; with the blend's out-of-fold log-odds (networks, labels: of the scored rows). */
function blendTrees(ensemble: Ensemble, pre: Preprocessor, y: ArrayLike<number>, networks: number[], labels: number[]): { trees: ClassifierTrees; outOfFold: number[] } | undefined {
  const { trees, outOfFold } = ClassifierTrees.fit(ensemble.encoded, pre.numericColumns, pre.cardinalities, y, ensemble.folds);
  const t = ensemble.scored.map((i) => outOfFold[i]);
  const b = chooseTreeWeight(networks, t, labels);
  if (b.weight === 0) return undefined;
  return { trees: trees.withBlend(b), outOfFold: networks.map((v, r) => b.scale * ((1 - b.weight) * v + b.weight * t[r])) };
}

/** Mean -log p(true class) of logits [n, C] after the head's shift. */
function shiftedLogLoss(logits: Tensor, y: Tensor, shift: Tensor): number {
  const lp = noGrad(() => tidy(() => logSoftmax(logits.sub(shift), 1).dataSync()));
  const labels = y.dataSync(), c = shift.size;
  let total = 0;
  for (let i = 0; i < labels.length; i++) total -= lp[i * c + labels[i]];
  return total / labels.length;
}

async function fitSoftmax(table: Table, opts: ClassifierFitOptions, k: number, seed: number, what: string): Promise<FittedClassifier> {
  const { target, counts } = classTarget(table, opts.target, { maxClasses: opts.maxClasses });
  const y = encodeClasses(table, target);
  const schema = inferSchema(table, opts.target, { exclude: opts.exclude, overrides: opts.columns });
  const preprocessor = Preprocessor.fit(table, table.rows.map((_, i) => i), schema, { onWarning: opts.onWarning, text: true });
  const c = target.classes.length;
  const weights = classWeights(counts, target.classes, opts.classWeight, what);
  const logitShift = weights.map(Math.log);
  const weight = tensor(Float32Array.from(weights), { device: 'cpu' }), shift = tensor(Float32Array.from(logitShift), { shape: [1, c], device: 'cpu' });
  try {
    const { nets, outOfFold, scored, epochs, history } = await trainEnsemble({
      table, opts, k, seed, strata: y, schema, preprocessor, outputs: c,
      labels: (idx) => tensor(Int32Array.from(idx, (i) => y[i]), { shape: [idx.length], device: 'cpu' }),
      loss: (p, t) => crossEntropy(p, t, { weight }),
      monitor: { metric: { name: 'logLoss', fn: (p, t) => shiftedLogLoss(p, t, shift) }, key: 'valLogLoss', mode: 'min' },
      report: (logits, validation) => ({ accuracy: accuracyOf(logits, validation.map((i) => y[i]), logitShift) }),
    });
    const oof = new Float32Array(scored.length * c);
    scored.forEach((i, r) => { for (let j = 0; j < c; j++) oof[r * c + j] = outOfFold[i * c + j]; });
    const oofY = scored.map((i) => y[i]);
    const logLoss = tidy(() => shiftedLogLoss(tensor(oof, { shape: [scored.length, c], device: 'cpu' }), tensor(Int32Array.from(oofY), { device: 'cpu' }), shift));
    return {
      nets, preprocessor, schema, target, head: { type: 'softmax', logitShift },
      validation: { accuracy: accuracyOf(oof, oofY, logitShift), logLoss, epochs, history }, training: { rows: y.length, counts },
    };
  } finally {
    weight.dispose();
    shift.dispose();
  }
}

/** Share of rows whose largest shifted logit is their class. */
function accuracyOf(logits: ArrayLike<number>, labels: number[], shift: number[]): number {
  const c = shift.length;
  let hit = 0;
  labels.forEach((label, r) => {
    let best = 0;
    for (let j = 1; j < c; j++) if (logits[r * c + j] - shift[j] > logits[r * c + best] - shift[best]) best = j;
    if (best === label) hit++;
  });
  return hit / labels.length;
}
