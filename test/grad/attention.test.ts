// Gradient checks of nn.MultiheadAttention (key padding mask, float and int attention masks,
// batchFirst both ways) and nn.TransformerEncoderLayer (post-norm and pre-norm, dropout 0)
// against float64 references built from the modules' own parameters (read with dataSync).
import { describe, it } from 'vitest';
import * as tl from '../../lib/index.js';
import { type GradInput, type GradLayout, checkModuleGrad, drawValues, randomizeParams, rshape, useSeedPerTest } from '../helpers/gradcheck.js';
import { randInts, uniform } from '../helpers/random.js';
import type { Ref } from '../helpers/ref.js';
import * as R from '../helpers/ref64.js';

useSeedPerTest();

// The key part of in_proj_bias has an exactly zero gradient (softmax is shift-invariant and
// q . b_k shifts all of a query's scores alike); float32 reproduces that zero only as rounding
// noise of the O(1) terms that cancel, so the absolute tolerance is 3x the default.
const tol = { rtol: 1e-4, atolRel: 3e-5 };

type Params = Record<string, Float64Array>;

interface MhaMasks {
  /** float [L, S] or [N * H, L, S], added to the scores */
  attnMask?: { data: Float32Array; shape: number[] };
  /** int [L, S]: nonzero = masked */
  intAttnMask?: Int32Array;
  /** int [N, S]: nonzero = masked */
  keyPadding?: Int32Array;
}

/** [N, T, E] <-> [T, N, E] */
function swap01(x: Float64Array, a: number, b: number, e: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out.set(x.subarray((i * b + j) * e, (i * b + j + 1) * e), (j * a + i) * e);
  return out;
}

/**
 * PyTorch's multi_head_attention_forward in float64: Q/K/V = in-projections (rows 0..E, E..2E,
 * 2E..3E of in_proj_weight), per head softmax(Q K^T / sqrt(D) + masks) V, heads concatenated,
 * out_proj. Inputs batch-first [N, L, E] / [N, S, E]. Returns [out, weights averaged over heads
 * (or per head [N, H, L, S])].
 */
function mhaRef(q: Float64Array, k: Float64Array, v: Float64Array, N: number, L: number, S: number, E: number, H: number,
  p: Params, prefix: string, bias: boolean, masks: MhaMasks, average = true): Ref[] {
  const D = E / H;
  const w = p[`${prefix}in_proj_weight`], b = bias ? p[`${prefix}in_proj_bias`] : null;
  const proj = (x: Float64Array, T: number, i: number) =>
    R.linear(R.r64(x, [N, T, E]), R.r64(w.subarray(i * E * E, (i + 1) * E * E), [E, E]), b && R.r64(b.subarray(i * E, (i + 1) * E), [E])).data;
  const Q = proj(q, L, 0), K = proj(k, S, 1), V = proj(v, S, 2);
  const att = new Float64Array(N * L * E), weights = new Float64Array(N * H * L * S);
  for (let n = 0; n < N; n++)
    for (let h = 0; h < H; h++)
      for (let l = 0; l < L; l++) {
        const sc = new Float64Array(S);
        for (let s = 0; s < S; s++) {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += Q[(n * L + l) * E + h * D + d] * K[(n * S + s) * E + h * D + d];
          sc[s] = dot / Math.sqrt(D);
          const am = masks.attnMask;
          if (am) sc[s] += am.shape.length === 2 ? am.data[l * S + s] : am.data[((n * H + h) * L + l) * S + s];
          if (masks.intAttnMask?.[l * S + s]) sc[s] = -Infinity;
          if (masks.keyPadding?.[n * S + s]) sc[s] = -Infinity;
        }
        const a = R.softmax(R.r64(sc, [S]), 0).data;
        weights.set(a, ((n * H + h) * L + l) * S);
        for (let d = 0; d < D; d++) {
          let s2 = 0;
          for (let s = 0; s < S; s++) s2 += a[s] * V[(n * S + s) * E + h * D + d];
          att[(n * L + l) * E + h * D + d] = s2;
        }
      }
  const out = R.linear(R.r64(att, [N, L, E]), R.r64(p[`${prefix}out_proj.weight`], [E, E]), bias ? R.r64(p[`${prefix}out_proj.bias`], [E]) : null);
  if (!average) return [out, R.r64(weights, [N, H, L, S])];
  const avg = new Float64Array(N * L * S);
  for (let n = 0; n < N; n++) for (let h = 0; h < H; h++) for (let i = 0; i < L * S; i++) avg[n * L * S + i] += weights[(n * H + h) * L * S + i] / H;
  return [out, R.r64(avg, [N, L, S])];
}

/** A [N, S] padding mask with some keys masked but never all of a batch entry's. */
function paddingMask(N: number, S: number): Int32Array {
  const m = randInts(N * S, 0, 2);
  for (let n = 0; n < N; n++) m[n * S + randInts(1, 0, S)[0]] = 0;
  return m;
}

