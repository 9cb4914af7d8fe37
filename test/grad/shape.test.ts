// Gradient checks of shape and indexing ops: reshape transpose permute squeeze unsqueeze
// flatten expand slice contiguous clone cat stack gather indexSelect embedding.
import { describe, it } from 'vitest';
import * as tl from '../../lib/index.js';
import { GRAD_LAYOUTS, checkGrad, numel, rshape, useSeedPerTest } from '../helpers/gradcheck.js';
import { randInt, randInts } from '../helpers/random.js';
import { permute, unravel } from '../helpers/ref.js';
import * as R from '../helpers/ref64.js';

useSeedPerTest();

const LAYOUTS = ['contiguous', 'transposed', 'strided'] as const;
// Each check backpropagates a gradient of the next layout in turn (contiguous, a transposed
// view, a stride-0 expanded view) into the op's backward.
let turn = 0;
const nextGradLayout = () => GRAD_LAYOUTS[turn++ % GRAD_LAYOUTS.length];

describe('view and layout ops', () => {
  it('reshape (with -1) and view', () => {
    for (const layout of LAYOUTS) {
      const [a, b, c] = rshape([2, 3], [2, 4], [2, 3]);
      checkGrad({
        what: `reshape ${layout}`,
        inputs: [{ shape: [a, b, c], layout }],
        ref: ([x]) => [R.r64(x, [a * b, c]), R.r64(x, [c, a * b])],
        op: ([x]) => [x.reshape([-1, c]), tl.reshape(x, [c, -1])],
        gradLayout: nextGradLayout(),
      });
    }
  });

  it('transpose and .T', () => {
    for (const layout of LAYOUTS) {
      const s = rshape([2, 3], [2, 4], [2, 5]);
      checkGrad({
        what: `transpose ${layout}`,
        inputs: [{ shape: s, layout }],
        ref: ([x]) => [permute(R.r64(x, s), [2, 1, 0]), permute(R.r64(x, s), [0, 2, 1]), permute(R.r64(x, s), [1, 0, 2])],
        op: ([x]) => [tl.transpose(x, 0, 2), x.T, x.transpose(-3, -2)],
        gradLayout: nextGradLayout(),
      });
    }
  });

  it('permute (negative dims too)', () => {
    for (const layout of LAYOUTS) {
      const s = rshape([2, 3], [1, 3], [2, 4], [2, 3]);
      for (const dims of [[3, 1, 0, 2], [0, 2, 3, 1], [-1, -2, -3, -4]]) {
        const pos = dims.map((d) => (d < 0 ? d + 4 : d));
        checkGrad({
          what: `permute ${dims} ${layout}`,
          inputs: [{ shape: s, layout }],
          ref: ([x]) => permute(R.r64(x, s), pos),
          op: ([x]) => x.permute(dims),
          gradLayout: nextGradLayout(),
        });
      }
    }
  });

  it('squeeze (all, one dim, a list) and unsqueeze (each position)', () => {
    const [a, b] = rshape([2, 4], [2, 4]);
    const s = [a, 1, b, 1];
    checkGrad({
      inputs: [{ shape: s }],
      ref: ([x]) => [R.r64(x, [a, b]), R.r64(x, [a, b, 1]), R.r64(x, [a, b]), R.r64(x, s)],
      op: ([x]) => [x.squeeze(), tl.squeeze(x, 1), x.squeeze([1, -1]), x.squeeze(0)],
      gradLayout: nextGradLayout(),
    });
    for (const layout of ['contiguous', 'transposed'] as const)
      checkGrad({
        inputs: [{ shape: [a, b], layout }],
        ref: ([x]) => [R.r64(x, [1, a, b]), R.r64(x, [a, 1, b]), R.r64(x, [a, b, 1]), R.r64(x, [a, 1, b])],
        op: ([x]) => [x.unsqueeze(0), tl.unsqueeze(x, 1), x.unsqueeze(2), x.unsqueeze(-2)],
        gradLayout: nextGradLayout(),
      });
  });

  it('flatten (all, a range, the default startDim)', () => {
    for (const layout of LAYOUTS) {
      const [a, b, c, d] = rshape([2, 3], [2, 3], [2, 3], [2, 3]);
      checkGrad({
        what: `flatten ${layout}`,
        inputs: [{ shape: [a, b, c, d], layout }],
        ref: ([x]) => [R.r64(x, [a * b * c * d]), R.r64(x, [a, b * c, d]), R.r64(x, [a, b, c * d])],
        op: ([x]) => [x.flatten(), tl.flatten(x, 1, 2), x.flatten(2)],
        gradLayout: nextGradLayout(),
      });
    }
  });

  it('expand (size-1 dims, -1, new leading dims): gradients sum over the copies', () => {
    const [a, b, c] = rshape([2, 4], [2, 4], [2, 3]);
    checkGrad({
      inputs: [{ shape: [a, 1] }],
      ref: ([x]) => [R.broadcastTo(R.r64(x, [a, 1]), [a, b]), R.broadcastTo(R.r64(x, [a, 1]), [c, a, b])],
      op: ([x]) => [x.expand([-1, b]), tl.expand(x, [c, a, b])],
      gradLayout: nextGradLayout(),
    });
    checkGrad({
      inputs: [{ shape: [1, b], layout: 'strided' }],
      ref: ([x]) => R.broadcastTo(R.r64(x, [1, b]), [c, a, b]),
      op: ([x]) => x.expand([c, a, b]),
      gradLayout: nextGradLayout(),
    });
  });

  it('float() / cast to float32 passes the gradient through', () => {
    const s = rshape([2, 4], [2, 4]);
    checkGrad({
      inputs: [{ shape: s, layout: 'transposed' }],
      ref: ([x]) => [R.r64(x, s), R.r64(x, s)],
      op: ([x]) => [x.float(), tl.cast(x, 'float32')],
      gradLayout: nextGradLayout(),
    });
  });

  it('contiguous and clone of non-contiguous views', () => {
    for (const layout of ['transposed', 'strided'] as const) {
      const s = rshape([2, 4], [2, 5]);
      checkGrad({
        inputs: [{ shape: s, layout }],
        ref: ([x]) => [R.r64(x, s), R.r64(x, s)],
        op: ([x]) => [x.contiguous(), tl.clone(x)],
        gradLayout: nextGradLayout(),
      });
    }
  });
});

