// Views (values, shapes AND storage sharing), reshape's view-vs-copy rule, slice semantics,
// cat/stack, gather/indexSelect against a reference, and their errors.
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { expectTensorClose } from './helpers/assert.js';
import { randInt, randInts, uniform } from './helpers/random.js';
import { numel, permute, ref, type Ref, strides, unravel } from './helpers/ref.js';

const EXACT = { rtol: 0, atol: 0 };
const I = (v: ArrayLike<number>, shape?: number[]) => tl.tensor(Int32Array.from(v), shape ? { shape } : {});

/** Runs make(), asserting it allocates no tensor memory and shares x's storage. */
function view(x: tl.Tensor, make: () => tl.Tensor): tl.Tensor {
  const before = tl.memory().cpuBytes;
  const v = make();
  // <=, not ===: a GC finalizer may free some earlier garbage meanwhile, never allocate
  expect(tl.memory().cpuBytes, 'a view allocates nothing').toBeLessThanOrEqual(before);
  expect(v.handle.sharesStorage(x.handle), 'a view shares storage').toBe(true);
  return v;
}

function base(shape: number[]): [tl.Tensor, Ref] {
  const v = uniform(numel(shape));
  return [tl.tensor(v, { shape }), ref(v, shape)];
}

/** Reference slice of one dim with Python semantics (start/end clamped, step > 0). */
function sliceRef(r: Ref, dim: number, start: number | null, end: number | null, step: number): Ref {
  const n = r.shape[dim];
  const norm = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const lo = norm(start ?? 0), hi = Math.max(norm(end ?? n), lo);
  const picks: number[] = [];
  for (let i = lo; i < hi; i += step) picks.push(i);
  return selectRef(r, dim, picks);
}

/** out[..., j, ...] = r[..., picks[j], ...] along dim. */
function selectRef(r: Ref, dim: number, picks: number[]): Ref {
  const shape = r.shape.slice();
  shape[dim] = picks.length;
  const st = strides(r.shape);
  const data = new Float64Array(numel(shape));
  for (let i = 0; i < data.length; i++) {
    const idx = unravel(i, shape);
    idx[dim] = picks[idx[dim]];
    data[i] = r.data[idx.reduce((a, v, d) => a + v * st[d], 0)];
  }
  return { data, shape };
}

