// Shape and layout ops with gradients. View ops share memory with their input.
import { record } from '../autograd/record.js';
import { sumTo } from '../autograd/reduce-grad.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor/tensor.js';
import type { DType, Device } from '../tensor/types.js';
import { handleOf, wrap } from './util.js';

/** Back to x's shape: the gradient of every op that only rearranges dims of the same data. */
function reshapeBack(name: string, out: Tensor, x: Tensor): Tensor {
  const shape = [...x.dimsInternal];
  return record(name, out, [x], (g) => [wrap(native.reshape(g.handle, shape))]);
}

/** A view when the strides allow it (like PyTorch's reshape), else a copy. One dim may be -1. */
export const reshape = (x: Tensor, shape: number[]): Tensor =>
  reshapeBack('reshape', wrap(native.reshape(handleOf(x, 'reshape', 'x'), shape)), x);
/** Removes size-1 dims (all of them, or the given ones; a given dim that is not 1 stays). */
export const squeeze = (x: Tensor, dim?: number | number[]): Tensor =>
  reshapeBack('squeeze', wrap(native.squeeze(handleOf(x, 'squeeze', 'x'), dim)), x);
export const unsqueeze = (x: Tensor, dim: number): Tensor =>
  reshapeBack('unsqueeze', wrap(native.unsqueeze(handleOf(x, 'unsqueeze', 'x'), dim)), x);
export const flatten = (x: Tensor, startDim = 0, endDim = -1): Tensor =>
  reshapeBack('flatten', wrap(native.flatten(handleOf(x, 'flatten', 'x'), startDim, endDim)), x);

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const out = wrap(native.transpose(handleOf(x, 'transpose', 'x'), dim0, dim1));
  return record('transpose', out, [x], (g) => [wrap(native.transpose(g.handle, dim0, dim1))]);
}

export function permute(x: Tensor, dims: number[]): Tensor {
  const out = wrap(native.permute(handleOf(x, 'permute', 'x'), dims));
  return record('permute', out, [x], (g) => {
    const nd = dims.length;
    const inverse = new Array<number>(nd);
    dims.forEach((d, i) => (inverse[d < 0 ? d + nd : d] = i));
    return [wrap(native.permute(g.handle, inverse))];
  });
}

/** Broadcasts size-1 dims to `shape` without copying (-1 keeps a dim). */
export function expand(x: Tensor, shape: number[]): Tensor {
  const out = wrap(native.expand(handleOf(x, 'expand', 'x'), shape));
  const inShape = x.dimsInternal;
  return record('expand', out, [x], (g) => [sumTo(g, inShape)]);
}

/** Elements start..end (exclusive) of dim, every step-th; negative bounds count from the end. */
export function slice(x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
  const out = wrap(native.slice(handleOf(x, 'slice', 'x'), dim, start, end, step));
  const shape = [...x.dimsInternal];
  return record('slice', out, [x], (g) => {
    const full = wrap(native.full(shape, 0, 'float32', x.device));
    native.assign(wrap(native.slice(full.handle, dim, start, end, step)).handle, g.handle);
    return [full];
  });
}

export function contiguous(x: Tensor): Tensor {
  const out = wrap(native.contiguous(handleOf(x, 'contiguous', 'x')));
  return record('contiguous', out, [x], (g) => [g]);
}

export function clone(x: Tensor): Tensor {
  const out = wrap(native.clone(handleOf(x, 'clone', 'x')));
  return record('clone', out, [x], (g) => [g]);
}

/** A copy in another dtype; gradients flow only between float32 tensors. */
export function cast(x: Tensor, dtype: DType): Tensor {
  const out = wrap(native.cast(handleOf(x, 'cast', 'x'), dtype));
  return dtype === 'float32' ? record('cast', out, [x], (g) => [g]) : out;
}

export function to(x: Tensor, device: Device): Tensor {
  const out = wrap(native.to(handleOf(x, 'to', 'x'), device));
  const from = x.device;
  return record('to', out, [x], (g) => [wrap(native.to(g.handle, from))]);
}
