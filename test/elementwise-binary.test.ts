// Binary elementwise ops (tensor-tensor, tensor-number, number-tensor) and where(), against a
// float64 reference on the same float32 inputs. add/sub/mul/div/maximum/minimum and the
// comparisons must be bit-exact: each is one IEEE operation, and float64 evaluation followed
// by rounding to float32 gives the correctly rounded float32 result (53 >= 2 * 24 + 2 bits).
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { expectClose, expectTensorClose, type Tolerance } from './helpers/assert.js';
import { cpow, f32 } from './helpers/mathref.js';
import { randInts, uniform } from './helpers/random.js';
import { numel, ref, zip } from './helpers/ref.js';

type Fn = (a: tl.TensorOrScalar, b: tl.TensorOrScalar) => tl.Tensor;
interface BinCase {
  name: string;
  fn: Fn;
  ref: (x: number, y: number) => number;
  /** input ranges of a and b */
  a: [number, number];
  b: [number, number];
  tol: Tolerance;
  cmp?: boolean;
}

const EXACT: Tolerance = { rtol: 0, atol: 0 };
// powf and atan2f are within 1 ulp in glibc; 1e-6 leaves room without hiding real errors.
const LIBM: Tolerance = { rtol: 1e-6, atol: 1e-30 };
const nanMax = (x: number, y: number) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y));
const nanMin = (x: number, y: number) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.min(x, y));

const CASES: BinCase[] = [
  { name: 'add', fn: tl.add, ref: (x, y) => x + y, a: [-10, 10], b: [-10, 10], tol: EXACT },
  { name: 'sub', fn: tl.sub, ref: (x, y) => x - y, a: [-10, 10], b: [-10, 10], tol: EXACT },
  { name: 'mul', fn: tl.mul, ref: (x, y) => x * y, a: [-10, 10], b: [-10, 10], tol: EXACT },
  { name: 'div', fn: tl.div, ref: (x, y) => x / y, a: [-10, 10], b: [0.1, 10], tol: EXACT },
  { name: 'pow', fn: tl.pow, ref: cpow, a: [0.05, 5], b: [-4, 4], tol: LIBM },
  { name: 'maximum', fn: tl.maximum, ref: nanMax, a: [-1, 1], b: [-1, 1], tol: EXACT },
  { name: 'minimum', fn: tl.minimum, ref: nanMin, a: [-1, 1], b: [-1, 1], tol: EXACT },
  { name: 'atan2', fn: tl.atan2, ref: Math.atan2, a: [-3, 3], b: [-3, 3], tol: LIBM },
  { name: 'eq', fn: tl.eq, ref: (x, y) => +(x === y), a: [-2, 2], b: [-2, 2], tol: EXACT, cmp: true },
  { name: 'ne', fn: tl.ne, ref: (x, y) => +(x !== y), a: [-2, 2], b: [-2, 2], tol: EXACT, cmp: true },
  { name: 'lt', fn: tl.lt, ref: (x, y) => +(x < y), a: [-2, 2], b: [-2, 2], tol: EXACT, cmp: true },
  { name: 'le', fn: tl.le, ref: (x, y) => +(x <= y), a: [-2, 2], b: [-2, 2], tol: EXACT, cmp: true },
  { name: 'gt', fn: tl.gt, ref: (x, y) => +(x > y), a: [-2, 2], b: [-2, 2], tol: EXACT, cmp: true },
  { name: 'ge', fn: tl.ge, ref: (x, y) => +(x >= y), a: [-2, 2], b: [-2, 2], tol: EXACT, cmp: true },
];

const rounded = (c: BinCase) => (x: number, y: number) => f32(c.ref(x, y));

/** Random values in range; for comparisons, a quarter are snapped to a small grid so ties occur. */
function inputs(c: BinCase, n: number, which: 'a' | 'b'): Float32Array {
  const [lo, hi] = c[which];
  const v = uniform(n, lo, hi);
  if (c.cmp) for (let i = 0; i < n; i += 4) v[i] = Math.round(v[i]);
  return v;
}

function checkPair(c: BinCase, sa: number[], sb: number[]): void {
  const a = inputs(c, numel(sa), 'a'), b = inputs(c, numel(sb), 'b');
  const out = c.fn(tl.tensor(a, { shape: sa }), tl.tensor(b, { shape: sb }));
  expect(out.dtype).toBe(c.cmp ? 'int32' : 'float32');
  expectTensorClose(out, zip(ref(a, sa), ref(b, sb), rounded(c)), c.tol, `${c.name} ${JSON.stringify(sa)} x ${JSON.stringify(sb)}`);
}

