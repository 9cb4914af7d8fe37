// Right-sizing an ImageClassifier: a narrower residual CNN (half the width by default, about a
// quarter of the multiply-adds) trained on the teacher's softened logits and the labels
// (tl.distill's loss; the teacher frozen, in eval mode), on the same augmented batches as fit.
// The student keeps the teacher's preprocessing, classes and input spec, so it answers the same
// predict(); its gallery is rebuilt from the distillation images.
import { InputError } from '../../data/errors.js';
import { manualSeed } from '../../tensor/create.js';
import { distillationLoss, withTeacher } from '../../train/distill.js';
import { ImageNet } from './cnn.js';
import { type FittedImages, type ImageTrainingOptions, augmentOptions, checkTraining, defaultEpochs, galleryOf, labelsOf } from './image-fit.js';
import { readImages } from './image-input.js';
import type { ImageClassifier } from './image-classifier.js';
import { trainCnn } from './train-cnn.js';

export interface ImageDistillOptions extends ImageTrainingOptions {
  /** Images to distill on (labelled with the model's target): the training set, or more. */
  data: string | readonly Record<string, unknown>[];
  /** The student's width (default: half the teacher's) and blocks per stage (default: the teacher's). */
  width?: number;
  blocks?: number[];
  /** Softening of the logits (default 3) and the teacher term's weight (default 0.5). */
  temperature?: number;
  alpha?: number;
}

export async function distillImages(teacher: ImageClassifier, o: ImageDistillOptions): Promise<FittedImages> {
  const what = 'ImageClassifier.distill';
  if (!o || o.data === undefined) throw new InputError(`${what}: pass the images to distill on: { data } (the training images, a CSV, a folder or rows)`);
  checkTraining(o, what);
  const t0 = performance.now();
  const T = o.temperature ?? 3, alpha = o.alpha ?? 0.5;
  if (!(T > 0 && Number.isFinite(T))) throw new InputError(`${what}: temperature must be a positive number, got ${T}`);
  if (!(alpha >= 0 && alpha <= 1)) throw new InputError(`${what}: alpha must be from 0 to 1, got ${alpha}`);
  const set = await readImages(o.data, { spec: teacher.spec, target: teacher.target.name }, what);
  const { y, counts } = labelsOf(set, teacher.target.name, teacher.target);
  const t = teacher.net.opts;
  const width = o.width ?? Math.max(4, Math.round(t.width / 2));
  if (!(Number.isInteger(width) && width >= 1)) throw new InputError(`${what}: width must be a positive integer, got ${width}`);
  manualSeed(o.seed ?? 42);
  const student = new ImageNet(teacher.spec.shape[0], teacher.target.classes.length, { width, blocks: o.blocks ?? t.blocks, dropout: t.dropout });
  const aug = augmentOptions(o, teacher.spec.shape, () => teacher.training.flip);
  teacher.net.eval();
  const history = await trainCnn(student, { pixels: set.pixels, shape: teacher.spec.shape, labels: y, index: Array.from({ length: set.n }, (_, i) => i) }, teacher.norm, {
    epochs: o.epochs ?? defaultEpochs(set.n), batchSize: o.batchSize ?? (set.n < 2000 ? 32 : 64), lr: o.lr ?? 3e-3, weightDecay: o.weightDecay ?? 5e-4,
    labelSmoothing: 0, augment: aug ?? { shift: 0, flip: false }, seed: o.seed ?? 42, progress: o.progress, onEpoch: o.onEpoch,
    // The teacher sees the same augmented batch as the student (its targets follow the crop).
    mapBatch: (b) => {
      const combined = withTeacher(teacher.net, b.x, b.y);
      b.y.dispose();
      return { x: b.x, y: combined };
    },
    loss: (p, yc) => distillationLoss(p, yc, { temperature: T, alpha }),
  });
  student.eval();
  const g = galleryOf(student, set, teacher.norm, set.labels);
  return {
    net: student, spec: teacher.spec, norm: teacher.norm, target: teacher.target,
    validation: { heldOut: 0, epochs: history.length },
    training: { rows: set.n, counts, flip: !!aug?.flip, seconds: (performance.now() - t0) / 1000 },
    gallery: g.gallery, galleryLabels: g.labels,
  };
}
