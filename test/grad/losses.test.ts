// Gradient checks of the losses (tl.losses) against float64 references of PyTorch's
// definitions, for every reduction.
import { describe, it } from 'vitest';
import * as tl from '../../lib/index.js';
import type { Reduction } from '../../lib/nn/losses.js';
import { GRAD_LAYOUTS, checkGrad, numel, rshape, useSeedPerTest } from '../helpers/gradcheck.js';
import { randInt, randInts, uniform } from '../helpers/random.js';
import type { Ref } from '../helpers/ref.js';
import * as R from '../helpers/ref64.js';

useSeedPerTest();

const REDUCTIONS: Reduction[] = ['mean', 'sum', 'none'];

function reduceRef(loss: Float64Array, shape: number[], reduction: Reduction): Ref {
  if (reduction === 'none') return R.r64(loss, shape);
  const s = loss.reduce((a, b) => a + b, 0);
  return R.r64([reduction === 'sum' ? s : s / loss.length], []);
}

/** log(1 + e^z), stable for both signs. */
const softplus = (z: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));

describe('mse', () => {
  for (const reduction of REDUCTIONS)
    it(`reduction '${reduction}': gradients for pred and target`, () => {
      const s = rshape([1, 4], [2, 5]);
      checkGrad({
        inputs: [{ shape: s, name: 'pred', layout: 'transposed' }, { shape: s, name: 'target' }],
        ref: ([p, t]) => reduceRef(p.map((v, i) => (v - t[i]) ** 2), s, reduction),
        op: ([p, t]) => tl.losses.mse(p, t, { reduction }),
      });
    });
  it('default reduction is the mean', () => {
    const s = rshape([2, 6]);
    checkGrad({
      inputs: [{ shape: s }, { shape: s, grad: false }],
      ref: ([p, t]) => reduceRef(p.map((v, i) => (v - t[i]) ** 2), s, 'mean'),
      op: ([p, t]) => tl.losses.mse(p, t),
    });
  });
});

describe('huber', () => {
  for (const delta of [1, 0.4])
    for (const reduction of REDUCTIONS)
      it(`delta ${delta}, reduction '${reduction}': points on both sides of delta`, () => {
        const s = rshape([2, 4], [2, 5]);
        const n = numel(s);
        const target = uniform(n, -1, 1);
        // |pred - target| alternates between (0.05, 0.9) delta and (1.1, 3) delta, either sign
        const pred = Float32Array.from(target, (t, i) => {
          const mag = i % 2 ? uniform(1, 1.1, 3)[0] * delta : uniform(1, 0.05, 0.9)[0] * delta;
          return t + (uniform(1, 0, 1)[0] < 0.5 ? -mag : mag);
        });
        checkGrad({
          inputs: [{ shape: s, values: pred, name: 'pred' }, { shape: s, values: target, name: 'target' }],
          ref: ([p, t]) =>
            reduceRef(
              p.map((v, i) => {
                const a = Math.abs(v - t[i]);
                return a < delta ? 0.5 * a * a : delta * (a - 0.5 * delta);
              }),
              s,
              reduction,
            ),
          op: ([p, t]) => tl.losses.huber(p, t, { delta: delta === 1 ? undefined : delta, reduction }),
        });
      });
});

