// Choosing the value head on the user's data: with head 'auto' the value model trains one
// ensemble per head that suits the target (ZILN, Poisson and MSE for values >= 0; MSE for
// signed ones), plus gradient-boosted trees (value-gbm.ts), and blends their predicted values
// with the weights that minimize the out-of-fold RMSE. The members err differently (a
// lognormal's shape, a log link, an additive scale, axis-aligned steps), so a blend is rarely
// worse than the best single member and often better.
import type { ValueHead } from './value-net.js';
import { zilnMean, zilnParams } from './ziln.js';

/** A member of the blend: a network head, or the boosted trees ('gbm'). */
export type BlendMember = ValueHead | 'gbm';

/** How describe() names each head. */
export const HEAD_NAMES: Record<BlendMember | 'auto', string> = {
  ziln: 'zero-inflated lognormal (prediction = expected value; p10/p50/p90 from the distribution)',
  poisson: 'log-link mean, Poisson deviance (interval from out-of-fold residuals)',
  mse: 'MSE (interval from out-of-fold residuals)',
  gbm: 'gradient-boosted trees (interval from out-of-fold residuals)',
  auto: 'blend of heads (interval from out-of-fold residuals)',
};

/** One head's share of the prediction: its ensemble is the next `nets` networks of the model. */
export interface HeadGroup {
  /** 'gbm': the model's boosted trees (nets 0). */
  head: BlendMember;
  nets: number;
  weight: number;
}

/** The target's mean and std: the MSE head predicts standardized values, Poisson value / mean. */
export interface TargetScale {
  mean: number;
  std: number;
}

/** The members to train: 'auto' -> every head the target allows and the trees, else the one asked for. */
export function headsFor(requested: BlendMember | 'auto', nonNegative: boolean): BlendMember[] {
  if (requested !== 'auto') return [requested];
  return nonNegative ? ['ziln', 'poisson', 'mse', 'gbm'] : ['mse', 'gbm'];
}

/** Targets as a head's network learns them (see TargetScale). */
export function scaledTargets(head: BlendMember, y: Float64Array, s: TargetScale): Float64Array {
  if (head === 'mse') return y.map((v) => (v - s.mean) / s.std);
  if (head === 'poisson') return y.map((v) => v / s.mean);
  return y; // ZILN, and the trees (which predict the value itself)
}

/** A head's raw network outputs -> the predicted value (the distribution's mean for ZILN; the trees give the value). */
export function headValue(head: BlendMember, raw: number[], s: TargetScale): number {
  if (head === 'gbm') return raw[0];
  if (head === 'mse') return raw[0] * s.std + s.mean;
  if (head === 'poisson') return Math.exp(raw[0]) * s.mean;
  return zilnMean(zilnParams(raw[0], raw[1], raw[2]));
}

/**
 * Blend weights (>= 0, summing to 1, on a 0.1 grid) minimizing the RMSE of
 * sum_h w_h * values[h][r] against actual[r]; ties keep the earlier head's larger weight.
 */
export function blendWeights(values: number[][], actual: number[]): number[] {
  const h = values.length;
  if (h === 1) return [1];
  let best = Infinity, bestW: number[] = [];
  const steps = 10;
  const visit = (w: number[], left: number) => {
    if (w.length === h - 1) {
      const full = [...w, left].map((x) => x / steps);
      let se = 0;
      for (let r = 0; r < actual.length; r++) {
        let p = 0;
        for (let k = 0; k < h; k++) p += full[k] * values[k][r];
        se += (p - actual[r]) ** 2;
      }
      if (se < best * (1 - 1e-12)) [best, bestW] = [se, full];
      return;
    }
    for (let x = left; x >= 0; x--) visit([...w, x], left - x);
  };
  visit([], steps);
  return bestW;
}
