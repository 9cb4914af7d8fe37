// Numerics at the edges: NaN and infinities propagate as IEEE says (and never crash), and the
// losses are computed stably at extreme logits.
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';

const vals = (t: tl.Tensor) => Array.from(t.dataSync());

describe('NaN and infinity', () => {
  it('propagate through elementwise ops, reductions and matmul', () => {
    const x = tl.tensor([NaN, Infinity, -Infinity, 0, 1]);
    expect(vals(x.add(1))).toEqual([NaN, Infinity, -Infinity, 1, 2]);
    expect(vals(x.mul(0))).toEqual([NaN, NaN, NaN, 0, 0]);
    expect(vals(x.exp())).toEqual([NaN, Infinity, 0, 1, Math.fround(Math.E)]);
    expect(vals(tl.tensor([0, -1, Infinity]).log())).toEqual([-Infinity, NaN, Infinity]);
    expect(vals(tl.tensor([1, -1, 0]).div(0))).toEqual([Infinity, -Infinity, NaN]);
    expect(vals(x.relu())).toEqual([NaN, Infinity, 0, 0, 1]);
    expect(x.sum().item()).toBeNaN();
    expect(x.max().item()).toBeNaN();
    expect(tl.tensor([1, Infinity]).sum().item()).toBe(Infinity);
    expect(tl.tensor([Infinity, -Infinity]).sum().item()).toBeNaN();
    const m = tl.matmul(tl.tensor([[1, NaN], [1, 1]]), tl.tensor([[1], [1]]));
    expect(vals(m)).toEqual([NaN, 2]);
    expect(vals(tl.matmul(tl.tensor([[Infinity, 1]]), tl.tensor([[1], [0]])))).toEqual([Infinity]);
  });

  it('reach softmax, conv2d and pooling without crashing, NaN rows staying NaN', () => {
    expect(vals(tl.softmax(tl.tensor([[NaN, 1], [1, 2]]), 1)).slice(0, 2).every(Number.isNaN)).toBe(true);
    const img = tl.tensor(new Float32Array([1, NaN, 3, 4, 5, 6, 7, 8, 9]), { shape: [1, 1, 3, 3] });
    const y = tl.conv2d(img, tl.ones([1, 1, 2, 2]));
    expect(vals(y).map(Number.isNaN)).toEqual([true, true, false, false]);
    expect(vals(tl.maxPool2d(img, { kernel: 2, stride: 1 }))).toEqual([NaN, NaN, 8, 9]);
  });

  it('gradients of NaN inputs are NaN where the math says so, not a crash', () => {
    const x = tl.tensor([NaN, 2], { requiresGrad: true });
    x.mul(x).sum().backward();
    expect(Number.isNaN(vals(x.grad!)[0])).toBe(true);
    expect(vals(x.grad!)[1]).toBe(4);
  });
});

describe('stable losses and activations at extreme values', () => {
  it('binary cross-entropy with logits stays finite at +-1e4 (log-sum-exp form)', () => {
    const logits = tl.tensor([1e4, -1e4, 1e4, -1e4, 0], { requiresGrad: true });
    const y = tl.tensor([1, 0, 0, 1, 1]);
    const loss = tl.losses.binaryCrossEntropyWithLogits(logits, y, { reduction: 'none' });
    const l = vals(loss);
    expect(l[0]).toBe(0);
    expect(l[1]).toBe(0);
    expect(l[2]).toBeCloseTo(1e4, 2);
    expect(l[3]).toBeCloseTo(1e4, 2);
    expect(l[4]).toBeCloseTo(Math.log(2), 6);
    loss.sum().backward();
    expect(vals(logits.grad!).map((v) => Math.round(v * 1000) / 1000)).toEqual([0, 0, 1, -1, -0.5]);
  });

  it('cross-entropy and logSoftmax with huge logits are finite and exact', () => {
    const logits = tl.tensor([[1e4, 0, -1e4], [3e38, 3e38, 0]], { requiresGrad: true });
    const loss = tl.losses.crossEntropy(logits, tl.tensor(new Int32Array([1, 0])), { reduction: 'none' });
    const l = vals(loss);
    expect(l[0]).toBeCloseTo(1e4, 2);
    expect(l[1]).toBeCloseTo(Math.log(2), 5);
    loss.sum().backward();
    expect(vals(logits.grad!).every(Number.isFinite)).toBe(true);
    expect(vals(tl.logSoftmax(tl.tensor([1e4, 0]), 0))).toEqual([0, -1e4]);
  });

  it('sigmoid, tanh, softplus and exp saturate cleanly', () => {
    expect(vals(tl.tensor([-1e30, 1e30]).sigmoid())).toEqual([0, 1]);
    expect(vals(tl.tensor([-1e30, 1e30]).tanh())).toEqual([-1, 1]);
    expect(vals(tl.tensor([-1e30, 1e30]).softplus())).toEqual([0, 1e30].map(Math.fround));
    expect(vals(tl.tensor([-1e30, 1e30, 88.8]).exp())).toEqual([0, Infinity, Infinity]);
    expect(vals(tl.tensor([-100]).sigmoid())[0]).toBeGreaterThan(0); // 3.7e-44, not flushed to 0
  });

  it('mean and variance of large values keep their precision (double accumulation)', () => {
    const x = tl.full([100000], 1e6).add(tl.tensor(Float32Array.from({ length: 100000 }, (_, i) => (i % 2 ? 1 : -1))));
    expect(x.mean().item()).toBe(1e6);
    expect(tl.variance(x, undefined, false, 0).item()).toBeCloseTo(1, 3);
  });
});
