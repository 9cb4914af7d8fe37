// The fused loss kernels, with their gradients: the numerically stable binary cross-entropy on
// logits, and softmax cross-entropy in one pass (log-sum-exp kept for the backward). The loss
// functions users call (reductions, class weights, options) are built on these in nn/losses.ts.
import { record } from '../autograd/record.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor/tensor.js';
import { mul, sub } from './arithmetic.js';
import { sigmoid } from './activation.js';
import { wrap } from './util.js';

/** Elementwise max(x, 0) - x y + log(1 + e^-|x|) of logits and same-shaped targets (checked by the caller). */
export function bceWithLogits(logits: Tensor, targets: Tensor): Tensor {
  const loss = wrap(native.binary('bceWithLogits', logits.handle, targets.handle));
  return record('binaryCrossEntropyWithLogits', loss, [logits, targets], (g) => [
    mul(g, sub(sigmoid(logits), targets)),
    mul(g, logits).neg(),
  ], [logits, targets]);
}

/**
 * Per-sample softmax cross-entropy of logits [N, C] against int32 labels [N] (labels equal to
 * ignoreIndex give 0), with label smoothing in [0, 1); shapes are checked by the caller.
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor, ignoreIndex: number, smoothing: number): Tensor {
  const r = native.crossEntropy(logits.handle, labels.handle, ignoreIndex, smoothing);
  const lse = wrap(r.lse);
  return record('crossEntropy', wrap(r.loss), [logits], (g) => [
    wrap(native.crossEntropyBackward(logits.handle, labels.handle, lse.handle, g.handle, ignoreIndex, smoothing)),
  ], [logits, labels, lse]);
}
