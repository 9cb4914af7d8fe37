// Normalization, losses, dropout and whole layers (LSTM, GRU, Transformer) on the device
// against the CPU path, forward and gradients.
import { describe, it } from 'node:test';
import { assert, checkGrad, close, dev, device, gradPair, pair, randomInts, tl, where } from './helpers.mjs';

describe(`normalization on ${where}`, () => {
  it('pooling, batch norm (train) and layer norm composed, with gradients', () => {
    const x = gradPair([4, 3, 9, 9]);
    const f = (t, rm, rv) => tl.maxPool2d(t, { kernel: 3, stride: 2, padding: 1 }).add(tl.avgPool2d(t, { kernel: 2 }).mean())
      .mul(tl.batchNorm(t, rm, rv, null, null, true).mean()).add(tl.layerNorm(t, [9, 9]).sum(-1, true).mean(-2, true));
    const rc = [tl.zeros([3]), tl.ones([3])], rg = rc.map(dev);
    const yc = f(x.cpu, ...rc), yg = f(x.gpu, ...rg);
    close(yg, yc, { rtol: 1e-4, atol: 1e-5 }, 'pool + norm forward');
    rg.forEach((t, i) => close(t, rc[i], { rtol: 1e-5, atol: 1e-6 }, `running stat ${i}`));
    yc.sum().backward();
    yg.sum().backward();
    close(x.gpu.grad, x.cpu.grad, { rtol: 1e-3, atol: 1e-4 }, 'pool + norm gradient');
  });
  // [N, C] (BatchNorm1d on features), [N, C, L], small and large spatial sizes.
  const shapes = [[64, 12], [16, 5, 7], [8, 6, 4, 4], [4, 3, 33, 31], [2, 4, 1, 1]];
  for (const shape of shapes)
    for (const training of [true, false])
      it(`batchNorm ${training ? 'train' : 'eval'} ${JSON.stringify(shape)} with affine parameters`, () => {
        const c = shape[1];
        const rmc = tl.tensor(Float32Array.from({ length: c }, (_, i) => 0.1 * i)), rvc = tl.tensor(Float32Array.from({ length: c }, (_, i) => 1 + 0.25 * i));
        const rmg = dev(rmc), rvg = dev(rvc);
        const w = pair(shape);  // its identity tells the two sides apart, so each gets its running stats
        checkGrad((x, wt, b, m) => tl.batchNorm(x, m === w.gpu ? rmg : rmc, m === w.gpu ? rvg : rvc, wt, b, training, 0.2).mul(m),
          [gradPair(shape, -2, 3), gradPair([c], 0.5, 1.5), gradPair([c]), w], { rtol: 1e-4, atol: 1e-5, gradRtol: 1e-3, gradAtol: 1e-4 }, 'batchNorm');
        close(rmg, rmc, { rtol: 1e-5, atol: 1e-6 }, 'running mean');
        close(rvg, rvc, { rtol: 1e-5, atol: 1e-6 }, 'running var');
      });
  it('batchNorm without affine parameters or running statistics', () => {
    checkGrad((x) => tl.batchNorm(x, null, null, null, null, true).square(), [gradPair([6, 4, 5])], { rtol: 1e-4, atol: 1e-5, gradRtol: 1e-3, gradAtol: 1e-4 }, 'plain');
    checkGrad((x) => tl.batchNorm(x, null, null, null, null, false).square(), [gradPair([6, 4, 5])], { rtol: 1e-4, atol: 1e-5, gradRtol: 1e-3, gradAtol: 1e-4 }, 'eval without stats');
  });
  it('BatchNorm1d and BatchNorm2d modules in train and eval mode', () => {
    for (const [make, shape] of [[() => new tl.nn.BatchNorm1d(7), [32, 7]], [() => new tl.nn.BatchNorm1d(3), [8, 3, 10]], [() => new tl.nn.BatchNorm2d(5), [4, 5, 6, 6]]]) {
      const mc = make(), mg = make().to(device);
      const x = pair(shape, -1, 2);
      for (let i = 0; i < 2; i++) close(mg.forward(x.gpu), mc.forward(x.cpu), { rtol: 1e-4, atol: 1e-5 }, `train ${i}`);
      mc.eval();
      mg.eval();
      close(mg.forward(x.gpu), mc.forward(x.cpu), { rtol: 1e-4, atol: 1e-5 }, 'eval');
    }
  });
  it('layerNorm over one and two trailing dims, rows in a warp and block-wide', () => {
    for (const [shape, norm] of [[[7, 5], [5]], [[3, 4, 100], [100]], [[2, 3, 40, 50], [40, 50]], [[300, 24], [24]]])
      checkGrad((x, w, b) => tl.layerNorm(x, norm, w, b), [gradPair(shape, -2, 2), gradPair(norm), gradPair(norm)],
        { rtol: 1e-4, atol: 1e-5, gradRtol: 1e-3, gradAtol: 1e-4 }, `layerNorm ${shape}`);
  });
});

