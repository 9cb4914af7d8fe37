// ChurnModel: rows with a yes/no outcome -> the probability of "yes". The preset owns its
// preprocessing (schema inference, imputation, scaling, categorical embeddings), network,
// imbalance handling, early stopping on validation AUC, and the evaluation marketers use
// (ROC AUC, lift/gains, capture rate, permutation importance); the shared machinery is in
// classifier.ts / classifier-fit.ts, the file format in persist.ts.
import type { Row, Table } from '../data/table.js';
import { load as loadModel } from '../io/model-file.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ClassifierFitOptions, type ClassifierValidation, fitClassifier } from './classifier-fit.js';
import type { ChurnReport } from './classifier-report.js';
import { TabularClassifier, classifierFromParts } from './classifier.js';
import { isChurnV1, upgradeChurnV1 } from './churn-v1.js';
import { buildFromParts, partsFromSafetensors } from './persist.js';
import type { Data, DataOptions, PredictOptions } from './preset.js';
import { registerPreset } from './registry.js';
import type { BinaryTarget } from '../data/target.js';
import { type ChurnPlan, type ChurnPlanOptions, churnPlan } from './campaign-plan.js';

// Report and importance types, importable from here as before.
export type { ChurnReport } from './classifier-report.js';
export type { ColumnImportance, ChurnDataOptions } from './classifier.js';
export type { NetworkProgress } from './classifier-fit.js';

export type ChurnFitOptions = ClassifierFitOptions & { classWeight?: 'balanced' | 'none' | number };

export class ChurnModel extends TabularClassifier<number> {
  static readonly kind = 'churn';
  readonly kind = ChurnModel.kind;
  declare readonly target: BinaryTarget;
  /** Out-of-fold ROC AUC on the training data, and the epochs each network trained. */
  declare readonly validation: ClassifierValidation & { auc: number };

  /** Trains on a CSV / JSON Lines file or rows; resolves with a model ready to predict. */
  static async fit(data: Data, opts: ChurnFitOptions): Promise<ChurnModel> {
    return new ChurnModel(await fitClassifier(data, opts, 'binary', 'ChurnModel'));
  }

  /** Subtracted from the logits: undoes the class weighting so probabilities stay calibrated. */
  get logitShift(): number {
    return this.head.type === 'binary' ? this.head.logitShift : NaN;
  }

  /**
   * Probability of the positive class for each row (raw row objects; extra columns are ignored).
   * A row lacking a column the model was trained on is an error naming it, unless
   * `{ missing: 'impute' }`; values out of float32 range are imputed with a warning.
   */
  predict(rows: Row[] | Table, opts: PredictOptions = {}): number[] {
    return this.positiveProbabilities(rows, opts, 'ChurnModel.predict');
  }

  /** ROC AUC, log loss, accuracy, the decile lift table and capture rates on labelled rows. */
  override async evaluate(data: Data, opts: DataOptions = {}): Promise<ChurnReport> {
    return (await super.evaluate(data, opts)) as ChurnReport;
  }

  /**
   * A retention campaign over `data`: contact by P(churn), highest first, and keep the number
   * of contacts that maximizes expected profit; expected saved customers rest on the ASSUMED
   * `offerSuccessRate` (campaign-plan.ts).
   */
  plan(opts: ChurnPlanOptions): Promise<ChurnPlan> {
    return churnPlan(this, opts);
  }

  static async load(path: string): Promise<ChurnModel> {
    const m = await loadModel(path);
    if (!(m instanceof ChurnModel)) throw new TypeError(`ChurnModel.load: ${path} does not hold a churn model`);
    return m;
  }

  /** @internal Rebuilds from a file's tensors and metadata (registered with tl.load); reads format versions 1 and 2. */
  static fromSaved(tensors: Record<string, Tensor>, meta: Record<string, unknown>): ChurnModel {
    const current = isChurnV1(meta) ? upgradeChurnV1(tensors, meta) : { tensors, meta };
    const parts = partsFromSafetensors(current.tensors, current.meta, { kind: ChurnModel.kind, preset: 'ChurnModel' });
    return buildFromParts(parts, () => {
      const fitted = classifierFromParts(parts, 'ChurnModel');
      if (fitted.head.type !== 'binary') throw new Error('ChurnModel: the file holds a model with more than two classes');
      return new ChurnModel(fitted);
    });
  }
}

registerPreset(ChurnModel);
