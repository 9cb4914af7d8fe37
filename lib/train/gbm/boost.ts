// Histogram gradient-boosted trees: each round fits a tree (tree.ts) to the loss's gradients
// and hessians at the current raw prediction and adds its shrunk leaf values. Squared error
// predicts the value itself; Poisson a log-mean (raw = log E[y]), which suits heavy-tailed
// spend that scales multiplicatively with the features. With validation rows the rounds stop
// when their loss has not improved for `patience` rounds, and the model keeps the best round.
// Logistic loss predicts a log-odds (raw = logit P(y = 1)) of a 0/1 target: a classifier's trees.
// Rows may carry a weight (their gradients and losses scale by it) and a raw offset (an init
// score added to every prediction: Poisson's log-exposure, as insurance GLMs use).
import { seededRandom } from '../data.js';
import type { BinnedData } from './bins.js';
import { FlatForest, rowMajorBins } from './forest.js';
import { type Tree, type TreeParams, growTree, treeValue } from './tree.js';

export type GbmLoss = 'squared' | 'poisson' | 'logistic';

export interface GbmParams {
  loss?: GbmLoss;
  /** Boosting rounds at most (default 1000; early stopping usually ends sooner). */
  maxRounds?: number;
  learningRate?: number;
  maxLeaves?: number;
  minSamplesLeaf?: number;
  l2?: number;
  maxDepth?: number;
  /** Rounds without a better validation loss before stopping (default 20). */
  patience?: number;
  /** Share of the training rows each tree is grown on, drawn afresh each round (default 1: all). */
  subsample?: number;
  /** Seeds the row draws of subsample < 1. */
  seed?: number;
}

export interface GbmHistory {
  /** Training loss after each round (round 0: the constant baseline). */
  train: number[];
  /** Validation loss after each round, when there were validation rows. */
  validation: number[];
}

const defaults: Required<GbmParams> = { loss: 'squared', maxRounds: 1000, learningRate: 0.1, maxLeaves: 31, minSamplesLeaf: 20, l2: 1, maxDepth: 64, patience: 20, subsample: 1, seed: 1 };

function checkParams(p: Required<GbmParams>): void {
  const int = (k: keyof GbmParams, lo: number) => {
    if (!Number.isInteger(p[k]) || (p[k] as number) < lo) throw new RangeError(`gbm: ${k} must be an integer >= ${lo}, got ${String(p[k])}`);
  };
  if (!isLoss(p.loss)) throw new RangeError(`gbm: loss must be 'squared', 'poisson' or 'logistic', got ${JSON.stringify(p.loss)}`);
  int('maxRounds', 1), int('maxLeaves', 2), int('minSamplesLeaf', 1), int('maxDepth', 1), int('patience', 1);
  if (!(p.learningRate > 0 && p.learningRate <= 1)) throw new RangeError(`gbm: learningRate must be in (0, 1], got ${p.learningRate}`);
  if (!(p.subsample > 0 && p.subsample <= 1)) throw new RangeError(`gbm: subsample must be in (0, 1], got ${p.subsample}`);
  if (!(p.l2 >= 0 && Number.isFinite(p.l2))) throw new RangeError(`gbm: l2 must be a finite number >= 0, got ${p.l2}`);
}

const isLoss = (l: unknown): l is GbmLoss => l === 'squared' || l === 'poisson' || l === 'logistic';

/** Per-row extras of a fit: weights of the loss, and raw offsets added to every prediction (both default: none). */
export interface GbmRows {
  weight?: Float64Array;
  offset?: Float64Array;
}

/** Log loss of log-odds z for a 0/1 label y: log(1 + e^z) - y z, written so that no exp overflows. */
export function logisticLoss(z: number, y: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - y * z;
}

/** Weighted mean loss of raw predictions F on rows: squared error, Poisson deviance / 2, or log loss. */
function meanLoss(loss: GbmLoss, y: Float64Array, F: Float64Array, rows: Uint32Array, w?: Float64Array): number {
  let s = 0, total = 0;
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r], wi = w ? w[i] : 1;
    total += wi;
    if (loss === 'squared') s += wi * (F[i] - y[i]) ** 2;
    else if (loss === 'logistic') s += wi * logisticLoss(F[i], y[i]);
    else s += wi * (Math.exp(F[i]) - y[i] * F[i] + (y[i] > 0 ? y[i] * Math.log(y[i]) - y[i] : 0));
  }
  return rows.length ? s / total : 0;
}

export class GbmModel {
  constructor(readonly loss: GbmLoss, readonly baseline: number, readonly trees: readonly Tree[], readonly history: GbmHistory = { train: [], validation: [] }) {}

