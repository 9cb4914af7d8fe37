// Gradient checks on inputs large enough for the native kernels' multithreaded and
// vectorized paths (elementwise grain 32768 elements, reductions 65536, GEMM 1e6 flops,
// row-chunked softmax / layerNorm / crossEntropy, channel-chunked batchNorm, per-plane
// pooling, conv tasks). The finite differences are taken at a random sample of coordinates
// of each input (`sample`), each costing two float64 reference evaluations.
import { describe, expect, it } from 'vitest';
import * as tl from '../../lib/index.js';
import type { Tensor } from '../../lib/index.js';
import { expectClose } from '../helpers/assert.js';
import { GRAD_LAYOUTS, checkGrad, distinctValues, makeInput, numel, useSeedPerTest } from '../helpers/gradcheck.js';
import { randInts, uniform } from '../helpers/random.js';
import { type Ref, matmul } from '../helpers/ref.js';
import * as R from '../helpers/ref64.js';

useSeedPerTest();

const SAMPLE = 24;
const lattice = (n: number, offset: number) => Float32Array.from({ length: n }, () => 0.2 * randInts(1, -6, 6)[0] + offset + uniform(1, -0.03, 0.03)[0]);
const f32 = Math.fround;

describe('elementwise ops on 40k elements', () => {
  const UNARY: [string, (x: Tensor) => Tensor, (v: number) => number, number, number][] = [
    ['exp', tl.exp, Math.exp, -3, 3],
    ['log', tl.log, Math.log, 0.2, 4],
    ['sqrt', tl.sqrt, Math.sqrt, 0.2, 4],
    ['rsqrt', tl.rsqrt, (v) => 1 / Math.sqrt(v), 0.2, 4],
    ['reciprocal', tl.reciprocal, (v) => 1 / v, 0.3, 3],
    ['log1p', tl.log1p, Math.log1p, -0.7, 3],
    ['expm1', tl.expm1, Math.expm1, -3, 3],
    ['sin', tl.sin, Math.sin, -4, 4],
    ['cos', tl.cos, Math.cos, -4, 4],
    ['erf', tl.erf, R.erf, -2.5, 2.5],
    ['square', tl.square, (v) => v * v, -2, 2],
    ['abs', tl.abs, Math.abs, -2, 2],
    ['relu', tl.relu, (v) => Math.max(v, 0), -2, 2],
    ['leakyRelu(0.2)', (x) => tl.leakyRelu(x, 0.2), (v) => (v > 0 ? v : f32(0.2) * v), -2, 2],
    ['gelu', (x) => tl.gelu(x), R.gelu, -3, 3],
    ["gelu('tanh')", (x) => tl.gelu(x, 'tanh'), R.geluTanh, -3, 3],
    ['sigmoid', tl.sigmoid, R.sigmoid, -4, 4],
    ['tanh', tl.tanh, Math.tanh, -2.5, 2.5],
    ['silu', tl.silu, (v) => v * R.sigmoid(v), -4, 4],
    ['softplus(2, 3)', (x) => tl.softplus(x, 2, 3), (v) => R.softplus(v, 2, 3), -3, 3],
    ['elu', (x) => tl.elu(x), (v) => (v > 0 ? v : Math.expm1(v)), -3, 2],
    ['clamp(-0.5, 0.6)', (x) => tl.clamp(x, -0.5, 0.6), (v) => Math.min(Math.max(v, f32(-0.5)), f32(0.6)), -1.5, 1.5],
    ['pow(x, 2.5)', (x) => tl.pow(x, 2.5), (v) => v ** 2.5, 0.2, 2],
  ];
  it('unary math and activations', () => {
    const shape = [128, 260]; // 33280 elements: above the 32768-element grain
    UNARY.forEach(([name, fn, ref, lo, hi], i) =>
      checkGrad({
        what: `${name} [${shape}]`,
        inputs: [{ shape, lo, hi, avoid: [0, -0.5, 0.6, 1.5], layout: i % 2 ? 'transposed' : 'contiguous' }],
        ref: ([x]) => ({ data: x.map(ref), shape }),
        op: ([x]) => fn(x),
        gradLayout: GRAD_LAYOUTS[i % 3],
        sample: SAMPLE / 2, // elementwise: each coordinate checks one lane of the kernel
      }),
    );
  });

  it('binary ops with broadcasting ([R, C] op [C], [R, 1] op [R, C])', () => {
    const [r, c] = [300, 128];
    const BIN: [string, (a: Tensor, b: Tensor) => Tensor, (a: number, b: number) => number, [number, number], [number, number]][] = [
      ['add', tl.add, (a, b) => a + b, [-1, 1], [-1, 1]],
      ['sub', tl.sub, (a, b) => a - b, [-1, 1], [-1, 1]],
      ['mul', tl.mul, (a, b) => a * b, [-2, 2], [-2, 2]],
      ['div', tl.div, (a, b) => a / b, [-2, 2], [0.5, 2]],
      ['pow', tl.pow, (a, b) => a ** b, [0.3, 2], [-2, 2]],
      ['atan2', tl.atan2, Math.atan2, [0.3, 2], [-2, -0.3]],
      ['maximum', tl.maximum, Math.max, [-1, 1], [-1, 1]],
    ];
    BIN.forEach(([name, fn, ref, [alo, ahi], [blo, bhi]], i) => {
      const rowB = i % 2 === 0; // [R, C] op [C] or [R, 1] op [R, C]
      const sa = rowB ? [r, c] : [r, 1], sb = rowB ? [c] : [r, c];
      // maximum: a and b on interleaved lattices (0.2 k + 0.05 and 0.2 k + 0.15, jitter < 0.03): no ties
      const vals = name === 'maximum' ? [lattice(numel(sa), 0.05), lattice(numel(sb), 0.15)] : [undefined, undefined];
      checkGrad({
        what: `${name} [${sa}] op [${sb}]`,
        inputs: [
          { shape: sa, lo: alo, hi: ahi, values: vals[0], name: 'a', layout: rowB ? 'transposed' : 'contiguous' },
          { shape: sb, lo: blo, hi: bhi, values: vals[1], name: 'b', layout: rowB ? 'contiguous' : 'transposed' },
        ],
        ref: ([a, b]) => {
          const out = new Float64Array(r * c);
          for (let y = 0; y < r; y++)
            for (let x = 0; x < c; x++) out[y * c + x] = rowB ? ref(a[y * c + x], b[x]) : ref(a[y], b[y * c + x]);
          return { data: out, shape: [r, c] };
        },
        op: ([a, b]) => fn(a, b),
        gradLayout: GRAD_LAYOUTS[i % 3],
        sample: SAMPLE,
      });
    });
  });
});

