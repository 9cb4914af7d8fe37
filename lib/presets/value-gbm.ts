// The gradient-boosted-trees member of the lifetime-value blend: one boosted model per fold of
// the networks' folds (value-train.ts), so its out-of-fold predictions sit beside theirs and the
// blend weights stay chosen on rows no member trained on. Trees err unlike networks (axis-aligned
// steps, no smooth extrapolation), which is what makes them worth blending.
// Each fold holds out a seeded slice of its training rows to early-stop on; the loss (squared
// error, or Poisson's log link for targets >= 0) and the tree shape are chosen by those slices'
// pooled error, then each fold model is refitted on all its training rows for its chosen rounds.
// An exposure column (value-offset.ts) adds two candidates to that choice: Poisson trees with
// log(column) as offset, and squared-error trees on value / column weighted by column².
import { type BinnedData, Binner, type BinnerState, type FeatureKind } from '../train/gbm/bins.js';
import { type GbmLoss, GbmModel, type GbmParams } from '../train/gbm/boost.js';
import { seededRandom } from '../train/data.js';
import { tensor } from '../tensor/create.js';
import { keep } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { folds } from './value-train.js';
import type { ValueInputs } from './value-train.js';
import type { NumericColumn } from '../data/preprocess.js';
import { type Exposure, type ValueOffset, checkOffset, exposureCandidates, exposureValues, offsetName } from './value-offset.js';

/** What a model file keeps of the member (beside its tensors). */
export interface ValueGbmState {
  binner: BinnerState;
  /** Per numeric feature block column: does an indicator column follow it (its 1s mean missing)? */
  indicators: boolean[];
  /** Per fold model: its loss, baseline and tree sizes (its rounds are its trees). */
  models: ReturnType<GbmModel['pack']>['meta'][];
  /** The exposure column the trees are offset by, and how (absent in older files: none). */
  offset?: ValueOffset;
}

export interface ValueGbmSettings {
  ensemble: number;
  seed: number;
  /** Losses to choose from on each fold's early-stopping slice (Poisson only for targets >= 0). */
  losses: GbmLoss[];
  params?: GbmParams;
  /** Tree shapes to choose from (default SHAPES). */
  shapes?: GbmParams[];
  /** Try exposure offsets (value-offset.ts) for a target >= 0 (default true). */
  offsets?: boolean;
}

/** A candidate of the loss choice: a loss, and maybe an exposure and how it enters. */
interface Variant {
  loss: GbmLoss;
  exposure?: Exposure;
  how?: ValueOffset['how'];
}

/** Fits a variant: log-offset Poisson, weighted ratio (squared error on y / c with weights c², i.e. on y), or plain. */
function fitVariant(v: Variant, data: BinnedData, y: Float64Array, rows: Uint32Array, stop: Uint32Array | undefined, params: GbmParams): GbmModel {
  if (!v.exposure) return GbmModel.fit(data, y, rows, stop, params);
  if (v.how === 'log') return GbmModel.fit(data, y, rows, stop, params, { offset: v.exposure.log });
  return GbmModel.fit(data, v.exposure.ratio, rows, stop, params, { weight: v.exposure.weight });
}

/** A variant's predicted values, given the exposure of each row (c: its values, log: their logs). */
function predictVariant(model: GbmModel, how: ValueOffset['how'] | undefined, bins: Uint8Array[], n: number, c?: { values: Float64Array; log: Float64Array }): Float64Array {
  if (!how || !c) return model.predict(bins, n);
  if (how === 'log') return model.predict(bins, n, c.log);
  return model.predict(bins, n).map((v, i) => v * c.values[i]);
}

/** Share of each fold's training rows held out for early stopping and the loss choice. */
const STOP_FRACTION = 0.15;

/**
 * Tree shapes tried (with each loss): small trees with large leaves for noisy targets, larger
 * ones for targets the features nearly determine (scikit-learn's default is 31 leaves of 20).
 */
