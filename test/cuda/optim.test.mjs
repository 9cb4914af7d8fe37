// Optimizer steps and whole training runs on the device against the CPU path. Every variant
// of every optimizer (momentum, dampening, nesterov, weight decay, amsgrad, centered, lr
// decay, parameter groups, parameters that skip steps) takes the same steps on both sides;
// Adam and AdamW update many parameters of mixed sizes per step (the multi-tensor launch).
import { describe, it } from 'node:test';
import { assert, close, dev, device, pair, randomInts, tl, where } from './helpers.mjs';

const variants = [
  ['SGD', (p) => new tl.optim.SGD(p, { lr: 0.1 })],
  ['SGD momentum', (p) => new tl.optim.SGD(p, { lr: 0.1, momentum: 0.9 })],
  ['SGD momentum dampening weightDecay', (p) => new tl.optim.SGD(p, { lr: 0.05, momentum: 0.8, dampening: 0.3, weightDecay: 0.01 })],
  ['SGD nesterov', (p) => new tl.optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true })],
  ['Adam', (p) => new tl.optim.Adam(p, { lr: 0.01 })],
  ['Adam weightDecay betas eps', (p) => new tl.optim.Adam(p, { lr: 0.02, weightDecay: 0.1, betas: [0.8, 0.95], eps: 1e-6 })],
  ['Adam amsgrad', (p) => new tl.optim.Adam(p, { lr: 0.01, amsgrad: true })],
  ['AdamW', (p) => new tl.optim.AdamW(p, { lr: 0.01 })],
  ['AdamW amsgrad', (p) => new tl.optim.AdamW(p, { lr: 0.01, amsgrad: true, weightDecay: 0.05 })],
  ['RMSprop', (p) => new tl.optim.RMSprop(p, { lr: 0.01 })],
  ['RMSprop centered momentum', (p) => new tl.optim.RMSprop(p, { lr: 0.01, centered: true, momentum: 0.5 })],
  ['RMSprop momentum weightDecay alpha', (p) => new tl.optim.RMSprop(p, { lr: 0.01, momentum: 0.9, weightDecay: 0.01, alpha: 0.9 })],
  ['Adagrad', (p) => new tl.optim.Adagrad(p, { lr: 0.1 })],
  ['Adagrad lrDecay initialAccumulatorValue weightDecay', (p) => new tl.optim.Adagrad(p, { lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1, weightDecay: 0.02 })],
];

// Parameters of mixed sizes: tiny, odd, and larger than one multi-tensor chunk (65536).
const sizes = [[17, 5], [3], [1], [300, 301], [7, 9, 11]];

function run(make, { steps = 3, groups = false, skip = false } = {}) {
  const params = sizes.map((s) => pair(s));
  const grads = [];
  for (let i = 0; i < steps; i++) grads.push(sizes.map((s) => pair(s)));
  const side = (k) => params.map((p) => {
    const t = p[k].clone();
    t.requiresGrad = true;
    return t;
  });
  const pc = side('cpu'), pg = side('gpu');
  const arg = (ps) => (groups ? [{ params: ps.slice(0, 2) }, { params: ps.slice(2), lr: 0.003 }] : ps);
  const oc = make(arg(pc)), og = make(arg(pg));
  for (let i = 0; i < steps; i++) {
    pc.forEach((p, j) => {
      // With `skip`, parameter 1 has no gradient every other step: its step count lags.
      p.grad = skip && j === 1 && i % 2 ? null : tl.keep(grads[i][j].cpu.clone());
      pg[j].grad = skip && j === 1 && i % 2 ? null : tl.keep(grads[i][j].gpu.clone());
    });
    oc.step();
    og.step();
  }
  return { pc, pg, name: oc.name };
}

