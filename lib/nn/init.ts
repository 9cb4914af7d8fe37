// Parameter initialization as PyTorch does it, drawn from the seeded generator.
import { full, rand, randn } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';

// Parameters start on the CPU whatever the default device (Module.to moves them).

export function uniform(shape: number[], bound: number): Tensor {
  return rand(shape, { low: -bound, high: bound, device: 'cpu' });
}

export function normal(shape: number[], std = 1): Tensor {
  return randn(shape, { mean: 0, std, device: 'cpu' });
}

/**
 * PyTorch's default for Linear and Conv weights: kaiming_uniform_(a = sqrt(5)), which works
 * out to U(-1/sqrt(fanIn), 1/sqrt(fanIn)); their biases use the same bound.
 */
export function kaimingUniformDefault(shape: number[], fanIn: number): Tensor {
  return uniform(shape, fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0);
}

/** Glorot/Xavier uniform: U(-a, a) with a = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform(shape: number[], fanIn: number, fanOut: number, gain = 1): Tensor {
  return uniform(shape, gain * Math.sqrt(6 / (fanIn + fanOut)));
}

export function constant(shape: number[], value: number): Tensor {
  return full(shape, value, { device: 'cpu' });
}
