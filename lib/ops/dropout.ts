import { record } from '../autograd/record.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor/tensor.js';
import { handleOf, wrap } from './util.js';

/**
 * Inverted dropout: in training, zeroes each element with probability p and scales the rest
 * by 1 / (1 - p); otherwise returns x unchanged. The mask comes from the seeded generator
 * and is redrawn (not stored) for the backward pass.
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  handleOf(x, 'dropout', 'x');
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`dropout: p must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  const r = native.dropout(x.handle, p);
  return record('dropout', wrap(r.out), [x], (g) => [wrap(native.dropoutBackward(g.handle, p, r.seed, r.offset))]);
}
