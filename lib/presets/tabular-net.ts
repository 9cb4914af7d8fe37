// The network behind the tabular presets ("wide and deep"): standardized numeric features
// and one learned embedding per categorical column feed an MLP with dropout, and a linear
// (wide) path from the same features adds to its output, so the model is never worse off
// than a logistic/linear regression when the signal is mostly additive.
import type { ColumnKind } from '../data/schema.js';
import type { ReadOptions } from '../data/source.js';
import { Module, type ModuleConfig } from '../nn/module.js';
import { Dropout, ReLU, Sequential } from '../nn/layers/basic.js';
import { Embedding } from '../nn/layers/embedding.js';
import { Linear } from '../nn/layers/linear.js';
import { EmbeddingBag } from '../nn/layers/text.js';
import { registerModule } from '../nn/registry.js';
import { lowerModule } from '../nn/compile.js';
import type { PlanBuilder, Slot } from '../ops/plan.js';
import { add } from '../ops/arithmetic.js';
import { dropout } from '../ops/dropout.js';
import { embedConcat } from '../ops/embed.js';
import { cat } from '../ops/join.js';
import { slice } from '../ops/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/create.js';
import type { Bag } from '../data/text/featurize.js';

/** How the tabular presets (classifiers, value models) train their wide-and-deep networks. */
export interface TabularTrainingOptions {
  /** Columns to leave out (ids are detected and left out anyway). */
  exclude?: string[];
  /** Force a column's kind: 'numeric', 'categorical', 'boolean' or 'ignore'. */
  columns?: Record<string, ColumnKind>;
  hidden?: number[];
  dropout?: number;
  /** Dropout on categorical embeddings (default 0.25). */
  embeddingDropout?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  weightDecay?: number;
  /** Epochs without a better validation measure before stopping (best weights are restored). */
  patience?: number;
  seed?: number;
  progress?: boolean;
  /** How to read `data` when it is a path (delimiter, encoding, format). */
  read?: ReadOptions;
}

export interface TabularNetOptions {
  hidden?: number[];
  dropout?: number;
  /** Dropout on the embedding vectors: keeps rare categories from being memorized. */
  embeddingDropout?: number;
  /** Widest embedding (small tables overfit wide ones). */
  maxEmbeddingDim?: number;
  outputs?: number;
  /** Free-text columns: the ids each one's bags hold (one EmbeddingBag per column). */
  textSizes?: number[];
  /** Width of each text column's vector (default 16). */
  textDim?: number;
}

/** Embedding width for a column with `cardinality` indices (fastai's rule of thumb, capped). */
export function embeddingDim(cardinality: number, cap: number): number {
  return Math.max(2, Math.min(cap, Math.round(1.6 * cardinality ** 0.56)));
}

/** The embedding cap for a training set of `rows` rows: 4 below 10k rows, 8 below 100k, else 16. */
export function embeddingCapFor(rows: number): number {
  return rows < 10_000 ? 4 : rows < 100_000 ? 8 : 16;
}

export class TabularNet extends Module {
  embeddings: Embedding[];
  mlp: Sequential;
  wide: Linear;
  texts: EmbeddingBag[];
  readonly opts: Required<TabularNetOptions>;

  constructor(readonly numericWidth: number, readonly cardinalities: number[], opts: TabularNetOptions = {}) {
    super();
    this.opts = {
      hidden: opts.hidden ?? [64, 32], dropout: opts.dropout ?? 0.2, embeddingDropout: opts.embeddingDropout ?? 0.25,
      maxEmbeddingDim: opts.maxEmbeddingDim ?? 16, outputs: opts.outputs ?? 1, textSizes: opts.textSizes ?? [], textDim: opts.textDim ?? 16,
    };
    this.texts = this.opts.textSizes.map((size) => new EmbeddingBag(size, this.opts.textDim));
    this.embeddings = cardinalities.map((c) => new Embedding(c, embeddingDim(c, this.opts.maxEmbeddingDim)));
    const width = numericWidth + this.embeddings.reduce((s, e) => s + e.embeddingDim, 0) + this.texts.length * this.opts.textDim;
    const layers: Module[] = [];
    let w = width;
    for (const h of this.opts.hidden) {
      layers.push(new Linear(w, h), new ReLU(), new Dropout(this.opts.dropout));
      w = h;
    }
    layers.push(new Linear(w, this.opts.outputs));
    this.mlp = new Sequential(...layers);
    this.wide = new Linear(width, this.opts.outputs, { bias: false });
  }

  /**
   * numeric [n, numericWidth] float32, categorical [n, columns] int32, then per text column its
   * bag ids [n, L] int32 and weights [n, L] float32 -> [n, outputs].
   */
  forward(numeric: Tensor, categorical: Tensor, ...text: Tensor[]): Tensor {
    let features = this.training && this.opts.embeddingDropout > 0 ? this.droppedFeatures(numeric, categorical)
      : embedConcat(numeric, categorical, this.embeddings.map((e) => e.weight));
    if (this.texts.length) {
      if (text.length !== 2 * this.texts.length) throw new RangeError(`TabularNet: expected ids and weights for ${this.texts.length} text column(s), got ${text.length} tensors`);
      features = cat([features, ...this.texts.map((bag, j) => bag.forward(text[2 * j], text[2 * j + 1]))], 1);
    }
    return add(this.mlp.forward(features), this.wide.forward(features));
  }

  // Training with embedding dropout masks each column's vector on its own; without dropout
  // the lookups and the concatenation are one native call (the same values).
  private droppedFeatures(numeric: Tensor, categorical: Tensor): Tensor {
    const embedded = this.embeddings.map((e, j) =>
      dropout(e.forward(slice(categorical, 1, j, j + 1)).reshape([-1, e.embeddingDim]), this.opts.embeddingDropout, this.training),
    );
    return embedded.length ? cat([numeric, ...embedded], 1) : numeric;
  }

  /**
   * This network's eval-mode forward pass as plan steps on a numeric slot [n, numericWidth]
   * and a categorical index slot [n, columns]; returns the output slot, or why it cannot.
   */
  lowerInto(b: PlanBuilder, numeric: Slot, categorical: Slot): Slot | string {
    if (this.texts.length) return 'text columns are scored eagerly';
    const features = b.embedConcat(numeric, categorical, this.embeddings.map((e) => e.weight));
    const deep = lowerModule(this.mlp, b, features);
    if (typeof deep === 'string') return deep;
    return b.add(deep, b.linear(features, this.wide.weight, null));
  }

  override config(): ModuleConfig {
    return { type: 'TabularNet', args: [this.numericWidth, this.cardinalities, this.opts] };
  }
}

registerModule('TabularNet', TabularNet);

/** The text inputs of encoded rows as tensors: per text column its bag ids and weights. */
export function textTensors(e: { text?: Bag[] }, idx?: number[]): Tensor[] {
  return (e.text ?? []).flatMap((bag) => {
    let b = bag;
    if (idx) {
      const w = bag.width, ids = new Int32Array(idx.length * w), weights = new Float32Array(idx.length * w);
      idx.forEach((i, r) => {
        ids.set(bag.ids.subarray(i * w, (i + 1) * w), r * w);
        weights.set(bag.weights.subarray(i * w, (i + 1) * w), r * w);
      });
      b = { n: idx.length, width: w, ids, weights };
    }
    return [tensor(b.ids, { shape: [b.n, b.width], device: 'cpu' }), tensor(b.weights, { shape: [b.n, b.width], device: 'cpu' })];
  });
}
