// Training an image network on an in-memory block of pixels: batches drawn in a seeded random
// order and augmented on the fly (augment.ts), cross-entropy with label smoothing, AdamW with a
// short linear warm-up and a per-batch cosine decay to zero, through tl.fit (which yields to the
// event loop between batches). Parameter groups let fine-tuning give the backbone a lower rate
// than the head; frozen parameters (requiresGrad false) are left out of the optimizer.
import { noGrad } from '../../autograd/mode.js';
import { crossEntropy } from '../../nn/losses.js';
import type { Module } from '../../nn/module.js';
import { AdamW } from '../../optim/optimizers.js';
import { tensor } from '../../tensor/create.js';
import { keep } from '../../tensor/scope.js';
import { type Tensor, tidy } from '../../tensor/tensor.js';
import { assign } from '../../ops/inplace.js';
import type { Callback, EpochLogs } from '../../train/callbacks.js';
import { type Batch, type BatchSource, permutation, seededRandom } from '../../train/data.js';
import { fit, type LossFn } from '../../train/fit.js';
import { type AugmentOptions, makeBatch, type Normalization } from './augment.js';

export interface ImageBlock {
  pixels: Float32Array;
  shape: [number, number, number];
  /** Class id of each image. */
  labels: Int32Array;
  /** The images to use (indices into pixels / labels). */
  index: number[];
}

export interface CnnTrainOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  labelSmoothing: number;
  augment: AugmentOptions;
  seed: number;
  progress?: boolean;
  onEpoch?: (logs: EpochLogs) => void;
  /** Extra parameter groups' learning-rate multipliers: [params, factor] (default: every trainable parameter at 1). */
  groups?: [Tensor[], number][];
  /** Replaces the label loss (distillation). */
  loss?: LossFn;
  /** Turns a batch's (augmented, normalized) input and labels into the fit batch (distillation adds teacher targets). */
  mapBatch?: (b: Batch) => Batch;
  /** L2-SP (Li et al. 2018): after each step, pull these parameters toward their starting values (decoupled, rate x lr). */
  anchor?: { params: Tensor[]; strength: number };
}

/** Augmented, shuffled batches of `block` for tl.fit. */
export function imageBatches(block: ImageBlock, norm: Normalization, aug: AugmentOptions | undefined, seed: number): BatchSource {
  return {
    *batches(epoch: number, batchSize: number, shuffle: boolean) {
      const random = seededRandom(seed + 7919 * epoch);
      const order = shuffle ? permutation(block.index.length, random) : Int32Array.from(block.index.keys());
      // A last batch of one image breaks batch norm's statistics: fold it into the previous one.
      const n = block.index.length, last = n % batchSize === 1 && n > 1 ? n - 1 : n;
      for (let start = 0; start < last; start += batchSize) {
        const end = Math.min(last, start + batchSize), take = end + (end === last && last < n ? 1 : 0);
        const rows = Array.from(order.subarray(start, take), (i) => block.index[i]);
        const x = makeBatch(block.pixels, block.shape, rows, norm, aug, random);
        yield {
          x: tensor(x, { shape: [rows.length, ...block.shape], device: 'cpu' }),
          y: tensor(Int32Array.from(rows, (i) => block.labels[i]), { shape: [rows.length], device: 'cpu' }),
        };
      }
    },
  };
}

/** Linear warm-up over the first steps, then cosine to zero, set on every group each batch. */
function cosineSchedule(optimizer: AdamW, totalSteps: number): Callback {
  const base = optimizer.paramGroups.map((g) => g.options.lr);
  const warm = Math.max(1, Math.min(Math.round(totalSteps * 0.03), 500));
  let step = 0;
  const set = () => {
    const f = step < warm ? (step + 1) / warm : 0.5 * (1 + Math.cos((Math.PI * (step - warm)) / Math.max(1, totalSteps - warm)));
    optimizer.paramGroups.forEach((g, i) => (g.options.lr = base[i] * f));
  };
  return { onTrainBegin: set, onBatchEnd: () => { step++; set(); } };
}

