// Inference plans: a chain of row-wise layers run in one native call (see native/core/plan.h).
// This is the ops-level handle; lib/nn/compile.ts lowers Modules to the steps.
import type { NativePlan, PlanStepSpec, UnaryOpName } from '../../binding.js';
import { native } from '../native.js';
import { Tensor } from '../tensor/tensor.js';
import { handleOf } from './util.js';

export type PlanStep =
  | { kind: 'linear'; weight: Tensor; bias?: Tensor | null; activation?: 'relu' | 'sigmoid' | 'tanh' }
  | { kind: 'unary'; op: UnaryOpName; p0?: number; p1?: number }
  | { kind: 'softmax'; log?: boolean }
  | { kind: 'layerNorm'; weight?: Tensor | null; bias?: Tensor | null; eps: number }
  | { kind: 'batchNorm'; weight?: Tensor | null; bias?: Tensor | null; runningMean: Tensor; runningVar: Tensor; eps: number };

const opt = (t: Tensor | null | undefined, key: string) => (t ? handleOf(t, 'compile', key) : null);

function toNative(s: PlanStep): PlanStepSpec {
  switch (s.kind) {
    case 'linear': return { ...s, weight: handleOf(s.weight, 'compile', 'weight'), bias: opt(s.bias, 'bias') };
    case 'layerNorm': return { ...s, weight: opt(s.weight, 'weight'), bias: opt(s.bias, 'bias') };
    case 'batchNorm':
      return { ...s, weight: opt(s.weight, 'weight'), bias: opt(s.bias, 'bias'),
        runningMean: handleOf(s.runningMean, 'compile', 'runningMean'), runningVar: handleOf(s.runningVar, 'compile', 'runningVar') };
    default: return s;
  }
}

/**
 * A compiled chain: run() takes rows as a Float32Array (read in place) or a [batch, in]
 * tensor and returns the [batch, out] values. The plan holds its own references to the
 * weights: it sees in-place updates (optimizer steps) and survives the model's disposal.
 */
export class NativeChain {
  #plan: NativePlan | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(steps: PlanStep[], inFeatures: number) {
    this.#plan = native.planCreate(steps.map(toNative), inFeatures);
    this.inFeatures = this.#plan.inFeatures;
    this.outFeatures = this.#plan.outFeatures;
  }

  run(input: Float32Array | Tensor, into?: Float32Array): Float32Array {
    if (!this.#plan) throw new Error('plan.run: the plan was disposed; compile the model again');
    const x = input instanceof Tensor ? handleOf(input, 'plan.run', 'input') : input;
    return native.planRun(this.#plan, x, into);
  }

  dispose(): void {
    if (this.#plan) native.planDispose(this.#plan);
    this.#plan = null;
  }
}
