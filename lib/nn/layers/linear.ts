import { kaimingUniformDefault } from '../init.js';
import { Module, type ModuleConfig, parameter } from '../module.js';
import { type FusedActivation, linear } from '../../ops/linalg.js';
import type { Tensor } from '../../tensor/tensor.js';

/** y = x W^T + b, for x [..., inFeatures]. PyTorch's initialization, seeded. */
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: { bias?: boolean } = {}) {
    super();
    for (const [name, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const)
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`Linear: ${name} must be a non-negative integer, got ${v}`);
    this.weight = parameter(kaimingUniformDefault([outFeatures, inFeatures], inFeatures));
    this.bias = opts.bias === false ? null : parameter(kaimingUniformDefault([outFeatures], inFeatures));
  }

  /** x W^T + b, with an optional fused activation (Sequential uses it for Linear + ReLU). */
  forward(x: Tensor, activation?: FusedActivation): Tensor {
    return linear(x, this.weight, this.bias, activation);
  }

  override describe(): string {
    return `Linear(${this.inFeatures} -> ${this.outFeatures}${this.bias ? '' : ', no bias'})`;
  }
  override config(): ModuleConfig {
    return { type: 'Linear', args: [this.inFeatures, this.outFeatures, { bias: this.bias !== null }] };
  }
}
