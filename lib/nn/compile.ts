// tl.compile(model, { inputShape }): an inference plan for a fixed model. Chains of Linear,
// activations, Softmax, LayerNorm and BatchNorm1d (Sequential nests included) become one
// native call per batch (see native/core/plan.h); anything else runs the model's own
// forward pass, so every model compiles and `native` tells which path a plan took.
// A plan is inference: dropout is off and batch norm uses its running statistics, whatever
// mode the model is in. It reads the model's weights in place, so it follows optimizer steps,
// but a model given new weight tensors (loadStateDict) needs compiling again.
import { noGrad } from '../autograd/mode.js';
import { type NativeChain, PlanBuilder, type Slot } from '../ops/plan.js';
import { tensor } from '../tensor/create.js';
import { Tensor, tidy } from '../tensor/tensor.js';
import { Dropout, ELU, Flatten, GELU, Identity, LeakyReLU, LogSoftmax, ReLU, Sequential, SiLU, Sigmoid, Softmax, Softplus, Tanh } from './layers/basic.js';
import { Linear } from './layers/linear.js';
import { BatchNorm1d, LayerNorm } from './layers/norm.js';
import type { Module } from './module.js';

export interface CompileOptions {
  /** The shape of one input row, without the batch dim (e.g. [64], or [1, 28, 28] before a Flatten). */
  inputShape: number[];
}

// Where the lowering is: before the first layer, and the rank of a row at this point.
export interface LowerState {
  first: boolean;
  rank: number;
}

/**
 * Appends the steps of m applied to slot x; returns the result's slot, or why m cannot be
 * lowered (a string). Presets use it for the Module parts of their networks.
 */
export function lowerModule(m: Module, b: PlanBuilder, x: Slot, at: LowerState = { first: false, rank: 1 }): Slot | string {
  if (m instanceof Sequential) {
    let y = x;
    for (const child of m.layers) {
      const r = lowerModule(child, b, y, at);
      if (typeof r === 'string') return r;
      y = r;
    }
    return y;
  }
  const isFirst = at.first;
  at.first = false;
  if (at.rank > 1) {
    const flattensRow = m instanceof Flatten && isFirst && m.startDim === 1 && (m.endDim === -1 || m.endDim === at.rank);
    if (!flattensRow) return `${m.constructor.name} on ${at.rank}-d rows has no plan step (plans run on flat rows: start with Flatten)`;
    at.rank = 1;
    return x;
  }
  if (m instanceof Linear) return b.linear(x, m.weight, m.bias);
  if (m instanceof ReLU) return b.unary(x, 'relu');
  if (m instanceof Sigmoid) return b.unary(x, 'sigmoid');
  if (m instanceof Tanh) return b.unary(x, 'tanh');
  if (m instanceof SiLU) return b.unary(x, 'silu');
  if (m instanceof GELU) return b.unary(x, m.approximate === 'tanh' ? 'geluTanh' : 'gelu');
  if (m instanceof LeakyReLU) return b.unary(x, 'leakyRelu', m.negativeSlope);
  if (m instanceof ELU) return b.unary(x, 'elu', m.alpha);
  if (m instanceof Softplus) return b.unary(x, 'softplus', m.beta, m.threshold);
  if (m instanceof Softmax || m instanceof LogSoftmax) {
    if (m.dim !== -1 && m.dim !== 1) return `${m.constructor.name}(dim ${m.dim}) is not over the features`;
    return b.softmax(x, m instanceof LogSoftmax);
  }
  if (m instanceof LayerNorm) {
    if (m.normalizedShape.length !== 1) return 'LayerNorm over more than one dim';
    return b.layerNorm(x, m.weight, m.bias, m.opts.eps ?? 1e-5);
  }
  if (m instanceof BatchNorm1d) {
    if (!m.runningMean || !m.runningVar) return 'BatchNorm1d without running statistics';
    return b.batchNorm(x, { weight: m.weight, bias: m.bias, runningMean: m.runningMean, runningVar: m.runningVar, eps: m.eps });
  }
  if (m instanceof Dropout || m instanceof Identity || m instanceof Flatten) return x;
  return `${m.constructor.name} has no plan step`;
}

