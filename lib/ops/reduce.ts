// Reductions (any set of dims, optional keepDim), arg-reductions and softmax.
import type { ReduceOpName } from '../../binding.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor/tensor.js';
import { handleOf, wrap } from './util.js';
import { div, mul, sub } from './elementwise.js';

function reduce(op: ReduceOpName, x: Tensor, dim: number | number[] | undefined, keepDim: boolean): Tensor {
  return wrap(native.reduce(op, handleOf(x, op, 'x'), dim, keepDim));
}

/** Sum over dim (a number or a list; all dims when omitted). int32 sums wrap on overflow. */
export const sum = (x: Tensor, dim?: number | number[], keepDim = false): Tensor => reduce('sum', x, dim, keepDim);
export const mean = (x: Tensor, dim?: number | number[], keepDim = false): Tensor => reduce('mean', x, dim, keepDim);
export const prod = (x: Tensor, dim?: number | number[], keepDim = false): Tensor => reduce('prod', x, dim, keepDim);
/** Largest value over dim (NaN wins, as in PyTorch). For the elementwise maximum use tl.maximum. */
export const max = (x: Tensor, dim?: number | number[], keepDim = false): Tensor => reduce('max', x, dim, keepDim);
export const min = (x: Tensor, dim?: number | number[], keepDim = false): Tensor => reduce('min', x, dim, keepDim);

/** Index of the largest value along dim (of the flattened tensor when dim is omitted). */
export function argmax(x: Tensor, dim?: number, keepDim = false): Tensor {
  return wrap(native.argReduce('argmax', handleOf(x, 'argmax', 'x'), dim, keepDim));
}
export function argmin(x: Tensor, dim?: number, keepDim = false): Tensor {
  return wrap(native.argReduce('argmin', handleOf(x, 'argmin', 'x'), dim, keepDim));
}

export function softmax(x: Tensor, dim: number): Tensor {
  return wrap(native.softmax(handleOf(x, 'softmax', 'x'), dim, false));
}
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return wrap(native.softmax(handleOf(x, 'logSoftmax', 'x'), dim, true));
}

/** Variance over dim with Bessel's correction by default (correction = 1), as in PyTorch. */
export function variance(x: Tensor, dim?: number | number[], keepDim = false, correction = 1): Tensor {
  const m = mean(x, dim, true);
  const centered = sub(x, m);
  const sq = mul(centered, centered);
  const total = sum(sq, dim, keepDim);
  const count = x.size / Math.max(1, m.size);
  const out = div(total, Math.max(0, count - correction));
  for (const t of [m, centered, sq, total]) t.dispose();
  return out;
}

export function std(x: Tensor, dim?: number | number[], keepDim = false, correction = 1): Tensor {
  const v = variance(x, dim, keepDim, correction);
  const out = wrap(native.unary('sqrt', v.handle));
  v.dispose();
  return out;
}
