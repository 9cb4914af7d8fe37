// ImageClassifier: images (pixel columns, an image field, or a folder of class folders) ->
// the class, its probabilities, an embedding for visual search, and the most similar known
// images. The network is a small residual CNN (cnn.ts); fitting, transfer learning and
// distillation live in image-fit.ts, image-transfer.ts and image-distill.ts, the file format in
// persist.ts. predict() is synchronous for pixels; images to decode (paths, PNG/JPEG bytes)
// go through the *Async methods, since decoding is.
import { dirname, resolve } from 'node:path';
import type { ClassTarget } from '../../data/classes.js';
import { InputError } from '../../data/errors.js';
import type { Row, Table } from '../../data/table.js';
import { load as loadModel, save as saveModel } from '../../io/model-file.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type MulticlassReport, multiclassReport } from '../classifier-report.js';
import { buildFromParts, partsFromSafetensors, partsToSafetensors } from '../persist.js';
import type { Classifier, Data, DataOptions, InputColumn, OutputColumn, OutputValue, Saved } from '../preset.js';
import { registerPreset } from '../registry.js';
import type { Normalization } from './augment.js';
import { ImageNet } from './cnn.js';
import { Gallery, type Neighbour } from './gallery.js';
import { type FittedImages, type ImageFitOptions, embedAll, fitImages, labelsOf } from './image-fit.js';
import { type ImageSpec, encodeRows, encodeRowsSync, readImages } from './image-input.js';
import { type FineTuneOptions, fineTuneImages } from './image-transfer.js';
import { type ImageDistillOptions, distillImages } from './image-distill.js';
import { mapImages } from './train-cnn.js';

type Rows = Row[] | Table | readonly Record<string, unknown>[];
/** One image for similar(): a row object, raw pixels, or (async) a path / encoded bytes. */
export type ImageQuery = Record<string, unknown> | ArrayLike<number> | string;

export interface ImageClassifierFitOptions extends Omit<ImageFitOptions, 'from'> {
  /** A pretrained ImageClassifier (or its file) whose backbone this model starts from. */
  from?: ImageClassifier | string;
}

export interface ImageReport extends MulticlassReport {}

const rowsOf = (rows: Rows, what: string): readonly Record<string, unknown>[] => {
  const list = Array.isArray(rows) ? rows : (rows as Table)?.rows;
  if (!Array.isArray(list)) throw new TypeError(`${what}: expected an array of row objects`);
  return list;
};

export class ImageClassifier implements Classifier<string, ImageReport> {
  static readonly kind = 'image';
  readonly kind = ImageClassifier.kind;
  net: ImageNet;
  readonly spec: ImageSpec;
  readonly norm: Normalization;
  readonly target: ClassTarget;
  validation: FittedImages['validation'];
  readonly training: FittedImages['training'];
  gallery: Gallery | null;
  galleryLabels: string[];
  galleryIds: string[];

  /** @internal */
  constructor(f: FittedImages & { galleryIds?: string[] }) {
    this.net = f.net;
    this.spec = f.spec;
    this.norm = f.norm;
    this.target = f.target;
    this.validation = f.validation;
    this.training = f.training;
    this.gallery = f.gallery;
    this.galleryLabels = f.galleryLabels;
    this.galleryIds = f.galleryIds ?? [];
  }

  /**
   * Trains on a CSV (pixel columns px0.. or an image path column), a folder with one
   * sub-folder of images per class, or rows with pixel columns or an `image` field.
   * `from` starts from a pretrained model's backbone (frozen unless `freeze: 'none'`).
   */
  static async fit(data: string | readonly Record<string, unknown>[] | Table, opts: ImageClassifierFitOptions = {}): Promise<ImageClassifier> {
    const from = typeof opts.from === 'string' ? await ImageClassifier.load(opts.from) : opts.from;
    if (from !== undefined && !(from instanceof ImageClassifier)) throw new InputError('ImageClassifier.fit: from must be an ImageClassifier or the path of one');
    return new ImageClassifier(await fitImages(sourceOf(data), { ...opts, from: from && { net: from.net, norm: from.norm, spec: from.spec } }, 'ImageClassifier.fit'));
  }

  get classes(): string[] {
    return [...this.target.classes];
  }

  get inputSchema(): InputColumn[] {
    const n = this.spec.shape[0] * this.spec.shape[1] * this.spec.shape[2];
    return this.spec.input === 'pixels' ? Array.from({ length: n }, (_, j) => ({ name: `px${j}`, type: 'numeric' as const })) : [{ name: this.spec.column, type: 'image' }];
  }

