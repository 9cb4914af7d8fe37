// Gradient checks of reductions (sum mean prod max min over each dim, lists, all; keepDim),
// softmax / logSoftmax over each dim, variance and std.
import { describe, it } from 'vitest';
import * as tl from '../../lib/index.js';
import type { Tensor } from '../../lib/index.js';
import { GRAD_LAYOUTS, type GradInput, checkGrad, distinctValues, numel, rshape, useSeedPerTest } from '../helpers/gradcheck.js';
import { uniform } from '../helpers/random.js';
import { reduce } from '../helpers/ref.js';
import * as R from '../helpers/ref64.js';

useSeedPerTest();

type Dim = number | number[] | undefined;

const sumOf = (v: number[]) => v.reduce((a, b) => a + b, 0);
const REDUCTIONS: {
  name: 'sum' | 'mean' | 'prod' | 'max' | 'min';
  ref: (v: number[]) => number;
  input: (n: number) => Omit<GradInput, 'shape'>;
}[] = [
  { name: 'sum', ref: sumOf, input: () => ({}) },
  { name: 'mean', ref: (v) => sumOf(v) / v.length, input: () => ({}) },
  // |x| in [0.5, 1.5]: the product's gradient divides by x, so no zeros
  { name: 'prod', ref: (v) => v.reduce((a, b) => a * b, 1), input: () => ({ lo: -1.5, hi: 1.5, minAbs: 0.5 }) },
  // distinct values (no ties, which split the gradient)
  { name: 'max', ref: (v) => Math.max(...v), input: (n) => ({ values: distinctValues(n) }) },
  { name: 'min', ref: (v) => Math.min(...v), input: (n) => ({ values: distinctValues(n) }) },
];

function dimCases(): Dim[] {
  return [0, 1, 2, -1, -3, [0, 2], [1, -1], [0, 1, 2], undefined];
}
const dimList = (d: Dim): number[] => (d === undefined ? [] : typeof d === 'number' ? [d] : d);
const show = (d: Dim) => (d === undefined ? 'all' : JSON.stringify(d));

describe('reductions', () => {
  for (const red of REDUCTIONS)
    it(`${red.name} over each dim, lists of dims and all, keepDim both ways`, () => {
      dimCases().forEach((dim, i) => {
        for (const keepDim of [false, true]) {
          const shape = rshape([2, 4], [1, 3], [2, 4]);
          const layout = keepDim ? 'transposed' : 'contiguous';
          checkGrad({
            what: `${red.name}(dim ${show(dim)}, keepDim ${keepDim}) of [${shape}] ${layout}`,
            inputs: [{ shape, ...red.input(numel(shape)), layout }],
            ref: ([x]) => reduce(R.r64(x, shape), dimList(dim), keepDim, red.ref),
            op: ([x]) => (tl[red.name] as (x: Tensor, d?: Dim, k?: boolean) => Tensor)(x, dim, keepDim),
            gradLayout: GRAD_LAYOUTS[(i + (keepDim ? 1 : 0)) % 3],
          });
        }
      });
    });

  it('method forms with default arguments (x.sum(), x.mean(1), x.max(0, true))', () => {
    const shape = rshape([2, 4], [2, 4]);
    checkGrad({
      inputs: [{ shape, values: distinctValues(numel(shape)) }],
      ref: ([x]) => {
        const r = R.r64(x, shape);
        const a = reduce(r, [], false, sumOf), b = reduce(r, [1], false, (v) => sumOf(v) / v.length);
        const c = reduce(r, [0], true, (v) => Math.max(...v));
        return [a, b, c];
      },
      op: ([x]) => [x.sum(), x.mean(1), x.max(0, true)],
    });
  });

  it('prod with exact zeros: the gradient is the product of the other elements (as PyTorch)', () => {
    // prod is a polynomial, differentiable everywhere; PyTorch's prod backward handles zeros
    for (const dim of [1, undefined]) {
      const [a, b] = rshape([2, 4], [3, 5]);
      const v = Float32Array.from(uniform(a * b, 0.5, 1.5));
      v[0] = 0; // row 0: one zero
      v[b] = 0; // row 1: two zeros
      v[b + 1] = 0;
      checkGrad({
        what: `prod(dim ${show(dim)}) with zeros`,
        inputs: [{ shape: [a, b], values: v }],
        ref: ([x]) => reduce(R.r64(x, [a, b]), dimList(dim), false, (vals) => vals.reduce((p, q) => p * q, 1)),
        op: ([x]) => tl.prod(x, dim),
      });
    }
  });

  it('a strided (every second element) input', () => {
    const shape = rshape([2, 4], [2, 5]);
    checkGrad({
      inputs: [{ shape, layout: 'strided' }],
      ref: ([x]) => reduce(R.r64(x, shape), [1], false, sumOf),
      op: ([x]) => tl.sum(x, 1),
    });
  });
});

