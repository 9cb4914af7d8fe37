// Logistic boosted trees beside a yes/no classifier's networks (ChurnModel, PropensityModel with
// two classes). One tree model per fold of the networks' folds, early-stopped on the same
// held-out rows, so the trees' out-of-fold log-odds sit beside the networks' and the blend weight
// is chosen on rows neither trained on; one model refitted on every row then predicts. Trees alone rank worse than the networks on every churn
// set here, but they err differently (axis-aligned steps, interactions found greedily): blended
// 50/50 they added 0.008-0.010 test AUC on mlc_churn and ticdata (bench/churn-trees.mjs).
// Small trees (7 leaves of >= 20 rows) were the best shape on all three sets, so no shape search.
import type { Encoded, NumericColumn } from '../data/preprocess.js';
import { Binner, type BinnerState } from '../train/gbm/bins.js';
import { GbmModel, logisticLoss } from '../train/gbm/boost.js';
import type { Fold } from './fit-folds.js';
import { treeColumns } from './value-gbm.js';

/** What a model file keeps of the trees (in its JSON: the trees are small, and the file's tensors belong to networks). */
export interface ClassifierTreesState {
  binner: BinnerState;
  /** Per numeric column: does an indicator column follow it in the preprocessor's block? */
  indicators: boolean[];
  /** The trees' log-odds weight in the blend (the networks' is 1 - weight). */
  weight: number;
  /** The blend's log-odds are multiplied by it (chosen with the weight; absent: 1). */
  scale?: number;
  /** The predicting model(s): loss, baseline and tree sizes, and the packed trees as base64 of little-endian int32 / float32 arrays. */
  models: (ReturnType<GbmModel['pack']>['meta'] & { int: string; value: string })[];
}

const SHAPE = { loss: 'logistic' as const, maxLeaves: 7, minSamplesLeaf: 20 };

type Inputs = Pick<Encoded, 'n' | 'numeric' | 'categorical'>;

/** The preprocessed rows as the trees' feature columns (a numeric column followed by its indicator when `indicators` says so). */
function features(e: Inputs, indicators: boolean[], cardinalities: number[]) {
  const numericWidth = indicators.reduce((w, ind) => w + (ind ? 2 : 1), 0);
  return treeColumns({ n: e.n, numeric: e.numeric, numericWidth, categorical: e.categorical, cardinalities }, indicators);
}

/**
 * The trees' weight w (0.1 grid) and a scale a (0.25-4, steps of 2^(1/4)) by out-of-fold log loss of
 * a ((1 - w) net + w trees). Trees are kept (w > 0) only when the best blend beats the best
 * rescaled networks alone (w = 0) by more than two standard errors of the paired per-row
 * difference. Both sides get a scale so that trees are kept for what they know, never for the
 * recalibration alone (trees of mere noise would otherwise "help" by shrinking the logits).
 */