  #probabilities(pixels: Float32Array, n: number): Float32Array {
    const c = this.target.classes.length;
    return mapImages(this.net, pixels, this.spec.shape, n, this.norm, (x) => this.net.forward(x).softmax(1), c);
  }

  #proba(pixels: Float32Array, n: number): number[][] {
    const p = this.#probabilities(pixels, n), c = this.target.classes.length;
    return Array.from({ length: n }, (_, i) => Array.from(p.subarray(i * c, (i + 1) * c)));
  }

  /** n × classes probabilities in `classes` order (pixel columns or raw pixel arrays). */
  predictProba(rows: Rows): number[][] {
    const list = rowsOf(rows, 'ImageClassifier.predictProba');
    return list.length ? this.#proba(encodeRowsSync(list, this.spec, 'ImageClassifier.predictProba'), list.length) : [];
  }

  /** predictProba() for any images, decoding file paths and PNG/JPEG bytes. */
  async predictProbaAsync(rows: Rows): Promise<number[][]> {
    const list = rowsOf(rows, 'ImageClassifier.predictProbaAsync');
    return list.length ? this.#proba(await encodeRows(list, this.spec, 'ImageClassifier.predictProbaAsync'), list.length) : [];
  }

  /** The most likely class of each row. */
  predict(rows: Rows): string[] {
    return this.predictProba(rows).map((p) => this.target.classes[argmax(p)]);
  }

  /** predict() for any images (file paths and encoded bytes included). */
  async predictAsync(rows: Rows): Promise<string[]> {
    return (await this.predictProbaAsync(rows)).map((p) => this.target.classes[argmax(p)]);
  }

  #embed(pixels: Float32Array, n: number): Float32Array {
    return embedAll(this.net, pixels, this.spec.shape, n, this.norm);
  }

  /** The backbone's embedding of each row (for visual search, clustering, other models). */
  embed(rows: Rows): number[][] {
    const list = rowsOf(rows, 'ImageClassifier.embed'), d = this.net.embeddingDim;
    const e = list.length ? this.#embed(encodeRowsSync(list, this.spec, 'ImageClassifier.embed'), list.length) : new Float32Array(0);
    return Array.from({ length: list.length }, (_, i) => Array.from(e.subarray(i * d, (i + 1) * d)));
  }

  async embedAsync(rows: Rows): Promise<number[][]> {
    const list = rowsOf(rows, 'ImageClassifier.embedAsync'), d = this.net.embeddingDim;
    const e = list.length ? this.#embed(await encodeRows(list, this.spec, 'ImageClassifier.embedAsync'), list.length) : new Float32Array(0);
    return Array.from({ length: list.length }, (_, i) => Array.from(e.subarray(i * d, (i + 1) * d)));
  }

  #queryRow(q: ImageQuery): Record<string, unknown> {
    if (typeof q === 'string' || Array.isArray(q) || ArrayBuffer.isView(q)) return this.spec.input === 'pixels' && typeof q !== 'string'
      ? Object.fromEntries(Array.from(q as ArrayLike<number>, (v, j) => [`px${j}`, v]))
      : { [this.spec.column]: q };
    if (!q || typeof q !== 'object') throw new InputError('ImageClassifier.similar: expected a row object, pixels or an image path');
    return q as Record<string, unknown>;
  }

  #neighbours(pixels: Float32Array, k: number): Neighbour[] {
    if (!this.gallery) throw new InputError('ImageClassifier.similar: the model has no gallery (it was fitted with gallery: false); call await model.index(rows) first');
    if (!Number.isInteger(k) || k < 1) throw new InputError(`ImageClassifier.similar: k must be a positive integer, got ${k}`);
    const [hits] = this.gallery.search(this.#embed(pixels, 1), k);
    return hits.map((h) => ({
      index: h.index, score: h.score,
      ...(this.galleryIds.length ? { id: this.galleryIds[h.index] } : {}), ...(this.galleryLabels.length ? { label: this.galleryLabels[h.index] } : {}),
    }));
  }

  /** The k gallery images most similar (cosine of embeddings) to one image: a row, or its pixels. */
  similar(image: ImageQuery, k = 10): Neighbour[] {
    return this.#neighbours(encodeRowsSync([this.#queryRow(image)], this.spec, 'ImageClassifier.similar'), k);
  }

  /** similar() for any image, a file path or encoded bytes included. */
  async similarAsync(image: ImageQuery, k = 10): Promise<Neighbour[]> {
    return this.#neighbours(await encodeRows([this.#queryRow(image)], this.spec, 'ImageClassifier.similarAsync'), k);
  }

  /**
   * Makes `data` (rows, a CSV or a class folder) the gallery similar() searches: a product
   * catalogue, say. `id` names a column whose values similar() returns; `target` one with labels.
   */
  async index(data: string | readonly Record<string, unknown>[] | Table, opts: { id?: string; target?: string } = {}): Promise<this> {
    const source = sourceOf(data);
    const set = await readImages(source, { spec: this.spec, target: opts.target }, 'ImageClassifier.index');
    const rows = typeof source === 'string' ? null : source;
    this.gallery?.vectors.dispose();
    this.gallery = Gallery.of(this.#embed(set.pixels, set.n), this.net.embeddingDim);
    this.galleryLabels = set.labels ?? [];
    this.galleryIds = opts.id && rows ? rows.map((r, i) => {
      const v = r[opts.id!];
      if (v === undefined || v === null) throw new InputError(`ImageClassifier.index: row ${i} has no '${opts.id}'`);
      return String(v);
    }) : [];
    return this;
  }

  /**
   * Transfer learning's second step: unfreezes the backbone (`unfreeze`: 'all', the default, or
   * the last n residual blocks) and trains it, at `backboneLr` (default 1) of the head's
   * learning rate, with the head on `data`; batch norm re-estimated (`batchNorm: 'adapt'`) unless
   * 'frozen', `l2sp` pulls toward the pretrained weights. Layers left frozen keep batch norm in inference mode.
   */
  async fineTune(data: string | readonly Record<string, unknown>[] | Table, opts: FineTuneOptions = {}): Promise<this> {
    await fineTuneImages(this, sourceOf(data), opts);
    return this;
  }

  /**
   * A smaller model of the same class: a narrower CNN (half the width by default) trained on
   * this model's softened outputs and the labels of `data` (distillation), same predict().
   */
  async distill(opts: ImageDistillOptions): Promise<ImageClassifier> {
    const data = opts?.data === undefined ? undefined : sourceOf(opts.data as string | readonly Record<string, unknown>[] | Table);
    return new ImageClassifier(await distillImages(this, { ...opts, data: data as string }));
  }

  /** Accuracy, log loss, macro F1, top-k accuracy and per-class figures on labelled images. */
  async evaluate(data: Data | readonly Record<string, unknown>[], opts: DataOptions & { k?: number; target?: string } = {}): Promise<ImageReport> {
    const set = await readImages(sourceOf(data), { spec: this.spec, target: opts.target ?? this.target.name, read: opts.read }, 'ImageClassifier.evaluate');
    const { y } = labelsOf(set, opts.target ?? this.target.name, this.target);
    return multiclassReport(this.#proba(set.pixels, set.n), Array.from(y), this.classes, opts.k);
  }

  outputColumns(): OutputColumn[] {
    const t = this.target;
    return [
      { name: 'class', type: 'string', description: `the most likely '${t.name}'` },
      ...t.classes.map((c) => ({ name: `probability_${c}`, type: 'number' as const, description: `P(${t.name} = ${c})` })),
    ];
  }

  score(rows: Rows): OutputValue[][] {
    return this.predictProba(rows).map((p) => [this.target.classes[argmax(p)], ...p]);
  }

  /** score() decoding image paths (relative to the folder of a Table's source file, errors naming its lines) and bytes. */
  async scoreAsync(rows: Rows): Promise<OutputValue[][]> {
    const list = rowsOf(rows, 'ImageClassifier.scoreAsync'), t = Array.isArray(rows) ? undefined : (rows as Table);
    if (!list.length) return [];
    const names = t?.source && t.lines ? t.lines.map((l) => `${t.source} line ${l}`) : undefined;
    const pixels = await encodeRows(list, this.spec, 'ImageClassifier.scoreAsync', t?.source ? dirname(resolve(t.source)) : process.cwd(), names);
    return this.#proba(pixels, list.length).map((p) => [this.target.classes[argmax(p)], ...p]);
  }

  /** Size of the network: parameters and bytes of float32 weights. */
  get size(): { parameters: number; bytes: number } {
    const parameters = this.net.parameters().reduce((n, p) => n + p.size, 0);
    return { parameters, bytes: 4 * Object.values(this.net.stateDict()).reduce((n, t) => n + t.size, 0) };
  }

  describe(): string {
    const [c, h, w] = this.spec.shape, o = this.net.opts;
    const input = this.spec.input === 'pixels' ? `${c * h * w} pixel columns px0..px${c * h * w - 1}` : `the '${this.spec.column}' field (pixels, PNG/JPEG bytes or a file path)`;
    const lines = [
      `ImageClassifier (kind 'image'): the most likely '${this.target.name}' of ${this.target.classes.length} classes (column 'class') and each class's probability`,
      `inputs: ${c === 1 ? 'greyscale' : c === 3 ? 'RGB' : `${c}-channel`} ${w}x${h} images as ${input}`,
      `network: residual CNN, width ${o.width}, blocks [${o.blocks.join(', ')}], ${this.size.parameters} parameters; embedding ${this.net.embeddingDim} values`,
      `trained on ${this.training.rows} images (${this.classes.slice(0, 12).map((k, i) => `${this.training.counts[i]} '${k}'`).join(', ')}${this.classes.length > 12 ? ', ...' : ''}); ${this.validation.epochs} epochs${this.training.flip ? ', flips' : ''}`,
    ];
    if (this.validation.accuracy !== undefined) lines.push(`held-out accuracy ${this.validation.accuracy.toFixed(4)} on ${this.validation.heldOut} images`);
    lines.push(this.gallery ? `gallery for similar(): ${this.gallery.size} images` : 'no gallery for similar() (index(rows) makes one)');
    return lines.join('\n');
  }

  toSafetensors(): Saved {
    return partsToSafetensors({ kind: this.kind, preset: 'ImageClassifier' }, {
      preprocessor: { spec: this.spec, norm: this.norm },
      backbones: this.gallery ? [this.net, this.gallery] : [this.net],
      head: { type: 'softmax', classes: this.target.classes.length },
      info: { target: this.target, validation: this.validation, training: this.training, galleryLabels: this.galleryLabels, galleryIds: this.galleryIds },
    });
  }

  save(path: string): Promise<void> {
    return saveModel(this, path);
  }

  static async load(path: string): Promise<ImageClassifier> {
    const m = await loadModel(path);
    if (!(m instanceof ImageClassifier)) throw new TypeError(`ImageClassifier.load: ${path} does not hold an image model`);
    return m;
  }

  /** @internal Rebuilds from a file's tensors and metadata (registered with tl.load). */
  static fromSaved(tensors: Record<string, Tensor>, meta: Record<string, unknown>): ImageClassifier {
    const parts = partsFromSafetensors(tensors, meta, { kind: ImageClassifier.kind, preset: 'ImageClassifier' });
    return buildFromParts(parts, () => {
      const [net, gallery] = parts.backbones;
      if (!(net instanceof ImageNet)) throw new Error('ImageClassifier: the file\'s first network is not an image network');
      if (gallery !== undefined && !(gallery instanceof Gallery)) throw new Error('ImageClassifier: the file\'s second network is not a gallery');
      const pre = parts.preprocessor as { spec?: ImageSpec; norm?: Normalization };
      const info = parts.info as Partial<FittedImages> & { galleryIds?: string[] };
      if (!pre?.spec || !Array.isArray(pre.spec.shape) || !pre.norm || !Array.isArray(pre.norm.mean)) throw new Error('ImageClassifier: the file has no image preprocessing');
      if (!info.target || !Array.isArray(info.target.classes) || info.target.classes.length !== net.classes) throw new Error('ImageClassifier: the file\'s classes and network disagree');
      if (gallery && gallery.dim !== net.embeddingDim) throw new Error('ImageClassifier: the file\'s gallery and network disagree on the embedding size');
      return new ImageClassifier({
        net, spec: pre.spec, norm: pre.norm, target: info.target, validation: info.validation ?? { heldOut: 0, epochs: 0 },
        training: info.training ?? { rows: 0, counts: [], flip: false, seconds: 0 }, gallery: gallery ?? null,
        galleryLabels: info.galleryLabels ?? [], galleryIds: info.galleryIds ?? [],
      });
    });
  }
}

/** A path, or the rows of an array or a Table. */
function sourceOf(data: string | readonly Record<string, unknown>[] | Table): string | readonly Record<string, unknown>[] {
  if (typeof data === 'string' || Array.isArray(data)) return data;
  if (data && Array.isArray((data as Table).rows)) return (data as Table).rows;
  throw new InputError('ImageClassifier: expected a CSV path, a folder of class folders, or an array of rows');
}

function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < p.length; j++) if (p[j] > p[best]) best = j;
  return best;
}

registerPreset(ImageClassifier, ['images', 'image-classifier']);
