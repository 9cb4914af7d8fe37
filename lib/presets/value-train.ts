// Training the lifetime-value networks: k networks on k folds (each fold held out for early
// stopping on its validation loss, as ChurnModel does), and the ensemble's raw outputs
// (averaged per output: logit, mu, raw sigma for ZILN; the scaled value for MSE).
import { noGrad } from '../autograd/mode.js';
import { mse, poissonNll, zilnLoss } from '../nn/losses.js';
import { AdamW } from '../optim/optimizers.js';
import { manualSeed, tensor } from '../tensor/create.js';
import { type Tensor, tidy } from '../tensor/tensor.js';
import { earlyStopping } from '../train/callbacks.js';
import { seededRandom } from '../train/data.js';
import { fit } from '../train/fit.js';
import type { TabularNetOptions } from './tabular-net.js';
import { type ValueHead, ValueNet, type ValueNetOptions } from './value-net.js';
import { embeddingCapFor, textTensors } from './tabular-net.js';
import type { Bag } from '../data/text/featurize.js';
import { type NetworkHistory, networkHistory } from './training-history.js';

/** The network inputs of every row: numeric [n, w], categorical [n, c], and sequences [n, steps, f] or none. */
export interface ValueInputs {
  n: number;
  numeric: Float32Array;
  numericWidth: number;
  categorical: Int32Array;
  cardinalities: number[];
  sequences?: { data: Float32Array; steps: number; features: number };
  /** Bags of the free-text columns (table mode), one per column. */
  text?: Bag[];
}

export interface TrainSettings {
  head: ValueHead;
  ensemble: number;
  backbone: TabularNetOptions;
  sequence?: { cell: 'gru' | 'lstm'; hidden: number };
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  patience: number;
  seed: number;
  progress: boolean;
}

/** The tensors of rows `idx` ([numeric, categorical, sequences?]). */
export function inputTensors(x: ValueInputs, idx: number[]): Tensor[] {
  const { numericWidth: w, cardinalities } = x, c = cardinalities.length;
  const num = new Float32Array(idx.length * w), cat = new Int32Array(idx.length * c);
  idx.forEach((i, r) => {
    num.set(x.numeric.subarray(i * w, (i + 1) * w), r * w);
    cat.set(x.categorical.subarray(i * c, (i + 1) * c), r * c);
  });
  const out: Tensor[] = [tensor(num, { shape: [idx.length, w] }), tensor(cat, { shape: [idx.length, c] })];
  if (x.sequences) {
    const { steps, features, data } = x.sequences, len = steps * features;
    const seq = new Float32Array(idx.length * len);
    idx.forEach((i, r) => seq.set(data.subarray(i * len, (i + 1) * len), r * len));
    out.push(tensor(seq, { shape: [idx.length, steps, features] }));
  }
  out.push(...textTensors(x, idx));
  return out;
}

/**
 * Output offsets from the training targets: ZILN starts at the base rate of positives, the
 * mean and spread of their log values; MSE works on standardized values, offset 0.
 */
export function headOffset(head: ValueHead, y: Float64Array): number[] {
  if (head !== 'ziln') return [0]; // standardized (mse) or mean-scaled (poisson) targets
  const logs = Array.from(y).filter((v) => v > 0).map(Math.log);
  const p = Math.min(0.999, Math.max(0.001, logs.length / y.length));
  const mu = logs.length ? logs.reduce((a, b) => a + b, 0) / logs.length : 0;
  const sd = logs.length > 1 ? Math.sqrt(logs.reduce((a, b) => a + (b - mu) ** 2, 0) / logs.length) : 1;
  const sigma = Math.max(sd, 0.05);
  return [Math.log(p / (1 - p)), mu, Math.log(Math.expm1(sigma))]; // softplus^-1(sigma)
}

/** Seeded fold of each row (0..k-1), rows spread evenly (the trees of value-gbm.ts use the same folds). */
export function folds(n: number, k: number, seed: number): Int32Array {
  const random = seededRandom(seed), order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const fold = new Int32Array(n);
  order.forEach((row, r) => (fold[row] = r % k));
  return fold;
}

