// tl.compile: a plan must give what the model's own forward pass gives (in eval mode) for
// every layer it lowers, at any batch size and after the weights change in place; models it
// cannot lower still run (through their forward pass) and say why; bad input is refused.
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { TEST_SEED, uniform } from './helpers/random.js';
import { lowerModule } from '../lib/nn/compile.js';

const { nn } = tl;

function eager(model: tl.nn.Module, input: Float32Array, shape: number[]): Float32Array {
  const was = model.training;
  model.eval();
  try {
    return tl.tidy(() => tl.noGrad(() => (model.forward(tl.tensor(input, { shape })) as tl.Tensor).dataSync() as Float32Array));
  } finally {
    if (was) model.train();
  }
}

function expectClose(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    if (!(Math.abs(got[i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i]))))
      throw new Error(`${what}: [${i}] ${got[i]} vs ${want[i]} (TEST_SEED=${TEST_SEED})`);
}

// Batch norm with non-trivial running statistics, so eval mode is visible.
function trainedBatchNorm(features: number): tl.nn.BatchNorm1d {
  const bn = new nn.BatchNorm1d(features);
  tl.tidy(() => bn.forward(tl.randn([64, features], { mean: 2, std: 3 })));
  return bn;
}

const models: [string, () => tl.nn.Module, number][] = [
  ['MLP 64-256-256-1 (fused ReLU)', () => new nn.Sequential(new nn.Linear(64, 256), new nn.ReLU(), new nn.Linear(256, 256), new nn.ReLU(), new nn.Linear(256, 1)), 64],
  ['sigmoid / tanh heads, no bias', () => new nn.Sequential(new nn.Linear(7, 9, { bias: false }), new nn.Tanh(), new nn.Linear(9, 3), new nn.Sigmoid()), 7],
  ['every unary activation', () => new nn.Sequential(new nn.Linear(5, 12), new nn.GELU(), new nn.Linear(12, 12), new nn.GELU('tanh'), new nn.SiLU(),
    new nn.LeakyReLU(0.2), new nn.ELU(0.7), new nn.Softplus(2, 5), new nn.ReLU(), new nn.Sigmoid(), new nn.Tanh()), 5],
  ['activation before any linear, on the input', () => new nn.Sequential(new nn.ReLU(), new nn.Linear(6, 4), new nn.Softmax()), 6],
  ['softmax and log-softmax heads', () => new nn.Sequential(new nn.Linear(10, 5), new nn.LogSoftmax(-1)), 10],
  ['layer norm, batch norm (eval), dropout, identity, nested Sequential', () => new nn.Sequential(
    new nn.Linear(8, 16), new nn.LayerNorm(16), new nn.ReLU(), new nn.Dropout(0.5),
    new nn.Sequential(new nn.Linear(16, 16), trainedBatchNorm(16), new nn.Identity()), new nn.Linear(16, 2)), 8],
];

describe('a plan gives the model\'s own eval-mode outputs', () => {
  it.each(models)('%s, batch 1, 3, 64, 0 and back to 3', (_, make, width) => {
    tl.manualSeed(TEST_SEED);
    const model = make();
    const plan = tl.compile(model, { inputShape: [width] });
    expect(plan.native, String(plan.reason)).toBe(true);
    for (const batch of [1, 3, 64, 0, 3]) {
      const input = uniform(batch * width, -2, 2);
      const before = input.slice();
      expectClose(plan.run(input), eager(model, input, [batch, width]), `batch ${batch}`);
      expect(input, 'the input is read, never written').toEqual(before);
    }
    expect(model.training, 'compile and run leave the mode alone').toBe(true);
    plan.dispose();
  });

  it('a Flatten first takes multi-dim rows; a tensor input and `into` work too', () => {
    const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(12, 4), new nn.ReLU());
    const plan = tl.compile(model, { inputShape: [3, 4] });
    expect(plan.native).toBe(true);
    const input = uniform(5 * 12);
    const want = eager(model, input, [5, 3, 4]);
    expectClose(plan.run(input), want, 'typed array');
    const x = tl.tensor(input, { shape: [5, 3, 4] });
    expectClose(plan.run(x), want, 'tensor');
    const into = new Float32Array(20);
    expect(plan.run(input, into)).toBe(into);
    expectClose(into, want, 'into');
    x.dispose();
  });

  it('follows in-place weight updates (optimizer steps) and outlives the model\'s tensors', () => {
    const model = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 1));
    const plan = tl.compile(model, { inputShape: [4] });
    const input = uniform(8);
    const first = plan.run(input);
    const opt = new tl.optim.SGD(model.parameters(), { lr: 0.5 });
    tl.tidy(() => model.forward(tl.tensor(input, { shape: [2, 4] })).sum().backward());
    opt.step();
    const after = plan.run(input);
    expect(after).not.toEqual(first);
    expectClose(after, eager(model, input, [2, 4]), 'after a step');
    for (const p of model.parameters()) p.dispose();
    expectClose(plan.run(input), after, 'after the model is disposed');
  });

  it('does not record gradients or leave tensors behind', () => {
    const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
    const plan = tl.compile(model, { inputShape: [4] });
    const before = tl.memory().tensors;
    for (let i = 0; i < 100; i++) plan.run(uniform(4 * (1 + (i % 5))));
    expect(tl.memory().tensors).toBe(before);
  });
});

