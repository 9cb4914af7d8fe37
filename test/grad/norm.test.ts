// Gradient checks of batchNorm (training and eval; running-statistics update as PyTorch)
// and layerNorm (1 and 2 normalized trailing dims, with and without affine parameters).
import { describe, expect, it } from 'vitest';
import * as tl from '../../lib/index.js';
import { expectClose } from '../helpers/assert.js';
import { GRAD_LAYOUTS, checkGrad, drawValues, rshape, spreadChannels, spreadRows, useSeedPerTest } from '../helpers/gradcheck.js';
import { uniform } from '../helpers/random.js';
import * as R from '../helpers/ref64.js';

useSeedPerTest();

// Normalization inputs come from spreadRows / spreadChannels: every normalized group has a
// standard deviation >= 0.4 with |x| < 2 (float32 x - mean is ill-conditioned for groups of
// nearly equal values, in PyTorch's kernels alike), and 3+ elements: with 2, the normalized
// values are +-1 whatever x is, so d out / dx is ~0 by cancellation of O(1) terms and float32
// leaves only noise.

// Each check backpropagates a gradient of the next layout in turn (contiguous, a transposed
// view, a stride-0 expanded view) into the op's backward.
let turn = 0;
const nextGradLayout = () => GRAD_LAYOUTS[turn++ % GRAD_LAYOUTS.length];

function bnShapes(): number[][] {
  const [n, c, l, h, w] = rshape([3, 5], [1, 4], [1, 4], [1, 3], [2, 4]);
  return [[n, c], [n, c, l], [n, c, h, w]];
}

