// Softmax (multi-class) histogram gradient boosting: K raw scores per row, P(k) = softmax(F)_k.
// Each round grows one tree per class (tree.ts) on the multinomial log loss's gradient p_k - y_k
// and diagonal hessian K/(K-1) p_k (1 - p_k) (the factor LightGBM and scikit-learn use, which
// makes the K Newton steps of a round add up to the full one), all K from the same round's
// probabilities. The baseline is the log class priors. With validation rows the rounds stop when
// the validation log loss has not improved for `patience` rounds; the best round is kept.
// Each class's trees are kept as a GbmModel of loss 'squared' (an additive raw score: its baseline
// plus its trees), so packing, unpacking and the flat forest are the binary models' own.
import type { BinnedData } from './bins.js';
import { GbmModel, type GbmParams } from './boost.js';
import { rowMajorBins } from './forest.js';
import { type Tree, type TreeParams, growTree, treeValue } from './tree.js';

export type SoftmaxParams = Omit<GbmParams, 'loss' | 'subsample' | 'seed'>;

const defaults: Required<SoftmaxParams> = { maxRounds: 1000, learningRate: 0.1, maxLeaves: 31, minSamplesLeaf: 20, l2: 1, maxDepth: 64, patience: 20 };

/** Softmax of raw scores row by row (n × K, row-major), in place. */
export function softmaxRows(F: Float64Array, K: number): Float64Array {
  for (let o = 0; o < F.length; o += K) {
    let m = -Infinity, s = 0;
    for (let k = 0; k < K; k++) m = Math.max(m, F[o + k]);
    for (let k = 0; k < K; k++) s += (F[o + k] = Math.exp(F[o + k] - m));
    for (let k = 0; k < K; k++) F[o + k] /= s;
  }
  return F;
}

/** Multi-class log loss of raw scores z (K of them, from offset o) for class y: logsumexp(z) - z_y. */
export function softmaxLoss(z: ArrayLike<number>, o: number, K: number, y: number): number {
  let m = -Infinity, s = 0;
  for (let k = 0; k < K; k++) m = Math.max(m, z[o + k]);
  for (let k = 0; k < K; k++) s += Math.exp(z[o + k] - m);
  return m + Math.log(s) - z[o + y];
}

function meanLoss(F: Float64Array, K: number, y: Int32Array, rows: Uint32Array): number {
  let s = 0;
  for (const i of rows) s += softmaxLoss(F, i * K, K, y[i]);
  return rows.length ? s / rows.length : 0;
}

export class SoftmaxGbm {
  /** One additive model per class (loss 'squared': its raw score is baseline + trees). */
  constructor(readonly classes: readonly GbmModel[], readonly history: { train: number[]; validation: number[] } = { train: [], validation: [] }) {
    if (classes.length < 2) throw new RangeError(`softmax gbm: ${classes.length} class models; it needs at least 2`);
    const r = classes[0].trees.length;
    if (classes.some((m) => m.trees.length !== r)) throw new RangeError('softmax gbm: the class models have different numbers of rounds');
  }

  get K(): number {
    return this.classes.length;
  }

  /** Boosting rounds (trees per class). */
  get rounds(): number {
    return this.classes[0].trees.length;
  }

