// Parameter-free layers: activations, Flatten, Dropout, Identity, Sequential.
import { Module, type ModuleConfig } from '../module.js';
import { elu, gelu, leakyRelu, relu, sigmoid, silu, softplus, tanh } from '../../ops/activation.js';
import { dropout } from '../../ops/dropout.js';
import { logSoftmax, softmax } from '../../ops/reduce.js';
import { flatten } from '../../ops/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { FusedActivation } from '../../ops/linalg.js';
import { Linear } from './linear.js';

export class ReLU extends Module {
  forward(x: Tensor): Tensor { return relu(x); }
  override config(): ModuleConfig { return { type: 'ReLU', args: [] }; }
}
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor { return sigmoid(x); }
  override config(): ModuleConfig { return { type: 'Sigmoid', args: [] }; }
}
export class Tanh extends Module {
  forward(x: Tensor): Tensor { return tanh(x); }
  override config(): ModuleConfig { return { type: 'Tanh', args: [] }; }
}
export class SiLU extends Module {
  forward(x: Tensor): Tensor { return silu(x); }
  override config(): ModuleConfig { return { type: 'SiLU', args: [] }; }
}
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') { super(); }
  forward(x: Tensor): Tensor { return gelu(x, this.approximate); }
  override config(): ModuleConfig { return { type: 'GELU', args: [this.approximate] }; }
}
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) { super(); }
  forward(x: Tensor): Tensor { return leakyRelu(x, this.negativeSlope); }
  override config(): ModuleConfig { return { type: 'LeakyReLU', args: [this.negativeSlope] }; }
}
export class ELU extends Module {
  constructor(readonly alpha = 1) { super(); }
  forward(x: Tensor): Tensor { return elu(x, this.alpha); }
  override config(): ModuleConfig { return { type: 'ELU', args: [this.alpha] }; }
}
export class Softplus extends Module {
  constructor(readonly beta = 1, readonly threshold = 20) { super(); }
  forward(x: Tensor): Tensor { return softplus(x, this.beta, this.threshold); }
  override config(): ModuleConfig { return { type: 'Softplus', args: [this.beta, this.threshold] }; }
}
export class Softmax extends Module {
  constructor(readonly dim = -1) { super(); }
  forward(x: Tensor): Tensor { return softmax(x, this.dim); }
  override config(): ModuleConfig { return { type: 'Softmax', args: [this.dim] }; }
}
export class LogSoftmax extends Module {
  constructor(readonly dim = -1) { super(); }
  forward(x: Tensor): Tensor { return logSoftmax(x, this.dim); }
  override config(): ModuleConfig { return { type: 'LogSoftmax', args: [this.dim] }; }
}
export class Identity extends Module {
  forward(x: Tensor): Tensor { return x; }
  override config(): ModuleConfig { return { type: 'Identity', args: [] }; }
}

/** Flattens dims startDim..endDim (default: all but the batch dim). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) { super(); }
  forward(x: Tensor): Tensor { return flatten(x, this.startDim, this.endDim); }
  override config(): ModuleConfig { return { type: 'Flatten', args: [this.startDim, this.endDim] }; }
}

/** Inverted dropout while training; the identity in eval mode. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`Dropout: p must be in [0, 1], got ${p}`);
  }
  forward(x: Tensor): Tensor { return dropout(x, this.p, this.training); }
  override config(): ModuleConfig { return { type: 'Dropout', args: [this.p] }; }
  override describe(): string { return `Dropout(p=${this.p})`; }
}

function fusable(next: Module | undefined): FusedActivation | undefined {
  if (next instanceof ReLU) return 'relu';
  if (next instanceof Sigmoid) return 'sigmoid';
  if (next instanceof Tanh) return 'tanh';
  return undefined;
}

/** Runs modules in order; children are named "0", "1", ... as in PyTorch's state dicts. */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) throw new TypeError(`Sequential: argument ${i} is not a Module`);
    });
    this.layers = modules;
  }
  override namedChildren(): [string, Module][] {
    return this.layers.map((m, i) => [String(i), m]);
  }
  forward(x: Tensor): Tensor {
    let y = x;
    for (let i = 0; i < this.layers.length; i++) {
      const m = this.layers[i];
      // Linear followed by ReLU/Sigmoid/Tanh runs as one fused native op (same result).
      const act = m instanceof Linear ? fusable(this.layers[i + 1]) : undefined;
      if (act) {
        y = (m as Linear).forward(y, act);
        i++;
      } else {
        y = (m.forward as (t: Tensor) => Tensor)(y);
      }
    }
    return y;
  }
  override config(): ModuleConfig | null {
    const children = this.layers.map((m) => m.config());
    return children.every((c) => c !== null) ? { type: 'Sequential', args: children } : null;
  }
  get length(): number { return this.layers.length; }
  at(i: number): Module | undefined { return this.layers.at(i); }
}
