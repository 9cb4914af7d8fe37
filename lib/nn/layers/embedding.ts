import { normal } from '../init.js';
import { Module, type ModuleConfig, parameter } from '../module.js';
import { embedding } from '../../ops/join.js';
import type { Tensor } from '../../tensor/tensor.js';

/** A lookup table: int32 indices of any shape -> vectors [..., dim]. Weights ~ N(0, 1). */
export class Embedding extends Module {
  weight: Tensor;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number) {
    super();
    this.weight = parameter(normal([numEmbeddings, embeddingDim]));
  }

  forward(indices: Tensor): Tensor {
    return embedding(this.weight, indices);
  }

  override describe(): string {
    return `Embedding(${this.numEmbeddings}, ${this.embeddingDim})`;
  }
  override config(): ModuleConfig {
    return { type: 'Embedding', args: [this.numEmbeddings, this.embeddingDim] };
  }
}
