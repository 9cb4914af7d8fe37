// Metric inputs may be Tensors, typed arrays or plain arrays; metrics read them as flat
// float64 values on the host.
import { Tensor } from '../tensor/tensor.js';

export type Values = Tensor | ArrayLike<number>;

export function toArray(v: Values, metric: string, name: string): Float64Array {
  if (v instanceof Tensor) return Float64Array.from(v.dataSync());
  if (v && typeof v === 'object' && typeof (v as ArrayLike<number>).length === 'number') return Float64Array.from(v as ArrayLike<number>);
  throw new TypeError(`${metric}: expected ${name} to be a Tensor or an array of numbers`);
}

/** Rows of a [n, k] score matrix given as a Tensor or as arrays of arrays. */
export function toRows(v: Tensor | ArrayLike<number>[], metric: string, name: string): Float64Array[] {
  if (v instanceof Tensor) {
    if (v.ndim !== 2) throw new RangeError(`${metric}: expected ${name} of shape [n, k], got [${v.shape.join(', ')}]`);
    const [n, k] = v.shape;
    const flat = v.dataSync();
    return Array.from({ length: n }, (_, i) => Float64Array.from(flat.subarray(i * k, (i + 1) * k)));
  }
  if (!Array.isArray(v)) throw new TypeError(`${metric}: expected ${name} to be a [n, k] Tensor or an array of arrays`);
  return v.map((r) => toArray(r, metric, name));
}

export function sameLength(metric: string, a: Float64Array, b: Float64Array, an: string, bn: string): void {
  if (a.length !== b.length) throw new RangeError(`${metric}: ${an} has ${a.length} values but ${bn} has ${b.length}`);
  if (a.length === 0) throw new RangeError(`${metric}: no values`);
}