/**
 * Trains the ensemble on targets `y` (already scaled for the head: raw values >= 0 for
 * ZILN, standardized for MSE, divided by the mean for Poisson). k = 1 holds out a fifth of the rows for early stopping.
 */
export async function trainValueNets(x: ValueInputs, y: Float64Array, s: TrainSettings): Promise<{ nets: ValueNet[]; epochs: number[]; oof: number[][]; history: NetworkHistory[] }> {
  const k = s.ensemble;
  const fold = folds(x.n, Math.max(k, 5), s.seed);
  const all = Array.from({ length: x.n }, (_, i) => i);
  const netOpts: ValueNetOptions = {
    head: s.head, offset: headOffset(s.head, y),
    backbone: { ...s.backbone, maxEmbeddingDim: s.backbone.maxEmbeddingDim ?? embeddingCapFor(x.n) },
    ...(s.sequence && x.sequences ? { sequence: { ...s.sequence, features: x.sequences.features } } : {}),
  };
  const loss = s.head === 'ziln' ? (p: Tensor, t: Tensor) => zilnLoss(p, t) : s.head === 'poisson' ? (p: Tensor, t: Tensor) => poissonNll(p, t) : (p: Tensor, t: Tensor) => mse(p, t);
  const nets: ValueNet[] = [], epochs: number[] = [], curves: NetworkHistory[] = [];
  // Out-of-fold raw outputs (each row scored by the network that did not train on it), for
  // honest validation figures and the MSE head's residual interval.
  const oof: number[][] = new Array(x.n);
  for (let m = 0; m < k; m++) {
    manualSeed(s.seed + m);
    const train = all.filter((i) => fold[i] !== m), validation = all.filter((i) => fold[i] === m);
    const net = new ValueNet(x.numericWidth, x.cardinalities, netOpts);
    const labels = (idx: number[]) => tensor(Float32Array.from(idx, (i) => y[i]), { shape: [idx.length, 1] });
    const trainData = { x: inputTensors(x, train), y: labels(train) }, valData = { x: inputTensors(x, validation), y: labels(validation) };
    try {
      const history = await fit(net, trainData, {
        loss,
        optimizer: new AdamW(net.parameters(), { lr: s.lr, weightDecay: s.weightDecay }),
        epochs: s.epochs, batchSize: s.batchSize, validation: valData, seed: s.seed + m, progress: s.progress,
        clipGradNorm: 5, // a lognormal NLL with a tiny sigma has steep gradients early on
        callbacks: earlyStopping({ monitor: 'valLoss', mode: 'min', patience: s.patience }),
      });
      epochs.push(history.epochs.length);
      curves.push(networkHistory(history));
    } finally {
      for (const d of [trainData, valData]) [...d.x, d.y].forEach((t) => t.dispose());
    }
    nets.push(net.eval());
    const scored = rawOutputs([net], x, validation);
    validation.forEach((i, r) => (oof[i] = scored[r]));
  }
  return { nets, epochs, oof, history: curves };
}

/** The ensemble's mean raw outputs for the rows `rows` of x (default all): [rows][outputs]. */
export function rawOutputs(nets: ValueNet[], x: ValueInputs, rows?: number[]): number[][] {
  const idx = rows ?? Array.from({ length: x.n }, (_, i) => i);
  const outputs = nets[0].opts.head === 'ziln' ? 3 : 1;
  const flat = noGrad(() =>
    tidy(() => {
      const inputs = inputTensors(x, idx);
      let sum = nets[0].forward(inputs[0], inputs[1], ...inputs.slice(2));
      for (const net of nets.slice(1)) sum = sum.add(net.forward(inputs[0], inputs[1], ...inputs.slice(2)));
      return Array.from(sum.div(nets.length).dataSync());
    }),
  );
  return idx.map((_, i) => flat.slice(i * outputs, (i + 1) * outputs));
}
