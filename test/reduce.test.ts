// Reductions (sum mean prod max min), arg-reductions, softmax / logSoftmax and variance / std
// against float64 references. Float reductions accumulate in double, so sum/mean/prod must be
// the float32 rounding of a nearly exact result: a 1-ulp tolerance (1.2e-7 relative).
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { expectClose, expectTensorClose, type Tolerance } from './helpers/assert.js';
import { f32, ulp32 } from './helpers/mathref.js';
import { randInts, uniform } from './helpers/random.js';
import { numel, permute, ref, reduce, type Ref } from './helpers/ref.js';

type Op = 'sum' | 'mean' | 'prod' | 'max' | 'min';
const OPS: Op[] = ['sum', 'mean', 'prod', 'max', 'min'];
const REF: Record<Op, (v: number[]) => number> = {
  sum: (v) => v.reduce((a, b) => a + b, 0),
  mean: (v) => v.reduce((a, b) => a + b, 0) / v.length,
  prod: (v) => v.reduce((a, b) => a * b, 1),
  max: (v) => (v.some(Number.isNaN) ? NaN : Math.max(...v)),
  min: (v) => (v.some(Number.isNaN) ? NaN : Math.min(...v)),
};
// One float32 rounding of an (almost) exact double result; max/min are exact.
const ONE_ULP: Tolerance = { rtol: 1.2e-7, atol: 1e-30 };
const TOL: Record<Op, Tolerance> = { sum: ONE_ULP, mean: ONE_ULP, prod: ONE_ULP, max: { rtol: 0, atol: 0 }, min: { rtol: 0, atol: 0 } };

const SHAPE = [3, 4, 5, 6];
// every single dim (both signs), non-adjacent and negative lists, all dims, and "omitted"
const DIMS: (number | number[] | undefined)[] = [0, 1, 2, 3, -1, -4, [0, 2], [1, 3], [-1, -3], [0, 1, 2, 3], [2, 0], [3], undefined];

function dimsList(d: number | number[] | undefined): number[] {
  return d === undefined ? [] : Array.isArray(d) ? d : [d];
}

function checkAll(x: tl.Tensor, r: Ref, label: string): void {
  for (const op of OPS)
    for (const d of DIMS)
      for (const keepDim of [false, true]) {
        const out = tl[op](x, d, keepDim);
        const expected = reduce(r, dimsList(d), keepDim, (v) => f32(REF[op](v)));
        expectTensorClose(out, expected, TOL[op], `${label} ${op}(dim=${JSON.stringify(d)}, keepDim=${keepDim})`);
      }
}