describe('view ops: values and storage sharing', () => {
  it('transpose / permute / T (and views of views)', () => {
    const [x, r] = base([2, 3, 4]);
    expectTensorClose(view(x, () => x.transpose(0, 2)), permute(r, [2, 1, 0]), EXACT);
    expectTensorClose(view(x, () => tl.transpose(x, -1, 1)), permute(r, [0, 2, 1]), EXACT);
    expectTensorClose(view(x, () => x.permute([1, 2, 0])), permute(r, [1, 2, 0]), EXACT);
    expectTensorClose(view(x, () => x.T), permute(r, [0, 2, 1]), EXACT);
    const vv = view(x, () => x.permute([2, 0, 1]).transpose(0, 1).slice(2, 1));
    expectTensorClose(vv, sliceRef(permute(r, [0, 2, 1]), 2, 1, null, 1), EXACT);
    expect(x.transpose(0, 2).isContiguous()).toBe(false);
    expect(x.permute([0, 1, 2]).isContiguous()).toBe(true);
    expect(tl.tensor(5).transpose(0, -1).item()).toBe(tl.tensor(5).item());
  });

  it('slice: negative bounds, clamping, steps, empty results, defaults', () => {
    const [x, r] = base([5, 9]);
    const cases: [number, number | null, number | null, number][] = [
      [0, 1, 4, 1], [1, -3, null, 1], [1, -100, 100, 1], [1, 2, -2, 3], [1, 0, null, 4], [0, null, null, 2],
      [1, 5, 2, 1], [1, 9, null, 1], [-1, -1, null, 1], [0, -5, -4, 1], [1, 1, null, 100],
    ];
    for (const [dim, start, end, step] of cases) {
      const s = view(x, () => x.slice(dim, start, end, step));
      expectTensorClose(s, sliceRef(r, dim < 0 ? dim + 2 : dim, start, end, step), EXACT, `slice(${dim}, ${start}, ${end}, ${step})`);
    }
    expect(x.slice(1).shape).toEqual([5, 9]);
    expect(x.slice(1, 7, 3).shape).toEqual([5, 0]);
    expect(tl.slice(x, 0, 2, 4, 1).shape).toEqual([2, 9]);
  });

  it('reshape / view: a view when strides allow, a copy otherwise; -1 inference', () => {
    const [x, r] = base([2, 3, 4]);
    const flat = { data: r.data, shape: [24] };
    expectTensorClose(view(x, () => x.reshape([6, 4])), { data: r.data, shape: [6, 4] }, EXACT);
    expectTensorClose(view(x, () => x.view([4, 6])), { data: r.data, shape: [4, 6] }, EXACT);
    expectTensorClose(view(x, () => x.reshape([24])), flat, EXACT);
    expectTensorClose(view(x, () => x.reshape([2, -1])), { data: r.data, shape: [2, 12] }, EXACT);
    expectTensorClose(view(x, () => x.reshape([2, 3, 2, -1])), { data: r.data, shape: [2, 3, 2, 2] }, EXACT);
    // a transposed tensor can still be viewed when the merged dims stay adjacent in memory
    const t = x.transpose(0, 1); // [3, 2, 4], dims 1 and 2 of x unchanged
    expectTensorClose(view(x, () => t.reshape([3, 2, 2, 2])), { data: permute(r, [1, 0, 2]).data, shape: [3, 2, 2, 2] }, EXACT);
    // ... but flattening it needs a copy, with the right values
    const c = t.reshape([24]);
    expect(c.handle.sharesStorage(x.handle)).toBe(false);
    expectTensorClose(c, { data: permute(r, [1, 0, 2]).data, shape: [24] }, EXACT);
    expect(c.isContiguous()).toBe(true);
    expect(tl.tensor(5).reshape([1, 1]).shape).toEqual([1, 1]);
    expect(tl.tensor([5]).reshape([]).shape).toEqual([]);
    expect(tl.zeros([0, 3]).reshape([3, 0, 5]).shape).toEqual([3, 0, 5]);
  });

  it('reshape infers -1 in any position', () => {
    const [x, r] = base([2, 3, 4]);
    expectTensorClose(x.reshape([-1, 12]), { data: r.data, shape: [2, 12] }, EXACT, 'reshape([-1, 12])');
    expectTensorClose(x.reshape([2, -1, 4]), { data: r.data, shape: [2, 3, 4] }, EXACT, 'reshape([2, -1, 4])');
    expectTensorClose(x.reshape([-1]), { data: r.data, shape: [24] }, EXACT, 'reshape([-1])');
  });

  it('reshape errors', () => {
    const x = tl.ones([2, 3, 4]);
    expect(() => x.reshape([5, -1])).toThrow(RangeError);
    expect(() => x.reshape([-1, -1])).toThrow(/only one dim can be -1/);
    expect(() => x.reshape([5, 5])).toThrow(/^reshape: /);
    expect(() => x.reshape([-2, -12])).toThrow(RangeError);
    expect(() => x.reshape([2.5, 2])).toThrow(RangeError);
    expect(() => x.reshape('24' as unknown as number[])).toThrow(TypeError);
    expect(() => tl.zeros([0, 3]).reshape([0, -1])).toThrow(RangeError); // ambiguous, as in PyTorch
  });

  it('expand: size-1 dims and new leading dims broadcast with stride 0', () => {
    const [x, r] = base([3, 1]);
    const e = view(x, () => x.expand([2, 3, 4]));
    expect(e.handle.strides).toEqual([0, 1, 0]);
    const ev = new Float64Array(24);
    for (let i = 0; i < 24; i++) ev[i] = r.data[Math.floor(i / 4) % 3];
    expectTensorClose(e, { data: ev, shape: [2, 3, 4] }, EXACT);
    expect(view(x, () => x.expand([-1, 5])).shape).toEqual([3, 5]);
    expect(view(x, () => x.expand([3, 0])).shape).toEqual([3, 0]);
    expect(() => x.expand([4, 4])).toThrow(RangeError);
    expect(() => x.expand([3])).toThrow(/^expand: /);
    expect(() => x.expand([-1, 3, 4])).toThrow(RangeError);
  });

  it('squeeze / unsqueeze / flatten', () => {
    const [x, r] = base([1, 3, 1, 2]);
    expect(view(x, () => x.squeeze()).shape).toEqual([3, 2]);
    expect(view(x, () => x.squeeze(2)).shape).toEqual([1, 3, 2]);
    expect(view(x, () => x.squeeze(1)).shape).toEqual([1, 3, 1, 2]); // not size 1: unchanged
    expect(view(x, () => x.squeeze([0, -2])).shape).toEqual([3, 2]);
    expectTensorClose(x.squeeze(), { data: r.data, shape: [3, 2] }, EXACT);
    expect(() => x.squeeze(4)).toThrow(RangeError);
    const [y, ry] = base([2, 3]);
    for (const [d, shape] of [[0, [1, 2, 3]], [1, [2, 1, 3]], [2, [2, 3, 1]], [-1, [2, 3, 1]], [-3, [1, 2, 3]]] as const)
      expectTensorClose(view(y, () => y.unsqueeze(d)), { data: ry.data, shape: [...shape] }, EXACT);
    expect(() => y.unsqueeze(3)).toThrow(/^unsqueeze: /);
    const [z, rz] = base([2, 3, 4, 5]);
    expectTensorClose(view(z, () => z.flatten()), { data: rz.data, shape: [120] }, EXACT);
    expectTensorClose(view(z, () => z.flatten(1)), { data: rz.data, shape: [2, 60] }, EXACT);
    expectTensorClose(view(z, () => z.flatten(1, 2)), { data: rz.data, shape: [2, 12, 5] }, EXACT);
    expectTensorClose(view(z, () => tl.flatten(z, -2)), { data: rz.data, shape: [2, 3, 20] }, EXACT);
    expectTensorClose(z.permute([1, 0, 2, 3]).flatten(), { data: permute(rz, [1, 0, 2, 3]).data, shape: [120] }, EXACT);
    expect(tl.tensor(3).flatten().shape).toEqual([1]);
    expect(() => z.flatten(2, 1)).toThrow(RangeError);
  });

  it('contiguous / clone / cast to the same dtype', () => {
    const [x, r] = base([3, 4]);
    expect(x.contiguous().handle.sharesStorage(x.handle)).toBe(true); // already contiguous: no copy
    const c = x.T.contiguous();
    expect(c.handle.sharesStorage(x.handle)).toBe(false);
    expect(c.handle.strides).toEqual([3, 1]);
    expectTensorClose(c, permute(r, [1, 0]), EXACT);
    const k = x.clone();
    expect(k.handle.sharesStorage(x.handle)).toBe(false);
    expectTensorClose(k, r, EXACT);
  });
});

