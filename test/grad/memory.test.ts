// Native memory across a training step wrapped in tidy(): tl.memory().tensors must return to
// its start, plus exactly one .grad tensor per parameter (later steps accumulate in place).
//
// tl.memory().tensors counts handles neither disposed nor garbage-collected, so a count taken
// while unreachable-but-undisposed tensors exist could drop whenever V8 collects them. Every
// setup here therefore runs inside tidy() (parameters and buffers are kept by the library),
// leaving no such garbage behind: the counts are exact.
import { describe, expect, it } from 'vitest';
import * as tl from '../../lib/index.js';
import { useSeedPerTest } from '../helpers/gradcheck.js';

useSeedPerTest();

interface Case {
  name: string;
  make: () => { model: tl.nn.Module; inputs: tl.Tensor[]; loss: (m: tl.nn.Module, xs: tl.Tensor[]) => tl.Tensor };
}

const CASES: Case[] = [
  {
    name: 'MLP with mse',
    make: () => ({
      model: new tl.nn.Sequential(new tl.nn.Linear(4, 8), new tl.nn.ReLU(), new tl.nn.Linear(8, 2)),
      inputs: [tl.randn([5, 4]), tl.randn([5, 2])],
      loss: (m, [x, y]) => tl.losses.mse((m as tl.nn.Sequential).forward(x), y),
    }),
  },
  {
    name: 'Conv2d + BatchNorm2d + pooling with crossEntropy',
    make: () => ({
      model: new tl.nn.Sequential(
        new tl.nn.Conv2d(2, 3, 3, { padding: 1 }), new tl.nn.BatchNorm2d(3), new tl.nn.ReLU(), new tl.nn.MaxPool2d(2),
        new tl.nn.AdaptiveAvgPool2d(), new tl.nn.Flatten(),
      ),
      inputs: [tl.randn([4, 2, 6, 6]), tl.tensor(new Int32Array([0, 2, 1, 2]))],
      loss: (m, [x, y]) => tl.losses.crossEntropy((m as tl.nn.Sequential).forward(x), y),
    }),
  },
  {
    name: 'bidirectional 2-layer LSTM',
    make: () => ({
      model: new tl.nn.LSTM(3, 4, { numLayers: 2, bidirectional: true }),
      inputs: [tl.randn([2, 5, 3])],
      loss: (m, [x]) => (m as tl.nn.LSTM).forward(x)[0].square().mean(),
    }),
  },
  {
    name: 'TransformerEncoderLayer with a key padding mask',
    make: () => ({
      model: new tl.nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0.1 }),
      inputs: [tl.randn([2, 4, 8]), tl.tensor(new Int32Array([0, 0, 1, 1, 0, 0, 0, 1]), { shape: [2, 4] })],
      loss: (m, [x, pad]) => (m as tl.nn.TransformerEncoderLayer).forward(x, { srcKeyPaddingMask: pad }).sum(),
    }),
  },
];

describe('tl.memory().tensors across tidy training steps', () => {
  for (const c of CASES)
    it(c.name, () => {
      const { model, inputs, loss } = tl.tidy(c.make);
      const nParams = model.parameters().length;
      const start = tl.memory().tensors;
      tl.tidy(() => {
        loss(model, inputs).backward();
      });
      expect(tl.memory().tensors, 'after the first step: one .grad per parameter').toBe(start + nParams);
      for (const p of model.parameters()) expect(p.grad, 'every parameter got a gradient').not.toBeNull();
      tl.tidy(() => {
        loss(model, inputs).backward();
      });
      expect(tl.memory().tensors, 'after the second step (gradients accumulate in place)').toBe(start + nParams);
      const opt = new tl.optim.SGD(model.parameters(), { lr: 0.01 });
      tl.tidy(() => {
        opt.zeroGrad();
        loss(model, inputs).backward();
        opt.step();
      });
      expect(tl.memory().tensors, 'after zeroGrad + backward + SGD step').toBe(start + nParams);
      model.zeroGrad();
      expect(tl.memory().tensors, 'after zeroGrad').toBe(start);
    });
});