describe('models a plan cannot lower', () => {
  it('run through their own forward pass in eval mode, and say why', () => {
    tl.manualSeed(TEST_SEED);
    const model = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU(), new nn.Flatten(), new nn.Dropout(0.5), new nn.Linear(2 * 4 * 4, 3));
    const plan = tl.compile(model, { inputShape: [1, 6, 6] });
    expect(plan.native).toBe(false);
    expect(plan.reason).toMatch(/Flatten|Conv2d/);
    const input = uniform(2 * 36);
    expectClose(plan.run(input), eager(model, input, [2, 1, 6, 6]), 'fallback');
    expect(model.training, 'the model is back in training mode').toBe(true);
  });

  it('widths that do not chain, or weights a plan cannot read, fall back with the native error as the reason', () => {
    const plan = tl.compile(new nn.Sequential(new nn.Linear(4, 3)), { inputShape: [5] });
    expect(plan.native).toBe(false);
    expect(plan.reason).toMatch(/^compile: step 0 \(linear\) takes 4 features, but receives 5/);
    const model = new nn.Sequential(new nn.Linear(4, 3), new nn.Softmax(0));
    expect(tl.compile(model, { inputShape: [4] }).reason).toMatch(/Softmax\(dim 0\)/);
  });
});

describe('bad arguments', () => {
  const model = new nn.Sequential(new nn.Linear(4, 2));
  it('compile: inputShape must be one row\'s shape', () => {
    for (const shape of [undefined, [], [0], [-1], [1.5], ['4'], 4])
      expect(() => tl.compile(model, { inputShape: shape as never }), JSON.stringify(shape)).toThrow(/^compile: inputShape/);
  });
  it('run: wrong kind, partial rows, a disposed plan, a bad `into`', () => {
    const plan = tl.compile(model, { inputShape: [4] });
    expect(() => plan.run([1, 2, 3, 4] as never)).toThrow(TypeError);
    expect(() => plan.run(new Float32Array(6))).toThrow(RangeError);
    expect(() => plan.run(new Float32Array(6))).toThrow(/^plan\.run: the input has 6 values, not a whole number of rows of 4/);
    expect(() => plan.run(new Float64Array(4) as never)).toThrow(TypeError);
    expect(() => plan.run(new Float32Array(8), new Float32Array(3))).toThrow(/^dataSync: `into` holds 3 values/);
    const i32 = tl.ones([2, 4], { dtype: 'int32' });
    expect(() => plan.run(i32)).toThrow(/^plan\.run: expected a float32 CPU tensor/);
    i32.dispose();
    plan.dispose();
    plan.dispose();
    expect(() => plan.run(new Float32Array(4))).toThrow(/^plan\.run: the plan was disposed/);
  });
});

