// Unary elementwise ops against a float64 reference computed with Math.* on the same float32
// inputs, rounded to float32 (so overflow to Infinity and underflow to denormals/0 are part of
// the expected value). Binary ops and where() are in elementwise-binary.test.ts.
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { expectClose, type Tolerance } from './helpers/assert.js';
import * as M from './helpers/mathref.js';
import { randInts, uniform } from './helpers/random.js';

const { f32 } = M;

// Tolerances, relative to the float32 result (1 ulp = 1.19e-7):
// - EXACT: ops that are one correctly rounded IEEE operation (neg, abs, sqrt, 1/x, floor...).
// - TWO_ROUNDINGS: x*x*x, 1/sqrt(x): two roundings, <= 1.5 ulp.
// - TRANSCENDENTAL: Cephes-style float polynomials (exp, log, tanh, ...) claim <= 2 ulp; 1e-6
//   (~8 ulp) leaves headroom yet catches a wrong constant or a missed range reduction.
// - ERF: erf uses Abramowitz-Stegun 7.1.26 above |x| = 1 (absolute error < 1.5e-7 by design).
// - GELU: 0.5 x (1 + erf(x / sqrt 2)) cancels in float32 for x << 0 (1 + erf -> 0), as in
//   PyTorch's float32 formula, so only an absolute bound holds there (measured <= 5e-7).
const EXACT: Tolerance = { rtol: 1.2e-7, atol: 0 };
const TWO_ROUNDINGS: Tolerance = { rtol: 2.4e-7, atol: 0 };
const TRANSCENDENTAL: Tolerance = { rtol: 1e-6, atol: 0 };
const ERF: Tolerance = { rtol: 1e-6, atol: 3e-7 };
const GELU: Tolerance = { rtol: 1e-6, atol: 1e-6 };
// Results below the smallest normal float (1.18e-38) may lose their denormal digits (e.g.
// sigmoid(-100) = 1/(1 + exp(100)) with exp overflowing to Infinity gives 0 instead of 3.7e-44).
const DENORMAL_ATOL = 1.2e-38;

interface UnaryCase {
  name: string;
  fn: (x: tl.Tensor) => tl.Tensor;
  ref: (x: number) => number;
  lo: number;
  hi: number;
  tol: Tolerance;
  /** int32 in -> int32 out (neg abs square sign relu clamp). */
  keepsInt?: boolean;
  /** Absolute tolerance on the special-value inputs when DENORMAL_ATOL is not enough. */
  specialAtol?: number;
}