describe('nn.MultiheadAttention: gradients w.r.t. query, key, value and all parameters', () => {
  it('self-attention (one tensor as query, key and value), batchFirst', () => {
    const [N, L, H, D] = rshape([1, 2], [2, 4], [1, 2], [1, 3]);
    const E = H * D;
    const mha = new tl.nn.MultiheadAttention(E, H);
    randomizeParams(mha);
    checkModuleGrad(mha, {
      tol,
      inputs: [{ shape: [N, L, E], name: 'x' }],
      ref: ([x], p) => mhaRef(x, x, x, N, L, L, E, H, p, '', true, {}),
      op: ([x]) => {
        const [out, w] = mha.forward(x, x, x);
        return [out, w!];
      },
    });
  });

  it('cross-attention with keyPaddingMask and a float attnMask [L, S]', () => {
    const [N, L, S, H, D] = rshape([2, 3], [1, 4], [2, 5], [2, 2], [1, 3]);
    const E = H * D;
    const mha = new tl.nn.MultiheadAttention(E, H);
    randomizeParams(mha);
    const keyPadding = paddingMask(N, S);
    const attnMask = { data: uniform(L * S, -2, 2), shape: [L, S] };
    checkModuleGrad(mha, {
      tol,
      inputs: [{ shape: [N, L, E], name: 'query' }, { shape: [N, S, E], name: 'key' }, { shape: [N, S, E], name: 'value', layout: 'transposed' }],
      ref: ([q, k, v], p) => mhaRef(q, k, v, N, L, S, E, H, p, '', true, { keyPadding, attnMask }),
      op: ([q, k, v]) => {
        const [out, w] = mha.forward(q, k, v, { keyPaddingMask: tl.tensor(keyPadding, { shape: [N, S] }), attnMask: tl.tensor(attnMask.data, { shape: [L, S] }) });
        return [out, w!];
      },
    });
  });

  it('batchFirst false, a per-head float attnMask [N * H, L, S], unaveraged weights, no bias', () => {
    const [N, L, S, H, D] = rshape([1, 2], [1, 3], [2, 4], [2, 3], [1, 2]);
    const E = H * D;
    const mha = new tl.nn.MultiheadAttention(E, H, { batchFirst: false, bias: false });
    randomizeParams(mha);
    const attnMask = { data: uniform(N * H * L * S, -1, 1), shape: [N * H, L, S] };
    checkModuleGrad(mha, {
      tol,
      inputs: [{ shape: [L, N, E], name: 'query' }, { shape: [S, N, E], name: 'key' }, { shape: [S, N, E], name: 'value' }],
      ref: ([q, k, v], p) => {
        const [out, w] = mhaRef(swap01(q, L, N, E), swap01(k, S, N, E), swap01(v, S, N, E), N, L, S, E, H, p, '', false, { attnMask }, false);
        return [R.r64(swap01(out.data, N, L, E), [L, N, E]), w];
      },
      op: ([q, k, v]) => {
        const [out, w] = mha.forward(q, k, v, { attnMask: tl.tensor(attnMask.data, { shape: attnMask.shape }), averageAttnWeights: false });
        return [out, w!];
      },
    });
  });

  it('dropout is off in eval mode (the reference has none)', () => {
    const [N, L, H, D] = rshape([1, 2], [2, 4], [1, 2], [1, 3]);
    const E = H * D;
    const mha = new tl.nn.MultiheadAttention(E, H, { dropout: 0.5 });
    randomizeParams(mha);
    mha.eval();
    checkModuleGrad(mha, {
      tol,
      inputs: [{ shape: [N, L, E], name: 'x' }],
      ref: ([x], p) => mhaRef(x, x, x, N, L, L, E, H, p, '', true, {}),
      op: ([x]) => {
        const [out, w] = mha.forward(x, x, x);
        return [out, w!];
      },
      gradLayout: 'transposed',
    });
  });

  it('an int (causal) attnMask and needWeights false', () => {
    const [N, L, H, D] = rshape([1, 2], [2, 4], [1, 2], [2, 3]);
    const E = H * D;
    const mha = new tl.nn.MultiheadAttention(E, H);
    randomizeParams(mha);
    const causal = Int32Array.from({ length: L * L }, (_, i) => (i % L > Math.floor(i / L) ? 1 : 0));
    checkModuleGrad(mha, {
      tol,
      inputs: [{ shape: [N, L, E], name: 'x' }],
      ref: ([x], p) => mhaRef(x, x, x, N, L, L, E, H, p, '', true, { intAttnMask: causal })[0],
      op: ([x]) => mha.forward(x, x, x, { attnMask: tl.tensor(causal, { shape: [L, L] }), needWeights: false })[0],
      gradLayout: 'broadcast',
    });
  });
});

interface EncoderCase {
  name: string;
  normFirst: boolean;
  activation: 'relu' | 'gelu';
  batchFirst: boolean;
  masks: boolean;
  /** Built with this dropout and run in eval mode (default: dropout 0, training mode). */
  evalDropout?: number;
  /**
   * Not 'broadcast' for post-norm: summing a LayerNorm output over its normalized dim gives a
   * near-constant (only norm2.weight matters), whose tiny gradients are float32 noise.
   */
  gradLayout?: GradLayout;
}

