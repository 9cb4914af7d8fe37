// Finite-difference gradient checks against float64 references.
//
// For an op f with float64 reference `ref`, the check draws float32 inputs, a random weight
// w of f's output shape, and compares tensorlift's analytic gradient of L = sum(w * f(x))
// (out.backward(w), read from the leaves' .grad) with the central difference
// (L(x + h e_j) - L(x - h e_j)) / 2h of the float64 reference at the same (float32-exact)
// inputs. The reference is all float64, so the numerical gradient carries no float32 noise;
// the tolerance only has to absorb tensorlift's float32 forward/backward arithmetic: by
// default |analytic - numeric| <= 1e-6 + 1e-5 * max|numeric| (per leaf) + 1e-4 * |numeric|.
// Measured errors on these tests stay below ~5% of that bound; a wrong gradient formula is
// off by O(1). Kinks (relu at 0, clamp bounds, max ties) must be kept > 1e-3 away from the
// inputs: the steps are h = 1e-6 * max(1, |x|).
//
// Options also route the gradient that reaches the op's backward through a transposed or a
// stride-0 view (gradLayout), lay the inputs out non-contiguously (GradInput.layout), and
// check a sample of coordinates of large inputs (sample).
//
// Every test file should call useSeedPerTest(): each test then draws from its own stream,
// derived from TEST_SEED and the test's name, so `TEST_SEED=... vitest -t name` reproduces it.
import { beforeEach, expect } from 'vitest';
import * as tl from '../../lib/index.js';
import type { Tensor } from '../../lib/index.js';
import { TEST_SEED, randInt, reseed, uniform } from './random.js';
import { type Ref, permute } from './ref.js';

export type { Ref };

/** Seeds the JS generator and tensorlift's generator per test (TEST_SEED + the test's name). */
export function useSeedPerTest(): void {
  beforeEach((ctx) => {
    let h = TEST_SEED >>> 0;
    for (const ch of ctx.task.name) h = Math.imul(h ^ ch.charCodeAt(0), 0x9e3779b1) >>> 0;
    reseed(h);
    tl.manualSeed(h);
  });
}

export * from './grad-inputs.js';
import { type GradInput, drawValues, numel } from './grad-inputs.js';

// ---------------------------------------------------------------- leaves

/** A float32 tensor the check differentiates with respect to, with its float64 values. */
export interface Leaf {
  name: string;
  /** Logical shape (what the op sees). */
  shape: number[];
  /** Logical row-major values; the finite differences perturb this array in place. */
  data: Float64Array;
  /** The analytic gradient in the logical layout, or null when .grad is null. */
  grad(): Float64Array | null;
  /** Extra checks after backward (e.g. zero gradient on the gaps of a strided leaf). */
  after?(): void;
}

function transposedData(v: Float32Array, shape: number[]): Float32Array {
  // values of the [..., b, a] leaf whose transpose(-1, -2) has logical values v of [..., a, b]
  const a = shape[shape.length - 2], b = shape[shape.length - 1], batch = v.length / (a * b);
  const out = new Float32Array(v.length);
  for (let n = 0; n < batch; n++)
    for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out[n * a * b + j * a + i] = v[n * a * b + i * b + j];
  return out;
}