/**
 * p <- p - lr * strength * (p - p0) after every optimizer step, at the rate of p's group (so
 * the pull follows the schedule): weight decay toward the pretrained weights rather than zero.
 */
function anchorPull(optimizer: AdamW, params: Tensor[], strength: number): Callback {
  const start = params.map((p) => keep(noGrad(() => p.clone())));
  const rateOf = new Map<Tensor, number>();
  const sync = () => optimizer.paramGroups.forEach((g) => g.params.forEach((p) => rateOf.set(p, g.options.lr)));
  return {
    onBatchEnd: () => {
      sync();
      params.forEach((p, i) => {
        const s = Math.min(1, (rateOf.get(p) ?? 0) * strength);
        if (s > 0) noGrad(() => tidy(() => { assign(p, p.sub(p.sub(start[i]).mul(s))); }));
      });
    },
    onTrainEnd: () => start.forEach((t) => t.dispose()),
  };
}

/** Trains `net` in place on the images of `block`; returns the epoch logs. */
export async function trainCnn(net: Module, block: ImageBlock, norm: Normalization, o: CnnTrainOptions): Promise<EpochLogs[]> {
  const trainable = net.parameters().filter((p) => p.requiresGrad);
  const groups = (o.groups ?? [[trainable, 1]]).map(([ps, f]) => ({ params: ps.filter((p) => p.requiresGrad), lr: o.lr * f })).filter((g) => g.params.length);
  if (!groups.length) throw new RangeError('ImageClassifier: every parameter is frozen; nothing to train');
  const optimizer = new AdamW(groups, { lr: o.lr, weightDecay: o.weightDecay });
  const n = block.index.length;
  const stepsPerEpoch = Math.max(1, Math.floor(n / o.batchSize) + (n % o.batchSize > 1 ? 1 : 0));
  const source = imageBatches(block, norm, o.augment, o.seed);
  const data: BatchSource = o.mapBatch ? {
    async *batches(epoch, batchSize, shuffle) {
      for await (const b of source.batches(epoch, batchSize, shuffle)) yield o.mapBatch!(b);
    },
  } : source;
  const smoothing = o.labelSmoothing;
  const loss: LossFn = o.loss ?? ((logits, y) => crossEntropy(logits, y, { labelSmoothing: smoothing }));
  const history = await fit(net, data, {
    loss, optimizer, epochs: o.epochs, batchSize: o.batchSize, seed: o.seed, progress: o.progress ?? false,
    callbacks: [
      ...(o.anchor && o.anchor.strength > 0 ? [anchorPull(optimizer, o.anchor.params, o.anchor.strength)] : []),
      cosineSchedule(optimizer, o.epochs * stepsPerEpoch), { onEpochEnd: (_e, logs) => o.onEpoch?.(logs) },
    ],
  });
  return history.epochs;
}

/** Runs fn(x) over the images `index` in eval mode, batches of 256; returns the concatenated outputs [n, width]. */
export function mapImages(net: Module, pixels: Float32Array, shape: [number, number, number], count: number, norm: Normalization,
  fn: (x: Tensor) => Tensor, width: number): Float32Array {
  const wasTraining = net.training;
  net.eval();
  const out = new Float32Array(count * width);
  try {
    for (let start = 0; start < count; start += 256) {
      const rows = Array.from({ length: Math.min(256, count - start) }, (_, i) => start + i);
      const x = makeBatch(pixels, shape, rows, norm);
      const y = noGrad(() => tidy(() => fn(tensor(x, { shape: [rows.length, ...shape], device: 'cpu' })).dataSync())) as Float32Array;
      out.set(y, start * width);
    }
  } finally {
    net.train(wasTraining);
  }
  return out;
}
