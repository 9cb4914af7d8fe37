import { record } from '../autograd/record.js';
import { sumTo } from '../autograd/reduce-grad.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor/tensor.js';
import { handleOf, wrap } from './util.js';

/**
 * Matrix product with NumPy semantics: 1-D operands act as row/column vectors, leading dims
 * broadcast as batch dims. float32 only; runs on tensorlift's own GEMM on the CPU.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const out = wrap(native.matmul(handleOf(a, 'matmul', 'a'), handleOf(b, 'matmul', 'b')));
  return record('matmul', out, [a, b], (g) => {
    // Work with matrices: restore the dims 1-D operands lost, then undo batch broadcasting.
    // Every handle is wrapped so the backward pass's scope frees it.
    const a2 = a.ndim === 1 ? wrap(native.unsqueeze(a.handle, 0)) : a;
    const b2 = b.ndim === 1 ? wrap(native.unsqueeze(b.handle, 1)) : b;
    let g2 = g;
    if (a.ndim === 1) g2 = wrap(native.unsqueeze(g2.handle, b.ndim === 1 ? 0 : -2));
    if (b.ndim === 1) g2 = wrap(native.unsqueeze(g2.handle, -1));
    const t = (x: Tensor) => wrap(native.transpose(x.handle, -1, -2));
    const back = (grad: Tensor, like: Tensor, orig: Tensor) =>
      wrap(native.reshape(sumTo(grad, like.dimsInternal).handle, [...orig.dimsInternal]));
    return [
      a.requiresGrad ? back(wrap(native.matmul(g2.handle, t(b2).handle)), a2, a) : null,
      b.requiresGrad ? back(wrap(native.matmul(t(a2).handle, g2.handle)), b2, b) : null,
    ];
  }, [a, b]);
}

export type FusedActivation = 'relu' | 'sigmoid' | 'tanh';

/**
 * activation(x [..., in] @ weight[out, in]^T + bias[out]): a fully connected layer with the
 * bias fused into the GEMM and an optional relu/sigmoid/tanh applied before the output
 * leaves cache (their gradients need only the output, so nothing extra is kept).
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null, activation?: FusedActivation): Tensor {
  const hb = bias ? handleOf(bias, 'linear', 'bias') : null;
  if (activation !== undefined && activation !== 'relu' && activation !== 'sigmoid' && activation !== 'tanh')
    throw new TypeError(`linear: activation must be 'relu', 'sigmoid' or 'tanh', got ${JSON.stringify(activation)}`);
  const out = wrap(native.linear(handleOf(x, 'linear', 'input'), handleOf(weight, 'linear', 'weight'), hb, activation));
  return record('linear', out, [x, weight, bias], (gOut) => {
    // relu'(pre) is read from the output: relu(pre) > 0 exactly where pre > 0.
    const g = activation ? wrap(native.activationGrad(activation, gOut.handle, out.handle)) : gOut;
    const inF = weight.dimsInternal[1], outF = weight.dimsInternal[0];
    const g2 = wrap(native.reshape(g.handle, [-1, outF]));
    const x2 = wrap(native.reshape(x.handle, [-1, inF]));
    return [
      x.requiresGrad ? wrap(native.matmul(g.handle, weight.handle)) : null,
      weight.requiresGrad ? wrap(native.matmul(wrap(native.transpose(g2.handle, 0, 1)).handle, x2.handle)) : null,
      bias?.requiresGrad ? wrap(native.reduce('sum', g2.handle, 0, false)) : null,
    ];
  }, activation ? [x, weight, out] : [x, weight]);
}
