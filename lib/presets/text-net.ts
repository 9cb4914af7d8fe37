// The network of the text presets: a text encoder (backbone) and a linear head over its
// vector, with dropout between. 'bag' is the fast default (fastText-like: hashed word n-grams
// and subwords, summed with sublinear-TF weights); 'transformer' reads subwords in order.
import { Module, type ModuleConfig } from '../nn/module.js';
import { Dropout } from '../nn/layers/basic.js';
import { Linear } from '../nn/layers/linear.js';
import { EmbeddingBag, TransformerTextEncoder, type TransformerTextOptions } from '../nn/layers/text.js';
import { registerModule } from '../nn/registry.js';
import type { Tensor } from '../tensor/tensor.js';

export type TextEncoderKind = 'bag' | 'transformer';

export interface TextNetSpec {
  encoder: TextEncoderKind;
  /** Ids the encoder reads: the featurizer's bagSize (bag) or vocabSize (transformer). */
  inputs: number;
  /** Width of the text vector. */
  dim: number;
  outputs: number;
  dropout: number;
  /** A ReLU hidden layer of this width between the text vector and the head (default none: linear, as fastText). */
  hidden?: number;
  transformer?: TransformerTextOptions;
}

export class TextNet extends Module {
  encoder: EmbeddingBag | TransformerTextEncoder;
  drop: Dropout;
  hidden: Linear | null;
  head: Linear;

  constructor(readonly spec: TextNetSpec) {
    super();
    this.encoder = spec.encoder === 'bag' ? new EmbeddingBag(spec.inputs, spec.dim)
      : new TransformerTextEncoder(spec.inputs, { ...spec.transformer, dim: spec.dim });
    this.drop = new Dropout(spec.dropout);
    this.hidden = spec.hidden ? new Linear(spec.dim, spec.hidden) : null;
    this.head = new Linear(spec.hidden || spec.dim, spec.outputs);
  }

  /** The text vectors [n, dim]: bag (ids, weights) or sequence (ids). */
  encode(ids: Tensor, weights?: Tensor): Tensor {
    if (this.encoder instanceof EmbeddingBag) {
      if (!weights) throw new TypeError('TextNet: a bag encoder needs ids and weights');
      return this.encoder.forward(ids, weights);
    }
    return this.encoder.forward(ids);
  }

  /** Logits [n, outputs]. */
  forward(ids: Tensor, weights?: Tensor): Tensor {
    let h = this.drop.forward(this.encode(ids, weights));
    if (this.hidden) h = this.drop.forward(this.hidden.forward(h).relu());
    return this.head.forward(h);
  }

  override config(): ModuleConfig {
    return { type: 'TextNet', args: [this.spec] };
  }
}

registerModule('TextNet', TextNet);