describe('sum mean prod max min over every dim, lists of dims, keepDim', () => {
  // values in [0.5, 1.5] keep prod over up to 360 elements in range
  it('contiguous input', () => {
    const v = uniform(numel(SHAPE), 0.5, 1.5);
    checkAll(tl.tensor(v, { shape: SHAPE }), ref(v, SHAPE), 'contiguous');
  });

  it('permuted input (no copy made by the caller)', () => {
    const base = [5, 3, 6, 4];
    const v = uniform(numel(base), 0.5, 1.5);
    const perm = [1, 3, 0, 2]; // -> [3, 4, 5, 6]
    const x = tl.tensor(v, { shape: base }).permute(perm);
    expect(x.isContiguous()).toBe(false);
    checkAll(x, permute(ref(v, base), perm), 'permuted');
  });

  it('sliced-with-step and expanded inputs', () => {
    const v = uniform(3 * 4 * 5 * 13, 0.5, 1.5);
    const x = tl.tensor(v, { shape: [3, 4, 5, 13] }).slice(3, 1, null, 2); // last dim: 1, 3, ..., 11
    const sv: number[] = [];
    for (let i = 0; i < 60; i++) for (let j = 1; j < 13; j += 2) sv.push(v[i * 13 + j]);
    checkAll(x, ref(sv, SHAPE), 'sliced');
    const e = uniform(3 * 5, 0.5, 1.5);
    const ex = tl.tensor(e, { shape: [3, 1, 5, 1] }).expand(SHAPE);
    const ev: number[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) for (let k = 0; k < 5; k++) for (let l = 0; l < 6; l++) ev.push(e[i * 5 + k]);
    checkAll(ex, ref(ev, SHAPE), 'expanded');
  });

  it('method forms and 0-d tensors', () => {
    const x = tl.tensor([[1, 2], [3, 4]]);
    expect(x.sum(1, true).toArray()).toEqual([[3], [7]]);
    expect(x.mean(0).toArray()).toEqual([2, 3]);
    expect(x.prod().item()).toBe(24);
    expect(x.max(-1).toArray()).toEqual([2, 4]);
    expect(x.min([0, 1], true).toArray()).toEqual([[1]]);
    const s = tl.tensor(5);
    for (const op of OPS) {
      expect(tl[op](s).item()).toBe(5);
      expect(tl[op](s, 0, true).shape).toEqual([]);
      expect(tl[op](s, -1).item()).toBe(5);
    }
    expect(() => tl.sum(s, 1)).toThrow(RangeError);
  });

  it('bad dims: out of range, repeated, non-integer are RangeErrors; strings TypeErrors', () => {
    const x = tl.ones([2, 3]);
    for (const op of OPS) {
      expect(() => tl[op](x, 2)).toThrow(RangeError);
      expect(() => tl[op](x, -3)).toThrow(RangeError);
      expect(() => tl[op](x, [0, -2])).toThrow(/appears more than once/);
      expect(() => tl[op](x, 0.5)).toThrow(RangeError);
      expect(() => tl[op](x, 'a' as unknown as number)).toThrow(TypeError);
      expect(() => tl[op](x, 0, 'yes' as unknown as boolean)).toThrow(TypeError);
      expect(() => tl[op](x, 5)).toThrow(new RegExp(`^${op}: `));
    }
  });
});

describe('int32 reductions', () => {
  it('sum and prod wrap around, mean is float32, max/min exact', () => {
    const I = (v: number[]) => tl.tensor(new Int32Array(v));
    expect(tl.sum(I([2147483647, 1])).item()).toBe(-2147483648);
    expect(tl.sum(I([-2147483648, -1])).item()).toBe(2147483647);
    expect(tl.prod(I([65536, 65536, 3])).item()).toBe(0);
    expect(tl.prod(I([46341, 46341])).item()).toBe(Math.imul(46341, 46341));
    const m = tl.mean(I([1, 2]));
    expect(m.dtype).toBe('float32');
    expect(m.item()).toBe(1.5);
    expect(tl.max(I([1, -5, 3])).item()).toBe(3);
    expect(tl.min(I([1, -5, 3])).dtype).toBe('int32');
  });

  it('random int32 over dims against exact integer arithmetic', () => {
    const v = randInts(numel(SHAPE), -(2 ** 30), 2 ** 30); // sums overflow int32 and wrap
    const x = tl.tensor(v, { shape: SHAPE }), r = ref(v, SHAPE);
    const intRef: Record<Exclude<Op, 'mean'>, (g: number[]) => number> = {
      sum: (g) => Number(g.reduce((a, b) => a + BigInt(b), 0n) & 0xffffffffn) | 0,
      prod: (g) => g.reduce((a, b) => Math.imul(a, b), 1),
      max: REF.max,
      min: REF.min,
    };
    for (const op of ['sum', 'prod', 'max', 'min'] as const)
      for (const d of DIMS) {
        const out = tl[op](x, d);
        expect(out.dtype).toBe('int32');
        expectTensorClose(out, reduce(r, dimsList(d), false, intRef[op]), { rtol: 0, atol: 0 }, `int32 ${op}(${JSON.stringify(d)})`);
      }
  });

  it('int32 mean is the float32 rounding of the exact mean (no float32 rounding of the inputs first)', () => {
    // exact mean 15.5; converting the inputs to float32 first (ulp 128 at 2^30) gives 0
    expect(tl.mean(tl.tensor(new Int32Array([1073741855, -1073741824]))).item()).toBe(15.5);
    const v = randInts(numel(SHAPE), -(2 ** 30), 2 ** 30);
    const x = tl.tensor(v, { shape: SHAPE }), r = ref(v, SHAPE);
    for (const d of DIMS) {
      const out = tl.mean(x, d);
      expect(out.dtype).toBe('float32');
      expectTensorClose(out, reduce(r, dimsList(d), false, (g) => f32(REF.mean(g))), ONE_ULP, `int32 mean(${JSON.stringify(d)})`);
    }
  });
});

