// embedConcat against its definition (cat of numeric and one lookup per column, in float64),
// its gradient by finite differences for numeric and every table (repeated indices
// accumulate), strided inputs, degenerate widths, and refused arguments.
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { checkGrad, numel, rshape, useSeedPerTest } from './helpers/gradcheck.js';
import { randInts, uniform } from './helpers/random.js';
import * as R from './helpers/ref64.js';

useSeedPerTest();

// float64 reference on flat values: numeric [n, w], tables[j] [rows_j, d_j], idx [n, c].
function reference(num: ArrayLike<number>, n: number, w: number, tables: { data: ArrayLike<number>; d: number }[], idx: ArrayLike<number>): R.Ref {
  const width = w + tables.reduce((s, t) => s + t.d, 0);
  const out = new Float64Array(n * width);
  for (let i = 0; i < n; i++) {
    let o = i * width;
    for (let k = 0; k < w; k++) out[o++] = num[i * w + k];
    tables.forEach((t, j) => {
      const r = idx[i * tables.length + j];
      for (let k = 0; k < t.d; k++) out[o++] = t.data[r * t.d + k];
    });
  }
  return { data: out, shape: [n, width] };
}

describe('embedConcat', () => {
  it('equals cat([numeric, lookups...]) for random widths, including no numeric and no tables', () => {
    for (const [n, w, c] of [[5, 3, 2], [1, 0, 3], [4, 2, 0], [0, 2, 1], [33, 7, 4]]) {
      const rows = Array.from({ length: c }, () => rshape([1, 9])[0]), dims = Array.from({ length: c }, () => rshape([1, 6])[0]);
      const num = uniform(n * w), idx = new Int32Array(n * c);
      for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) idx[i * c + j] = randInts(1, 0, rows[j])[0];
      const tables = rows.map((r, j) => uniform(r * dims[j]));
      const got = tl.embedConcat(tl.tensor(num, { shape: [n, w] }), tl.tensor(idx, { shape: [n, c] }),
        tables.map((t, j) => tl.tensor(t, { shape: [rows[j], dims[j]] })));
      const want = reference(num, n, w, tables.map((t, j) => ({ data: t, d: dims[j] })), idx);
      expect(got.shape).toEqual(want.shape);
      expect(Array.from(got.dataSync())).toEqual(Array.from(want.data).map(Math.fround));
    }
  });

  it('reads strided numeric and categorical views (a transposed pair) and non-contiguous tables', () => {
    const num = uniform(3 * 4), idx = new Int32Array([0, 1, 2, 1, 0, 2]);
    const numT = tl.tensor(num, { shape: [4, 3] }).T, idxT = tl.tensor(idx, { shape: [2, 3] }).T; // [3, 4], [3, 2]
    const t0 = tl.tensor(uniform(6), { shape: [2, 3] }).T, t1 = tl.randn([3, 2]); // t0 [3, 2] strided
    const got = tl.embedConcat(numT, idxT, [t0, t1]).dataSync();
    const want = tl.cat([numT, tl.embedding(t0, idxT.slice(1, 0, 1).reshape([-1])), tl.embedding(t1, idxT.slice(1, 1, 2).reshape([-1]))], 1).dataSync();
    expect(got).toEqual(want);
  });

  it('gradient w.r.t. numeric and every table, repeated indices accumulating', () => {
    const [n, w] = rshape([2, 5], [1, 3]);
    const rows = [3, 4], dims = [2, 3];
    const idx = new Int32Array(n * 2);
    for (let i = 0; i < n; i++) idx.set([i % rows[0], (i * 3) % rows[1]], i * 2);
    idx[0] = idx[2]; // a repeat in column 0
    checkGrad({
      inputs: [{ shape: [n, w], name: 'numeric' }, { shape: [rows[0], dims[0]], name: 'table0' }, { shape: [rows[1], dims[1]], name: 'table1' }],
      ref: ([x, a, b]) => reference(x, n, w, [{ data: a, d: dims[0] }, { data: b, d: dims[1] }], idx),
      op: ([x, a, b]) => tl.embedConcat(x, tl.tensor(idx, { shape: [n, 2] }), [a, b]),
    });
    expect(numel([n, w])).toBeGreaterThan(0);
  });

  it('refuses bad indices, mismatched columns and rows, wrong dtypes, with one-line errors naming embedConcat', () => {
    const num = tl.ones([2, 1]), t = tl.ones([3, 2]);
    const cases: [() => unknown, RegExp, ErrorConstructor][] = [
      [() => tl.embedConcat(num, tl.tensor(new Int32Array([0, 3]), { shape: [2, 1] }), [t]), /^embedConcat: row 1 column 0 has index 3, out of range for a table of 3 rows$/, RangeError],
      [() => tl.embedConcat(num, tl.tensor(new Int32Array([-1, 0]), { shape: [2, 1] }), [t]), /^embedConcat: row 0 column 0 has index -1/, RangeError],
      [() => tl.embedConcat(num, tl.zeros([2, 2], { dtype: 'int32' }), [t]), /^embedConcat: categorical has 2 columns but 1 tables were given$/, RangeError],
      [() => tl.embedConcat(num, tl.zeros([3, 1], { dtype: 'int32' }), [t]), /^embedConcat: numeric has 2 rows but categorical has 3$/, RangeError],
      [() => tl.embedConcat(num, tl.zeros([2, 1]), [t]), /^embedConcat: /, TypeError],
      [() => tl.embedConcat(num, tl.zeros([2, 1], { dtype: 'int32' }), [tl.ones([3])]), /^embedConcat: table 0 must be \[rows, dim\]/, RangeError],
      [() => tl.embedConcat(num, tl.zeros([2, 1], { dtype: 'int32' }), [1 as never]), /^embedConcat: /, TypeError],
    ];
    for (const [call, msg, Klass] of cases) {
      expect(call).toThrow(Klass);
      expect(call).toThrow(msg);
    }
  });
});
