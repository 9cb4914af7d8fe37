// Inference plans (native/core/plan.h): a small graph of row-wise steps run in one native
// call. PlanBuilder records the steps over numbered slots (the inputs first, then one slot
// per step); lib/nn/compile.ts lowers Modules with it, presets lower their networks.
import type { NativePlan, PlanStepSpec, UnaryOpName } from '../../binding.js';
import { native } from '../native.js';
import { Tensor } from '../tensor/tensor.js';
import { handleOf, handlesOf } from './util.js';

/** A value in a plan: [batch, width] rows. */
export type Slot = number;
export type FusableActivation = 'relu' | 'sigmoid' | 'tanh';
type PlanInputSpec = { dtype: 'float32' | 'int32'; width: number };

export class PlanBuilder {
  readonly #inputs: PlanInputSpec[];
  readonly #steps: PlanStepSpec[] = [];
  readonly #widths: number[] = [];
  readonly #readers: number[] = [];
  readonly #dtypes: ('float32' | 'int32')[] = [];

  constructor(inputs: { dtype?: 'float32' | 'int32'; width: number }[]) {
    this.#inputs = inputs.map((i) => ({ dtype: i.dtype ?? 'float32', width: i.width }));
    for (const i of this.#inputs) this.#slot(i.width, i.dtype);
  }

  /** Values per row of a slot. */
  width(x: Slot): number {
    return this.#widths[x];
  }

  #slot(width: number, dtype: 'float32' | 'int32' = 'float32'): Slot {
    this.#widths.push(width);
    this.#readers.push(0);
    this.#dtypes.push(dtype);
    return this.#widths.length - 1;
  }

  #add(step: PlanStepSpec, width: number, ...reads: Slot[]): Slot {
    for (const r of reads) if (r >= 0 && r < this.#readers.length) this.#readers[r]++;
    this.#steps.push(step);
    return this.#slot(width);
  }

  linear(x: Slot, weight: Tensor, bias?: Tensor | null, activation?: FusableActivation): Slot {
    const w = handleOf(weight, 'compile', 'weight');
    return this.#add({ kind: 'linear', in: x, weight: w, bias: bias ? handleOf(bias, 'compile', 'bias') : null, activation }, weight.dimsInternal[0], x);
  }

  /** An activation; fused into the Linear that produced x when nothing else reads x. */
  unary(x: Slot, op: UnaryOpName, p0?: number, p1?: number): Slot {
    const last = this.#steps[this.#steps.length - 1];
    const lastSlot = this.#widths.length - 1;
    if (x === lastSlot && this.#readers[x] === 0 && last?.kind === 'linear' && !last.activation && (op === 'relu' || op === 'sigmoid' || op === 'tanh')) {
      last.activation = op;
      return x;
    }
    return this.#add({ kind: 'unary', in: x, op, p0, p1 }, this.#widths[x], x);
  }

  softmax(x: Slot, log = false): Slot {
    return this.#add({ kind: 'softmax', in: x, log }, this.#widths[x], x);
  }

  layerNorm(x: Slot, weight: Tensor | null, bias: Tensor | null, eps: number): Slot {
    return this.#add({ kind: 'layerNorm', in: x, weight: weight?.handle ?? null, bias: bias?.handle ?? null, eps }, this.#widths[x], x);
  }

  batchNorm(x: Slot, p: { weight: Tensor | null; bias: Tensor | null; runningMean: Tensor; runningVar: Tensor; eps: number }): Slot {
    return this.#add({ kind: 'batchNorm', in: x, weight: p.weight?.handle ?? null, bias: p.bias?.handle ?? null,
      runningMean: p.runningMean.handle, runningVar: p.runningVar.handle, eps: p.eps }, this.#widths[x], x);
  }

  /** [numeric, tables[j][index[:, j]] ...] (see embedConcat). */
  embedConcat(numeric: Slot, index: Slot, tables: Tensor[]): Slot {
    const width = this.#widths[numeric] + tables.reduce((s, t) => s + t.dimsInternal[1], 0);
    return this.#add({ kind: 'embedConcat', in: numeric, other: index, tables: handlesOf(tables, 'compile', 'tables') }, width, numeric, index);
  }

  add(a: Slot, b: Slot): Slot {
    return this.#add({ kind: 'add', in: a, other: b }, this.#widths[a], a, b);
  }

  /** x * scale / divisor + shift, in float32 in that order (each skipped when 1 / 1 / 0). */
  affine(x: Slot, { scale = 1, divisor = 1, shift = 0 }: { scale?: number; divisor?: number; shift?: number }): Slot {
    return this.#add({ kind: 'affine', in: x, scale, divisor, shift }, this.#widths[x], x);
  }

  /** The plan; its output is the last step's slot. Checks every step (throws naming it). */
  build(): NativeChain {
    return new NativeChain(native.planCreate(this.#inputs, this.#steps), this.#inputs);
  }
}

export type PlanInputValues = Float32Array | Int32Array | Tensor;

/**
 * A built plan: run() takes one value per input (typed arrays are read in place) and returns
 * the [batch, outFeatures] values. The plan holds its own references to the weights: it sees
 * in-place updates (optimizer steps) and survives the model's disposal.
 */
export class NativeChain {
  #plan: NativePlan | null;
  readonly inputs: readonly PlanInputSpec[];
  readonly outFeatures: number;

  /** @internal Use PlanBuilder.build(). */
  constructor(plan: NativePlan, inputs: PlanInputSpec[]) {
    this.#plan = plan;
    this.inputs = inputs;
    this.outFeatures = plan.outFeatures;
  }

  run(inputs: PlanInputValues[], into?: Float32Array): Float32Array {
    if (!this.#plan) throw new Error('plan.run: the plan was disposed; compile the model again');
    return native.planRun(this.#plan, inputs.map((x) => (x instanceof Tensor ? handleOf(x, 'plan.run', 'input') : x)), into);
  }

  /**
   * The same run on a worker thread, so the event loop stays free (a server parses and
   * answers meanwhile). The inputs are copied first: the caller may reuse its arrays at once.
   * Runs of one plan take turns; on the worker the kernels use one core.
   */
  runAsync(inputs: PlanInputValues[]): Promise<Float32Array> {
    if (!this.#plan) return Promise.reject(new Error('plan.runAsync: the plan was disposed; compile the model again'));
    try {
      return native.planRunAsync(this.#plan, inputs.map((x) => (x instanceof Tensor ? handleOf(x, 'plan.runAsync', 'input') : x)));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  dispose(): void {
    if (this.#plan) native.planDispose(this.#plan);
    this.#plan = null;
  }
}
