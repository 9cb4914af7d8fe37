// Finite-difference gradient check of the zero-inflated lognormal loss against a float64
// reference of its definition (BCE on P(value > 0) plus the lognormal NLL of positive values).
import { describe, expect, it } from 'vitest';
import * as tl from '../../lib/index.js';
import type { Reduction } from '../../lib/nn/losses.js';
import { checkGrad, useSeedPerTest } from '../helpers/gradcheck.js';
import { uniform } from '../helpers/random.js';
import * as R from '../helpers/ref64.js';

useSeedPerTest();

const softplus = (z: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));

function zilnRef(out: Float64Array, y: ArrayLike<number>): Float64Array {
  const n = y.length, loss = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [logit, mu, raw] = [out[3 * i], out[3 * i + 1], out[3 * i + 2]];
    const pos = y[i] > 0 ? 1 : 0;
    const bce = softplus(logit) - pos * logit;
    const sigma = softplus(raw) + 1e-4;
    const ly = Math.log(Math.max(y[i], 1e-12));
    loss[i] = bce + pos * (ly + Math.log(sigma) + 0.5 * Math.log(2 * Math.PI) + 0.5 * ((ly - mu) / sigma) ** 2);
  }
  return loss;
}

describe('zilnLoss', () => {
  for (const reduction of ['mean', 'sum', 'none'] as Reduction[])
    it(`reduction '${reduction}': gradient of logit, mu and sigma, with zero and positive targets`, () => {
      const n = 7;
      // Two zero targets (only the BCE term), the rest spread over two orders of magnitude.
      const y = Array.from(uniform(n, 0.2, 30)).map((v, i) => (i % 3 === 0 ? 0 : v));
      checkGrad({
        inputs: [{ shape: [n, 3], lo: -1.5, hi: 1.5, name: 'out' }],
        ref: ([out]) => {
          const l = zilnRef(out, y);
          if (reduction === 'none') return R.r64(l, [n]);
          const s = l.reduce((a, b) => a + b, 0);
          return R.r64([reduction === 'sum' ? s : s / n], []);
        },
        op: ([out]) => tl.losses.zilnLoss(out, tl.tensor(y, { shape: [n, 1] }), { reduction }),
      });
    });

  it('is the exact negative log-likelihood (matches the reference value) and rejects bad shapes', () => {
    const out = tl.tensor([[0.3, 1.2, -0.4], [-2, 0.5, 0.7]]);
    const y = tl.tensor([3.5, 0]);
    const ref = zilnRef(Float64Array.from(out.dataSync()), [3.5, 0]);
    expect(tl.losses.zilnLoss(out, y, { reduction: 'none' }).dataSync()[0]).toBeCloseTo(ref[0], 5);
    expect(tl.losses.zilnLoss(out, y).item()).toBeCloseTo((ref[0] + ref[1]) / 2, 5);
    expect(() => tl.losses.zilnLoss(tl.zeros([2, 2]), y)).toThrow(/\[N, 3\]/);
    expect(() => tl.losses.zilnLoss(out, tl.zeros([3]))).toThrow(/2 rows but target has 3/);
  });
});