/** Makes the leaf tensor for an input spec and the (possibly non-contiguous) view the op gets. */
export function makeInput(input: GradInput, index: number): { leaf: Leaf; view: Tensor; tensor: Tensor } {
  const name = input.name ?? `input ${index}`;
  const values = drawValues(input);
  const shape = [...input.shape];
  const requiresGrad = input.grad !== false;
  const layout = input.layout ?? 'contiguous';
  const data = Float64Array.from(values);
  let tensor: Tensor, view: Tensor, grad: () => Float64Array | null, after: (() => void) | undefined;
  if (layout === 'contiguous') {
    tensor = tl.tensor(values, { shape, requiresGrad });
    view = tensor;
    grad = () => (tensor.grad ? Float64Array.from(tensor.grad.dataSync()) : null);
  } else if (layout === 'transposed') {
    if (shape.length < 2) throw new Error(`gradcheck: layout 'transposed' needs 2+ dims, ${name} has [${shape}]`);
    const leafShape = [...shape.slice(0, -2), shape[shape.length - 1], shape[shape.length - 2]];
    tensor = tl.tensor(transposedData(values, shape), { shape: leafShape, requiresGrad });
    view = tensor.transpose(-1, -2);
    grad = () => {
      if (!tensor.grad) return null;
      // the leaf's gradient is laid out as [..., b, a]; read it back as [..., a, b]
      const g = tensor.grad.dataSync(), a = shape[shape.length - 2], b = shape[shape.length - 1];
      const out = new Float64Array(g.length);
      for (let n = 0; n < g.length / (a * b); n++)
        for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out[n * a * b + i * b + j] = g[n * a * b + j * a + i];
      return out;
    };
  } else {
    const w = shape[shape.length - 1] ?? 1;
    const leafShape = shape.length ? [...shape.slice(0, -1), 2 * w] : [2];
    const full = uniform(numel(leafShape), -1, 1);
    for (let r = 0; r < values.length / w; r++) for (let j = 0; j < w; j++) full[r * 2 * w + 2 * j] = values[r * w + j];
    tensor = tl.tensor(full, { shape: leafShape, requiresGrad });
    view = shape.length ? tensor.slice(-1, 0, null, 2) : tensor.slice(0, 0, 1).reshape([]);
    const pick = (odd: number) => () => {
      if (!tensor.grad) return null;
      const g = tensor.grad.dataSync(), out = new Float64Array(g.length / 2);
      for (let k = 0; k < out.length; k++) out[k] = g[2 * k + odd];
      return out;
    };
    grad = pick(0);
    after = () => {
      const gaps = pick(1)();
      if (gaps && gaps.some((v) => v !== 0))
        throw new Error(`${name}: gradient leaked into the elements a strided view skips (TEST_SEED=${TEST_SEED})`);
    };
  }
  const nonTrivial = layout === 'transposed' ? shape[shape.length - 1] > 1 && shape[shape.length - 2] > 1 : (shape[shape.length - 1] ?? 0) > 1;
  if (layout !== 'contiguous' && nonTrivial)
    expect(view.isContiguous(), `${name}: layout '${layout}' should give a non-contiguous view`).toBe(false);
  const leaf: Leaf = { name, shape, data, grad: requiresGrad ? grad : () => null, after };
  return { leaf, view, tensor };
}

/** A leaf for an existing tensor that requires grad (a module parameter). */
export function tensorLeaf(name: string, t: Tensor): Leaf {
  return { name, shape: t.shape, data: Float64Array.from(t.dataSync()), grad: () => (t.grad ? Float64Array.from(t.grad.dataSync()) : null) };
}

// ---------------------------------------------------------------- the check

export interface GradTolerance {
  /** Relative tolerance per element (default 1e-4). */
  rtol?: number;
  /** Absolute tolerance, as a fraction of the leaf's largest numerical gradient (default 1e-5). */
  atolRel?: number;
  /** Absolute floor (default 1e-6). */
  atol?: number;
}

export interface CheckOptions {
  tol?: GradTolerance;
  /** Tolerance of the forward sanity check (tensorlift's output vs the reference). */
  fwdTol?: GradTolerance;
  /** Relative finite-difference step (default 1e-6; h = eps * max(1, |x|)). */
  eps?: number;
  what?: string;
  /** Leaves whose gradient is not compared (their values still feed the reference). */
  skip?: string[];
  /**
   * The layout of the gradient that reaches the op's backward: as passed to backward()
   * (default), non-contiguous ('transposed': the outputs are transposed before backward, so
   * transpose's backward hands the op a transposed view), or with stride 0 ('broadcast': the
   * outputs are summed over their last dim first, so the op gets sum's expanded gradient).
   */
  gradLayout?: GradLayout;
  /**
   * Large inputs: compare the gradient at this many random coordinates per leaf (plus the
   * first and the last) instead of all, each costing two reference evaluations.
   */
  sample?: number;
}

export type GradLayout = 'contiguous' | 'transposed' | 'broadcast';
export const GRAD_LAYOUTS: GradLayout[] = ['contiguous', 'transposed', 'broadcast'];

function swapLast(r: Ref): Ref {
  const n = r.shape.length;
  if (n < 2) return r;
  return permute(r, [...Array.from({ length: n - 2 }, (_, i) => i), n - 1, n - 2]);
}

function sumLast(r: Ref): Ref {
  const n = r.shape.length;
  if (n < 1) return r;
  const k = r.shape[n - 1], rows = r.data.length / k;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) for (let j = 0; j < k; j++) out[i] += r.data[i * k + j];
  return { data: out, shape: r.shape.slice(0, -1) };
}

