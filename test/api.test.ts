// The public names of ../shared/API.md are a contract: every one must exist with the right kind.
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';

const fn = (o: object, names: string) => names.split(/\s+/).filter(Boolean).map((n) => [n, (o as Record<string, unknown>)[n]] as const);

describe('API.md contract', () => {
  it('tensors: creation, reading, memory, devices', () => {
    for (const [n, v] of fn(tl, 'tensor zeros ones full rand randn arange eye manualSeed tidy memory setDefaultDevice setNumThreads noGrad'))
      expect(typeof v, n).toBe('function');
    expect(typeof tl.cuda.isAvailable).toBe('function');
    expect(typeof tl.cuda.status).toBe('function');
    const t = tl.tensor([[1, 2], [3, 4]]);
    for (const p of ['shape', 'dtype', 'device', 'size']) expect(t, p).toHaveProperty(p);
    for (const m of 'data dataSync item toArray dispose to backward zeroGrad detach'.split(' '))
      expect(typeof (t as unknown as Record<string, unknown>)[m], m).toBe('function');
    expect(Object.keys(tl.memory()).sort()).toEqual(['cpuBytes', 'cudaBytes', 'tensors']);
  });

  it('ops as functions and as methods', () => {
    const ops = `add sub mul div neg pow exp log sqrt abs clamp relu leakyRelu gelu sigmoid tanh softmax logSoftmax matmul
      transpose permute reshape squeeze unsqueeze flatten cat stack slice sum mean max min argmax gather embedding dropout
      conv2d maxPool2d avgPool2d batchNorm layerNorm`;
    for (const [n, v] of fn(tl, ops)) expect(typeof v, `tl.${n}`).toBe('function');
    const methods = `add sub mul div neg pow exp log sqrt abs clamp relu leakyRelu gelu sigmoid tanh softmax logSoftmax matmul
      transpose permute reshape squeeze unsqueeze flatten slice sum mean max min argmax gather`;
    const t = tl.ones([2, 2]);
    for (const [n, v] of fn(t, methods)) expect(typeof v, `t.${n}`).toBe('function');
    // PyTorch's positional order, negative dims, a number for b, method form dropping x.
    expect(tl.sum(tl.tensor([[1, 2], [3, 4]]), -1, true).toArray()).toEqual([[3], [7]]);
    expect(tl.add(t, 1).toArray()).toEqual([[2, 2], [2, 2]]);
    expect(tl.tensor([[1, 2], [3, 4]]).sum(1, true).toArray()).toEqual([[3], [7]]);
  });

  it('nn, losses, optim, metrics', () => {
    const layers = `Module Sequential Linear Conv2d MaxPool2d AvgPool2d Flatten Dropout BatchNorm1d BatchNorm2d LayerNorm Embedding
      LSTM GRU MultiheadAttention TransformerEncoderLayer ReLU GELU Sigmoid Tanh`;
    for (const [n, v] of fn(tl.nn, layers)) expect(typeof v, `nn.${n}`).toBe('function');
    const m = new tl.nn.Linear(2, 2);
    for (const k of 'forward parameters namedParameters train eval freeze unfreeze stateDict loadStateDict'.split(' '))
      expect(typeof (m as unknown as Record<string, unknown>)[k], k).toBe('function');
    for (const [n, v] of fn(tl.losses, 'mse huber binaryCrossEntropyWithLogits crossEntropy bpr')) expect(typeof v, n).toBe('function');
    for (const [n, v] of fn(tl.optim, 'SGD Adam AdamW RMSprop Adagrad StepLR CosineAnnealingLR OneCycleLR clipGradNorm'))
      expect(typeof v, n).toBe('function');
    const opt = new tl.optim.SGD(m.parameters(), { lr: 0.1 });
    expect(typeof opt.step).toBe('function');
    expect(typeof opt.zeroGrad).toBe('function');
    for (const [n, v] of fn(tl.metrics, 'accuracy rocAuc logLoss rmse mae precisionRecallF1 liftTable hitRateAtK ndcgAtK silhouette'))
      expect(typeof v, n).toBe('function');
  });

  it('training and files', () => {
    for (const [n, v] of fn(tl, 'fit save load')) expect(typeof v, n).toBe('function');
  });
});
