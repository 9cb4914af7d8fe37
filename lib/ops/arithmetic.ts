// Arithmetic with NumPy broadcasting, with gradients. A plain number is accepted for either
// operand; int32 op int32 stays int32 except div/pow/atan2 (float32, as in PyTorch).
import type { BinaryOpName } from '../../binding.js';
import { record } from '../autograd/record.js';
import { sumTo } from '../autograd/reduce-grad.js';
import { native, type NativeTensor } from '../native.js';
import { Tensor, type TensorOrScalar } from '../tensor/tensor.js';
import { checkNumber, handleOf, wrap } from './util.js';

function raw(op: BinaryOpName, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (typeof b === 'number') return wrap(native.binaryScalar(op, handleOf(a, op, 'a'), b, false));
  if (typeof a === 'number') return wrap(native.binaryScalar(op, handleOf(b, op, 'b'), a, true));
  if (typeof b !== 'object' || b === null) throw new TypeError(`${op}: expected b to be a Tensor or a number, got ${b === null ? 'null' : typeof b}`);
  return wrap(native.binary(op, handleOf(a, op, 'a'), handleOf(b, op, 'b')));
}

const shapeOf = (t: TensorOrScalar): readonly number[] => (typeof t === 'number' ? [] : t.dimsInternal);

export function add(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const out = raw('add', a, b);
  const sa = shapeOf(a), sb = shapeOf(b);
  return record('add', out, [a, b], (g) => [sumTo(g, sa), sumTo(g, sb)]);
}

export function sub(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const out = raw('sub', a, b);
  const sa = shapeOf(a), sb = shapeOf(b);
  return record('sub', out, [a, b], (g) => [sumTo(g, sa), sumTo(g.neg(), sb)]);
}

export function mul(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const out = raw('mul', a, b);
  const sa = shapeOf(a), sb = shapeOf(b);
  const saved = [a, b].filter((t): t is Tensor => typeof t !== 'number');
  return record('mul', out, [a, b], (g) => [sumTo(mul(g, b), sa), sumTo(mul(g, a), sb)], saved);
}

export function div(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const out = raw('div', a, b);
  const sa = shapeOf(a), sb = shapeOf(b);
  const saved = [out, ...[b].filter((t): t is Tensor => typeof t !== 'number')];
  // d(a/b)/da = 1/b; d(a/b)/db = -(a/b)/b
  return record('div', out, [a, b], (g) => [sumTo(div(g, b), sa), sumTo(div(mul(g, out), b).neg(), sb)], saved);
}

/** x ** exponent (float32). A number exponent takes a fast path; 2, 3, 0.5 and -1 are exact. */
export function pow(x: TensorOrScalar, exponent: TensorOrScalar): Tensor {
  if (x instanceof Tensor && typeof exponent === 'number') {
    const out = wrap(native.unary('pow', handleOf(x, 'pow', 'x'), exponent));
    return record('pow', out, [x], (g) => [mul(g, mul(pow(x, exponent - 1), exponent))], [x]);
  }
  const out = raw('pow', x, exponent);
  const sx = shapeOf(x), se = shapeOf(exponent);
  const saved = [out, ...[x, exponent].filter((t): t is Tensor => typeof t !== 'number')];
  // d/dx x^e = e x^(e-1); d/de x^e = x^e ln x
  return record('pow', out, [x, exponent], (g) => [
    typeof x === 'number' ? null : sumTo(mul(g, mul(exponent, pow(x, sub(exponent, 1)))), sx),
    typeof exponent === 'number' ? null : sumTo(mul(mul(g, out), typeof x === 'number' ? Math.log(x) : x.log()), se),
  ], saved);
}

function minmax(op: 'maximum' | 'minimum', a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const out = raw(op, a, b);
  const sa = shapeOf(a), sb = shapeOf(b);
  const saved = [a, b].filter((t): t is Tensor => typeof t !== 'number');
  // The winner takes the gradient; ties split it evenly (PyTorch's rule).
  return record(op, out, [a, b], (g) => {
    const wins = (x: TensorOrScalar, y: TensorOrScalar) => (op === 'maximum' ? gt(x, y) : lt(x, y));
    const share = (x: TensorOrScalar, y: TensorOrScalar) => add(wins(x, y), mul(eq(x, y), 0.5));
    return [sumTo(mul(g, share(a, b)), sa), sumTo(mul(g, share(b, a)), sb)];
  }, saved);
}

export const maximum = (a: TensorOrScalar, b: TensorOrScalar): Tensor => minmax('maximum', a, b);
export const minimum = (a: TensorOrScalar, b: TensorOrScalar): Tensor => minmax('minimum', a, b);

export function atan2(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const out = raw('atan2', a, b);
  const sa = shapeOf(a), sb = shapeOf(b);
  const saved = [a, b].filter((t): t is Tensor => typeof t !== 'number');
  return record('atan2', out, [a, b], (g) => {
    const sq = (v: TensorOrScalar) => (typeof v === 'number' ? v * v : mul(v, v));
    const r2 = add(sq(a), sq(b)); // at least one side is a tensor
    return [sumTo(div(mul(g, b), r2), sa), sumTo(div(mul(g, a), r2).neg(), sb)];
  }, saved);
}

/** Comparisons give int32 tensors of 0 and 1 (no gradient). */
export const eq = (a: TensorOrScalar, b: TensorOrScalar): Tensor => raw('eq', a, b);
export const ne = (a: TensorOrScalar, b: TensorOrScalar): Tensor => raw('ne', a, b);
export const lt = (a: TensorOrScalar, b: TensorOrScalar): Tensor => raw('lt', a, b);
export const le = (a: TensorOrScalar, b: TensorOrScalar): Tensor => raw('le', a, b);
export const gt = (a: TensorOrScalar, b: TensorOrScalar): Tensor => raw('gt', a, b);
export const ge = (a: TensorOrScalar, b: TensorOrScalar): Tensor => raw('ge', a, b);

/** Limits values to [min, max]; either bound may be omitted (null/undefined). */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  if (min != null) checkNumber(min, 'clamp', 'min');
  if (max != null) checkNumber(max, 'clamp', 'max');
  const out = wrap(native.clamp(handleOf(x, 'clamp', 'x'), min, max));
  return record('clamp', out, [x], (g) => [
    wrap(native.activationGrad('clamp', g.handle, x.handle, min ?? -Infinity, max ?? Infinity)),
  ], [x]);
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
  let out: Tensor;
  try {
    out = wrap(native.where(c, ha, hb));
  } finally {
    // Scalars were wrapped only for this call.
    if (typeof a === 'number') ha.dispose();
    if (typeof b === 'number') hb.dispose();
  }
  const sa = shapeOf(a), sb = shapeOf(b);
  return record('where', out, [a, b], (g) => [sumTo(where(condition, g, 0), sa), sumTo(where(condition, 0, g), sb)], [
    condition,
  ]);
}