  /** Throws a RangeError naming the first bad parameter (defaults filled in). */
  static checkParams(params: GbmParams): void {
    checkParams({ ...defaults, ...params });
  }

  // The trees flattened for predicting (forest.ts), built on first use.
  #forest: FlatForest | undefined;

  /**
   * Boosts on targets y of the rows `train` of binned data; `validation` rows (or none)
   * for early stopping. Deterministic: no sampling, ties broken by feature and bin order.
   * `extra`: per-row weights (> 0) and raw offsets; the baseline is then the weighted optimum
   * given the offsets, and predictions must be given the same offsets.
   */
  static fit(data: BinnedData, y: Float64Array, train: Uint32Array, validation: Uint32Array | undefined, params: GbmParams = {}, extra: GbmRows = {}): GbmModel {
    const p = { ...defaults, ...params };
    checkParams(p);
    if (y.length !== data.n) throw new RangeError(`gbm: ${y.length} targets for ${data.n} rows`);
    if (!train.length) throw new RangeError('gbm: no training rows');
    const { weight: w, offset: off } = extra;
    for (const a of [w, off]) if (a && a.length !== data.n) throw new RangeError(`gbm: ${a.length} row weights or offsets for ${data.n} rows`);
    // Baseline: squared, the weighted mean of y - offset; Poisson, log(sum w y / sum w exp(offset)).
    let sum = 0, total = 0;
    for (const i of train) {
      if (!Number.isFinite(y[i])) throw new RangeError(`gbm: target of row ${i} is ${y[i]}; every target must be a finite number`);
      if (p.loss === 'poisson' && y[i] < 0) throw new RangeError(`gbm: the Poisson loss needs targets >= 0; row ${i} is ${y[i]}`);
      if (p.loss === 'logistic' && y[i] !== 0 && y[i] !== 1) throw new RangeError(`gbm: the logistic loss needs targets 0 or 1; row ${i} is ${y[i]}`);
      const wi = w ? w[i] : 1, o = off ? off[i] : 0;
      if (!(wi > 0 && Number.isFinite(wi)) || !Number.isFinite(o)) throw new RangeError(`gbm: row ${i} has weight ${wi} and offset ${o}; weights must be finite and > 0, offsets finite`);
      sum += wi * (p.loss === 'poisson' ? y[i] : y[i] - o);
      total += wi * (p.loss === 'poisson' && off ? Math.exp(o) : 1);
    }
    const mean = sum / total;
    if (p.loss === 'poisson' && !(mean > 0)) throw new RangeError('gbm: the Poisson loss needs some target above 0');
    if (p.loss === 'logistic' && !(mean > 0 && mean < 1)) throw new RangeError('gbm: the logistic loss needs rows of both classes');
    // Logistic with offsets: the log-odds of the mean (not the exact optimum given them); the trees correct the rest.
    const baseline = p.loss === 'poisson' ? Math.log(mean) : p.loss === 'logistic' ? Math.log(mean / (1 - mean)) : mean;
    const tp: TreeParams = { maxLeaves: p.maxLeaves, minSamplesLeaf: p.minSamplesLeaf, l2: p.l2, learningRate: p.learningRate, maxDepth: p.maxDepth, maxDelta: p.loss === 'poisson' ? 0.7 / p.learningRate : Infinity };
    const val = validation && validation.length ? validation : undefined;
    const scored = val ? Uint32Array.from([...train, ...val]) : train;
    const F = new Float64Array(data.n).fill(baseline), g = new Float64Array(data.n), h = new Float64Array(data.n);
    if (off) for (const i of scored) F[i] += off[i];
    const trees: Tree[] = [], history: GbmHistory = { train: [meanLoss(p.loss, y, F, train, w)], validation: val ? [meanLoss(p.loss, y, F, val, w)] : [] };
    const random = seededRandom(p.seed);
    let best = 0, bestLoss = val ? history.validation[0] : Infinity;
    for (let round = 1; round <= p.maxRounds; round++) {
      for (const i of train) {
        const wi = w ? w[i] : 1;
        if (p.loss === 'squared') (g[i] = wi * (F[i] - y[i])), (h[i] = wi);
        else if (p.loss === 'logistic') {
          const q = 1 / (1 + Math.exp(-F[i]));
          // A floor on the hessian keeps a leaf of confidently right rows from a huge Newton step.
          (g[i] = wi * (q - y[i])), (h[i] = wi * Math.max(q * (1 - q), 1e-6));
        } else {
          const mu = Math.exp(F[i]);
          (g[i] = wi * (mu - y[i])), (h[i] = wi * mu);
        }
      }
      let rows = train;
      if (p.subsample < 1) {
        const drawn = train.filter(() => random() < p.subsample);
        if (drawn.length >= 2 * p.minSamplesLeaf) rows = drawn;
      }
      const tree = growTree(data, rows, g, h, tp);
      if (tree.feature.length === 1 && Math.abs(tree.value[0]) < 1e-12) break; // nothing left to learn
      trees.push(tree);
      for (const i of scored) F[i] += treeValue(tree, data.bins, i);
      history.train.push(meanLoss(p.loss, y, F, train, w));
      if (val) {
        const v = meanLoss(p.loss, y, F, val, w);
        history.validation.push(v);
        if (v < bestLoss * (1 - 1e-7)) (bestLoss = v), (best = round);
        else if (round - best >= p.patience) break;
      }
    }
    return new GbmModel(p.loss, baseline, val ? trees.slice(0, best) : trees, history);
  }

