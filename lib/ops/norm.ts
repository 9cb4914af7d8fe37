// Batch and layer normalization: fused native kernels forward and backward.
import { record } from '../autograd/record.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor/tensor.js';
import { handleOf, wrap } from './util.js';

const opt = (t: Tensor | null | undefined, op: string, name: string) => (t ? handleOf(t, op, name) : null);

/**
 * Normalizes x [N, C, ...] per channel. In training (or without running statistics) it uses
 * the batch's mean and biased variance and updates runningMean/runningVar in place
 * (momentum, unbiased variance, as PyTorch); otherwise it uses the running statistics.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight?: Tensor | null,
  bias?: Tensor | null,
  training = false,
  momentum = 0.1,
  eps = 1e-5,
): Tensor {
  const r = native.batchNorm(handleOf(x, 'batchNorm', 'input'), opt(weight, 'batchNorm', 'weight'), opt(bias, 'batchNorm', 'bias'),
    opt(runningMean, 'batchNorm', 'runningMean'), opt(runningVar, 'batchNorm', 'runningVar'), training, momentum, eps);
  const out = wrap(r.out), mean = wrap(r.mean), rstd = wrap(r.rstd);
  const batchStats = training || !runningMean || !runningVar;
  const saved = [x, mean, rstd, ...(weight ? [weight] : [])];
  return record('batchNorm', out, [x, weight, bias], (g) => {
    const grads = native.batchNormBackward(g.handle, x.handle, weight ? weight.handle : null, mean.handle, rstd.handle, batchStats);
    return [wrap(grads.gradX), wrap(grads.gradWeight), wrap(grads.gradBias)];
  }, saved);
}

/** Normalizes over the trailing dims given by normalizedShape, with optional elementwise affine. */
export function layerNorm(x: Tensor, normalizedShape: number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  handleOf(x, 'layerNorm', 'input');
  if (!Array.isArray(normalizedShape)) throw new TypeError('layerNorm: expected normalizedShape to be an array of sizes');
  const k = normalizedShape.length;
  const tail = x.dimsInternal.slice(x.ndim - k);
  if (k === 0 || k > x.ndim || tail.some((d, i) => d !== normalizedShape[i]))
    throw new RangeError(`layerNorm: normalizedShape [${normalizedShape.join(', ')}] does not match the end of input shape [${x.shape.join(', ')}]`);
  const r = native.layerNorm(x.handle, k, opt(weight, 'layerNorm', 'weight'), opt(bias, 'layerNorm', 'bias'), eps);
  const out = wrap(r.out), mean = wrap(r.mean), rstd = wrap(r.rstd);
  const saved = [x, mean, rstd, ...(weight ? [weight] : [])];
  return record('layerNorm', out, [x, weight, bias], (g) => {
    const grads = native.layerNormBackward(g.handle, x.handle, k, weight ? weight.handle : null, mean.handle, rstd.handle);
    const shape = [...normalizedShape];
    return [
      wrap(grads.gradX),
      weight ? wrap(native.reshape(wrap(grads.gradWeight).handle, shape)) : null,
      bias ? wrap(native.reshape(wrap(grads.gradBias).handle, shape)) : null,
    ];
  }, saved);
}
