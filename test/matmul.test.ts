// matmul against a float64 reference: sizes around every register-tile and cache-block edge,
// transposed / non-contiguous operands, 1-D and batched-broadcast forms, degenerate sizes,
// NaN propagation; the core cases run under every GEMM kernel family the CPU supports and
// with 1 thread as well as the default pool.
import { afterAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { native } from '../lib/native.js';
import { makeRng, TEST_SEED, uniform } from './helpers/random.js';
import { matmul as refMatmul, permute, ref, type Ref } from './helpers/ref.js';

// float32 accumulation over k terms: |err| <= ~k * 2^-24 * sum_k |a_ik b_kj| in the worst
// case, ~sqrt(k) * 2^-24 typically; 1e-5 relative to that sum covers k up to 512 with margin.
const REL = 1e-5, ABS = 1e-6;

/** Checks c against a @ b (both given as float64 refs) with the |a||b|-relative bound. */
function expectMatmulClose(c: tl.Tensor, a: Ref, b: Ref, what: string): void {
  const exact = refMatmul(a, b);
  const mag = refMatmul({ data: a.data.map(Math.abs), shape: a.shape }, { data: b.data.map(Math.abs), shape: b.shape });
  expect(c.shape, `${what}: shape`).toEqual(exact.shape);
  const got = c.dataSync();
  for (let i = 0; i < exact.data.length; i++) {
    const err = Math.abs(got[i] - exact.data[i]);
    if (!(err <= REL * mag.data[i] + ABS) && !(Number.isNaN(got[i]) && Number.isNaN(exact.data[i])))
      throw new Error(`${what}: element ${i} is ${got[i]}, expected ${exact.data[i]} (sum|ab| ${mag.data[i]}; TEST_SEED=${TEST_SEED})`);
  }
}

const SIZES = [1, 2, 7, 16, 17, 33, 64, 65, 127, 257];

/** A fixed sample of (m, n, k) per run: all "small x small x small" edges plus random ones. */
function sampleShapes(): [number, number, number][] {
  const rng = makeRng(TEST_SEED ^ 0x5eed);
  const pick = () => SIZES[Math.floor(rng() * SIZES.length)];
  const out: [number, number, number][] = [[1, 1, 1], [2, 7, 17], [17, 33, 65], [65, 64, 127], [127, 17, 257], [257, 65, 33], [12, 32, 256], [6, 16, 300]];
  for (let i = 0; i < 24; i++) out.push([pick(), pick(), pick()]);
  return out;
}
const SHAPES = sampleShapes();

/** Operand layouts: a is [m, k] plain or a transposed [k, m]; b likewise. */
function operands(m: number, n: number, k: number, ta: boolean, tb: boolean): { a: tl.Tensor; b: tl.Tensor; ra: Ref; rb: Ref } {
  const av = uniform(m * k), bv = uniform(k * n);
  const ra0 = ref(av, ta ? [k, m] : [m, k]), rb0 = ref(bv, tb ? [n, k] : [k, n]);
  const a0 = tl.tensor(av, { shape: ra0.shape }), b0 = tl.tensor(bv, { shape: rb0.shape });
  return {
    a: ta ? a0.T : a0,
    b: tb ? b0.T : b0,
    ra: ta ? permute(ra0, [1, 0]) : ra0,
    rb: tb ? permute(rb0, [1, 0]) : rb0,
  };
}

const originalIsa = native.gemmIsa();
const defaultThreads = tl.getNumThreads();
const ISAS = (['avx512', 'avx2', 'generic'] as const).filter((isa) => {
  const ok = native.setGemmIsa(isa);
  native.setGemmIsa(originalIsa);
  return ok;
});

afterAll(() => {
  native.setGemmIsa(originalIsa);
});

describe('GEMM kernel families', () => {
  it('reports the ISA in use and refuses unknown ones', () => {
    expect(['avx512', 'avx2', 'generic']).toContain(originalIsa);
    expect(ISAS).toContain('generic');
    expect(ISAS).toContain(originalIsa);
    expect(() => native.setGemmIsa('sse' as 'generic')).toThrow(TypeError);
    expect(native.gemmIsa()).toBe(originalIsa);
  });
});

// ISA x threads: the thread count changes only from the default down to 1 and back once,
// after all the default-thread work (see the setNumThreads test in module.test.ts).
describe.each(['default', 1] as const)('threads = %s', (threads) => {
  describe.each(ISAS)('isa %s', (isa) => {
    const run = (fn: () => void) => {
      expect(native.setGemmIsa(isa)).toBe(true);
      if (threads === 1 && tl.getNumThreads() !== 1) tl.setNumThreads(1);
      try {
        fn();
      } finally {
        native.setGemmIsa(originalIsa);
      }
    };
    afterAll(() => {
      if (threads === 1 && isa === ISAS[ISAS.length - 1]) tl.setNumThreads(defaultThreads);
    });

    it('sampled m, n, k in {1, 2, 7, 16, 17, 33, 64, 65, 127, 257}, plain and transposed operands', () =>
      run(() => {
        SHAPES.forEach(([m, n, k], i) => {
          const { a, b, ra, rb } = operands(m, n, k, i % 4 === 1 || i % 4 === 3, i % 4 >= 2);
          expectMatmulClose(tl.matmul(a, b), ra, rb, `[${m}x${k}]@[${k}x${n}] (${isa}, threads ${threads}, layout ${i % 4})`);
        });
      }));

    it('batched with broadcasting: [2,1,m,k]@[3,k,n], [b,m,k]@[k,n], expanded batch', () =>
      run(() => {
        const cases: [number[], number[]][] = [[[2, 1, 7, 33], [3, 33, 17]], [[4, 65, 16], [16, 33]], [[5, 3, 2], [1, 2, 7]], [[3, 1, 17], [3, 17, 1]]];
        for (const [sa, sb] of cases) {
          const av = uniform(sa.reduce((x, y) => x * y)), bv = uniform(sb.reduce((x, y) => x * y));
          expectMatmulClose(tl.matmul(tl.tensor(av, { shape: sa }), tl.tensor(bv, { shape: sb })), ref(av, sa), ref(bv, sb), `${JSON.stringify(sa)}@${JSON.stringify(sb)} (${isa})`);
        }
        // an expanded (stride-0) batch operand and a permuted batched operand
        const av = uniform(9 * 20), bv = uniform(4 * 20 * 9);
        const a = tl.tensor(av, { shape: [1, 9, 20] }).expand([4, 9, 20]);
        const b = tl.tensor(bv, { shape: [4, 9, 20] }).permute([0, 2, 1]); // [4, 20, 9]
        expectMatmulClose(tl.matmul(a, b), ref(Array.from({ length: 4 }, () => Array.from(av)).flat(), [4, 9, 20]), permute(ref(bv, [4, 9, 20]), [0, 2, 1]), `expanded@permuted (${isa})`);
      }));
  });
});

// A row-major with B transposed and small m x n runs as blocked dot products on AVX-512 (conv
// weight gradients); TL_GEMM_DOT forces either path so both are checked on the same operands.
describe('dot-product path: small m and n, long k, B transposed', () => {
  const shapes: [number, number, number][] = [[1, 1, 64], [6, 25, 2352], [5, 7, 100], [13, 9, 1031], [4, 4, 79], [64, 64, 128], [3, 130, 257]];
  it.each(['1', '0'])('TL_GEMM_DOT=%s', (force) => {
    const before = process.env.TL_GEMM_DOT;
    process.env.TL_GEMM_DOT = force;
    try {
      for (const [m, n, k] of shapes) {
        const { a, b, ra, rb } = operands(m, n, k, false, true);
        expectMatmulClose(tl.matmul(a, b), ra, rb, `[${m}x${k}]@[${n}x${k}]^T (TL_GEMM_DOT=${force})`);
      }
    } finally {
      if (before === undefined) delete process.env.TL_GEMM_DOT;
      else process.env.TL_GEMM_DOT = before;
    }
  });
});

describe('larger products (up to 512)', () => {
  it.each([[512, 512, 512], [300, 200, 500], [1, 512, 512], [512, 1, 300], [129, 511, 64]])('[%i x %i] with k = %i', (m, n, k) => {
    const { a, b, ra, rb } = operands(m, n, k, false, m % 2 === 0);
    expectMatmulClose(tl.matmul(a, b), ra, rb, `${m}x${n}x${k}`);
  });
});

describe('1-D operands', () => {
  it('vector . vector is 0-d; matrix . vector; vector . matrix; batched . vector', () => {
    const v = uniform(33), w = uniform(33), M = uniform(7 * 33), B = uniform(3 * 33 * 5);
    const dot = tl.matmul(tl.tensor(v), tl.tensor(w));
    expect(dot.shape).toEqual([]);
    expectMatmulClose(dot.reshape([1, 1]), ref(v, [1, 33]), ref(w, [33, 1]), 'vv');
    const mv = tl.matmul(tl.tensor(M, { shape: [7, 33] }), tl.tensor(v));
    expect(mv.shape).toEqual([7]);
    expectMatmulClose(mv.reshape([7, 1]), ref(M, [7, 33]), ref(v, [33, 1]), 'mv');
    const vm = tl.matmul(tl.tensor(v), tl.tensor(M, { shape: [7, 33] }).T);
    expect(vm.shape).toEqual([7]);
    expectMatmulClose(vm.reshape([1, 7]), ref(v, [1, 33]), permute(ref(M, [7, 33]), [1, 0]), 'vm');
    const bv = tl.matmul(tl.tensor(B, { shape: [3, 5, 33] }), tl.tensor(v));
    expect(bv.shape).toEqual([3, 5]);
    expectMatmulClose(bv.reshape([3, 5, 1]), ref(B, [3, 5, 33]), ref(v, [33, 1]), 'batched . v');
    const vb = tl.matmul(tl.tensor(v.subarray(0, 5)), tl.tensor(B, { shape: [3, 5, 33] }));
    expect(vb.shape).toEqual([3, 33]);
    expect(tl.matmul(tl.tensor(v), tl.tensor(w)).item()).toBeCloseTo(v.reduce((s, x, i) => s + x * w[i], 0), 5);
    expect(tl.tensor(M, { shape: [7, 33] }).matmul(tl.tensor(v)).shape).toEqual([7]);
  });
});

describe('degenerate sizes and special values', () => {
  it('k = 0 gives zeros; m = 0 or n = 0 gives an empty result', () => {
    expect(tl.matmul(tl.ones([2, 0]), tl.ones([0, 3])).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(tl.matmul(tl.ones([0]), tl.ones([0])).item()).toBe(0);
    expect(tl.matmul(tl.ones([4, 2, 0]), tl.ones([0, 5])).dataSync()).toEqual(new Float32Array(40));
    expect(tl.matmul(tl.ones([0, 4]), tl.ones([4, 3])).shape).toEqual([0, 3]);
    expect(tl.matmul(tl.ones([2, 4]), tl.ones([4, 0])).shape).toEqual([2, 0]);
    expect(tl.matmul(tl.ones([0, 2, 4]), tl.ones([4, 3])).shape).toEqual([0, 2, 3]);
  });

  it('NaN and Infinity propagate to exactly the rows/columns they touch', () => {
    for (const isa of ISAS) {
      native.setGemmIsa(isa);
      try {
        const m = 37, k = 70, n = 45; // edge tiles in every kernel family
        const av = uniform(m * k), bv = uniform(k * n);
        av[5 * k + 69] = NaN; // row 5 of a
        bv[3 * n + 44] = Infinity; // column 44 of b (times a finite nonzero: +-Infinity)
        const c = tl.matmul(tl.tensor(av, { shape: [m, k] }), tl.tensor(bv, { shape: [k, n] })).dataSync();
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            const v = c[i * n + j];
            if (i === 5) expect(Number.isNaN(v), `[${i},${j}] ${isa}`).toBe(true);
            else if (j === 44) expect(Math.abs(v), `[${i},${j}] ${isa}`).toBe(Infinity);
            else expect(Number.isFinite(v), `[${i},${j}] ${isa}`).toBe(true);
          }
        // Infinity * 0 is NaN
        expect(tl.matmul(tl.tensor([[Infinity, 0]]), tl.tensor([[0], [1]])).item()).toBeNaN();
      } finally {
        native.setGemmIsa(originalIsa);
      }
    }
  });

  it('errors: shapes, dtypes, 0-d operands', () => {
    expect(() => tl.matmul(tl.ones([2, 3]), tl.ones([4, 2]))).toThrow(RangeError);
    expect(() => tl.matmul(tl.ones([2, 3]), tl.ones([4, 2]))).toThrow(/^matmul: /);
    expect(() => tl.matmul(tl.ones([2, 3, 4]), tl.ones([3, 4, 2]))).toThrow(RangeError);
    expect(() => tl.matmul(tl.ones([2, 3], { dtype: 'int32' }), tl.ones([3, 2]))).toThrow(TypeError);
    expect(() => tl.matmul(tl.tensor(2), tl.ones([3]))).toThrow(RangeError);
    expect(() => tl.matmul(tl.ones([3]), [1, 2, 3] as unknown as tl.Tensor)).toThrow(TypeError);
    // a product too large for memory is refused, not attempted
    const tall = tl.ones([1, 1]).expand([1_000_000, 1]), wide = tl.ones([1, 1]).expand([1, 1_000_000]);
    expect(() => tl.matmul(tall, wide)).toThrow(RangeError);
  });
});

// One row or one column (a Linear layer at batch 1, a one-output head) take GEMV kernels:
// every k tail (16-lane vectors), every n tail (8 rows at a time), with and without bias.
describe('GEMV shapes (m = 1 or n = 1)', () => {
  const KS = [1, 15, 16, 17, 64, 100, 300], NS = [1, 7, 8, 9, 64, 257];
  it('x [1, k] @ W^T and X [m, k] @ w for edge sizes, plain and transposed operands', () => {
    for (const k of KS)
      for (const n of NS) {
        for (const tb of [false, true]) {
          const row = operands(1, n, k, false, tb);
          expectMatmulClose(tl.matmul(row.a, row.b), row.ra, row.rb, `1x${n}x${k} tb=${tb}`);
          const col = operands(n, 1, k, false, tb);
          expectMatmulClose(tl.matmul(col.a, col.b), col.ra, col.rb, `${n}x1x${k} tb=${tb}`);
          tl.tidy(() => [row.a, row.b, col.a, col.b].forEach((t) => t.dispose()));
        }
      }
  });

  it('linear() at batch 1 and with one output adds the bias (the kernel accumulates onto it)', () => {
    for (const [m, n, k] of [[1, 9, 17], [1, 256, 64], [5, 1, 33], [300, 1, 256]]) {
      const x = uniform(m * k), w = uniform(n * k), b = uniform(n);
      const y = tl.linear(tl.tensor(x, { shape: [m, k] }), tl.tensor(w, { shape: [n, k] }), tl.tensor(b)).dataSync();
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = b[j], mag = Math.abs(b[j]);
          for (let p = 0; p < k; p++) {
            s += x[i * k + p] * w[j * k + p];
            mag += Math.abs(x[i * k + p] * w[j * k + p]);
          }
          expect(Math.abs(y[i * n + j] - s), `${m}x${n}x${k} [${i},${j}] TEST_SEED=${TEST_SEED}`).toBeLessThanOrEqual(REL * mag + ABS);
        }
    }
  });
});
