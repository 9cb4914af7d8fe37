// Activation functions; their backward passes are fused native kernels (one pass each).
import type { ActivationGradName, UnaryOpName } from '../../binding.js';
import { record } from '../autograd/record.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkNumber, handleOf, wrap } from './util.js';

/**
 * Applies a unary op; its gradient is activationGrad(kind, g, saved) where saved is the input
 * (or the output, for sigmoid and tanh whose derivatives are cheapest from it).
 */
function activation(op: UnaryOpName, grad: ActivationGradName, x: Tensor, p0?: number, p1?: number, fromOutput = false): Tensor {
  const y = wrap(native.unary(op, handleOf(x, op === 'geluTanh' ? 'gelu' : op, 'x'), p0, p1));
  const saved = fromOutput ? y : x;
  return record(op, y, [x], (g) => [wrap(native.activationGrad(grad, g.handle, saved.handle, p0, p1))], [saved]);
}

export const relu = (x: Tensor): Tensor => activation('relu', 'relu', x);
export const sigmoid = (x: Tensor): Tensor => activation('sigmoid', 'sigmoid', x, undefined, undefined, true);
export const tanh = (x: Tensor): Tensor => activation('tanh', 'tanh', x, undefined, undefined, true);
export const silu = (x: Tensor): Tensor => activation('silu', 'silu', x);

export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return activation('leakyRelu', 'leakyRelu', x, checkNumber(negativeSlope, 'leakyRelu', 'negativeSlope'));
}

/** GELU with the exact erf form (default) or PyTorch's 'tanh' approximation. */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate !== 'none' && approximate !== 'tanh')
    throw new TypeError(`gelu: approximate must be 'none' or 'tanh', got ${String(approximate)}`);
  return approximate === 'tanh' ? activation('geluTanh', 'geluTanh', x) : activation('gelu', 'gelu', x);
}

/** log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch's defaults). */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  checkNumber(beta, 'softplus', 'beta');
  if (!(beta > 0)) throw new RangeError(`softplus: beta must be > 0, got ${beta}`);
  return activation('softplus', 'softplus', x, beta, checkNumber(threshold, 'softplus', 'threshold'));
}

export function elu(x: Tensor, alpha = 1): Tensor {
  return activation('elu', 'elu', x, checkNumber(alpha, 'elu', 'alpha'));
}
