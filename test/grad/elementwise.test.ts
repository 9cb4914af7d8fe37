// Gradient checks of the elementwise ops (unary math, activations, binary arithmetic with
// broadcasting and scalars, clamp, where) against float64 references by finite differences.
import { describe, it } from 'vitest';
import * as tl from '../../lib/index.js';
import type { Tensor } from '../../lib/index.js';
import { GRAD_LAYOUTS, type GradInput, checkGrad, numel, rshape, useSeedPerTest } from '../helpers/gradcheck.js';
import { randInt, randInts, uniform } from '../helpers/random.js';
import { map, zip, zip3 } from '../helpers/ref.js';
import * as R from '../helpers/ref64.js';

useSeedPerTest();

const f32 = Math.fround;
const LAYOUTS = ['contiguous', 'transposed', 'strided'] as const;

interface UnaryCase {
  name: string;
  fn: (x: Tensor) => Tensor;
  ref: (x: number) => number;
  lo: number;
  hi: number;
  avoid?: number[];
}

const UNARY: UnaryCase[] = [
  { name: 'neg', fn: tl.neg, ref: (x) => -x, lo: -2, hi: 2 },
  { name: 'abs', fn: tl.abs, ref: Math.abs, lo: -2, hi: 2, avoid: [0] },
  { name: 'square', fn: tl.square, ref: (x) => x * x, lo: -2, hi: 2 },
  { name: 'exp', fn: tl.exp, ref: Math.exp, lo: -3, hi: 3 },
  { name: 'log', fn: tl.log, ref: Math.log, lo: 0.2, hi: 4 },
  { name: 'sqrt', fn: tl.sqrt, ref: Math.sqrt, lo: 0.2, hi: 4 },
  { name: 'rsqrt', fn: tl.rsqrt, ref: (x) => 1 / Math.sqrt(x), lo: 0.2, hi: 4 },
  { name: 'reciprocal', fn: tl.reciprocal, ref: (x) => 1 / x, lo: 0.3, hi: 3 },
  { name: 'reciprocal (negative)', fn: tl.reciprocal, ref: (x) => 1 / x, lo: -3, hi: -0.3 },
  { name: 'log1p', fn: tl.log1p, ref: Math.log1p, lo: -0.7, hi: 3 },
  { name: 'expm1', fn: tl.expm1, ref: Math.expm1, lo: -3, hi: 3 },
  { name: 'sin', fn: tl.sin, ref: Math.sin, lo: -4, hi: 4 },
  { name: 'cos', fn: tl.cos, ref: Math.cos, lo: -4, hi: 4 },
  { name: 'erf', fn: tl.erf, ref: R.erf, lo: -2.5, hi: 2.5 },
  { name: 'relu', fn: tl.relu, ref: (x) => Math.max(x, 0), lo: -2, hi: 2, avoid: [0] },
  { name: 'leakyRelu', fn: (x) => tl.leakyRelu(x), ref: (x) => (x > 0 ? x : f32(0.01) * x), lo: -2, hi: 2, avoid: [0] },
  { name: 'leakyRelu(0.2)', fn: (x) => tl.leakyRelu(x, 0.2), ref: (x) => (x > 0 ? x : f32(0.2) * x), lo: -2, hi: 2, avoid: [0] },
  { name: 'gelu', fn: (x) => tl.gelu(x), ref: R.gelu, lo: -3, hi: 3 },
  { name: "gelu('tanh')", fn: (x) => tl.gelu(x, 'tanh'), ref: R.geluTanh, lo: -3, hi: 3 },
  { name: 'sigmoid', fn: tl.sigmoid, ref: R.sigmoid, lo: -4, hi: 4 },
  { name: 'tanh', fn: tl.tanh, ref: Math.tanh, lo: -2.5, hi: 2.5 },
  { name: 'silu', fn: tl.silu, ref: (x) => x * R.sigmoid(x), lo: -4, hi: 4 },
  { name: 'softplus', fn: (x) => tl.softplus(x), ref: (x) => R.softplus(x), lo: -4, hi: 4 },
  // beta 2, threshold 3: x > 1.5 is the linear branch (avoid the switch point)
  { name: 'softplus(2, 3)', fn: (x) => tl.softplus(x, 2, 3), ref: (x) => R.softplus(x, 2, 3), lo: -3, hi: 3, avoid: [1.5] },
  { name: 'elu', fn: (x) => tl.elu(x), ref: (x) => (x > 0 ? x : Math.expm1(x)), lo: -3, hi: 2, avoid: [0] },
  { name: 'elu(0.5)', fn: (x) => tl.elu(x, 0.5), ref: (x) => (x > 0 ? x : f32(0.5) * Math.expm1(x)), lo: -3, hi: 2, avoid: [0] },
  { name: 'pow(x, 2)', fn: (x) => tl.pow(x, 2), ref: (x) => x * x, lo: -2, hi: 2 },
  { name: 'pow(x, 3)', fn: (x) => tl.pow(x, 3), ref: (x) => x ** 3, lo: -2, hi: 2 },
  { name: 'pow(x, 0.5)', fn: (x) => tl.pow(x, 0.5), ref: Math.sqrt, lo: 0.2, hi: 3 },
  { name: 'pow(x, -1)', fn: (x) => tl.pow(x, -1), ref: (x) => 1 / x, lo: 0.3, hi: 3 },
  { name: 'pow(x, 2.5)', fn: (x) => tl.pow(x, 2.5), ref: (x) => x ** 2.5, lo: 0.2, hi: 2 },
  { name: 'pow(x, -1.5)', fn: (x) => tl.pow(x, -1.5), ref: (x) => x ** -1.5, lo: 0.3, hi: 2 },
  { name: 'x.pow(0)', fn: (x) => x.pow(0), ref: () => 1, lo: -2, hi: 2 },
  { name: 'pow(2.5, x)', fn: (x) => tl.pow(2.5, x), ref: (x) => 2.5 ** x, lo: -2, hi: 2 },
  { name: 'pow(0.7, x)', fn: (x) => tl.pow(0.7, x), ref: (x) => f32(0.7) ** x, lo: -2, hi: 2 },
  { name: 'clamp(-0.5, 0.6)', fn: (x) => tl.clamp(x, -0.5, 0.6), ref: (x) => Math.min(Math.max(x, f32(-0.5)), f32(0.6)), lo: -1.5, hi: 1.5, avoid: [-0.5, 0.6] },
  { name: 'clamp(null, 0.2)', fn: (x) => tl.clamp(x, null, 0.2), ref: (x) => Math.min(x, f32(0.2)), lo: -1.5, hi: 1.5, avoid: [0.2] },
  { name: 'clamp(-0.3)', fn: (x) => x.clamp(-0.3), ref: (x) => Math.max(x, f32(-0.3)), lo: -1.5, hi: 1.5, avoid: [-0.3] },
  { name: 'mul(x, 3) + 1 (scalar ops)', fn: (x) => tl.add(tl.mul(x, 3), 1), ref: (x) => 3 * x + 1, lo: -2, hi: 2 },
  { name: 'sub(1, x) / 2', fn: (x) => tl.div(tl.sub(1, x), 2), ref: (x) => (1 - x) / 2, lo: -2, hi: 2 },
  { name: 'div(1.5, x)', fn: (x) => tl.div(1.5, x), ref: (x) => 1.5 / x, lo: 0.4, hi: 2 },
  { name: 'maximum(x, 0.3)', fn: (x) => tl.maximum(x, 0.3), ref: (x) => Math.max(x, f32(0.3)), lo: -1, hi: 1, avoid: [0.3] },
  { name: 'minimum(0.3, x)', fn: (x) => tl.minimum(0.3, x), ref: (x) => Math.min(x, f32(0.3)), lo: -1, hi: 1, avoid: [0.3] },
  { name: 'atan2(x, 0.5)', fn: (x) => tl.atan2(x, 0.5), ref: (x) => Math.atan2(x, 0.5), lo: -2, hi: 2 },
  { name: 'atan2(-0.5, x)', fn: (x) => tl.atan2(-0.5, x), ref: (x) => Math.atan2(-0.5, x), lo: -2, hi: 2 },
];