describe('binaryCrossEntropyWithLogits', () => {
  // loss = (1 - y) x + (1 + (w - 1) y) softplus(-x)   (w = posWeight, 1 without)
  const bce = (x: number, y: number, w: number) => (1 - y) * x + (1 + (w - 1) * y) * softplus(-x);
  for (const reduction of REDUCTIONS)
    it(`without posWeight, reduction '${reduction}': gradients for logits (and targets)`, () => {
      const s = rshape([2, 4], [1, 5]);
      for (const hard of [false, true])
        checkGrad({
          what: `bce ${hard ? 'hard' : 'soft'} labels`,
          inputs: [
            { shape: s, lo: -5, hi: 5, name: 'logits' },
            hard ? { shape: s, values: Float32Array.from(randInts(numel(s), 0, 2)), name: 'targets' } : { shape: s, lo: 0, hi: 1, name: 'targets' },
          ],
          ref: ([x, y]) => reduceRef(x.map((v, i) => bce(v, y[i], 1)), s, reduction),
          op: ([x, y]) => tl.losses.binaryCrossEntropyWithLogits(x, y, { reduction }),
        });
    });

  for (const reduction of REDUCTIONS) {
    it(`with a number posWeight, reduction '${reduction}'`, () => {
      const s = rshape([2, 4], [2, 5]);
      const pw = uniform(1, 0.5, 4)[0];
      checkGrad({
        inputs: [{ shape: s, lo: -5, hi: 5, name: 'logits' }, { shape: s, lo: 0, hi: 1, name: 'targets' }],
        ref: ([x, y]) => reduceRef(x.map((v, i) => bce(v, y[i], pw)), s, reduction),
        op: ([x, y]) => tl.losses.binaryCrossEntropyWithLogits(x, y, { posWeight: pw, reduction }),
      });
    });
    it(`with a per-class posWeight tensor [C], reduction '${reduction}'`, () => {
      const [n, c] = rshape([2, 4], [2, 5]);
      const s = [n, c];
      const pw = uniform(c, 0.5, 4);
      checkGrad({
        inputs: [{ shape: s, lo: -5, hi: 5, name: 'logits' }, { shape: s, lo: 0, hi: 1, name: 'targets' }],
        ref: ([x, y]) => reduceRef(x.map((v, i) => bce(v, y[i], pw[i % c])), s, reduction),
        op: ([x, y]) => tl.losses.binaryCrossEntropyWithLogits(x, y, { posWeight: tl.tensor(pw), reduction }),
      });
    });
  }
});

interface CeOpts {
  weight?: Float32Array;
  ignoreIndex?: number;
  labelSmoothing?: number;
  reduction: Reduction;
}

/** PyTorch's cross_entropy (incl. its label-smoothing-with-weights normalization). */
function crossEntropyRef(x: Float64Array, shape: number[], labels: Int32Array, o: CeOpts): Ref {
  const [N, C] = shape, inner = numel(shape.slice(2));
  const ignore = o.ignoreIndex ?? -100, eps = o.labelSmoothing ?? 0;
  const w = (c: number) => (o.weight ? o.weight[c] : 1);
  const losses = new Float64Array(N * inner);
  let wsum = 0;
  for (let n = 0; n < N; n++)
    for (let i = 0; i < inner; i++) {
      const y = labels[n * inner + i];
      if (y === ignore) continue;
      const lane = new Float64Array(C);
      for (let c = 0; c < C; c++) lane[c] = x[(n * C + c) * inner + i];
      const logp = R.softmax(R.r64(lane, [C]), 0, true).data;
      let smooth = 0;
      for (let c = 0; c < C; c++) smooth -= w(c) * logp[c];
      losses[n * inner + i] = (1 - eps) * -w(y) * logp[y] + (eps / C) * smooth;
      wsum += w(y);
    }
  if (o.reduction === 'none') return R.r64(losses, [N, ...shape.slice(2)]);
  const total = losses.reduce((a, b) => a + b, 0);
  return R.r64([o.reduction === 'sum' ? total : total / wsum], []);
}

/** int32 labels of `shape`, as a contiguous tensor or (strided) every second element of a wider one. */
function labelTensor(labels: Int32Array, shape: number[], strided: boolean): tl.Tensor {
  if (!strided) return tl.tensor(labels, { shape });
  const last = shape[shape.length - 1], wide = new Int32Array(labels.length * 2).fill(-7);
  labels.forEach((v, i) => (wide[2 * i] = v));
  return tl.tensor(wide, { shape: [...shape.slice(0, -1), 2 * last] }).slice(-1, 0, null, 2);
}

// Rotates the logits' layout, the labels' layout and (for reduction 'none') the layout of the
// gradient reaching crossEntropy's backward over the cases.
let turn = 0;

