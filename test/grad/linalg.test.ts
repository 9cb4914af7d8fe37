// Gradient checks of matmul (2-D, 1-D operands, batched with broadcasting) and linear.
import { describe, it } from 'vitest';
import * as tl from '../../lib/index.js';
import { GRAD_LAYOUTS, checkGrad, drawValues, rshape, useSeedPerTest } from '../helpers/gradcheck.js';
import { type Ref, matmul } from '../helpers/ref.js';
import * as R from '../helpers/ref64.js';

useSeedPerTest();

/** NumPy matmul semantics on float64 refs: 1-D operands become row / column vectors. */
function matmulRef(a: Ref, b: Ref): Ref {
  const a2 = a.shape.length === 1 ? { data: a.data, shape: [1, a.shape[0]] } : a;
  const b2 = b.shape.length === 1 ? { data: b.data, shape: [b.shape[0], 1] } : b;
  const out = matmul(a2, b2);
  let shape = out.shape;
  if (a.shape.length === 1) shape = [...shape.slice(0, -2), shape[shape.length - 1]];
  if (b.shape.length === 1) shape = shape.slice(0, -1);
  return { data: out.data, shape };
}

describe('matmul', () => {
  it('2-D, 1-D and batched operands with broadcast batch dims', () => {
    const [m, k, n, b, c] = rshape([1, 4], [1, 5], [1, 4], [2, 3], [2, 3]);
    const cases: [number[], number[]][] = [
      [[m, k], [k, n]],
      [[k], [k]],
      [[k], [k, n]],
      [[m, k], [k]],
      [[b, m, k], [k]],
      [[k], [b, k, n]],
      [[b, m, k], [b, k, n]],
      [[b, m, k], [k, n]],
      [[m, k], [b, k, n]],
      [[b, 1, m, k], [c, k, n]],
      [[1, c, m, k], [b, 1, k, n]],
    ];
    for (const [sa, sb] of cases)
      for (const layout of ['contiguous', 'transposed'] as const)
        for (const gradLayout of GRAD_LAYOUTS) {
          const lay = (s: number[]) => (layout === 'transposed' && s.length >= 2 ? layout : 'contiguous');
          checkGrad({
            what: `matmul [${sa}] @ [${sb}] ${layout}`,
            inputs: [{ shape: sa, layout: lay(sa), name: 'a' }, { shape: sb, layout: lay(sb), name: 'b' }],
            ref: ([a, bb]) => matmulRef(R.r64(a, sa), R.r64(bb, sb)),
            op: ([a, bb]) => tl.matmul(a, bb),
            gradLayout,
          });
        }
  });

  it('one operand constant; the method form; x @ x (a tensor used twice)', () => {
    const [m, k] = rshape([2, 5], [2, 5]);
    checkGrad({
      inputs: [{ shape: [m, k], name: 'a' }, { shape: [k, m], grad: false, name: 'b' }],
      ref: ([a, b]) => matmulRef(R.r64(a, [m, k]), R.r64(b, [k, m])),
      op: ([a, b]) => a.matmul(b),
    });
    checkGrad({
      inputs: [{ shape: [k, k] }],
      ref: ([a]) => matmulRef(R.r64(a, [k, k]), R.r64(a, [k, k])),
      op: ([a]) => a.matmul(a),
    });
  });

  it('larger sizes (blocked GEMM paths)', () => {
    const [m, k, n] = rshape([17, 33], [17, 40], [9, 20]);
    checkGrad({
      inputs: [{ shape: [m, k], name: 'a' }, { shape: [k, n], name: 'b', layout: 'transposed' }],
      ref: ([a, b]) => matmulRef(R.r64(a, [m, k]), R.r64(b, [k, n])),
      op: ([a, b]) => tl.matmul(a, b),
    });
  });
});