// Shape pairs: trailing alignment, size-1 dims on either side, 0-d scalars, size-0 dims.
const PAIRS: [number[], number[]][] = [
  [[3, 1, 5], [4, 1]], [[], [2, 3]], [[2, 3], []], [[], []], [[1], [7]], [[7], [1]], [[2, 1, 3], [1, 4, 1]],
  [[4, 1, 6, 1], [5, 1, 7]], [[5, 0, 3], [1, 3]], [[0], [1]], [[2, 0], [2, 1]], [[33], [33]], [[257], [1, 257]],
  [[1, 1, 1], [2, 3, 4]], [[2, 3, 4], [2, 3, 4]], [[6, 1], [1, 6]],
];

describe.each(CASES)('$name', (c) => {
  it.each(PAIRS.map((p) => [JSON.stringify(p[0]), JSON.stringify(p[1]), p] as const))(
    'broadcasts %s with %s', (_a, _b, [sa, sb]) => checkPair(c, sa, sb));

  it.each([1, 7, 33, 257, 4099])('same shape, size %i', (n) => checkPair(c, [n], [n]));

  it('tensor-number and number-tensor forms (the number rounds to float32)', () => {
    const a = inputs(c, 37, 'a');
    const t = tl.tensor(a, { shape: [37] });
    for (const s of [c.b[0], c.b[1], 0.5 * (c.b[0] + c.b[1]) + 0.1, 1]) {
      const sf = f32(s);
      expectClose(c.fn(t, s).dataSync(), Float64Array.from(a, (x) => f32(c.ref(x, sf))), c.tol, `${c.name}(t, ${s})`);
    }
    for (const s of [c.a[0], 0.5 * (c.a[0] + c.a[1]) + 0.1]) {
      const sf = f32(s), b = inputs(c, 37, 'b');
      const out = c.fn(s, tl.tensor(b));
      expect(out.shape).toEqual([37]);
      expectClose(out.dataSync(), Float64Array.from(b, (y) => f32(c.ref(sf, y))), c.tol, `${c.name}(${s}, t)`);
    }
  });

  it('non-contiguous operands: transposed, sliced with a step, expanded', () => {
    const a = inputs(c, 6 * 8, 'a'), b = inputs(c, 8 * 12, 'b');
    const at = tl.tensor(a, { shape: [8, 6] }).T; // [6, 8]
    const bs = tl.tensor(b, { shape: [8, 12] }).slice(1, 1, null, 3).T.slice(0, 0, null, 2); // [2, 8]
    const be = tl.tensor(b.subarray(0, 8), { shape: [1, 8] }).expand([6, 8]);
    expect(at.isContiguous() || bs.isContiguous() || be.isContiguous()).toBe(false);
    const atv = Float64Array.from({ length: 48 }, (_, k) => a[(k % 8) * 6 + Math.floor(k / 8)]);
    // bs[i][j] = b[j][1 + 3 * 2i] = b[j][1 + 6i], i < 2
    const bsv = Float64Array.from({ length: 16 }, (_, k) => b[(k % 8) * 12 + 1 + 6 * Math.floor(k / 8)]);
    const f = rounded(c);
    expectTensorClose(c.fn(at, be), zip({ data: atv, shape: [6, 8] }, ref(b.subarray(0, 8), [1, 8]), f), c.tol, `${c.name} (T, expanded)`);
    expectTensorClose(c.fn(bs, at.slice(0, 0, 1)), zip({ data: bsv, shape: [2, 8] }, { data: atv.slice(0, 8), shape: [1, 8] }, f), c.tol, `${c.name} (sliced, T)`);
  });
});

// Every pair of special values, as a [n, 1] x [1, n] broadcast.
const SPECIAL = Float32Array.from([NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-40, 1.1754942e-38, 3.4e38, -3.4e38, 1, -1, 0.5, 2, -2.5, 1e-20, 7]);
describe('special values, all pairs, against Math (C semantics for pow)', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const n = SPECIAL.length;
    const out = c.fn(tl.tensor(SPECIAL, { shape: [n, 1] }), tl.tensor(SPECIAL, { shape: [1, n] }));
    const tol = c.tol === EXACT ? EXACT : { rtol: 1e-6, atol: 1.2e-38 };
    expectTensorClose(out, zip(ref(SPECIAL, [n, 1]), ref(SPECIAL, [1, n]), rounded(c)), tol, `${c.name} on special values`);
  });
});

