// Shape, layout and indexing ops. View ops share memory with their input.
import { native } from '../native.js';
import type { Tensor } from '../tensor/tensor.js';
import type { DType, Device } from '../tensor/types.js';
import { handleOf, handlesOf, wrap } from './util.js';

/** A view when the strides allow it (like PyTorch's reshape), else a copy. One dim may be -1. */
export const reshape = (x: Tensor, shape: number[]): Tensor => wrap(native.reshape(handleOf(x, 'reshape', 'x'), shape));
export const transpose = (x: Tensor, dim0: number, dim1: number): Tensor =>
  wrap(native.transpose(handleOf(x, 'transpose', 'x'), dim0, dim1));
export const permute = (x: Tensor, dims: number[]): Tensor => wrap(native.permute(handleOf(x, 'permute', 'x'), dims));
/** Removes size-1 dims (all of them, or the given ones; a given dim that is not 1 stays). */
export const squeeze = (x: Tensor, dim?: number | number[]): Tensor =>
  wrap(native.squeeze(handleOf(x, 'squeeze', 'x'), dim));
export const unsqueeze = (x: Tensor, dim: number): Tensor =>
  wrap(native.unsqueeze(handleOf(x, 'unsqueeze', 'x'), dim));
export const flatten = (x: Tensor, startDim = 0, endDim = -1): Tensor =>
  wrap(native.flatten(handleOf(x, 'flatten', 'x'), startDim, endDim));
/** Broadcasts size-1 dims to `shape` without copying (-1 keeps a dim). */
export const expand = (x: Tensor, shape: number[]): Tensor => wrap(native.expand(handleOf(x, 'expand', 'x'), shape));
/** Elements start..end (exclusive) of dim, every step-th; negative bounds count from the end. */
export const slice = (x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor =>
  wrap(native.slice(handleOf(x, 'slice', 'x'), dim, start, end, step));
export const contiguous = (x: Tensor): Tensor => wrap(native.contiguous(handleOf(x, 'contiguous', 'x')));
export const clone = (x: Tensor): Tensor => wrap(native.clone(handleOf(x, 'clone', 'x')));
export const cast = (x: Tensor, dtype: DType): Tensor => wrap(native.cast(handleOf(x, 'cast', 'x'), dtype));
export const to = (x: Tensor, device: Device): Tensor => wrap(native.to(handleOf(x, 'to', 'x'), device));

export const cat = (tensors: Tensor[], dim = 0): Tensor => wrap(native.cat(handlesOf(tensors, 'cat', 'tensors'), dim));
export const stack = (tensors: Tensor[], dim = 0): Tensor =>
  wrap(native.stack(handlesOf(tensors, 'stack', 'tensors'), dim));
/** out[i][j] = x[i][index[i][j]] for dim = 1 (and likewise for other dims); index is int32. */
export const gather = (x: Tensor, dim: number, index: Tensor): Tensor =>
  wrap(native.gather(handleOf(x, 'gather', 'x'), dim, handleOf(index, 'gather', 'index')));
/** The slices of x along dim picked by a 1-D int32 index. */
export const indexSelect = (x: Tensor, dim: number, index: Tensor): Tensor =>
  wrap(native.indexSelect(handleOf(x, 'indexSelect', 'x'), dim, handleOf(index, 'indexSelect', 'index')));
