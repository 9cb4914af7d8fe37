// In-place writes into existing tensors: loading weights into a model's own parameters and
// setting a layer's initial values. They bypass autograd on purpose (a weight load is not a
// step of any computation), so they are refused on tensors an autograd graph still reads.
import { native } from '../native.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkNumber, handleOf } from './util.js';

function checkWritable(t: Tensor, op: string): void {
  if (t.gradFn) throw new Error(`${op}: the destination is the output of a recorded op; write only into leaf tensors (parameters, buffers)`);
}

/** Copies src's values into dst (same shape; src is broadcast and cast as the native copy allows). */
export function assign(dst: Tensor, src: Tensor): Tensor {
  const d = handleOf(dst, 'assign', 'dst');
  checkWritable(dst, 'assign');
  native.assign(d, handleOf(src, 'assign', 'src'));
  return dst;
}

/** Sets every value of t to `value`. */
export function fill(t: Tensor, value: number): Tensor {
  const h = handleOf(t, 'fill', 't');
  checkWritable(t, 'fill');
  native.fill(h, checkNumber(value, 'fill', 'value'));
  return t;
}