describe('large tensors (multi-threaded kernels)', () => {
  it.each(['add', 'mul', 'div', 'maximum', 'lt'])('%s: [1000, 1000] with a broadcast row, contiguous and transposed', (name) => {
    const c = CASES.find((k) => k.name === name)!;
    const f = rounded(c);
    const a = inputs(c, 1_000_000, 'a'), b = inputs(c, 1000, 'b');
    const A = tl.tensor(a, { shape: [1000, 1000] }), B = tl.tensor(b);
    const y1 = c.fn(A, B).dataSync(), y2 = c.fn(A.T, B).dataSync(), y3 = c.fn(B, A).dataSync();
    const e1 = new Float64Array(1e6), e2 = new Float64Array(1e6), e3 = new Float64Array(1e6);
    for (let i = 0; i < 1000; i++)
      for (let j = 0; j < 1000; j++) {
        e1[i * 1000 + j] = f(a[i * 1000 + j], b[j]);
        e2[i * 1000 + j] = f(a[j * 1000 + i], b[j]);
        e3[i * 1000 + j] = f(b[j], a[i * 1000 + j]);
      }
    expectClose(y1, e1, c.tol, `${name} (contiguous)`);
    expectClose(y2, e2, c.tol, `${name} (transposed)`);
    expectClose(y3, e3, c.tol, `${name} (row first)`);
  });
});

describe('int32', () => {
  const I = (v: ArrayLike<number>, shape?: number[]) => tl.tensor(Int32Array.from(v), shape ? { shape } : {});
  const EDGE = [2147483647, -2147483648, 0, 1, -1, 2, -7, 46341, 65536, 1 << 30];

  it('add/sub/mul wrap around; maximum/minimum/comparisons are exact; all stay int32', () => {
    const n = EDGE.length;
    const a = I(EDGE, [n, 1]), b = I(EDGE, [1, n]);
    const cases: [Fn, (x: number, y: number) => number, string][] = [
      [tl.add, (x, y) => (x + y) | 0, 'add'], [tl.sub, (x, y) => (x - y) | 0, 'sub'], [tl.mul, Math.imul, 'mul'],
      [tl.maximum, Math.max, 'maximum'], [tl.minimum, Math.min, 'minimum'], [tl.eq, (x, y) => +(x === y), 'eq'],
      [tl.ne, (x, y) => +(x !== y), 'ne'], [tl.lt, (x, y) => +(x < y), 'lt'], [tl.le, (x, y) => +(x <= y), 'le'],
      [tl.gt, (x, y) => +(x > y), 'gt'], [tl.ge, (x, y) => +(x >= y), 'ge'],
    ];
    for (const [fn, r, name] of cases) {
      const out = fn(a, b);
      expect(out.dtype, name).toBe('int32');
      expectTensorClose(out, zip(ref(EDGE, [n, 1]), ref(EDGE, [1, n]), r), EXACT, `int32 ${name}`);
    }
  });

  it('random int32 with an integer number stays int32; with a fractional number gives float32', () => {
    const v = randInts(101, -1000, 1000);
    const t = tl.tensor(v);
    expect(tl.add(t, 3).dtype).toBe('int32');
    expect(Array.from(tl.sub(5, t).dataSync())).toEqual(Array.from(v, (x) => 5 - x));
    expect(Array.from(tl.mul(t, -3).dataSync())).toEqual(Array.from(v, (x) => (-3 * x) | 0)); // | 0: no -0 in int32
    const half = tl.add(t, 0.5);
    expect(half.dtype).toBe('float32');
    expectClose(half.dataSync(), Float64Array.from(v, (x) => x + 0.5), EXACT);
    // an integer beyond int32 cannot be an int32 scalar: float32 arithmetic
    const big = tl.add(I([1]), 2 ** 31);
    expect(big.dtype).toBe('float32');
    expect(big.item()).toBe(f32(1 + 2 ** 31)); // = 2^31 in float32
  });

  it('div, pow and atan2 of int32 give float32 (x / 0 is +-Infinity, 0 / 0 is NaN)', () => {
    const a = I([7, -7, 7, 0, 0, 1, 16777217, 2147483647]), b = I([2, 2, -2, 0, 5, 0, 1, 3]);
    const av = [7, -7, 7, 0, 0, 1, 16777217, 2147483647], bv = [2, 2, -2, 0, 5, 0, 1, 3];
    const div = tl.div(a, b);
    expect(div.dtype).toBe('float32');
    // int32 values convert to float32 first (16777217 -> 16777216), as in PyTorch
    expectClose(div.dataSync(), av.map((x, i) => f32(f32(x) / f32(bv[i]))), EXACT, 'int div');
    expectClose(tl.div(a, 2).dataSync(), av.map((x) => f32(f32(x) / 2)), EXACT, 'int div number');
    expectClose(tl.div(10, I([4, -3])).dataSync(), [2.5, f32(-10 / 3)], EXACT, 'number div int');
    const pw = tl.pow(I([2, 3, -2, 0]), I([3, 2, 3, 0]));
    expect(pw.dtype).toBe('float32');
    expectClose(pw.dataSync(), [8, 9, -8, 1], EXACT, 'int pow');
    expect(tl.pow(I([2, 3]), 2).dtype).toBe('float32');
    expect(tl.atan2(I([1]), I([1])).dtype).toBe('float32');
    expectClose(tl.atan2(I([1, -1]), I([0, 0])).dataSync(), [f32(Math.PI / 2), f32(-Math.PI / 2)], EXACT);
  });

  it('int32 with float32 promotes to float32', () => {
    const out = tl.add(I([1, 2]), tl.tensor([0.5, 0.25]));
    expect(out.dtype).toBe('float32');
    expectClose(out.dataSync(), [1.5, 2.25], EXACT);
    expect(tl.mul(tl.tensor(2.5), I([2, 4])).dataSync()).toEqual(new Float32Array([5, 10]));
  });
});

