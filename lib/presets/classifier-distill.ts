// Right-sizing the tabular classifiers (ChurnModel, PropensityModel): one TabularNet trained on
// the ensemble's averaged logits (tl.distill, teacher frozen) replaces the ensemble, with the
// same preprocessing and head (logit shift), so it predicts the same kind of values at about a
// fifth of the network cost. The student stops early on the ROC AUC (binary) or distillation
// loss (several classes) of a stratified tenth of the rows held out. Rows without the target
// can be used too: the student then learns from the teacher alone (alpha 1). The student
// reads only the columns the ensemble really uses (distill-columns.ts): its preprocessor is
// the ensemble's, less the others.
// A teacher with boosted trees (classifier-trees.ts) hands them on: the student network learns
// the networks' logits and is blended with the same trees, weight and scale, because one
// network taught the whole blend only reached the networks' own AUC (mlc_churn: 0.925 against
// the blend's 0.934). The columns the trees split on are then never left out.
import { classTarget, encodeClasses, type ClassTarget } from '../data/classes.js';
import { InputError } from '../data/errors.js';
import { Preprocessor, type Encoded } from '../data/preprocess.js';
import { stratifiedSplit } from '../data/stratify.js';
import { type BinaryTarget, encodeTarget } from '../data/target.js';
import { toTable } from '../data/table.js';
import { Module } from '../nn/module.js';
import { binaryCrossEntropyWithLogits, crossEntropy } from '../nn/losses.js';
import { add } from '../ops/arithmetic.js';
import { AdamW } from '../optim/optimizers.js';
import { manualSeed, tensor } from '../tensor/create.js';
import { type Tensor, tidy } from '../tensor/tensor.js';
import { noGrad } from '../autograd/mode.js';
import { rocAuc } from '../metrics/classification.js';
import { earlyStopping } from '../train/callbacks.js';
import { seededRandom } from '../train/data.js';
import { distill } from '../train/distill.js';
import type { FittedClassifier } from './classifier-fit.js';
import type { TabularClassifier } from './classifier.js';
import type { Data, DataOptions } from './preset.js';
import { type ColumnChoice, studentColumns } from './distill-columns.js';
import { TabularNet, textTensors } from './tabular-net.js';
import type { ClassifierTrees } from './classifier-trees.js';

export interface ClassifierDistillOptions extends DataOptions {
  /** Rows to distill on: the training rows, or any rows of the same columns (labels optional). */
  data: Data;
  /** Softening of the logits (default 3 for several classes; 1 for a yes/no target, whose single logit carries the ranking). */
  temperature?: number;
  /** Weight of the teacher's targets against the labels (default 0.9; 1 when the rows lack the target). */
  alpha?: number;
  /**
   * The student's hidden layers (default: one layer twice as wide as the ensemble networks'
   * first: [128] for five of [64, 32]). On the BASELINES.md churn sets it kept the ensemble's
   * test AUC within 0.002 at both seeds tried, where [128, 64] lost up to 0.007 at one, and
   * it costs about a third of [128, 64] per row.
   */
  hidden?: number[];
  /**
   * The share of the ensemble's sensitivity to its inputs that the columns the student leaves
   * out may carry, alone and shuffled together (default 0.03 for a yes/no target; 0 with
   * several classes, where by default only copies go; 0 given: the student reads every
   * column). Copies of a numeric column go whenever this is above 0. See distill-columns.ts.
   */
  prune?: number;
  /**
   * A teacher with boosted trees: keep them beside the student (default true), or teach the
   * student network the whole blend and leave the trees behind (false: one network only).
   */
  trees?: boolean;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  patience?: number;
  seed?: number;
  progress?: boolean;
}

/**
 * The ensemble as one module: the mean of its networks' logits (before the head's shift), on
 * its own inputs, which follow the student's `skip` inputs in each batch (the student may read
 * fewer columns).
 */
class EnsembleLogits extends Module {
  constructor(readonly nets: TabularNet[], readonly skip = 0, readonly blend?: { trees: ClassifierTrees; shift: number; cardinalities: number[] }) {
    super();
  }
  forward(...inputs: Tensor[]): Tensor {
    const x = inputs.slice(this.skip);
    let s = this.nets[0].forward(x[0], x[1], ...x.slice(2));
    for (const n of this.nets.slice(1)) s = add(s, n.forward(x[0], x[1], ...x.slice(2)));
    const mean = s.div(this.nets.length);
    if (!this.blend) return mean;
    // A model with trees teaches its blend: the trees' log-odds mixed in after the shift, which
    // is then put back, so the student's head (the same shift) undoes it as for the networks.
    const { trees, shift, cardinalities } = this.blend, n = x[0].shape[0];
    const z = trees.blend(mean.sub(shift).dataSync(), { n, numeric: x[0].dataSync() as Float32Array, categorical: x[1].dataSync() as Int32Array }, cardinalities);
    return tensor(Float32Array.from(z, (v) => v + shift), { shape: [n, 1], device: 'cpu' });
  }
}