describe(`losses on ${where}`, () => {
  const tol = { rtol: 1e-5, atol: 1e-6, gradRtol: 1e-4, gradAtol: 1e-6 };
  it('cross-entropy with label smoothing, BCE with logits and mse, with gradients', () => {
    const y = randomInts([32], 0, 10), yg = dev(y);
    const labels = (z) => (z.device === 'cuda' ? yg : y);
    checkGrad((z) => tl.losses.crossEntropy(z, labels(z), { labelSmoothing: 0.1 }), [gradPair([32, 10], -5, 5)], tol, 'crossEntropy');
    const t = pair([32, 1], 0, 1);
    checkGrad((z, tt) => tl.losses.binaryCrossEntropyWithLogits(z, tt.round()), [gradPair([32, 1], -5, 5), t], tol, 'bce');
    checkGrad((z, tt) => tl.losses.mse(z, tt), [gradPair([32, 3]), pair([32, 3])], tol, 'mse');
  });
  it('cross-entropy with ignoreIndex (default -100 and a class id), weights and reductions', () => {
    const y = tl.tensor(new Int32Array([3, -100, 1, 1, -100, 0, 4, 2, 3, -100, 0, 1]));
    const y2 = tl.tensor(new Int32Array([3, 2, 1, 1, 2, 0, 4, 2, 3, 2, 0, 1]));
    const w = tl.tensor([1, 2, 0.5, 1, 3]);
    const side = (z, t) => (z.device === 'cuda' ? dev(t) : t);
    for (const [name, opts, labels] of [['default ignoreIndex', {}, y], ['ignoreIndex 2', { ignoreIndex: 2 }, y2],
      ['ignoreIndex + smoothing', { ignoreIndex: 2, labelSmoothing: 0.2 }, y2], ['sum', { reduction: 'sum' }, y],
      ['none', { reduction: 'none' }, y], ['class weights', { weight: w }, y], ['weights + smoothing', { weight: w, labelSmoothing: 0.1 }, y]])
      checkGrad((z) => tl.losses.crossEntropy(z, side(z, labels), { ...opts, weight: opts.weight && side(z, opts.weight) }),
        [gradPair([12, 5], -4, 4)], tol, `crossEntropy ${name}`);
    // Only ignored rows: the mean is 0 / 0 as in PyTorch.
    const allIgnored = tl.tensor(new Int32Array([-100, -100]));
    const z = pair([2, 3]);
    close(tl.losses.crossEntropy(z.gpu, dev(allIgnored)), tl.losses.crossEntropy(z.cpu, allIgnored), {}, 'all ignored');
  });
  it('cross-entropy over [N, C, d] logits and long rows (block-wide)', () => {
    const y = randomInts([4, 6], 0, 3);
    checkGrad((z) => tl.losses.crossEntropy(z, z.device === 'cuda' ? dev(y) : y), [gradPair([4, 3, 6], -3, 3)], tol, 'spatial');
    const yl = randomInts([5], 0, 3000);
    checkGrad((z) => tl.losses.crossEntropy(z, z.device === 'cuda' ? dev(yl) : yl), [gradPair([5, 3000], -3, 3)], tol, '3000 classes');
  });
  it('a label out of range is a RangeError naming the op (at the next read on the GPU)', () => {
    const z = dev(tl.zeros([3, 4]));
    for (const bad of [[0, 4, 1], [-1, 0, 0], [0, 1, -101]])
      assert.throws(() => tl.losses.crossEntropy(z, dev(tl.tensor(new Int32Array(bad)))).item(),
        (e) => e instanceof RangeError && /crossEntropy/.test(e.message) && /out of range/.test(e.message), `labels ${bad}`);
    assert.equal(dev(tl.ones([2])).sum().item(), 2, 'later work runs');
  });
});

describe(`dropout on ${where}`, () => {
  it('the same mask for the same seed, forward and backward', () => {
    for (const p of [0.3, 0.5, 0.9]) {
      const x = gradPair([33, 31]);
      tl.manualSeed(11);
      const yc = tl.dropout(x.cpu, p);
      tl.manualSeed(11);
      const yg = tl.dropout(x.gpu, p);
      close(yg, yc, {}, `dropout ${p}`);
      const w = pair([33, 31]);
      yc.mul(w.cpu).sum().backward();
      yg.mul(w.gpu).sum().backward();
      close(x.gpu.grad, x.cpu.grad, {}, `dropout ${p} backward`);
    }
    const x = pair([10]);
    close(tl.dropout(x.gpu, 0.5, false), tl.dropout(x.cpu, 0.5, false), {}, 'eval is the identity');
    close(tl.dropout(x.gpu, 1), tl.dropout(x.cpu, 1), {}, 'p = 1 zeroes everything');
  });
});

describe(`layers on ${where}`, () => {
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
      const gpuModel = make().to(device);
      const x = pair(shape);
      const yc = run(cpuModel, x.cpu), yg = run(gpuModel, x.gpu);
      close(yg, yc, { rtol: 1e-4, atol: 1e-5 }, cpuModel.constructor.name);
      yc.sum().backward();
      yg.sum().backward();
      cpuModel.parameters().forEach((p, i) => close(gpuModel.parameters()[i].grad, p.grad, { rtol: 1e-3, atol: 1e-4 }, `${cpuModel.constructor.name} grad ${i}`));
    }
  });
});
