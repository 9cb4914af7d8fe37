import { native } from '../native.js';
import type { Tensor } from '../tensor/tensor.js';
import { handleOf, wrap } from './util.js';

/**
 * Matrix product with NumPy semantics: 1-D operands act as row/column vectors, leading dims
 * broadcast as batch dims. float32 only; runs on tensorlift's own GEMM on the CPU.
 */
export const matmul = (a: Tensor, b: Tensor): Tensor =>
  wrap(native.matmul(handleOf(a, 'matmul', 'a'), handleOf(b, 'matmul', 'b')));