/** The student on the first `count` inputs of a batch that carries the ensemble's after them. */
class StudentView extends Module {
  constructor(readonly net: TabularNet, readonly count: number) {
    super();
  }
  forward(...inputs: Tensor[]): Tensor {
    return this.net.forward(inputs[0], inputs[1], ...inputs.slice(2, this.count));
  }
}

const isBinaryTarget = (t: BinaryTarget | ClassTarget): t is BinaryTarget => typeof (t as BinaryTarget).positive === 'string';

/** A network's inputs for rows `idx`: numeric, categorical, then each text column's ids and weights. */
function tensors(e: Encoded, pre: Preprocessor, idx: number[]): Tensor[] {
  const nw = pre.numericWidth, nc = pre.cardinalities.length;
  const num = new Float32Array(idx.length * nw), cat = new Int32Array(idx.length * nc);
  idx.forEach((i, r) => {
    num.set(e.numeric.subarray(i * nw, (i + 1) * nw), r * nw);
    cat.set(e.categorical.subarray(i * nc, (i + 1) * nc), r * nc);
  });
  return [tensor(num, { shape: [idx.length, nw], device: 'cpu' }), tensor(cat, { shape: [idx.length, nc], device: 'cpu' }), ...textTensors(e, idx)];
}

/** The student's ROC AUC (binary: blended with `trees` when given, and of the network alone) or accuracy on the held-out rows, after the head's shift. */
function measure(net: Module, x: Tensor[], y: number[], binary: boolean, shift: number | number[], trees?: { trees: ClassifierTrees; cardinalities: number[] }): { auc?: number; accuracy?: number; networkAuc?: number } {
  const out = noGrad(() => tidy(() => (net.forward as (...a: Tensor[]) => Tensor)(...x).dataSync())) as Float32Array;
  if (binary && trees) {
    const rows = { n: x[0].shape[0], numeric: x[0].dataSync() as Float32Array, categorical: x[1].dataSync() as Int32Array };
    const blended = trees.trees.blend(Array.from(out, (v) => v - (shift as number)), rows, trees.cardinalities);
    return { auc: rocAuc(Array.from(blended), y), networkAuc: rocAuc(Array.from(out), y) };
  }
  if (binary) return { auc: rocAuc(Array.from(out), y) };
  const s = shift as number[], c = s.length;
  const hits = y.filter((label, r) => {
    let best = 0;
    for (let j = 1; j < c; j++) if (out[r * c + j] - s[j] > out[r * c + best] - s[best]) best = j;
    return best === label;
  }).length;
  return { accuracy: hits / y.length };
}