const CASES: UnaryCase[] = [
  { name: 'neg', fn: tl.neg, ref: (x) => -x, lo: -100, hi: 100, tol: EXACT, keepsInt: true },
  { name: 'abs', fn: tl.abs, ref: Math.abs, lo: -100, hi: 100, tol: EXACT, keepsInt: true },
  { name: 'square', fn: tl.square, ref: (x) => x * x, lo: -100, hi: 100, tol: EXACT, keepsInt: true },
  { name: 'sign', fn: tl.sign, ref: Math.sign, lo: -3, hi: 3, tol: EXACT, keepsInt: true },
  { name: 'relu', fn: tl.relu, ref: (x) => (x < 0 ? 0 : x), lo: -5, hi: 5, tol: EXACT, keepsInt: true },
  { name: 'clamp', fn: (x) => tl.clamp(x, -2, 3), ref: (x) => Math.min(Math.max(x, -2), 3), lo: -6, hi: 6, tol: EXACT, keepsInt: true },
  { name: 'exp', fn: tl.exp, ref: Math.exp, lo: -87, hi: 88, tol: TRANSCENDENTAL },
  { name: 'log', fn: tl.log, ref: Math.log, lo: 1e-6, hi: 1e6, tol: TRANSCENDENTAL },
  { name: 'sqrt', fn: tl.sqrt, ref: Math.sqrt, lo: 0, hi: 1e4, tol: EXACT },
  { name: 'rsqrt', fn: tl.rsqrt, ref: (x) => 1 / Math.sqrt(x), lo: 1e-4, hi: 1e4, tol: TWO_ROUNDINGS },
  { name: 'reciprocal', fn: tl.reciprocal, ref: (x) => 1 / x, lo: 0.01, hi: 100, tol: EXACT },
  { name: 'log1p', fn: tl.log1p, ref: Math.log1p, lo: -0.999, hi: 50, tol: TRANSCENDENTAL },
  { name: 'expm1', fn: tl.expm1, ref: Math.expm1, lo: -20, hi: 20, tol: TRANSCENDENTAL },
  { name: 'sin', fn: tl.sin, ref: Math.sin, lo: -20, hi: 20, tol: { rtol: 1e-6, atol: 1e-9 } },
  { name: 'cos', fn: tl.cos, ref: Math.cos, lo: -20, hi: 20, tol: { rtol: 1e-6, atol: 1e-9 } },
  { name: 'erf', fn: tl.erf, ref: M.erf, lo: -4, hi: 4, tol: ERF },
  { name: 'floor', fn: tl.floor, ref: Math.floor, lo: -50, hi: 50, tol: EXACT },
  { name: 'ceil', fn: tl.ceil, ref: Math.ceil, lo: -50, hi: 50, tol: EXACT },
  { name: 'round', fn: tl.round, ref: M.roundHalfEven, lo: -50, hi: 50, tol: EXACT },
  { name: 'leakyRelu', fn: (x) => tl.leakyRelu(x), ref: (x) => (x > 0 ? x : x * f32(0.01)), lo: -5, hi: 5, tol: EXACT },
  { name: 'leakyRelu(0.2)', fn: (x) => tl.leakyRelu(x, 0.2), ref: (x) => (x > 0 ? x : x * f32(0.2)), lo: -5, hi: 5, tol: EXACT },
  { name: 'gelu', fn: (x) => tl.gelu(x), ref: M.gelu, lo: -6, hi: 6, tol: GELU },
  { name: "gelu('tanh')", fn: (x) => tl.gelu(x, 'tanh'), ref: M.geluTanh, lo: -6, hi: 6, tol: GELU },
  { name: 'sigmoid', fn: tl.sigmoid, ref: M.sigmoid, lo: -30, hi: 30, tol: TRANSCENDENTAL },
  { name: 'tanh', fn: tl.tanh, ref: Math.tanh, lo: -10, hi: 10, tol: TRANSCENDENTAL },
  // x * sigmoid(x): for -103 < x < -88.7, exp(-x) overflows and the result (|y| < 3e-37) is 0.
  { name: 'silu', fn: tl.silu, ref: (x) => x * M.sigmoid(x), lo: -30, hi: 30, tol: TRANSCENDENTAL, specialAtol: 3e-37 },
  { name: 'softplus', fn: (x) => tl.softplus(x), ref: (x) => M.softplus(x), lo: -30, hi: 30, tol: TRANSCENDENTAL },
  { name: 'softplus(2, 5)', fn: (x) => tl.softplus(x, 2, 5), ref: (x) => M.softplus(x, 2, 5), lo: -10, hi: 10, tol: TRANSCENDENTAL },
  { name: 'elu', fn: (x) => tl.elu(x), ref: (x) => (x > 0 ? x : Math.expm1(x)), lo: -10, hi: 10, tol: TRANSCENDENTAL },
  { name: 'elu(0.5)', fn: (x) => tl.elu(x, 0.5), ref: (x) => (x > 0 ? x : f32(0.5) * Math.expm1(x)), lo: -10, hi: 10, tol: TRANSCENDENTAL },
  // pow with a number exponent: 2, 3, 0.5 and -1 take documented fast paths (x*x, x*x*x,
  // sqrt, 1/x); others call powf.
  { name: 'pow(2)', fn: (x) => tl.pow(x, 2), ref: (x) => x * x, lo: -100, hi: 100, tol: EXACT },
  { name: 'pow(3)', fn: (x) => tl.pow(x, 3), ref: (x) => x * x * x, lo: -100, hi: 100, tol: TWO_ROUNDINGS },
  { name: 'pow(0.5)', fn: (x) => tl.pow(x, 0.5), ref: Math.sqrt, lo: 0, hi: 100, tol: EXACT },
  { name: 'pow(-1)', fn: (x) => tl.pow(x, -1), ref: (x) => 1 / x, lo: 0.01, hi: 100, tol: EXACT },
  { name: 'pow(2.5)', fn: (x) => tl.pow(x, 2.5), ref: (x) => x ** 2.5, lo: 0, hi: 50, tol: TRANSCENDENTAL },
  { name: 'pow(-1.5)', fn: (x) => tl.pow(x, -1.5), ref: (x) => x ** -1.5, lo: 0.01, hi: 50, tol: TRANSCENDENTAL },
  { name: 'pow(0)', fn: (x) => tl.pow(x, 0), ref: () => 1, lo: -5, hi: 5, tol: EXACT },
];

