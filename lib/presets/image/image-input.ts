// Where ImageClassifier's images come from, turned into one block of channel-major pixels:
//   - pixel columns px0..px{n-1} of a CSV file or of row objects (one image per row);
//   - an `image` field per row: a typed array / number[] of c*h*w pixels, encoded bytes
//     (a PNG or JPEG Buffer), or a path to an image file (relative to the CSV's folder);
//   - a folder with one sub-folder per class, each holding image files.
// Pixel values are kept as given (0-255, 0-16, 0-1...): the preset's normalization is fitted on
// them. Every bad image is a one-line InputError naming the row or file.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../../data/errors.js';
import { streamRecords, type ReadOptions } from '../../data/source.js';
import type { Row } from '../../data/table.js';
import { asLabel, asNumber, isMissing } from '../../data/values.js';
import { decodeImage, IMAGE_EXTENSIONS, looksEncoded } from './decode.js';

export type ImageShape = [number, number, number];

/** How a model reads its images: pixel columns or an image field, and the shape. */
export interface ImageSpec {
  shape: ImageShape;
  input: 'pixels' | 'image';
  /** The field holding each image (input 'image'; default 'image'). */
  column: string;
  /** Resize / convert images of another size or channel count instead of refusing them. */
  resize?: boolean;
}

export interface ImageSet {
  /** n * c * h * w pixels, channel-major per image. */
  pixels: Float32Array;
  n: number;
  spec: ImageSpec;
  /** Each image's label (the target), when labelled. */
  labels: string[] | null;
  /** Where each image came from ("file.csv line 3", "shoes/12.png"), for errors. */
  names: string[];
}

export interface ReadImagesOptions {
  /** The label column (CSV / rows); a folder's labels are its sub-folder names. */
  target?: string;
  imageShape?: ImageShape;
  /** The field of the image (default 'image'). */
  column?: string;
  resize?: boolean;
  /** A spec the images must follow (a trained model's). */
  spec?: ImageSpec;
  read?: ReadOptions;
}

const PIXEL = /^px(\d+)$/;
const size = (s: ImageShape) => s[0] * s[1] * s[2];

export function checkShape(s: unknown, what: string): ImageShape {
  if (!Array.isArray(s) || s.length !== 3 || !s.every((v) => Number.isInteger(v) && v >= 1))
    throw new InputError(`${what}: imageShape must be [channels, height, width] (positive integers), got ${JSON.stringify(s)}`);
  if (s[0] > 4) throw new InputError(`${what}: imageShape ${JSON.stringify(s)} has ${s[0]} channels; images are NCHW, channels first (e.g. [3, 32, 32])`);
  return s as ImageShape;
}

/** The shape of `n` pixels when not given: n = s*s greyscale, n = 3*s*s RGB. */
function inferShape(n: number, what: string): ImageShape {
  const s = Math.round(Math.sqrt(n)), t = Math.round(Math.sqrt(n / 3));
  if (s * s === n) return [1, s, s];
  if (3 * t * t === n) return [3, t, t];
  throw new InputError(`${what}: ${n} pixel values per image is not a square image; give imageShape: [channels, height, width]`);
}

/** The pixel columns among `columns`: px0..px{n-1}, all of them. */
export function pixelColumns(columns: string[], what: string): number {
  const idx = columns.map((c) => PIXEL.exec(c)?.[1]).filter((v): v is string => v !== undefined).map(Number);
  if (!idx.length) return 0;
  const have = new Set(idx);
  for (let i = 0; i < idx.length; i++) if (!have.has(i)) throw new InputError(`${what}: pixel column 'px${i}' is missing (found ${idx.length} px columns; they must be px0..px${idx.length - 1})`);
  return idx.length;
}

function pixelValue(v: unknown, at: string, col: string): number {
  const x = typeof v === 'number' ? v : asNumber(v as string);
  if (x === undefined || !Number.isFinite(x)) throw new InputError(`${at}: column '${col}' is ${JSON.stringify(v)}, not a pixel value`);
  return x;
}

/** Writes row's pixel columns into out at offset. */
function pixelsOfRow(row: Record<string, unknown>, spec: ImageSpec, out: Float32Array, offset: number, at: string): void {
  const n = size(spec.shape);
  for (let j = 0; j < n; j++) {
    const v = row[`px${j}`];
    if (v === undefined) throw new InputError(`${at}: column 'px${j}' is missing; the model reads ${n} pixel columns px0..px${n - 1} (image ${spec.shape.join('x')})`);
    out[offset + j] = pixelValue(v, at, `px${j}`);
  }
}

const isArrayLike = (v: unknown): v is ArrayLike<number> => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));