  /**
   * Boosts on class ids y (0..K-1) of the rows `train` of binned data; `validation` rows (or
   * none) for early stopping. Deterministic. Every class must have a training row.
   */
  static fit(data: BinnedData, y: ArrayLike<number>, K: number, train: Uint32Array, validation: Uint32Array | undefined, params: SoftmaxParams = {}): SoftmaxGbm {
    const p = { ...defaults, ...params };
    GbmModel.checkParams({ ...p, loss: 'squared' });
    if (!Number.isInteger(K) || K < 2) throw new RangeError(`softmax gbm: K must be an integer >= 2, got ${K}`);
    if (y.length !== data.n) throw new RangeError(`softmax gbm: ${y.length} targets for ${data.n} rows`);
    if (!train.length) throw new RangeError('softmax gbm: no training rows');
    const val = validation && validation.length ? validation : undefined;
    const labels = Int32Array.from(y);
    for (const rows of val ? [train, val] : [train])
      for (const i of rows) if (!(Number.isInteger(y[i]) && y[i] >= 0 && y[i] < K)) throw new RangeError(`softmax gbm: row ${i} has class ${y[i]}; classes must be integers 0..${K - 1}`);
    const counts = new Float64Array(K);
    for (const i of train) counts[labels[i]]++;
    if (counts.some((c) => c === 0)) throw new RangeError(`softmax gbm: class ${counts.findIndex((c) => c === 0)} has no training rows`);
    const baseline = Array.from(counts, (c) => Math.log(c / train.length));
    const tp: TreeParams = { maxLeaves: p.maxLeaves, minSamplesLeaf: p.minSamplesLeaf, l2: p.l2, learningRate: p.learningRate, maxDepth: p.maxDepth, maxDelta: Infinity };
    const scored = val ? Uint32Array.from([...train, ...val]) : train;
    const F = new Float64Array(data.n * K);
    for (let i = 0; i < data.n; i++) for (let k = 0; k < K; k++) F[i * K + k] = baseline[k];
    const P = new Float64Array(data.n * K), g = new Float64Array(data.n), h = new Float64Array(data.n);
    const trees: Tree[][] = Array.from({ length: K }, () => []);
    const history = { train: [meanLoss(F, K, labels, train)], validation: val ? [meanLoss(F, K, labels, val)] : [] };
    const factor = K / (K - 1);
    let best = 0, bestLoss = val ? history.validation[0] : Infinity;
    for (let round = 1; round <= p.maxRounds; round++) {
      for (const i of train) P.set(F.subarray(i * K, i * K + K), i * K);
      softmaxRows(P, K); // rows outside train are softmaxed too but never read
      const grown: Tree[] = [];
      let idle = true;
      for (let k = 0; k < K; k++) {
        for (const i of train) {
          const q = P[i * K + k];
          g[i] = q - (labels[i] === k ? 1 : 0);
          // A floor on the hessian keeps a leaf of confidently right rows from a huge Newton step.
          h[i] = factor * Math.max(q * (1 - q), 1e-6);
        }
        const tree = growTree(data, train, g, h, tp);
        if (!(tree.feature.length === 1 && Math.abs(tree.value[0]) < 1e-12)) idle = false;
        grown.push(tree);
      }
      if (idle) break; // nothing left to learn
      grown.forEach((t, k) => {
        trees[k].push(t);
        for (const i of scored) F[i * K + k] += treeValue(t, data.bins, i);
      });
      history.train.push(meanLoss(F, K, labels, train));
      if (val) {
        const v = meanLoss(F, K, labels, val);
        history.validation.push(v);
        if (v < bestLoss * (1 - 1e-7)) (bestLoss = v), (best = round);
        else if (round - best >= p.patience) break;
      }
    }
    const keep = val ? best : trees[0].length;
    return new SoftmaxGbm(trees.map((ts, k) => new GbmModel('squared', baseline[k], ts.slice(0, keep))), history);
  }

  /** Raw scores (n × K, row-major) of rows 0..n-1 of binned columns. */
  predictRaw(bins: Uint8Array[], n: number): Float64Array {
    return this.predictRawRows(rowMajorBins(bins, n), bins.length, n);
  }

  /** predictRaw of row-major bins (`features` per row). */
  predictRawRows(rowBins: Uint8Array, features: number, n: number): Float64Array {
    const K = this.K, out = new Float64Array(n * K);
    this.classes.forEach((m, k) => {
      const raw = m.predictRawRows(rowBins, features, n);
      for (let i = 0; i < n; i++) out[i * K + k] = raw[i];
    });
    return out;
  }

  /** Class probabilities (n × K, row-major). */
  predict(bins: Uint8Array[], n: number): Float64Array {
    return softmaxRows(this.predictRaw(bins, n), this.K);
  }

  /** Each class's packed trees (GbmModel.pack), in class order. */
  pack(): ReturnType<GbmModel['pack']>[] {
    return this.classes.map((m) => m.pack());
  }

  /** @throws when the packed class models are malformed or disagree on the rounds. */
  static unpack(packed: Parameters<typeof GbmModel.unpack>[]): SoftmaxGbm {
    if (!Array.isArray(packed) || packed.length < 2) throw new Error('softmax gbm: the saved trees need at least 2 class models');
    const models = packed.map(([arrays, meta]) => {
      const m = GbmModel.unpack(arrays, meta);
      if (m.loss !== 'squared') throw new Error(`softmax gbm: a saved class model has loss '${m.loss}'`);
      return m;
    });
    if (models.some((m) => m.trees.length !== models[0].trees.length)) throw new Error('softmax gbm: the saved class models have different numbers of rounds');
    return new SoftmaxGbm(models);
  }
}
