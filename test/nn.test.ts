// Module mechanics: parameter discovery and names, train/eval, freeze, state dicts, init.
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';

class Block extends tl.nn.Module {
  fc = new tl.nn.Linear(4, 3);
  norm = new tl.nn.LayerNorm(3);
  heads = [new tl.nn.Linear(3, 2), new tl.nn.Linear(3, 1)];
  drop = new tl.nn.Dropout(0.5);
  forward(x: tl.Tensor) {
    const h = this.drop.forward(this.norm.forward(this.fc.forward(x)));
    return tl.cat(this.heads.map((m) => m.forward(h)), 1);
  }
}

describe('nn.Module', () => {
  it('finds parameters, buffers and children with PyTorch-style dotted names', () => {
    const m = new tl.nn.Sequential(new tl.nn.Linear(2, 3), new tl.nn.BatchNorm1d(3), new tl.nn.ReLU());
    expect(m.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['1.runningMean', '1.runningVar']);
    expect(Object.keys(m.stateDict())).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '1.runningMean', '1.runningVar']);
    const b = new Block();
    expect(b.namedParameters().map(([n]) => n)).toEqual([
      'fc.weight', 'fc.bias', 'norm.weight', 'norm.bias', 'heads.0.weight', 'heads.0.bias', 'heads.1.weight', 'heads.1.bias',
    ]);
    expect(b.numParameters()).toBe(4 * 3 + 3 + 3 + 3 + 3 * 2 + 2 + 3 + 1);
    expect(b.forward(tl.randn([5, 4])).shape).toEqual([5, 3]);
  });

  it('shares a parameter used twice only once', () => {
    const shared = new tl.nn.Linear(2, 2);
    const m = new tl.nn.Sequential(shared, new tl.nn.Tanh(), shared);
    expect(m.parameters().length).toBe(2);
  });

  it('switches train/eval mode for the whole tree (dropout is the identity in eval)', () => {
    const b = new Block();
    b.eval();
    expect(b.namedModules().every(([, m]) => !m.training)).toBe(true);
    const x = tl.randn([6, 4]);
    expect(Array.from(b.forward(x).dataSync())).toEqual(Array.from(b.forward(x).dataSync()));
    b.train();
    expect(b.drop.training).toBe(true);
  });

  it('freeze() stops gradients; unfreeze() restores them', () => {
    const m = new tl.nn.Sequential(new tl.nn.Linear(3, 3), new tl.nn.ReLU(), new tl.nn.Linear(3, 1));
    (m.at(0) as tl.nn.Module).freeze();
    m.forward(tl.randn([4, 3])).sum().backward();
    const [w0, b0, w2] = m.parameters();
    expect(w0.grad).toBeNull();
    expect(b0.grad).toBeNull();
    expect(w2.grad).not.toBeNull();
    m.unfreeze();
    expect(m.parameters().every((p) => p.requiresGrad)).toBe(true);
  });

  it('loadStateDict copies values in place (optimizers keep working on the same tensors)', () => {
    const a = new tl.nn.Linear(3, 2), b = new tl.nn.Linear(3, 2);
    const before = b.weight;
    b.loadStateDict(a.stateDict());
    expect(b.weight).toBe(before);
    expect(Array.from(b.weight.dataSync())).toEqual(Array.from(a.weight.dataSync()));
    expect(() => b.loadStateDict({ ...a.stateDict(), extra: tl.zeros([1]) })).toThrow(/unexpected extra/);
    expect(b.loadStateDict({ weight: a.weight }, { strict: false }).missing).toEqual(['bias']);
  });

  it('initializes like PyTorch: Linear/Conv weights and biases in +-1/sqrt(fanIn), seeded', () => {
    tl.manualSeed(5);
    const l = new tl.nn.Linear(400, 50);
    const w = l.weight.dataSync(), bound = 1 / Math.sqrt(400);
    expect(Math.max(...w)).toBeLessThanOrEqual(bound);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-bound);
    // Uniform on [-b, b): variance b^2 / 3.
    const v = w.reduce((s, x) => s + x * x, 0) / w.length;
    expect(v).toBeGreaterThan(0.9 * (bound * bound) / 3);
    expect(v).toBeLessThan(1.1 * (bound * bound) / 3);
    const c = new tl.nn.Conv2d(3, 8, 5);
    expect(Math.max(...c.weight.dataSync())).toBeLessThanOrEqual(1 / Math.sqrt(75));
    tl.manualSeed(5);
    expect(Array.from(new tl.nn.Linear(400, 50).weight.dataSync())).toEqual(Array.from(w));
  });

  it('fuses Linear + ReLU/Sigmoid/Tanh in Sequential without changing values or gradients', () => {
    for (const Act of [tl.nn.ReLU, tl.nn.Sigmoid, tl.nn.Tanh]) {
      tl.manualSeed(1);
      const seq = new tl.nn.Sequential(new tl.nn.Linear(5, 7), new Act(), new tl.nn.Linear(7, 1));
      const x = tl.randn([9, 5]);
      const fused = seq.forward(x);
      fused.sum().backward();
      const g = seq.parameters().map((p) => Array.from(p.grad!.dataSync()));
      seq.zeroGrad();
      const [l1, act, l2] = seq.layers as [tl.nn.Linear, tl.nn.Module, tl.nn.Linear];
      const plain = l2.forward((act.forward as (t: tl.Tensor) => tl.Tensor)(tl.add(tl.matmul(x, l1.weight.T), l1.bias!)));
      plain.sum().backward();
      const expectClose = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 5));
      expectClose(Array.from(fused.dataSync()), Array.from(plain.dataSync()));
      seq.parameters().forEach((p, i) => expectClose(Array.from(p.grad!.dataSync()), g[i]));
    }
  });
});

describe('memory over repeated steps', () => {
  it('stays flat for forward passes whose ops save their own outputs (no self-referencing graph)', () => {
    const model = new tl.nn.Sequential(
      new tl.nn.Linear(6, 8), new tl.nn.Sigmoid(), new tl.nn.Linear(8, 8), new tl.nn.ReLU(), new tl.nn.Linear(8, 8), new tl.nn.Tanh(),
      new tl.nn.Linear(8, 1),
    );
    const x = tl.randn([4, 6]);
    const step = (backward: boolean) =>
      tl.tidy(() => {
        const y = model.forward(x).exp().sqrt().sigmoid().sum();
        if (backward) y.backward();
      });
    step(false);
    step(true);
    const before = tl.memory().tensors;
    for (let i = 0; i < 20; i++) step(i % 2 === 0);
    expect(tl.memory().tensors).toBe(before);
  });
});

describe('max/min gradients on ties follow PyTorch', () => {
  it('over one dim: all to the first maximum; over all dims: shared evenly', () => {
    const x = tl.tensor([[1, 3, 3], [2, 2, 0]], { requiresGrad: true });
    x.max(1).sum().backward();
    expect(x.grad!.toArray()).toEqual([[0, 1, 0], [1, 0, 0]]);
    x.zeroGrad();
    x.max().backward();
    expect(x.grad!.toArray()).toEqual([[0, 0.5, 0.5], [0, 0, 0]]);
    x.zeroGrad();
    x.min(1, true).sum().backward();
    expect(x.grad!.toArray()).toEqual([[1, 0, 0], [0, 0, 1]]);
  });
});
