// The customer-value and clustering metrics against values worked out by hand.
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';

const m = tl.metrics;

describe('value metrics', () => {
  it('rmse and mae', () => {
    expect(m.rmse([1, 2, 3], [1, 2, 5])).toBeCloseTo(Math.sqrt(4 / 3), 12);
    expect(m.mae([1, 2, 3], [1, 2, 5])).toBeCloseTo(2 / 3, 12);
  });

  it('spearman: rank correlation with shared ranks for ties', () => {
    expect(m.spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(m.spearman([1, 2, 3, 4], [9, 4, 1, 0])).toBeCloseTo(-1, 12);
    // Ranks [1, 2.5, 2.5, 4] vs [1, 2, 3, 4]: Pearson = 4.5 / sqrt(4.5 * 5).
    expect(m.spearman([1, 5, 5, 9], [1, 2, 3, 4])).toBeCloseTo(4.5 / Math.sqrt(4.5 * 5), 12);
    expect(m.spearman([3, 3, 3], [1, 2, 3])).toBe(0);
  });

  it('normalizedGini: 1 for the perfect order, -1 for the reverse, near 0 for a constant score', () => {
    const y = [0, 0, 5, 1, 20, 0, 3];
    expect(m.normalizedGini(y, y)).toBeCloseTo(1, 12);
    expect(m.normalizedGini(y.map((v) => -v), y)).toBeCloseTo(-1, 12);
    expect(m.normalizedGini([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(() => m.normalizedGini([1, 2], [0, 0])).toThrow(/positive sum/);
  });

  it('decileMape: mean relative error of per-bin means, bins by predicted value', () => {
    // Two bins: top {pred 4, 3 | actual 2, 4} -> |7 - 6| / 6; bottom {2, 1 | 1, 1} -> |3 - 2| / 2.
    expect(m.decileMape([1, 2, 3, 4], [1, 1, 4, 2], { bins: 2 })).toBeCloseTo((1 / 6 + 1 / 2) / 2, 12);
    // A bin whose actual mean is 0 is left out.
    expect(m.decileMape([1, 2, 3, 4], [0, 0, 4, 2], { bins: 2 })).toBeCloseTo(1 / 6, 12);
    expect(m.decileMape([5, 5, 5, 5, 5, 5, 5, 5, 5, 5], [5, 5, 5, 5, 5, 5, 5, 5, 5, 5])).toBe(0);
  });
});

describe('adjustedRandIndex', () => {
  it('is 1 for the same partition under any label names, and chance-corrected otherwise', () => {
    expect(m.adjustedRandIndex([0, 0, 1, 1, 2, 2], [5, 5, 3, 3, 9, 9])).toBe(1);
    // Pairs together: index 1; a: 2, b: 1; expected 2 * 1 / 6; max 1.5: (1 - 1/3) / (1.5 - 1/3) = 4/7.
    expect(m.adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(4 / 7, 12);
    // Contingency [[2, 1], [1, 2]]: index 2, a and b 6 each, expected 36 / 15: (2 - 2.4) / (6 - 2.4) = -1/9.
    expect(m.adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 1, 0, 1, 0, 1])).toBeCloseTo(-1 / 9, 12);
    expect(() => m.adjustedRandIndex([0, 1], [0])).toThrow(/2 values but b has 1/);
  });
});