describe('cat / stack', () => {
  it('cat along every dim (negative too), with non-contiguous parts', () => {
    const [a, ra] = base([2, 3, 4]);
    for (const d of [0, 1, 2, -1, -3]) {
      const dd = d < 0 ? d + 3 : d;
      const bs = [2, 3, 4];
      bs[dd] = 5;
      const [b, rb] = base([bs[2], bs[1], bs[0]]); // stored reversed, used transposed
      const bt = b.permute([2, 1, 0]);
      const out = tl.cat([a, bt, a.slice(dd, 0, 1)], d);
      const rbt = permute(rb, [2, 1, 0]);
      const shape = [2, 3, 4];
      shape[dd] = ra.shape[dd] + rbt.shape[dd] + 1;
      const parts = [ra, rbt, sliceRef(ra, dd, 0, 1, 1)];
      const data = new Float64Array(numel(shape));
      for (let i = 0; i < data.length; i++) {
        const idx = unravel(i, shape);
        let k = idx[dd], p = 0;
        while (k >= parts[p].shape[dd]) k -= parts[p++].shape[dd];
        const pi = idx.slice();
        pi[dd] = k;
        data[i] = parts[p].data[pi.reduce((acc, v, q) => acc + v * strides(parts[p].shape)[q], 0)];
      }
      expectTensorClose(out, { data, shape }, EXACT, `cat dim ${d}`);
      expect(out.handle.sharesStorage(a.handle)).toBe(false);
    }
  });

  it('mixed dtypes promote; 1-D empty tensors are skipped; errors', () => {
    const m = tl.cat([tl.tensor([1.5, 2]), I([5])]);
    expect(m.dtype).toBe('float32');
    expect(Array.from(m.dataSync())).toEqual([1.5, 2, 5]);
    expect(tl.cat([I([1]), I([2, 3])]).dtype).toBe('int32');
    expect(tl.cat([tl.zeros([0]), tl.ones([2, 2]), tl.zeros([0])]).toArray()).toEqual([[1, 1], [1, 1]]);
    expect(tl.cat([tl.ones([2, 0]), tl.ones([2, 3])], 1).shape).toEqual([2, 3]);
    expect(() => tl.cat([])).toThrow(RangeError);
    expect(() => tl.cat([tl.ones([2, 2]), tl.ones([2, 3])])).toThrow(/^cat: /);
    expect(() => tl.cat([tl.tensor(1), tl.tensor(2)])).toThrow(RangeError);
    expect(() => tl.cat([tl.ones([2])], 1)).toThrow(RangeError);
    expect(() => tl.cat(tl.ones([2]) as unknown as tl.Tensor[])).toThrow(TypeError);
    expect(() => tl.cat([tl.ones([2]), [1, 2] as unknown as tl.Tensor])).toThrow(TypeError);
  });

  it('stack along every dim, 0-d inputs, errors', () => {
    const [a, ra] = base([2, 3]);
    const [b, rb] = base([2, 3]);
    for (const d of [0, 1, 2, -1, -3]) {
      const out = tl.stack([a, b.T.contiguous().T], d);
      const dd = d < 0 ? d + 3 : d;
      const shape = [2, 3];
      shape.splice(dd, 0, 2);
      const data = new Float64Array(12);
      for (let i = 0; i < 12; i++) {
        const idx = unravel(i, shape);
        const which = idx.splice(dd, 1)[0];
        data[i] = (which ? rb : ra).data[idx[0] * 3 + idx[1]];
      }
      expectTensorClose(out, { data, shape }, EXACT, `stack dim ${d}`);
    }
    expect(tl.stack([tl.tensor(1), tl.tensor(2)]).toArray()).toEqual([1, 2]);
    expect(tl.stack([tl.zeros([0]), tl.zeros([0])]).shape).toEqual([2, 0]);
    expect(() => tl.stack([tl.ones([2]), tl.ones([3])])).toThrow(/^stack: /);
    expect(() => tl.stack([tl.ones([2])], 2)).toThrow(RangeError);
    expect(() => tl.stack([])).toThrow(RangeError);
  });
});

