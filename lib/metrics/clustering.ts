// Agreement between two clusterings of the same rows, e.g. a segmentation refit with another
// seed: segments are only worth a marketer's attention if they come back when the data or the
// seed changes a little.
import { type Values, sameLength, toArray } from './values.js';

const pairs = (n: number) => (n * (n - 1)) / 2;

/**
 * Adjusted Rand index (Hubert & Arabie 1985) of two labelings of the same rows: the Rand
 * index (share of row pairs both labelings put together or both keep apart) corrected for
 * chance, so 1 = the same partition (whatever the label names), about 0 = as similar as
 * random labelings of those sizes, negative = less. 1 when both put every row in one group.
 */
export function adjustedRandIndex(a: Values, b: Values): number {
  const x = toArray(a, 'adjustedRandIndex', 'a'), y = toArray(b, 'adjustedRandIndex', 'b');
  sameLength('adjustedRandIndex', x, y, 'a', 'b');
  const table = new Map<string, number>(), rowSums = new Map<number, number>(), colSums = new Map<number, number>();
  for (let i = 0; i < x.length; i++) {
    const key = `${x[i]}|${y[i]}`;
    table.set(key, (table.get(key) ?? 0) + 1);
    rowSums.set(x[i], (rowSums.get(x[i]) ?? 0) + 1);
    colSums.set(y[i], (colSums.get(y[i]) ?? 0) + 1);
  }
  let index = 0, sa = 0, sb = 0;
  for (const c of table.values()) index += pairs(c);
  for (const c of rowSums.values()) sa += pairs(c);
  for (const c of colSums.values()) sb += pairs(c);
  const expected = (sa * sb) / pairs(x.length);
  const max = (sa + sb) / 2;
  return max === expected ? 1 : (index - expected) / (max - expected);
}