/** The float32-rounded reference of `ref` on float32 inputs. */
function expected(c: UnaryCase, x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, (v) => f32(c.ref(v)));
}

function check(c: UnaryCase, t: tl.Tensor, x: ArrayLike<number>, tol: Tolerance = c.tol, what = c.name): void {
  const y = c.fn(t);
  expect(y.shape, `${what}: shape`).toEqual(t.shape);
  expect(y.dtype, `${what}: dtype`).toBe('float32');
  expectClose(y.dataSync(), expected(c, x), tol, what);
}

describe('reference self-check', () => {
  it('erf matches tabulated values', () => {
    // both sides of the series / continued-fraction switch at |x| = 3
    expectClose([M.erf(0.5), M.erf(1), M.erf(2), M.erf(-3), M.erf(3.5), M.erf(1e-10)],
      [0.5204998778130465, 0.8427007929497149, 0.9953222650189527, -0.9999779095030014, 0.9999992569016276,
        1.1283791670955126e-10],
      { rtol: 1e-13, atol: 0 });
    // continuous across the switch (to ~1e-13, far below float32 resolution): erf'(3) = 1.3925e-4
    expect(M.erf(3) - M.erf(3 - 1e-7)).toBeCloseTo(1.3925e-11, 12);
  });
});

describe.each(CASES)('unary $name', (c) => {
  it.each([1, 7, 33, 257, 4099])('random inputs, size %i', (n) => {
    const x = uniform(n, c.lo, c.hi);
    check(c, tl.tensor(x), x);
  });

  it('transposed, sliced-with-step and expanded (non-contiguous) inputs', () => {
    const x = uniform(7 * 9, c.lo, c.hi);
    const base = tl.tensor(x, { shape: [7, 9] });
    const t = base.T; // [9, 7], strides [1, 9]
    expect(t.isContiguous()).toBe(false);
    const tv: number[] = [];
    for (let j = 0; j < 9; j++) for (let i = 0; i < 7; i++) tv.push(x[i * 9 + j]);
    check(c, t, tv, c.tol, `${c.name} (transposed)`);

    const s = base.slice(1, 1, null, 3); // columns 1, 4, 7
    const sv: number[] = [];
    for (let i = 0; i < 7; i++) for (const j of [1, 4, 7]) sv.push(x[i * 9 + j]);
    check(c, s, sv, c.tol, `${c.name} (sliced, step 3)`);

    const e = tl.tensor(x.subarray(0, 5), { shape: [5, 1] }).expand([5, 4]);
    const ev: number[] = [];
    for (let i = 0; i < 5; i++) for (let j = 0; j < 4; j++) ev.push(x[i]);
    check(c, e, ev, c.tol, `${c.name} (expanded)`);
  });

  it('0-d and empty tensors keep their shapes', () => {
    const x = f32(0.5 * (c.lo + c.hi) + 0.25);
    check(c, tl.tensor(x), [x]);
    const empty = c.fn(tl.zeros([3, 0, 2]));
    expect(empty.shape).toEqual([3, 0, 2]);
    expect(empty.dataSync().length).toBe(0);
  });

  it(`int32 input ${c.keepsInt ? 'stays int32' : 'computes in float32'}`, () => {
    const lo = Math.max(Math.ceil(c.lo), -1000), hi = Math.min(Math.floor(c.hi), 1000);
    const xi = randInts(50, lo, hi + 1);
    const y = c.fn(tl.tensor(xi));
    if (c.keepsInt) {
      expect(y.dtype).toBe('int32');
      expect(Array.from(y.dataSync())).toEqual(Array.from(xi, (v) => c.ref(v) | 0));
    } else {
      expect(y.dtype).toBe('float32');
      expectClose(y.dataSync(), expected(c, xi), c.tol, `${c.name} (int32 input)`);
    }
  });
});