describe('batchNorm, training mode (batch statistics)', () => {
  it('gradients for x, weight and bias; [N, C], [N, C, L], [N, C, H, W]', () => {
    for (const s of bnShapes())
      for (const layout of ['contiguous', 'transposed'] as const) {
        const C = s[1];
        const rm = tl.zeros([C]), rv = tl.ones([C]);
        checkGrad({
          what: `batchNorm train [${s}] ${layout}`,
          inputs: [
            { shape: s, values: spreadChannels(s), layout: s[s.length - 1] > 1 && s[s.length - 2] > 1 ? layout : 'contiguous', name: 'x' },
            { shape: [C], lo: 0.5, hi: 1.5, name: 'weight' },
            { shape: [C], name: 'bias' },
          ],
          ref: ([x, w, b]) => R.batchNormTrain(R.r64(x, s), R.r64(w, [C]), R.r64(b, [C]), 1e-5),
          op: ([x, w, b]) => tl.batchNorm(x, rm, rv, w, b, true, 0.1, 1e-5),
          gradLayout: nextGradLayout(),
        });
      }
  });

  it('without running statistics (null) and without affine parameters; other eps', () => {
    for (const s of bnShapes()) {
      checkGrad({
        what: `batchNorm no stats, no affine [${s}]`,
        inputs: [{ shape: s, values: spreadChannels(s) }],
        ref: ([x]) => R.batchNormTrain(R.r64(x, s), null, null, 1e-3),
        op: ([x]) => tl.batchNorm(x, null, null, null, null, true, 0.1, 1e-3),
      });
      checkGrad({
        what: `batchNorm eval without running stats uses the batch [${s}]`,
        inputs: [{ shape: s, values: spreadChannels(s) }, { shape: [s[1]], name: 'weight' }, { shape: [s[1]], name: 'bias' }],
        ref: ([x, w, b]) => R.batchNormTrain(R.r64(x, s), R.r64(w, [s[1]]), R.r64(b, [s[1]]), 1e-5),
        op: ([x, w, b]) => tl.batchNorm(x, null, null, w, b, false),
      });
    }
  });

  it('running statistics update like PyTorch: (1 - m) running + m batch, variance unbiased', () => {
    for (const s of bnShapes())
      for (const momentum of [0.1, 0.35]) {
        const C = s[1];
        const x = drawValues({ shape: s, lo: -2, hi: 3 });
        const rm0 = uniform(C, -1, 1), rv0 = uniform(C, 0.5, 2);
        const rm = tl.tensor(rm0), rv = tl.tensor(rv0);
        const st = R.channelStats(R.r64(x, s));
        tl.batchNorm(tl.tensor(x, { shape: s, requiresGrad: true }), rm, rv, null, null, true, momentum, 1e-5);
        expectClose(rm.dataSync(), Array.from(rm0, (v, c) => (1 - momentum) * v + momentum * st.mean[c]), { rtol: 1e-5, atol: 1e-6 }, `runningMean [${s}] m ${momentum}`);
        expectClose(rv.dataSync(), Array.from(rv0, (v, c) => (1 - momentum) * v + momentum * st.varUnbiased[c]), { rtol: 1e-5, atol: 1e-6 }, `runningVar [${s}] m ${momentum}`);
      }
  });

  it('the update happens once per forward and not in eval mode', () => {
    const s = [4, 3, 2];
    const x = tl.tensor(drawValues({ shape: s }), { shape: s });
    const rm = tl.zeros([3]), rv = tl.ones([3]);
    tl.batchNorm(x, rm, rv, null, null, false);
    expect(Array.from(rm.dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(rv.dataSync())).toEqual([1, 1, 1]);
    const st = R.channelStats(R.r64(x.dataSync(), s));
    tl.batchNorm(x, rm, rv, null, null, true, 0.5);
    tl.batchNorm(x, rm, rv, null, null, true, 0.5);
    expectClose(rm.dataSync(), Array.from(st.mean, (m) => 0.75 * m), { rtol: 1e-5, atol: 1e-6 }, 'runningMean after two updates');
    expectClose(rv.dataSync(), Array.from(st.varUnbiased, (v) => 0.25 + 0.75 * v), { rtol: 1e-5, atol: 1e-6 }, 'runningVar after two updates');
  });
});

describe('batchNorm, eval mode (running statistics)', () => {
  it('gradients for x, weight and bias with the running statistics as constants', () => {
    for (const s of bnShapes()) {
      const C = s[1];
      const rm0 = uniform(C, -1, 1), rv0 = uniform(C, 0.5, 2);
      checkGrad({
        what: `batchNorm eval [${s}]`,
        inputs: [{ shape: s, lo: -2, hi: 2, name: 'x' }, { shape: [C], name: 'weight' }, { shape: [C], name: 'bias' }],
        ref: ([x, w, b]) => R.batchNorm(R.r64(x, s), rm0, rv0, R.r64(w, [C]), R.r64(b, [C]), 1e-5),
        op: ([x, w, b]) => tl.batchNorm(x, tl.tensor(rm0), tl.tensor(rv0), w, b, false),
        gradLayout: nextGradLayout(),
      });
    }
  });
});

describe('layerNorm', () => {
  it('normalizing 1 and 2 trailing dims: gradients for x, weight and bias', () => {
    const [a, b, c, d] = rshape([1, 3], [2, 4], [3, 5], [3, 4]);
    for (const xs of [[b, c], [a, b, c], [a, b, c, d]])
      for (const k of [1, 2])
        for (const layout of ['contiguous', 'transposed'] as const) {
          const ns = xs.slice(xs.length - k);
          checkGrad({
            what: `layerNorm [${xs}] over ${k} dims ${layout}`,
            inputs: [{ shape: xs, values: spreadRows(xs, k), layout, name: 'x' }, { shape: ns, lo: 0.5, hi: 1.5, name: 'weight' }, { shape: ns, name: 'bias' }],
            ref: ([x, w, bb]) => R.layerNorm(R.r64(x, xs), k, R.r64(w, ns), R.r64(bb, ns)),
            op: ([x, w, bb]) => tl.layerNorm(x, ns, w, bb),
            gradLayout: nextGradLayout(),
          });
        }
  });

  it('non-contiguous weight and bias', () => {
    const xs = rshape([2, 3], [2, 3], [3, 4]), ns = xs.slice(1);
    checkGrad({
      inputs: [{ shape: xs, values: spreadRows(xs, 2), name: 'x' }, { shape: ns, layout: 'transposed', name: 'weight' }, { shape: ns, layout: 'strided', name: 'bias' }],
      ref: ([x, w, b]) => R.layerNorm(R.r64(x, xs), 2, R.r64(w, ns), R.r64(b, ns)),
      op: ([x, w, b]) => tl.layerNorm(x, ns, w, b),
    });
  });

  it('without affine parameters, weight only, and a larger eps', () => {
    const xs = rshape([2, 4], [3, 6]), ns = [xs[1]];
    checkGrad({
      inputs: [{ shape: xs, values: spreadRows(xs, 1), layout: 'strided' }],
      ref: ([x]) => R.layerNorm(R.r64(x, xs), 1, null, null, 1e-2),
      op: ([x]) => tl.layerNorm(x, ns, null, null, 1e-2),
    });
    checkGrad({
      inputs: [{ shape: xs, values: spreadRows(xs, 1), name: 'x' }, { shape: ns, name: 'weight' }],
      ref: ([x, w]) => R.layerNorm(R.r64(x, xs), 1, R.r64(w, ns), null),
      op: ([x, w]) => tl.layerNorm(x, ns, w),
    });
  });

  it('rows with a large mean relative to their spread', () => {
    const xs = [3, rshape([4, 8])[0]];
    checkGrad({
      inputs: [{ shape: xs, lo: 20, hi: 22 }],
      ref: ([x]) => R.layerNorm(R.r64(x, xs), 1, null, null),
      op: ([x]) => tl.layerNorm(x, [xs[1]]),
      // |x| / sigma ~ 35 here: x - mean loses ~5 bits more than in the other checks (see the
      // top of the file), in the forward and the backward alike, hence 10x the tolerance.
      tol: { rtol: 1e-3, atolRel: 1e-4 },
    });
  });
});