const SHAPES: GbmParams[] = [{ maxLeaves: 7, minSamplesLeaf: 20 }, { maxLeaves: 15, minSamplesLeaf: 50 }, { maxLeaves: 31, minSamplesLeaf: 20 }];

/** Feature columns of the trees: numeric values (NaN where the preprocessor's indicator says missing), then categorical codes. */
export function treeColumns(x: ValueInputs, indicators: boolean[]): { columns: Float64Array[]; kinds: FeatureKind[] } {
  const w = x.numericWidth, c = x.cardinalities.length, out: Float64Array[] = [], kinds: FeatureKind[] = [];
  let j = 0;
  for (const ind of indicators) {
    const col = new Float64Array(x.n);
    for (let i = 0; i < x.n; i++) col[i] = ind && x.numeric[i * w + j + 1] === 1 ? NaN : x.numeric[i * w + j];
    out.push(col), kinds.push('numeric');
    j += ind ? 2 : 1;
  }
  if (j !== w) throw new RangeError(`trees: ${w} numeric inputs, but the preprocessor describes ${j}`);
  for (let k = 0; k < c; k++) out.push(Float64Array.from({ length: x.n }, (_, i) => x.categorical[i * c + k])), kinds.push('categorical');
  return { columns: out, kinds };
}

export class ValueGbm {
  private constructor(readonly binner: Binner, readonly indicators: boolean[], readonly models: GbmModel[], readonly offset?: ValueOffset) {}

  /**
   * Trains one model per fold m < ensemble (folds as the networks'), each on the other folds'
   * rows minus its early-stopping slice; `oof` holds the value of each row of a held-out fold.
   */
  static fit(x: ValueInputs, numeric: NumericColumn[], y: Float64Array, s: ValueGbmSettings): { gbm: ValueGbm; oof: (number | undefined)[] } {
    const indicators = numeric.map((c) => c.indicator);
    const { columns: cols, kinds } = treeColumns(x, indicators);
    const all = Array.from({ length: x.n }, (_, i) => i);
    // Binning is unsupervised (no target), so fitting it once on every training row leaks nothing into the folds.
    const binner = Binner.fit(cols, kinds, all);
    const data = binner.transform(cols, x.n);
    const fold = folds(x.n, Math.max(s.ensemble, 5), s.seed);
    // Per fold: the rows it scores (held out), and its training rows split into fit and stop slices.
    const plans = Array.from({ length: s.ensemble }, (_, m) => {
      const random = seededRandom(s.seed + 1000 + m), fit: number[] = [], stop: number[] = [], held: number[] = [];
      for (const i of all) (fold[i] === m ? held : random() < STOP_FRACTION ? stop : fit).push(i);
      return { fit: Uint32Array.from(fit), stop: Uint32Array.from(stop), held, both: Uint32Array.from([...fit, ...stop].sort((a, b) => a - b)) };
    });
    // One variant (loss, exposure offset or none) and tree shape for every fold: the one with the
    // least squared error on y pooled over the folds' stop slices (never their held-out rows, so
    // the out-of-fold figures stay honest).
    let best: { sse: number; params: GbmParams; rounds: number[] } | undefined;
    // Poisson needs a positive mean on every fold's fit rows (a nearly all-zero target may lack one).
    const losses = s.losses.filter((l) => l !== 'poisson' || plans.every((p) => p.fit.some((i) => y[i] > 0)));
    const variants: Variant[] = (losses.length ? losses : ['squared' as const]).map((loss) => ({ loss }));
    // Exposures only beside the Poisson loss, i.e. for a target >= 0 with positives in every fold.
    if ((s.offsets ?? true) && losses.includes('poisson'))
      for (const e of exposureCandidates(x, numeric, y)) variants.push({ loss: 'poisson', exposure: e, how: 'log' }, { loss: 'squared', exposure: e, how: 'ratio' });
    let bestVariant: Variant = variants[0];
    for (const v of variants)
      for (const shape of s.shapes ?? SHAPES) {
        const params = { ...shape, ...s.params, loss: v.loss };
        let sse = 0;
        const rounds = plans.map((p) => {
          const model = fitVariant(v, data, y, p.fit, p.stop, params);
          const pred = predictVariant(model, v.how, data.bins, x.n, v.exposure);
          for (const i of p.stop) sse += (pred[i] - y[i]) ** 2;
          return model.trees.length;
        });
        if (!best || sse < best.sse) (best = { sse, params, rounds }), (bestVariant = v);
      }
    // Refit each fold on all its training rows (fit + stop) for the rounds its stop slice chose.
    const models = plans.map((p, m) => fitVariant(bestVariant, data, y, p.both, undefined, { ...best!.params, maxRounds: Math.max(1, best!.rounds[m]) }));
    const oof: (number | undefined)[] = new Array(x.n);
    models.forEach((model, m) => {
      const pred = predictVariant(model, bestVariant.how, data.bins, x.n, bestVariant.exposure);
      for (const i of plans[m].held) oof[i] = pred[i];
    });
    const offset = bestVariant.exposure && { ...bestVariant.exposure.column, how: bestVariant.how! };
    return { gbm: new ValueGbm(binner, indicators, models, offset), oof };
  }