describe('unary ops: gradient vs float64 finite differences', () => {
  for (const c of UNARY)
    it(c.name, () => {
      for (const layout of LAYOUTS)
        for (const gradLayout of GRAD_LAYOUTS) {
          const shape = rshape([1, 3], [2, 4], [2, 5]);
          checkGrad({
            what: `${c.name} [${shape}] ${layout}`,
            inputs: [{ shape, lo: c.lo, hi: c.hi, avoid: c.avoid, layout }],
            ref: ([x]) => map(R.r64(x, shape), c.ref),
            op: ([x]) => c.fn(x),
            gradLayout,
          });
        }
    });
});

// Values on two interleaved lattices (0.2 k + 0.05 and 0.2 k + 0.15, jittered by < 0.03):
// an `a` value and a `b` value are never within 0.04, so maximum/minimum never tie.
const lattice = (offset: number) => (n: number) =>
  Float32Array.from({ length: n }, () => 0.2 * randInt(-6, 6) + offset + uniform(1, -0.03, 0.03)[0]);

interface BinaryCase {
  name: string;
  fn: (a: Tensor, b: Tensor) => Tensor;
  ref: (a: number, b: number) => number;
  a: Omit<GradInput, 'shape'>;
  b: Omit<GradInput, 'shape'>;
  latticeA?: (n: number) => Float32Array;
  latticeB?: (n: number) => Float32Array;
}

