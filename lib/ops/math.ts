// Elementwise math functions with their gradients.
import type { UnaryOpName } from '../../binding.js';
import { record } from '../autograd/record.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor/tensor.js';
import { add, div, mul } from './arithmetic.js';
import { handleOf, wrap } from './util.js';

function unary(op: UnaryOpName, x: Tensor, p0?: number, p1?: number): Tensor {
  return wrap(native.unary(op, handleOf(x, op, 'x'), p0, p1));
}

/** A unary op whose gradient is g * f'(x, y), f' built from recorded ops on x and y. */
function differentiable(op: UnaryOpName, x: Tensor, derivative: (x: Tensor, y: Tensor) => Tensor): Tensor {
  const y = unary(op, x);
  return record(op, y, [x], (g) => [mul(g, derivative(x, y))], [x, y]);
}

export const neg = (x: Tensor): Tensor => {
  const y = unary('neg', x);
  return record('neg', y, [x], (g) => [neg(g)]);
};
export const abs = (x: Tensor): Tensor => differentiable('abs', x, (x) => sign(x));
export const square = (x: Tensor): Tensor => differentiable('square', x, (x) => mul(x, 2));
export const exp = (x: Tensor): Tensor => differentiable('exp', x, (_x, y) => y);
export const log = (x: Tensor): Tensor => {
  const y = unary('log', x);
  return record('log', y, [x], (g) => [div(g, x)], [x]);
};
export const sqrt = (x: Tensor): Tensor => {
  const y = unary('sqrt', x);
  return record('sqrt', y, [x], (g) => [div(mul(g, 0.5), y)], [y]);
};
export const rsqrt = (x: Tensor): Tensor => differentiable('rsqrt', x, (_x, y) => mul(mul(mul(y, y), y), -0.5));
export const reciprocal = (x: Tensor): Tensor => differentiable('reciprocal', x, (_x, y) => mul(y, y).neg());
export const log1p = (x: Tensor): Tensor => {
  const y = unary('log1p', x);
  return record('log1p', y, [x], (g) => [div(g, add(x, 1))], [x]);
};
export const expm1 = (x: Tensor): Tensor => differentiable('expm1', x, (_x, y) => add(y, 1));
export const sin = (x: Tensor): Tensor => differentiable('sin', x, (x) => cos(x));
export const cos = (x: Tensor): Tensor => differentiable('cos', x, (x) => sin(x).neg());
/** d/dx erf(x) = 2 / sqrt(pi) * exp(-x^2) */
export const erf = (x: Tensor): Tensor => differentiable('erf', x, (x) => mul(exp(mul(x, x).neg()), 1.1283791670955126));

// Piecewise-constant functions: their gradient is zero almost everywhere, so none flows.
export const sign = (x: Tensor): Tensor => unary('sign', x);
export const floor = (x: Tensor): Tensor => unary('floor', x);
export const ceil = (x: Tensor): Tensor => unary('ceil', x);
/** Rounds half to even, like PyTorch. */
export const round = (x: Tensor): Tensor => unary('round', x);
/** int32 mask of the NaN elements. */
export const isNaN = (x: Tensor): Tensor => unary('isNaN', x);
