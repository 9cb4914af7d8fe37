// tl.fit: the training loop. Async and yielding to the event loop after every batch, so a
// process that trains keeps answering requests and timers. Each step runs in a tidy()
// scope, so memory stays flat however long it trains.
import { noGrad } from '../autograd/mode.js';
import { binaryCrossEntropyWithLogits, crossEntropy, huber, mse } from '../nn/losses.js';
import { Module } from '../nn/module.js';
import { cat } from '../ops/join.js';
import { randint } from '../tensor/create.js';
import { accuracy, logLoss, rocAuc } from '../metrics/classification.js';
import { mae, rmse } from '../metrics/regression.js';
import { clipGradNorm } from '../optim/clip.js';
import type { Optimizer } from '../optim/optimizer.js';
import { Adam } from '../optim/optimizers.js';
import { Tensor, tidy } from '../tensor/tensor.js';
import type { Callback, EpochLogs, TrainContext } from './callbacks.js';
import type { Device } from '../tensor/types.js';
import {
  type Batch, type FitData, type Inputs, type TensorData, asList, disposeBatch, isBatchSource, permutation, rowCount,
  seededRandom, takeRows, tensorBatches,
} from './data.js';
import { type Progress, silentProgress, terminalProgress } from './progress.js';

export type LossFn = (pred: Tensor, target: Tensor) => Tensor;
export type LossName = 'mse' | 'huber' | 'bce' | 'binaryCrossEntropyWithLogits' | 'crossEntropy';
export type MetricName = 'accuracy' | 'auc' | 'logLoss' | 'rmse' | 'mae';
export type MetricFn = (pred: Tensor, target: Tensor) => number;

export interface FitOptions {
  loss: LossFn | LossName;
  /** Default: Adam with lr 1e-3 over model.parameters(). */
  optimizer?: Optimizer<{ lr: number }>;
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  /** Seed of the shuffling order (default: drawn from tl's generator, so tl.manualSeed fixes it). */
  seed?: number;
  /** Held-out data, or the fraction of in-memory data to hold out (after a seeded shuffle). */
  validation?: TensorData | number;
  /** Computed on the validation data each epoch, logged as valAccuracy, valAuc, ... */
  metrics?: (MetricName | { name: string; fn: MetricFn })[];
  callbacks?: Callback | Callback[];
  /** A progress bar with the running loss (default: when stderr is a terminal). */
  progress?: boolean;
  /** Clip the joint gradient norm to this value every step. */
  clipGradNorm?: number;
  /** Called with the epoch index after every epoch (e.g. a scheduler's step). */
  afterEpoch?: (epoch: number) => void;
}

export interface History {
  epochs: EpochLogs[];
  stoppedEarly: boolean;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function resolveLoss(loss: FitOptions['loss']): { fn: LossFn; logits: boolean } {
  if (typeof loss === 'function') return { fn: loss, logits: false };
  switch (loss) {
    case 'mse': return { fn: (p, t) => mse(p, t), logits: false };
    case 'huber': return { fn: (p, t) => huber(p, t), logits: false };
    case 'bce':
    case 'binaryCrossEntropyWithLogits': return { fn: (p, t) => binaryCrossEntropyWithLogits(p, t), logits: true };
    case 'crossEntropy': return { fn: (p, t) => crossEntropy(p, t), logits: false };
    default: throw new TypeError(`fit: unknown loss ${JSON.stringify(loss)} (use a function or one of mse, huber, bce, crossEntropy)`);
  }
}

// Batches follow the model: tensors on another device are copied to the parameters' device.
function onDevice(x: Inputs, device: Device | undefined): Inputs {
  if (!device) return x;
  const move = (t: Tensor) => (t.device === device ? t : t.to(device));
  return Array.isArray(x) ? x.map(move) : move(x);
}

function forward(model: Module, x: Inputs): Tensor {
  const out = Array.isArray(x) ? (model.forward as (...a: Tensor[]) => unknown)(...x) : (model.forward as (a: Tensor) => unknown)(x);
  if (!(out instanceof Tensor)) throw new TypeError('fit: model.forward must return a Tensor');
  return out;
}

/** Loss and metrics of the model on data, without gradients, in batches. */
function evaluate(model: Module, data: TensorData, lossFn: LossFn, logits: boolean, metrics: FitOptions['metrics'], batchSize: number): Record<string, number> {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => {
      const preds: Tensor[] = [];
      let lossSum = 0, rows = 0;
      const device = model.parameters()[0]?.device;
      for (const b of tensorBatches(data, batchSize, null)) {
        const n = b.y.shape[0];
        const p = tidy(() => forward(model, onDevice(b.x, device)).to('cpu'));
        lossSum += tidy(() => lossFn(p, b.y.to('cpu')).item()) * n;
        rows += n;
        preds.push(p);
        disposeBatch(b);
      }
      const out: Record<string, number> = { valLoss: lossSum / rows };
      if (metrics?.length) {
        const all = cat(preds, 0);
        const scores = logits ? all.sigmoid() : all;
        for (const m of metrics) {
          if (typeof m === 'object') out[`val${m.name[0].toUpperCase()}${m.name.slice(1)}`] = m.fn(scores, data.y);
          else if (m === 'accuracy') out.valAccuracy = accuracy(scores, data.y);
          else if (m === 'auc') out.valAuc = rocAuc(scores, data.y);
          else if (m === 'logLoss') out.valLogLoss = logLoss(scores, data.y);
          else if (m === 'rmse') out.valRmse = rmse(scores, data.y);
          else if (m === 'mae') out.valMae = mae(scores, data.y);
          else throw new TypeError(`fit: unknown metric ${JSON.stringify(m)}`);
        }
        all.dispose();
        if (scores !== all) scores.dispose();
      }
      for (const p of preds) p.dispose();
      return out;
    });
  } finally {
    model.train(wasTraining);
  }
}

