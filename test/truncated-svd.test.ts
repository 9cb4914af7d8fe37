// The randomized truncated SVD behind the text presets' latent-semantic member, against an
// independent float64 reference on fresh random inputs: the leading eigenpairs of XᵀX by power
// iteration with deflation (singular values are their square roots, right singular vectors
// their eigenvectors), plus the Jacobi eigensolver and the CholQR2 orthonormalization alone.
import { describe, expect, it } from 'vitest';
import { type CsrMatrix, orthonormalize, sparseTimesDense, symmetricEigen, truncatedSvd } from '../lib/data/text/truncated-svd.js';
import { TEST_SEED, makeRng } from './helpers/random.js';

const rng = makeRng(TEST_SEED);
const gauss = () => Math.sqrt(-2 * Math.log(Math.max(rng(), 1e-300))) * Math.cos(2 * Math.PI * rng());

/** A sparse n x d matrix: rank-r structure with decaying strengths (as text's spectra), plus sparse noise. */
function lowRankSparse(n: number, d: number, r: number, density: number): { x: CsrMatrix; dense: Float64Array } {
  const u = Array.from({ length: r }, () => Float64Array.from({ length: n }, gauss));
  const v = Array.from({ length: r }, () => Float64Array.from({ length: d }, gauss));
  const dense = new Float64Array(n * d), indptr = [0], cols: number[] = [], vals: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      if (rng() >= density) continue;
      let s = 0.05 * gauss();
      for (let c = 0; c < r; c++) s += (4 / (c + 1) ** 1.5) * u[c][i] * v[c][j];
      dense[i * d + j] = s;
      cols.push(j), vals.push(s);
    }
    indptr.push(cols.length);
  }
  return { x: { indptr: Int32Array.from(indptr), cols: Int32Array.from(cols), vals: Float64Array.from(vals), width: d }, dense };
}

/** Top-k eigenpairs of the symmetric d x d matrix a, by power iteration and deflation. */
function powerEigen(a: Float64Array, d: number, k: number): { values: number[]; vectors: Float64Array[] } {
  const m = Float64Array.from(a), values: number[] = [], vectors: Float64Array[] = [];
  for (let c = 0; c < k; c++) {
    let x = Float64Array.from({ length: d }, gauss), lambda = 0;
    for (let it = 0; it < 3000; it++) {
      const y = new Float64Array(d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) y[i] += m[i * d + j] * x[j];
      const norm = Math.hypot(...y);
      const next = y.map((v) => v / norm);
      const moved = Math.hypot(...next.map((v, i) => Math.abs(v) - Math.abs(x[i])));
      x = next;
      lambda = norm;
      if (moved < 1e-13) break;
    }
    values.push(lambda);
    vectors.push(x);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) m[i * d + j] -= lambda * x[i] * x[j];
  }
  return { values, vectors };
}

