// LifetimeValueModel.fit's options and their checks: which mode (a per-customer table or a
// transaction log) they ask for, and a one-line error for any option out of range.
import type { WarningHandler } from '../data/errors.js';
import type { TabularTrainingOptions } from './tabular-net.js';
import type { BlendMember } from './value-blend.js';

export interface LtvFitOptions extends TabularTrainingOptions {
  /** Table mode: the numeric value column (one row per customer). */
  target?: string;
  /** Transaction-log mode: the customer id, time (ISO date or days) and amount columns. */
  customer?: string;
  time?: string;
  amount?: string;
  /** Log mode: the length of the predicted window, in days (required in log mode). */
  horizonDays?: number;
  /** Log mode: the cut-off for training features (default: the log's last date minus horizonDays). */
  asOf?: string | number;
  /** Log mode: the sequence encoder over each customer's last `steps` purchases (default 'gru'). */
  sequence?: 'gru' | 'lstm' | 'none';
  steps?: number;
  sequenceHidden?: number;
  /**
   * 'ziln' (zero-inflated lognormal; values >= 0), 'poisson' (log-link mean; values >= 0), 'mse',
   * 'gbm' (histogram gradient-boosted trees, no networks), or 'auto': every head the target
   * allows and the trees, blended by out-of-fold RMSE (default in table mode; log mode defaults to 'ziln').
   */
  head?: BlendMember | 'auto';
  /**
   * Calibrate the predicted value with an isotonic map fitted on out-of-fold predictions
   * (default true when there are 200 rows or more; it keeps the ranking and fixes the level).
   */
  calibrate?: boolean;
  /** Networks trained on different folds and averaged (default 5); the boosted trees train one model per fold likewise. */
  ensemble?: number;
  /** Table mode: rows whose target is missing are an error (default) or dropped. */
  missing?: 'error' | 'drop';
  onWarning?: WarningHandler;
}

const int = (v: unknown, lo: number, hi: number) => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;

export function checkOptions(o: LtvFitOptions): 'table' | 'log' {
  if (!o || typeof o !== 'object') throw new TypeError('LifetimeValueModel.fit: options are required ({ target } or { customer, time, amount, horizonDays })');
  const log = o.customer !== undefined || o.time !== undefined || o.amount !== undefined;
  if (log && o.target !== undefined) throw new TypeError('LifetimeValueModel.fit: give either target (a per-customer table) or customer/time/amount (a transaction log), not both');
  if (!log && typeof o.target !== 'string') throw new TypeError('LifetimeValueModel.fit: options.target (the value column) is required, or customer/time/amount for a transaction log');
  if (log) {
    for (const k of ['customer', 'time', 'amount'] as const)
      if (typeof o[k] !== 'string') throw new TypeError(`LifetimeValueModel.fit: a transaction log needs options.${k} (a column name)`);
    if (!(typeof o.horizonDays === 'number' && o.horizonDays > 0 && Number.isFinite(o.horizonDays)))
      throw new RangeError('LifetimeValueModel.fit: a transaction log needs horizonDays, a positive number of days');
    if (o.sequence !== undefined && !['gru', 'lstm', 'none'].includes(o.sequence)) throw new RangeError(`LifetimeValueModel.fit: sequence must be 'gru', 'lstm' or 'none'`);
    if (o.steps !== undefined && !int(o.steps, 1, 500)) throw new RangeError('LifetimeValueModel.fit: steps must be an integer from 1 to 500');
    if (o.sequenceHidden !== undefined && !int(o.sequenceHidden, 1, 512)) throw new RangeError('LifetimeValueModel.fit: sequenceHidden must be an integer from 1 to 512');
  }
  if (o.head !== undefined && !['ziln', 'mse', 'poisson', 'gbm', 'auto'].includes(o.head)) throw new RangeError(`LifetimeValueModel.fit: head must be 'auto', 'ziln', 'poisson', 'mse' or 'gbm', got ${JSON.stringify(o.head)}`);
  if (o.ensemble !== undefined && !int(o.ensemble, 1, 20)) throw new RangeError('LifetimeValueModel.fit: ensemble must be an integer from 1 to 20');
  if (o.missing !== undefined && o.missing !== 'error' && o.missing !== 'drop') throw new RangeError(`LifetimeValueModel.fit: missing must be 'error' or 'drop'`);
  return log ? 'log' : 'table';
}