export class InferencePlan {
  readonly inputShape: number[];
  /** Values per input row. */
  readonly inFeatures: number;
  /** True when the whole forward pass runs as one native call; false: the model's own forward. */
  readonly native: boolean;
  /** Why the plan fell back to the model's forward pass (null when native). */
  readonly reason: string | null;
  #chain: NativeChain | null;
  #model: Module;
  #disposed = false;

  /** @internal Use tl.compile(). */
  constructor(model: Module, opts: CompileOptions) {
    const shape = opts?.inputShape;
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0))
      throw new TypeError(`compile: inputShape must be a non-empty array of positive integers (one row's shape), got ${JSON.stringify(shape)}`);
    this.#model = model;
    this.inputShape = [...shape];
    this.inFeatures = shape.reduce((a, b) => a * b, 1);
    const b = new PlanBuilder([{ width: this.inFeatures }]);
    const out = lowerModule(model, b, 0, { first: true, rank: shape.length });
    let why = typeof out === 'string' ? out : null;
    let chain: NativeChain | null = null;
    if (!why) {
      try {
        chain = b.build();
      } catch (e) {
        why = (e as Error).message; // e.g. weights on the GPU, or widths that do not chain
      }
    }
    this.#chain = chain;
    this.native = chain !== null;
    this.reason = chain ? null : why;
  }

  /**
   * Runs rows through the model: `input` holds batch x inFeatures values (a Float32Array, read
   * in place, or a tensor [batch, ...inputShape]); returns the batch x outputs values, or fills
   * `into`.
   */
  run(input: Float32Array | Tensor, into?: Float32Array): Float32Array {
    if (this.#disposed) throw new Error('plan.run: the plan was disposed; compile the model again');
    if (!(input instanceof Float32Array) && !(input instanceof Tensor))
      throw new TypeError('plan.run: expected the input rows as a Float32Array or a Tensor');
    const chain = this.#chain;
    if (chain) {
      if (!(input instanceof Tensor) || input.ndim === 2) return chain.run([input], into);
      return tidy(() => chain.run([input.reshape([-1, this.inFeatures])], into));
    }
    if (input instanceof Float32Array && input.length % this.inFeatures !== 0)
      throw new RangeError(`plan.run: the input has ${input.length} values, not a whole number of rows of ${this.inFeatures}`);
    const model = this.#model, wasTraining = model.training;
    model.eval();
    try {
      return tidy(() => noGrad(() => {
        const x = input instanceof Tensor ? input : tensor(input, { shape: [input.length / this.inFeatures, ...this.inputShape] });
        const y = (model.forward as (t: Tensor) => Tensor)(x);
        return y.dataSync(into) as Float32Array;
      }));
    } finally {
      if (wasTraining) model.train();
    }
  }

  /**
   * run() on a worker thread (see NativeChain.runAsync): resolves with the same values while
   * the event loop goes on. A plan that fell back to the model's forward pass runs it here.
   */
  async runAsync(input: Float32Array | Tensor): Promise<Float32Array> {
    if (this.#disposed) throw new Error('plan.runAsync: the plan was disposed; compile the model again');
    const chain = this.#chain;
    if (!chain) return this.run(input);
    if (!(input instanceof Float32Array) && !(input instanceof Tensor))
      throw new TypeError('plan.runAsync: expected the input rows as a Float32Array or a Tensor');
    if (!(input instanceof Tensor) || input.ndim === 2) return chain.runAsync([input]);
    const flat = input.reshape([-1, this.inFeatures]);
    try {
      return await chain.runAsync([flat]);
    } finally {
      flat.dispose();
    }
  }

  /** Frees the plan's buffers and its references to the weights. */
  dispose(): void {
    this.#chain?.dispose();
    this.#chain = null;
    this.#disposed = true;
  }
}

/** An inference plan for `model` (see the file comment). */
export function compile(model: Module, opts: CompileOptions): InferencePlan {
  return new InferencePlan(model, opts);
}
