// L-BFGS (Nocedal 1980; Liu & Nocedal 1989) for smooth, deterministic objectives on plain
// Float64Arrays: what a linear model on sparse features needs (full-batch logistic regression
// converges in a few dozen iterations, where SGD needs tuning). Two-loop recursion over the
// last `memory` steps, a backtracking line search with the Armijo condition, and the first
// step scaled to the gradient's size. Pairs that break curvature (s·y <= 0) are skipped.

export interface LbfgsOptions {
  /** Most iterations (default 200). */
  maxIterations?: number;
  /** Steps remembered (default 10). */
  memory?: number;
  /** Stop when the gradient's max-norm falls below this times max(1, |f|) (default 1e-5). */
  tolerance?: number;
  /** Stop when one iteration lowers f by less than this times max(1, |f|) (default 1e-12). */
  valueTolerance?: number;
}

/** f(x) and its gradient written into `grad`. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  iterations: number;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Minimizes `f` from `x0` (not modified). */
export function lbfgs(f: Objective, x0: Float64Array, opts: LbfgsOptions = {}): LbfgsResult {
  const n = x0.length, m = opts.memory ?? 10, maxIt = opts.maxIterations ?? 200, tol = opts.tolerance ?? 1e-5, ftol = opts.valueTolerance ?? 1e-12;
  let x = Float64Array.from(x0), g = new Float64Array(n);
  let fx = f(x, g);
  if (!Number.isFinite(fx)) throw new RangeError('lbfgs: the objective is not finite at the start');
  const S: Float64Array[] = [], Y: Float64Array[] = [], rho: number[] = [];
  const d = new Float64Array(n), alpha = new Array<number>(m);
  let it = 0;
  for (; it < maxIt; it++) {
    if (maxAbs(g) <= tol * Math.max(1, Math.abs(fx))) break;
    // d = -H g by the two-loop recursion.
    for (let i = 0; i < n; i++) d[i] = -g[i];
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(S[k], d);
      const y = Y[k];
      for (let i = 0; i < n; i++) d[i] -= alpha[k] * y[i];
    }
    const gamma = S.length ? dot(S[S.length - 1], Y[Y.length - 1]) / dot(Y[Y.length - 1], Y[Y.length - 1]) : 1 / Math.max(1e-12, Math.sqrt(dot(g, g)));
    for (let i = 0; i < n; i++) d[i] *= gamma;
    for (let k = 0; k < S.length; k++) {
      const beta = rho[k] * dot(Y[k], d), s = S[k];
      for (let i = 0; i < n; i++) d[i] += (alpha[k] - beta) * s[i];
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i] / Math.max(1e-12, Math.sqrt(dot(g, g)));
      slope = dot(g, d);
      if (!(slope < 0)) break;
    }
    let step = 1, fNew = NaN;
    const xNew = new Float64Array(n), gNew = new Float64Array(n);
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i] + step * d[i];
      fNew = f(xNew, gNew);
      if (Number.isFinite(fNew) && fNew <= fx + 1e-4 * step * slope) break;
      step *= 0.5;
      fNew = NaN;
    }
    if (!Number.isFinite(fNew)) break; // no decrease found: x is as good as this search gets
    const s = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) (s[i] = xNew[i] - x[i]), (y[i] = gNew[i] - g[i]);
    const sy = dot(s, y);
    if (sy > 1e-12) {
      if (S.length === m) S.shift(), Y.shift(), rho.shift();
      S.push(s), Y.push(y), rho.push(1 / sy);
    }
    const done = Math.abs(fx - fNew) <= ftol * Math.max(1, Math.abs(fx));
    x = xNew, g = gNew, fx = fNew;
    if (done) {
      it++;
      break;
    }
  }
  return { x, value: fx, iterations: it };
}
