// Tensor creation (tensor, zeros/ones/full/*Like, arange, eye, rand/randn/randint) and reading
// (toArray, item, dataSync, await data()).
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { expectClose } from './helpers/assert.js';
import { f32 } from './helpers/mathref.js';
import { uniform } from './helpers/random.js';

const arr = (t: tl.Tensor) => Array.from(t.dataSync());
/** Bitwise-equal values (NaN matches NaN); a plain loop, fast on million-element arrays. */
const same = (a: ArrayLike<number>, b: ArrayLike<number>, what = 'values') => expectClose(a, b, { rtol: 0, atol: 0 }, what);

describe('tl.tensor', () => {
  it('numbers, nested arrays and booleans', () => {
    const s = tl.tensor(3.5);
    expect([s.shape, s.dtype, s.item()]).toEqual([[], 'float32', 3.5]);
    const n = tl.tensor([[1, 2, 3], [4, 5, 6]]);
    expect([n.shape, n.dtype]).toEqual([[2, 3], 'float32']);
    expect(n.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tl.tensor([[[0.1]]]).dataSync()).toEqual(new Float32Array([0.1]));
    expect(arr(tl.tensor([true, false, true]))).toEqual([1, 0, 1]);
    expect(tl.tensor(true).item()).toBe(1);
    expect(tl.tensor([[1, 2], [3, 4]], { dtype: 'int32' }).dtype).toBe('int32');
    expect(tl.tensor([]).shape).toEqual([0]);
    expect(tl.tensor([[], []]).shape).toEqual([2, 0]);
    expect(tl.tensor([1, 2, 3, 4], { shape: [2, 2] }).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(arr(tl.tensor([NaN, Infinity, -0]))).toEqual([NaN, Infinity, -0]);
    const deep32: unknown = Array.from({ length: 31 }).reduce<unknown>((a) => [a], [1]);
    expect(tl.tensor(deep32 as number[]).shape).toEqual(new Array(32).fill(1));
  });

  it('Float32Array / Int32Array with shape and dtype conversion (copied, not shared)', () => {
    const f = Float32Array.from([1.5, -1.5, 2.7, -2.7, NaN, 3e9]);
    const t = tl.tensor(f, { shape: [2, 3] });
    expect([t.shape, t.dtype]).toEqual([[2, 3], 'float32']);
    f[0] = 99;
    expect(t.dataSync()[0]).toBe(1.5);
    // float -> int32 truncates toward zero, NaN -> 0, saturates
    expect(arr(tl.tensor(f.subarray(1), { dtype: 'int32' }))).toEqual([-1, 2, -2, 0, 2147483647]);
    const i = tl.tensor(Int32Array.from([1, -2, 16777217]));
    expect([i.shape, i.dtype, arr(i)]).toEqual([[3], 'int32', [1, -2, 16777217]]);
    expect(arr(tl.tensor(Int32Array.from([1, 16777217]), { dtype: 'float32' }))).toEqual([1, 16777216]);
    expect(arr(tl.tensor(new Float32Array([1, 2, 3, 4, 5]).subarray(2, 4)))).toEqual([3, 4]);
    expect(tl.tensor(new Float32Array(0)).shape).toEqual([0]);
    expect(tl.tensor(new Float32Array([7]), { shape: [] }).item()).toBe(7);
  });

  it('float -> int32 casts truncate toward zero, NaN -> 0, and saturate', () => {
    const v = [1.9, -1.9, 0.5, -0.5, NaN, Infinity, -Infinity, 3e9, -3e9, 2147483520, 2147483648, -2147483648, -2147483904];
    expect(arr(tl.tensor(v).int())).toEqual([1, -1, 0, 0, 0, 2147483647, -2147483648, 2147483647, -2147483648, 2147483520, 2147483647, -2147483648, -2147483648]);
    expect(arr(tl.tensor(v).cast('int32').float())).toEqual(arr(tl.tensor(v).int()).map(f32));
  });

  it('rejects ragged, non-numeric, non-integer-int32 and bad options', () => {
    expect(() => tl.tensor([[1, 2], [3]])).toThrow(RangeError);
    expect(() => tl.tensor([[1, 2], 3] as unknown as number[])).toThrow(RangeError);
    expect(() => tl.tensor([1, [2]] as unknown as number[])).toThrow(/^tensor: .*ragged/);
    expect(() => tl.tensor([1, '2'] as unknown as number[])).toThrow(TypeError);
    expect(() => tl.tensor([1, null] as unknown as number[])).toThrow(TypeError);
    expect(() => tl.tensor('abc' as unknown as number)).toThrow(TypeError);
    expect(() => tl.tensor(null as unknown as number)).toThrow(TypeError);
    expect(() => tl.tensor(undefined as unknown as number)).toThrow(TypeError);
    expect(() => tl.tensor({} as unknown as number)).toThrow(TypeError);
    expect(() => tl.tensor(new Float64Array(2) as unknown as Float32Array)).toThrow(TypeError);
    expect(() => tl.tensor([1.5], { dtype: 'int32' })).toThrow(RangeError);
    expect(() => tl.tensor([2 ** 31], { dtype: 'int32' })).toThrow(/^tensor: /);
    expect(() => tl.tensor([1], { dtype: 'float64' as 'float32' })).toThrow(TypeError);
    expect(() => tl.tensor([1], { device: 'tpu' as 'cpu' })).toThrow(TypeError);
    expect(() => tl.tensor(new Float32Array(6), { shape: [4, 2] })).toThrow(RangeError);
    expect(() => tl.tensor([1, 2, 3], { shape: [2, 2] })).toThrow(RangeError);
    const deep33: unknown = Array.from({ length: 32 }).reduce<unknown>((a) => [a], [1]);
    expect(() => tl.tensor(deep33 as number[])).toThrow(RangeError);
  });
});

describe('zeros / ones / full / *Like / eye', () => {
  it('fill values, dtypes and shapes', () => {
    expect(tl.zeros([2, 3]).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(tl.ones([2], { dtype: 'int32' }).dtype).toBe('int32');
    expect(arr(tl.full([3], 2.5))).toEqual([2.5, 2.5, 2.5]);
    expect(arr(tl.full([2], -7, { dtype: 'int32' }))).toEqual([-7, -7]);
    expect(arr(tl.full([2], NaN))).toEqual([NaN, NaN]);
    expect(tl.zeros([]).shape).toEqual([]);
    expect(tl.zeros([3, 0]).size).toBe(0);
    const like = tl.tensor([[1, 2]], { dtype: 'int32' });
    expect([tl.zerosLike(like).dtype, tl.zerosLike(like).shape, arr(tl.zerosLike(like))]).toEqual(['int32', [1, 2], [0, 0]]);
    expect(arr(tl.onesLike(tl.tensor([[1, 2]])))).toEqual([1, 1]);
    expect(arr(tl.fullLike(tl.tensor([[1, 2]]), 7))).toEqual([7, 7]);
    expect(tl.zerosLike(like, { dtype: 'float32' }).dtype).toBe('float32');
    expect(() => tl.full([2], 1.5, { dtype: 'int32' })).toThrow(RangeError);
    expect(() => tl.full([2], '1' as unknown as number)).toThrow(TypeError);
  });

  it('eye(n) and eye(n, m)', () => {
    expect(tl.eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(tl.eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(tl.eye(3, 1).toArray()).toEqual([[1], [0], [0]]);
    expect(tl.eye(2, 2, { dtype: 'int32' }).dtype).toBe('int32');
    expect(tl.eye(0).shape).toEqual([0, 0]);
    expect(() => tl.eye(-1)).toThrow(RangeError);
    expect(() => tl.eye(1.5)).toThrow(RangeError);
    expect(() => tl.eye('2' as unknown as number)).toThrow(TypeError);
  });
});

describe('arange', () => {
  it('1, 2 and 3 arguments; integer arguments give int32, fractional ones float32', () => {
    const a = tl.arange(5);
    expect([a.dtype, arr(a)]).toEqual(['int32', [0, 1, 2, 3, 4]]);
    expect(arr(tl.arange(2, 5))).toEqual([2, 3, 4]);
    expect(arr(tl.arange(10, 0, -3))).toEqual([10, 7, 4, 1]);
    expect(arr(tl.arange(-3, 3, 2))).toEqual([-3, -1, 1]);
    const f = tl.arange(0, 1, 0.25);
    expect([f.dtype, arr(f)]).toEqual(['float32', [0, 0.25, 0.5, 0.75]]);
    expect(arr(tl.arange(0, 0.3, 0.1))).toEqual([0, f32(0.1), f32(0.2)]); // ceil(0.3 / 0.1) = 3
    expect(arr(tl.arange(1, -1, -0.5))).toEqual([1, 0.5, 0, -0.5]);
    expect(tl.arange(5, undefined, { dtype: 'float32' }).dtype).toBe('float32');
    expect(arr(tl.arange(0, 5, 2, { dtype: 'float32' }))).toEqual([0, 2, 4]);
    // long float ranges are start + i * step (no drift)
    const long = tl.arange(0, 10, 1e-4).dataSync();
    expect(long.length).toBe(100000);
    expect(long[99999]).toBe(f32(99999 * 1e-4));
  });

  it('empty ranges and errors', () => {
    expect(tl.arange(0).shape).toEqual([0]);
    expect(tl.arange(5, 0).shape).toEqual([0]);
    expect(tl.arange(0, 5, -1).shape).toEqual([0]);
    expect(() => tl.arange(0, 5, 0)).toThrow(RangeError);
    expect(() => tl.arange(NaN)).toThrow(RangeError);
    expect(() => tl.arange(0, Infinity)).toThrow(RangeError);
    expect(() => tl.arange('5' as unknown as number)).toThrow(TypeError);
    expect(() => tl.arange(0, 1e15)).toThrow(RangeError);
    expect(() => tl.arange(2 ** 31 - 2, 2 ** 31 + 2)).toThrow(/^arange: /);
  });
});

describe('rand / randn / randint', () => {
  const defaultThreads = tl.getNumThreads();
  const draw = (seed: number) => {
    tl.manualSeed(seed);
    return {
      u: tl.rand([100003]).dataSync(),
      n: tl.randn([3, 33335]).dataSync(),
      i: tl.randint(-5, 9, [70001]).dataSync(),
      u2: tl.rand([7], { low: -2, high: 3 }).dataSync(),
    };
  };

  it('same seed, same numbers, whatever the thread count; another seed, other numbers', () => {
    const a = draw(1234);
    const b = draw(1234);
    for (const k of ['u', 'n', 'i', 'u2'] as const) same(b[k], a[k], `repeat ${k}`);
    tl.setNumThreads(1);
    let c;
    try {
      c = draw(1234);
    } finally {
      tl.setNumThreads(defaultThreads);
    }
    for (const k of ['u', 'n', 'i', 'u2'] as const) same(c[k], a[k], `1 thread vs default: ${k}`);
    const d = draw(1235);
    expect(d.u.some((v, i) => v !== a.u[i])).toBe(true);
    // successive draws continue the stream instead of repeating it
    tl.manualSeed(7);
    const x1 = tl.rand([16]).dataSync(), x2 = tl.rand([16]).dataSync();
    expect(x2).not.toEqual(x1);
    tl.manualSeed(7);
    expect(tl.rand([16]).dataSync()).toEqual(x1);
  });

  it('statistics: rand in [low, high), randn mean/std, randint bounds and coverage', () => {
    tl.manualSeed(42);
    const n = 1_000_000;
    const u = tl.rand([n]);
    const uv = u.dataSync();
    let lo = Infinity, hi = -Infinity;
    for (const v of uv) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    // mean of U(0,1): 0.5 +- 5 standard errors (sigma = 0.2887 / sqrt(n))
    expect(Math.abs(tl.mean(u).item() - 0.5)).toBeLessThan(5 * 0.2887 / Math.sqrt(n));
    const z = tl.randn([n]);
    expect(Math.abs(tl.mean(z).item())).toBeLessThan(5 / Math.sqrt(n));
    // std of N(0,1) estimated from n samples: standard error ~ 1 / sqrt(2n)
    expect(Math.abs(tl.std(z).item() - 1)).toBeLessThan(5 / Math.sqrt(2 * n));
    const zs = tl.randn([200000], { mean: 10, std: 3 });
    expect(Math.abs(tl.mean(zs).item() - 10)).toBeLessThan(5 * 3 / Math.sqrt(200000));
    expect(arr(tl.randn([3], { mean: 4, std: 0 }))).toEqual([4, 4, 4]);
    const r = tl.rand([100000], { low: -3, high: -1 }).dataSync();
    expect(Math.min(...r)).toBeGreaterThanOrEqual(-3);
    expect(Math.max(...r)).toBeLessThan(-1);
    const k = tl.randint(-3, 4, [70000]);
    expect(k.dtype).toBe('int32');
    const counts = new Map<number, number>();
    for (const v of k.dataSync()) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    for (const c of counts.values()) expect(Math.abs(c - 10000)).toBeLessThan(5 * Math.sqrt(10000)); // 5 sigma
    const wide = tl.randint(-(2 ** 31), 2 ** 31, [1000]).dataSync();
    expect(wide.some((v) => v < -(2 ** 30)) && wide.some((v) => v > 2 ** 30)).toBe(true);
  });

  it('errors', () => {
    expect(() => tl.rand([2], { low: 1, high: 0 })).toThrow(RangeError);
    expect(() => tl.rand([2], { low: NaN })).toThrow(/^rand: /);
    expect(() => tl.randn([2], { std: -1 })).toThrow(RangeError);
    expect(() => tl.randint(3, 3, [2])).toThrow(RangeError);
    expect(() => tl.randint(0, 2 ** 31 + 1, [2])).toThrow(RangeError);
    expect(() => tl.randint(0.5, 3, [2])).toThrow(/^randint: /);
    expect(() => tl.rand('3' as unknown as number[])).toThrow(TypeError);
    expect(() => tl.manualSeed(-1)).toThrow(RangeError);
    expect(() => tl.manualSeed(1.5)).toThrow(RangeError);
    expect(() => tl.manualSeed('1' as unknown as number)).toThrow(TypeError);
  });
});

describe('reading values', () => {
  it('toArray / item / dataSync on contiguous, non-contiguous, 0-d, empty and int32 tensors', () => {
    const t = tl.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.T.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(arr(t.slice(1, 0, null, 2))).toEqual([1, 3, 4, 6]);
    expect(tl.tensor(3).toArray()).toBe(3);
    expect(tl.zeros([2, 0]).toArray()).toEqual([[], []]);
    expect(tl.tensor([[7]]).item()).toBe(7);
    expect(tl.tensor([[7]], { dtype: 'int32' }).item()).toBe(7);
    expect(tl.tensor([0.1]).item()).toBe(f32(0.1));
    expect(tl.arange(10).slice(0, 7, 8).item()).toBe(7); // one element at an offset
    expect(t.T.slice(0, 2, 3).slice(1, 1).item()).toBe(6);
    expect(() => t.item()).toThrow(RangeError);
    expect(() => t.item()).toThrow(/^item: /);
    const ints = tl.tensor(Int32Array.from([5, -6]));
    expect(ints.dataSync()).toBeInstanceOf(Int32Array);
    expect(t.dataSync()).toBeInstanceOf(Float32Array);
    expect(t.dataSync()).not.toBe(t.dataSync()); // a fresh copy each time
    expect(String(t)).toBe('Tensor([[1,2,3],[4,5,6]], shape=[2, 3], dtype=float32, device=cpu)');
  });

  it('await data() matches dataSync() for small, large (> 256 KB, off-thread) and strided tensors', async () => {
    const small = tl.tensor([[1, 2], [3, 4]]).T;
    expect(Array.from(await small.data())).toEqual([1, 3, 2, 4]);
    const v = uniform(1 << 20); // 4 MB
    const big = tl.tensor(v, { shape: [1024, 1024] });
    const d = await big.data();
    expect(d).toBeInstanceOf(Float32Array);
    same(d, v);
    const view = big.T.slice(0, 1, null, 3); // strided: packed before the copy
    const dv = await view.data();
    expect(dv.length).toBe(view.size);
    same(dv, view.dataSync());
    expect(dv[0]).toBe(v[1]);
    expect(dv[1]).toBe(v[1024 + 1]);
    const ints = await tl.arange(0, 300000).data();
    expect(ints).toBeInstanceOf(Int32Array);
    expect(ints[299999]).toBe(299999);
    expect((await tl.zeros([0]).data()).length).toBe(0);
    // several reads in flight at once
    const all = await Promise.all([big.data(), view.data(), big.T.data()]);
    same(all[0], v);
    same(all[1], dv);
    expect(all[2][1]).toBe(v[1024]);
  });
});