/** Python-style slice indices of a dim of size n. */
function sliceIdx(n: number, start: number | null, end: number | null, step: number): number[] {
  const norm = (v: number | null, dflt: number) => (v === null ? dflt : Math.min(Math.max(v < 0 ? v + n : v, 0), n));
  const out: number[] = [];
  for (let i = norm(start, 0); i < norm(end, n); i += step) out.push(i);
  return out;
}

describe('slice', () => {
  it('with steps, negative and open bounds, on every dim', () => {
    for (const layout of LAYOUTS) {
      const s = rshape([3, 6], [4, 7], [3, 6]);
      const cases: [number, number | null, number | null, number][] = [
        [0, 1, null, 1],
        [1, -5, -1, 2],
        [2, null, -2, 1],
        [-1, 0, null, 3],
        [1, -100, 100, 2],
        [-2, 2, 3, 1],
      ];
      for (const [dim, start, end, step] of cases)
        for (const gradLayout of GRAD_LAYOUTS) {
          const d = dim < 0 ? dim + 3 : dim;
          const idx = sliceIdx(s[d], start, end, step);
          const outShape = s.map((v, k) => (k === d ? idx.length : v));
          checkGrad({
            what: `slice(${dim}, ${start}, ${end}, ${step}) of [${s}] ${layout}`,
            inputs: [{ shape: s, layout }],
            ref: ([x]) => R.pick(R.r64(x, s), outShape, (i) => R.ravel(i.map((v, k) => (k === d ? idx[v] : v)), s)),
            op: ([x]) => x.slice(dim, start, end, step),
            gradLayout,
          });
        }
    }
  });

  it('overlapping slices of one tensor accumulate', () => {
    const n = rshape([5, 9])[0];
    checkGrad({
      inputs: [{ shape: [n] }],
      ref: ([x]) => {
        const a = sliceIdx(n, 0, -1, 1), b = sliceIdx(n, 1, null, 2);
        return [R.pick(R.r64(x, [n]), [a.length], ([i]) => a[i]), R.pick(R.r64(x, [n]), [b.length], ([i]) => b[i])];
      },
      op: ([x]) => [x.slice(0, 0, -1), tl.slice(x, 0, 1, null, 2)],
      gradLayout: nextGradLayout(),
    });
  });
});