describe('empty tensors and dims', () => {
  it('empty sum = 0, prod = 1, mean = NaN; max/min over an empty dim is a RangeError', () => {
    const e = tl.zeros([0]);
    expect(tl.sum(e).item()).toBe(0);
    expect(tl.prod(e).item()).toBe(1);
    expect(tl.mean(e).item()).toBeNaN();
    expect(() => tl.max(e)).toThrow(RangeError);
    expect(() => tl.min(e)).toThrow(/^min: /);
    const z = tl.zeros([3, 0]);
    expect(tl.sum(z, 1).toArray()).toEqual([0, 0, 0]);
    expect(tl.prod(z, 1, true).toArray()).toEqual([[1], [1], [1]]);
    expectClose(tl.mean(z, 1).dataSync(), [NaN, NaN, NaN]);
    expect(tl.sum(z, 0).shape).toEqual([0]);
    // reducing a non-empty dim of an empty tensor is fine: the result is empty
    expect(tl.max(z, 0).shape).toEqual([0]);
    expect(() => tl.max(z, 1)).toThrow(RangeError);
    expect(tl.sum(tl.zeros([0], { dtype: 'int32' })).dtype).toBe('int32');
  });
});

describe('NaN propagation', () => {
  it('NaN anywhere (incl. past the 16-wide vector lanes) makes sum/mean/prod/max/min NaN', () => {
    for (const pos of [0, 5, 16, 17, 99]) {
      const v = uniform(100, 1, 2);
      v[pos] = NaN;
      for (const op of OPS) expect(tl[op](tl.tensor(v)).item(), `${op} NaN at ${pos}`).toBeNaN();
      for (const op of OPS) {
        // only the row holding the NaN is NaN
        const rows = tl[op](tl.tensor(v, { shape: [10, 10] }), 1).dataSync();
        expect(Array.from(rows, (r) => Number.isNaN(r)).indexOf(true), `${op} rows`).toBe(Math.floor(pos / 10));
        expect(Array.from(rows).filter(Number.isNaN).length).toBe(1);
      }
    }
    // NaN wins even against +-Infinity
    expect(tl.max(tl.tensor([Infinity, NaN])).item()).toBeNaN();
    expect(tl.min(tl.tensor([-Infinity, NaN, 1])).item()).toBeNaN();
  });
});