describe('truncatedSvd', () => {
  it(`matches the leading singular pairs of a float64 reference (seed ${TEST_SEED})`, () => {
    // Well-separated leading singular values (ratios >= 1.4) under a noise floor, so each
    // singular vector is well defined and the reference's power iteration converges.
    const n = 150, d = 60, k = 5, strengths = [12, 8, 5.5, 3.8, 2.6, 0.9, 0.6];
    const basis = (rows: number) => {
      const q = Float64Array.from({ length: rows * strengths.length }, gauss);
      orthonormalize(q, rows, strengths.length);
      return q;
    };
    const u = basis(n), v = basis(d), dense = new Float64Array(n * d), indptr = [0], cols: number[] = [], vals: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        let s = 0.01 * gauss();
        strengths.forEach((w, c) => (s += w * u[i * strengths.length + c] * v[j * strengths.length + c]));
        // Some exact zeros, as a sparse matrix has.
        if (rng() < 0.02) s = 0;
        dense[i * d + j] = s;
        if (s !== 0) cols.push(j), vals.push(s);
      }
      indptr.push(cols.length);
    }
    const x: CsrMatrix = { indptr: Int32Array.from(indptr), cols: Int32Array.from(cols), vals: Float64Array.from(vals), width: d };
    const ata = new Float64Array(d * d);
    for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) ata[a * d + b] += dense[i * d + a] * dense[i * d + b];
    const ref = powerEigen(ata, d, k);
    const svd = truncatedSvd(x, k, { seed: 3 });
    expect(svd.k).toBe(k);
    for (let j = 0; j < k; j++) {
      // Randomized: a relative error far below what LSA needs, not to the last bit.
      expect(Math.abs(svd.values[j] / Math.sqrt(ref.values[j]) - 1)).toBeLessThan(1e-8);
      let dot = 0;
      for (let r = 0; r < d; r++) dot += svd.vectors[r * k + j] * ref.vectors[j][r];
      expect(1 - Math.abs(dot)).toBeLessThan(1e-8);
    }
    // Orthonormal columns.
    for (let a = 0; a < k; a++)
      for (let b = 0; b < k; b++) {
        let s = 0;
        for (let r = 0; r < d; r++) s += svd.vectors[r * k + a] * svd.vectors[r * k + b];
        expect(s).toBeCloseTo(a === b ? 1 : 0, 9);
      }
  });

  it('is repeatable for a seed, and stops at the rank of a rank-deficient matrix', () => {
    const { x } = lowRankSparse(80, 40, 3, 1);
    const a = truncatedSvd(x, 3, { seed: 9 }), b = truncatedSvd(x, 3, { seed: 9 });
    expect(Array.from(a.vectors)).toEqual(Array.from(b.vectors));
    const rank2 = { indptr: Int32Array.from([0, 2, 4, 6, 8]), cols: Int32Array.from([0, 1, 0, 1, 0, 1, 0, 1]), vals: Float64Array.from([1, 2, 2, 4, 3, 6, 1, 0]), width: 5 };
    const r = truncatedSvd(rank2, 4);
    expect(r.k).toBe(2);
    expect(r.values.every((v) => v > 1e-6)).toBe(true);
    expect(truncatedSvd({ indptr: Int32Array.from([0, 0]), cols: new Int32Array(0), vals: new Float64Array(0), width: 3 }, 2).k).toBe(0);
    expect(() => truncatedSvd(rank2, 0)).toThrow(/k must be an integer >= 1/);
  });
});

describe('symmetricEigen and orthonormalize', () => {
  it('gives A V = V Λ with orthonormal V, eigenvalues descending', () => {
    const l = 12, a = new Float64Array(l * l);
    for (let i = 0; i < l; i++) for (let j = i; j < l; j++) a[i * l + j] = a[j * l + i] = gauss();
    const { values, vectors } = symmetricEigen(a, l);
    for (let j = 1; j < l; j++) expect(values[j]).toBeLessThanOrEqual(values[j - 1]);
    for (let j = 0; j < l; j++)
      for (let i = 0; i < l; i++) {
        let av = 0;
        for (let k = 0; k < l; k++) av += a[i * l + k] * vectors[k * l + j];
        expect(av).toBeCloseTo(values[j] * vectors[i * l + j], 9);
      }
    let trace = 0;
    for (let i = 0; i < l; i++) trace += a[i * l + i];
    expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(trace, 9);
  });

  it('orthonormalizes a sketch without changing its span', () => {
    const rows = 200, l = 7, y = Float64Array.from({ length: rows * l }, gauss), q = Float64Array.from(y);
    orthonormalize(q, rows, l);
    for (let a = 0; a < l; a++)
      for (let b = 0; b < l; b++) {
        let s = 0;
        for (let i = 0; i < rows; i++) s += q[i * l + a] * q[i * l + b];
        expect(s).toBeCloseTo(a === b ? 1 : 0, 10);
      }
    // Q Qᵀ y = y for every column of y.
    for (let c = 0; c < l; c++) {
      const coef = Array.from({ length: l }, (_, a) => { let s = 0; for (let i = 0; i < rows; i++) s += q[i * l + a] * y[i * l + c]; return s; });
      for (let i = 0; i < rows; i += 17) expect(coef.reduce((s, w, a) => s + w * q[i * l + a], 0)).toBeCloseTo(y[i * l + c], 9);
    }
  });

  it('multiplies sparse rows by a dense matrix as the dense product does', () => {
    const { x, dense } = lowRankSparse(20, 9, 2, 0.5), l = 4, m = Float64Array.from({ length: 9 * l }, gauss);
    const out = sparseTimesDense(x, m, l);
    for (let i = 0; i < 20; i++)
      for (let j = 0; j < l; j++) {
        let s = 0;
        for (let k = 0; k < 9; k++) s += dense[i * 9 + k] * m[k * l + j];
        expect(out[i * l + j]).toBeCloseTo(s, 12);
      }
  });
});
