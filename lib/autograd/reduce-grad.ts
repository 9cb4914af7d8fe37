// Shape plumbing shared by backward functions.
import { native } from '../native.js';
import { Tensor } from '../tensor/tensor.js';

/** Sums g over the dims that broadcasting added or stretched, giving a tensor of `shape`. */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  const gs = g.dimsInternal;
  if (gs.length === shape.length && gs.every((d, i) => d === shape[i])) return g;
  const lead = gs.length - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < gs.length; i++) if (i < lead || (shape[i - lead] === 1 && gs[i] !== 1)) dims.push(i);
  const summed = dims.length ? new Tensor(native.reduce('sum', g.handle, dims, true)) : g;
  return new Tensor(native.reshape(summed.handle, [...shape]));
}

/** Undoes a reduction's dropped dims: g of the reduced shape, viewed as x's shape (expanded). */
export function expandReduced(g: Tensor, inShape: readonly number[], dims: number[], keepDim: boolean): Tensor {
  const nd = inShape.length;
  const reduced = dims.length === 0 ? inShape.map((_, i) => i) : dims.map((d) => (d < 0 ? d + nd : d));
  const kept = keepDim ? g : new Tensor(native.reshape(g.handle, inShape.map((s, i) => (reduced.includes(i) ? 1 : s))));
  return new Tensor(native.expand(kept.handle, [...inShape]));
}

export function normalizeDims(dim: number | number[] | undefined): number[] {
  return dim === undefined ? [] : typeof dim === 'number' ? [dim] : dim;
}