describe(`optimizers on ${where}`, () => {
  for (const [name, make] of variants)
    it(`${name} takes the same steps on both devices`, () => {
      for (const opts of [{}, { groups: true, skip: true }]) {
        const { pc, pg } = run(make, opts);
        pc.forEach((p, i) => close(pg[i], p, { rtol: 1e-5, atol: 1e-6 }, `${name} ${JSON.stringify(opts)} param ${i}`));
      }
    });
  it('Adam over many parameters at once (one launch per 32) equals one step per parameter', () => {
    for (const make of [(p) => new tl.optim.Adam(p, { lr: 0.01, amsgrad: true }), (p) => new tl.optim.AdamW(p, { lr: 0.01 })]) {
      const shapes = [...Array.from({ length: 40 }, (_, i) => [1 + 97 * i]), [300, 301]];  // > 32 tensors, one of 2 chunks
      const init = shapes.map((s) => pair(s)), grads = shapes.map((s) => pair(s));
      const together = init.map((p) => Object.assign(p.gpu.clone(), { requiresGrad: true }));
      const alone = init.map((p) => Object.assign(p.gpu.clone(), { requiresGrad: true }));
      const o1 = make(together), o2 = alone.map((p) => make([p]));
      for (let step = 0; step < 2; step++) {
        together.forEach((p, i) => { p.grad = tl.keep(grads[i].gpu.clone()); });
        alone.forEach((p, i) => { p.grad = tl.keep(grads[i].gpu.clone()); });
        o1.step();
        o2.forEach((o) => o.step());
      }
      // The same inlined update in both kernels: equal up to how nvcc contracts it into FMAs.
      together.forEach((p, i) => {
        const a = p.dataSync(), b = alone[i].dataSync();
        for (let j = 0; j < b.length; j++) assert.ok(Math.abs(a[j] - b[j]) <= 1e-6 * Math.abs(b[j]) + 1e-7, `param ${i} element ${j}: ${a[j]} vs ${b[j]}`);
      });
    }
  });
  it('a schedule changes the learning rate on both devices alike', () => {
    const make = (p) => new tl.optim.Adam(p, { lr: 0.05 });
    const w = pair([4, 4]);
    const pc = w.cpu.clone(), pg = w.gpu.clone();
    pc.requiresGrad = pg.requiresGrad = true;
    const oc = make([pc]), og = make([pg]);
    for (let i = 0; i < 4; i++) {
      oc.lr = og.lr = 0.05 / (i + 1);
      pc.grad = tl.keep(tl.noGrad(() => pc.square()));
      pg.grad = tl.keep(tl.noGrad(() => pg.square()));
      oc.step();
      og.step();
    }
    close(pg, pc, { rtol: 1e-5, atol: 1e-6 }, 'scheduled Adam');
  });
});

describe(`training on ${where}`, () => {
  it('an MLP trains to the same loss on the device (fit moves batches to the model)', async () => {
    const train = async (d) => {
      tl.manualSeed(5);
      const model = new tl.nn.Sequential(new tl.nn.Linear(8, 32), new tl.nn.ReLU(), new tl.nn.Linear(32, 1)).to(d);
      const x = tl.randn([256, 8]), y = x.sum(1, true).gt(0).float();
      const h = await tl.fit(model, { x, y }, { loss: 'bce', epochs: 5, batchSize: 32, progress: false, seed: 1 });
      return h.epochs.at(-1).loss;
    };
    const [c, g] = [await train('cpu'), await train(device)];
    assert.ok(Math.abs(c - g) < 1e-3, `cpu ${c} vs ${device} ${g}`);
  });
  it('a small CNN trains on the device and its model file loads on the CPU', async () => {
    tl.manualSeed(2);
    const model = new tl.nn.Sequential(new tl.nn.Conv2d(1, 8, 3, { padding: 1 }), new tl.nn.BatchNorm2d(8), new tl.nn.ReLU(), new tl.nn.MaxPool2d(2),
      new tl.nn.Flatten(), new tl.nn.Linear(8 * 4 * 4, 3)).to(device);
    const x = tl.randn([96, 1, 8, 8]), y = randomInts([96], 0, 3);
    const h = await tl.fit(model, { x, y }, { loss: 'crossEntropy', epochs: 3, batchSize: 16, progress: false });
    assert.ok(h.epochs[2].loss < h.epochs[0].loss, `loss ${h.epochs.map((e) => e.loss)}`);
    const { tmpdir } = await import('node:os');
    const path = `${tmpdir()}/tl-gpu-cnn-${process.pid}.safetensors`;
    await tl.save(model, path);
    const back = await tl.load(path);
    (await import('node:fs')).rmSync(path, { force: true });
    model.eval();
    back.eval();
    close(tl.noGrad(() => model.forward(dev(x))), tl.noGrad(() => back.forward(x)), { rtol: 1e-4, atol: 1e-4 }, 'reloaded on the CPU');
  });
});
