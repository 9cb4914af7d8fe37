// Convolution, pooling, normalization, losses, optimizers and whole training steps on the GPU
// against the CPU path.
import { describe, it } from 'node:test';
import { assert, close, pair, skip, tl } from './helpers.mjs';

const grads = (ts) => ts.map((t) => t.grad);

describe('layers on CUDA', { skip }, () => {
  it('conv2d forward and both gradients (stride, padding, dilation, groups)', () => {
    for (const o of [{}, { stride: 2, padding: 1 }, { dilation: 2, padding: 2 }, { groups: 2, padding: 'same' }]) {
      const x = pair([3, 4, 11, 10]), w = pair([6, 4 / (o.groups ?? 1), 3, 3]), b = pair([6]);
      for (const t of [x, w, b]) for (const k of ['cpu', 'gpu']) t[k].requiresGrad = true;
      const yc = tl.conv2d(x.cpu, w.cpu, b.cpu, o), yg = tl.conv2d(x.gpu, w.gpu, b.gpu, o);
      close(yg, yc, { rtol: 1e-4, atol: 1e-4 }, `conv2d ${JSON.stringify(o)}`);
      yc.sum().backward();
      yg.sum().backward();
      const [gc, gg] = [grads([x.cpu, w.cpu, b.cpu]), grads([x.gpu, w.gpu, b.gpu])];
      gc.forEach((g, i) => close(gg[i], g, { rtol: 1e-4, atol: 1e-3 }, `conv2d grad ${i} ${JSON.stringify(o)}`));
    }
  });
  it('pooling, batch norm (train and eval) and layer norm with gradients', () => {
    const x = pair([4, 3, 9, 9]);
    x.cpu.requiresGrad = x.gpu.requiresGrad = true;
    const f = (t, rm, rv) => tl.maxPool2d(t, { kernel: 3, stride: 2, padding: 1 }).add(tl.avgPool2d(t, { kernel: 2 }).mean())
      .mul(tl.batchNorm(t, rm, rv, null, null, true).mean()).add(tl.layerNorm(t, [9, 9]).sum(-1, true).mean(-2, true));
    const rc = [tl.zeros([3]), tl.ones([3])], rg = rc.map((t) => t.to('cuda'));
    const yc = f(x.cpu, ...rc), yg = f(x.gpu, ...rg);
    close(yg, yc, { rtol: 1e-4, atol: 1e-5 }, 'pool + norm forward');
    rg.forEach((t, i) => close(t, rc[i], { rtol: 1e-5, atol: 1e-6 }, `running stat ${i}`));
    yc.sum().backward();
    yg.sum().backward();
    close(x.gpu.grad, x.cpu.grad, { rtol: 1e-3, atol: 1e-4 }, 'pool + norm gradient');
  });
  it('cross-entropy, BCE with logits, mse with gradients', () => {
    const z = pair([32, 10], -5, 5);
    z.cpu.requiresGrad = z.gpu.requiresGrad = true;
    const y = tl.randint(0, 10, [32]);
    const lc = tl.losses.crossEntropy(z.cpu, y, { labelSmoothing: 0.1 }), lg = tl.losses.crossEntropy(z.gpu, y.to('cuda'), { labelSmoothing: 0.1 });
    close(lg, lc, { rtol: 1e-5 }, 'crossEntropy');
    lc.backward();
    lg.backward();
    close(z.gpu.grad, z.cpu.grad, { rtol: 1e-4, atol: 1e-6 }, 'crossEntropy grad');
    const t = pair([64, 1], 0, 1);
    close(tl.losses.binaryCrossEntropyWithLogits(z.gpu.slice(1, 0, 1), t.gpu.round()), tl.losses.binaryCrossEntropyWithLogits(z.cpu.slice(1, 0, 1), t.cpu.round()), { rtol: 1e-5 }, 'bce');
  });
  it('LSTM, GRU and a Transformer encoder layer match the CPU (forward and gradients)', () => {
    const cases = [
      [() => new tl.nn.LSTM(5, 8, { numLayers: 2, bidirectional: true }), [3, 6, 5], (m, x) => m.forward(x)[0]],
      [() => new tl.nn.GRU(5, 8), [3, 6, 5], (m, x) => m.forward(x)[0]],
      [() => new tl.nn.TransformerEncoderLayer(16, 4, { dimFeedforward: 32, dropout: 0 }), [2, 7, 16], (m, x) => m.forward(x)],
    ];
    for (const [make, shape, run] of cases) {
      tl.manualSeed(1);
      const cpuModel = make();
      tl.manualSeed(1);
      const gpuModel = make().to('cuda');
      const x = pair(shape);
      const yc = run(cpuModel, x.cpu), yg = run(gpuModel, x.gpu);
      close(yg, yc, { rtol: 1e-4, atol: 1e-5 }, cpuModel.constructor.name);
      yc.sum().backward();
      yg.sum().backward();
      cpuModel.parameters().forEach((p, i) => close(gpuModel.parameters()[i].grad, p.grad, { rtol: 1e-3, atol: 1e-4 }, `${cpuModel.constructor.name} grad ${i}`));
    }
  });
});