describe('gather / indexSelect', () => {
  function gatherRef(r: Ref, dim: number, index: Int32Array, ishape: number[]): Ref {
    const st = strides(r.shape);
    const data = Float64Array.from(index, (v, i) => {
      const idx = unravel(i, ishape);
      idx[dim] = v;
      return r.data[idx.reduce((a, x, d) => a + x * st[d], 0)];
    });
    return { data, shape: ishape };
  }

  it('gather against a reference: random indices, every dim, index smaller than input', () => {
    for (let trial = 0; trial < 12; trial++) {
      const shape = [randInt(1, 5), randInt(1, 6), randInt(1, 5)];
      const [x, r] = base(shape);
      for (let dim = 0; dim < 3; dim++) {
        const ishape = shape.map((s, d) => (d === dim ? randInt(1, 8) : randInt(1, s + 1)));
        const idx = randInts(numel(ishape), 0, shape[dim]);
        expectTensorClose(tl.gather(x, dim, I(idx, ishape)), gatherRef(r, dim, idx, ishape), EXACT, `gather dim ${dim}`);
        expectTensorClose(x.gather(dim - 3, I(idx, ishape)), gatherRef(r, dim, idx, ishape), EXACT, `gather dim ${dim - 3}`);
      }
    }
  });

  it('gather with non-contiguous input and index, int32 input', () => {
    const [x, r] = base([6, 4]);
    const xt = x.T; // [4, 6]
    const idx = randInts(4 * 3, 0, 6);
    const it = I(idx, [3, 4]).T; // [4, 3], non-contiguous
    const itv = Int32Array.from({ length: 12 }, (_, k) => idx[(k % 3) * 4 + Math.floor(k / 3)]);
    expectTensorClose(tl.gather(xt, 1, it), gatherRef(permute(r, [1, 0]), 1, itv, [4, 3]), EXACT);
    const xi = I([10, 20, 30, 40], [2, 2]);
    const g = tl.gather(xi, 1, I([1, 1, 0, 1], [2, 2]));
    expect(g.dtype).toBe('int32');
    expect(g.toArray()).toEqual([[20, 20], [30, 40]]);
  });

  it('indexSelect against a reference: random indices (repeats), every dim, non-contiguous x', () => {
    for (let trial = 0; trial < 8; trial++) {
      const shape = [randInt(1, 6), randInt(1, 6), randInt(1, 6)];
      const [x, r] = base(shape);
      for (let dim = 0; dim < 3; dim++) {
        const idx = randInts(randInt(0, 9), 0, shape[dim]);
        expectTensorClose(tl.indexSelect(x, dim, I(idx)), selectRef(r, dim, Array.from(idx)), EXACT, `indexSelect dim ${dim}`);
        const xp = x.permute([2, 1, 0]);
        expectTensorClose(xp.indexSelect(2 - dim, I(idx)), selectRef(permute(r, [2, 1, 0]), 2 - dim, Array.from(idx)), EXACT);
      }
    }
    expect(tl.indexSelect(tl.tensor([[1, 2], [3, 4]]), 0, I([1], [])).toArray()).toEqual([[3, 4]]);
  });

  it('out-of-range, negative and non-int32 indices are refused', () => {
    const x = tl.tensor([[1, 2], [3, 4]]);
    expect(() => tl.gather(x, 1, I([0, 2], [2, 1]))).toThrow(RangeError);
    expect(() => tl.gather(x, 1, I([0, -1], [2, 1]))).toThrow(/^gather: index -1 is out of range/);
    expect(() => tl.gather(x, 0, I([2147483647], [1, 1]))).toThrow(RangeError);
    expect(() => tl.gather(x, 1, tl.tensor([[0], [1]]))).toThrow(TypeError);
    expect(() => tl.gather(x, 2, I([0], [1, 1]))).toThrow(RangeError);
    expect(() => tl.gather(x, 1, I([0, 1]))).toThrow(RangeError); // index rank differs
    expect(() => tl.gather(x, 0, I([0, 0, 0], [1, 3]))).toThrow(RangeError); // larger than input at dim 1
    expect(() => tl.indexSelect(x, 0, I([2]))).toThrow(/^indexSelect: /);
    expect(() => tl.indexSelect(x, 1, I([-1]))).toThrow(RangeError);
    expect(() => tl.indexSelect(x, 0, I([0], [1, 1]))).toThrow(RangeError);
    expect(() => tl.indexSelect(x, 0, tl.tensor([0]))).toThrow(TypeError);
    expect(() => tl.indexSelect(tl.tensor(1), 0, I([0]))).toThrow(RangeError);
  });
});
