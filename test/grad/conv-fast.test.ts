// The fast conv2d paths (native/cpu/conv_winograd.cc: 3x3, stride 1, >= 16 channels; im2col
// + GEMM otherwise) against float64 direct loops, on fresh random shapes each run: odd sizes,
// padding 0-2 per axis, with and without bias, and the cases just outside the Winograd path
// (stride 2, dilation 2, groups 2, 15 channels, 3x2 kernels), which must give the same answers.
// Small shapes get finite-difference gradient checks; realistic ones (32 channels, 16x16)
// compare the input and weight gradients with direct float64 loops.
import { describe, expect, it } from 'vitest';
import * as tl from '../../lib/index.js';
import { GRAD_LAYOUTS, checkGrad, useSeedPerTest } from '../helpers/gradcheck.js';
import { randInt, uniform } from '../helpers/random.js';
import * as R from '../helpers/ref64.js';

useSeedPerTest();

type P2 = [number, number];
interface Shape {
  n: number; c: number; o: number; h: number; w: number; k: P2;
  stride: P2; padding: P2; dilation: P2; groups: number; bias: boolean;
}

const pick = <T>(xs: T[]): T => xs[randInt(0, xs.length)];

// Winograd's conditions (conv_winograd.cc): 3x3, stride 1, no dilation or groups, padding
// <= 2, >= 16 channels in and out, >= 64 outputs per channel over the batch.
function winogradShape(): Shape {
  for (;;) {
    const padding: P2 = [randInt(0, 3), randInt(0, 3)];
    // Output at least 1x1: input >= 3 - 2 * padding.
    const h = Math.max(1, 3 - 2 * padding[0]) + randInt(0, 12), w = Math.max(1, 3 - 2 * padding[1]) + randInt(0, 12);
    const s: Shape = { n: randInt(1, 4), c: randInt(16, 25), o: randInt(16, 25), h, w, k: [3, 3], stride: [1, 1], padding, dilation: [1, 1], groups: 1, bias: randInt(0, 4) !== 0 };
    if (s.n * (h + 2 * padding[0] - 2) * (w + 2 * padding[1] - 2) >= 64) return s;
  }
}

// One parameter changed from a Winograd shape: the im2col path must agree as well.
function neighbourShape(): Shape {
  const s = winogradShape();
  const variant = pick(['stride', 'dilation', 'groups', 'channels', 'kernel']);
  if (variant === 'stride') s.stride = pick<P2>([[2, 2], [1, 2], [2, 1]]);
  if (variant === 'dilation') s.dilation = pick<P2>([[2, 2], [1, 2]]);
  if (variant === 'groups') (s.groups = 2), (s.c = 2 * randInt(8, 12)), (s.o = 2 * randInt(8, 12));
  if (variant === 'channels') s.c = 15;
  if (variant === 'kernel') s.k = [3, 2];
  const reach = (i: 0 | 1) => s.dilation[i] * (s.k[i] - 1) + 1;
  s.h = Math.max(s.h, reach(0) - 2 * s.padding[0]);
  s.w = Math.max(s.w, reach(1) - 2 * s.padding[1]);
  return s;
}

const describeShape = (s: Shape) =>
  `x [${s.n}, ${s.c}, ${s.h}, ${s.w}] w [${s.o}, ${s.c / s.groups}, ${s.k}] stride ${s.stride} padding ${s.padding} dilation ${s.dilation} groups ${s.groups} bias ${s.bias}`;

function tensors(s: Shape) {
  const xs = [s.n, s.c, s.h, s.w], ws = [s.o, s.c / s.groups, ...s.k];
  const x = uniform(xs.reduce((a, b) => a * b), -1, 1), w = uniform(ws.reduce((a, b) => a * b), -1, 1), b = uniform(s.o, -1, 1);
  return { xs, ws, x, w, b };
}

const refOpts = (s: Shape): R.Conv2dRefOptions => ({ stride: s.stride, padding: s.padding, dilation: s.dilation, groups: s.groups });
const opts = (s: Shape) => ({ stride: s.stride, padding: s.padding, dilation: s.dilation, groups: s.groups });

