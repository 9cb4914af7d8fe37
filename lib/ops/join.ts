// Joining and indexing, with gradients (slices of the gradient; scatter/index adds).
import { record } from '../autograd/record.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor/tensor.js';
import { handleOf, handlesOf, wrap } from './util.js';

function normDim(dim: number, nd: number): number {
  return dim < 0 ? dim + nd : dim;
}

export function cat(tensors: Tensor[], dim = 0): Tensor {
  const out = wrap(native.cat(handlesOf(tensors, 'cat', 'tensors'), dim));
  const sizes = tensors.map((t) => (t.ndim === 1 && t.size === 0 ? 0 : t.dimsInternal[normDim(dim, out.ndim)]));
  return record('cat', out, tensors, (g) => {
    const d = normDim(dim, out.ndim);
    let at = 0;
    return sizes.map((n) => {
      const part = wrap(native.slice(g.handle, d, at, at + n, 1));
      at += n;
      return part;
    });
  });
}

export function stack(tensors: Tensor[], dim = 0): Tensor {
  const out = wrap(native.stack(handlesOf(tensors, 'stack', 'tensors'), dim));
  return record('stack', out, tensors, (g) => {
    const d = normDim(dim, out.ndim);
    return tensors.map((t, i) => wrap(native.reshape(wrap(native.slice(g.handle, d, i, i + 1, 1)).handle, [...t.dimsInternal])));
  });
}

/** out[i][j] = x[i][index[i][j]] for dim = 1 (and likewise for other dims); index is int32. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const out = wrap(native.gather(handleOf(x, 'gather', 'x'), dim, handleOf(index, 'gather', 'index')));
  const shape = [...x.dimsInternal];
  return record('gather', out, [x], (g) => [wrap(native.scatterAdd(shape, dim, index.handle, g.handle))], [index]);
}

/** The slices of x along dim picked by a 1-D int32 index. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const out = wrap(native.indexSelect(handleOf(x, 'indexSelect', 'x'), dim, handleOf(index, 'indexSelect', 'index')));
  const shape = [...x.dimsInternal];
  return record('indexSelect', out, [x], (g) => [wrap(native.indexAdd(shape, dim, index.handle, g.handle))], [index]);
}

/** Rows of weight [n, dim] picked by int32 indices of any shape: result [...indices.shape, dim]. */
export function embedding(weight: Tensor, indices: Tensor): Tensor {
  handleOf(weight, 'embedding', 'weight');
  handleOf(indices, 'embedding', 'indices');
  if (weight.ndim !== 2) throw new RangeError(`embedding: expected weight of shape [n, dim], got [${weight.shape.join(', ')}]`);
  const flat = wrap(native.reshape(indices.handle, [indices.size]));
  return indexSelect(weight, 0, flat).reshape([...indices.dimsInternal, weight.dimsInternal[1]]);
}
