// Learning-rate schedules. Call scheduler.step() once per epoch (StepLR, CosineAnnealingLR)
// or once per batch (OneCycleLR), after optimizer.step(), as in PyTorch.
import type { Optimizer } from './optimizer.js';

abstract class Scheduler {
  protected readonly baseLrs: number[];
  /** Scheduler steps taken. */
  epoch = 0;

  constructor(protected readonly optimizer: Optimizer<{ lr: number }>) {
    this.baseLrs = optimizer.paramGroups.map((g) => g.options.lr);
  }

  protected abstract lrAt(base: number, t: number): number;

  step(): void {
    this.epoch += 1;
    this.apply();
  }

  protected apply(): void {
    this.optimizer.paramGroups.forEach((g, i) => (g.options.lr = this.lrAt(this.baseLrs[i], this.epoch)));
  }

  /** The current learning rate of each parameter group. */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.options.lr);
  }
}

/** lr = base * gamma ^ floor(epoch / stepSize). */
export class StepLR extends Scheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(optimizer: Optimizer<{ lr: number }>, opts: { stepSize: number; gamma?: number }) {
    super(optimizer);
    this.stepSize = opts.stepSize;
    this.gamma = opts.gamma ?? 0.1;
    if (!Number.isInteger(this.stepSize) || this.stepSize < 1) throw new RangeError(`StepLR: stepSize must be a positive integer`);
  }
  protected lrAt(base: number, t: number): number {
    return base * this.gamma ** Math.floor(t / this.stepSize);
  }
}

/** Cosine from the base lr down to etaMin over tMax steps (PyTorch's closed form). */
export class CosineAnnealingLR extends Scheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(optimizer: Optimizer<{ lr: number }>, opts: { tMax: number; etaMin?: number }) {
    super(optimizer);
    this.tMax = opts.tMax;
    this.etaMin = opts.etaMin ?? 0;
    if (!(this.tMax > 0)) throw new RangeError('CosineAnnealingLR: tMax must be > 0');
  }
  protected lrAt(base: number, t: number): number {
    return this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * t) / this.tMax))) / 2;
  }
}

/**
 * The one-cycle policy (Smith & Topin): warm up from maxLr / divFactor to maxLr over
 * pctStart of totalSteps, then anneal (cosine or linear) to maxLr / (divFactor * finalDivFactor).
 * It sets the lr when created; call step() after every batch.
 */
export class OneCycleLR extends Scheduler {
  readonly maxLr: number;
  readonly totalSteps: number;
  readonly pctStart: number;
  readonly anneal: 'cos' | 'linear';
  readonly initialLr: number;
  readonly minLr: number;

  constructor(
    optimizer: Optimizer<{ lr: number }>,
    opts: { maxLr: number; totalSteps?: number; epochs?: number; stepsPerEpoch?: number; pctStart?: number; anneal?: 'cos' | 'linear'; divFactor?: number; finalDivFactor?: number },
  ) {
    super(optimizer);
    this.maxLr = opts.maxLr;
    this.totalSteps = opts.totalSteps ?? (opts.epochs ?? 0) * (opts.stepsPerEpoch ?? 0);
    if (!(this.totalSteps > 0)) throw new RangeError('OneCycleLR: give totalSteps, or epochs and stepsPerEpoch');
    this.pctStart = opts.pctStart ?? 0.3;
    this.anneal = opts.anneal ?? 'cos';
    this.initialLr = this.maxLr / (opts.divFactor ?? 25);
    this.minLr = this.initialLr / (opts.finalDivFactor ?? 1e4);
    this.apply();
  }

  protected lrAt(_base: number, t: number): number {
    const warm = this.pctStart * this.totalSteps - 1;
    const mix = (from: number, to: number, pct: number) =>
      this.anneal === 'cos' ? to + ((from - to) * (1 + Math.cos(Math.PI * pct))) / 2 : from + (to - from) * pct;
    if (t <= warm) return mix(this.initialLr, this.maxLr, warm > 0 ? t / warm : 1);
    const down = this.totalSteps - 1 - warm;
    return mix(this.maxLr, this.minLr, down > 0 ? Math.min(1, (t - warm) / down) : 1);
  }
}
