// Multi-head attention and the Transformer encoder layer (PyTorch's parameter names, so
// state dicts line up). Sequences are [batch, time, features] unless batchFirst is false.
import { constant, xavierUniform } from '../init.js';
import { Module, type ModuleConfig, parameter } from '../module.js';
import { gelu, relu } from '../../ops/activation.js';
import { add, div, where } from '../../ops/arithmetic.js';
import { dropout } from '../../ops/dropout.js';
import { fill } from '../../ops/inplace.js';
import { linear, matmul } from '../../ops/linalg.js';
import { mean, softmax } from '../../ops/reduce.js';
import { permute, reshape, slice, transpose } from '../../ops/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Dropout } from './basic.js';
import { Linear } from './linear.js';
import { LayerNorm } from './norm.js';

export interface AttentionOptions {
  /** Padding positions to ignore, [batch, keyLength]: nonzero (true) means masked. */
  keyPaddingMask?: Tensor;
  /**
   * [queryLength, keyLength] or [batch * heads, queryLength, keyLength]: float32 is added to
   * the scores; int32 nonzero means masked.
   */
  attnMask?: Tensor;
  /** Return the attention weights (averaged over heads unless averageAttnWeights is false). */
  needWeights?: boolean;
  averageAttnWeights?: boolean;
}

export class MultiheadAttention extends Module {
  in_proj_weight: Tensor;
  in_proj_bias: Tensor | null;
  out_proj: Linear;
  readonly headDim: number;
  readonly batchFirst: boolean;
  readonly dropoutP: number;

  constructor(readonly embedDim: number, readonly numHeads: number, readonly opts: { dropout?: number; bias?: boolean; batchFirst?: boolean } = {}) {
    super();
    if (!Number.isInteger(numHeads) || numHeads < 1 || embedDim % numHeads)
      throw new RangeError(`MultiheadAttention: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    this.headDim = embedDim / numHeads;
    this.batchFirst = opts.batchFirst ?? true;
    this.dropoutP = opts.dropout ?? 0;
    this.in_proj_weight = parameter(xavierUniform([3 * embedDim, embedDim], embedDim, 3 * embedDim));
    this.in_proj_bias = opts.bias === false ? null : parameter(constant([3 * embedDim], 0));
    this.out_proj = new Linear(embedDim, embedDim, { bias: opts.bias !== false });
    if (this.out_proj.bias) fill(this.out_proj.bias, 0);
  }

  forward(query: Tensor, key: Tensor, value: Tensor, opts: AttentionOptions = {}): [Tensor, Tensor | null] {
    const E = this.embedDim, H = this.numHeads, D = this.headDim;
    const [q0, k0, v0] = this.batchFirst ? [query, key, value] : [query, key, value].map((t) => transpose(t, 0, 1));
    const [n, L] = q0.shape, S = k0.shape[1];
    const proj = (x: Tensor, i: number) =>
      linear(x, slice(this.in_proj_weight, 0, i * E, (i + 1) * E), this.in_proj_bias && slice(this.in_proj_bias, 0, i * E, (i + 1) * E));
    // [N, T, E] -> [N, H, T, D]
    const heads = (x: Tensor, t: number) => permute(reshape(x, [n, t, H, D]), [0, 2, 1, 3]);
    const q = heads(proj(q0, 0), L), k = heads(proj(k0, 1), S), v = heads(proj(v0, 2), S);
    let scores = div(matmul(q, transpose(k, -2, -1)), Math.sqrt(D)); // [N, H, L, S]
    if (opts.attnMask) scores = applyMask(scores, opts.attnMask, [n, H, L, S]);
    if (opts.keyPaddingMask) scores = applyMask(scores, reshape(opts.keyPaddingMask, [n, 1, 1, S]), [n, H, L, S]);
    let weights = softmax(scores, -1);
    const attended = matmul(dropout(weights, this.dropoutP, this.training), v); // [N, H, L, D]
    let out = this.out_proj.forward(reshape(permute(attended, [0, 2, 1, 3]), [n, L, E]));
    if (!this.batchFirst) out = transpose(out, 0, 1);
    if (!(opts.needWeights ?? true)) return [out, null];
    if (opts.averageAttnWeights ?? true) weights = mean(weights, 1);
    return [out, weights];
  }
  override config(): ModuleConfig {
    return { type: 'MultiheadAttention', args: [this.embedDim, this.numHeads, this.opts] };
  }
}

/** Adds a float mask, or sets -inf where an integer mask is nonzero. */
function applyMask(scores: Tensor, mask: Tensor, shape: number[]): Tensor {
  let m = mask;
  if (m.ndim === 3) m = reshape(m, shape); // [N * H, L, S]
  if (m.dtype === 'float32') return add(scores, m);
  return where(m, -Infinity, scores);
}

export interface TransformerEncoderLayerOptions {
  dimFeedforward?: number;
  dropout?: number;
  activation?: 'relu' | 'gelu';
  layerNormEps?: number;
  batchFirst?: boolean;
  /** Pre-norm (LayerNorm before attention and feed-forward) instead of PyTorch's default post-norm. */
  normFirst?: boolean;
}

/** One Transformer encoder block: self-attention and a feed-forward network, each residual. */
export class TransformerEncoderLayer extends Module {
  self_attn: MultiheadAttention;
  linear1: Linear;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout: Dropout;
  dropout1: Dropout;
  dropout2: Dropout;
  readonly normFirst: boolean;
  readonly activation: 'relu' | 'gelu';

  constructor(readonly dModel: number, readonly nhead: number, readonly opts: TransformerEncoderLayerOptions = {}) {
    super();
    const p = opts.dropout ?? 0.1, ff = opts.dimFeedforward ?? 2048, eps = opts.layerNormEps ?? 1e-5;
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst: opts.batchFirst ?? true });
    this.linear1 = new Linear(dModel, ff);
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel);
    this.norm1 = new LayerNorm(dModel, { eps });
    this.norm2 = new LayerNorm(dModel, { eps });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.normFirst = opts.normFirst ?? false;
    this.activation = opts.activation ?? 'relu';
  }

  forward(src: Tensor, opts: { srcMask?: Tensor; srcKeyPaddingMask?: Tensor } = {}): Tensor {
    const sa = (x: Tensor) =>
      this.dropout1.forward(this.self_attn.forward(x, x, x, { attnMask: opts.srcMask, keyPaddingMask: opts.srcKeyPaddingMask, needWeights: false })[0]);
    const act = this.activation === 'gelu' ? gelu : relu;
    const ff = (x: Tensor) => this.dropout2.forward(this.linear2.forward(this.dropout.forward(act(this.linear1.forward(x)))));
    if (this.normFirst) {
      const x = add(src, sa(this.norm1.forward(src)));
      return add(x, ff(this.norm2.forward(x)));
    }
    const x = this.norm1.forward(add(src, sa(src)));
    return this.norm2.forward(add(x, ff(x)));
  }
  override config(): ModuleConfig {
    return { type: 'TransformerEncoderLayer', args: [this.dModel, this.nhead, this.opts] };
  }
}