export async function distillClassifier(model: TabularClassifier<unknown>, o: ClassifierDistillOptions, what: string): Promise<FittedClassifier> {
  if (!o || o.data === undefined) throw new InputError(`${what}.distill: pass the rows to distill on: { data } (the training rows, a CSV path, or any rows of the same columns)`);
  const table = await toTable(o.data, `${what}.distill`, o.read);
  const t = model.target, binary = model.head.type === 'binary';
  const labelled = table.columns.includes(t.name) || table.rows.every((r) => t.name in r);
  const y = !labelled ? new Int32Array(table.rows.length) : isBinaryTarget(t) ? Int32Array.from(encodeTarget(table, t)) : encodeClasses(table, t);
  if (labelled && !isBinaryTarget(t)) classTarget(table, t.name);
  const e = model.preprocessor.transform(table, undefined, { missing: o.missing, onWarning: o.onWarning });
  const seed = o.seed ?? 42;
  const split = stratifiedSplit(y, 0.1, seededRandom(seed));
  if (split.validation.length < 2 || split.train.length < 2) throw new InputError(`${what}.distill: too few rows (${table.rows.length}) to distill on`);
  const labels = (idx: number[]) => binary
    ? tensor(Float32Array.from(idx, (i) => y[i]), { shape: [idx.length, 1], device: 'cpu' })
    : tensor(Int32Array.from(idx, (i) => y[i]), { shape: [idx.length], device: 'cpu' });
  const carry = model.trees !== undefined && o.trees !== false;
  // Carried trees: the student learns the networks alone. Left behind: it learns the whole blend.
  const blend = model.trees && !carry ? { trees: model.trees, shift: model.head.logitShift as number, cardinalities: model.preprocessor.cardinalities } : undefined;
  const first = model.nets[0], plain = new EnsembleLogits(model.nets, 0, blend).eval();
  // The sample's text inputs, made once per sample: only the numeric and categorical blocks are shuffled.
  const texts = new Map<number[], Tensor[]>();
  const teacherLogits = (numeric: Float32Array, categorical: Int32Array, idx: number[]) => {
    let text = texts.get(idx);
    if (!text) texts.set(idx, (text = textTensors(e, idx)));
    return noGrad(() => tidy(() => plain.forward(
      tensor(numeric, { shape: [idx.length, model.preprocessor.numericWidth], device: 'cpu' }),
      tensor(categorical, { shape: [idx.length, model.preprocessor.cardinalities.length], device: 'cpu' }), ...text).dataSync() as Float32Array));
  };
  let choice: ColumnChoice;
  try {
    // Several classes: only copies go by default. Dropping little-used columns cost their
    // students 0.005-0.008 accuracy on wa_churn's 3- and 4-class targets (bench/RESULTS.md),
    // where a yes/no target's ranking did not move.
    choice = studentColumns(model.preprocessor, e, teacherLogits, o.prune ?? (binary ? 0.03 : 0), seed, o.prune === undefined || o.prune > 0);
  } finally {
    for (const ts of texts.values()) ts.forEach((t) => t.dispose());
  }
  const full = model.preprocessor;
  if (carry) {
    const used = model.trees!.used;
    const splitOn = new Set([...full.numericColumns.filter((_, j) => used.numeric.has(j)), ...full.categoricalColumns.filter((_, k) => used.categorical.has(k))].map((c) => c.name));
    choice = { kept: [...choice.kept, ...choice.dropped.filter((d) => splitOn.has(d.column)).map((d) => d.column)], dropped: choice.dropped.filter((d) => !splitOn.has(d.column)) };
  }
  const gone = new Set(choice.dropped.map((d) => d.column));
  const pre = Preprocessor.fromJSON({ version: 1, columns: full.toJSON().columns.filter((c) => !gone.has(c.name)) });
  const trees = carry ? model.trees!.restrict(full.numericColumns.map((c) => !gone.has(c.name)), full.categoricalColumns.map((c) => !gone.has(c.name))) : undefined;
  const es = choice.dropped.length ? pre.transform(table, undefined, { missing: o.missing, onWarning: () => {} }) : e;
  manualSeed(seed);
  const student = new TabularNet(pre.numericWidth, pre.cardinalities, { ...first.opts, hidden: o.hidden ?? [2 * (first.opts.hidden[0] ?? 64)] });
  // Each batch carries the student's inputs, then the ensemble's (the same tensors when no column is left out).
  const inputs = (idx: number[]) => {
    const s = tensors(es, pre, idx);
    return choice.dropped.length ? [...s, ...tensors(e, model.preprocessor, idx)] : [...s, ...s];
  };
  const count = 2 + 2 * pre.textColumns.length;
  const made: Tensor[] = [];
  const keep = <T extends Tensor | Tensor[]>(t: T): T => (made.push(...(Array.isArray(t) ? t : [t])), t);
  // The label term weighs classes as the ensemble was trained to, so the head's shift still undoes it.
  const shift = model.head.logitShift;
  const epochs: number[] = [];
  let heldOut: { auc?: number; accuracy?: number; networkAuc?: number } = {};
  const weight = binary ? null : tensor(Float32Array.from(shift as number[], Math.exp), { device: 'cpu' });
  try {
    const train = { x: keep(inputs(split.train)), y: keep(labels(split.train)) };
    const validation = { x: keep(inputs(split.validation)), y: keep(labels(split.validation)) };
    await distill(new EnsembleLogits(model.nets, count, blend), new StudentView(student, count), train, {
      temperature: o.temperature ?? (binary ? 1 : 3), alpha: labelled ? o.alpha ?? 0.9 : 1,
      labelLoss: binary ? (p, l) => binaryCrossEntropyWithLogits(p, l, { posWeight: Math.exp(shift as number) }) : (p, l) => crossEntropy(p, l, { weight: weight! }),
      optimizer: new AdamW(student.parameters(), { lr: o.lr ?? 5e-3, weightDecay: 1e-4 }),
      epochs: o.epochs ?? 200, batchSize: o.batchSize ?? 128, seed, progress: o.progress ?? false, validation,
      // Several classes stop on the held-out distillation loss: accuracy over a tenth of the rows
      // is too coarse to pick an epoch (on 90 rows it kept epoch 2 of a student that reached the
      // teacher's accuracy by epoch 5; digits' students lost 0.017 to it). bench/RESULTS.md.
      ...(labelled && binary ? { metrics: ['auc' as const] } : {}),
      callbacks: earlyStopping(labelled && binary ? { monitor: 'valAuc', mode: 'max', patience: o.patience ?? 20 } : { monitor: 'valLoss', mode: 'min', patience: o.patience ?? 20 }),
      onHistory: (h) => epochs.push(h.epochs.length),
    });
    heldOut = labelled ? measure(student.eval(), validation.x.slice(0, count), split.validation.map((i) => y[i]), binary, shift, trees && { trees, cardinalities: pre.cardinalities }) : {};
  } finally {
    new Set(made).forEach((x) => x.dispose());
    weight?.dispose();
  }
  student.eval();
  const { networkAuc, ...metrics } = heldOut;
  const treeInfo = trees && { weight: trees.weight, scale: trees.scale, rounds: trees.rounds, ...(networkAuc !== undefined ? { networksAuc: networkAuc } : {}) };
  return {
    nets: [student], preprocessor: pre, schema: model.schema.filter((c) => !gone.has(c.name)), target: t, head: model.head, ...(trees ? { trees } : {}),
    validation: { ...metrics, epochs, ...(choice.dropped.length ? { dropped: choice.dropped } : {}), ...(treeInfo ? { trees: treeInfo } : {}) },
    training: { rows: table.rows.length, counts: model.training?.counts ?? [] },
  } as FittedClassifier;
}
