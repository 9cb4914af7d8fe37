// Fitting ImageClassifier: read and check the images, fit the normalization, hold out a
// stratified validation share, decide on flips from the data, train the residual CNN (from
// scratch, or from a pretrained model's backbone, frozen or not), measure the held-out images
// and build the visual-search gallery of the training images.
import { type ClassTarget, classTarget, encodeClasses } from '../../data/classes.js';
import { InputError } from '../../data/errors.js';
import type { ReadOptions } from '../../data/source.js';
import { stratifiedSplit } from '../../data/stratify.js';
import { manualSeed } from '../../tensor/create.js';
import type { EpochLogs } from '../../train/callbacks.js';
import { seededRandom } from '../../train/data.js';
import { type AugmentOptions, fitNormalization, flipsKeepLabels, type Normalization } from './augment.js';
import { ImageNet, type ImageNetOptions } from './cnn.js';
import { Gallery } from './gallery.js';
import { type ImageSet, type ImageShape, type ImageSpec, readImages } from './image-input.js';
import { mapImages, trainCnn } from './train-cnn.js';

export interface ImageTrainingOptions {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  weightDecay?: number;
  /** Label smoothing of the cross-entropy (default 0.1). */
  labelSmoothing?: number;
  /** Random shifts of up to `shift` pixels (default: an eighth of the side) and flips ('auto': where they keep labels); false: none. */
  augment?: false | { shift?: number; flip?: boolean | 'auto' };
  seed?: number;
  progress?: boolean;
  onEpoch?: (logs: EpochLogs) => void;
}

export interface ImageFitOptions extends ImageTrainingOptions, ImageNetOptions {
  /** The label column of a CSV or rows (default 'label'); a folder's labels are its sub-folder names. */
  target?: string;
  /** [channels, height, width]; by default from the data (square greyscale or RGB pixel columns, or the first image). */
  imageShape?: ImageShape;
  /** The field holding each row's image (default 'image'). */
  column?: string;
  /** Resize and convert images of another size or channel count (default: refuse them). */
  resize?: boolean;
  /** Share of images held out to measure the model (default 10%, at most 2000 images; 0: train on all). */
  validation?: number;
  /** Start from this model's backbone (transfer learning). */
  from?: { net: ImageNet; norm: Normalization; spec: ImageSpec };
  /** With `from`: 'backbone' (default) trains only the new head, 'none' trains everything. */
  freeze?: 'backbone' | 'none';
  /** Keep the training images' embeddings for similar() (default true; at most 20,000 images). */
  gallery?: boolean;
  read?: ReadOptions;
}

export interface ImageValidation {
  /** Accuracy on the held-out images (absent when none were held out). */
  accuracy?: number;
  heldOut: number;
  epochs: number;
}

export interface FittedImages {
  net: ImageNet;
  spec: ImageSpec;
  norm: Normalization;
  target: ClassTarget;
  validation: ImageValidation;
  training: { rows: number; counts: number[]; flip: boolean; seconds: number };
  gallery: Gallery | null;
  galleryLabels: string[];
}

export const GALLERY_MAX = 20_000;

/** Epochs by default: about 300k image presentations, 10 to 40 epochs (small sets converge by then). */
export function defaultEpochs(n: number): number {
  return Math.max(10, Math.min(40, Math.round(300_000 / Math.max(1, n))));
}

/** The labels of an image set as class ids, with the checks of every classifier target. */
export function labelsOf(set: ImageSet, name: string, target?: ClassTarget): { target: ClassTarget; y: Int32Array; counts: number[] } {
  const table = { rows: set.labels!.map((l) => ({ [name]: l })), columns: [name] };
  const t = target ?? classTarget(table, name).target;
  const y = encodeClasses(table, t);
  const counts = t.classes.map(() => 0);
  for (const v of y) counts[v]++;
  return { target: t, y, counts };
}

export function augmentOptions(o: ImageTrainingOptions, shape: ImageShape, flipDefault: () => boolean): AugmentOptions | undefined {
  if (o.augment === false) return undefined;
  const a = o.augment ?? {};
  const shift = a.shift ?? Math.max(1, Math.round(Math.min(shape[1], shape[2]) / 8));
  if (!Number.isInteger(shift) || shift < 0) throw new InputError(`ImageClassifier: augment.shift must be a non-negative integer, got ${shift}`);
  const flip = a.flip === undefined || a.flip === 'auto' ? flipDefault() : !!a.flip;
  return { shift, flip };
}

export function checkTraining(o: ImageTrainingOptions, what: string): void {
  const positiveInt = (k: 'epochs' | 'batchSize') => {
    const v = o[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new InputError(`${what}: ${k} must be a positive integer, got ${v}`);
  };
  positiveInt('epochs');
  positiveInt('batchSize');
  for (const k of ['lr', 'weightDecay', 'labelSmoothing'] as const) {
    const v = o[k];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && Number.isFinite(v))) throw new InputError(`${what}: ${k} must be a number >= 0, got ${v}`);
  }
  if (o.labelSmoothing !== undefined && o.labelSmoothing >= 1) throw new InputError(`${what}: labelSmoothing must be below 1`);
}

/** Embeddings of n images, [n, dim]. */
export function embedAll(net: ImageNet, pixels: Float32Array, shape: ImageShape, n: number, norm: Normalization): Float32Array {
  return mapImages(net, pixels, shape, n, norm, (x) => net.embed(x), net.embeddingDim);
}