// Winograd F(4x4, 3x3) in float32 errs ~10x more than a direct sum (its transforms scale
// terms by up to 8x before they cancel): ~5e-6 of the output's largest value here; im2col
// stays near 1e-6. A wrong index or a missed tile is off by O(1).
const TOL = 2e-5;

/** max |a - e| <= tol * max |e| (errors are measured against the output's scale). */
function expectClose(actual: ArrayLike<number>, expected: Float64Array, tol: number, what: string) {
  expect(actual.length, `${what}: size`).toBe(expected.length);
  let scale = 0, worst = 0, at = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= worst)) (worst = d), (at = i);
  }
  if (process.env.CONV_TEST_VERBOSE) console.log(`${what}: ${(worst / scale).toExponential(2)}`);
  expect(worst, `${what}: worst error ${worst.toExponential(2)} at ${at} (scale ${scale.toExponential(2)})`).toBeLessThanOrEqual(tol * Math.max(scale, 1e-30));
}

// Direct float64 gradients of L = sum(g * conv(x, w)) for stride 1, dilation 1, groups 1.
function refGrads(s: Shape, x: Float64Array, w: Float64Array, g: Float64Array) {
  const [kh, kw] = s.k, [ph, pw] = s.padding;
  const oh = s.h + 2 * ph - kh + 1, ow = s.w + 2 * pw - kw + 1;
  const dx = new Float64Array(x.length), dw = new Float64Array(w.length);
  for (let n = 0; n < s.n; n++)
    for (let o = 0; o < s.o; o++)
      for (let y = 0; y < oh; y++)
        for (let z = 0; z < ow; z++) {
          const gv = g[((n * s.o + o) * oh + y) * ow + z];
          for (let c = 0; c < s.c; c++)
            for (let a = 0; a < kh; a++) {
              const iy = y - ph + a;
              if (iy < 0 || iy >= s.h) continue;
              for (let b = 0; b < kw; b++) {
                const iz = z - pw + b;
                if (iz < 0 || iz >= s.w) continue;
                const xi = ((n * s.c + c) * s.h + iy) * s.w + iz, wi = ((o * s.c + c) * kh + a) * kw + b;
                dx[xi] += gv * w[wi];
                dw[wi] += gv * x[xi];
              }
            }
        }
  return { dx, dw };
}

describe('conv2d fast paths: forward against direct float64 loops (fresh shapes each run)', () => {
  it('3x3 stride 1, 16-24 channels, padding 0-2, odd sizes (the Winograd path)', () => {
    for (let i = 0; i < 12; i++) {
      const s = winogradShape(), { xs, ws, x, w, b } = tensors(s);
      const y = tl.conv2d(tl.tensor(x, { shape: xs }), tl.tensor(w, { shape: ws }), s.bias ? tl.tensor(b, { shape: [s.o] }) : null, opts(s));
      const ref = R.conv2d(R.r64(x, xs), R.r64(w, ws), s.bias ? R.r64(b, [s.o]) : null, refOpts(s));
      expect(y.shape, describeShape(s)).toEqual(ref.shape);
      expectClose(y.dataSync(), ref.data, TOL, describeShape(s));
    }
  });

  it('one parameter off the Winograd path (stride 2, dilation 2, groups 2, 15 channels, 3x2 kernel)', () => {
    for (let i = 0; i < 10; i++) {
      const s = neighbourShape(), { xs, ws, x, w, b } = tensors(s);
      const y = tl.conv2d(tl.tensor(x, { shape: xs }), tl.tensor(w, { shape: ws }), s.bias ? tl.tensor(b, { shape: [s.o] }) : null, opts(s));
      const ref = R.conv2d(R.r64(x, xs), R.r64(w, ws), s.bias ? R.r64(b, [s.o]) : null, refOpts(s));
      expect(y.shape, describeShape(s)).toEqual(ref.shape);
      expectClose(y.dataSync(), ref.data, TOL, describeShape(s));
    }
  });

  it('32 -> 48 channels, 16x16 and 17x15, padding 1: forward, input and weight gradients', () => {
    for (const [h, w, p] of [[16, 16, 1], [17, 15, 1], [9, 11, 0]] as const) {
      const s: Shape = { n: 3, c: 32, o: 48, h, w, k: [3, 3], stride: [1, 1], padding: [p, p], dilation: [1, 1], groups: 1, bias: true };
      const { xs, ws, x, w: wv, b } = tensors(s);
      const xt = tl.tensor(x, { shape: xs, requiresGrad: true }), wt = tl.tensor(wv, { shape: ws, requiresGrad: true });
      const y = tl.conv2d(xt, wt, tl.tensor(b, { shape: [s.o] }), opts(s));
      const ref = R.conv2d(R.r64(x, xs), R.r64(wv, ws), R.r64(b, [s.o]), refOpts(s));
      expectClose(y.dataSync(), ref.data, TOL, `forward ${describeShape(s)}`);
      const g = uniform(ref.data.length, -1, 1);
      y.backward(tl.tensor(g, { shape: ref.shape }));
      const { dx, dw } = refGrads(s, Float64Array.from(x), Float64Array.from(wv), Float64Array.from(g));
      expectClose(xt.grad!.dataSync(), dx, TOL, `d/d input ${describeShape(s)}`);
      expectClose(wt.grad!.dataSync(), dw, TOL, `d/d weight ${describeShape(s)}`);
    }
  });
});

