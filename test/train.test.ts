// Learning end to end: XOR, the 8x8 digits with a small CNN (>= 97% test accuracy), and the
// fit loop's contract (event loop stays responsive, callbacks, validation, errors).
import { readFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { settleGc } from './helpers/gc.js';

function digits() {
  // Bundled (test/fixtures/README.md): the suite must not depend on anything beside the repository.
  const rows = readFileSync(new URL('./fixtures/digits.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  // MANIFEST split: row index % 5 == 0 is test.
  const part = (test: boolean) => rows.filter((_, i) => (i % 5 === 0) === test);
  const x = (r: number[][]) => tl.tensor(Float32Array.from(r.flatMap((v) => v.slice(1).map((p) => p / 16))), { shape: [r.length, 1, 8, 8] });
  const y = (r: number[][]) => tl.tensor(Int32Array.from(r.map((v) => v[0])));
  return { train: { x: x(part(false)), y: y(part(false)) }, test: { x: x(part(true)), y: y(part(true)) } };
}

describe('learning', () => {
  it('learns XOR with a small MLP', async () => {
    tl.manualSeed(1);
    const x = tl.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), y = tl.tensor([[0], [1], [1], [0]]);
    const model = new tl.nn.Sequential(new tl.nn.Linear(2, 8), new tl.nn.Tanh(), new tl.nn.Linear(8, 1));
    await tl.fit(model, { x, y }, { loss: 'bce', optimizer: new tl.optim.Adam(model.parameters(), { lr: 0.05 }), epochs: 300, batchSize: 4, progress: false });
    const p = tl.noGrad(() => model.forward(x).sigmoid().dataSync());
    expect(Array.from(p, (v) => Math.round(v))).toEqual([0, 1, 1, 0]);
  });

  it('reaches >= 97% test accuracy on the 8x8 digits with a small CNN', async () => {
    tl.manualSeed(0);
    const { train, test } = digits();
    const { nn } = tl;
    const model = new nn.Sequential(
      new nn.Conv2d(1, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(), new nn.Linear(32 * 2 * 2, 64), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(64, 10),
    );
    const history = await tl.fit(model, train, {
      loss: 'crossEntropy', optimizer: new tl.optim.Adam(model.parameters(), { lr: 3e-3 }), epochs: 15, batchSize: 32,
      validation: test, metrics: ['accuracy'], progress: false,
    });
    const acc = tl.metrics.accuracy(tl.noGrad(() => model.forward(test.x)), test.y);
    expect(acc).toBeGreaterThanOrEqual(0.97);
    expect(history.epochs.at(-1)!.valAccuracy).toBeCloseTo(acc, 10);
  });
});

describe('fit', () => {
  const data = () => {
    tl.manualSeed(2);
    const x = tl.randn([512, 4]);
    return { x, y: x.matmul(tl.tensor([[1], [-2], [0.5], [3]])).add(0.1) };
  };

  it('keeps the event loop responsive while training', async () => {
    const model = new tl.nn.Linear(4, 1);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await tl.fit(model, data(), { loss: 'mse', epochs: 20, batchSize: 8, progress: false });
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(10);
  });

  it('holds out a validation fraction, reports metrics and stops early with the best weights', async () => {
    const model = new tl.nn.Linear(4, 1);
    const seen: number[] = [];
    const h = await tl.fit(model, data(), {
      loss: 'mse', epochs: 200, batchSize: 64, validation: 0.25, metrics: ['rmse', 'mae'], progress: false,
      optimizer: new tl.optim.SGD(model.parameters(), { lr: 0.05 }),
      callbacks: [tl.callbacks.earlyStopping({ patience: 3, minDelta: 1e-7 }), { onEpochEnd: (_e, logs) => void seen.push(logs.valLoss) }],
    });
    expect(h.stoppedEarly).toBe(true);
    expect(h.epochs.length).toBeLessThan(200);
    expect(h.epochs[0]).toHaveProperty('valRmse');
    expect(Math.min(...seen)).toBeLessThan(1e-3);
    expect(seen.length).toBe(h.epochs.length);
  });

  it('checkpoints the best model to a file', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tl-fit-')), 'best.safetensors');
    const model = new tl.nn.Linear(4, 1);
    const d = data();
    await tl.fit(model, d, { loss: 'mse', epochs: 3, validation: d, progress: false, callbacks: tl.callbacks.checkpoint({ path }) });
    expect(existsSync(path)).toBe(true);
    expect(((await tl.load(path)) as tl.nn.Linear).weight.shape).toEqual([1, 4]);
  });

  it('is repeatable for a seed and keeps memory flat', async () => {
    const run = async () => {
      tl.manualSeed(9);
      const model = new tl.nn.Sequential(new tl.nn.Linear(4, 8), new tl.nn.ReLU(), new tl.nn.Dropout(0.1), new tl.nn.Linear(8, 1));
      const d = data();
      await settleGc();
      const before = tl.memory().tensors;
      const h = await tl.fit(model, d, { loss: 'huber', epochs: 3, batchSize: 16, progress: false });
      await settleGc();
      return { loss: h.epochs.at(-1)!.loss, grown: tl.memory().tensors - before };
    };
    const a = await run(), b = await run();
    expect(a.loss).toBe(b.loss);
    // What remains: one gradient per parameter (fit's default optimizer, and its state, are
    // garbage once fit returns; the GC finalizers free them).
    expect(a.grown).toBe(4);
  });

  it('rejects bad arguments and a diverging loss clearly', async () => {
    const model = new tl.nn.Linear(4, 1);
    await expect(tl.fit(model, data(), { loss: 'nope' as 'mse' })).rejects.toThrow(TypeError);
    await expect(tl.fit(model, data(), { loss: 'mse', batchSize: 0 })).rejects.toThrow(/batchSize/);
    await expect(tl.fit(model, { x: tl.zeros([3, 4]), y: tl.zeros([2, 1]) }, { loss: 'mse' })).rejects.toThrow(/rows/);
    const bad = data();
    const xs = bad.x.dataSync();
    xs[5] = NaN;
    await expect(tl.fit(model, { x: tl.tensor(xs, { shape: [512, 4] }), y: bad.y }, { loss: 'mse', progress: false })).rejects.toThrow(/loss became NaN/);
  });
});
