// Loss functions (tl.losses). Each reduces with 'mean' (default), 'sum' or 'none'.
import { softplus } from '../ops/activation.js';
import { abs, exp, log } from '../ops/math.js';
import { add, div, gt, maximum, minimum, mul, sub, where } from '../ops/arithmetic.js';
import { embedding } from '../ops/join.js';
import { bceWithLogits, softmaxCrossEntropy } from '../ops/loss.js';
import { logSoftmax, mean, sum } from '../ops/reduce.js';
import { slice } from '../ops/shape.js';
import { handleOf } from '../ops/util.js';
import type { Tensor } from '../tensor/tensor.js';

export type Reduction = 'mean' | 'sum' | 'none';

function reduce(loss: Tensor, reduction: Reduction, op: string): Tensor {
  if (reduction === 'mean') return mean(loss);
  if (reduction === 'sum') return sum(loss);
  if (reduction === 'none') return loss;
  throw new TypeError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
}

function sameShape(op: string, a: Tensor, b: Tensor, an: string, bn: string): void {
  handleOf(a, op, an);
  handleOf(b, op, bn);
  if (a.shape.join() !== b.shape.join())
    throw new RangeError(`${op}: ${an} has shape [${a.shape.join(', ')}] but ${bn} has [${b.shape.join(', ')}]`);
}

/** Mean squared error. */
export function mse(pred: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  sameShape('mse', pred, target, 'pred', 'target');
  const d = sub(pred, target);
  return reduce(mul(d, d), opts.reduction ?? 'mean', 'mse');
}

/** Huber loss: quadratic below delta, linear above (PyTorch's HuberLoss). */
export function huber(pred: Tensor, target: Tensor, opts: { delta?: number; reduction?: Reduction } = {}): Tensor {
  sameShape('huber', pred, target, 'pred', 'target');
  const delta = opts.delta ?? 1;
  if (!(delta > 0)) throw new RangeError(`huber: delta must be > 0, got ${delta}`);
  const a = abs(sub(pred, target));
  const q = minimum(a, delta);
  const loss = add(mul(mul(q, q), 0.5), mul(sub(a, q), delta));
  return reduce(loss, opts.reduction ?? 'mean', 'huber');
}

/**
 * Binary cross-entropy on logits, computed stably (max(x,0) - x y + log(1 + e^-|x|)).
 * posWeight (> 1) up-weights positives for imbalanced classes, as in PyTorch.
 */
export function binaryCrossEntropyWithLogits(
  logits: Tensor,
  targets: Tensor,
  opts: { posWeight?: number | Tensor; reduction?: Reduction } = {},
): Tensor {
  sameShape('binaryCrossEntropyWithLogits', logits, targets, 'logits', 'targets');
  let loss: Tensor;
  if (opts.posWeight === undefined) {
    loss = bceWithLogits(logits, targets);
  } else {
    // (1 - y) x + (1 + (w - 1) y) softplus(-x)
    const wm1 = typeof opts.posWeight === 'number' ? opts.posWeight - 1 : sub(opts.posWeight, 1);
    const l = add(mul(targets, wm1), 1);
    loss = add(mul(sub(1, targets), logits), mul(l, softplus(logits.neg())));
  }
  return reduce(loss, opts.reduction ?? 'mean', 'binaryCrossEntropyWithLogits');
}

export interface CrossEntropyOptions {
  /** Per-class weights [C]: each sample's loss is scaled by its class's weight. */
  weight?: Tensor;
  /** Samples with this label are skipped (default -100, as in PyTorch). */
  ignoreIndex?: number;
  /** Mixes the one-hot target with a uniform one (0..1). */
  labelSmoothing?: number;
  reduction?: Reduction;
}

/**
 * Softmax cross-entropy of logits [N, C] (or [N, C, ...]) against int32 class labels [N]
 * (or [N, ...]), fused in one native pass. The 'mean' over weighted samples divides by the
 * total weight, as in PyTorch.
 */
export function crossEntropy(logits: Tensor, labels: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  handleOf(logits, 'crossEntropy', 'logits');
  handleOf(labels, 'crossEntropy', 'labels');
  if (labels.dtype !== 'int32') throw new TypeError(`crossEntropy: expected int32 class labels, got ${labels.dtype}`);
  if (logits.ndim < 2) throw new RangeError(`crossEntropy: expected logits [N, C, ...], got [${logits.shape.join(', ')}]`);
  const c = logits.dimsInternal[1];
  let flatLogits = logits, flatLabels = labels;
  if (logits.ndim > 2) {
    // [N, C, d...] -> [N * d..., C]
    const perm = [0, ...Array.from({ length: logits.ndim - 2 }, (_, i) => i + 2), 1];
    flatLogits = logits.permute(perm).reshape([-1, c]);
    flatLabels = labels.reshape([-1]);
  }
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const smoothing = opts.labelSmoothing ?? 0;
  if (opts.weight && smoothing > 0) return weightedSmoothed(flatLogits, flatLabels, opts.weight, ignoreIndex, smoothing, opts.reduction ?? 'mean', logits, labels);
  let loss = softmaxCrossEntropy(flatLogits, flatLabels, ignoreIndex, smoothing);
  const reduction = opts.reduction ?? 'mean';
  const valid = flatLabels.ne(ignoreIndex).float();
  let sampleWeight: Tensor = valid;
  if (opts.weight) {
    handleOf(opts.weight, 'crossEntropy', 'weight');
    if (opts.weight.shape.join() !== String(c)) throw new RangeError(`crossEntropy: weight must have shape [${c}]`);
    const safeLabels = where(flatLabels.eq(ignoreIndex), 0, flatLabels);
    sampleWeight = mul(embedding(opts.weight.reshape([c, 1]), safeLabels).reshape([-1]), valid);
    loss = mul(loss, sampleWeight);
  }
  if (reduction === 'none') return logits.ndim > 2 ? loss.reshape(labels.shape) : loss;
  if (reduction === 'sum') return sum(loss);
  return div(sum(loss), sum(sampleWeight));
}