// Special values: NaN, +-Infinity, +-0, denormals, the float32 extremes, the points where
// exp overflows (88.72) / underflows (-103.3), softplus's threshold (20) and half-integers.
const SPECIAL = Float32Array.from([
  NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 1e-40, -1e-40, 1.1754942e-38, -1.1754942e-38, 3.4e38, -3.4e38,
  88.7, 88.8, -87.3, -88.8, -103, -104, -110, 1e-8, -1e-8, 1e-20, 20, 20.5, -20, 1e10, -1e10, 1, -1, 0.5, -0.5, 1.5,
  2.5, -2.5, 1e6 + 0.5,
]);

describe('special values match Math.* (rounded to float32)', () => {
  // Where the documented behaviour differs from Math on purpose: pow(x, 0.5) is sqrt(x), so
  // pow(-Infinity, 0.5) is NaN (as in PyTorch), not Math.pow's Infinity.
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const tol = { rtol: Math.max(c.tol.rtol ?? 0, 1e-6), atol: Math.max(c.tol.atol ?? 0, c.specialAtol ?? DENORMAL_ATOL) };
    check(c, tl.tensor(SPECIAL), SPECIAL, tol, `${c.name} on special values`);
  });

  it('isNaN flags exactly the NaNs (int32 0/1), and is all zeros for int32 input', () => {
    const y = tl.isNaN(tl.tensor(SPECIAL));
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.dataSync())).toEqual(Array.from(SPECIAL, (v) => (Number.isNaN(v) ? 1 : 0)));
    const yi = tl.isNaN(tl.tensor(new Int32Array([1, -5, 0])));
    expect(yi.dtype).toBe('int32');
    expect(Array.from(yi.dataSync())).toEqual([0, 0, 0]);
  });

  it('huge and tiny inputs to exp, log, tanh, sigmoid, softplus, log1p, expm1', () => {
    const x = Float32Array.from([-1e30, -500, -150, -100, -90, -50, -1e-30, 1e-30, 1e-7, 50, 80, 88, 89, 100, 500, 1e30]);
    const pos = Float32Array.from([1e-45, 1e-38, 1e-30, 1e-7, 0.9999999, 1.0000001, 1e7, 1e30, 3.4e38]);
    const tol = { rtol: 1e-6, atol: DENORMAL_ATOL };
    const cases: [string, (t: tl.Tensor) => tl.Tensor, (v: number) => number, Float32Array][] = [
      ['exp', tl.exp, Math.exp, x],
      ['tanh', tl.tanh, Math.tanh, x],
      ['sigmoid', tl.sigmoid, M.sigmoid, x],
      ['softplus', (t) => tl.softplus(t), (v) => M.softplus(v), x],
      ['expm1', tl.expm1, Math.expm1, x],
      ['log1p', tl.log1p, Math.log1p, pos],
      ['log', tl.log, Math.log, pos],
      ['log1p of x near -1', tl.log1p, Math.log1p, Float32Array.from([-0.9999999, -0.99, -0.5, -1e-7, -1, -1.5])],
    ];
    for (const [name, fn, ref, xs] of cases)
      expectClose(fn(tl.tensor(xs)).dataSync(), Float64Array.from(xs, (v) => f32(ref(v))), tol, name);
  });

  it('int32 neg/abs/square wrap around like two\'s complement; sign/relu/clamp are exact', () => {
    const xi = new Int32Array([2147483647, -2147483648, 0, 1, -1, 46341, -46341, 65536, -7]);
    const t = tl.tensor(xi);
    const got = (y: tl.Tensor) => (expect(y.dtype).toBe('int32'), Array.from(y.dataSync()));
    expect(got(tl.neg(t))).toEqual(Array.from(xi, (v) => -v | 0));
    expect(got(tl.abs(t))).toEqual(Array.from(xi, (v) => Math.abs(v) | 0));
    expect(got(tl.square(t))).toEqual(Array.from(xi, (v) => Math.imul(v, v)));
    expect(got(tl.sign(t))).toEqual(Array.from(xi, (v) => Math.sign(v)));
    expect(got(tl.relu(t))).toEqual(Array.from(xi, (v) => Math.max(v, 0)));
    expect(got(tl.clamp(t, -100, 2147483647))).toEqual(Array.from(xi, (v) => Math.max(v, -100)));
    // a fractional bound makes the result float32
    expect(tl.clamp(t, -1.5, 1).dtype).toBe('float32');
  });
});