describe('large arrays (multi-threaded paths)', () => {
  const defaultThreads = tl.getNumThreads();

  // |err| <= 1 ulp of the result + double-accumulation slack (1e-12 of sum |x|)
  function expectSum(got: number, vals: ArrayLike<number>, what: string): void {
    let s = 0, a = 0;
    for (let i = 0; i < vals.length; i++) (s += vals[i]), (a += Math.abs(vals[i]));
    expect(Math.abs(got - s), `${what}: got ${got}, exact ${s}`).toBeLessThanOrEqual(1.2e-7 * Math.abs(s) + 1e-12 * a);
  }

  it.each(['default', 1] as const)('threads = %s: 1.2e6-element sum/mean/max/min and per-dim sums', (threads) => {
    if (threads !== 'default') tl.setNumThreads(threads);
    try {
      largeCases();
    } finally {
      if (threads !== 'default') tl.setNumThreads(defaultThreads);
    }
  });

  function largeCases(): void {
    const n = 1_200_000;
    const v = uniform(n, -1, 1);
    const x = tl.tensor(v);
    expectSum(tl.sum(x).item(), v, 'sum');
    expectSum(tl.mean(x).item() * n, v, 'mean * n');
    let mx = -Infinity, mn = Infinity;
    for (const e of v) (mx = Math.max(mx, e)), (mn = Math.min(mn, e));
    expect(tl.max(x).item()).toBe(mx);
    expect(tl.min(x).item()).toBe(mn);
    // [1000, 1200] over each dim, and its transpose; [2, 600000] (few outputs, long rows)
    const m = x.reshape([1000, 1200]);
    const s0 = tl.sum(m, 0).dataSync(), s1 = tl.sum(m, 1).dataSync(), t1 = tl.sum(m.T, 1).dataSync();
    const col = new Float64Array(1000);
    for (const j of [0, 599, 1199]) {
      for (let i = 0; i < 1000; i++) col[i] = v[i * 1200 + j];
      expectSum(s0[j], col, `sum(dim 0)[${j}]`);
      expectSum(t1[j], col, `sum(T, dim 1)[${j}]`);
    }
    for (const i of [0, 500, 999]) expectSum(s1[i], v.subarray(i * 1200, (i + 1) * 1200), `sum(dim 1)[${i}]`);
    // [60, 20000] over dim 0: many outputs, split into wide column blocks
    const ws = tl.sum(x.reshape([60, 20000]), 0).dataSync(), wcol = new Float64Array(60);
    for (const j of [0, 4095, 4096, 10001, 19999]) {
      for (let i = 0; i < 60; i++) wcol[i] = v[i * 20000 + j];
      expectSum(ws[j], wcol, `sum([60, 20000], 0)[${j}]`);
    }
    const w = tl.sum(x.reshape([2, 600000]), 1).dataSync();
    expectSum(w[1], v.subarray(600000), 'sum([2, 600000], 1)[1]');
    const nanv = v.slice();
    nanv[n - 3] = NaN;
    expect(tl.max(tl.tensor(nanv)).item()).toBeNaN();
    expect(tl.sum(tl.tensor(nanv).reshape([1000, 1200]), 1).dataSync()[999]).toBeNaN();
  }
});

describe('argmax / argmin', () => {
  it('flattened and per dim, keepDim, int32 results, against a reference', () => {
    const v = randInts(3 * 5 * 7, -20, 20); // many ties
    const f = tl.tensor(Float32Array.from(v), { shape: [3, 5, 7] });
    const argRef = (vals: number[], max: boolean) => {
      let best = 0;
      for (let i = 1; i < vals.length; i++) if (max ? vals[i] > vals[best] : vals[i] < vals[best]) best = i;
      return best; // first occurrence
    };
    for (const x of [f, tl.tensor(v, { shape: [3, 5, 7] }), f.permute([2, 0, 1]).contiguous().permute([1, 2, 0])]) {
      const r = ref(x.dataSync(), [3, 5, 7]);
      for (const max of [true, false]) {
        const fn = max ? tl.argmax : tl.argmin;
        const all = fn(x);
        expect(all.dtype).toBe('int32');
        expect(all.shape).toEqual([]);
        expect(all.item()).toBe(argRef(Array.from(r.data), max));
        for (const d of [0, 1, 2, -1]) {
          expectTensorClose(fn(x, d), reduce(r, [d], false, (g) => argRef(g, max)), {}, `arg${max ? 'max' : 'min'}(${d})`);
          expect(fn(x, d, true).shape).toEqual(reduce(r, [d], true, () => 0).shape);
        }
      }
    }
  });

  it('first occurrence wins ties; the first NaN counts as the extreme', () => {
    expect(tl.argmax(tl.tensor([1, 3, 3, 2])).item()).toBe(1);
    expect(tl.argmin(tl.tensor([1, 0, 0, 2])).item()).toBe(1);
    expect(tl.argmax(tl.tensor([1, NaN, Infinity, NaN])).item()).toBe(1);
    expect(tl.argmin(tl.tensor([1, -Infinity, NaN, NaN])).item()).toBe(2);
    expect(tl.argmax(tl.tensor([[1, NaN], [NaN, 2]]), 1).toArray()).toEqual([1, 0]);
    expect(tl.argmax(tl.tensor([-Infinity, -Infinity])).item()).toBe(0);
    const wide = new Float32Array(300 * 3).fill(1); // > 256 columns: the blocked path
    wide[2 * 300 + 299] = 5;
    wide[1 * 300 + 7] = NaN;
    const a = tl.argmax(tl.tensor(wide, { shape: [3, 300] }), 0).dataSync();
    expect(a[299]).toBe(2);
    expect(a[7]).toBe(1);
    expect(a[0]).toBe(0);
  });

  it('errors: empty tensor, dim out of range', () => {
    expect(() => tl.argmax(tl.zeros([0]))).toThrow(RangeError);
    expect(() => tl.argmin(tl.zeros([2, 0]), 0)).toThrow(/^argmin: /);
    expect(() => tl.argmax(tl.ones([2, 3]), 2)).toThrow(RangeError);
    expect(tl.argmax(tl.tensor(3)).item()).toBe(0);
  });
});

