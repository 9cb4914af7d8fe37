import { constant } from '../init.js';
import { Module, type ModuleConfig, buffer, parameter } from '../module.js';
import { batchNorm, layerNorm } from '../../ops/norm.js';
import type { Tensor } from '../../tensor/tensor.js';

export interface BatchNormOptions {
  eps?: number;
  momentum?: number;
  affine?: boolean;
  trackRunningStats?: boolean;
}

abstract class BatchNormBase extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  runningMean: Tensor | null;
  runningVar: Tensor | null;
  readonly eps: number;
  readonly momentum: number;

  constructor(readonly numFeatures: number, readonly opts: BatchNormOptions, private readonly ranks: number[]) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    const affine = opts.affine ?? true, track = opts.trackRunningStats ?? true;
    this.weight = affine ? parameter(constant([numFeatures], 1)) : null;
    this.bias = affine ? parameter(constant([numFeatures], 0)) : null;
    this.runningMean = track ? buffer(constant([numFeatures], 0)) : null;
    this.runningVar = track ? buffer(constant([numFeatures], 1)) : null;
  }

  forward(x: Tensor): Tensor {
    if (!this.ranks.includes(x.ndim))
      throw new RangeError(`${this.constructor.name}: expected input with ${this.ranks.join(' or ')} dims, got [${x.shape.join(', ')}]`);
    // A frozen layer (transfer learning) normalizes with its running statistics and leaves them as they are.
    return batchNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, this.training && !this.frozen, this.momentum, this.eps);
  }

  override describe(): string {
    return `${this.constructor.name}(${this.numFeatures})`;
  }

  override config(): ModuleConfig {
    return { type: this.constructor.name, args: [this.numFeatures, this.opts] };
  }
}

/** Batch normalization over [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts, [2, 3]);
  }
}

/** Batch normalization over [N, C, H, W]. */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts, [4]);
  }
}

/** Layer normalization over the trailing normalizedShape dims. */
export class LayerNorm extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  readonly normalizedShape: number[];

  constructor(normalizedShape: number | number[], readonly opts: { eps?: number; elementwiseAffine?: boolean; bias?: boolean } = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    const affine = opts.elementwiseAffine ?? true;
    this.weight = affine ? parameter(constant(this.normalizedShape, 1)) : null;
    this.bias = affine && opts.bias !== false ? parameter(constant(this.normalizedShape, 0)) : null;
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.opts.eps ?? 1e-5);
  }
  override config(): ModuleConfig {
    return { type: 'LayerNorm', args: [this.normalizedShape, this.opts] };
  }
}
