// float64 forward references of the nn ops for the gradient checks (test/grad): plain loops
// over Float64Array, written from PyTorch's definitions, independent of tensorlift.
import { erf } from './mathref.js';
import { type Ref, numel, strides, unravel } from './ref.js';

export { erf };

export const r64 = (data: ArrayLike<number>, shape: number[]): Ref => ({ data: Float64Array.from(data), shape: [...shape] });

// ---------------------------------------------------------------- scalar functions

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
export const softplus = (x: number, beta = 1, threshold = 20): number =>
  beta * x > threshold ? x : Math.log1p(Math.exp(beta * x)) / beta;
export const gelu = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));
export const geluTanh = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

// ---------------------------------------------------------------- generic helpers

/** Applies f to every 1-D lane along `dim` (f maps the lane's values to new lane values). */
export function alongDim(x: Ref, dim: number, f: (lane: Float64Array) => Float64Array): Ref {
  const nd = x.shape.length, d = dim < 0 ? dim + nd : dim;
  const n = x.shape[d], st = strides(x.shape)[d];
  const out = new Float64Array(x.data.length);
  const lane = new Float64Array(n);
  for (let base = 0; base < x.data.length; base++) {
    if (Math.floor(base / st) % n !== 0) continue; // first element of a lane
    for (let i = 0; i < n; i++) lane[i] = x.data[base + i * st];
    const y = f(lane);
    for (let i = 0; i < n; i++) out[base + i * st] = y[i];
  }
  return { data: out, shape: [...x.shape] };
}

export function softmax(x: Ref, dim: number, log = false): Ref {
  return alongDim(x, dim, (v) => {
    let m = -Infinity;
    for (const a of v) m = Math.max(m, a);
    let s = 0;
    for (const a of v) s += Math.exp(a - m);
    const lse = m + Math.log(s);
    return v.map((a) => (log ? a - lse : Math.exp(a - lse)));
  });
}

/** x [..., in] @ w[out, in]^T + b[out]. */
export function linear(x: Ref, w: Ref, b?: Ref | null): Ref {
  const [o, k] = w.shape, rows = x.data.length / k;
  const out = new Float64Array(rows * o);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < o; j++) {
      let s = b ? b.data[j] : 0;
      for (let p = 0; p < k; p++) s += x.data[r * k + p] * w.data[j * k + p];
      out[r * o + j] = s;
    }
  return { data: out, shape: [...x.shape.slice(0, -1), o] };
}

// ---------------------------------------------------------------- convolution and pooling

export interface Conv2dRefOptions {
  stride?: [number, number];
  padding?: [number, number];
  dilation?: [number, number];
  groups?: number;
}

/** Direct convolution (cross-correlation, as PyTorch): x [N, C, H, W], w [O, C/g, kh, kw]. */
export function conv2d(x: Ref, w: Ref, b: Ref | null, o: Conv2dRefOptions = {}): Ref {
  const [N, C, H, W] = x.shape, [O, Cg, KH, KW] = w.shape;
  const [sh, sw] = o.stride ?? [1, 1], [ph, pw] = o.padding ?? [0, 0], [dh, dw] = o.dilation ?? [1, 1], g = o.groups ?? 1;
  const OH = Math.floor((H + 2 * ph - dh * (KH - 1) - 1) / sh) + 1, OW = Math.floor((W + 2 * pw - dw * (KW - 1) - 1) / sw) + 1;
  const out = new Float64Array(N * O * OH * OW);
  const og = O / g;
  for (let n = 0; n < N; n++)
    for (let oc = 0; oc < O; oc++) {
      const grp = Math.floor(oc / og);
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let s = b ? b.data[oc] : 0;
          for (let c = 0; c < Cg; c++) {
            const ic = grp * Cg + c;
            for (let i = 0; i < KH; i++) {
              const ih = oh * sh - ph + i * dh;
              if (ih < 0 || ih >= H) continue;
              for (let j = 0; j < KW; j++) {
                const iw = ow * sw - pw + j * dw;
                if (iw < 0 || iw >= W) continue;
                s += x.data[((n * C + ic) * H + ih) * W + iw] * w.data[((oc * Cg + c) * KH + i) * KW + j];
              }
            }
          }
          out[((n * O + oc) * OH + oh) * OW + ow] = s;
        }
    }
  return { data: out, shape: [N, O, OH, OW] };
}

