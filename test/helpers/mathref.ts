// float64 reference functions that Math lacks, for comparing float32 kernels.
export const f32 = Math.fround;

/** erf to ~1e-15: Maclaurin series below |x| = 3, continued fraction of erfc above. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = x, sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0;
  for (let k = 80; k >= 1; k--) f = k / 2 / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return x < 0 ? erfc - 1 : 1 - erfc;
}

/** Round half to even (PyTorch's and C's rint), unlike Math.round (half up). */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  if (Math.abs(x % 1) === 0.5) return 2 * Math.round(x / 2);
  return r;
}

/**
 * pow with C99 / IEEE semantics (what std::pow and PyTorch do): pow(1, y) = 1 and pow(x, 0) = 1
 * even for NaN, and pow(-1, +-inf) = 1. JS's Math.pow answers NaN in those cases.
 */
export function cpow(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
export const gelu = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));
export const geluTanh = (x: number): number =>
  0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
export const softplus = (x: number, beta = 1, threshold = 20): number =>
  beta * x > threshold ? x : Math.log1p(Math.exp(beta * x)) / beta;

/** The float32 spacing at |x| (1 ulp), for tolerances of float32 subtractions. */
export function ulp32(x: number): number {
  const a = Math.abs(f32(x));
  if (a < 1.1754943508222875e-38) return 1.401298464324817e-45;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}
