// Property tests (fast-check): the public ops against float64 references over random shapes
// and values, including the edges fast-check likes to find (size-1 and empty dims, extremes).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { expectClose } from './helpers/assert.js';
import { TEST_SEED } from './helpers/random.js';
import { broadcastShape, matmul as refMatmul, numel, permute as refPermute, reduce as refReduce, ref, zip } from './helpers/ref.js';

const params = { seed: TEST_SEED, numRuns: 60 };
const dim = fc.integer({ min: 0, max: 5 });
const shape = fc.array(dim, { minLength: 0, maxLength: 4 });
const float = fc.float({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true });
const values = (n: number) => fc.array(float, { minLength: n, maxLength: n });
const withValues = (s: number[]) => values(numel(s)).map((v) => ({ shape: s, data: Float32Array.from(v) }));

// Two shapes that broadcast: b is a's suffix with some dims set to 1 (or the other way round).
const broadcastPair = shape.chain((a) =>
  fc.tuple(fc.constant(a), fc.array(fc.boolean(), { minLength: a.length, maxLength: a.length }), fc.integer({ min: 0, max: a.length }), fc.boolean()).map(
    ([s, ones, drop, swap]) => {
      const b = s.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d));
      return swap ? [b, s] : [s, b];
    },
  ),
);

describe('properties', () => {
  it('add/mul broadcast like NumPy', () => {
    fc.assert(
      fc.property(broadcastPair.chain(([a, b]) => fc.tuple(withValues(a), withValues(b))), ([a, b]) => {
        const ta = tl.tensor(a.data, { shape: a.shape }), tb = tl.tensor(b.data, { shape: b.shape });
        const sum = tl.add(ta, tb), prod = tl.mul(ta, tb);
        expect(sum.shape).toEqual(broadcastShape(a.shape, b.shape));
        expectClose(sum.dataSync(), zip(ref(a.data, a.shape), ref(b.data, b.shape), (x, y) => Math.fround(x + y)).data, { rtol: 0, atol: 0 });
        expectClose(prod.dataSync(), zip(ref(a.data, a.shape), ref(b.data, b.shape), (x, y) => Math.fround(x * y)).data, { rtol: 0, atol: 0 });
      }),
      params,
    );
  });

  it('sum over any set of dims matches the float64 sum', () => {
    const arb = shape.chain((s) => fc.tuple(withValues(s), fc.subarray(s.map((_, i) => i)), fc.boolean()));
    fc.assert(
      fc.property(arb, ([x, dims, keep]) => {
        const out = tl.sum(tl.tensor(x.data, { shape: x.shape }), dims.length ? dims : undefined, keep);
        const want = refReduce(ref(x.data, x.shape), dims, keep, (v) => v.reduce((a, b) => a + b, 0));
        expect(out.shape).toEqual(want.shape);
        expectClose(out.dataSync(), want.data, { rtol: 1e-6, atol: 1e-3 });
      }),
      params,
    );
  });

  it('matmul matches the float64 product', () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 })).chain(([m, k, n]) =>
      fc.tuple(withValues([m, k]), withValues([k, n])),
    );
    fc.assert(
      fc.property(arb, ([a, b]) => {
        const out = tl.matmul(tl.tensor(a.data, { shape: a.shape }), tl.tensor(b.data, { shape: b.shape }));
        const want = refMatmul(ref(a.data, a.shape), ref(b.data, b.shape));
        const scale = 1e3 * 1e3 * Math.max(1, a.shape[1]);
        expectClose(out.dataSync(), want.data, { rtol: 1e-5, atol: 1e-6 * scale });
      }),
      params,
    );
  });

  it('permute then its inverse, and reshape to flat and back, give the original', () => {
    const arb = shape.chain((s) => fc.tuple(withValues(s), fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length, maxLength: s.length })));
    fc.assert(
      fc.property(arb, ([x, perm]) => {
        const t = tl.tensor(x.data, { shape: x.shape });
        const p = t.permute(perm);
        expectClose(p.contiguous().dataSync(), refPermute(ref(x.data, x.shape), perm).data, { rtol: 0, atol: 0 });
        const inverse = perm.map((_, i) => perm.indexOf(i));
        expect(Array.from(p.permute(inverse).contiguous().dataSync())).toEqual(Array.from(x.data));
        expect(Array.from(t.reshape([-1]).reshape(x.shape).dataSync())).toEqual(Array.from(x.data));
      }),
      params,
    );
  });

  it('softmax rows are non-negative and sum to 1, whatever the magnitude of the logits', () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 })).chain(([r, c]) =>
      fc.tuple(fc.constant([r, c]), fc.array(fc.float({ min: Math.fround(-1e30), max: Math.fround(1e30), noNaN: true, noDefaultInfinity: true }), { minLength: r * c, maxLength: r * c })),
    );
    fc.assert(
      fc.property(arb, ([s, v]) => {
        const p = tl.softmax(tl.tensor(Float32Array.from(v), { shape: s }), 1).dataSync();
        for (let i = 0; i < s[0]; i++) {
          const row = Array.from(p.subarray(i * s[1], (i + 1) * s[1]));
          expect(row.every((q) => q >= 0 && q <= 1)).toBe(true);
          expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        }
      }),
      params,
    );
  });

  it('cat then slice gives the parts back; clamp stays in bounds', () => {
    const arb = fc.tuple(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 3 })).chain(([sizes, w]) =>
      fc.tuple(fc.constant(w), fc.tuple(...sizes.map((n) => withValues([n, w])))),
    );
    fc.assert(
      fc.property(arb, float, float, ([, parts], lo, hi) => {
        const ts = parts.map((p) => tl.tensor(p.data, { shape: p.shape }));
        const all = tl.cat(ts, 0);
        let at = 0;
        for (const p of parts) {
          expect(Array.from(all.slice(0, at, at + p.shape[0]).dataSync())).toEqual(Array.from(p.data));
          at += p.shape[0];
        }
        const [a, b] = lo <= hi ? [lo, hi] : [hi, lo];
        expect(Array.from(all.clamp(a, b).dataSync()).every((v) => v >= Math.fround(a) && v <= Math.fround(b))).toBe(true);
      }),
      params,
    );
  });
});