type Out<T> = T | T[];
const asList = <T>(v: Out<T>): T[] => (Array.isArray(v) ? v : [v]);

function closeOrThrow(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: GradTolerance,
  what: string,
  shape: number[],
  flatOf: (i: number) => number = (i) => i,
): number {
  const rtol = tol.rtol ?? 1e-4;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  const atol = (tol.atol ?? 1e-6) + (tol.atolRel ?? 1e-5) * scale;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i], err = Math.abs(a - e);
    if (Number.isNaN(a) && Number.isNaN(e)) continue;
    const bound = atol + rtol * Math.abs(e);
    if (!(err <= bound)) {
      const idx: number[] = [];
      for (let d = shape.length - 1, r = flatOf(i); d >= 0; d--) {
        idx.unshift(r % shape[d]);
        r = Math.floor(r / shape[d]);
      }
      const show = (v: ArrayLike<number>) => Array.from(v).slice(0, 12).map((x) => +x.toPrecision(6)).join(', ');
      throw new Error(
        `${what}: element [${idx}] (flat ${flatOf(i)}) is ${a}, expected ${e} (|err| ${err.toExponential(2)} > ${bound.toExponential(2)}; ` +
          `rtol ${rtol}, atol ${atol.toExponential(2)}; TEST_SEED=${TEST_SEED})\n  got      ${show(actual)}\n  expected ${show(expected)}`,
      );
    }
    worst = Math.max(worst, err / bound);
  }
  return worst;
}

function sampleCoords(n: number, k: number): number[] {
  const set = new Set<number>([0, n - 1]);
  while (set.size < k + 2) set.add(randInt(0, n));
  return [...set].sort((a, b) => a - b);
}

/** The core: compares analytic and numerical gradients of sum(w * f) for every leaf. */
export function gradcheckLeaves(
  leaves: Leaf[],
  ref: () => Out<Ref>,
  run: () => Out<Tensor>,
  opts: CheckOptions = {},
): void {
  const layout = opts.gradLayout ?? 'contiguous';
  const what = `${opts.what ?? 'gradcheck'}${layout === 'contiguous' ? '' : ` (gradient ${layout})`}`;
  const adaptRef = (r: Ref): Ref => (layout === 'transposed' ? swapLast(r) : layout === 'broadcast' ? sumLast(r) : r);
  const adaptOut = (t: Tensor): Tensor =>
    layout === 'transposed' && t.ndim >= 2 ? t.transpose(-1, -2) : layout === 'broadcast' && t.ndim >= 1 ? t.sum(-1) : t;
  const rawRefs = asList(ref());
  const refs = rawRefs.map(adaptRef);
  const ws = refs.map((r) => uniform(numel(r.shape), -1, 1));
  const w64 = ws.map((w) => Float64Array.from(w));
  const loss = (): number => {
    const rs = asList(ref()).map(adaptRef);
    let s = 0;
    rs.forEach((r, k) => {
      const w = w64[k];
      for (let i = 0; i < w.length; i++) s += w[i] * r.data[i];
    });
    return s;
  };

  // Analytic: tensorlift forward, then backward(w).
  const rawOuts = asList(run());
  expect(rawOuts.length, `${what}: number of outputs`).toBe(refs.length);
  rawOuts.forEach((o, k) => {
    expect(o.shape, `${what}: output ${k} shape (TEST_SEED=${TEST_SEED})`).toEqual(rawRefs[k].shape);
    closeOrThrow(o.dataSync(), rawRefs[k].data, opts.fwdTol ?? { rtol: 1e-3, atolRel: 1e-4 }, `${what}: forward output ${k}`, rawRefs[k].shape);
  });
  const outs = rawOuts.map(adaptOut);
  if (outs.length === 1) {
    outs[0].backward(tl.tensor(ws[0], { shape: refs[0].shape }));
  } else {
    const flat = tl.cat(outs.map((o) => o.reshape([-1])), 0);
    const wAll = new Float32Array(ws.reduce((n, w) => n + w.length, 0));
    let at = 0;
    for (const w of ws) wAll.set(w, (at += w.length) - w.length);
    flat.backward(tl.tensor(wAll, { shape: [wAll.length] }));
  }

  const worst: string[] = [];
  for (const leaf of leaves) {
    if (opts.skip?.includes(leaf.name)) continue;
    const n = leaf.data.length;
    const coords = opts.sample !== undefined && opts.sample + 2 < n ? sampleCoords(n, opts.sample) : Array.from({ length: n }, (_, j) => j);
    const numeric = new Float64Array(n);
    for (const j of coords) {
      const x0 = leaf.data[j];
      const h = (opts.eps ?? 1e-6) * Math.max(1, Math.abs(x0));
      leaf.data[j] = x0 + h;
      const up = loss();
      leaf.data[j] = x0 - h;
      const down = loss();
      leaf.data[j] = x0;
      numeric[j] = (up - down) / (2 * h);
    }
    const analytic = leaf.grad();
    if (analytic === null) {
      if (numeric.some((v) => Math.abs(v) > 1e-9))
        throw new Error(`${what}: ${leaf.name}.grad is null, but its numerical gradient is not zero (TEST_SEED=${TEST_SEED})`);
      continue;
    }
    expect(analytic.length, `${what}: ${leaf.name} gradient size`).toBe(numeric.length);
    const sampled = coords.length < n;
    const r = sampled
      ? closeOrThrow(coords.map((j) => analytic[j]), coords.map((j) => numeric[j]), opts.tol ?? {}, `${what}: d/d ${leaf.name} (${coords.length} sampled elements)`, leaf.shape, (i) => coords[i])
      : closeOrThrow(analytic, numeric, opts.tol ?? {}, `${what}: d/d ${leaf.name}`, leaf.shape);
    worst.push(`${leaf.name} ${r.toFixed(3)}`);
    leaf.after?.();
  }
  if (process.env.GRADCHECK_VERBOSE) console.log(`${expect.getState().currentTestName} / ${what}: worst err/bound ${worst.join(', ')}`);
}

