// The latent-semantic member of the text presets' blend, learned from the user's unlabelled
// texts (`unlabelled` in fit): TF-IDF word 1-2-grams of the labelled and unlabelled texts,
// their k leading right singular vectors (LSA, Deerwester et al. 1990; randomized SVD in
// lib/data/text/truncated-svd.ts), and logistic regression on each text's unit-length
// projection. With few labels, n-grams seen in a few hundred labelled texts say little, while
// the directions learned from thousands of unlabelled ones place a text among similar texts:
// fine_foods with 200-1000 labels and the rest of its 4,000 training texts unlabelled gained
// +0.01-0.03 AUC in a scikit-learn prototype, and nothing with no unlabelled texts (so the
// member is only built when they are given). Why not a pretrained Transformer: it would have
// to be shipped (nothing is downloaded) and trained for minutes; this takes seconds.
import { type CsrMatrix, sparseTimesDense } from '../data/text/truncated-svd.js';
import { Module, type ModuleConfig, buffer } from '../nn/module.js';
import { registerModule } from '../nn/registry.js';
import { linear } from '../ops/linalg.js';
import { tensor } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { type SparseRows, sparseRows } from './text-linear.js';

export interface TextLsaConfig {
  classes: number;
  /** Stored n-gram columns. */
  features: number;
  /** Latent dimensions (singular vectors). */
  components: number;
}

/** Unit-length latent vectors [n, k] of TF-IDF rows as dense rows in CSR form (for the softmax fitter). */
export function latentRows(x: CsrMatrix, projection: Float64Array | Float32Array, k: number): SparseRows {
  const n = x.indptr.length - 1, z = sparseTimesDense(x, projection, k);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += z[i * k + j] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < k; j++) z[i * k + j] *= inv;
  }
  const cols = new Int32Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) cols[i * k + j] = j;
  return { indptr: Int32Array.from({ length: n + 1 }, (_, i) => i * k), cols, vals: z, width: k };
}

export class TextLsa extends Module {
  /** [features] hashed n-gram slot and IDF of each column. */
  slots: Tensor;
  idf: Tensor;
  /** [features, components] the right singular vectors. */
  projection: Tensor;
  /** [classes, components] and [classes]. */
  weight: Tensor;
  bias: Tensor;
  #cached: { columns: Map<number, number>; idf: Float32Array; ones: Float32Array; projection: Float32Array; weight: Float32Array; bias: Float32Array } | null = null;

  constructor(readonly spec: TextLsaConfig) {
    super();
    const { classes: c, features: d, components: k } = spec;
    if (![c, d, k].every(Number.isInteger) || c < 2 || d < 1 || k < 1) throw new RangeError('TextLsa: classes must be an integer >= 2, features and components >= 1');
    const zeros = (shape: number[]) => buffer(tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), { shape, device: 'cpu' }));
    this.slots = zeros([d]);
    this.idf = zeros([d]);
    this.projection = zeros([d, k]);
    this.weight = zeros([c, k]);
    this.bias = zeros([c]);
  }

  setState(s: { slots: Float32Array; idf: Float32Array; projection: Float32Array; weight: Float32Array; bias: Float32Array }): void {
    const own = this.stateDict();
    this.loadStateDict(Object.fromEntries(Object.entries(s).map(([k, v]) => [k, tensor(v, { shape: own[k].shape, device: 'cpu' })])));
  }

  override loadStateDict(state: Record<string, Tensor>, opts?: { strict?: boolean }) {
    this.#cached = null;
    return super.loadStateDict(state, opts);
  }

  /** Unit-length latent vectors [n, components] (row-major) -> logits [n, classes]. */
  forward(z: Tensor): Tensor {
    return linear(z, this.weight, this.bias);
  }

  #values() {
    if (!this.#cached) {
      const f = (t: Tensor) => Float32Array.from(t.dataSync() as Float32Array);
      const idf = f(this.idf);
      this.#cached = {
        columns: new Map(Array.from(this.slots.dataSync() as Float32Array, (s, i) => [s, i])), idf, ones: new Float32Array(idf.length).fill(1),
        projection: f(this.projection), weight: f(this.weight), bias: f(this.bias),
      };
    }
    return this.#cached;
  }

  /** Latent rows of texts' negation-marked words. */
  latent(texts: string[][]): SparseRows {
    const v = this.#values();
    return latentRows(sparseRows(texts, v.columns, v.idf, v.ones, null), v.projection, this.spec.components);
  }

  /** Logits [n * classes] of texts' negation-marked words. */
  logits(texts: string[][]): Float32Array {
    const v = this.#values(), z = this.latent(texts), { classes: c, components: k } = this.spec;
    const out = new Float32Array(texts.length * c);
    for (let i = 0; i < texts.length; i++)
      for (let j = 0; j < c; j++) {
        let s = v.bias[j];
        for (let a = 0; a < k; a++) s += z.vals[i * k + a] * v.weight[j * k + a];
        out[i * c + j] = s;
      }
    return out;
  }

  override config(): ModuleConfig {
    return { type: 'TextLsa', args: [this.spec] };
  }
}

registerModule('TextLsa', TextLsa);
