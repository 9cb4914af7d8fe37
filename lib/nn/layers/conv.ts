import { kaimingUniformDefault } from '../init.js';
import { Module, type ModuleConfig, parameter } from '../module.js';
import { adaptiveAvgPool2d, avgPool2d, conv2d, maxPool2d, type Pair } from '../../ops/conv.js';
import type { Tensor } from '../../tensor/tensor.js';

export interface Conv2dLayerOptions {
  stride?: Pair;
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

/** 2-D convolution over NCHW input. Weight [out, in / groups, kh, kw], PyTorch's init. */
export class Conv2d extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly kernel: [number, number];

  constructor(readonly inChannels: number, readonly outChannels: number, kernel: Pair, readonly opts: Conv2dLayerOptions = {}) {
    super();
    this.kernel = typeof kernel === 'number' ? [kernel, kernel] : kernel;
    const groups = opts.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1 || inChannels % groups || outChannels % groups)
      throw new RangeError(`Conv2d: groups (${groups}) must divide inChannels (${inChannels}) and outChannels (${outChannels})`);
    const fanIn = (inChannels / groups) * this.kernel[0] * this.kernel[1];
    this.weight = parameter(kaimingUniformDefault([outChannels, inChannels / groups, ...this.kernel], fanIn));
    this.bias = opts.bias === false ? null : parameter(kaimingUniformDefault([outChannels], fanIn));
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.opts);
  }

  override describe(): string {
    return `Conv2d(${this.inChannels} -> ${this.outChannels}, kernel ${this.kernel.join('x')})`;
  }
  override config(): ModuleConfig {
    return { type: 'Conv2d', args: [this.inChannels, this.outChannels, this.kernel, { ...this.opts, bias: this.bias !== null }] };
  }
}

export class MaxPool2d extends Module {
  constructor(readonly kernel: Pair, readonly opts: { stride?: Pair; padding?: Pair; dilation?: Pair; ceilMode?: boolean } = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, { kernel: this.kernel, ...this.opts });
  }
  override config(): ModuleConfig {
    return { type: 'MaxPool2d', args: [this.kernel, this.opts] };
  }
}

export class AvgPool2d extends Module {
  constructor(readonly kernel: Pair, readonly opts: { stride?: Pair; padding?: Pair; ceilMode?: boolean; countIncludePad?: boolean } = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, { kernel: this.kernel, ...this.opts });
  }
  override config(): ModuleConfig {
    return { type: 'AvgPool2d', args: [this.kernel, this.opts] };
  }
}

/** Global average pooling to [N, C, 1, 1]. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Pair = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
  override config(): ModuleConfig {
    return { type: 'AdaptiveAvgPool2d', args: [this.outputSize] };
  }
}