describe('cat and stack', () => {
  it('cat along each dim (negative too) with different sizes', () => {
    for (const dim of [0, 1, 2, -1]) {
      const base = rshape([2, 3], [2, 4], [2, 3]);
      const d = dim < 0 ? dim + 3 : dim;
      const sizes = [randInt(1, 4), randInt(1, 4), randInt(1, 4)];
      const shapes = sizes.map((k) => base.map((v, j) => (j === d ? k : v)));
      const outShape = base.map((v, j) => (j === d ? sizes[0] + sizes[1] + sizes[2] : v));
      checkGrad({
        what: `cat dim ${dim}`,
        inputs: shapes.map((s, i) => ({ shape: s, layout: i === 1 && s[1] > 1 && s[2] > 1 ? ('transposed' as const) : ('contiguous' as const) })),
        ref: (xs) => {
          const parts = xs.map((x, i) => R.r64(x, shapes[i]));
          return {
            data: Float64Array.from({ length: numel(outShape) }, (_, flat) => {
              const idx = unravel(flat, outShape);
              let k = 0, at = idx[d];
              while (at >= sizes[k]) at -= sizes[k++];
              const src = idx.map((v, j) => (j === d ? at : v));
              return parts[k].data[R.ravel(src, shapes[k])];
            }),
            shape: outShape,
          };
        },
        op: (ts) => tl.cat(ts, dim),
        gradLayout: nextGradLayout(),
      });
    }
  });

  it('cat of tensors of which only some require grad', () => {
    const [a, b] = rshape([1, 3], [2, 4]);
    checkGrad({
      inputs: [{ shape: [a, b], name: 'x' }, { shape: [2, b], grad: false, name: 'const' }, { shape: [a, b], name: 'y' }],
      ref: ([x, c, y]) => R.r64([...x, ...c, ...y], [2 * a + 2, b]),
      op: ([x, c, y]) => tl.cat([x, c, y]),
      gradLayout: nextGradLayout(),
    });
  });

  it('cat with an empty 1-D tensor among the parts', () => {
    const [a, b] = rshape([1, 4], [1, 4]);
    checkGrad({
      inputs: [{ shape: [a], name: 'x' }, { shape: [0], name: 'empty' }, { shape: [b], name: 'y' }],
      ref: ([x, , y]) => R.r64([...x, ...y], [a + b]),
      op: ([x, e, y]) => tl.cat([x, e, y]),
    });
  });

  it('stack at each position', () => {
    for (const dim of [0, 1, 2, -1]) {
      const s = rshape([2, 3], [2, 4]);
      const k = randInt(2, 4);
      const d = dim < 0 ? dim + 3 : dim;
      const outShape = [...s];
      outShape.splice(d, 0, k);
      checkGrad({
        what: `stack dim ${dim}`,
        inputs: Array.from({ length: k }, (_, i) => ({ shape: s, layout: i === 0 ? ('transposed' as const) : ('contiguous' as const) })),
        ref: (xs) => ({
          data: Float64Array.from({ length: numel(outShape) }, (_, flat) => {
            const idx = unravel(flat, outShape);
            const which = idx[d];
            const src = idx.filter((_, j) => j !== d);
            return xs[which][R.ravel(src, s)];
          }),
          shape: outShape,
        }),
        op: (ts) => tl.stack(ts, dim),
        gradLayout: nextGradLayout(),
      });
    }
  });
});

