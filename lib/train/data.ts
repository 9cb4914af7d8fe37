// Batches for fit(): in-memory tensors (rows on dim 0, shuffled with a seed each epoch) or
// any object that produces batches itself (the CSV pipeline's loaders).
import { noGrad } from '../autograd/mode.js';
import { indexSelect } from '../ops/join.js';
import { slice } from '../ops/shape.js';
import { tensor } from '../tensor/create.js';
import { Tensor } from '../tensor/tensor.js';

export type Inputs = Tensor | Tensor[];

export interface Batch {
  x: Inputs;
  y: Tensor;
}

/** In-memory training data: x (one tensor, or several for multi-input models) and y, rows on dim 0. */
export interface TensorData {
  x: Inputs;
  y: Tensor;
}

/** A source that yields its own batches (and owns their memory until fit disposes them). */
export interface BatchSource {
  batches(epoch: number, batchSize: number, shuffle: boolean): Iterable<Batch> | AsyncIterable<Batch>;
}

export type FitData = TensorData | BatchSource;

export function isBatchSource(d: unknown): d is BatchSource {
  return !!d && typeof (d as BatchSource).batches === 'function';
}

export function asList(x: Inputs): Tensor[] {
  return Array.isArray(x) ? x : [x];
}

/** Rows in the data, checking every tensor has the same number of them. */
export function rowCount(d: TensorData, what: string): number {
  const all = [...asList(d.x), d.y];
  for (const t of all) if (!(t instanceof Tensor)) throw new TypeError(`fit: ${what} must hold Tensors (x and y)`);
  const n = d.y.shape[0];
  if (d.y.ndim === 0) throw new RangeError(`fit: ${what}.y needs a batch dim`);
  for (const t of all)
    if (t.ndim === 0 || t.shape[0] !== n)
      throw new RangeError(`fit: ${what} tensors disagree on the number of rows (${t.shape[0]} vs ${n}); rows go on dim 0`);
  return n;
}

/** mulberry32: a tiny seeded generator for shuffling (independent of tensor draws). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function permutation(n: number, random: () => number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** Rows `index` of every tensor (a copy). */
export function takeRows(d: TensorData, index: Int32Array): TensorData {
  // Copies of data, never part of a graph (the native index lives on the CPU for any device).
  const idx = tensor(index, { shape: [index.length], device: 'cpu' });
  const pick = (t: Tensor) => noGrad(() => indexSelect(t, 0, idx));
  try {
    return { x: Array.isArray(d.x) ? d.x.map(pick) : pick(d.x), y: pick(d.y) };
  } finally {
    idx.dispose();
  }
}

/** Batches of in-memory data in a (seeded) random or the original order. */
export function* tensorBatches(d: TensorData, batchSize: number, order: Int32Array | null): Generator<Batch> {
  const n = rowCount(d, 'data');
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    if (order) {
      yield takeRows(d, order.subarray(start, end));
    } else {
      const rows = (t: Tensor) => noGrad(() => slice(t, 0, start, end, 1));
      yield { x: Array.isArray(d.x) ? d.x.map(rows) : rows(d.x), y: rows(d.y) };
    }
  }
}

export function disposeBatch(b: Batch): void {
  for (const t of asList(b.x)) t.dispose();
  b.y.dispose();
}
