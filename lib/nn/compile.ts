// tl.compile(model, { inputShape }): an inference plan for a fixed model. Chains of Linear,
// activations, Softmax, LayerNorm and BatchNorm1d (Sequential nests included) become one
// native call per batch (see native/core/plan.h); anything else runs the model's own
// forward pass, so every model compiles and `native` tells which path a plan took.
// A plan is inference: dropout is off and batch norm uses its running statistics, whatever
// mode the model is in. It reads the model's weights in place, so it follows optimizer steps,
// but a model given new weight tensors (loadStateDict) needs compiling again.
import { noGrad } from '../autograd/mode.js';
import { NativeChain, type PlanStep } from '../ops/plan.js';
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

const fusable = { ReLU: 'relu', Sigmoid: 'sigmoid', Tanh: 'tanh' } as const;

// Where the lowering is: before the first layer, and the rank of a row at this point.
interface LowerState {
  first: boolean;
  rank: number;
}

// Appends m's steps; returns why m cannot be lowered, or null.
function lower(m: Module, steps: PlanStep[], at: LowerState): string | null {
  if (m instanceof Sequential) {
    for (const child of m.layers) {
      const why = lower(child, steps, at);
      if (why) return why;
    }
    return null;
  }
  const isFirst = at.first;
  at.first = false;
  if (at.rank > 1) {
    const flattensRow = m instanceof Flatten && isFirst && m.startDim === 1 && (m.endDim === -1 || m.endDim === at.rank);
    if (!flattensRow) return `${m.constructor.name} on ${at.rank}-d rows has no plan step (plans run on flat rows: start with Flatten)`;
    at.rank = 1;
    return null;
  }
  const last = steps[steps.length - 1];
  const unary = (op: PlanStep & { kind: 'unary' }) => (steps.push(op), null);
  if (m instanceof Linear) return (steps.push({ kind: 'linear', weight: m.weight, bias: m.bias }), null);
  if (m instanceof ReLU || m instanceof Sigmoid || m instanceof Tanh) {
    const act = fusable[m.constructor.name as keyof typeof fusable];
    if (last?.kind === 'linear' && !last.activation) return ((last.activation = act), null);
    return unary({ kind: 'unary', op: act });
  }
  if (m instanceof SiLU) return unary({ kind: 'unary', op: 'silu' });
  if (m instanceof GELU) return unary({ kind: 'unary', op: m.approximate === 'tanh' ? 'geluTanh' : 'gelu' });
  if (m instanceof LeakyReLU) return unary({ kind: 'unary', op: 'leakyRelu', p0: m.negativeSlope });
  if (m instanceof ELU) return unary({ kind: 'unary', op: 'elu', p0: m.alpha });
  if (m instanceof Softplus) return unary({ kind: 'unary', op: 'softplus', p0: m.beta, p1: m.threshold });
  if (m instanceof Softmax || m instanceof LogSoftmax) {
    if (m.dim !== -1 && m.dim !== 1) return `${m.constructor.name}(dim ${m.dim}) is not over the features`;
    return (steps.push({ kind: 'softmax', log: m instanceof LogSoftmax }), null);
  }
  if (m instanceof LayerNorm) {
    if (m.normalizedShape.length !== 1) return 'LayerNorm over more than one dim';
    return (steps.push({ kind: 'layerNorm', weight: m.weight, bias: m.bias, eps: m.opts.eps ?? 1e-5 }), null);
  }
  if (m instanceof BatchNorm1d) {
    if (!m.runningMean || !m.runningVar) return 'BatchNorm1d without running statistics';
    return (steps.push({ kind: 'batchNorm', weight: m.weight, bias: m.bias, runningMean: m.runningMean, runningVar: m.runningVar, eps: m.eps }), null);
  }
  if (m instanceof Dropout || m instanceof Identity || m instanceof Flatten) return null;
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
    const steps: PlanStep[] = [];
    let why = lower(model, steps, { first: true, rank: shape.length });
    let chain: NativeChain | null = null;
    if (!why) {
      try {
        chain = new NativeChain(steps, this.inFeatures);
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
      if (!(input instanceof Tensor) || input.ndim === 2) return chain.run(input, into);
      return tidy(() => chain.run(input.reshape([-1, this.inFeatures]), into));
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