/** A gallery of (up to GALLERY_MAX, evenly spaced) images of a set. */
export function galleryOf(net: ImageNet, set: ImageSet, norm: Normalization, labels: string[] | null): { gallery: Gallery; labels: string[] } {
  const size = set.spec.shape[0] * set.spec.shape[1] * set.spec.shape[2];
  const step = Math.max(1, set.n / GALLERY_MAX);
  const pick = Array.from({ length: Math.min(set.n, GALLERY_MAX) }, (_, i) => Math.floor(i * step));
  const pixels = pick.length === set.n ? set.pixels : new Float32Array(pick.length * size);
  if (pixels !== set.pixels) pick.forEach((i, r) => pixels.set(set.pixels.subarray(i * size, (i + 1) * size), r * size));
  return { gallery: Gallery.of(embedAll(net, pixels, set.spec.shape, pick.length, norm), net.embeddingDim), labels: labels ? pick.map((i) => labels[i]) : [] };
}

export async function fitImages(data: string | readonly Record<string, unknown>[], o: ImageFitOptions, what: string): Promise<FittedImages> {
  const t0 = performance.now();
  checkTraining(o, what);
  const target = o.target ?? 'label';
  const set = await readImages(data, {
    target, imageShape: o.imageShape, column: o.column, resize: o.resize, read: o.read,
  }, what);
  // A pretrained backbone needs its channel count; height and width may differ (global pooling).
  if (o.from && set.spec.shape[0] !== o.from.spec.shape[0])
    throw new InputError(`${what}: the images have ${set.spec.shape[0]} channel(s), the pretrained model reads ${o.from.spec.shape[0]}`);
  const { target: classes, y, counts } = labelsOf(set, target);
  const seed = o.seed ?? 42;
  const share = o.validation ?? Math.min(0.1, 2000 / set.n);
  if (!(share >= 0 && share < 0.5)) throw new InputError(`${what}: validation must be a share of the images from 0 to 0.5, got ${share}`);
  const all = Array.from({ length: set.n }, (_, i) => i);
  const split = share > 0 && set.n >= 20 ? stratifiedSplit(y, share, seededRandom(seed)) : { train: all, validation: [] as number[] };
  const norm = o.from ? o.from.norm : fitNormalization(set.pixels, set.n, set.spec.shape);
  const trainY = Int32Array.from(split.train, (i) => y[i]);
  const trainPixels = (() => {
    const size = set.spec.shape[0] * set.spec.shape[1] * set.spec.shape[2];
    return { at: (i: number) => set.pixels.subarray(split.train[i] * size, (split.train[i] + 1) * size), size };
  })();
  const flip = () => {
    const sub = new Float32Array(split.train.length * trainPixels.size);
    split.train.forEach((_, r) => sub.set(trainPixels.at(r), r * trainPixels.size));
    return flipsKeepLabels(sub, set.spec.shape, trainY, classes.classes.length);
  };
  const aug = augmentOptions(o, set.spec.shape, flip);
  manualSeed(seed);
  const net = new ImageNet(set.spec.shape[0], classes.classes.length, o.from ? o.from.net.opts : { width: o.width, blocks: o.blocks, dropout: o.dropout });
  if (o.from) {
    const state = Object.fromEntries(Object.entries(o.from.net.stateDict()).filter(([k]) => !k.startsWith('head.')));
    net.loadStateDict(state, { strict: false });
    if ((o.freeze ?? 'backbone') === 'backbone') for (const m of net.backboneModules()) m.freeze();
    else if (o.freeze !== 'none') throw new InputError(`${what}: freeze must be 'backbone' or 'none', got ${JSON.stringify(o.freeze)}`);
  } else if (o.freeze !== undefined) throw new InputError(`${what}: freeze needs a pretrained model (from)`);
  const epochs = o.epochs ?? defaultEpochs(split.train.length);
  const history = await trainCnn(net, { pixels: set.pixels, shape: set.spec.shape, labels: y, index: split.train }, norm, {
    epochs, batchSize: o.batchSize ?? (split.train.length < 2000 ? 32 : 64), lr: o.lr ?? 3e-3, weightDecay: o.weightDecay ?? 5e-4,
    labelSmoothing: o.labelSmoothing ?? 0.1, augment: aug ?? { shift: 0, flip: false }, seed, progress: o.progress, onEpoch: o.onEpoch,
  });
  net.eval();
  const validation: ImageValidation = { heldOut: split.validation.length, epochs: history.length };
  if (split.validation.length) {
    const size = trainPixels.size, vp = new Float32Array(split.validation.length * size);
    split.validation.forEach((i, r) => vp.set(set.pixels.subarray(i * size, (i + 1) * size), r * size));
    const c = classes.classes.length;
    const logits = mapImages(net, vp, set.spec.shape, split.validation.length, norm, (x) => net.forward(x), c);
    let hit = 0;
    split.validation.forEach((i, r) => {
      let best = 0;
      for (let j = 1; j < c; j++) if (logits[r * c + j] > logits[r * c + best]) best = j;
      if (best === y[i]) hit++;
    });
    validation.accuracy = hit / split.validation.length;
  }
  const g = o.gallery === false ? null : galleryOf(net, set, norm, set.labels);
  return {
    net, spec: set.spec, norm, target: classes, validation,
    training: { rows: set.n, counts, flip: !!aug?.flip, seconds: (performance.now() - t0) / 1000 },
    gallery: g?.gallery ?? null, galleryLabels: g?.labels ?? [],
  };
}
