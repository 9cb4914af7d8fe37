// Autograd mechanics: accumulation, retainGraph, freed graphs, noGrad / enableGrad, detach,
// tensors used twice, backward after tidy() disposed the intermediates, requiresGrad checks.
import { describe, expect, it } from 'vitest';
import * as tl from '../../lib/index.js';
import { expectClose } from '../helpers/assert.js';
import { checkGrad, drawValues, numel, rshape, useSeedPerTest } from '../helpers/gradcheck.js';
import { uniform } from '../helpers/random.js';
import { map, zip } from '../helpers/ref.js';
import * as R from '../helpers/ref64.js';

useSeedPerTest();

const leaf = (shape: number[], lo = -1, hi = 1) => {
  const v = drawValues({ shape, lo, hi });
  return { v, t: tl.tensor(v, { shape, requiresGrad: true }) };
};
const grad = (t: tl.Tensor) => Array.from(t.grad!.dataSync());
const TOL = { rtol: 1e-5, atol: 1e-6 };

describe('gradient accumulation', () => {
  it('two backward calls add up in .grad; zeroGrad resets it', () => {
    const s = rshape([2, 4], [2, 5]);
    const { v, t: x } = leaf(s);
    x.mul(x).sum().backward();
    tl.sin(x).sum().backward();
    expectClose(grad(x), Array.from(v, (a) => 2 * a + Math.cos(a)), TOL, 'accumulated gradient');
    x.zeroGrad();
    expect(x.grad).toBeNull();
    x.mul(3).sum().backward();
    expectClose(grad(x), Array.from(v, () => 3), TOL, 'after zeroGrad');
  });

  it('retainGraph lets one graph be backpropagated twice (gradients add)', () => {
    const s = rshape([2, 4], [2, 5]);
    const { v, t: x } = leaf(s);
    const y = tl.exp(x).mul(x).sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expectClose(grad(x), Array.from(v, (a) => 2 * (Math.exp(a) * (1 + a))), { rtol: 1e-5, atol: 1e-5 }, 'twice through a retained graph');
  });

  it('a second backward without retainGraph throws a clear Error', () => {
    const { t: x } = leaf([3]);
    const y = tl.tanh(x.mul(2)).sum();
    y.backward();
    expect(() => y.backward()).toThrow(Error);
    expect(() => y.backward()).toThrow(/retainGraph/);
    // an intermediate of the freed graph cannot be reused for backward either
    const { t: z } = leaf([3]);
    const h = z.mul(z);
    const a = h.sum();
    a.backward();
    expect(() => h.sum().backward()).toThrow(/retainGraph/);
  });

  it('a tensor used twice in one op (x * x, x + x, x / x... ) gets both contributions', () => {
    const s = rshape([2, 4], [2, 4]);
    checkGrad({
      inputs: [{ shape: s, lo: 0.5, hi: 2 }],
      ref: ([x]) => [map(R.r64(x, s), (a) => a * a), map(R.r64(x, s), (a) => 2 * a), map(R.r64(x, s), (a) => a ** a)],
      op: ([x]) => [x.mul(x), tl.add(x, x), tl.pow(x, x)],
    });
    checkGrad({
      inputs: [{ shape: s }],
      ref: ([x]) => zip(R.r64(x, s), R.r64(x, s), (a, b) => a * Math.sin(b) - b),
      op: ([x]) => tl.sub(tl.mul(x, tl.sin(x)), x),
    });
  });

  it('diamond graphs: a shared intermediate reached through paths of different depths', () => {
    const s = rshape([2, 4], [2, 4]);
    checkGrad({
      inputs: [{ shape: s, lo: -1, hi: 1 }],
      ref: ([x]) =>
        map(R.r64(x, s), (a) => {
          const y = 2 * a, z = y + Math.exp(y);
          return z * y + Math.sin(z);
        }),
      op: ([x]) => {
        const y = x.mul(2), z = tl.add(y, tl.exp(y));
        return tl.add(tl.mul(z, y), tl.sin(z));
      },
    });
  });

  it('a chain of 5000 ops backpropagates (no recursion limit)', () => {
    const { v, t: x } = leaf([3], 0.5, 1);
    let y = x;
    for (let i = 0; i < 5000; i++) y = y.mul(1.0001);
    y.sum().backward();
    expectClose(grad(x), Array.from(v, () => 1.0001 ** 5000), { rtol: 1e-3, atol: 0 }, 'gradient through 5000 multiplications');
  });

  it('backward(grad) on a leaf itself, on a non-scalar root, and the errors for missing / wrong-shaped grads', () => {
    const s = rshape([2, 4], [2, 4]);
    const { t: x } = leaf(s);
    const w = uniform(numel(s), -1, 1);
    x.backward(tl.tensor(w, { shape: s }));
    expectClose(grad(x), w, { rtol: 0, atol: 0 }, 'leaf backward');
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(RangeError);
    expect(() => y.backward(tl.ones([numel(s) + 1]))).toThrow(RangeError);
    expect(y.grad).toBeNull(); // non-leaf tensors do not keep .grad
  });
});

