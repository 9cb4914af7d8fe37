// The zero-inflated lognormal (ZILN) distribution a value head predicts: with probability
// 1 - p the customer spends nothing; otherwise log(value) ~ Normal(mu, sigma). Its mean is the
// point prediction (what RMSE and budgets need) and its quantiles give the interval.

export interface ZilnParams {
  /** P(value > 0). */
  p: number;
  mu: number;
  sigma: number;
}

/** The network's raw [logit, mu, raw sigma] -> distribution parameters (as in zilnLoss). */
export function zilnParams(logit: number, mu: number, rawSigma: number): ZilnParams {
  const softplus = Math.max(rawSigma, 0) + Math.log1p(Math.exp(-Math.abs(rawSigma)));
  return { p: 1 / (1 + Math.exp(-logit)), mu, sigma: softplus + 1e-4 };
}

/** E[value] = p * exp(mu + sigma^2 / 2). */
export function zilnMean(d: ZilnParams): number {
  return d.p * Math.exp(d.mu + (d.sigma * d.sigma) / 2);
}

/**
 * The q-quantile of the mixture: 0 while the zero mass (1 - p) covers q, else the lognormal's
 * quantile at (q - (1 - p)) / p.
 */
export function zilnQuantile(d: ZilnParams, q: number): number {
  const zero = 1 - d.p;
  if (q <= zero) return 0;
  return Math.exp(d.mu + d.sigma * normalQuantile((q - zero) / d.p));
}

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation, relative error
 * below 1.2e-9 over (0, 1)): enough for interval bounds, no dependency needed.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p <= 0 ? -Infinity : Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5, r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
