// PropensityModel: who will respond, buy or take an offer. A yes/no target is modelled exactly
// as ChurnModel does (predict: P(positive)); a target with more classes (next best offer:
// which product, plan or offer a customer takes) gets a softmax head on the same TabularNet
// backbone, with class weighting, and predict gives the most likely class, predictProba the
// probability of each. Shared machinery: classifier.ts / classifier-fit.ts.
import type { Row, Table } from '../data/table.js';
import { load as loadModel } from '../io/model-file.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ClassifierFitOptions, fitClassifier } from './classifier-fit.js';
import type { ChurnReport, MulticlassReport } from './classifier-report.js';
import { ChurnModel } from './churn.js';
import { TabularClassifier, classifierFromParts } from './classifier.js';
import { buildFromParts, partsFromSafetensors } from './persist.js';
import type { Data, DataOptions, PredictOptions } from './preset.js';
import { registerPreset } from './registry.js';

export type PropensityFitOptions = ClassifierFitOptions;
export type PropensityReport = ChurnReport | MulticlassReport;

export class PropensityModel extends TabularClassifier<number | string> {
  static readonly kind = 'propensity';
  readonly kind = PropensityModel.kind;

  /**
   * Trains on a CSV / JSON Lines file or rows. A target with two values is a yes/no
   * propensity (as ChurnModel); more values are classes to choose among (at most 100, or 20
   * distinct numbers: more is a quantity, not classes).
   */
  static async fit(data: Data, opts: PropensityFitOptions): Promise<PropensityModel> {
    return new PropensityModel(await fitClassifier(data, opts, 'any', 'PropensityModel'));
  }

  /**
   * Yes/no target: P(positive) per row. More classes: the most likely class label per row
   * (probabilities from predictProba). A row lacking a trained column is an error naming it,
   * unless `{ missing: 'impute' }`.
   */
  predict(rows: Row[] | Table, opts: PredictOptions = {}): (number | string)[] {
    if (this.isBinary) return this.positiveProbabilities(rows, opts, 'PropensityModel.predict');
    return this.score(rows, opts).map((r) => r[0] as string);
  }

  /**
   * Yes/no: `{ auc, logLoss, accuracy, lift, capture }` as ChurnModel. More classes:
   * `{ accuracy, logLoss, macroF1, topK, k, perClassLift, perClass }`.
   */
  override async evaluate(data: Data, opts: DataOptions & { k?: number } = {}): Promise<PropensityReport> {
    return super.evaluate(data, opts);
  }

  /** Reads a propensity model; a churn model's file (what PropensityModel.fit wrote while it was ChurnModel's alias) loads as one too. */
  static async load(path: string): Promise<PropensityModel> {
    const m = await loadModel(path);
    if (m instanceof ChurnModel) return new PropensityModel(m);
    if (!(m instanceof PropensityModel)) throw new TypeError(`PropensityModel.load: ${path} does not hold a propensity model`);
    return m;
  }

  /** @internal Rebuilds from a file's tensors and metadata (registered with tl.load). */
  static fromSaved(tensors: Record<string, Tensor>, meta: Record<string, unknown>): PropensityModel {
    const parts = partsFromSafetensors(tensors, meta, { kind: PropensityModel.kind, preset: 'PropensityModel' });
    return buildFromParts(parts, () => new PropensityModel(classifierFromParts(parts, 'PropensityModel')));
  }
}

registerPreset(PropensityModel, ['nbo', 'next-best-offer']);