describe('linear', () => {
  it('with and without bias, 1-D, 2-D and 3-D input, non-contiguous input and weight', () => {
    const [inF, outF, n, t] = rshape([1, 6], [1, 5], [1, 4], [2, 3]);
    for (const xShape of [[inF], [n, inF], [n, t, inF]])
      for (const withBias of [true, false])
        for (const layout of ['contiguous', 'transposed'] as const)
          for (const gradLayout of GRAD_LAYOUTS) {
            const lay = (s: number[]) => (layout === 'transposed' && s.length >= 2 ? layout : 'contiguous');
            checkGrad({
              what: `linear x [${xShape}] bias ${withBias} ${layout}`,
              inputs: [
                { shape: xShape, layout: lay(xShape), name: 'x' },
                { shape: [outF, inF], layout: lay([outF, inF]), name: 'weight' },
                ...(withBias ? [{ shape: [outF], name: 'bias' }] : []),
              ],
              ref: ([x, w, b]) => R.linear(R.r64(x, xShape), R.r64(w, [outF, inF]), withBias ? R.r64(b, [outF]) : null),
              op: ([x, w, b]) => tl.linear(x, w, withBias ? b : null),
              gradLayout,
            });
          }
  });

  it("with a fused activation ('relu', 'sigmoid', 'tanh')", () => {
    const ACTS = { relu: (v: number) => Math.max(v, 0), sigmoid: R.sigmoid, tanh: Math.tanh } as const;
    let k = 0;
    for (const act of ['relu', 'sigmoid', 'tanh'] as const)
      for (const xShape of [[3, 4], [2, 3, 4]])
        for (const withBias of [true, false]) {
          const [inF, outF] = [xShape[xShape.length - 1], rshape([2, 5])[0]];
          // relu: redraw until no pre-activation is within 1e-3 of the kink
          let xv: Float32Array, wv: Float32Array, bv: Float32Array;
          for (let tries = 0; ; tries++) {
            xv = drawValues({ shape: xShape }), wv = drawValues({ shape: [outF, inF] }), bv = drawValues({ shape: [outF] });
            const pre = R.linear(R.r64(xv, xShape), R.r64(wv, [outF, inF]), withBias ? R.r64(bv, [outF]) : null).data;
            if (act !== 'relu' || pre.every((v) => Math.abs(v) > 1e-3) || tries > 100) break;
          }
          const layout = k % 2 ? 'transposed' : 'contiguous';
          checkGrad({
            what: `linear + ${act} x [${xShape}] bias ${withBias} ${layout}`,
            inputs: [
              { shape: xShape, values: xv, layout, name: 'x' },
              { shape: [outF, inF], values: wv, name: 'weight' },
              ...(withBias ? [{ shape: [outF], values: bv, name: 'bias' }] : []),
            ],
            ref: ([x, w, b]) => {
              const y = R.linear(R.r64(x, xShape), R.r64(w, [outF, inF]), withBias ? R.r64(b, [outF]) : null);
              return { data: y.data.map(ACTS[act]), shape: y.shape };
            },
            op: ([x, w, b]) => tl.linear(x, w, withBias ? b : null, act),
            gradLayout: GRAD_LAYOUTS[k++ % 3],
          });
        }
  });

  it('only the weight requires grad (frozen input), and only the bias', () => {
    const [inF, outF, n] = rshape([2, 5], [2, 5], [2, 4]);
    checkGrad({
      inputs: [{ shape: [n, inF], grad: false, name: 'x' }, { shape: [outF, inF], name: 'weight' }, { shape: [outF], grad: false, name: 'bias' }],
      ref: ([x, w, b]) => R.linear(R.r64(x, [n, inF]), R.r64(w, [outF, inF]), R.r64(b, [outF])),
      op: ([x, w, b]) => tl.linear(x, w, b),
    });
    checkGrad({
      inputs: [{ shape: [n, inF], grad: false, name: 'x' }, { shape: [outF, inF], grad: false, name: 'weight' }, { shape: [outF], name: 'bias' }],
      ref: ([x, w, b]) => R.linear(R.r64(x, [n, inF]), R.r64(w, [outF, inF]), R.r64(b, [outF])),
      op: ([x, w, b]) => tl.linear(x, w, b),
    });
  });
});
