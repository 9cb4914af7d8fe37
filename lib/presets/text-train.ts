// Training one TextNet on labelled texts: batches of similar length (texts sorted by length
// within a shuffled window of batches, so padding stays small), class-weighted softmax
// cross-entropy, AdamW, early stopping on the held-out rows' log loss with the best weights
// restored. Yields to the event loop after each batch, as tl.fit does.
import { noGrad } from '../autograd/mode.js';
import { type Bag, packBags, packSequences } from '../data/text/featurize.js';
import { crossEntropy } from '../nn/losses.js';
import { assign } from '../ops/inplace.js';
import { AdamW } from '../optim/optimizers.js';
import { tensor } from '../tensor/create.js';
import { type Tensor, tidy } from '../tensor/tensor.js';
import { seededRandom } from '../train/data.js';
import { TextNet, type TextNetSpec } from './text-net.js';

/** What the network reads of each text, computed once: bag features or subword ids. */
export type TextInput = { ids: number[]; weights: number[] } | number[];

export interface TextTrainOptions {
  /** Most epochs (default 30, more for small sets: see trainTextNet). */
  epochs?: number;
  batchSize?: number;
  lr?: number;
  weightDecay?: number;
  /** Epochs without a better held-out log loss before stopping (default 3). */
  patience?: number;
  seed?: number;
  /** Called after every epoch. */
  onEpoch?: (info: { epoch: number; loss: number; valLoss: number }) => void;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Input tensors of some texts: [ids, weights] for bags, [ids] for sequences. */
export function inputTensors(inputs: TextInput[]): Tensor[] {
  if (!inputs.length || !Array.isArray(inputs[0])) {
    const b: Bag = packBags(inputs as { ids: number[]; weights: number[] }[]);
    return [tensor(b.ids, { shape: [b.n, b.width], device: 'cpu' }), tensor(b.weights, { shape: [b.n, b.width], device: 'cpu' })];
  }
  const s = packSequences(inputs as number[][]);
  return [tensor(s.ids, { shape: [s.n, s.width], device: 'cpu' })];
}

const sizeOf = (x: TextInput) => (Array.isArray(x) ? x.length : x.ids.length);

/** Logits [n * outputs] of the network (eval mode) in batches of similar length, in the order of `idx`. */
export function textLogits(net: TextNet, inputs: TextInput[], idx: ArrayLike<number>, batchSize = 256): Float32Array {
  const c = net.spec.outputs, out = new Float32Array(idx.length * c);
  const order = Array.from({ length: idx.length }, (_, r) => r).sort((a, b) => sizeOf(inputs[idx[a]]) - sizeOf(inputs[idx[b]]));
  const was = net.training;
  net.eval();
  for (let s = 0; s < order.length; s += batchSize) {
    const rows = order.slice(s, s + batchSize);
    const values = noGrad(() => tidy(() => net.forward(...(inputTensors(rows.map((r) => inputs[idx[r]])) as [Tensor, Tensor?])).dataSync())) as Float32Array;
    rows.forEach((r, k) => out.set(values.subarray(k * c, (k + 1) * c), r * c));
  }
  net.train(was);
  return out;
}

/** Mean class-weighted log loss of logits. */
function logLoss(logits: Float32Array, labels: ArrayLike<number>, c: number): number {
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    let m = -Infinity;
    for (let j = 0; j < c; j++) m = Math.max(m, logits[i * c + j]);
    let z = 0;
    for (let j = 0; j < c; j++) z += Math.exp(logits[i * c + j] - m);
    total += m + Math.log(z) - logits[i * c + labels[i]];
  }
  return total / Math.max(1, labels.length);
}

/** Batches of training rows: shuffled, then sorted by length within windows of 20 batches. */
function batchesOf(rows: number[], inputs: TextInput[], batchSize: number, random: () => number): number[][] {
  const order = [...rows];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const batches: number[][] = [], window = batchSize * 20;
  for (let w = 0; w < order.length; w += window) {
    const part = order.slice(w, w + window).sort((a, b) => sizeOf(inputs[a]) - sizeOf(inputs[b]));
    for (let s = 0; s < part.length; s += batchSize) batches.push(part.slice(s, s + batchSize));
  }
  for (let i = batches.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [batches[i], batches[j]] = [batches[j], batches[i]];
  }
  return batches;
}

/**
 * Trains a TextNet on rows `train` (labels: class ids), early-stopped on rows `validation`.
 * Returns the network (eval mode, best weights), its logits on the validation rows and the epochs run.
 */
export async function trainTextNet(
  spec: TextNetSpec, inputs: TextInput[], labels: ArrayLike<number>, train: number[], validation: number[],
  classWeights: number[], opts: TextTrainOptions = {},
): Promise<{ net: TextNet; validationLogits: Float32Array; epochs: number }> {
  const net = new TextNet(spec);
  const random = seededRandom(opts.seed ?? 42);
  const batchSize = opts.batchSize ?? 32, patience = opts.patience ?? 3;
  // Small sets (a chatbot's few dozen examples per intent) need more epochs for the same number
  // of steps: at least ~600 steps are allowed; early stopping ends training sooner anyway.
  const epochs = opts.epochs ?? Math.min(300, Math.max(30, Math.ceil(600 / Math.max(1, Math.ceil(train.length / batchSize)))));
  const optimizer = new AdamW(net.parameters(), { lr: opts.lr ?? (spec.encoder === 'bag' ? 0.01 : 1e-3), weightDecay: opts.weightDecay ?? 0 });
  const weight = tensor(Float32Array.from(classWeights), { device: 'cpu' });
  const valLabels = validation.map((i) => labels[i]);
  let best = Infinity, bestState: Float32Array[] | null = null, sinceBest = 0, ran = 0;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      net.train();
      let total = 0, seen = 0;
      for (const rows of batchesOf(train, inputs, batchSize, random)) {
        const loss = tidy(() => {
          const x = inputTensors(rows.map((r) => inputs[r]));
          const y = tensor(Int32Array.from(rows, (r) => labels[r]), { device: 'cpu' });
          const l = crossEntropy(net.forward(...(x as [Tensor, Tensor?])), y, { weight });
          optimizer.zeroGrad();
          l.backward();
          optimizer.step();
          return l.item();
        });
        total += loss * rows.length;
        seen += rows.length;
        await yieldToEventLoop();
      }
      ran = epoch + 1;
      const valLoss = validation.length ? logLoss(textLogits(net, inputs, validation), valLabels, spec.outputs) : total / seen;
      opts.onEpoch?.({ epoch, loss: total / seen, valLoss });
      if (valLoss < best - 1e-4) {
        best = valLoss;
        sinceBest = 0;
        bestState = net.parameters().map((p) => Float32Array.from(p.dataSync() as Float32Array));
      } else if (++sinceBest >= patience) break;
    }
    if (bestState) noGrad(() => net.parameters().forEach((p, i) => tidy(() => assign(p, tensor(bestState![i], { shape: p.shape, device: "cpu" })))));
  } finally {
    weight.dispose();
  }
  net.eval();
  return { net, validationLogits: validation.length ? textLogits(net, inputs, validation) : new Float32Array(0), epochs: ran };
}
