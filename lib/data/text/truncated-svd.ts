// Randomized truncated SVD of a sparse matrix (Halko, Martinsson & Tropp 2011, algorithm 4.4:
// a Gaussian sketch, q power iterations re-orthonormalized after each product, then the exact
// SVD of the small projected matrix). It is how latent semantic features (text-lsa.ts) are
// learned from a user's unlabelled texts: the k leading right singular vectors of their TF-IDF
// rows. The sparse products (nnz x (k + oversample) each) run in float64 JavaScript.
// Bases are found by Cholesky QR: between power iterations once, in float32 on the GEMM (only
// the span matters there), and at the end twice in float64 (CholQR2: orthogonal to rounding
// error while the sketch's condition number stays below ~1e8, which re-orthonormalizing keeps).
import { matmul } from '../../ops/linalg.js';
import { transpose } from '../../ops/shape.js';
import { tensor } from '../../tensor/create.js';
import { tidy } from '../../tensor/tensor.js';
import { seededRandom } from '../../train/data.js';

/** An n x width matrix as CSR rows. */
export interface CsrMatrix {
  indptr: Int32Array;
  cols: Int32Array;
  vals: Float64Array;
  width: number;
}

export interface TruncatedSvd {
  /** The k singular values, largest first (k may be below the requested rank for a rank-deficient matrix). */
  values: Float64Array;
  /** Right singular vectors, [width, k] row-major: column j belongs to values[j]. */
  vectors: Float64Array;
  k: number;
}

/** out [n, l] = X [n, d] · M [d, l] (both row-major). */
export function sparseTimesDense(x: CsrMatrix, m: Float64Array | Float32Array, l: number): Float64Array {
  const n = x.indptr.length - 1, out = new Float64Array(n * l);
  for (let i = 0; i < n; i++) {
    const o = i * l;
    for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) {
      const v = x.vals[p], r = x.cols[p] * l;
      for (let j = 0; j < l; j++) out[o + j] += v * m[r + j];
    }
  }
  return out;
}

/** out [d, l] = Xᵀ · Y [n, l]. */
function transposeTimes(x: CsrMatrix, y: Float64Array, l: number): Float64Array {
  const n = x.indptr.length - 1, out = new Float64Array(x.width * l);
  for (let i = 0; i < n; i++) {
    const o = i * l;
    for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) {
      const v = x.vals[p], r = x.cols[p] * l;
      for (let j = 0; j < l; j++) out[r + j] += v * y[o + j];
    }
  }
  return out;
}

/** Gram matrix YᵀY [l, l] of row-major Y [rows, l]. */
function gram(y: Float64Array, rows: number, l: number): Float64Array {
  const g = new Float64Array(l * l);
  for (let i = 0; i < rows; i++) {
    const o = i * l;
    for (let a = 0; a < l; a++) {
      const ya = y[o + a];
      if (ya === 0) continue;
      for (let b = a; b < l; b++) g[a * l + b] += ya * y[o + b];
    }
  }
  for (let a = 0; a < l; a++) for (let b = 0; b < a; b++) g[a * l + b] = g[b * l + a];
  return g;
}

/**
 * R⁻¹ for the upper-triangular Cholesky factor R of the Gram matrix G [l, l] (RᵀR = G): Y R⁻¹
 * has orthonormal columns. A pivot below 1e-12 of the largest diagonal (a direction Y does not
 * span) leaves its row and column zero instead of dividing by it.
 */
function choleskyInverse(g: ArrayLike<number>, l: number): Float64Array {
  let top = 0;
  for (let a = 0; a < l; a++) top = Math.max(top, g[a * l + a]);
  const r = new Float64Array(l * l);
  for (let a = 0; a < l; a++) {
    let s = g[a * l + a];
    for (let k = 0; k < a; k++) s -= r[k * l + a] * r[k * l + a];
    if (!(s > 1e-12 * top)) continue;
    const d = Math.sqrt(s);
    r[a * l + a] = d;
    for (let b = a + 1; b < l; b++) {
      let t = g[a * l + b];
      for (let k = 0; k < a; k++) t -= r[k * l + a] * r[k * l + b];
      r[a * l + b] = t / d;
    }
  }
  const inv = new Float64Array(l * l);
  for (let b = 0; b < l; b++) {
    if (r[b * l + b] === 0) continue;
    inv[b * l + b] = 1 / r[b * l + b];
    for (let a = b - 1; a >= 0; a--) {
      if (r[a * l + a] === 0) continue;
      let t = 0;
      for (let k = a + 1; k <= b; k++) t += r[a * l + k] * inv[k * l + b];
      inv[a * l + b] = -t / r[a * l + a];
    }
  }
  return inv;
}

/** Y [rows, l] made orthonormal in place: Cholesky QR twice (CholQR2), in float64. */
export function orthonormalize(y: Float64Array, rows: number, l: number): void {
  const q = new Float64Array(l);
  for (let pass = 0; pass < 2; pass++) {
    const inv = choleskyInverse(gram(y, rows, l), l);
    // Q = Y R⁻¹ row by row as contiguous axpys (the JIT runs them faster than substitution).
    for (let i = 0; i < rows; i++) {
      const o = i * l;
      q.fill(0);
      for (let k = 0; k < l; k++) {
        const yk = y[o + k];
        if (yk === 0) continue;
        for (let b = k; b < l; b++) q[b] += yk * inv[k * l + b];
      }
      y.set(q, o);
    }
  }
}