/** Reduction of a 2-D ref over dim 0 or 1. */
function reduce2(x: Float64Array, rows: number, cols: number, dim: 0 | 1, f: (v: number[]) => number): Ref {
  const out: number[] = [];
  if (dim === 1) for (let y = 0; y < rows; y++) out.push(f(Array.from(x.subarray(y * cols, (y + 1) * cols))));
  else for (let xx = 0; xx < cols; xx++) out.push(f(Array.from({ length: rows }, (_, y) => x[y * cols + xx])));
  return { data: Float64Array.from(out), shape: dim === 1 ? [rows] : [cols] };
}

describe('reductions, softmax and normalization on large inputs', () => {
  it('sum / mean / prod / max over each dim of [300, 250]', () => {
    const [rows, cols] = [300, 250];
    const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
    const CASES: [string, (x: Tensor, d: number) => Tensor, (v: number[]) => number, () => Float32Array][] = [
      ['sum', (x, d) => tl.sum(x, d), sum, () => uniform(rows * cols, -1, 1)],
      ['mean', (x, d) => tl.mean(x, d), (v) => sum(v) / v.length, () => uniform(rows * cols, -1, 1)],
      ['prod', (x, d) => tl.prod(x, d), (v) => v.reduce((a, b) => a * b, 1), () => uniform(rows * cols, 0.995, 1.005)],
      ['max', (x, d) => tl.max(x, d), (v) => Math.max(...v), () => distinctValues(rows * cols, 0.01, 0.004)],
    ];
    CASES.forEach(([name, fn, ref, values], i) => {
      for (const dim of [0, 1] as const)
        checkGrad({
          what: `${name} dim ${dim}`,
          inputs: [{ shape: [rows, cols], values: values(), layout: dim ? 'transposed' : 'contiguous' }],
          ref: ([x]) => reduce2(x, rows, cols, dim, ref),
          op: ([x]) => fn(x, dim),
          gradLayout: GRAD_LAYOUTS[(i + dim) % 2 ? 2 : 0],
          sample: SAMPLE,
        });
    });
  });

  it('softmax / logSoftmax over rows of 300 and columns of 300', () => {
    for (const [shape, dim] of [[[64, 300], 1], [[300, 64], 0]] as const)
      for (const log of [false, true])
        checkGrad({
          what: `${log ? 'logSoftmax' : 'softmax'} [${shape}] dim ${dim}`,
          inputs: [{ shape: [...shape], lo: -4, hi: 4 }],
          ref: ([x]) => R.softmax(R.r64(x, [...shape]), dim, log),
          op: ([x]) => (log ? tl.logSoftmax(x, dim) : tl.softmax(x, dim)),
          gradLayout: log ? 'transposed' : 'contiguous',
          sample: SAMPLE,
        });
  });

  it('layerNorm over rows of 100 (200 rows) and batchNorm2d [8, 40, 16, 16]', () => {
    const ls = [200, 100];
    checkGrad({
      what: 'layerNorm [200, 100]',
      inputs: [{ shape: ls, values: distinctValues(numel(ls), 0.01, 0.004), name: 'x' }, { shape: [100], name: 'weight' }, { shape: [100], name: 'bias' }],
      ref: ([x, w, b]) => R.layerNorm(R.r64(x, ls), 1, R.r64(w, [100]), R.r64(b, [100])),
      op: ([x, w, b]) => tl.layerNorm(x, [100], w, b),
      gradLayout: 'transposed',
      sample: SAMPLE,
    });
    const bs = [8, 40, 16, 16];
    checkGrad({
      what: 'batchNorm [8, 40, 16, 16]',
      inputs: [{ shape: bs, lo: -2, hi: 2, name: 'x' }, { shape: [40], name: 'weight' }, { shape: [40], name: 'bias' }],
      ref: ([x, w, b]) => R.batchNormTrain(R.r64(x, bs), R.r64(w, [40]), R.r64(b, [40]), 1e-5),
      op: ([x, w, b]) => tl.batchNorm(x, null, null, w, b, true),
      sample: SAMPLE,
    });
  });
});