const BINARY: BinaryCase[] = [
  { name: 'add', fn: tl.add, ref: (a, b) => a + b, a: {}, b: {} },
  { name: 'sub', fn: tl.sub, ref: (a, b) => a - b, a: {}, b: {} },
  { name: 'mul', fn: tl.mul, ref: (a, b) => a * b, a: { lo: -2, hi: 2 }, b: { lo: -2, hi: 2 } },
  { name: 'div', fn: tl.div, ref: (a, b) => a / b, a: { lo: -2, hi: 2 }, b: { lo: -2, hi: 2, minAbs: 0.5 } },
  { name: 'pow', fn: tl.pow, ref: (a, b) => a ** b, a: { lo: 0.3, hi: 2 }, b: { lo: -2, hi: 2 } },
  { name: 'maximum', fn: tl.maximum, ref: Math.max, a: {}, b: {}, latticeA: lattice(0.05), latticeB: lattice(0.15) },
  { name: 'minimum', fn: tl.minimum, ref: Math.min, a: {}, b: {}, latticeA: lattice(0.05), latticeB: lattice(0.15) },
  { name: 'atan2', fn: tl.atan2, ref: Math.atan2, a: { lo: -2, hi: 2, minAbs: 0.3 }, b: { lo: -2, hi: 2, minAbs: 0.3 } },
  { name: 'method chain a.mul(b).add(a)', fn: (a, b) => a.mul(b).add(a), ref: (a, b) => a * b + a, a: {}, b: {} },
];

// Broadcast shape pairs ([3,1,4] op [5,1] style), drawn fresh each run.
function shapePairs(): [number[], number[]][] {
  const [p, q, r] = rshape([2, 4], [2, 4], [2, 5]);
  return [
    [[p, q], [p, q]],
    [[p, 1, r], [q, 1]],
    [[q, r], [r]],
    [[p, 1], [1, r]],
    [[r], [p, q, r]],
    [[p, q], []],
    [[], [q, p]],
  ];
}