/**
 * A basis of Y's span, near-orthonormal: one Cholesky QR with the Gram matrix and the product
 * in float32 on the GEMM. Y R⁻¹ spans what Y spans for any invertible R, which is all a power
 * iteration needs; the final basis is made exactly orthonormal in float64 (orthonormalize).
 */
function spanBasis(y: Float64Array, rows: number, l: number): Float64Array {
  return tidy(() => {
    const t = tensor(Float32Array.from(y), { shape: [rows, l], device: 'cpu' });
    const inv = choleskyInverse(matmul(transpose(t, 0, 1), t).dataSync() as Float32Array, l);
    return Float64Array.from(matmul(t, tensor(Float32Array.from(inv), { shape: [l, l], device: 'cpu' })).dataSync() as Float32Array);
  });
}

/** Eigenvalues (descending) and eigenvectors (columns of [l, l] row-major) of a symmetric matrix, by cyclic Jacobi rotations. */
export function symmetricEigen(input: Float64Array, l: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(input), v = new Float64Array(l * l);
  for (let i = 0; i < l; i++) v[i * l + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, diag = 0;
    for (let p = 0; p < l; p++) {
      diag += a[p * l + p] ** 2;
      for (let q = p + 1; q < l; q++) off += a[p * l + q] ** 2;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < l; p++)
      for (let q = p + 1; q < l; q++) {
        const apq = a[p * l + q];
        if (Math.abs(apq) < 1e-300) continue;
        // The rotation that zeroes a[p][q] (Golub & Van Loan, algorithm 8.4.1).
        const theta = (a[q * l + q] - a[p * l + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < l; k++) {
          const akp = a[k * l + p], akq = a[k * l + q];
          a[k * l + p] = c * akp - s * akq;
          a[k * l + q] = s * akp + c * akq;
        }
        for (let k = 0; k < l; k++) {
          const apk = a[p * l + k], aqk = a[q * l + k];
          a[p * l + k] = c * apk - s * aqk;
          a[q * l + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < l; k++) {
          const vkp = v[k * l + p], vkq = v[k * l + q];
          v[k * l + p] = c * vkp - s * vkq;
          v[k * l + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: l }, (_, i) => i).sort((i, j) => a[j * l + j] - a[i * l + i]);
  const values = Float64Array.from(order, (i) => a[i * l + i]), vectors = new Float64Array(l * l);
  for (let r = 0; r < l; r++) order.forEach((i, c) => (vectors[r * l + c] = v[r * l + i]));
  return { values, vectors };
}

/**
 * The k leading singular values and right singular vectors of x. `oversample` extra sketch
 * columns (default 10) and `iterations` power iterations (default 4) trade time for accuracy
 * on slowly decaying spectra (text's are). Seeded: the same matrix and seed give the same result.
 */
export function truncatedSvd(x: CsrMatrix, k: number, opts: { oversample?: number; iterations?: number; seed?: number } = {}): TruncatedSvd {
  const n = x.indptr.length - 1, d = x.width;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`truncatedSvd: k must be an integer >= 1, got ${k}`);
  const l = Math.min(k + (opts.oversample ?? 10), n, d);
  if (l < 1) return { values: new Float64Array(0), vectors: new Float64Array(0), k: 0 };
  const rand = seededRandom(opts.seed ?? 0), omega = new Float64Array(d * l);
  for (let i = 0; i < omega.length; i += 2) {
    // Box-Muller: two standard normals from two uniforms.
    const u = Math.max(rand(), 1e-300), t = 2 * Math.PI * rand(), m = Math.sqrt(-2 * Math.log(u));
    omega[i] = m * Math.cos(t);
    if (i + 1 < omega.length) omega[i + 1] = m * Math.sin(t);
  }
  let y = spanBasis(sparseTimesDense(x, omega, l), n, l);
  for (let it = 0; it < (opts.iterations ?? 4); it++) y = spanBasis(sparseTimesDense(x, spanBasis(transposeTimes(x, y, l), d, l), l), n, l);
  orthonormalize(y, n, l);
  // B = QᵀX is l x d; here Bt = XᵀQ [d, l]. BBᵀ = BtᵀBt = U Σ² Uᵀ, and V = Bt U Σ⁻¹.
  const bt = transposeTimes(x, y, l), eig = symmetricEigen(gram(bt, d, l), l);
  const top = Math.max(eig.values[0], 0);
  let kept = 0;
  while (kept < Math.min(k, l) && eig.values[kept] > 1e-20 * top && eig.values[kept] > 0) kept++;
  const values = Float64Array.from({ length: kept }, (_, j) => Math.sqrt(eig.values[j]));
  const vectors = new Float64Array(d * kept);
  for (let r = 0; r < d; r++)
    for (let j = 0; j < kept; j++) {
      let s = 0;
      for (let a = 0; a < l; a++) s += bt[r * l + a] * eig.vectors[a * l + j];
      vectors[r * kept + j] = s / values[j];
    }
  return { values, vectors, k: kept };
}