describe('indexing', () => {
  it('gather along each dim, with repeated indices (gradients accumulate)', () => {
    for (const dim of [0, 1, 2, -1]) {
      const s = rshape([2, 4], [2, 4], [2, 4]);
      const d = dim < 0 ? dim + 3 : dim;
      // index: same rank, size <= x's in the other dims, any size along dim
      const is = s.map((v, j) => (j === d ? randInt(1, 2 * v + 1) : randInt(1, v + 1)));
      const index = randInts(numel(is), 0, s[d]);
      checkGrad({
        what: `gather dim ${dim}`,
        inputs: [{ shape: s, layout: d === 0 ? 'transposed' : 'contiguous' }],
        ref: ([x]) => R.pick(R.r64(x, s), is, (idx) => R.ravel(idx.map((v, j) => (j === d ? index[R.ravel(idx, is)] : v)), s)),
        op: ([x]) => x.gather(dim, tl.tensor(index, { shape: is })),
        gradLayout: nextGradLayout(),
      });
    }
  });

  it('indexSelect along each dim, with repeated indices', () => {
    for (const dim of [0, 1, -1]) {
      const s = rshape([2, 4], [2, 4], [2, 3]);
      const d = dim < 0 ? dim + 3 : dim;
      const k = randInt(2, 7);
      const index = randInts(k, 0, s[d]);
      index[k - 1] = index[0]; // at least one repeat
      const outShape = s.map((v, j) => (j === d ? k : v));
      checkGrad({
        what: `indexSelect dim ${dim}`,
        inputs: [{ shape: s, layout: 'strided' }],
        ref: ([x]) => R.pick(R.r64(x, s), outShape, (idx) => R.ravel(idx.map((v, j) => (j === d ? index[v] : v)), s)),
        op: ([x]) => tl.indexSelect(x, dim, tl.tensor(index)),
        gradLayout: nextGradLayout(),
      });
    }
  });

  it('non-contiguous int32 indices (a transposed gather index, a strided indexSelect index)', () => {
    const [a, b] = rshape([2, 4], [3, 5]);
    // gather along dim 1 with an index [a, k] given as the transpose of a [k, a] tensor
    const k = rshape([2, 4])[0];
    const idxT = randInts(k * a, 0, b); // [k, a] row-major
    const idx = Int32Array.from({ length: a * k }, (_, f) => idxT[(f % k) * a + Math.floor(f / k)]); // [a, k]
    checkGrad({
      what: 'gather with a transposed index',
      inputs: [{ shape: [a, b] }],
      ref: ([x]) => R.pick(R.r64(x, [a, b]), [a, k], ([i, j]) => i * b + idx[i * k + j]),
      op: ([x]) => x.gather(1, tl.tensor(idxT, { shape: [k, a] }).transpose(0, 1)),
      gradLayout: nextGradLayout(),
    });
    // indexSelect along dim 0 with every second element of a wider index
    const n = rshape([3, 6])[0];
    const wide = randInts(2 * n, 0, a);
    const sel = Int32Array.from({ length: n }, (_, i) => wide[2 * i]);
    checkGrad({
      what: 'indexSelect with a strided index',
      inputs: [{ shape: [a, b] }],
      ref: ([x]) => R.pick(R.r64(x, [a, b]), [n, b], ([i, j]) => sel[i] * b + j),
      op: ([x]) => tl.indexSelect(x, 0, tl.tensor(wide).slice(0, 0, null, 2)),
      gradLayout: nextGradLayout(),
    });
  });

  it('embedding with repeated indices of any shape: rows accumulate', () => {
    const [n, dim] = rshape([3, 6], [2, 5]);
    const is = rshape([1, 3], [2, 5]);
    const index = randInts(numel(is), 0, n);
    index[index.length - 1] = index[0];
    checkGrad({
      inputs: [{ shape: [n, dim], name: 'weight' }],
      ref: ([w]) => R.pick(R.r64(w, [n, dim]), [...is, dim], (idx) => index[R.ravel(idx.slice(0, -1), is)] * dim + idx[idx.length - 1]),
      op: ([w]) => tl.embedding(w, tl.tensor(index, { shape: is })),
      gradLayout: nextGradLayout(),
    });
  });
});