describe('where', () => {
  it('selects by nonzero condition with three-way broadcasting; -0 is false and NaN true', () => {
    const cond = Float32Array.from([1, 0, -0, NaN, -3, 0.5]);
    const a = uniform(4 * 6), b = uniform(4);
    const out = tl.where(tl.tensor(cond, { shape: [1, 6] }), tl.tensor(a, { shape: [4, 6] }), tl.tensor(b, { shape: [4, 1] }));
    const truthy = (v: number) => (v !== 0 ? 1 : 0); // NaN !== 0
    expect(out.shape).toEqual([4, 6]);
    expectClose(out.dataSync(), Float64Array.from({ length: 24 }, (_, k) => (truthy(cond[k % 6]) ? a[k] : b[Math.floor(k / 6)])), EXACT);
  });

  it('int32 conditions (comparison results), scalars for a and b, dtype promotion', () => {
    const x = tl.tensor(uniform(50, -1, 1));
    const xv = x.dataSync();
    const relu = tl.where(tl.gt(x, 0), x, 0);
    expect(relu.dtype).toBe('float32');
    expectClose(relu.dataSync(), Float64Array.from(xv, (v) => (v > 0 ? v : 0)), EXACT);
    const ci = tl.tensor(new Int32Array([1, 0, 3]));
    const ints = tl.where(ci, 1, 2);
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual([1, 2, 1]);
    const mixed = tl.where(ci, 1, 2.5);
    expect(mixed.dtype).toBe('float32');
    expect(Array.from(mixed.dataSync())).toEqual([1, 2.5, 1]);
    const prom = tl.where(ci, tl.tensor([1.5, 2.5, 3.5]), tl.tensor(new Int32Array([7])));
    expect(prom.dtype).toBe('float32');
    expect(Array.from(prom.dataSync())).toEqual([1.5, 7, 3.5]);
    // method form: x.where(cond, other)
    expect(Array.from(tl.tensor([1, 2, 3]).where(ci, -1).dataSync())).toEqual([1, -1, 3]);
  });

  it('non-contiguous condition and operands; empty and 0-d', () => {
    const c = tl.tensor(new Int32Array([1, 0, 0, 1, 1, 0]), { shape: [2, 3] }).T; // [3, 2]
    const a = tl.tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] }).T;
    const out = tl.where(c, a, tl.tensor([-1, -2]).expand([3, 2]));
    expect(out.toArray()).toEqual([[1, 4], [-1, 5], [-1, -2]]);
    expect(tl.where(tl.zeros([0, 2]), 1, 2).shape).toEqual([0, 2]);
    expect(tl.where(tl.tensor(1), tl.tensor(3), tl.tensor(4)).toArray()).toBe(3);
    expect(() => tl.where(tl.ones([2]), tl.ones([3]), 0)).toThrow(RangeError);
  });
});

describe('shape errors', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s: incompatible shapes are a RangeError naming the op', (name, c) => {
    expect(() => c.fn(tl.ones([3, 2]), tl.ones([3]))).toThrow(RangeError);
    expect(() => c.fn(tl.ones([3, 2]), tl.ones([3]))).toThrow(new RegExp(`^${name}: `));
    expect(() => c.fn(tl.ones([2]), '1' as unknown as number)).toThrow(TypeError);
  });
});