/** An in-memory image field (raw pixels) into out; false when it needs decoding (path or encoded bytes). */
function rawImage(v: unknown, spec: ImageSpec, out: Float32Array, offset: number, at: string): boolean {
  if (typeof v === 'string') return false;
  if (v instanceof Uint8Array && looksEncoded(v) && v.length !== size(spec.shape)) return false;
  if (!isArrayLike(v)) throw new InputError(`${at}: field '${spec.column}' must be pixels (a typed array or number[]), encoded image bytes or an image file path, got ${v === null ? 'null' : typeof v}`);
  const n = size(spec.shape);
  if (v.length !== n)
    throw new InputError(`${at}: field '${spec.column}' has ${v.length} values, the model expects ${n} (${spec.shape.join('x')}: channels x height x width)`);
  for (let j = 0; j < n; j++) {
    const x = v[j];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new InputError(`${at}: field '${spec.column}' value ${j} is ${JSON.stringify(x)}, not a pixel value`);
    out[offset + j] = x;
  }
  return true;
}

/** The spec of rows: pixel columns or an image field (shape given or inferred). */
async function specOfRows(first: Record<string, unknown>, columns: string[], o: ReadImagesOptions, baseDir: string, what: string): Promise<ImageSpec> {
  if (o.spec) return o.spec;
  const column = o.column ?? 'image';
  const shape = o.imageShape ? checkShape(o.imageShape, what) : undefined;
  const px = pixelColumns(columns, what);
  if (px && !(column in first)) {
    const s = shape ?? inferShape(px, what);
    if (size(s) !== px) throw new InputError(`${what}: imageShape ${JSON.stringify(s)} needs ${size(s)} pixel columns, the data has ${px}`);
    return { shape: s, input: 'pixels', column };
  }
  const v = first[column];
  if (v === undefined) throw new InputError(`${what}: the rows have neither pixel columns (px0, px1, ...) nor an '${column}' field`);
  if (shape) return { shape, input: 'image', column, resize: o.resize };
  if (typeof v === 'string' || (v instanceof Uint8Array && looksEncoded(v)))
    return { shape: (await decodeImage(typeof v === 'string' ? resolve(baseDir, v) : v, `${what}: the first image`)).shape, input: 'image', column, resize: o.resize };
  if (isArrayLike(v)) return { shape: inferShape(v.length, what), input: 'image', column };
  throw new InputError(`${what}: field '${column}' of the first row is not an image (pixels, encoded bytes or a file path)`);
}

/** Pixels of rows that need no decoding (pixel columns, raw arrays): what synchronous predict reads. */
export function encodeRowsSync(rows: readonly Record<string, unknown>[], spec: ImageSpec, what: string): Float32Array {
  const n = size(spec.shape), out = new Float32Array(rows.length * n);
  rows.forEach((row, i) => {
    const at = `${what}: row ${i}`;
    if (!row || typeof row !== 'object') throw new InputError(`${at} is not an object`);
    if (spec.input === 'pixels') return pixelsOfRow(row, spec, out, i * n, at);
    const v = row[spec.column];
    if (v === undefined || v === null) throw new InputError(`${at}: field '${spec.column}' (the image) is missing`);
    if (!rawImage(v, spec, out, i * n, at))
      throw new InputError(`${at}: field '${spec.column}' is ${typeof v === 'string' ? 'a file path' : 'encoded image bytes'}; decoding is asynchronous: use await model.predictAsync(rows) (or embedAsync / similarAsync)`);
  });
  return out;
}

/** Pixels of any rows, decoding paths (relative to baseDir) and encoded bytes. */
export async function encodeRows(rows: readonly Record<string, unknown>[], spec: ImageSpec, what: string, baseDir = process.cwd(), names?: string[]): Promise<Float32Array> {
  const n = size(spec.shape), out = new Float32Array(rows.length * n);
  const pending: Promise<void>[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i], at = names?.[i] ?? `${what}: row ${i}`;
    if (!row || typeof row !== 'object') throw new InputError(`${at} is not an object`);
    if (spec.input === 'pixels') { pixelsOfRow(row, spec, out, i * n, at); continue; }
    const v = row[spec.column];
    if (v === undefined || v === null) throw new InputError(`${at}: field '${spec.column}' (the image) is missing`);
    if (rawImage(v, spec, out, i * n, at)) continue;
    const input = typeof v === 'string' ? resolve(baseDir, v) : (v as Uint8Array);
    const name = typeof v === 'string' && at !== v ? `${at}: ${v}` : at;
    pending.push(decodeImage(input, name, spec).then((d) => out.set(d.pixels, i * n)));
    if (pending.length >= 16) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return out;
}