  /** Raw predictions (the value; Poisson: its log) of rows 0..n-1 of binned columns, plus each row's offset if the fit had offsets. */
  predictRaw(bins: Uint8Array[], n: number, offset?: Float64Array): Float64Array {
    return this.predictRawRows(rowMajorBins(bins, n), bins.length, n, offset);
  }

  /** predictRaw of row-major bins (`features` per row): the same doubles, without the transpose. */
  predictRawRows(rowBins: Uint8Array, features: number, n: number, offset?: Float64Array): Float64Array {
    const out = new Float64Array(n).fill(this.baseline);
    if (offset) for (let i = 0; i < n; i++) out[i] += offset[i];
    (this.#forest ??= new FlatForest(this.trees)).addTo(out, rowBins, features, n);
    return out;
  }

  /** Predicted values (Poisson: exp of the raw prediction; logistic: P(y = 1)). */
  predict(bins: Uint8Array[], n: number, offset?: Float64Array): Float64Array {
    const raw = this.predictRaw(bins, n, offset);
    return this.loss === 'poisson' ? raw.map(Math.exp) : this.loss === 'logistic' ? raw.map((v) => 1 / (1 + Math.exp(-v))) : raw;
  }

  /** The trees as flat typed arrays (for a model file) and the JSON that goes with them. */
  pack(): { arrays: { int: Int32Array; value: Float32Array }; meta: { loss: GbmLoss; baseline: number; nodes: number[]; cats: number[] } } {
    const nodes = this.trees.map((t) => t.feature.length), cats = this.trees.map((t) => t.catBits.length);
    const total = nodes.reduce((a, b) => a + b, 0), totalCats = cats.reduce((a, b) => a + b, 0);
    // Five int32 fields per node, then every tree's category bitsets.
    const int = new Int32Array(total * 5 + totalCats), value = new Float32Array(total);
    let o = 0, c = total * 5;
    for (const t of this.trees) {
      for (let j = 0; j < t.feature.length; j++, o++) {
        int.set([t.feature[j], t.threshold[j], t.missingLeft[j], t.left[j], t.right[j]], o * 5);
        value[o] = t.value[j];
      }
      int.set(t.catBits, c);
      c += t.catBits.length;
    }
    return { arrays: { int, value }, meta: { loss: this.loss, baseline: this.baseline, nodes, cats } };
  }

  static unpack(arrays: { int: Int32Array; value: Float32Array }, meta: { loss: GbmLoss; baseline: number; nodes: number[]; cats: number[] }): GbmModel {
    const { nodes, cats } = meta ?? ({} as typeof meta);
    if (!Array.isArray(nodes) || !Array.isArray(cats) || nodes.length !== cats.length || !Number.isFinite(meta.baseline) || !isLoss(meta.loss))
      throw new Error('gbm: the saved trees are missing or malformed');
    const total = nodes.reduce((a, b) => a + b, 0), totalCats = cats.reduce((a, b) => a + b, 0);
    if (arrays.int.length !== total * 5 + totalCats || arrays.value.length !== total) throw new Error(`gbm: the saved trees hold ${arrays.value.length} nodes, their description ${total}`);
    let o = 0, c = total * 5;
    const trees = nodes.map((len, t): Tree => {
      const field = (k: number) => Int32Array.from({ length: len }, (_, j) => arrays.int[(o + j) * 5 + k]);
      const tree: Tree = {
        feature: field(0), threshold: field(1), missingLeft: Uint8Array.from(field(2)), left: field(3), right: field(4),
        value: arrays.value.slice(o, o + len), catBits: arrays.int.slice(c, c + cats[t]),
      };
      for (let j = 0; j < len; j++)
        if (tree.feature[j] >= 0 && !(tree.left[j] > j && tree.left[j] < len && tree.right[j] > j && tree.right[j] < len)) throw new Error(`gbm: saved tree ${t} has a node whose children are out of range`);
      o += len;
      c += cats[t];
      return tree;
    });
    return new GbmModel(meta.loss, meta.baseline, trees);
  }
}
