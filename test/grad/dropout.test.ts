// dropout's gradient: with a fixed seed, d(sum(w * dropout(x)))/dx = w * mask / (1 - p), where
// mask is the forward output's nonzero pattern; eval mode (and p = 0) is the identity.
import { describe, expect, it } from 'vitest';
import * as tl from '../../lib/index.js';
import type { Tensor } from '../../lib/index.js';
import { expectClose } from '../helpers/assert.js';
import { makeInput, numel, rshape, useSeedPerTest } from '../helpers/gradcheck.js';
import { randInt, uniform } from '../helpers/random.js';

useSeedPerTest();

/** Leaf + view with values |x| >= 0.5 (so a zero output means a dropped element). */
function input(shape: number[], layout: 'contiguous' | 'transposed' | 'strided' = 'contiguous') {
  return makeInput({ shape, lo: -2, hi: 2, minAbs: 0.5, layout }, 0);
}

/** Checks out = x * mask / (1 - p) and grad = w * mask / (1 - p); returns the mask. */
function checkDropout(x: ReturnType<typeof input>, out: Tensor, p: number, between?: () => void): Uint8Array {
  const xv = x.leaf.data, o = out.dataSync();
  const mask = Uint8Array.from(o, (v) => (v !== 0 ? 1 : 0));
  const scale = 1 / (1 - p);
  expectClose(o, Array.from(xv, (v, i) => v * mask[i] * scale), { rtol: 1e-6, atol: 0 }, 'dropout forward');
  const w = uniform(numel(out.shape), -1, 1);
  between?.();
  out.backward(tl.tensor(w, { shape: out.shape }));
  expectClose(x.leaf.grad()!, Array.from(w, (v, i) => v * mask[i] * scale), { rtol: 1e-6, atol: 0 }, 'dropout gradient');
  x.leaf.after?.();
  return mask;
}

describe('dropout', () => {
  it('gradient = w * mask / (1 - p) for several p, on contiguous and non-contiguous inputs', () => {
    for (const p of [0.1, 0.5, 0.8])
      for (const layout of ['contiguous', 'transposed', 'strided'] as const) {
        const shape = rshape([2, 5], [3, 7], [2, 6]);
        tl.manualSeed(randInt(0, 1e9));
        const x = input(shape, layout);
        checkDropout(x, tl.dropout(x.view, p), p);
      }
  });

  it('the mask drops about a fraction p of the elements', () => {
    for (const p of [0.2, 0.5, 0.9]) {
      const n = 4000;
      const x = input([n]);
      const mask = checkDropout(x, tl.dropout(x.view, p), p);
      const dropped = n - mask.reduce((a, b) => a + b, 0);
      // binomial(n, p): within 5 standard deviations
      expect(Math.abs(dropped - n * p)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
    }
  });

  it('random draws between forward and backward do not change the mask the backward uses', () => {
    const shape = rshape([4, 8], [4, 8]);
    const x = input(shape);
    checkDropout(x, tl.dropout(x.view, 0.5), 0.5, () => {
      tl.randn([100]);
      tl.dropout(tl.ones([50]), 0.3);
      tl.rand([7]);
    });
  });

  it('the same seed gives the same mask; two dropouts of one tensor get independent masks that accumulate', () => {
    const shape = rshape([6, 10], [6, 10]);
    const x = input(shape);
    tl.manualSeed(1234);
    const a = tl.noGrad(() => tl.dropout(x.view, 0.5)).dataSync();
    tl.manualSeed(1234);
    const b = tl.noGrad(() => tl.dropout(x.view, 0.5)).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));

    const o1 = tl.dropout(x.view, 0.5), o2 = tl.dropout(x.view, 0.5);
    const m1 = Array.from(o1.dataSync(), (v) => (v !== 0 ? 1 : 0)), m2 = Array.from(o2.dataSync(), (v) => (v !== 0 ? 1 : 0));
    expect(m1).not.toEqual(m2);
    const w = uniform(numel(shape), -1, 1);
    tl.add(o1, o2).backward(tl.tensor(w, { shape }));
    expectClose(x.leaf.grad()!, Array.from(w, (v, i) => v * (m1[i] + m2[i]) * 2), { rtol: 1e-6, atol: 0 }, 'accumulated dropout gradient');
  });

  it('p = 0 and training = false are the identity (gradient w)', () => {
    const shape = rshape([2, 5], [2, 5]);
    for (const [p, training] of [[0, true], [0.5, false], [0.9, false]] as const) {
      const x = input(shape, 'transposed');
      const out = tl.dropout(x.view, p, training);
      expectClose(out.dataSync(), x.leaf.data, { rtol: 0, atol: 0 }, `dropout(p ${p}, training ${training}) forward`);
      const w = uniform(numel(shape), -1, 1);
      out.backward(tl.tensor(w, { shape }));
      expectClose(x.leaf.grad()!, w, { rtol: 0, atol: 0 }, `dropout(p ${p}, training ${training}) gradient`);
    }
  });

  it('p = 1 drops everything: zero output and zero (not NaN) gradient', () => {
    const shape = rshape([2, 5], [2, 5]);
    const x = input(shape);
    const out = tl.dropout(x.view, 1);
    expect(Array.from(out.dataSync()).every((v) => v === 0)).toBe(true);
    out.backward(tl.tensor(uniform(numel(shape), -1, 1), { shape }));
    const g = x.leaf.grad()!;
    expect(Array.from(g).every((v) => v === 0), `gradient of dropout(p = 1): ${Array.from(g).slice(0, 6)}`).toBe(true);
  });
});

describe('nn.Dropout', () => {
  it('train mode: mask / (1 - p); eval mode: identity', () => {
    const shape = rshape([3, 6], [3, 6]);
    const layer = new tl.nn.Dropout(0.3);
    const x = input(shape);
    checkDropout(x, layer.forward(x.view), 0.3);
    layer.eval();
    const y = input(shape);
    const out = layer.forward(y.view);
    const w = uniform(numel(shape), -1, 1);
    out.backward(tl.tensor(w, { shape }));
    expectClose(out.dataSync(), y.leaf.data, { rtol: 0, atol: 0 }, 'eval forward');
    expectClose(y.leaf.grad()!, w, { rtol: 0, atol: 0 }, 'eval gradient');
  });
});