describe('plans as graphs (PlanBuilder): tabular networks and ensembles', () => {
  it('a TabularNet lowered into a plan equals its eval-mode forward pass, zero numeric columns included', async () => {
    const { TabularNet } = await import('../lib/presets/tabular-net.js');
    const { PlanBuilder } = await import('../lib/ops/plan.js');
    for (const [numericWidth, cards] of [[5, [3, 7, 2]], [0, [4, 4]], [3, []]] as [number, number[]][]) {
      tl.manualSeed(TEST_SEED);
      const net = new TabularNet(numericWidth, cards, { hidden: [16, 8] });
      net.eval();
      const n = 9;
      const num = uniform(n * numericWidth), cat = new Int32Array(n * cards.length);
      for (let i = 0; i < cat.length; i++) cat[i] = i % cards[i % cards.length];
      const want = tl.tidy(() => net.forward(tl.tensor(num, { shape: [n, numericWidth] }), tl.tensor(cat, { shape: [n, cards.length] })).dataSync());
      const b = new PlanBuilder([{ width: numericWidth }, { dtype: 'int32', width: cards.length }]);
      const out = net.lowerInto(b, 0, 1);
      expect(typeof out).toBe('number');
      const plan = b.build();
      expectClose(plan.run([num, cat]), want as Float32Array, `TabularNet(${numericWidth}, [${cards}])`);
      plan.dispose();
    }
  });

  it('an averaged ensemble with a shift and a sigmoid (how ChurnModel scores) in one plan', async () => {
    const { PlanBuilder } = await import('../lib/ops/plan.js');
    const nets = [0, 1, 2].map(() => new nn.Sequential(new nn.Linear(4, 6), new nn.ReLU(), new nn.Linear(6, 1)));
    const b = new PlanBuilder([{ width: 4 }]);
    let sum = -1;
    for (const net of nets) {
      const y = lowerModuleOf(net, b);
      sum = sum < 0 ? y : b.add(sum, y);
    }
    b.unary(b.affine(sum, { divisor: 3, shift: -0.25 }), 'sigmoid');
    const x = uniform(5 * 4);
    const want = tl.tidy(() => {
      const t = tl.tensor(x, { shape: [5, 4] });
      return tl.noGrad(() => nets.map((m) => m.forward(t)).reduce((a, c) => a.add(c)).div(3).sub(0.25).sigmoid().dataSync());
    });
    expect(b.build().run([x]), 'bit-identical to the eager ensemble').toEqual(want);
  });

  it('refuses bad graphs when built and bad indices when run, with one-line errors', async () => {
    const { PlanBuilder } = await import('../lib/ops/plan.js');
    const t = tl.ones([3, 2]);
    const b1 = new PlanBuilder([{ width: 2 }, { dtype: 'int32', width: 1 }]);
    b1.add(0, 1);
    expect(() => b1.build()).toThrow(/^compile: step 0 \(add\) its second input must be float32, slot 1 is int32$/);
    const b2 = new PlanBuilder([{ width: 2 }]);
    b2.add(0, 5);
    expect(() => b2.build()).toThrow(/^compile: step 0 \(add\) reads slot 5, but only slots 0\.\.0 exist before it$/);
    const b3 = new PlanBuilder([{ width: 2 }, { dtype: 'int32', width: 2 }]);
    b3.embedConcat(0, 1, [t]);
    expect(() => b3.build()).toThrow(/^compile: step 0 \(embedding concat\) has 1 tables for 2 index columns$/);
    const b4 = new PlanBuilder([{ width: 2 }, { dtype: 'int32', width: 1 }]);
    b4.embedConcat(0, 1, [t]);
    const plan = b4.build();
    expect(plan.run([new Float32Array(4), new Int32Array([0, 2])])).toHaveLength(8);
    expect(() => plan.run([new Float32Array(4), new Int32Array([0, 3])])).toThrow(/^plan\.run: row 1 column 0 has index 3, out of range for a table of 3 rows$/);
    expect(() => plan.run([new Float32Array(4), new Float32Array(2) as never])).toThrow(/^plan\.run: input 1 must be an Int32Array$/);
    expect(() => plan.run([new Float32Array(4), new Int32Array([0, 1, 2])])).toThrow(/^plan\.run: input 1 must be \[2, 1\], got \[3, 1\]$/);
    expect(() => plan.run([new Float32Array(4)])).toThrow(/^plan\.run: expected 2 inputs, got 1$/);
    t.dispose();
  });
});

