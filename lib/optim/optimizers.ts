// SGD, Adam, AdamW, RMSprop and Adagrad: each step is one fused native kernel per parameter
// that follows PyTorch's formulas in PyTorch's order (same weights to float32 rounding).
import { native } from '../native.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, type ParamsArg, withDefaults } from './optimizer.js';

function nonNegative(name: string, o: Record<string, unknown>, keys: string[]): void {
  for (const k of keys) {
    const v = o[k];
    if (typeof v !== 'number' || !(v >= 0)) throw new RangeError(`${name}: ${k} must be a number >= 0, got ${String(v)}`);
  }
}

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

export class SGD extends Optimizer<SgdOptions> {
  constructor(params: ParamsArg<SgdOptions>, opts: SgdOptions) {
    super(params, withDefaults<SgdOptions>({ lr: NaN, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 }, opts), 'SGD');
  }
  protected override validate(o: SgdOptions): void {
    super.validate(o);
    nonNegative('SGD', o as unknown as Record<string, unknown>, ['momentum', 'dampening', 'weightDecay']);
    if (o.nesterov && (!o.momentum || o.dampening)) throw new RangeError('SGD: nesterov needs momentum > 0 and dampening 0');
  }
  protected update(p: Tensor, grad: Tensor, o: SgdOptions): void {
    const momentum = o.momentum ?? 0;
    const first = momentum > 0 && !this.state.has(p);
    const buf = momentum > 0 ? this.stateOf(p, ['momentumBuffer']).momentumBuffer.handle : null;
    native.sgdStep(p.handle, grad.handle, buf, {
      lr: o.lr, momentum, dampening: o.dampening ?? 0, weightDecay: o.weightDecay ?? 0, nesterov: o.nesterov ?? false, firstStep: first,
    });
  }
}

export interface AdamOptions {
  lr: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
}

export class Adam extends Optimizer<AdamOptions> {
  protected readonly decoupled: boolean = false;
  constructor(params: ParamsArg<AdamOptions>, opts: Partial<AdamOptions> = {}, name = 'Adam', weightDecay = 0) {
    super(params, withDefaults<AdamOptions>({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay, amsgrad: false }, opts), name);
  }
  protected override validate(o: AdamOptions): void {
    super.validate(o);
    nonNegative(this.name, o as unknown as Record<string, unknown>, ['eps', 'weightDecay']);
    const [b1, b2] = o.betas ?? [0.9, 0.999];
    if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) throw new RangeError(`${this.name}: betas must be in [0, 1), got [${b1}, ${b2}]`);
  }
  private nativeOptions(o: AdamOptions, step: number) {
    const [beta1, beta2] = o.betas ?? [0.9, 0.999];
    return { lr: o.lr, beta1, beta2, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0, step, decoupled: this.decoupled, amsgrad: o.amsgrad ?? false };
  }
  private states(p: Tensor, o: AdamOptions): Record<string, Tensor> {
    return this.stateOf(p, o.amsgrad ? ['expAvg', 'expAvgSq', 'maxExpAvgSq'] : ['expAvg', 'expAvgSq']);
  }
  protected update(p: Tensor, grad: Tensor, o: AdamOptions, step: number): void {
    const s = this.states(p, o);
    native.adamStep(p.handle, grad.handle, s.expAvg.handle, s.expAvgSq.handle, s.maxExpAvgSq?.handle ?? null, this.nativeOptions(o, step));
  }
  /**
   * Parameters that share a step count and a device go to the kernel together (one launch
   * per 32 tensors on the GPU instead of one per parameter; the same arithmetic).
   */
  protected override updateGroup(params: Tensor[], o: AdamOptions, steps: number[]): void {
    const buckets = new Map<string, Tensor[]>();
    params.forEach((p, i) => {
      const key = `${steps[i]}:${p.device}`;
      const list = buckets.get(key);
      if (list) list.push(p);
      else buckets.set(key, [p]);
    });
    for (const [key, ps] of buckets) {
      const step = Number(key.slice(0, key.indexOf(':')));
      if (ps.length === 1) {
        this.update(ps[0], ps[0].grad as Tensor, o, step);
        continue;
      }
      const s = ps.map((p) => this.states(p, o));
      native.adamStepMulti(ps.map((p) => p.handle), ps.map((p) => (p.grad as Tensor).handle), s.map((x) => x.expAvg.handle),
        s.map((x) => x.expAvgSq.handle), o.amsgrad ? s.map((x) => x.maxExpAvgSq.handle) : null, this.nativeOptions(o, step));
    }
  }
}

/** Adam with decoupled weight decay (default 0.01, as PyTorch). */
export class AdamW extends Adam {
  protected override readonly decoupled = true;
  constructor(params: ParamsArg<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super(params, opts, 'AdamW', 0.01);
  }
}

export interface RmspropOptions {
  lr: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
}

export class RMSprop extends Optimizer<RmspropOptions> {
  constructor(params: ParamsArg<RmspropOptions>, opts: Partial<RmspropOptions> = {}) {
    super(params, withDefaults<RmspropOptions>({ lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false }, opts), 'RMSprop');
  }
  protected override validate(o: RmspropOptions): void {
    super.validate(o);
    nonNegative('RMSprop', o as unknown as Record<string, unknown>, ['alpha', 'eps', 'weightDecay', 'momentum']);
  }
  protected update(p: Tensor, grad: Tensor, o: RmspropOptions): void {
    const names = ['squareAvg', ...(o.centered ? ['gradAvg'] : []), ...((o.momentum ?? 0) > 0 ? ['momentumBuffer'] : [])];
    const s = this.stateOf(p, names);
    native.rmspropStep(p.handle, grad.handle, s.squareAvg.handle, s.gradAvg?.handle ?? null, s.momentumBuffer?.handle ?? null, {
      lr: o.lr, alpha: o.alpha ?? 0.99, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0, momentum: o.momentum ?? 0, centered: o.centered ?? false,
    });
  }
}

export interface AdagradOptions {
  lr: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
}

export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: ParamsArg<AdagradOptions>, opts: Partial<AdagradOptions> = {}) {
    super(params, withDefaults<AdagradOptions>({ lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 }, opts), 'Adagrad');
  }
  protected override validate(o: AdagradOptions): void {
    super.validate(o);
    nonNegative('Adagrad', o as unknown as Record<string, unknown>, ['lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps']);
  }
  protected update(p: Tensor, grad: Tensor, o: AdagradOptions, step: number): void {
    const fresh = !this.state.has(p);
    const s = this.stateOf(p, ['stateSum']);
    if (fresh && o.initialAccumulatorValue) native.fill(s.stateSum.handle, o.initialAccumulatorValue);
    native.adagradStep(p.handle, grad.handle, s.stateSum.handle, {
      lr: o.lr, lrDecay: o.lrDecay ?? 0, weightDecay: o.weightDecay ?? 0, eps: o.eps ?? 1e-10, step,
    });
  }
}
