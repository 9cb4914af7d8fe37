import { type Values, sameLength, toArray } from './values.js';

/** Root mean squared error: sqrt(mean((pred - target)^2)), in the target's units. */
export function rmse(pred: Values, target: Values): number {
  const p = toArray(pred, 'rmse', 'pred'), y = toArray(target, 'rmse', 'target');
  sameLength('rmse', p, y, 'pred', 'target');
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i] - y[i]) ** 2;
  return Math.sqrt(s / p.length);
}

/** Mean absolute error: mean(|pred - target|), in the target's units (less swayed by outliers than RMSE). */
export function mae(pred: Values, target: Values): number {
  const p = toArray(pred, 'mae', 'pred'), y = toArray(target, 'mae', 'target');
  sameLength('mae', p, y, 'pred', 'target');
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs(p[i] - y[i]);
  return s / p.length;
}