describe('conv2d fast paths: finite-difference gradients', () => {
  it('Winograd shapes (sampled coordinates)', () => {
    for (let i = 0; i < 5; i++) {
      const s = winogradShape();
      const xs = [s.n, s.c, s.h, s.w], ws = [s.o, s.c, 3, 3];
      checkGrad({
        what: `conv2d ${describeShape(s)}`,
        inputs: [
          { shape: xs, name: 'input', layout: i % 2 && s.h > 1 && s.w > 1 ? 'transposed' : 'contiguous' },
          { shape: ws, name: 'weight' },
          ...(s.bias ? [{ shape: [s.o], name: 'bias' }] : []),
        ],
        ref: ([x, w, b]) => R.conv2d(R.r64(x, xs), R.r64(w, ws), s.bias ? R.r64(b, [s.o]) : null, refOpts(s)),
        op: ([x, w, b]) => tl.conv2d(x, w, s.bias ? b : null, opts(s)),
        gradLayout: GRAD_LAYOUTS[i % 3],
        sample: 40,
      });
    }
  });

  it('neighbours of the Winograd path (sampled coordinates)', () => {
    for (let i = 0; i < 4; i++) {
      const s = neighbourShape();
      const xs = [s.n, s.c, s.h, s.w], ws = [s.o, s.c / s.groups, ...s.k];
      checkGrad({
        what: `conv2d ${describeShape(s)}`,
        inputs: [{ shape: xs, name: 'input' }, { shape: ws, name: 'weight' }, ...(s.bias ? [{ shape: [s.o], name: 'bias' }] : [])],
        ref: ([x, w, b]) => R.conv2d(R.r64(x, xs), R.r64(w, ws), s.bias ? R.r64(b, [s.o]) : null, refOpts(s)),
        op: ([x, w, b]) => tl.conv2d(x, w, s.bias ? b : null, opts(s)),
        sample: 40,
      });
    }
  });
});

describe('conv2d: empty gradients', () => {
  it('no output channels or no images: zero input and weight gradients of the right shape', () => {
    for (const [xs, ws] of [[[2, 8, 6, 6], [0, 8, 3, 3]], [[0, 8, 6, 6], [8, 8, 3, 3]]]) {
      const x = tl.randn(xs, { requiresGrad: true }), w = tl.randn(ws, { requiresGrad: true });
      const y = tl.conv2d(x, w, null, { padding: 1 });
      y.sum().backward();
      expect(x.grad!.shape).toEqual(xs);
      expect(w.grad!.shape).toEqual(ws);
      expect(Array.from(x.grad!.dataSync()).every((v) => v === 0)).toBe(true);
      expect(Array.from(w.grad!.dataSync()).every((v) => v === 0)).toBe(true);
    }
  });
});