describe('binary ops: gradients w.r.t. both operands, with broadcasting', () => {
  for (const c of BINARY)
    it(c.name, () => {
      for (const [sa, sb] of shapePairs())
        for (const layout of ['contiguous', 'transposed'] as const)
          for (const gradLayout of GRAD_LAYOUTS) {
            const lay = (s: number[]) => (layout === 'transposed' && s.length >= 2 ? layout : 'contiguous');
            checkGrad({
              what: `${c.name} [${sa}] op [${sb}] ${layout}`,
              inputs: [
                { shape: sa, ...c.a, values: c.latticeA?.(numel(sa)), layout: lay(sa), name: 'a' },
                { shape: sb, ...c.b, values: c.latticeB?.(numel(sb)), layout: lay(sb), name: 'b' },
              ],
              ref: ([a, b]) => zip(R.r64(a, sa), R.r64(b, sb), c.ref),
              op: ([a, b]) => c.fn(a, b),
              gradLayout,
            });
          }
    });

  it('one operand without requiresGrad gets no gradient, the other the right one', () => {
    const s = rshape([2, 4], [2, 4]);
    checkGrad({
      inputs: [{ shape: s, name: 'a' }, { shape: [s[1]], grad: false, name: 'b' }],
      ref: ([a, b]) => zip(R.r64(a, s), R.r64(b, [s[1]]), (x, y) => x * y),
      op: ([a, b]) => tl.mul(a, b),
    });
  });
});

describe('where', () => {
  it('condition broadcast against both branches; gradients to the chosen branch only', () => {
    const [p, q, r] = rshape([2, 4], [2, 4], [2, 4]);
    const cases: [number[], number[], number[]][] = [
      [[p, q], [p, q], [p, q]],
      [[p, 1, r], [q, r], [p, q, 1]],
      [[q, r], [r], [q, 1]],
    ];
    for (const [sc, sa, sb] of cases) {
      const cond = randInts(numel(sc), 0, 2);
      const cRef = R.r64(cond, sc);
      checkGrad({
        what: `where [${sc}] [${sa}] [${sb}]`,
        inputs: [{ shape: sa, name: 'a' }, { shape: sb, name: 'b', layout: sb.length >= 2 ? 'transposed' : 'contiguous' }],
        ref: ([a, b]) => zip3(cRef, R.r64(a, sa), R.r64(b, sb), (c, x, y) => (c ? x : y)),
        op: ([a, b]) => tl.where(tl.tensor(cond, { shape: sc }), a, b),
      });
    }
  });

  it('a non-contiguous condition (transposed int32 view)', () => {
    const [p, q] = rshape([2, 4], [2, 4]);
    const condT = randInts(p * q, 0, 2); // [q, p]
    const cond = Int32Array.from({ length: p * q }, (_, f) => condT[(f % q) * p + Math.floor(f / q)]); // [p, q]
    checkGrad({
      inputs: [{ shape: [p, q], name: 'a' }, { shape: [p, q], name: 'b' }],
      ref: ([a, b]) => zip3(R.r64(cond, [p, q]), R.r64(a, [p, q]), R.r64(b, [p, q]), (c, x, y) => (c ? x : y)),
      op: ([a, b]) => tl.where(tl.tensor(condT, { shape: [q, p] }).transpose(0, 1), a, b),
    });
  });

  it('with a number on either side', () => {
    const s = rshape([2, 4], [2, 5]);
    const cond = randInts(numel(s), 0, 2);
    checkGrad({
      inputs: [{ shape: s }],
      ref: ([a]) => zip(R.r64(cond, s), R.r64(a, s), (c, x) => (c ? x : 0.5)),
      op: ([a]) => tl.where(tl.tensor(cond, { shape: s }), a, 0.5),
    });
    checkGrad({
      inputs: [{ shape: s }],
      ref: ([b]) => zip(R.r64(cond, s), R.r64(b, s), (c, x) => (c ? -2 : x)),
      op: ([b]) => tl.where(tl.tensor(cond, { shape: s }), -2, b),
    });
  });
});

describe('compositions', () => {
  it('a tensor feeding several ops (x * sin(x) + exp(x) / (1 + x^2))', () => {
    const s = rshape([2, 5], [2, 5]);
    checkGrad({
      inputs: [{ shape: s, layout: 'strided' }],
      ref: ([x]) => map(R.r64(x, s), (v) => v * Math.sin(v) + Math.exp(v) / (1 + v * v)),
      op: ([x]) => tl.add(tl.mul(x, tl.sin(x)), tl.div(tl.exp(x), tl.add(tl.square(x), 1))),
    });
  });
});