function ceCase(shape: number[], o: Omit<CeOpts, 'reduction'>, reduction: Reduction, what: string, ignoreSome = true): void {
  const [N, C] = shape, inner = numel(shape.slice(2));
  const labels = randInts(N * inner, 0, C);
  // about a third of the samples get the ignored label (the first stays valid)
  if (ignoreSome) for (let i = 1; i < labels.length; i++) if (randInt(0, 3) === 0) labels[i] = o.ignoreIndex ?? -100;
  if (labels[0] === o.ignoreIndex) labels[0] = (labels[0] + 1) % C; // one valid sample (else 'mean' is 0/0)
  const full: CeOpts = { ...o, reduction };
  const t = turn++;
  const layout = t % 2 && shape[shape.length - 1] > 1 && shape[shape.length - 2] > 1 ? 'transposed' : 'contiguous';
  checkGrad({
    what: `crossEntropy ${what} [${shape}] '${reduction}' logits ${layout}, labels ${t % 3 === 1 ? 'strided' : 'contiguous'}`,
    inputs: [{ shape, lo: -3, hi: 3, name: 'logits', layout }],
    ref: ([x]) => crossEntropyRef(x, shape, labels, full),
    gradLayout: reduction === 'none' ? GRAD_LAYOUTS[t % 3] : 'contiguous',
    op: ([x]) =>
      tl.losses.crossEntropy(x, labelTensor(labels, [N, ...shape.slice(2)], t % 3 === 1), {
        weight: o.weight ? tl.tensor(o.weight) : undefined,
        ignoreIndex: o.ignoreIndex,
        labelSmoothing: o.labelSmoothing,
        reduction,
      }),
  });
}

describe('crossEntropy', () => {
  const shapes = () => {
    const [n, c, d, e] = rshape([2, 5], [2, 5], [1, 4], [1, 3]);
    return [[n, c], [n, c, d], [n, c, d, e]];
  };
  for (const reduction of REDUCTIONS) {
    it(`plain, '${reduction}'`, () => {
      for (const s of shapes()) ceCase(s, {}, reduction, 'plain', false);
    });
    it(`some samples labelled with the default ignoreIndex (-100), '${reduction}'`, () => {
      for (const s of shapes()) ceCase(s, {}, reduction, 'ignored');
    });
    it(`class weights, '${reduction}'`, () => {
      for (const s of shapes()) ceCase(s, { weight: uniform(s[1], 0.2, 2) }, reduction, 'weights', false);
    });
    it(`ignoreIndex as a class index (1), '${reduction}'`, () => {
      for (const s of shapes()) ceCase(s, { ignoreIndex: 1 }, reduction, 'ignoreIndex 1');
    });
    it(`labelSmoothing 0.15, '${reduction}'`, () => {
      for (const s of shapes()) ceCase(s, { labelSmoothing: 0.15 }, reduction, 'labelSmoothing', false);
    });
    it(`class weights with ignored samples, '${reduction}'`, () => {
      for (const s of shapes()) ceCase(s, { weight: uniform(s[1], 0.2, 2) }, reduction, 'weights + ignored');
    });
    it(`labelSmoothing with ignored samples, '${reduction}'`, () => {
      for (const s of shapes()) ceCase(s, { labelSmoothing: 0.15 }, reduction, 'labelSmoothing + ignored');
    });
    it(`labelSmoothing with class weights, '${reduction}'`, () => {
      for (const s of shapes()) ceCase(s, { labelSmoothing: 0.2, weight: uniform(s[1], 0.2, 2) }, reduction, 'labelSmoothing + weights', false);
    });
    it(`labelSmoothing with class weights and ignoreIndex, '${reduction}'`, () => {
      for (const s of shapes()) ceCase(s, { labelSmoothing: 0.2, weight: uniform(s[1], 0.2, 2), ignoreIndex: 0 }, reduction, 'all options');
    });
  }
});

describe('bpr', () => {
  for (const reduction of REDUCTIONS)
    it(`reduction '${reduction}': gradients for positive and negative scores`, () => {
      const s = rshape([2, 8]);
      checkGrad({
        inputs: [{ shape: s, lo: -3, hi: 3, name: 'pos' }, { shape: s, lo: -3, hi: 3, name: 'neg' }],
        ref: ([p, q]) => reduceRef(p.map((v, i) => softplus(q[i] - v)), s, reduction),
        op: ([p, q]) => tl.losses.bpr(p, q, { reduction }),
      });
    });
});