describe('optimizers and training on CUDA', { skip }, () => {
  it('every optimizer takes the same step on both devices', () => {
    const make = [(p) => new tl.optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true }), (p) => new tl.optim.Adam(p, { lr: 0.01 }),
      (p) => new tl.optim.AdamW(p, { lr: 0.01, amsgrad: true }), (p) => new tl.optim.RMSprop(p, { lr: 0.01, centered: true, momentum: 0.5 }),
      (p) => new tl.optim.Adagrad(p, { lr: 0.1 })];
    for (const m of make) {
      const w = pair([17, 5]), g = pair([17, 5]);
      const pc = w.cpu.clone(), pg = w.gpu.clone();
      pc.requiresGrad = pg.requiresGrad = true;
      const oc = m([pc]), og = m([pg]);
      for (let i = 0; i < 3; i++) {
        pc.grad = tl.keep(g.cpu.clone());
        pg.grad = tl.keep(g.gpu.clone());
        oc.step();
        og.step();
      }
      close(pg, pc, { rtol: 1e-5, atol: 1e-6 }, oc.name);
    }
  });
  it('an MLP trains to the same loss on the GPU (fit moves batches to the model)', async () => {
    const run = async (device) => {
      tl.manualSeed(5);
      const model = new tl.nn.Sequential(new tl.nn.Linear(8, 32), new tl.nn.ReLU(), new tl.nn.Linear(32, 1)).to(device);
      const x = tl.randn([256, 8]), y = x.sum(1, true).gt(0).float();
      const h = await tl.fit(model, { x, y }, { loss: 'bce', epochs: 5, batchSize: 32, progress: false, seed: 1 });
      return h.epochs.at(-1).loss;
    };
    const [c, g] = [await run('cpu'), await run('cuda')];
    assert.ok(Math.abs(c - g) < 1e-3, `cpu ${c} vs gpu ${g}`);
  });
  it('a small CNN trains on the GPU and its model file loads on the CPU', async () => {
    tl.manualSeed(2);
    const model = new tl.nn.Sequential(new tl.nn.Conv2d(1, 8, 3, { padding: 1 }), new tl.nn.BatchNorm2d(8), new tl.nn.ReLU(), new tl.nn.MaxPool2d(2),
      new tl.nn.Flatten(), new tl.nn.Linear(8 * 4 * 4, 3)).to('cuda');
    const x = tl.randn([96, 1, 8, 8]), y = tl.randint(0, 3, [96]);
    const h = await tl.fit(model, { x, y }, { loss: 'crossEntropy', epochs: 3, batchSize: 16, progress: false });
    assert.ok(h.epochs[2].loss < h.epochs[0].loss);
    const { tmpdir } = await import('node:os');
    const path = `${tmpdir()}/tl-gpu-cnn.safetensors`;
    await tl.save(model, path);
    const back = await tl.load(path);
    close(tl.noGrad(() => model.forward(x.to('cuda'))), tl.noGrad(() => back.forward(x)), { rtol: 1e-4, atol: 1e-4 }, 'reloaded on the CPU');
  });
});
