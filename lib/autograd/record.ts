// Recording ops on the tape: an op calls record() with its output, its inputs, the tensors
// its backward reads, and the backward function (gradients in the inputs' order).
import type { Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from './mode.js';
import { type BackwardFn, GradNode } from './node.js';

export function needsGrad(...inputs: (Tensor | number | null | undefined)[]): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (t !== null && typeof t === 'object' && t.requiresGrad) return true;
  return false;
}

export function record(
  name: string,
  out: Tensor,
  inputs: (Tensor | number | null | undefined)[],
  backward: BackwardFn,
  saved: Tensor[] = [],
): Tensor {
  if (!needsGrad(...inputs)) return out;
  const tracked = inputs.map((t) => (t !== null && typeof t === 'object' && t.requiresGrad ? t : null));
  out.gradFn = new GradNode(name, out, tracked, saved, backward);
  out.markRequiresGrad();
  return out;
}
