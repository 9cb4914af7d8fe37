// The text encoders: EmbeddingBag against a plain-loop reference (forward and the gradients
// of its weight and of the bag weights, by finite differences on a float64 reference), and the
// Transformer encoder's padding mask (padding changes nothing; an empty row stays finite).
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { EmbeddingBag, TransformerTextEncoder } from '../lib/nn/layers/text.js';
import { randInts, uniform } from './helpers/random.js';
import { useSeedPerTest } from './helpers/gradcheck.js';

useSeedPerTest();

function bagRef(table: Float64Array, dim: number, ids: Int32Array, w: Float64Array, n: number, L: number): Float64Array {
  const out = new Float64Array(n * dim);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < L; j++) for (let d = 0; d < dim; d++) out[i * dim + d] += w[i * L + j] * table[ids[i * L + j] * dim + d];
  return out;
}

describe('EmbeddingBag', () => {
  it('matches the weighted sum of rows on random inputs, with repeated ids', () => {
    const V = 37, dim = 5, n = 6, L = 9;
    const bag = new EmbeddingBag(V, dim, { initStd: 1 });
    const ids = randInts(n * L, 0, V), w = uniform(n * L);
    const out = bag.forward(tl.tensor(ids, { shape: [n, L] }), tl.tensor(w, { shape: [n, L] }));
    expect(out.shape).toEqual([n, dim]);
    const ref = bagRef(Float64Array.from(bag.weight.dataSync()), dim, ids, Float64Array.from(w), n, L);
    const got = out.dataSync();
    ref.forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThan(1e-5 * (1 + Math.abs(v))));
  });

  it('has the finite-difference gradients of its weight and of the bag weights', () => {
    const V = 11, dim = 3, n = 4, L = 5;
    const bag = new EmbeddingBag(V, dim, { initStd: 1 });
    const ids = randInts(n * L, 0, V), w = uniform(n * L), r = uniform(n * dim);
    const wt = tl.tensor(w, { shape: [n, L], requiresGrad: true });
    const out = bag.forward(tl.tensor(ids, { shape: [n, L] }), wt);
    out.backward(tl.tensor(r, { shape: [n, dim] }));
    const table = Float64Array.from(bag.weight.dataSync()), w64 = Float64Array.from(w);
    const loss = (t: Float64Array, ww: Float64Array) => bagRef(t, dim, ids, ww, n, L).reduce((s, v, i) => s + v * r[i], 0);
    const h = 1e-6;
    const gw = bag.weight.grad!.dataSync();
    for (let k = 0; k < table.length; k++) {
      const p = Float64Array.from(table), m = Float64Array.from(table);
      p[k] += h;
      m[k] -= h;
      const num = (loss(p, w64) - loss(m, w64)) / (2 * h);
      expect(Math.abs(gw[k] - num)).toBeLessThan(1e-4 * (1 + Math.abs(num)));
    }
    const gb = wt.grad!.dataSync();
    for (let k = 0; k < w64.length; k++) {
      const p = Float64Array.from(w64), m = Float64Array.from(w64);
      p[k] += h;
      m[k] -= h;
      const num = (loss(table, p) - loss(table, m)) / (2 * h);
      expect(Math.abs(gb[k] - num)).toBeLessThan(1e-4 * (1 + Math.abs(num)));
    }
  });

  it('starts at zero (unseen features add nothing) and refuses mismatched shapes', () => {
    const bag = new EmbeddingBag(10, 4);
    expect(Array.from(bag.weight.dataSync()).every((v) => v === 0)).toBe(true);
    expect(() => bag.forward(tl.tensor(new Int32Array(6), { shape: [2, 3] }), tl.zeros([3, 2]))).toThrow(/one shape/);
  });
});

describe('TransformerTextEncoder', () => {
  it('ignores padding: the same vector for a text padded to any length', () => {
    const enc = new TransformerTextEncoder(50, { dim: 16, heads: 4, layers: 2, maxLength: 32 }).eval();
    const short = tl.tensor(Int32Array.from([5, 9, 13, 0, 0, 0]), { shape: [2, 3] });
    const padded = tl.tensor(Int32Array.from([5, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), { shape: [2, 7] });
    const a = tl.noGrad(() => enc.forward(short).dataSync()), b = tl.noGrad(() => enc.forward(padded).dataSync());
    for (let i = 0; i < 16; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-5);
    // The second row is empty (all padding): finite, not NaN.
    expect(Array.from(a).every(Number.isFinite)).toBe(true);
  });

  it('trains: gradients reach the token and position embeddings', () => {
    const enc = new TransformerTextEncoder(20, { dim: 8, heads: 2, layers: 1, maxLength: 8 });
    const out = enc.forward(tl.tensor(Int32Array.from([1, 2, 3, 0]), { shape: [1, 4] }));
    out.sum().backward();
    expect(Array.from(enc.tokens.grad!.dataSync()).some((v) => v !== 0)).toBe(true);
    expect(Array.from(enc.positions.grad!.dataSync()).some((v) => v !== 0)).toBe(true);
    expect(() => enc.forward(tl.tensor(new Int32Array(9), { shape: [1, 9] }))).toThrow(/T <= 8/);
  });
});