describe('noGrad, enableGrad and detach', () => {
  it('noGrad records no graph: no gradFn, requiresGrad false, backward throws', () => {
    const { t: x } = leaf([4]);
    const y = tl.noGrad(() => x.mul(2).exp().sum());
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(tl.isGradEnabled()).toBe(true);
    expect(() => y.backward()).toThrow(/does not require grad/);
    expect(x.grad).toBeNull();
  });

  it('enableGrad inside noGrad records again', () => {
    const { v, t: x } = leaf([5]);
    const y = tl.noGrad(() => tl.enableGrad(() => x.mul(x).sum()));
    y.backward();
    expectClose(grad(x), Array.from(v, (a) => 2 * a), TOL, 'enableGrad gradient');
  });

  it('detach cuts the graph: d/dx (detach(x) * x) = x, and detach of a non-leaf is a leaf', () => {
    const s = rshape([2, 5]);
    const { v, t: x } = leaf(s);
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    tl.mul(d, x).sum().backward();
    expectClose(grad(x), v, TOL, 'gradient through detach');
    x.zeroGrad();
    const h = x.mul(3).detach();
    expect(h.gradFn).toBeNull();
    tl.add(tl.mul(h, x), x).sum().backward();
    expectClose(grad(x), Array.from(v, (a) => 3 * a + 1), TOL, 'detached intermediate');
  });

  it('frozen leaves (requiresGrad false) get no .grad while the others do', () => {
    const { t: a } = leaf([3]);
    const b = tl.tensor(uniform(3, -1, 1));
    tl.mul(a, b).sum().backward();
    expect(b.grad).toBeNull();
    expectClose(grad(a), b.dataSync(), { rtol: 0, atol: 0 }, 'gradient of a * b w.r.t. a');
  });
});

describe('tidy and backward', () => {
  it('backward after tidy() disposed the intermediates the graph needs', () => {
    const s = rshape([2, 4], [2, 4]);
    const { v, t: x } = leaf(s);
    let inner: tl.Tensor | null = null;
    const loss = tl.tidy(() => {
      inner = tl.exp(x.mul(2));
      return tl.mul(inner, x).sum();
    });
    expect(inner!.isDisposed).toBe(true);
    loss.backward();
    expectClose(grad(x), Array.from(v, (a) => Math.exp(2 * a) * (1 + 2 * a)), { rtol: 1e-5, atol: 1e-5 }, 'gradient through disposed intermediates');
  });

  it('backward inside tidy(): the gradient outlives the scope', () => {
    const { v, t: x } = leaf([6]);
    tl.tidy(() => {
      tl.square(tl.sin(x)).sum().backward();
    });
    expect(x.grad!.isDisposed).toBe(false);
    expectClose(grad(x), Array.from(v, (a) => 2 * Math.sin(a) * Math.cos(a)), TOL, 'gradient from inside tidy');
  });

  it('a tidy-scoped graph with retainGraph can be backpropagated again after the scope', () => {
    const { v, t: x } = leaf([4]);
    const loss = tl.tidy(() => {
      const l = tl.mul(tl.exp(x), 2).sum();
      l.backward(undefined, { retainGraph: true });
      return l;
    });
    loss.backward();
    expectClose(grad(x), Array.from(v, (a) => 4 * Math.exp(a)), TOL, 'second pass after tidy');
  });
});

describe('requiresGrad', () => {
  it('only float32 tensors can require grad: int32 throws TypeError', () => {
    expect(() => tl.tensor(new Int32Array([1, 2, 3]), { requiresGrad: true })).toThrow(TypeError);
    expect(() => tl.tensor(new Int32Array([1, 2, 3]), { requiresGrad: true })).toThrow(/float32/);
    expect(() => tl.tensor([1, 2], { dtype: 'int32', requiresGrad: true })).toThrow(TypeError);
    expect(() => tl.arange(0, 5, { requiresGrad: true })).toThrow(TypeError); // integer arange is int32
    expect(() => tl.zeros([2], { dtype: 'int32', requiresGrad: true })).toThrow(TypeError);
    expect(() => tl.arange(0, 5, { requiresGrad: true })).toThrow(/float32/);
    const t = tl.tensor(new Int32Array([1, 2]));
    expect(() => {
      t.requiresGrad = true;
    }).toThrow(TypeError);
    expect(t.requiresGrad).toBe(false);
  });

  it('outputs of ops on a tensor that requires grad require grad; a non-leaf cannot stop requiring it', () => {
    const { t: x } = leaf([3]);
    const y = x.mul(2);
    expect(y.requiresGrad).toBe(true);
    expect(y.isLeaf).toBe(false);
    expect(() => {
      y.requiresGrad = false;
    }).toThrow(Error);
    expect(tl.add(tl.tensor([1, 2, 3]), 1).requiresGrad).toBe(false);
  });
});
