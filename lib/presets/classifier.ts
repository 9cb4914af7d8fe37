// What ChurnModel and PropensityModel share once fitted: an ensemble of TabularNets over one
// preprocessor, and a head that turns the averaged logits into probabilities (sigmoid for a
// yes/no target, softmax for more classes). Scoring, the per-kind output columns, evaluation,
// permutation importance, describe() and the generic save format live here; the subclasses
// add fit/load and what predict() returns.
import type { ClassTarget } from '../data/classes.js';
import { encodeClasses } from '../data/classes.js';
import { InputError, columnList } from '../data/errors.js';
import { type Encoded, Preprocessor, type TransformOptions } from '../data/preprocess.js';
import type { ColumnInfo } from '../data/schema.js';
import { type BinaryTarget, encodeTarget } from '../data/target.js';
import { type Row, type Table, toTable } from '../data/table.js';
import { noGrad } from '../autograd/mode.js';
import { save as saveModel } from '../io/model-file.js';
import { rocAuc } from '../metrics/classification.js';
import type { Module } from '../nn/module.js';
import { tensor } from '../tensor/create.js';
import { type Tensor, tidy } from '../tensor/tensor.js';
import { TabularEnsemblePlan } from './tabular-plan.js';
import { seededRandom } from '../train/data.js';
import type { ClassifierHead, ClassifierValidation, FittedClassifier } from './classifier-fit.js';
import { type ChurnReport, type MulticlassReport, binaryReport, multiclassReport } from './classifier-report.js';
import { partsToSafetensors, type PresetParts } from './persist.js';
import type { Classifier, Data, DataOptions, InputColumn, OutputColumn, OutputValue, PredictOptions, Saved } from './preset.js';
import { asTable, describeInput, inputColumns } from './preset.js';
import { TabularNet, textTensors } from './tabular-net.js';
import { type ClassifierDistillOptions, distillClassifier } from './classifier-distill.js';
import { ClassifierTrees, type ClassifierTreesState } from './classifier-trees.js';

export interface ColumnImportance {
  column: string;
  /** Mean drop in ROC AUC (macro one-vs-rest for more than two classes) when the column's values are shuffled across rows. */
  aucDrop: number;
}

/** Options of evaluate() and importance(): how to read a path, and what to do with absent columns. */
export type ChurnDataOptions = DataOptions;

const isBinaryTarget = (t: BinaryTarget | ClassTarget): t is BinaryTarget => typeof (t as BinaryTarget).positive === 'string';

export abstract class TabularClassifier<Prediction> implements Classifier<Prediction, ChurnReport | MulticlassReport> {
  abstract readonly kind: string;
  readonly nets: TabularNet[];
  readonly preprocessor: Preprocessor;
  readonly target: BinaryTarget | ClassTarget;
  readonly schema: ColumnInfo[];
  readonly head: ClassifierHead;
  /** Yes/no models: logistic boosted trees blended into the networks' log-odds (classifier-trees.ts). */
  readonly trees?: ClassifierTrees;
  /** Measures on the training data's out-of-fold predictions, and the epochs each network trained. */
  readonly validation: ClassifierValidation;
  /** Rows trained on and rows per class (absent in files from before it was recorded). */
  readonly training?: FittedClassifier['training'];

  protected constructor(f: Omit<FittedClassifier, 'training'> & { training?: FittedClassifier['training'] }) {
    this.nets = f.nets;
    this.preprocessor = f.preprocessor;
    this.target = f.target;
    this.schema = f.schema;
    this.head = f.head;
    this.trees = f.trees;
    this.validation = f.validation;
    this.training = f.training;
  }

  /** True for a yes/no target: predictions are P(positive). */
  get isBinary(): boolean {
    return this.head.type === 'binary';
  }

  /** Class labels in predictProba's column order (yes/no targets: [negative, positive]). */
  get classes(): string[] {
    const t = this.target;
    return isBinaryTarget(t) ? [t.negative, t.positive] : [...t.classes];
  }