/** PyTorch's pooling output size (with ceil mode's "last window starts inside" rule). */
export function poolOutSize(size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = size + 2 * p - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

export interface PoolRefOptions {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation?: [number, number];
  ceilMode?: boolean;
}

export function maxPool2d(x: Ref, o: PoolRefOptions): Ref {
  const [N, C, H, W] = x.shape, [kh, kw] = o.kernel, [sh, sw] = o.stride, [ph, pw] = o.padding, [dh, dw] = o.dilation ?? [1, 1];
  const OH = poolOutSize(H, kh, sh, ph, dh, !!o.ceilMode), OW = poolOutSize(W, kw, sw, pw, dw, !!o.ceilMode);
  const out = new Float64Array(N * C * OH * OW);
  for (let nc = 0; nc < N * C; nc++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        let m = -Infinity;
        for (let i = 0; i < kh; i++) {
          const ih = oh * sh - ph + i * dh;
          if (ih < 0 || ih >= H) continue;
          for (let j = 0; j < kw; j++) {
            const iw = ow * sw - pw + j * dw;
            if (iw >= 0 && iw < W) m = Math.max(m, x.data[(nc * H + ih) * W + iw]);
          }
        }
        out[(nc * OH + oh) * OW + ow] = m;
      }
  return { data: out, shape: [N, C, OH, OW] };
}

/** PyTorch's avg_pool2d, including its divisor rules for padding and ceil mode. */
export function avgPool2d(x: Ref, o: PoolRefOptions & { countIncludePad: boolean }): Ref {
  const [N, C, H, W] = x.shape, [kh, kw] = o.kernel, [sh, sw] = o.stride, [ph, pw] = o.padding;
  const OH = poolOutSize(H, kh, sh, ph, 1, !!o.ceilMode), OW = poolOutSize(W, kw, sw, pw, 1, !!o.ceilMode);
  const out = new Float64Array(N * C * OH * OW);
  for (let nc = 0; nc < N * C; nc++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        let h0 = oh * sh - ph, w0 = ow * sw - pw;
        let h1 = Math.min(h0 + kh, H + ph), w1 = Math.min(w0 + kw, W + pw);
        const poolSize = (h1 - h0) * (w1 - w0);
        h0 = Math.max(h0, 0);
        w0 = Math.max(w0, 0);
        h1 = Math.min(h1, H);
        w1 = Math.min(w1, W);
        let s = 0;
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) s += x.data[(nc * H + ih) * W + iw];
        out[(nc * OH + oh) * OW + ow] = s / (o.countIncludePad ? poolSize : (h1 - h0) * (w1 - w0));
      }
  return { data: out, shape: [N, C, OH, OW] };
}

// ---------------------------------------------------------------- normalization

/** Per-channel statistics of x [N, C, ...]: mean, biased and unbiased variance. */
export function channelStats(x: Ref): { mean: Float64Array; varBiased: Float64Array; varUnbiased: Float64Array } {
  const [N, C] = x.shape, inner = numel(x.shape.slice(2)), cnt = N * inner;
  const mean = new Float64Array(C), vb = new Float64Array(C), vu = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let n = 0; n < N; n++) for (let i = 0; i < inner; i++) s += x.data[(n * C + c) * inner + i];
    const m = s / cnt;
    let q = 0;
    for (let n = 0; n < N; n++) for (let i = 0; i < inner; i++) q += (x.data[(n * C + c) * inner + i] - m) ** 2;
    mean[c] = m;
    vb[c] = q / cnt;
    vu[c] = q / (cnt - 1);
  }
  return { mean, varBiased: vb, varUnbiased: vu };
}

/** Batch norm of x [N, C, ...] with the given per-channel mean/variance (batch or running). */
export function batchNorm(x: Ref, mean: ArrayLike<number>, variance: ArrayLike<number>, w: Ref | null, b: Ref | null, eps: number): Ref {
  const [N, C] = x.shape, inner = numel(x.shape.slice(2));
  const out = new Float64Array(x.data.length);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const r = 1 / Math.sqrt(variance[c] + eps);
      for (let i = 0; i < inner; i++) {
        const k = (n * C + c) * inner + i;
        out[k] = (x.data[k] - mean[c]) * r * (w ? w.data[c] : 1) + (b ? b.data[c] : 0);
      }
    }
  return { data: out, shape: [...x.shape] };
}

export function batchNormTrain(x: Ref, w: Ref | null, b: Ref | null, eps: number): Ref {
  const st = channelStats(x);
  return batchNorm(x, st.mean, st.varBiased, w, b, eps);
}

/** Layer norm over the last k dims, weight/bias of those dims' shape. */
export function layerNorm(x: Ref, k: number, w: Ref | null, b: Ref | null, eps = 1e-5): Ref {
  const m = numel(x.shape.slice(x.shape.length - k)), rows = x.data.length / m;
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += x.data[r * m + i];
    const mu = s / m;
    let q = 0;
    for (let i = 0; i < m; i++) q += (x.data[r * m + i] - mu) ** 2;
    const rstd = 1 / Math.sqrt(q / m + eps);
    for (let i = 0; i < m; i++) out[r * m + i] = (x.data[r * m + i] - mu) * rstd * (w ? w.data[i] : 1) + (b ? b.data[i] : 0);
  }
  return { data: out, shape: [...x.shape] };
}

// ---------------------------------------------------------------- indexing helpers

/** out[i] = x[src(i)] for an output of `shape`, src giving a flat input index (or -1 for 0). */
export function pick(x: Ref, shape: number[], src: (idx: number[]) => number): Ref {
  const out = new Float64Array(numel(shape));
  for (let i = 0; i < out.length; i++) {
    const s = src(unravel(i, shape));
    out[i] = s < 0 ? 0 : x.data[s];
  }
  return { data: out, shape: [...shape] };
}

/** Flat index of a multi-index in shape. */
export function ravel(idx: number[], shape: number[]): number {
  let f = 0;
  for (let d = 0; d < shape.length; d++) f = f * shape[d] + idx[d];
  return f;
}

/** x broadcast to shape (NumPy rules). */
export function broadcastTo(x: Ref, shape: number[]): Ref {
  const off = shape.length - x.shape.length;
  return pick(x, shape, (idx) => ravel(x.shape.map((s, d) => (s === 1 ? 0 : idx[d + off])), x.shape));
}

/** Concatenation of flattened refs (for multi-output references). */
export function concatFlat(...rs: Ref[]): Ref {
  const n = rs.reduce((a, r) => a + r.data.length, 0);
  const out = new Float64Array(n);
  let at = 0;
  for (const r of rs) {
    out.set(r.data, at);
    at += r.data.length;
  }
  return { data: out, shape: [n] };
}
