import { expect } from 'vitest';
import type { Ref } from './ref.js';
import { TEST_SEED } from './random.js';

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

/**
 * Elementwise |actual - expected| <= atol + rtol * |expected|, NaN matching NaN and equal
 * infinities matching. Reports the first mismatch with its index and the test seed.
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { rtol = 1e-5, atol = 1e-6 }: Tolerance = {},
  what = 'values',
): void {
  expect(actual.length, `${what}: length (seed ${TEST_SEED})`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    if (Math.abs(a - e) <= atol + rtol * Math.abs(e)) continue;
    throw new Error(`${what}: element ${i} is ${a}, expected ${e} (rtol ${rtol}, atol ${atol}; TEST_SEED=${TEST_SEED})`);
  }
}

/** Compares a tensor-like result (shape + data) with a reference. */
export function expectTensorClose(
  t: { shape: number[]; dataSync(): ArrayLike<number> },
  r: Ref,
  tol: Tolerance = {},
  what = 'tensor',
): void {
  expect(t.shape, `${what}: shape (seed ${TEST_SEED})`).toEqual(r.shape);
  expectClose(t.dataSync(), r.data, tol, what);
}