  get inputSchema(): InputColumn[] {
    return inputColumns(this.preprocessor.columns);
  }

  // The ensemble as one inference plan (tabular-plan.ts), built on first use; null when it
  // cannot be (networks on the GPU): scoring then runs the networks eagerly, same values.
  #plan: TabularEnsemblePlan | null | undefined;

  protected ensemblePlan(): TabularEnsemblePlan | null {
    if (this.#plan === undefined) {
      try {
        // With trees the plan stops at the networks' log-odds: the blend and its sigmoid follow in finish().
        this.#plan = new TabularEnsemblePlan(this.nets, this.preprocessor.numericWidth, this.preprocessor.cardinalities.length,
          { shift: this.head.logitShift, activation: this.trees ? null : this.head.type === 'binary' ? 'sigmoid' : 'softmax' });
      } catch {
        this.#plan = null;
      }
    }
    return this.#plan;
  }

  /** The plan's (or eager pass's) output as probabilities: unchanged, or blended with the trees' log-odds first. */
  #finish(values: Float32Array, e: Encoded): Float32Array {
    if (!this.trees) return values;
    const z = this.trees.blend(values, e, this.preprocessor.cardinalities);
    return Float32Array.from(z, (v) => 1 / (1 + Math.exp(-v)));
  }

  /** The ensemble's probabilities the eager way: [n] for a yes/no target, [n, classes] otherwise. */
  #eagerProbabilities(e: Encoded): Float32Array {
    return noGrad(() =>
      tidy(() => {
        const num = tensor(e.numeric, { shape: [e.n, this.preprocessor.numericWidth], device: 'cpu' });
        const cat = tensor(e.categorical, { shape: [e.n, this.preprocessor.cardinalities.length], device: 'cpu' });
        const text = textTensors(e);
        // The ensemble averages logits, then undoes the class weighting.
        let sum = this.nets[0].forward(num, cat, ...text);
        for (const net of this.nets.slice(1)) sum = sum.add(net.forward(num, cat, ...text));
        const mean = sum.div(this.nets.length);
        if (this.head.type === 'binary') return (this.trees ? mean.sub(this.head.logitShift) : mean.sub(this.head.logitShift).sigmoid()).dataSync();
        const shift = tensor(Float32Array.from(this.head.logitShift), { shape: [1, this.head.logitShift.length], device: 'cpu' });
        return mean.sub(shift).softmax(1).dataSync();
      }),
    ) as Float32Array;
  }

  /** Probabilities of the ensemble: [n] for a yes/no target (P(positive)), [n, classes] otherwise. */
  protected logits(rows: Row[] | Table, opts: PredictOptions, what: string): { values: Float32Array; n: number } | null {
    const table = asTable(rows, what);
    if (!table.rows.length) return null;
    const e = this.preprocessor.transform(table, undefined, opts);
    const plan = this.ensemblePlan();
    return { values: this.#finish(plan ? plan.run(e.numeric, e.categorical) : this.#eagerProbabilities(e), e), n: e.n };
  }

  /**
   * predict() with the ensemble's forward pass on a worker thread: the same values, while the
   * event loop goes on (servers). Preprocessing stays on the calling thread.
   */
  async predictAsync(rows: Row[] | Table, opts: PredictOptions = {}): Promise<Prediction[]> {
    const what = `${this.constructor.name}.predictAsync`;
    const table = asTable(rows, what);
    if (!table.rows.length) return [];
    const e = this.preprocessor.transform(table, undefined, opts);
    const plan = this.ensemblePlan();
    const values = this.#finish(plan ? await plan.runAsync(e.numeric, e.categorical) : this.#eagerProbabilities(e), e);
    if (this.head.type === 'binary') return Array.from(values) as Prediction[];
    const c = this.head.logitShift.length, classes = this.classes;
    return Array.from({ length: e.n }, (_, i) => classes[argmax(values.subarray(i * c, (i + 1) * c))]) as Prediction[];
  }

  /** P(positive) per row of a yes/no model. */
  protected positiveProbabilities(rows: Row[] | Table, opts: PredictOptions, what: string): number[] {
    return Array.from(this.logits(rows, opts, what)?.values ?? []);
  }

  /**
   * n × classes probabilities in `classes` order, each row summing to 1 (yes/no targets:
   * [1 - p, p]). A row lacking a trained column is an error naming it, unless `{ missing: 'impute' }`.
   */
  predictProba(rows: Row[] | Table, opts: PredictOptions = {}): number[][] {
    const out = this.logits(rows, opts, `${this.constructor.name}.predictProba`);
    if (!out) return [];
    if (this.head.type === 'binary') return Array.from(out.values, (p) => [1 - p, p]);
    const c = this.head.logitShift.length;
    return Array.from({ length: out.n }, (_, i) => Array.from(out.values.subarray(i * c, (i + 1) * c)));
  }

  abstract predict(rows: Row[] | Table, opts?: PredictOptions): Prediction[];

  /** Yes/no: one column (P(positive)); more classes: the most likely class, then one probability column per class. */
  outputColumns(): OutputColumn[] {
    const t = this.target;
    if (isBinaryTarget(t)) return [{ name: 'probability', type: 'number', description: `P(${t.name} = ${t.positive})` }];
    return [
      { name: 'class', type: 'string', description: `the most likely '${t.name}'` },
      ...t.classes.map((c) => ({ name: `probability_${c}`, type: 'number' as const, description: `P(${t.name} = ${c})` })),
    ];
  }

  score(rows: Row[] | Table, opts: PredictOptions = {}): OutputValue[][] {
    if (this.head.type === 'binary') return this.positiveProbabilities(rows, opts, `${this.constructor.name}.score`).map((p) => [p]);
    const classes = this.classes;
    return this.predictProba(rows, opts).map((p) => [classes[argmax(p)], ...p]);
  }

  /** Class ids (yes/no: 0/1) of labelled rows; a yes/no target needs both classes for a ranking measure. */
  private labels(table: Table): number[] {
    const t = this.target;
    if (!isBinaryTarget(t)) return Array.from(encodeClasses(table, t));
    const y = Array.from(encodeTarget(table, t));
    const pos = y.reduce((a, b) => a + b, 0);
    if (pos === 0 || pos === y.length)
      throw new InputError(`${table.source ?? 'the rows'}: every row has '${t.name}' = '${pos ? t.positive : t.negative}'; ROC AUC and lift need rows of both classes`);
    return y;
  }

  /**
   * On labelled rows. Yes/no: ROC AUC, log loss, accuracy, the decile lift table and capture
   * rates. More classes: accuracy, log loss, macro F1, top-k accuracy (`k`, default 3) and
   * each class's top-decile lift.
   */
  async evaluate(data: Data, opts: DataOptions & { k?: number } = {}): Promise<ChurnReport | MulticlassReport> {
    const table = await toTable(data, `${this.constructor.name}.evaluate`, opts.read);
    const y = this.labels(table);
    const transform = { missing: opts.missing, onWarning: opts.onWarning };
    if (this.head.type === 'binary') return binaryReport(this.positiveProbabilities(table, transform, `${this.constructor.name}.evaluate`), y);
    return multiclassReport(this.predictProba(table, transform), y, this.classes, opts.k);
  }

  /** ROC AUC of yes/no scores, or the mean one-vs-rest AUC over the classes present, both ways. */
  private rankingQuality(table: Table, y: number[], opts: TransformOptions): number {
    if (this.head.type === 'binary') return rocAuc(this.positiveProbabilities(table, opts, `${this.constructor.name}.importance`), y);
    const probs = this.predictProba(table, opts);
    const aucs = this.classes.flatMap((_, c) => {
      const is = y.map((v): number => (v === c ? 1 : 0));
      const n = is.reduce((a, b) => a + b, 0);
      return n > 0 && n < y.length ? [rocAuc(probs.map((p) => p[c]), is)] : [];
    });
    return aucs.reduce((a, b) => a + b, 0) / aucs.length;
  }

  /**
   * Which columns the model leans on: the drop in ROC AUC when one column's values are
   * shuffled across rows (averaged over `repeats` seeded shuffles), largest first.
   */
  async importance(data: Data, opts: DataOptions & { repeats?: number; seed?: number } = {}): Promise<ColumnImportance[]> {
    const table = await toTable(data, `${this.constructor.name}.importance`, opts.read);
    const y = this.labels(table);
    const base = this.rankingQuality(table, y, { missing: opts.missing, onWarning: opts.onWarning });
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
        drop += base - this.rankingQuality({ rows: shuffled, columns: [] }, y, quiet);
      }
      out.push({ column: col.name, aucDrop: drop / repeats });
    }
    return out.sort((a, b) => b.aucDrop - a.aucDrop);
  }

  /** A few lines about the model: what it predicts, from which columns, trained on what, how well. */
  describe(): string {
    const t = this.target, out = this.outputColumns();
    const predicts = isBinaryTarget(t)
      ? `P(${t.name} = '${t.positive}') per row (column '${out[0].name}')`
      : `the most likely '${t.name}' of ${t.classes.length} classes (column 'class') and each class's probability (columns 'probability_<class>')`;
    const inputs = this.inputSchema.map(describeInput);
    const lines = [`${this.constructor.name} (kind '${this.kind}'): ${predicts}`, `inputs: ${inputs.length} columns: ${columnList(inputs, 16)}`];
    const e = this.validation.epochs;
    const span = e.length ? (Math.min(...e) === Math.max(...e) ? `${e[0]}` : `${Math.min(...e)}-${Math.max(...e)}`) : '';
    const tr = this.trees;
    const nets = `${this.nets.length} network${this.nets.length === 1 ? '' : 's'}${span ? ` (${span} epochs)` : ''}${tr ? ` + logistic boosted trees (${tr.rounds.join(', ')} rounds, blend weight ${tr.weight.toFixed(1)})` : ''}`;
    if (this.training) {
      const counts = this.classes.map((c, i) => `${this.training!.counts[i]} '${c}'`);
      lines.push(`trained on ${this.training.rows} rows (${counts.slice(0, 12).join(', ')}${counts.length > 12 ? ', ...' : ''}); ${nets}`);
    } else lines.push(`an ensemble of ${nets}`);
    const v = this.validation;
    const measures = [v.auc !== undefined && `ROC AUC ${v.auc.toFixed(4)}`, v.accuracy !== undefined && `accuracy ${v.accuracy.toFixed(4)}`, v.logLoss !== undefined && `log loss ${v.logLoss.toFixed(4)}`].filter(Boolean);
    if (measures.length) lines.push(`out-of-fold ${measures.join(', ')}`);
    if (v.dropped?.length) lines.push(`distilled: leaves out ${v.dropped.length} of the ensemble's columns: ${columnList(v.dropped.map((d) => d.column), 16)}`);
    return lines.join('\n');
  }

  /**
   * A smaller model of the same class: one network trained on the ensemble's averaged logits
   * (tl.distill) in place of the ensemble, same preprocessing and outputs (classifier-distill.ts).
   */
  async distill(opts: ClassifierDistillOptions): Promise<this> {
    const fitted = await distillClassifier(this, opts, this.constructor.name);
    return new (this.constructor as new (f: FittedClassifier) => this)(fitted);
  }

  /** The generic preset parts (persist.ts) of this model. */
  protected parts(): PresetParts {
    return {
      preprocessor: this.preprocessor.toJSON(),
      backbones: this.nets as Module[],
      head: this.head,
      info: { target: this.target, schema: this.schema, validation: this.validation, ...(this.training ? { training: this.training } : {}), ...(this.trees ? { trees: this.trees.state } : {}) },
    };
  }

  /** Everything tl.save needs: the networks' weights, and config + preprocessing as metadata. */
  toSafetensors(): Saved {
    if (this.head.type === 'binary' && !Number.isFinite(this.head.logitShift))
      throw new Error(`save: the model's logit shift is ${this.head.logitShift}, not a finite number`);
    return partsToSafetensors({ kind: this.kind, preset: this.constructor.name }, this.parts());
  }

  /** Writes the model to one safetensors file (atomically). */
  save(path: string): Promise<void> {
    return saveModel(this, path);
  }
}