function labelOf(row: Record<string, unknown>, target: string, at: string): string {
  const v = row[target] as Row[string];
  if (v === undefined) throw new InputError(`${at}: the target column '${target}' is missing`);
  if (isMissing(v)) throw new InputError(`${at}: the target '${target}' is missing`);
  return asLabel(v);
}

/** A folder of class folders -> rows { image: path, label } (sorted, for repeatable runs). */
function folderRows(root: string, what: string): { rows: Record<string, unknown>[]; names: string[] } {
  const classes = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
  if (!classes.length) throw new InputError(`${what}: ${root} has no class folders (expected one sub-folder of images per class)`);
  const rows: Record<string, unknown>[] = [], names: string[] = [];
  for (const c of classes) {
    const files = readdirSync(join(root, c), { withFileTypes: true }).filter((f) => f.isFile() && IMAGE_EXTENSIONS.test(f.name)).map((f) => f.name).sort();
    if (!files.length) throw new InputError(`${what}: class folder '${c}' (${join(root, c)}) has no images (.png, .jpg, .jpeg, .webp, .gif, .tif)`);
    for (const f of files) {
      rows.push({ image: resolve(root, c, f), label: c });
      names.push(join(root, c, f));
    }
  }
  return { rows, names };
}

export function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Reads labelled (`target` given) or unlabelled images from a CSV / JSON Lines path, a folder
 * of class folders, or row objects. A CSV is streamed row by row: 60,000 rows of 784 pixel
 * columns never exist as row objects at once.
 */
export async function readImages(data: string | readonly Record<string, unknown>[], o: ReadImagesOptions, what: string): Promise<ImageSet> {
  if (typeof data === 'string' && isFolder(data)) {
    const { rows, names } = folderRows(data, what);
    const spec = o.spec ?? { shape: o.imageShape ? checkShape(o.imageShape, what) : (await decodeImage(rows[0].image as string, names[0])).shape, input: 'image' as const, column: 'image', resize: o.resize };
    const pixels = await encodeRows(rows, { ...spec, column: 'image', input: 'image' }, what, data, names);
    return { pixels, n: rows.length, spec, labels: o.target === undefined ? null : rows.map((r) => r.label as string), names };
  }
  if (typeof data === 'string') return readImageFile(data, o, what);
  if (!Array.isArray(data) || !data.length) throw new InputError(`${what}: expected a CSV path, a folder of class folders, or a non-empty array of rows`);
  const columns = Object.keys(data[0] ?? {});
  const spec = await specOfRows(data[0], columns, o, process.cwd(), what);
  const pixels = await encodeRows(data, spec, what);
  const labels = o.target === undefined ? null : data.map((r, i) => labelOf(r, o.target!, `${what}: row ${i}`));
  return { pixels, n: data.length, spec, labels, names: data.map((_, i) => `row ${i}`) };
}

async function readImageFile(path: string, o: ReadImagesOptions, what: string): Promise<ImageSet> {
  let columns: string[] = [];
  const baseDir = dirname(resolve(path));
  let spec: ImageSpec | undefined, n = 0, width = 0;
  let pixels: Float32Array = new Float32Array(0);
  const labels: string[] = [], names: string[] = [];
  let pathRows: Record<string, unknown>[] = [];
  for await (const rec of streamRecords(path, { ...o.read, onHeader: (c) => { columns = c; } })) {
    const at = `${path} line ${rec.line}`;
    if (!spec) {
      if (!columns.length) columns = Object.keys(rec.row);
      if (o.target !== undefined && !columns.includes(o.target) && !(o.target in rec.row))
        throw new InputError(`${what}: target column '${o.target}' is not in ${path}`);
      spec = await specOfRows(rec.row, columns, o, baseDir, what);
      width = size(spec.shape);
    }
    if (spec.input === 'image') pathRows.push(rec.row);
    else {
      if ((n + 1) * width > pixels.length) {
        const grown = new Float32Array(Math.max(width * 1024, pixels.length * 2));
        grown.set(pixels);
        pixels = grown;
      }
      pixelsOfRow(rec.row, spec, pixels, n * width, at);
    }
    if (o.target !== undefined) labels.push(labelOf(rec.row, o.target, at));
    names.push(at);
    n++;
  }
  if (!spec || !n) throw new InputError(`${what}: ${path} has no rows`, 'EEMPTY');
  if (spec.input === 'image') {
    pixels = await encodeRows(pathRows, spec, what, baseDir, names);
    pathRows = [];
  }
  return { pixels: pixels.length === n * width ? pixels : pixels.slice(0, n * width), n, spec, labels: o.target === undefined ? null : labels, names };
}
