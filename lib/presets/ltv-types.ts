// LifetimeValueModel's public report and option types and the state its model file holds
// (lifetime-value.ts is the model; this keeps the shapes apart from the behaviour).
import type { TransformOptions } from '../data/preprocess.js';
import type { NumberFormat } from '../data/number-format.js';
import type { ColumnInfo } from '../data/schema.js';
import type { ReadOptions } from '../data/source.js';
import type { IsotonicMap } from './isotonic.js';
import type { LogColumns } from './transactions.js';
import type { BlendMember, HeadGroup, TargetScale } from './value-blend.js';
import type { ValueGbmState } from './value-gbm.js';
import type { NetworkHistory } from './training-history.js';

export interface ValueReport {
  rows: number;
  rmse: number;
  mae: number;
  spearman: number;
  normalizedGini: number;
  decileMape: number;
}

export interface ValueInterval {
  p10: number;
  p50: number;
  p90: number;
}

/** Options of predict/evaluate: absent columns, and (log mode) the cut-off date. */
export interface LtvDataOptions extends TransformOptions {
  read?: ReadOptions;
  /** Log mode: features as of this date (predict default: the log's last date; evaluate: last date minus horizonDays). */
  asOf?: string | number;
}

export interface LogConfig extends LogColumns {
  horizonDays: number;
  steps: number;
  /** The training cut-off, in days. */
  asOf: number;
}

export interface State {
  mode: 'table' | 'log';
  /** The head trained, or 'auto' when several were blended (see groups). */
  head: BlendMember | 'auto';
  /** Each head's networks (in order) and blend weight; absent in older files: one group of `head`. */
  groups?: HeadGroup[];
  target?: string;
  /** How the training target was written when not as plain numbers ("$1,234.50"): evaluate reads later tables alike. */
  targetFormat?: NumberFormat;
  log?: LogConfig;
  /** The target's mean and std (the MSE head predicts standardized values, Poisson value / mean). */
  scale: TargetScale;
  /** MSE, Poisson or blended heads: quantiles 0.1/0.5/0.9 of out-of-fold residuals, for the interval. */
  residuals: [number, number, number];
  schema: ColumnInfo[];
  /** The boosted trees' binning and tree descriptions (their nodes are tensors), when a member. */
  gbm?: ValueGbmState;
  /** Every training target was >= 0 (absent in older files). */
  nonNegative?: boolean;
  /** Isotonic map of the predicted mean (absent: none). */
  calibration?: IsotonicMap;
  validation: { rows: number; rmse: number; spearman: number; epochs: number[]; heads?: { head: BlendMember; weight: number; rmse: number }[]; history?: NetworkHistory[]; treeRounds?: number[] };
}

export function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return 0;
  const pos = q * (sorted.length - 1), lo = Math.floor(pos);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (pos - lo);
}
