import { noGrad } from '../autograd/mode.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Scales the gradients of params in place so their joint norm is at most maxNorm; returns the
 * norm before clipping. normType 2 (default) or Infinity.
 */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number, normType = 2): number {
  if (!(maxNorm >= 0)) throw new RangeError(`clipGradNorm: maxNorm must be >= 0, got ${maxNorm}`);
  if (normType !== 2 && normType !== Infinity) throw new RangeError('clipGradNorm: normType must be 2 or Infinity');
  const grads = [...params].map((p) => p.grad).filter((g): g is Tensor => !!g && !g.isDisposed);
  if (!grads.length) return 0;
  return noGrad(() => {
    let total = 0;
    for (const g of grads) {
      if (normType === Infinity) {
        const a = native.unary('abs', g.handle), m = native.reduce('max', a);
        total = Math.max(total, m.item());
        a.dispose();
        m.dispose();
      } else {
        const sq = native.unary('square', g.handle), s = native.reduce('sum', sq);
        total += s.item();
        sq.dispose();
        s.dispose();
      }
    }
    if (normType === 2) total = Math.sqrt(total);
    const coef = maxNorm / (total + 1e-6);
    if (coef < 1)
      for (const g of grads) {
        const c = native.full([], coef, 'float32', g.device);
        native.binaryInplace('mul', g.handle, c);
        c.dispose();
      }
    return total;
  });
}