describe('clamp', () => {
  it('one-sided bounds, NaN inputs stay NaN, min > max gives max (as in PyTorch)', () => {
    const x = tl.tensor([-5, NaN, 0, 5]);
    expectClose(tl.clamp(x, 0).dataSync(), [0, NaN, 0, 5]);
    expectClose(tl.clamp(x, null, 0).dataSync(), [-5, NaN, 0, 0]);
    expectClose(tl.clamp(x, undefined, 1).dataSync(), [-5, NaN, 0, 1]);
    expectClose(tl.clamp(x, 2, 1).dataSync(), [1, NaN, 1, 1]);
    expectClose(x.clamp(-1, 1).dataSync(), [-1, NaN, 0, 1]);
  });

  it('needs at least one bound and numbers for bounds', () => {
    expect(() => tl.clamp(tl.ones([2]))).toThrow(RangeError);
    expect(() => tl.clamp(tl.ones([2]), '1' as unknown as number)).toThrow(TypeError);
  });
});

describe('large tensors (multi-threaded kernels)', () => {
  const N = 1_000_000;
  it.each([
    ['exp', tl.exp, Math.exp, -20, 20, TRANSCENDENTAL],
    ['tanh', tl.tanh, Math.tanh, -5, 5, TRANSCENDENTAL],
    ['sigmoid', tl.sigmoid, M.sigmoid, -20, 20, TRANSCENDENTAL],
    ['gelu', (t: tl.Tensor) => tl.gelu(t), M.gelu, -6, 6, GELU],
    ['neg', tl.neg, (v: number) => -v, -1, 1, EXACT],
  ] as const)('%s over 1e6 elements, contiguous and transposed', (_, fn, ref, lo, hi, tol) => {
    const x = uniform(N, lo, hi);
    expectClose(fn(tl.tensor(x)).dataSync(), Float64Array.from(x, (v) => f32(ref(v))), tol, `${_} (1e6)`);
    // [1000, 1000] transposed: every element strided
    const y = fn(tl.tensor(x, { shape: [1000, 1000] }).T).dataSync();
    const e = new Float64Array(N);
    for (let i = 0; i < 1000; i++) for (let j = 0; j < 1000; j++) e[i * 1000 + j] = f32(ref(x[j * 1000 + i]));
    expectClose(y, e, tol, `${_} (1e6, transposed)`);
  });
});

describe('method forms', () => {
  it('agree with the functions', () => {
    const x = tl.tensor(uniform(16, 0.1, 3));
    const pairs: [tl.Tensor, tl.Tensor][] = [
      [x.exp(), tl.exp(x)], [x.log(), tl.log(x)], [x.sqrt(), tl.sqrt(x)], [x.rsqrt(), tl.rsqrt(x)],
      [x.reciprocal(), tl.reciprocal(x)], [x.log1p(), tl.log1p(x)], [x.expm1(), tl.expm1(x)], [x.sin(), tl.sin(x)],
      [x.cos(), tl.cos(x)], [x.erf(), tl.erf(x)], [x.floor(), tl.floor(x)], [x.ceil(), tl.ceil(x)],
      [x.round(), tl.round(x)], [x.neg(), tl.neg(x)], [x.abs(), tl.abs(x)], [x.square(), tl.square(x)],
      [x.sign(), tl.sign(x)], [x.relu(), tl.relu(x)], [x.leakyRelu(0.3), tl.leakyRelu(x, 0.3)],
      [x.gelu('tanh'), tl.gelu(x, 'tanh')], [x.sigmoid(), tl.sigmoid(x)], [x.tanh(), tl.tanh(x)], [x.silu(), tl.silu(x)],
      [x.softplus(2), tl.softplus(x, 2)], [x.elu(2), tl.elu(x, 2)], [x.pow(1.7), tl.pow(x, 1.7)], [x.isNaN(), tl.isNaN(x)],
    ];
    for (const [a, b] of pairs) expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
  });

  it('reject bad parameters', () => {
    const x = tl.ones([2]);
    expect(() => tl.gelu(x, 'fast' as 'tanh')).toThrow(TypeError);
    expect(() => tl.softplus(x, 0)).toThrow(RangeError);
    expect(() => tl.leakyRelu(x, '0.1' as unknown as number)).toThrow(TypeError);
    expect(() => tl.elu(x, null as unknown as number)).toThrow(TypeError);
  });
});