export function chooseTreeWeight(net: ArrayLike<number>, trees: ArrayLike<number>, y: ArrayLike<number>): { weight: number; scale: number } {
  const n = y.length;
  const losses = (w: number, a: number) => Float64Array.from({ length: n }, (_, i) => logisticLoss(a * ((1 - w) * net[i] + w * trees[i]), y[i]));
  const total = (l: Float64Array) => l.reduce((x, v) => x + v, 0);
  const best = (ws: number[]) => {
    let out = { w: 0, a: 1, l: losses(0, 1), t: Infinity };
    for (const w of ws)
      for (let k = -8; k <= 8; k++) {
        const a = 2 ** (k / 4), l = losses(w, a), t = total(l);
        if (t < out.t) out = { w, a, l, t };
      }
    return out;
  };
  const alone = best([0]), blend = best([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  if (n < 2) return { weight: 0, scale: 1 };
  const d = alone.l.map((v, i) => v - blend.l[i]);
  const mean = total(d) / n, sd = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  // Two standard errors, not one: the blend is the best of 170 (w, a) pairs, the networks of 17.
  return mean > (2 * sd) / Math.sqrt(n) ? { weight: blend.w, scale: blend.a } : { weight: 0, scale: 1 };
}

export class ClassifierTrees {
  private constructor(readonly binner: Binner, readonly indicators: boolean[], readonly models: GbmModel[], readonly weight: number, readonly scale = 1) {}

  /**
   * One model per fold on the fold's training rows, early-stopped on its held-out rows; returns
   * the trees (weight still 0) and each held-out row's log-odds (NaN for rows no fold holds out).
   */
  static fit(e: Encoded, numeric: NumericColumn[], cardinalities: number[], y: ArrayLike<number>, folds: Fold[]): { trees: ClassifierTrees; outOfFold: Float64Array } {
    const indicators = numeric.map((c) => c.indicator);
    const { columns, kinds } = features(e, indicators, cardinalities);
    // Binning reads no labels, so fitting it on every row leaks nothing into the folds.
    const binner = Binner.fit(columns, kinds, Uint32Array.from({ length: e.n }, (_, i) => i));
    const data = binner.transform(columns, e.n);
    const target = Float64Array.from(y);
    const outOfFold = new Float64Array(e.n).fill(NaN);
    const rounds = folds.map((fold) => {
      const model = GbmModel.fit(data, target, Uint32Array.from(fold.train), Uint32Array.from(fold.validation), SHAPE);
      const raw = model.predictRaw(data.bins, e.n);
      for (const i of fold.validation) outOfFold[i] = raw[i];
      return model.trees.length;
    });
    // What predicts is one model on every row, for the folds' mean rounds: the fold models were
    // for honest out-of-fold figures, and one model is a fifth of their cost at predict time.
    const all = Uint32Array.from({ length: e.n }, (_, i) => i);
    const mean = Math.max(1, Math.round(rounds.reduce((a, b) => a + b, 0) / rounds.length));
    const model = GbmModel.fit(data, target, all, undefined, { ...SHAPE, maxRounds: mean });
    return { trees: new ClassifierTrees(binner, indicators, [model], 0), outOfFold };
  }

  withBlend(b: { weight: number; scale: number }): ClassifierTrees {
    return new ClassifierTrees(this.binner, this.indicators, this.models, b.weight, b.scale);
  }

  /** The mean log-odds of the fold models for each row. */
  logOdds(e: Inputs, cardinalities: number[]): Float64Array {
    const { columns } = features(e, this.indicators, cardinalities);
    const bins = this.binner.transformRows(columns, e.n), sum = new Float64Array(e.n);
    for (const m of this.models) m.predictRawRows(bins, columns.length, e.n).forEach((v, i) => (sum[i] += v));
    return sum.map((v) => v / this.models.length);
  }

  /** Blended log-odds: scale × ((1 - weight) × the networks' (after the head's shift) + weight × the trees'). */
  blend(netLogOdds: ArrayLike<number>, e: Inputs, cardinalities: number[]): Float64Array {
    const t = this.logOdds(e, cardinalities), w = this.weight, a = this.scale;
    return t.map((v, i) => a * ((1 - w) * netLogOdds[i] + w * v));
  }

  /**
   * The preprocessor columns the trees split on: numeric ones by their index among the numeric
   * columns, categorical ones among the categorical columns.
   */
  get used(): { numeric: Set<number>; categorical: Set<number> } {
    const n = this.indicators.length, numeric = new Set<number>(), categorical = new Set<number>();
    for (const m of this.models) for (const t of m.trees) for (const f of t.feature) if (f >= 0) (f < n ? numeric.add(f) : categorical.add(f - n));
    return { numeric, categorical };
  }

  /**
   * The same trees over fewer preprocessor columns (a distilled student's): `keepNumeric` and
   * `keepCategorical` say which columns remain, and every column the trees split on must.
   */
  restrict(keepNumeric: boolean[], keepCategorical: boolean[]): ClassifierTrees {
    const keep = [...keepNumeric, ...keepCategorical];
    if (keep.length !== this.binner.features) throw new RangeError(`trees: ${keep.length} columns to keep or drop, but the trees read ${this.binner.features}`);
    const index = new Int32Array(keep.length).fill(-1);
    let next = 0;
    keep.forEach((k, f) => k && (index[f] = next++));
    const { kinds, cuts, codeBins } = this.binner.state;
    const binner = new Binner({ kinds: kinds.filter((_, f) => keep[f]), cuts: cuts.filter((_, f) => keep[f]), ...(codeBins ? { codeBins: codeBins.filter((_, f) => keep[f]) } : {}) });
    const models = this.models.map((m) => new GbmModel(m.loss, m.baseline, m.trees.map((t) => ({
      ...t,
      feature: t.feature.map((f) => {
        if (f >= 0 && index[f] < 0) throw new RangeError(`trees: feature ${f} is split on but not kept`);
        return f < 0 ? f : index[f];
      }),
    }))));
    return new ClassifierTrees(binner, this.indicators.filter((_, j) => keepNumeric[j]), models, this.weight, this.scale);
  }

  get rounds(): number[] {
    return this.models.map((m) => m.trees.length);
  }

  get state(): ClassifierTreesState {
    const b64 = (a: Int32Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
    return {
      binner: this.binner.toJSON(), indicators: this.indicators, weight: this.weight, scale: this.scale,
      models: this.models.map((m) => {
        const { arrays, meta } = m.pack();
        return { ...meta, int: b64(arrays.int), value: b64(arrays.value) };
      }),
    };
  }

  /** @throws a one-line error naming what is malformed in a file's trees. */
  static fromState(state: ClassifierTreesState, what: string): ClassifierTrees {
    const bad = (why: string) => new Error(`${what}: the file's boosted trees are malformed (${why})`);
    if (!state || !Array.isArray(state.models) || !state.models.length || !Array.isArray(state.indicators)) throw bad('no models');
    if (!(typeof state.weight === 'number' && state.weight > 0 && state.weight <= 1)) throw bad(`weight ${JSON.stringify(state.weight)}`);
    const scale = state.scale ?? 1;
    if (!(typeof scale === 'number' && scale > 0 && scale < 100)) throw bad(`scale ${JSON.stringify(state.scale)}`);
    const bytes = (s: unknown) => {
      if (typeof s !== 'string') throw bad('packed trees are not text');
      const b = Buffer.from(s, 'base64');
      if (b.length % 4) throw bad('packed trees are cut short');
      return new Uint8Array(b).buffer; // a fresh, aligned copy
    };
    const binner = Binner.fromJSON(state.binner);
    const models = state.models.map((m) => {
      const model = GbmModel.unpack({ int: new Int32Array(bytes(m.int)), value: new Float32Array(bytes(m.value)) }, m);
      if (model.loss !== 'logistic') throw bad(`loss '${model.loss}'`);
      for (const t of model.trees) if (t.feature.some((f) => f >= binner.features)) throw bad('a tree splits on a feature the model does not have');
      return model;
    });
    return new ClassifierTrees(binner, state.indicators.map(Boolean), models, state.weight, scale);
  }
}
