// Reductions (any set of dims, optional keepDim), arg-reductions and softmax, with gradients.
import type { ReduceOpName } from '../../binding.js';
import { record } from '../autograd/record.js';
import { expandReduced, normalizeDims } from '../autograd/reduce-grad.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor/tensor.js';
import { div, eq, mul, sub, where } from './arithmetic.js';
import { sqrt } from './math.js';
import { asOp, handleOf, wrap } from './util.js';

function reduce(op: ReduceOpName, x: Tensor, dim: number | number[] | undefined, keepDim: boolean): Tensor {
  return wrap(native.reduce(op, handleOf(x, op, 'x'), dim, keepDim));
}

/** Sum over dim (a number or a list; all dims when omitted). int32 sums wrap on overflow. */
export function sum(x: Tensor, dim?: number | number[], keepDim = false): Tensor {
  const out = reduce('sum', x, dim, keepDim);
  const shape = x.dimsInternal;
  return record('sum', out, [x], (g) => [expandReduced(g, shape, normalizeDims(dim), keepDim)]);
}

export function mean(x: Tensor, dim?: number | number[], keepDim = false): Tensor {
  const out = reduce('mean', x, dim, keepDim);
  const shape = x.dimsInternal;
  const count = out.size === 0 ? 1 : x.size / out.size;
  return record('mean', out, [x], (g) => [div(expandReduced(g, shape, normalizeDims(dim), keepDim), count)]);
}

/**
 * Product over dim. Its gradient is the product of the other elements; where x has zeros it
 * is computed without dividing by them (PyTorch's rule: one zero -> only that element gets a
 * gradient, two or more -> none do).
 */
export function prod(x: Tensor, dim?: number | number[], keepDim = false): Tensor {
  const out = reduce('prod', x, dim, keepDim);
  const shape = x.dimsInternal;
  return record('prod', out, [x], (g) => {
    const dims = normalizeDims(dim);
    const all = dims.length ? dims : undefined;
    const gx = expandReduced(g, shape, dims, keepDim);
    const zero = eq(x, 0);
    // Product of the nonzero elements, and how many zeros each group has.
    const nonzeroProd = expandReduced(reduce('prod', where(zero, 1, x), all, keepDim), shape, dims, keepDim);
    const zeros = expandReduced(sum(zero.float(), all, keepDim), shape, dims, keepDim);
    const noZero = div(mul(gx, expandReduced(out, shape, dims, keepDim)), where(zero, 1, x));
    const oneZero = where(zero, mul(gx, nonzeroProd), 0);
    return [where(eq(zeros, 0), noZero, where(eq(zeros, 1), oneZero, 0))];
  }, [x, out]);
}

// max/min over one dim send the gradient to the selected element (the first one, as the
// index PyTorch's max(x, dim) returns); over several dims or all, the elements that attain
// the extreme share it evenly (PyTorch's amax rule).
function extreme(op: 'max' | 'min', x: Tensor, dim: number | number[] | undefined, keepDim: boolean): Tensor {
  const out = reduce(op, x, dim, keepDim);
  const shape = x.dimsInternal;
  if (typeof dim === 'number' && x.ndim > 0) {
    return record(op, out, [x], (g) => {
      const idx = wrap(native.argReduce(op === 'max' ? 'argmax' : 'argmin', x.handle, dim, true));
      const gk = keepDim ? g : wrap(native.unsqueeze(g.handle, dim));
      return [wrap(native.scatterAdd([...shape], dim, idx.handle, gk.handle))];
    }, [x]);
  }
  return record(op, out, [x], (g) => {
    const dims = normalizeDims(dim);
    const hits = eq(x, expandReduced(out, shape, dims, keepDim)).float();
    const count = expandReduced(sum(hits, dims.length ? dims : undefined, true), shape, dims, true);
    return [div(mul(expandReduced(g, shape, dims, keepDim), hits), count)];
  }, [x, out]);
}

/** Largest value over dim (NaN wins, as in PyTorch). For the elementwise maximum use tl.maximum. */
export const max = (x: Tensor, dim?: number | number[], keepDim = false): Tensor => extreme('max', x, dim, keepDim);
export const min = (x: Tensor, dim?: number | number[], keepDim = false): Tensor => extreme('min', x, dim, keepDim);

/** Index of the largest value along dim (of the flattened tensor when dim is omitted). */
export function argmax(x: Tensor, dim?: number, keepDim = false): Tensor {
  return wrap(native.argReduce('argmax', handleOf(x, 'argmax', 'x'), dim, keepDim));
}
export function argmin(x: Tensor, dim?: number, keepDim = false): Tensor {
  return wrap(native.argReduce('argmin', handleOf(x, 'argmin', 'x'), dim, keepDim));
}

function softmaxLike(x: Tensor, dim: number, log: boolean): Tensor {
  const name = log ? 'logSoftmax' : 'softmax';
  const y = wrap(native.softmax(handleOf(x, name, 'x'), dim, log));
  return record(name, y, [x], (g) => [wrap(native.softmaxBackward(g.handle, y.handle, dim, log))], [y]);
}

export const softmax = (x: Tensor, dim: number): Tensor => softmaxLike(x, dim, false);
export const logSoftmax = (x: Tensor, dim: number): Tensor => softmaxLike(x, dim, true);

/** Variance over dim with Bessel's correction by default (correction = 1), as in PyTorch. */
function varianceOf(x: Tensor, dim: number | number[] | undefined, keepDim: boolean, correction: number): Tensor {
  const m = mean(x, dim, true);
  const centered = sub(x, m);
  const total = sum(mul(centered, centered), dim, keepDim);
  const count = x.size / Math.max(1, m.size);
  return div(total, Math.max(0, count - correction));
}

export function variance(x: Tensor, dim?: number | number[], keepDim = false, correction = 1): Tensor {
  handleOf(x, 'variance', 'x');
  return asOp('variance', () => varianceOf(x, dim, keepDim, correction));
}

export function std(x: Tensor, dim?: number | number[], keepDim = false, correction = 1): Tensor {
  handleOf(x, 'std', 'x');
  return asOp('std', () => sqrt(varianceOf(x, dim, keepDim, correction)));
}