/**
 * Label smoothing with class weights, exactly as PyTorch defines it: the class-weighted NLL
 * mixed with the class-weighted mean of -log p over all classes, both normalized by the
 * total weight of the targets under 'mean'.
 */
function weightedSmoothed(
  logits: Tensor, labels: Tensor, weight: Tensor, ignoreIndex: number, smoothing: number, reduction: Reduction,
  origLogits: Tensor, origLabels: Tensor,
): Tensor {
  const c = logits.dimsInternal[1];
  if (weight.shape.join() !== String(c)) throw new RangeError(`crossEntropy: weight must have shape [${c}]`);
  const nll = softmaxCrossEntropy(logits, labels, ignoreIndex, 0);
  const valid = labels.ne(ignoreIndex).float();
  const safe = where(labels.eq(ignoreIndex), 0, labels);
  const targetWeight = mul(embedding(weight.reshape([c, 1]), safe).reshape([-1]), valid);
  const smooth = mul(sum(mul(logSoftmax(logits, 1), weight.reshape([1, c])), 1).neg(), valid);
  const loss = add(mul(mul(nll, targetWeight), 1 - smoothing), mul(smooth, smoothing / c));
  if (reduction === 'none') return origLogits.ndim > 2 ? loss.reshape(origLabels.shape) : loss;
  if (reduction === 'sum') return sum(loss);
  return div(sum(loss), sum(targetWeight));
}

/** Bayesian personalized ranking: -mean(log sigmoid(pos - neg)), for implicit-feedback recommenders. */
export function bpr(posScores: Tensor, negScores: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  sameShape('bpr', posScores, negScores, 'posScores', 'negScores');
  return reduce(softplus(sub(negScores, posScores)), opts.reduction ?? 'mean', 'bpr');
}


/**
 * Zero-inflated lognormal negative log-likelihood (Wang, Liu & Miao 2019, "A deep probabilistic
 * model for customer lifetime value prediction"), for spend that is 0 for many customers and
 * heavy-tailed for the rest. `out` is [N, 3]: the logit of P(value > 0), the lognormal location
 * mu and a raw scale (sigma = softplus(raw) + 1e-4, so it stays positive); `target` [N] or
 * [N, 1] holds values >= 0. Per row: BCE(logit, value > 0) + [value > 0] * (log value +
 * log sigma + log(2 pi) / 2 + (log value - mu)^2 / (2 sigma^2)): the full NLL of the mixture.
 * Built from differentiable ops, so autograd gives the gradient.
 */
export function zilnLoss(out: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  handleOf(out, 'zilnLoss', 'out');
  handleOf(target, 'zilnLoss', 'target');
  if (out.ndim !== 2 || out.shape[1] !== 3) throw new RangeError(`zilnLoss: expected out of shape [N, 3] (logit, mu, raw sigma), got [${out.shape.join(', ')}]`);
  const n = out.shape[0];
  if (target.size !== n) throw new RangeError(`zilnLoss: out has ${n} rows but target has ${target.size} values`);
  const y = target.reshape([n, 1]);
  const positive = gt(y, 0).float();
  const logit = slice(out, 1, 0, 1), mu = slice(out, 1, 1, 2);
  const sigma = add(softplus(slice(out, 1, 2, 3)), 1e-4);
  const logY = log(maximum(y, 1e-12)); // the zero rows' term is masked out below
  const z = div(sub(logY, mu), sigma);
  const nll = add(add(add(logY, log(sigma)), 0.5 * Math.log(2 * Math.PI)), mul(mul(z, z), 0.5));
  const bce = binaryCrossEntropyWithLogits(logit, positive, { reduction: 'none' });
  const loss = add(bce, mul(positive, nll)).reshape([n]);
  return reduce(loss, opts.reduction ?? 'mean', 'zilnLoss');
}

/**
 * Poisson negative log-likelihood with a log link (PyTorch's PoissonNLLLoss, log_input=True,
 * without the Stirling term): exp(logRate) - target * logRate. Minimized by
 * exp(logRate) = E[target], for any non-negative target distribution, so it fits a mean on a
 * multiplicative scale (counts, spend) without assuming a shape.
 */
export function poissonNll(logRate: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  sameShape('poissonNll', logRate, target, 'logRate', 'target');
  return reduce(sub(exp(logRate), mul(target, logRate)), opts.reduction ?? 'mean', 'poissonNll');
}