function softmaxRef(r: Ref, dim: number, log: boolean): Ref {
  const nd = r.shape.length, d = dim < 0 ? dim + nd : dim;
  const inner = numel(r.shape.slice(d + 1)), len = r.shape[d], outer = numel(r.shape.slice(0, d));
  const out = new Float64Array(r.data.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const at = (k: number) => o * len * inner + k * inner + i;
      let m = -Infinity;
      for (let k = 0; k < len; k++) m = Math.max(m, r.data[at(k)]);
      let s = 0;
      for (let k = 0; k < len; k++) s += Math.exp(r.data[at(k)] - m);
      for (let k = 0; k < len; k++) out[at(k)] = log ? r.data[at(k)] - m - Math.log(s) : Math.exp(r.data[at(k)] - m) / s;
    }
  return { data: out, shape: r.shape };
}

describe('softmax / logSoftmax', () => {
  // softmax: exp to ~2 ulp, a float32 normalisation: 2e-6 relative. logSoftmax computes
  // x - (max + log(sum)) in float32, so its absolute error is a few ulp of max |x|.
  const SM: Tolerance = { rtol: 2e-6, atol: 1e-12 };
  const lsTol = (v: ArrayLike<number>): Tolerance => {
    let m = 0;
    for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) m = Math.max(m, Math.abs(v[i]));
    return { rtol: 1e-6, atol: 4 * ulp32(Math.max(m, 1)) };
  };

  it.each([
    [[3, 4, 5], 1], [[2, 7, 300], 10], [[600, 3], 10], [[1, 1000], 30], [[5], 100],
  ] as const)('every dim of %j (scale %i), contiguous and permuted', (shape, scale) => {
    const v = uniform(numel([...shape]), -scale, scale);
    const x = tl.tensor(v, { shape: [...shape] });
    for (let d = -shape.length; d < shape.length; d++) {
      expectTensorClose(tl.softmax(x, d), softmaxRef(ref(v, [...shape]), d, false), SM, `softmax(${d})`);
      expectTensorClose(x.logSoftmax(d), softmaxRef(ref(v, [...shape]), d, true), lsTol(v), `logSoftmax(${d})`);
    }
    if (shape.length > 1) {
      const perm = [...shape.keys()].reverse();
      const xp = x.permute(perm), rp = permute(ref(v, [...shape]), perm);
      expectTensorClose(xp.softmax(0), softmaxRef(rp, 0, false), SM, 'softmax(permuted)');
      expectTensorClose(tl.logSoftmax(xp, -1), softmaxRef(rp, -1, true), lsTol(v), 'logSoftmax(permuted)');
    }
  });

  it('large logits (+-1000) do not overflow', () => {
    const v = Float32Array.from([1000, 1000, -1000, 999, 0, -1000, 1000, 998]);
    for (const shape of [[8], [2, 4], [4, 2]]) {
      for (let d = 0; d < shape.length; d++) {
        const r = ref(v, shape);
        expectTensorClose(tl.softmax(tl.tensor(v, { shape }), d), softmaxRef(r, d, false), SM, `softmax ${shape} dim ${d}`);
        expectTensorClose(tl.logSoftmax(tl.tensor(v, { shape }), d), softmaxRef(r, d, true), lsTol(v), `logSoftmax ${shape} dim ${d}`);
      }
    }
  });

  it('-Infinity entries get probability 0; a row of only -Infinity is NaN (as in PyTorch)', () => {
    const x = tl.tensor([[-Infinity, 0, 1], [-Infinity, -Infinity, -Infinity], [-Infinity, -Infinity, 5]]);
    const e = Math.E;
    expectClose(tl.softmax(x, 1).dataSync(), [0, 1 / (1 + e), e / (1 + e), NaN, NaN, NaN, 0, 0, 1], SM);
    expectClose(tl.logSoftmax(x, 1).dataSync(), [-Infinity, -Math.log1p(e), 1 - Math.log1p(e), NaN, NaN, NaN, -Infinity, -Infinity, 0], { rtol: 1e-6, atol: 1e-6 });
    // the same along dim 0 (the strided column path)
    expectClose(tl.softmax(x.T.contiguous(), 0).T.dataSync(), tl.softmax(x, 1).dataSync(), SM);
    // NaN in a row makes that row NaN only
    const n = tl.softmax(tl.tensor([[1, NaN], [1, 2]]), 1).dataSync();
    expect(Number.isNaN(n[0]) && Number.isNaN(n[1]) && !Number.isNaN(n[2])).toBe(true);
  });

  it('int32 input, 0-d, empty, and bad dims', () => {
    const i = tl.softmax(tl.tensor(new Int32Array([1, 2])), 0);
    expect(i.dtype).toBe('float32');
    expectClose(i.dataSync(), [1 / (1 + Math.E), Math.E / (1 + Math.E)], SM);
    expect(tl.softmax(tl.tensor(3), 0).item()).toBe(1);
    expect(tl.logSoftmax(tl.tensor(3), -1).item()).toBe(0);
    expect(tl.softmax(tl.zeros([0, 3]), 1).shape).toEqual([0, 3]);
    expect(() => tl.softmax(tl.ones([2]), 1)).toThrow(RangeError);
    expect(() => tl.logSoftmax(tl.ones([2]), 1)).toThrow(/^logSoftmax: /);
  });
});

