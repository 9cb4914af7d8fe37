// The optimizer base: parameter groups with their own hyperparameters, per-parameter state
// tensors (kept out of tidy scopes), and zeroGrad(). Subclasses implement update() with one
// fused native kernel call per parameter.
import { noGrad } from '../autograd/mode.js';
import { native } from '../native.js';
import { keep } from '../tensor/scope.js';
import { Tensor } from '../tensor/tensor.js';

export interface ParamGroup<O> {
  params: Tensor[];
  options: O & { lr: number };
}

export type ParamsArg<O> = Iterable<Tensor> | ({ params: Iterable<Tensor> } & Partial<O>)[];

/** defaults overridden by the given options; undefined values keep the default. */
export function withDefaults<O extends object>(defaults: O, given: Partial<O> | undefined): O {
  const out = { ...defaults };
  for (const [k, v] of Object.entries(given ?? {})) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

export abstract class Optimizer<O extends { lr: number } = { lr: number }> {
  readonly paramGroups: ParamGroup<O>[];
  /** step() calls so far. */
  stepCount = 0;
  protected readonly state = new Map<Tensor, Record<string, Tensor>>();
  // Per-parameter step counts, as PyTorch keeps them: a parameter without a gradient in some
  // step does not advance, which matters for Adam's bias correction.
  readonly #steps = new Map<Tensor, number>();

  constructor(params: ParamsArg<O>, defaults: O, readonly name: string) {
    const list = [...(params as Iterable<unknown>)];
    const groups = list.length && !(list[0] instanceof Tensor) ? (list as ({ params: Iterable<Tensor> } & Partial<O>)[]) : [{ params: list as Tensor[] }];
    this.paramGroups = groups.map((g, i) => {
      const ps = [...g.params];
      ps.forEach((p, j) => {
        if (!(p instanceof Tensor)) throw new TypeError(`${name}: parameter ${j} of group ${i} is not a Tensor`);
        if (p.dtype !== 'float32') throw new TypeError(`${name}: parameters must be float32`);
      });
      const { params: _ignored, ...overrides } = g as { params: unknown } & Partial<O>;
      const options = withDefaults(defaults, overrides as unknown as Partial<O>);
      this.validate(options);
      return { params: ps, options };
    });
    if (!this.paramGroups.some((g) => g.params.length)) throw new RangeError(`${name}: got an empty parameter list`);
  }

  /** Learning rate of the first group (schedulers set every group's). */
  get lr(): number {
    return this.paramGroups[0].options.lr;
  }
  set lr(value: number) {
    for (const g of this.paramGroups) g.options.lr = value;
  }

  protected validate(o: O): void {
    if (typeof o.lr !== 'number' || !(o.lr >= 0)) throw new RangeError(`${this.name}: lr must be a number >= 0, got ${o.lr}`);
  }

  /** A zero-filled state tensor shaped like p, created on first use. */
  protected stateOf(p: Tensor, names: string[]): Record<string, Tensor> {
    let s = this.state.get(p);
    if (!s) {
      s = {};
      for (const n of names) s[n] = keep(new Tensor(native.full(p.shape, 0, 'float32', p.device)));
      this.state.set(p, s);
    }
    return s;
  }

  protected abstract update(p: Tensor, grad: Tensor, options: O, step: number): void;

  /** Applies one update to every parameter that has a gradient. */
  step(): void {
    this.stepCount += 1;
    noGrad(() => {
      for (const g of this.paramGroups) {
        const ready: Tensor[] = [], steps: number[] = [];
        for (const p of g.params) {
          if (!p.grad || p.grad.isDisposed) continue;
          const step = (this.#steps.get(p) ?? 0) + 1;
          this.#steps.set(p, step);
          ready.push(p);
          steps.push(step);
        }
        if (ready.length) this.updateGroup(ready, g.options, steps);
      }
    });
  }

  /**
   * Updates the parameters of one group that have gradients (steps[i] is params[i]'s step
   * count): one update() each, unless a subclass batches them into fewer native calls.
   */
  protected updateGroup(params: Tensor[], options: O, steps: number[]): void {
    params.forEach((p, i) => this.update(p, p.grad as Tensor, options, steps[i]));
  }

  /** Drops the parameters' gradients (set to null, like PyTorch's default). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.zeroGrad();
  }

  /** Frees the optimizer's state tensors. */
  dispose(): void {
    for (const s of this.state.values()) for (const t of Object.values(s)) t.dispose();
    this.state.clear();
  }
}