export interface CheckGradSpec extends CheckOptions {
  inputs: GradInput[];
  /** float64 reference of the forward pass on the logical input values. */
  ref: (xs: Float64Array[]) => Out<Ref>;
  /** The tensorlift op on the input tensors (views for non-contiguous layouts). */
  op: (ts: Tensor[]) => Out<Tensor>;
}

/** Gradient check of a function of freshly drawn input tensors. Returns the tensors. */
export function checkGrad(spec: CheckGradSpec): Tensor[] {
  const made = spec.inputs.map((inp, i) => makeInput(inp, i));
  const leaves = made.filter((_, i) => spec.inputs[i].grad !== false).map((m) => m.leaf);
  const all = made.map((m) => m.leaf.data);
  gradcheckLeaves(leaves, () => spec.ref(all), () => spec.op(made.map((m) => m.view)), spec);
  return made.map((m) => m.tensor);
}

export interface ModuleLike {
  namedParameters(): [string, Tensor][];
  zeroGrad(): void;
}

/**
 * Replaces every parameter's values with uniform(lo, hi) draws (through loadStateDict):
 * constant initializations (norm weights 1, biases 0) would make weak checks.
 */
export function randomizeParams(m: tl.nn.Module, lo = -1, hi = 1): void {
  const state: Record<string, Tensor> = {};
  for (const [name, p] of m.namedParameters()) state[name] = tl.tensor(uniform(p.size, lo, hi), { shape: p.shape });
  m.loadStateDict(state, { strict: false });
}

/**
 * Gradient check of a module: w.r.t. the freshly drawn inputs and every parameter. The
 * reference gets the input values and the parameters' values by their dotted names.
 */
export function checkModuleGrad(
  module: ModuleLike,
  spec: CheckOptions & {
    inputs: GradInput[];
    ref: (xs: Float64Array[], params: Record<string, Float64Array>) => Out<Ref>;
    op: (ts: Tensor[]) => Out<Tensor>;
  },
): void {
  module.zeroGrad();
  const made = spec.inputs.map((inp, i) => makeInput(inp, i));
  const params = module.namedParameters().filter(([, t]) => t.requiresGrad);
  const pLeaves = params.map(([name, t]) => tensorLeaf(name, t));
  const pMap: Record<string, Float64Array> = {};
  for (const l of pLeaves) pMap[l.name] = l.data;
  const leaves = [...made.filter((_, i) => spec.inputs[i].grad !== false).map((m) => m.leaf), ...pLeaves];
  const xs = made.map((m) => m.leaf.data);
  gradcheckLeaves(leaves, () => spec.ref(xs, pMap), () => spec.op(made.map((m) => m.view)), spec);
}
