// Text encoders: texts as ids -> one vector per text.
//   - EmbeddingBag: the weighted sum of feature vectors (fastText's bag of n-grams), composed
//     of an embedding lookup [n, L, d] and one batched matmul with the weights [n, 1, L]; the
//     padding (id 0, weight 0) adds nothing. Vectors start at zero, so a feature never seen in
//     training (a hash slot of an unseen n-gram) adds nothing at predict time either.
//   - TransformerTextEncoder: subword embeddings plus learned positions, pre-norm Transformer
//     encoder layers with padding masks, and a mean over the real (unpadded) positions.
import { normal } from '../init.js';
import { Module, type ModuleConfig, parameter } from '../module.js';
import { matmul } from '../../ops/linalg.js';
import { embedding } from '../../ops/join.js';
import { slice } from '../../ops/shape.js';
import { tensor } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';
import { TransformerEncoderLayer } from './attention.js';
import { LayerNorm } from './norm.js';
import { Dropout } from './basic.js';

export class EmbeddingBag extends Module {
  weight: Tensor;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, readonly opts: { initStd?: number } = {}) {
    super();
    if (!Number.isInteger(numEmbeddings) || numEmbeddings < 1 || !Number.isInteger(embeddingDim) || embeddingDim < 1)
      throw new RangeError(`EmbeddingBag: expected positive integer sizes, got (${numEmbeddings}, ${embeddingDim})`);
    const std = opts.initStd ?? 0;
    this.weight = parameter(std > 0 ? normal([numEmbeddings, embeddingDim], std) : tensor(new Float32Array(numEmbeddings * embeddingDim), { shape: [numEmbeddings, embeddingDim] }));
  }

  /** ids int32 [n, L], weights float32 [n, L] -> [n, dim]: sum_j weights[i, j] * weight[ids[i, j]]. */
  forward(ids: Tensor, weights: Tensor): Tensor {
    if (ids.ndim !== 2 || weights.ndim !== 2 || ids.shape[0] !== weights.shape[0] || ids.shape[1] !== weights.shape[1])
      throw new RangeError(`EmbeddingBag: expected ids and weights of one shape [n, L], got [${ids.shape}] and [${weights.shape}]`);
    const [n, L] = ids.shape;
    return matmul(weights.reshape([n, 1, L]), embedding(this.weight, ids)).reshape([n, this.embeddingDim]);
  }

  override config(): ModuleConfig {
    return { type: 'EmbeddingBag', args: [this.numEmbeddings, this.embeddingDim, this.opts] };
  }
}

export interface TransformerTextOptions {
  dim?: number;
  heads?: number;
  layers?: number;
  /** Feed-forward width (default 2 * dim). */
  feedforward?: number;
  /** Longest sequence (positions learned). */
  maxLength?: number;
  dropout?: number;
}

export class TransformerTextEncoder extends Module {
  tokens: Tensor;
  positions: Tensor;
  layers: TransformerEncoderLayer[];
  norm: LayerNorm;
  drop: Dropout;
  readonly dim: number;
  readonly maxLength: number;

  constructor(readonly vocabSize: number, readonly opts: TransformerTextOptions = {}) {
    super();
    this.dim = opts.dim ?? 64;
    this.maxLength = opts.maxLength ?? 256;
    const heads = opts.heads ?? 4;
    this.tokens = parameter(normal([vocabSize, this.dim], 0.02 * Math.sqrt(this.dim)));
    this.positions = parameter(normal([this.maxLength, this.dim], 0.02 * Math.sqrt(this.dim)));
    this.layers = Array.from({ length: opts.layers ?? 2 }, () =>
      new TransformerEncoderLayer(this.dim, heads, { dimFeedforward: opts.feedforward ?? 2 * this.dim, dropout: opts.dropout ?? 0.1, activation: 'gelu', normFirst: true }));
    this.norm = new LayerNorm(this.dim);
    this.drop = new Dropout(opts.dropout ?? 0.1);
  }

  /**
   * Per-position states [n, T, dim] of subword ids [n, T] (0 = padding, T <= maxLength), and the
   * padding mask used. A row of nothing but padding (an empty text) attends to its first
   * position, so its softmax has something to normalize.
   */
  states(ids: Tensor): { states: Tensor; keep: Float32Array } {
    const [n, T] = ids.shape;
    if (ids.ndim !== 2 || T > this.maxLength) throw new RangeError(`TransformerTextEncoder: expected ids [n, T] with T <= ${this.maxLength}, got [${ids.shape}]`);
    const raw = ids.dataSync(), masked = new Int32Array(n * T), keep = new Float32Array(n * T);
    for (let i = 0; i < n; i++) {
      let any = false;
      for (let t = 0; t < T; t++) {
        const real = raw[i * T + t] !== 0;
        any ||= real;
        masked[i * T + t] = real ? 0 : 1;
        keep[i * T + t] = real ? 1 : 0;
      }
      if (!any) masked[i * T] = 0, keep[i * T] = 1;
    }
    const mask = tensor(masked, { shape: [n, T], device: ids.device });
    let x = this.drop.forward(embedding(this.tokens, ids).add(slice(this.positions, 0, 0, T)));
    for (const layer of this.layers) x = layer.forward(x, { srcKeyPaddingMask: mask });
    return { states: this.norm.forward(x), keep };
  }

  /** ids int32 [n, T] -> [n, dim]: the mean of the final states over real positions. */
  forward(ids: Tensor): Tensor {
    const [n, T] = ids.shape;
    const { states, keep } = this.states(ids);
    for (let i = 0; i < n; i++) {
      let c = 0;
      for (let t = 0; t < T; t++) c += keep[i * T + t];
      for (let t = 0; t < T; t++) keep[i * T + t] /= c;
    }
    return matmul(tensor(keep, { shape: [n, 1, T], device: ids.device }), states).reshape([n, this.dim]);
  }

  override config(): ModuleConfig {
    return { type: 'TransformerTextEncoder', args: [this.vocabSize, this.opts] };
  }
}
