// Fine-tuning an ImageClassifier (the second step of transfer learning, LP-FT: Kumar et al.
// 2022): after fit(data, { from, freeze: 'backbone' }) has trained a new head on the frozen
// pretrained backbone (the linear probe), the backbone (or only its later `unfreeze` blocks) is
// unfrozen and trained with the head. Defaults from bench/RESULTS.md "Transfer recipe" (20 images
// per class, 30k-image fashion backbone, 3 draws): the backbone at the head's full rate (0.3 lost
// 0.7 points on fashion 5-9 and 1.2 on resized digits), batch norm re-estimated on the new images
// (keeping the pretrained statistics lost 3-4 points), no L2-SP, and at least ~300 optimizer steps (tiny
// sets get more epochs). Layers left frozen keep their batch-norm statistics (inference mode);
// the gallery is rebuilt, since the embeddings have changed.
import { InputError } from '../../data/errors.js';
import { BatchNorm2d } from '../../nn/layers/norm.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type ImageTrainingOptions, augmentOptions, checkTraining, defaultEpochs, galleryOf, labelsOf } from './image-fit.js';
import { readImages } from './image-input.js';
import type { ImageClassifier } from './image-classifier.js';
import { flipsKeepLabels } from './augment.js';
import { trainCnn } from './train-cnn.js';

export interface FineTuneOptions extends ImageTrainingOptions {
  /** Residual blocks to unfreeze, counted from the last; 'all' (default) unfreezes the whole backbone, stem included. */
  unfreeze?: number | 'all';
  /** The unfrozen backbone layers' learning rate as a share of the head's (default 1: the head was trained first). */
  backboneLr?: number;
  /** Batch norm in the unfrozen layers: 'frozen' keeps the pretrained statistics (inference mode), 'adapt' re-estimates them on the new images. */
  batchNorm?: 'frozen' | 'adapt';
  /** L2-SP: pull the unfrozen weights toward the pretrained ones at this rate x the learning rate each step (0: off). */
  l2sp?: number;
  /** The label column (default: the model's target). */
  target?: string;
}

export async function fineTuneImages(model: ImageClassifier, data: string | readonly Record<string, unknown>[], o: FineTuneOptions): Promise<void> {
  const what = 'ImageClassifier.fineTune';
  checkTraining(o, what);
  const net = model.net, blocks = net.blocks.length;
  const unfreeze = o.unfreeze ?? 'all';
  if (unfreeze !== 'all' && !(Number.isInteger(unfreeze) && unfreeze >= 0 && unfreeze <= blocks))
    throw new InputError(`${what}: unfreeze must be 'all' or a number of residual blocks from 0 to ${blocks}, got ${JSON.stringify(unfreeze)}`);
  const factor = o.backboneLr ?? 1;
  if (!(factor >= 0 && factor <= 10)) throw new InputError(`${what}: backboneLr must be a share of the head's learning rate (0-10), got ${factor}`);
  const bn = o.batchNorm ?? 'adapt';
  if (bn !== 'frozen' && bn !== 'adapt') throw new InputError(`${what}: batchNorm must be 'frozen' or 'adapt', got ${JSON.stringify(o.batchNorm)}`);
  const l2sp = o.l2sp ?? 0;
  if (!(typeof l2sp === 'number' && l2sp >= 0 && Number.isFinite(l2sp))) throw new InputError(`${what}: l2sp must be a number >= 0, got ${o.l2sp}`);
  const target = o.target ?? model.target.name;
  const set = await readImages(data, { spec: model.spec, target }, what);
  const { y } = labelsOf(set, target, model.target);
  const thawed = unfreeze === 'all' ? net.backboneModules() : net.blocks.slice(blocks - unfreeze);
  for (const m of net.backboneModules()) if (!thawed.includes(m)) m.freeze();
  for (const m of thawed) m.unfreeze();
  net.head.unfreeze();
  // Trainable weights, batch statistics as pretrained: Module.frozen is what batch norm reads.
  if (bn === 'frozen') for (const m of thawed) for (const [, sub] of m.namedModules()) if (sub instanceof BatchNorm2d) sub.frozen = true;
  const backbone: Tensor[] = thawed.flatMap((m) => m.parameters());
  const batchSize = o.batchSize ?? (set.n < 2000 ? 32 : 64);
  const aug = augmentOptions(o, model.spec.shape, () => model.training.flip || flipsKeepLabels(set.pixels, model.spec.shape, y, model.target.classes.length));
  let history;
  try {
    history = await trainCnn(net, { pixels: set.pixels, shape: model.spec.shape, labels: y, index: Array.from({ length: set.n }, (_, i) => i) }, model.norm, {
      epochs: o.epochs ?? fineTuneEpochs(set.n, batchSize), batchSize, lr: o.lr ?? 3e-3, weightDecay: o.weightDecay ?? 5e-4,
      labelSmoothing: o.labelSmoothing ?? 0.1, augment: aug ?? { shift: 0, flip: false }, seed: o.seed ?? 43, progress: o.progress, onEpoch: o.onEpoch,
      groups: [[backbone, factor], [net.head.parameters(), 1]], anchor: { params: backbone, strength: l2sp },
    });
  } finally {
    // The trained layers end trainable, batch norm adapting again, whatever batchNorm was.
    for (const m of thawed) m.unfreeze();
  }
  net.eval();
  model.validation = { heldOut: 0, epochs: model.validation.epochs + history.length };
  const g = galleryOf(net, set, model.norm, set.labels);
  model.gallery?.vectors.dispose();
  model.gallery = g.gallery;
  model.galleryLabels = g.labels;
  model.galleryIds = [];
}

/**
 * The fit default (about 300k image presentations), but at least ~300 optimizer steps and at most
 * 100 epochs: 100 images in batches of 32 are 4 steps an epoch, and 40 epochs left fashion 5-9
 * 0.4 points short of 80.
 */
export function fineTuneEpochs(n: number, batchSize: number): number {
  const steps = Math.max(1, Math.ceil(n / batchSize));
  return Math.min(100, Math.max(defaultEpochs(n), Math.ceil(300 / steps)));
}
