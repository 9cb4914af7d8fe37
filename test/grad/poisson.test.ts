// Finite-difference gradient check of the Poisson NLL (log link) against a float64 reference
// of its definition, exp(f) - y f, on fresh random log-rates and targets with zeros.
import { describe, expect, it } from 'vitest';
import * as tl from '../../lib/index.js';
import type { Reduction } from '../../lib/nn/losses.js';
import { checkGrad, useSeedPerTest } from '../helpers/gradcheck.js';
import { uniform } from '../helpers/random.js';
import * as R from '../helpers/ref64.js';

useSeedPerTest();

const poissonRef = (f: Float64Array, y: ArrayLike<number>) => Float64Array.from(f, (v, i) => Math.exp(v) - y[i] * v);

describe('poissonNll', () => {
  for (const reduction of ['mean', 'sum', 'none'] as Reduction[])
    it(`reduction '${reduction}': gradient of the log-rate, with zero and positive targets`, () => {
      const n = 9;
      const y = Array.from(uniform(n, 0.1, 6)).map((v, i) => (i % 4 === 0 ? 0 : v));
      checkGrad({
        inputs: [{ shape: [n, 1], lo: -2, hi: 2, name: 'logRate' }],
        ref: ([f]) => {
          const l = poissonRef(f, y);
          if (reduction === 'none') return R.r64(l, [n, 1]);
          const s = l.reduce((a, b) => a + b, 0);
          return R.r64([reduction === 'sum' ? s : s / n], []);
        },
        op: ([f]) => tl.losses.poissonNll(f, tl.tensor(y, { shape: [n, 1] }), { reduction }),
      });
    });

  it('matches the reference value, is minimized at exp(f) = mean target, and rejects mismatched shapes', () => {
    const f = tl.tensor([[0.4], [-1.1]]), y = tl.tensor([[2.5], [0]]);
    const ref = poissonRef(Float64Array.from(f.dataSync()), [2.5, 0]);
    expect(tl.losses.poissonNll(f, y).item()).toBeCloseTo((ref[0] + ref[1]) / 2, 5);
    // d/df of mean(exp(f) - y f) over a constant f is exp(f) - mean(y): zero at f = log(mean y).
    const targets = [0, 1, 5, 2];
    const loss = (c: number) => tl.losses.poissonNll(tl.full([4, 1], c), tl.tensor(targets, { shape: [4, 1] })).item();
    const best = Math.log(2);
    expect(loss(best)).toBeLessThan(loss(best + 0.05));
    expect(loss(best)).toBeLessThan(loss(best - 0.05));
    expect(() => tl.losses.poissonNll(tl.zeros([3, 1]), tl.zeros([2, 1]))).toThrow(/logRate has shape \[3, 1\] but target has \[2, 1\]/);
  });
});