/** Trains model on data; resolves with the per-epoch logs. */
export async function fit(model: Module, data: FitData, opts: FitOptions): Promise<History> {
  if (!(model instanceof Module)) throw new TypeError('fit: expected a tl.nn.Module');
  if (!opts || opts.loss === undefined) throw new TypeError('fit: options.loss is required');
  const { fn: lossFn, logits } = resolveLoss(opts.loss);
  const epochs = opts.epochs ?? 10, batchSize = opts.batchSize ?? 32;
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`fit: epochs must be a non-negative integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`fit: batchSize must be a positive integer, got ${batchSize}`);
  const optimizer = opts.optimizer ?? new Adam(model.parameters(), { lr: 1e-3 });
  const shuffle = opts.shuffle ?? true;
  const seed = opts.seed ?? (() => {
    const h = randint(0, 2 ** 31 - 1, [1], { device: 'cpu' });
    const v = h.item();
    h.dispose();
    return v;
  })();
  const random = seededRandom(seed);

  let train: FitData = data, validation: TensorData | undefined, owned: TensorData[] = [];
  if (typeof opts.validation === 'number') {
    if (isBatchSource(data)) throw new TypeError('fit: a validation fraction needs in-memory data; pass validation data instead');
    const n = rowCount(data, 'data');
    const f = opts.validation;
    if (!(f > 0 && f < 1)) throw new RangeError(`fit: the validation fraction must be in (0, 1), got ${f}`);
    const order = permutation(n, random), cut = n - Math.max(1, Math.round(n * f));
    train = takeRows(data, order.subarray(0, cut));
    validation = takeRows(data, order.subarray(cut));
    owned = [train, validation];
  } else if (opts.validation) {
    validation = opts.validation;
    rowCount(validation, 'validation');
  }
  const callbacks = opts.callbacks ? (Array.isArray(opts.callbacks) ? opts.callbacks : [opts.callbacks]) : [];
  const progress: Progress = opts.progress ?? process.stderr.isTTY ? terminalProgress() : silentProgress;
  const history: History = { epochs: [], stoppedEarly: false };
  let stop = false;
  const ctx: TrainContext = { model, optimizer, stop: () => (stop = true), epochs: history.epochs };
  const params = model.parameters();

  try {
    model.train();
    for (const c of callbacks) await c.onTrainBegin?.(ctx);
    for (let epoch = 0; epoch < epochs && !stop; epoch++) {
      const t0 = performance.now();
      for (const c of callbacks) await c.onEpochBegin?.(epoch, ctx);
      const n = isBatchSource(train) ? undefined : rowCount(train, 'data');
      progress.startEpoch(epoch + 1, epochs, n === undefined ? undefined : Math.ceil(n / batchSize));
      const batches: Iterable<Batch> | AsyncIterable<Batch> = isBatchSource(train)
        ? train.batches(epoch, batchSize, shuffle)
        : tensorBatches(train, batchSize, shuffle ? permutation(n!, random) : null);
      let lossSum = 0, count = 0, index = 0;
      for await (const b of batches) {
        let value: number;
        try {
          value = tidy(() => {
            optimizer.zeroGrad();
            const device = params[0]?.device;
            const loss = lossFn(forward(model, onDevice(b.x, device)), onDevice(b.y, device) as Tensor);
            loss.backward();
            if (opts.clipGradNorm !== undefined) clipGradNorm(params, opts.clipGradNorm);
            optimizer.step();
            return loss.item();
          });
        } finally {
          disposeBatch(b);
        }
        if (!Number.isFinite(value)) throw new RangeError(`fit: the loss became ${value} at epoch ${epoch + 1}, batch ${index + 1} (lower the learning rate or check the data for NaN)`);
        const rows = asList(b.x)[0].dimsInternal[0] ?? 1;
        lossSum += value * rows;
        count += rows;
        progress.batch(value);
        for (const c of callbacks) await c.onBatchEnd?.(index, { loss: value }, ctx);
        index++;
        await yieldToEventLoop();
      }
      const logs: EpochLogs = { epoch: epoch + 1, loss: count ? lossSum / count : NaN, seconds: 0 };
      if (validation) Object.assign(logs, evaluate(model, validation, lossFn, logits, opts.metrics, batchSize * 4));
      logs.seconds = (performance.now() - t0) / 1000;
      history.epochs.push(logs);
      opts.afterEpoch?.(epoch);
      progress.endEpoch(
        `epoch ${epoch + 1}/${epochs}: ` + Object.entries(logs).filter(([k]) => k !== 'epoch').map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', '),
      );
      for (const c of callbacks) await c.onEpochEnd?.(epoch, logs, ctx);
    }
    history.stoppedEarly = stop;
    for (const c of callbacks) await c.onTrainEnd?.(ctx);
    return history;
  } finally {
    model.eval();
    for (const d of owned) disposeBatch(d);
  }
}