const ENCODER_CASES: EncoderCase[] = [
  { name: 'post-norm, relu', normFirst: false, activation: 'relu', batchFirst: true, masks: false },
  { name: 'pre-norm, gelu', normFirst: true, activation: 'gelu', batchFirst: true, masks: false },
  { name: 'post-norm, gelu, srcMask and srcKeyPaddingMask', normFirst: false, activation: 'gelu', batchFirst: true, masks: true },
  { name: 'pre-norm, relu, batchFirst false, masks', normFirst: true, activation: 'relu', batchFirst: false, masks: true, gradLayout: 'transposed' },
  { name: 'post-norm, gelu, dropout 0.1 in eval mode', normFirst: false, activation: 'gelu', batchFirst: true, masks: false, evalDropout: 0.1, gradLayout: 'transposed' },
];

/** The encoder layer in float64 (batch-first x [N, L, E]); also the feed-forward pre-activations. */
function encoderRef(c: EncoderCase, x: Float64Array, N: number, L: number, E: number, F: number, H: number, p: Params, masks: MhaMasks) {
  const pre: number[] = [];
  const ln = (t: Float64Array, i: number) => R.layerNorm(R.r64(t, [N, L, E]), 1, R.r64(p[`norm${i}.weight`], [E]), R.r64(p[`norm${i}.bias`], [E])).data;
  const sa = (t: Float64Array) => mhaRef(t, t, t, N, L, L, E, H, p, 'self_attn.', true, masks)[0].data;
  const ff = (t: Float64Array) => {
    const h = R.linear(R.r64(t, [N, L, E]), R.r64(p['linear1.weight'], [F, E]), R.r64(p['linear1.bias'], [F]));
    pre.push(...h.data);
    const a = h.data.map((v) => (c.activation === 'relu' ? Math.max(v, 0) : R.gelu(v)));
    return R.linear(R.r64(a, [N, L, F]), R.r64(p['linear2.weight'], [E, F]), R.r64(p['linear2.bias'], [E])).data;
  };
  const add = (a: Float64Array, b: Float64Array) => a.map((v, i) => v + b[i]);
  let out: Float64Array;
  if (c.normFirst) {
    const h = add(x, sa(ln(x, 1)));
    out = add(h, ff(ln(h, 2)));
  } else {
    const h = ln(add(x, sa(x)), 1);
    out = ln(add(h, ff(h)), 2);
  }
  return { out, pre };
}

describe('nn.TransformerEncoderLayer (dropout 0): gradients w.r.t. src and all parameters', () => {
  for (const c of ENCODER_CASES)
    it(c.name, () => {
      // E = H * D >= 3: LayerNorm over 2 features is degenerate (see norm.test.ts)
      const [N, L, H, D, F] = rshape([1, 2], [2, 3], [1, 2], [3, 4], [3, 6]);
      const E = H * D;
      const layer = new tl.nn.TransformerEncoderLayer(E, H, {
        dimFeedforward: F, dropout: c.evalDropout ?? 0, activation: c.activation, normFirst: c.normFirst, batchFirst: c.batchFirst,
      });
      if (c.evalDropout) layer.eval();
      const masks: MhaMasks = c.masks ? { keyPadding: paddingMask(N, L), attnMask: { data: uniform(L * L, -1, 1), shape: [L, L] } } : {};
      const xShape = c.batchFirst ? [N, L, E] : [L, N, E];
      // relu: redraw parameters and input until no feed-forward pre-activation is within 1e-3
      // of relu's kink (the finite differences move them by ~1e-6)
      let values: Float32Array;
      for (let tries = 0; ; tries++) {
        randomizeParams(layer);
        values = drawValues({ shape: xShape });
        if (c.activation !== 'relu') break;
        const p: Params = Object.fromEntries(layer.namedParameters().map(([k, t]) => [k, Float64Array.from(t.dataSync())]));
        const xb = c.batchFirst ? Float64Array.from(values) : swap01(Float64Array.from(values), L, N, E);
        if (encoderRef(c, xb, N, L, E, F, H, p, masks).pre.every((v) => Math.abs(v) > 1e-3) || tries > 50) break;
      }
      const inputs: GradInput[] = [{ shape: xShape, values, name: 'src' }];
      checkModuleGrad(layer, {
        tol,
        what: `TransformerEncoderLayer ${c.name}`,
        inputs,
        gradLayout: c.gradLayout,
        ref: ([x], p) => {
          const xb = c.batchFirst ? x : swap01(x, L, N, E);
          const { out } = encoderRef(c, xb, N, L, E, F, H, p, masks);
          return R.r64(c.batchFirst ? out : swap01(out, N, L, E), xShape);
        },
        op: ([x]) =>
          layer.forward(x, c.masks ? { srcMask: tl.tensor(masks.attnMask!.data, { shape: [L, L] }), srcKeyPaddingMask: tl.tensor(masks.keyPadding!, { shape: [N, L] }) } : {}),
      });
    });
});