function lowerModuleOf(m: tl.nn.Module, b: InstanceType<typeof import('../lib/ops/plan.js').PlanBuilder>): number {
  const r = lowerModule(m, b, 0);
  if (typeof r === 'string') throw new Error(r);
  return r;
}

describe('runAsync: the forward pass on a worker thread', () => {
  it('gives run()\'s values, for concurrent calls on one plan, and survives dispose() while pending', async () => {
    const model = new nn.Sequential(new nn.Linear(32, 64), new nn.ReLU(), new nn.Linear(64, 3), new nn.Softmax());
    const plan = tl.compile(model, { inputShape: [32] });
    const inputs = [1, 7, 300, 2].map((b) => uniform(b * 32));
    const want = inputs.map((x) => plan.run(x));
    const got = await Promise.all(inputs.map((x) => plan.runAsync(x)));
    got.forEach((g, i) => expect(g, `call ${i}`).toEqual(want[i]));
    // The caller may overwrite its input at once: the run works on a copy.
    const x = uniform(5 * 32), wantX = plan.run(x);
    const p = plan.runAsync(x);
    x.fill(9);
    plan.dispose();
    expect(await p).toEqual(wantX);
    await expect(plan.runAsync(x)).rejects.toThrow(/^plan\.runAsync: the plan was disposed/);
  });

  it('keeps the event loop free while a large batch runs', async () => {
    const model = new nn.Sequential(new nn.Linear(256, 1024), new nn.ReLU(), new nn.Linear(1024, 1024), new nn.ReLU(), new nn.Linear(1024, 8));
    const plan = tl.compile(model, { inputShape: [256] });
    const x = uniform(4096 * 256);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const t0 = performance.now();
    await plan.runAsync(x);
    const ms = performance.now() - t0;
    clearInterval(timer);
    // ~10 GFLOP on one core takes well over 20 ms; the 1 ms timer must have run meanwhile.
    if (ms > 20) expect(ticks).toBeGreaterThan(2);
  });

  it('rejects bad input with the error run() throws', async () => {
    const plan = tl.compile(new nn.Sequential(new nn.Linear(4, 2)), { inputShape: [4] });
    await expect(plan.runAsync(new Float32Array(6))).rejects.toThrow(/^plan\.run: the input has 6 values/);
    await expect(plan.runAsync('x' as never)).rejects.toThrow(TypeError);
  });
});

describe('TabularEnsemblePlan (how presets score an ensemble)', () => {
  it('is bit-identical to the eager ensemble: mean, shift, sigmoid or softmax; sync and async', async () => {
    const { TabularNet } = await import('../lib/presets/tabular-net.js');
    const { TabularEnsemblePlan } = await import('../lib/presets/tabular-plan.js');
    for (const [outputs, activation] of [[1, 'sigmoid'], [4, 'softmax'], [1, null]] as const) {
      tl.manualSeed(TEST_SEED);
      const nets = [0, 1, 2].map(() => new TabularNet(3, [5, 2], { hidden: [8], outputs }).eval());
      const n = 6, num = uniform(n * 3), cat = Int32Array.from({ length: n * 2 }, (_, i) => (i % 2 ? i % 2 : i % 5));
      const want = tl.tidy(() => tl.noGrad(() => {
        const x = tl.tensor(num, { shape: [n, 3] }), c = tl.tensor(cat, { shape: [n, 2] });
        const shift = outputs === 1 ? 0.5 : tl.tensor(Float32Array.from([0.5, -0.25, 0.125, 1.5].slice(0, outputs)), { shape: [1, outputs] });
        const mean = nets.map((m) => m.forward(x, c)).reduce((a, b) => a.add(b)).div(3).sub(shift);
        return (activation === 'sigmoid' ? mean.sigmoid() : activation === 'softmax' ? mean.softmax(-1) : mean).dataSync();
      }));
      const plan = new TabularEnsemblePlan(nets, 3, 2, { shift: outputs === 1 ? 0.5 : [0.5, -0.25, 0.125, 1.5].slice(0, outputs), activation });
      expect(plan.run(num, cat), `${outputs} outputs, ${activation}`).toEqual(want);
      expect(await plan.runAsync(num, cat)).toEqual(want);
      plan.dispose();
    }
  });
});