describe('GEMM, convolution, pooling, indexing and losses on large inputs', () => {
  it('matmul [128, 96] @ [96, 112] and batched [4, 64, 72] @ [72, 64]', () => {
    for (const [sa, sb] of [[[128, 96], [96, 112]], [[4, 64, 72], [72, 64]]])
      checkGrad({
        what: `matmul [${sa}] @ [${sb}]`,
        inputs: [{ shape: sa, name: 'a' }, { shape: sb, name: 'b', layout: 'transposed' }],
        ref: ([a, b]) => matmul(R.r64(a, sa), R.r64(b, sb)),
        op: ([a, b]) => tl.matmul(a, b),
        gradLayout: 'transposed',
        sample: SAMPLE,
      });
  });

  it('conv2d [2, 8, 20, 20] * [16, 8, 3, 3], padding 1, stride 1 and groups 2', () => {
    const xs = [2, 8, 20, 20];
    for (const groups of [1, 2]) {
      const ws = [16, 8 / groups, 3, 3];
      checkGrad({
        what: `conv2d groups ${groups}`,
        inputs: [{ shape: xs, name: 'input' }, { shape: ws, name: 'weight' }, { shape: [16], name: 'bias' }],
        ref: ([x, w, b]) => R.conv2d(R.r64(x, xs), R.r64(w, ws), R.r64(b, [16]), { padding: [1, 1], groups }),
        op: ([x, w, b]) => tl.conv2d(x, w, b, { padding: 1, groups }),
        sample: SAMPLE,
      });
    }
  });

  it('maxPool2d and avgPool2d on [4, 16, 32, 32]', () => {
    const s = [4, 16, 32, 32];
    const o = { kernel: [3, 3] as [number, number], stride: [2, 2] as [number, number], padding: [1, 1] as [number, number] };
    checkGrad({
      what: 'maxPool2d',
      inputs: [{ shape: s, values: distinctValues(numel(s), 0.01, 0.004) }],
      ref: ([x]) => R.maxPool2d(R.r64(x, s), o),
      op: ([x]) => tl.maxPool2d(x, o),
      sample: SAMPLE,
    });
    checkGrad({
      what: 'avgPool2d',
      inputs: [{ shape: s }],
      ref: ([x]) => R.avgPool2d(R.r64(x, s), { ...o, countIncludePad: false }),
      op: ([x]) => tl.avgPool2d(x, { ...o, countIncludePad: false }),
      gradLayout: 'broadcast',
      sample: SAMPLE,
    });
  });

  it('embedding [500, 64] with 800 repeated lookups; crossEntropy [400, 100] with weights and ignored samples', () => {
    const idx = randInts(800, 0, 500);
    checkGrad({
      what: 'embedding',
      inputs: [{ shape: [500, 64] }],
      ref: ([w]) => R.pick(R.r64(w, [500, 64]), [40, 20, 64], ([a, b, k]) => idx[a * 20 + b] * 64 + k),
      op: ([w]) => tl.embedding(w, tl.tensor(idx, { shape: [40, 20] })),
      sample: SAMPLE,
    });
    const [n, c] = [400, 100];
    const labels = randInts(n, 0, c), weight = uniform(c, 0.2, 2);
    for (let i = 1; i < n; i += 7) labels[i] = -100;
    checkGrad({
      what: 'crossEntropy',
      inputs: [{ shape: [n, c], lo: -3, hi: 3 }],
      ref: ([x]) => {
        let total = 0, wsum = 0;
        for (let i = 0; i < n; i++) {
          if (labels[i] === -100) continue;
          const lp = R.softmax(R.r64(x.subarray(i * c, (i + 1) * c), [c]), 0, true).data;
          total -= weight[labels[i]] * lp[labels[i]];
          wsum += weight[labels[i]];
        }
        return R.r64([total / wsum], []);
      },
      op: ([x]) => tl.losses.crossEntropy(x, tl.tensor(labels), { weight: tl.tensor(weight) }),
      sample: SAMPLE,
    });
  });

  it('dropout on 200k elements: the backward regenerates the same mask across threads', () => {
    const shape = [400, 500];
    const x = makeInput({ shape, lo: -2, hi: 2, minAbs: 0.5 }, 0);
    const p = 0.3;
    const out = tl.dropout(x.view, p);
    const o = out.dataSync();
    const mask = Float64Array.from(o, (v) => (v !== 0 ? 1 / (1 - p) : 0));
    expectClose(o, Array.from(x.leaf.data, (v, i) => v * mask[i]), { rtol: 1e-6, atol: 0 }, 'dropout forward');
    const w = uniform(numel(shape), -1, 1);
    tl.randn([1000]); // advance the generator between forward and backward
    out.backward(tl.tensor(w, { shape }));
    expectClose(x.leaf.grad()!, Array.from(w, (v, i) => v * mask[i]), { rtol: 1e-6, atol: 0 }, 'dropout gradient');
    expect(mask.filter((v) => v === 0).length / mask.length).toBeCloseTo(p, 1);
  });
});