describe('variance / std', () => {
  const varRef = (g: number[], correction: number) => {
    const m = g.reduce((a, b) => a + b, 0) / g.length;
    return g.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(0, g.length - correction);
  };
  // the centred values are float32 (x - mean rounded), so a few ulp relative
  const VT: Tolerance = { rtol: 2e-6, atol: 1e-7 };
  it('over dims, lists, all; keepDim; correction 1 (default) and 0', () => {
    const v = uniform(numel(SHAPE), -3, 5);
    const x = tl.tensor(v, { shape: SHAPE }), r = ref(v, SHAPE);
    for (const d of [0, -1, [1, 3], undefined] as const)
      for (const keepDim of [false, true])
        for (const correction of [1, 0]) {
          const dl = dimsList(d as number | number[] | undefined);
          expectTensorClose(tl.variance(x, d as number | number[] | undefined, keepDim, correction), reduce(r, dl, keepDim, (g) => varRef(g, correction)), VT, `variance(${JSON.stringify(d)}, ${keepDim}, ${correction})`);
          expectTensorClose(x.std(d as number | number[] | undefined, keepDim, correction), reduce(r, dl, keepDim, (g) => Math.sqrt(varRef(g, correction))), VT, `std(${JSON.stringify(d)})`);
        }
    // one element with Bessel's correction: 0 / 0
    expect(tl.variance(tl.tensor([1])).item()).toBeNaN();
    expect(tl.std(tl.tensor([2, 2, 2])).item()).toBe(0);
  });
});