function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < p.length; j++) if (p[j] > p[best]) best = j;
  return best;
}

/** Rebuilds the fitted state from persisted parts; checks what the generic reader cannot (the head's shape). */
export function classifierFromParts(parts: PresetParts, what: string): FittedClassifier {
  const head = parts.head as ClassifierHead;
  const info = parts.info as { target?: BinaryTarget | ClassTarget; schema?: ColumnInfo[]; validation?: ClassifierValidation; training?: FittedClassifier['training']; trees?: ClassifierTreesState };
  if (head.type === 'binary') {
    if (typeof head.logitShift !== 'number' || !Number.isFinite(head.logitShift))
      throw new Error(`${what}: the file's logit shift is ${JSON.stringify(head.logitShift)}, not a finite number`);
  } else if (head.type === 'softmax') {
    if (!Array.isArray(head.logitShift) || !head.logitShift.every((v) => typeof v === 'number' && Number.isFinite(v)))
      throw new Error(`${what}: the file's logit shifts are not all finite numbers`);
  } else throw new Error(`${what}: unknown head type ${JSON.stringify((head as { type: unknown }).type)}`);
  const t = info.target;
  if (!t || typeof t.name !== 'string') throw new Error(`${what}: the file names no target`);
  const classes = isBinaryTarget(t) ? 2 : Array.isArray(t.classes) ? t.classes.length : -1;
  const outputs = head.type === 'binary' ? 1 : head.logitShift.length;
  if (head.type === 'binary' ? !isBinaryTarget(t) : classes !== outputs || classes < 2) throw new Error(`${what}: the file's target and head disagree on the classes`);
  const nets = parts.backbones.map((m, i) => {
    if (!(m instanceof TabularNet)) throw new Error(`${what}: network ${i} is a ${m.constructor.name}, not a TabularNet`);
    if (m.opts.outputs !== outputs) throw new Error(`${what}: network ${i} has ${m.opts.outputs} outputs, the head expects ${outputs}`);
    return m;
  });
  if (info.trees !== undefined && head.type !== 'binary') throw new Error(`${what}: the file has boosted trees, which only a yes/no model blends`);
  const preprocessor = Preprocessor.fromJSON(parts.preprocessor);
  const trees = info.trees === undefined ? undefined : ClassifierTrees.fromState(info.trees, what);
  const numeric = preprocessor.numericColumns;
  if (trees && (trees.indicators.length !== numeric.length || trees.indicators.some((ind, j) => ind !== numeric[j].indicator)))
    throw new Error(`${what}: the file's boosted trees and preprocessing disagree on the numeric columns`);
  if (trees && trees.binner.features !== numeric.length + preprocessor.categoricalColumns.length)
    throw new Error(`${what}: the file's boosted trees read ${trees.binner.features} columns, its preprocessing gives them ${numeric.length + preprocessor.categoricalColumns.length}`);
  return {
    nets, preprocessor, schema: info.schema ?? [], target: t, head, ...(trees ? { trees } : {}),
    validation: info.validation ?? { epochs: [] }, ...(info.training ? { training: info.training } : {}),
  } as FittedClassifier;
}