describe('other thread counts (different chunk boundaries)', () => {
  for (const threads of [1, 3])
    it(`${threads} thread(s): softmax, layerNorm, batchNorm, conv2d, matmul, crossEntropy`, () => {
      const before = tl.getNumThreads();
      tl.setNumThreads(threads);
      try {
        expect(tl.getNumThreads()).toBe(threads);
        const ss = [300, 64];
        checkGrad({
          what: 'softmax dim 0',
          inputs: [{ shape: ss, lo: -4, hi: 4 }],
          ref: ([x]) => R.softmax(R.r64(x, ss), 0),
          op: ([x]) => tl.softmax(x, 0),
          sample: SAMPLE,
        });
        const ls = [300, 60];
        checkGrad({
          what: 'layerNorm',
          inputs: [{ shape: ls, values: distinctValues(numel(ls), 0.01, 0.004) }, { shape: [60] }, { shape: [60] }],
          ref: ([x, w, b]) => R.layerNorm(R.r64(x, ls), 1, R.r64(w, [60]), R.r64(b, [60])),
          op: ([x, w, b]) => tl.layerNorm(x, [60], w, b),
          sample: SAMPLE,
        });
        const bs = [4, 48, 8, 16];
        checkGrad({
          what: 'batchNorm',
          inputs: [{ shape: bs, lo: -2, hi: 2 }, { shape: [48] }, { shape: [48] }],
          ref: ([x, w, b]) => R.batchNormTrain(R.r64(x, bs), R.r64(w, [48]), R.r64(b, [48]), 1e-5),
          op: ([x, w, b]) => tl.batchNorm(x, null, null, w, b, true),
          sample: SAMPLE,
        });
        const xs = [3, 6, 14, 14], ws = [8, 6, 3, 3];
        checkGrad({
          what: 'conv2d stride 2 padding 1',
          inputs: [{ shape: xs }, { shape: ws }, { shape: [8] }],
          ref: ([x, w, b]) => R.conv2d(R.r64(x, xs), R.r64(w, ws), R.r64(b, [8]), { stride: [2, 2], padding: [1, 1] }),
          op: ([x, w, b]) => tl.conv2d(x, w, b, { stride: 2, padding: 1 }),
          sample: SAMPLE,
        });
        checkGrad({
          what: 'matmul',
          inputs: [{ shape: [120, 100] }, { shape: [100, 90] }],
          ref: ([a, b]) => matmul(R.r64(a, [120, 100]), R.r64(b, [100, 90])),
          op: ([a, b]) => tl.matmul(a, b),
          sample: SAMPLE,
        });
        const labels = randInts(300, 0, 80);
        checkGrad({
          what: 'crossEntropy with label smoothing',
          inputs: [{ shape: [300, 80], lo: -3, hi: 3 }],
          ref: ([x]) => {
            let total = 0;
            for (let i = 0; i < 300; i++) {
              const lp = R.softmax(R.r64(x.subarray(i * 80, (i + 1) * 80), [80]), 0, true).data;
              total -= 0.9 * lp[labels[i]] + (0.1 / 80) * lp.reduce((a, b) => a + b, 0);
            }
            return R.r64([total / 300], []);
          },
          op: ([x]) => tl.losses.crossEntropy(x, tl.tensor(labels), { labelSmoothing: 0.1 }),
          sample: SAMPLE,
        });
      } finally {
        tl.setNumThreads(before);
      }
    });
});