  /** Predicted values of every row of x: the mean of the fold models. */
  predict(x: ValueInputs): Float64Array {
    const { columns: cols } = treeColumns(x, this.indicators);
    const { bins } = this.binner.transform(cols, x.n), sum = new Float64Array(x.n);
    const c = this.offset && exposureValues(x, this.offset);
    for (const m of this.models) predictVariant(m, this.offset?.how, bins, x.n, c).forEach((v, i) => (sum[i] += v));
    return sum.map((v) => v / this.models.length);
  }

  /** For describe(): ' (offset log(c))', ' (ratio to c)', or '' without an exposure. */
  get offsetText(): string {
    return this.offset ? ` (${offsetName(this.offset)})` : '';
  }

  get rounds(): number[] {
    return this.models.map((m) => m.trees.length);
  }

  /** The JSON part of the saved member: binning, tree shapes, rounds and losses. */
  get state(): ValueGbmState {
    return { binner: this.binner.toJSON(), indicators: this.indicators, models: this.models.map((m) => m.pack().meta), ...(this.offset ? { offset: this.offset } : {}) };
  }

  #tensors?: Record<string, Tensor>;

  /** The trees as tensors `gbm<m>.int` / `gbm<m>.value` for the model file (made once and kept, like a network's weights). */
  tensors(): Record<string, Tensor> {
    if (this.#tensors) return this.#tensors;
    const out: Record<string, Tensor> = {};
    this.models.forEach((m, k) => {
      const { arrays } = m.pack();
      if (!arrays.value.length) return; // no trees (the baseline alone): no zero-length tensors
      out[`gbm${k}.int`] = keep(tensor(arrays.int, { shape: [arrays.int.length] }));
      out[`gbm${k}.value`] = keep(tensor(arrays.value, { shape: [arrays.value.length] }));
    });
    return (this.#tensors = out);
  }

  static fromSaved(tensors: Record<string, Tensor>, state: ValueGbmState): ValueGbm {
    if (!state || !Array.isArray(state.models) || !state.models.length || !Array.isArray(state.indicators)) throw new Error('LifetimeValueModel: the file\'s boosted trees are missing or malformed');
    const binner = Binner.fromJSON(state.binner);
    const models = state.models.map((meta, k) => {
      const int = tensors[`gbm${k}.int`], value = tensors[`gbm${k}.value`];
      const arrays = int && value ? { int: int.dataSync() as Int32Array, value: value.dataSync() as Float32Array } : { int: new Int32Array(0), value: new Float32Array(0) };
      const model = GbmModel.unpack(arrays, meta);
      for (const t of model.trees) if (t.feature.some((f) => f >= binner.features)) throw new Error(`LifetimeValueModel: a saved tree splits on a feature the model does not have`);
      return model;
    });
    if (state.offset) checkOffset(state.offset, state.indicators);
    return new ValueGbm(binner, state.indicators, models, state.offset);
  }
}