describe('softmax and logSoftmax', () => {
  for (const log of [false, true])
    it(`${log ? 'logSoftmax' : 'softmax'} over each dim`, () => {
      for (const dim of [0, 1, 2, -1, -2])
        for (const layout of ['contiguous', 'transposed'] as const)
          for (const gradLayout of GRAD_LAYOUTS) {
            const shape = rshape([2, 4], [2, 4], [2, 5]);
            checkGrad({
              what: `${log ? 'logSoftmax' : 'softmax'}(dim ${dim}) [${shape}] ${layout}`,
              inputs: [{ shape, lo: -3, hi: 3, layout }],
              ref: ([x]) => R.softmax(R.r64(x, shape), dim, log),
              op: ([x]) => (log ? tl.logSoftmax(x, dim) : x.softmax(dim)),
              gradLayout,
            });
          }
    });

  it('over a dim of size 1 (constant output, zero gradient)', () => {
    const [a, b] = rshape([2, 4], [2, 4]);
    for (const log of [false, true])
      checkGrad({
        what: `${log ? 'logSoftmax' : 'softmax'} over a size-1 dim`,
        inputs: [{ shape: [a, 1, b] }],
        ref: ([x]) => R.softmax(R.r64(x, [a, 1, b]), 1, log),
        op: ([x]) => (log ? tl.logSoftmax(x, 1) : tl.softmax(x, 1)),
      });
  });

  it('softmax of a 1-D tensor and of large logits (stability)', () => {
    const n = rshape([3, 8])[0];
    checkGrad({
      inputs: [{ shape: [n], lo: 40, hi: 50 }],
      ref: ([x]) => R.softmax(R.r64(x, [n]), 0),
      op: ([x]) => tl.softmax(x, 0),
    });
    checkGrad({
      inputs: [{ shape: [2, n], lo: -50, hi: 50 }],
      ref: ([x]) => R.softmax(R.r64(x, [2, n]), 1, true),
      op: ([x]) => tl.logSoftmax(x, 1),
    });
  });
});

function varianceRef(v: number[], correction: number): number {
  const m = sumOf(v) / v.length;
  return sumOf(v.map((a) => (a - m) ** 2)) / Math.max(0, v.length - correction);
}

describe('variance and std', () => {
  for (const which of ['variance', 'std'] as const)
    it(`${which} over dims, lists and all, keepDim, correction 0/1/2`, () => {
      for (const dim of [0, 2, -1, [0, 2], undefined] as Dim[])
        for (const keepDim of [false, true])
          for (const correction of [1, 0, 2]) {
            const shape = rshape([3, 4], [1, 3], [3, 5]);
            checkGrad({
              what: `${which}(dim ${show(dim)}, keepDim ${keepDim}, correction ${correction}) [${shape}]`,
              inputs: [{ shape, lo: -2, hi: 2 }],
              ref: ([x]) =>
                reduce(R.r64(x, shape), dimList(dim), keepDim, (v) => {
                  const s = varianceRef(v, correction);
                  return which === 'std' ? Math.sqrt(s) : s;
                }),
              op: ([x]) => (which === 'std' ? x.std(dim, keepDim, correction) : tl.variance(x, dim, keepDim, correction)),
            });
          }
    });

  it('default arguments (unbiased, all dims)', () => {
    const shape = rshape([2, 4], [2, 4]);
    checkGrad({
      inputs: [{ shape }],
      ref: ([x]) => [reduce(R.r64(x, shape), [], false, (v) => varianceRef(v, 1)), reduce(R.r64(x, shape), [], false, (v) => Math.sqrt(varianceRef(v, 1)))],
      op: ([x]) => [x.variance(), tl.std(x)],
    });
  });
});
