// Optimizers and schedulers against PyTorch: same initial weights and gradients, same
// weights after every step (fixtures from test/interop/optim_fixtures.py, torch 1.13).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';

const fx = JSON.parse(readFileSync(new URL('./fixtures/optim.json', import.meta.url), 'utf8'));

type Case = { optimizer: string; options: Record<string, unknown>; trajectory: number[][][] };

function makeOptimizer(params: tl.Tensor[], c: Case): tl.optim.Optimizer<{ lr: number }> {
  const o = c.options as Record<string, number & boolean & [number, number]>;
  switch (c.optimizer) {
    case 'SGD':
      return new tl.optim.SGD(params, { lr: o.lr, momentum: o.momentum, dampening: o.dampening, nesterov: o.nesterov, weightDecay: o.weight_decay });
    case 'Adam':
      return new tl.optim.Adam(params, { lr: o.lr, betas: o.betas, eps: o.eps, weightDecay: o.weight_decay, amsgrad: o.amsgrad });
    case 'AdamW':
      return new tl.optim.AdamW(params, { lr: o.lr, betas: o.betas, eps: o.eps, weightDecay: o.weight_decay, amsgrad: o.amsgrad });
    case 'RMSprop':
      return new tl.optim.RMSprop(params, { lr: o.lr, alpha: o.alpha, eps: o.eps, weightDecay: o.weight_decay, momentum: o.momentum, centered: o.centered });
    case 'Adagrad':
      return new tl.optim.Adagrad(params, { lr: o.lr, lrDecay: o.lr_decay, weightDecay: o.weight_decay, initialAccumulatorValue: o.initial_accumulator_value });
  }
  throw new Error(c.optimizer);
}

describe('optimizers match PyTorch step by step', () => {
  for (const c of fx.cases as Case[]) {
    it(`${c.optimizer} ${JSON.stringify(c.options)}`, () => {
      const params = (fx.shapes as number[][]).map((s, i) => tl.tensor(Float32Array.from(fx.params0[i]), { shape: s, requiresGrad: true }));
      const opt = makeOptimizer(params, c);
      c.trajectory.forEach((expected, step) => {
        params.forEach((p, i) => {
          p.grad = tl.keep(tl.tensor(Float32Array.from(fx.grads[step][i]), { shape: fx.shapes[i] }));
        });
        opt.step();
        params.forEach((p, i) => {
          const got = p.dataSync();
          expected[i].forEach((e, k) => {
            // Same formulas in the same order: agreement to a few float32 roundings at the scale
            // of the operands (~1 here; FMA contraction in either build may round one product
            // differently, and a result near zero keeps the operands' absolute error).
            const tol = 4 * 2 ** -23 * Math.max(Math.abs(e), 1);
            if (Math.abs(got[k] - e) > tol) throw new Error(`step ${step + 1}, param ${i}[${k}]: ${got[k]} vs PyTorch ${e}`);
          });
        });
      });
    });
  }
});

describe('learning-rate schedules match PyTorch', () => {
  const run = (make: (o: tl.optim.Optimizer<{ lr: number }>) => { step(): void }, steps: number) => {
    const opt = new tl.optim.SGD([tl.zeros([1], { requiresGrad: true })], { lr: 0.1 });
    const s = make(opt);
    const out = [opt.lr];
    for (let i = 0; i < steps; i++) {
      s.step();
      out.push(opt.lr);
    }
    return out;
  };
  const check = (got: number[], want: number[]) => want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 12));
  it('StepLR', () => check(run((o) => new tl.optim.StepLR(o, { stepSize: 3, gamma: 0.5 }), 10), fx.schedules.StepLR));
  it('CosineAnnealingLR', () => check(run((o) => new tl.optim.CosineAnnealingLR(o, { tMax: 8, etaMin: 0.001 }), 8), fx.schedules.CosineAnnealingLR));
  it('OneCycleLR (cosine)', () => check(run((o) => new tl.optim.OneCycleLR(o, { maxLr: 0.5, totalSteps: 20 }), 19), fx.schedules.OneCycleLR));
  it('OneCycleLR (linear)', () =>
    check(run((o) => new tl.optim.OneCycleLR(o, { maxLr: 0.5, totalSteps: 20, anneal: 'linear', pctStart: 0.25 }), 19), fx.schedules.OneCycleLRLinear));
});

describe('clipGradNorm', () => {
  it('scales gradients to the max norm and returns the norm before clipping', () => {
    const a = tl.tensor([3, 0], { requiresGrad: true }), b = tl.tensor([[0, 4]], { requiresGrad: true });
    a.grad = tl.keep(tl.tensor([3, 0]));
    b.grad = tl.keep(tl.tensor([[0, 4]]));
    expect(tl.optim.clipGradNorm([a, b], 1)).toBeCloseTo(5, 6);
    expect(Array.from(a.grad.dataSync())[0]).toBeCloseTo(0.6, 5);
    expect(Array.from(b.grad!.dataSync())[1]).toBeCloseTo(0.8, 5);
  });
});
