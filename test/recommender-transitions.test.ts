// The next-item transition scores and the score blend against brute-force references on fresh
// random histories (the compressed rows and the window cap must not change what is counted).
import { describe, expect, it } from 'vitest';
import { blendScores } from '../lib/presets/recommender/ranking.js';
import { Transitions } from '../lib/presets/recommender/transitions.js';
import { seededRandom } from '../lib/train/data.js';

const random = seededRandom(Date.now() % 100_000);

function randomHistories(users: number, items: number): Int32Array[] {
  return Array.from({ length: users }, () => {
    const len = 1 + Math.floor(random() * 15);
    return Int32Array.from({ length: len }, () => Math.floor(random() * items));
  });
}

/** Definition: sum over the last `window` items p of 0.5^(age/halfLife) / sqrt(row total) * 0.8^(d-1) per pair (p's item -> the item d later). */
function reference(histories: Int32Array[], items: number, window: number, halfLife: number, h: Int32Array): Float64Array {
  const pairs: [number, number, number][] = [];
  for (const x of histories) for (let a = 0; a < x.length; a++) for (let d = 1; d <= window && a + d < x.length; d++) pairs.push([x[a], x[a + d], 0.8 ** (d - 1)]);
  const total = new Float64Array(items);
  for (const [i, , w] of pairs) total[i] += w;
  const s = new Float64Array(items);
  for (let p = Math.max(0, h.length - window); p < h.length; p++) {
    const f = 0.5 ** ((h.length - 1 - p) / halfLife) / Math.sqrt(total[h[p]] || Infinity);
    for (const [i, j, w] of pairs) if (i === h[p]) s[j] += f * w;
  }
  return s;
}

describe('Transitions', () => {
  it('scores match a brute-force count of the windowed pairs', () => {
    for (const [window, halfLife] of [[1, 1], [3, 2], [10, 4]]) {
      const items = 12, histories = randomHistories(30, items);
      const t = new Transitions(histories, items, { window, halfLife, weight: 1 });
      for (const h of [...histories.slice(0, 5), Int32Array.of(3, 3, 7), new Int32Array(0)]) {
        const got = t.score(h), want = reference(histories, items, window, halfLife, h);
        want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
      }
    }
  });

  it('blendScores adds the standardized side scores at the base spread', () => {
    const base = Float32Array.from({ length: 50 }, () => random() * 10), side = Float32Array.from({ length: 50 }, () => random() - 0.5);
    const mean = (v: ArrayLike<number>) => Array.from(v).reduce((a, b) => a + b, 0) / v.length;
    const sd = (v: ArrayLike<number>) => Math.sqrt(mean(Array.from(v, (x) => (x - mean(v)) ** 2)));
    const out = blendScores(base, side, 0.7);
    out.forEach((v, i) => expect(v).toBeCloseTo(base[i] + (0.7 * sd(base) * (side[i] - mean(side))) / sd(side), 4));
    expect(blendScores(base, side, 0)).toBe(base);
  });
});

describe('blendedRanks', () => {
  it('equals rankOf over the blended scores, for several weights', async () => {
    const { rankOf } = await import('../lib/presets/recommender/ranking.js');
    const { blendedRanks } = await import('../lib/presets/recommender/ranking.js');
    for (let trial = 0; trial < 20; trial++) {
      const n = 40, base = Float32Array.from({ length: n }, () => Math.round(random() * 8) / 4), side = Float32Array.from({ length: n }, () => random());
      const exclude = Uint8Array.from({ length: n }, () => (random() < 0.2 ? 1 : 0));
      const target = Math.floor(random() * n), weights = [0, 0.4, 3];
      const want = weights.map((w) => rankOf(blendScores(base, side, w), target, exclude));
      const got = blendedRanks(base, side, weights, target, exclude);
      // Float32 rounding of the blended array can flip an exact tie; allow one place.
      got.forEach((r, k) => expect(Math.abs(r - want[k])).toBeLessThanOrEqual(1));
      expect(got[0]).toBe(want[0]);
    }
  });
});
