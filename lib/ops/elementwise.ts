// Elementwise ops with NumPy broadcasting. A plain number is accepted for either operand of
// a binary op; int32 op int32 stays int32 except for div/pow/atan2 (float32, as in PyTorch).
import type { BinaryOpName, UnaryOpName } from '../../binding.js';
import { native, type NativeTensor } from '../native.js';
import { Tensor, type TensorOrScalar } from '../tensor/tensor.js';
import { checkNumber, handleOf, wrap } from './util.js';

function unary(op: UnaryOpName, x: Tensor, p0?: number, p1?: number): Tensor {
  return wrap(native.unary(op, handleOf(x, op, 'x'), p0, p1));
}

function binary(op: BinaryOpName, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (typeof b === 'number') return wrap(native.binaryScalar(op, handleOf(a, op, 'a'), b, false));
  if (typeof a === 'number') return wrap(native.binaryScalar(op, handleOf(b, op, 'b'), a, true));
  return wrap(native.binary(op, handleOf(a, op, 'a'), handleOf(b, op, 'b')));
}

export const add = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('add', a, b);
export const sub = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('sub', a, b);
export const mul = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('mul', a, b);
export const div = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('div', a, b);
export const maximum = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('maximum', a, b);
export const minimum = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('minimum', a, b);
export const atan2 = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('atan2', a, b);
/** Comparisons give int32 tensors of 0 and 1. */
export const eq = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('eq', a, b);
export const ne = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('ne', a, b);
export const lt = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('lt', a, b);
export const le = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('le', a, b);
export const gt = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('gt', a, b);
export const ge = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('ge', a, b);

/** x ** exponent; a number exponent takes a fast path (2, 3, 0.5, -1 are exact). Result float32. */
export function pow(x: TensorOrScalar, exponent: TensorOrScalar): Tensor {
  if (x instanceof Tensor && typeof exponent === 'number') return unary('pow', x, exponent);
  return binary('pow', x, exponent);
}

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const square = (x: Tensor): Tensor => unary('square', x);
export const sign = (x: Tensor): Tensor => unary('sign', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x);
export const log1p = (x: Tensor): Tensor => unary('log1p', x);
export const expm1 = (x: Tensor): Tensor => unary('expm1', x);
export const sin = (x: Tensor): Tensor => unary('sin', x);
export const cos = (x: Tensor): Tensor => unary('cos', x);
export const erf = (x: Tensor): Tensor => unary('erf', x);
export const floor = (x: Tensor): Tensor => unary('floor', x);
export const ceil = (x: Tensor): Tensor => unary('ceil', x);
/** Rounds half to even, like PyTorch. */
export const round = (x: Tensor): Tensor => unary('round', x);
/** int32 mask of the NaN elements. */
export const isNaN = (x: Tensor): Tensor => unary('isNaN', x);

export const relu = (x: Tensor): Tensor => unary('relu', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
export const silu = (x: Tensor): Tensor => unary('silu', x);

export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return unary('leakyRelu', x, checkNumber(negativeSlope, 'leakyRelu', 'negativeSlope'));
}

/** GELU with the exact erf form (default) or PyTorch's 'tanh' approximation. */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate !== 'none' && approximate !== 'tanh')
    throw new TypeError(`gelu: approximate must be 'none' or 'tanh', got ${String(approximate)}`);
  return unary(approximate === 'tanh' ? 'geluTanh' : 'gelu', x);
}

/** log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch's defaults). */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  checkNumber(beta, 'softplus', 'beta');
  if (!(beta > 0)) throw new RangeError(`softplus: beta must be > 0, got ${beta}`);
  return unary('softplus', x, beta, checkNumber(threshold, 'softplus', 'threshold'));
}

export function elu(x: Tensor, alpha = 1): Tensor {
  return unary('elu', x, checkNumber(alpha, 'elu', 'alpha'));
}

/** Limits values to [min, max]; either bound may be omitted (null/undefined). */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  if (min != null) checkNumber(min, 'clamp', 'min');
  if (max != null) checkNumber(max, 'clamp', 'max');
  return wrap(native.clamp(handleOf(x, 'clamp', 'x'), min, max));
}

function scalarHandle(v: number, like: Tensor): NativeTensor {
  const dtype = like.dtype === 'int32' && Number.isInteger(v) ? 'int32' : 'float32';
  return native.full([], v, dtype, like.device);
}

/** condition ? a : b elementwise, with broadcasting; condition is true where nonzero. */
export function where(condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const c = handleOf(condition, 'where', 'condition');
  const like = a instanceof Tensor ? a : b instanceof Tensor ? b : condition;
  const ha = typeof a === 'number' ? scalarHandle(a, like) : handleOf(a, 'where', 'a');
  const hb = typeof b === 'number' ? scalarHandle(b, like) : handleOf(b, 'where', 'b');
  try {
    return wrap(native.where(c, ha, hb));
  } finally {
    // Scalars were wrapped only for this call.
    if (typeof a === 'number') ha.dispose();
    if (typeof b === 'number') hb.dispose();
  }
}
