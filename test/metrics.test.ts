// Metrics against direct definitions computed in the test.
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { makeRng, TEST_SEED } from './helpers/random.js';

const rng = makeRng(TEST_SEED ^ 0x5eed);

describe('metrics', () => {
  it('rocAuc equals the pairwise definition, ties counting half', () => {
    const n = 300;
    const labels = Array.from({ length: n }, () => (rng() < 0.3 ? 1 : 0));
    const scores = labels.map((y) => Math.round((rng() + 0.4 * y) * 20) / 20); // many ties
    let wins = 0, pairs = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        if (labels[i] === 1 && labels[j] === 0) {
          pairs++;
          wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
        }
    expect(tl.metrics.rocAuc(scores, labels)).toBeCloseTo(wins / pairs, 12);
    expect(tl.metrics.rocAuc(tl.tensor(scores), tl.tensor(labels))).toBeCloseTo(wins / pairs, 6);
    expect(() => tl.metrics.rocAuc([0.1, 0.2], [1, 1])).toThrow(/both positive/);
  });

  it('accuracy handles class scores, labels and probabilities', () => {
    expect(tl.metrics.accuracy(tl.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]), [1, 0, 0])).toBeCloseTo(2 / 3);
    expect(tl.metrics.accuracy([1, 0, 2], [1, 1, 2])).toBeCloseTo(2 / 3);
    expect(tl.metrics.accuracy([0.9, 0.2, 0.6], [1, 0, 0])).toBeCloseTo(2 / 3);
  });

  it('logLoss, rmse and mae', () => {
    expect(tl.metrics.logLoss([0.8, 0.3], [1, 0])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 12);
    expect(tl.metrics.rmse([1, 2, 3], [1, 4, 3])).toBeCloseTo(Math.sqrt(4 / 3), 12);
    expect(tl.metrics.mae([1, 2, 3], [2, 4, 3])).toBeCloseTo(1, 12);
  });

  it('precision, recall and F1 (binary, macro, micro)', () => {
    const pred = [1, 1, 0, 0, 1, 2], target = [1, 0, 0, 1, 1, 2];
    const b = tl.metrics.precisionRecallF1(pred, target);
    expect(b.precision).toBeCloseTo(2 / 3);
    expect(b.recall).toBeCloseTo(2 / 3);
    const macro = tl.metrics.precisionRecallF1(pred, target, { average: 'macro' });
    expect(macro.precision).toBeCloseTo((1 / 2 + 2 / 3 + 1) / 3);
    expect(tl.metrics.precisionRecallF1(pred, target, { average: 'micro' }).f1).toBeCloseTo(4 / 6);
  });

  it('liftTable: deciles, lift and cumulative gains sum up', () => {
    const n = 1000;
    const labels = Array.from({ length: n }, () => (rng() < 0.1 ? 1 : 0));
    const scores = labels.map((y) => rng() + y * 0.5);
    const rows = tl.metrics.liftTable(scores, labels);
    expect(rows).toHaveLength(10);
    expect(rows.reduce((s, r) => s + r.count, 0)).toBe(n);
    expect(rows.reduce((s, r) => s + r.positives, 0)).toBe(labels.reduce((a, b) => a + b, 0));
    expect(rows[9].cumulativeGain).toBeCloseTo(1, 12);
    expect(rows[0].lift).toBeGreaterThan(2);
    const top = [...scores.keys()].sort((i, j) => scores[j] - scores[i]).slice(0, 100);
    expect(rows[0].positives).toBe(top.reduce((s, i) => s + labels[i], 0));
    expect(tl.metrics.captureRate(scores, labels, 0.1)).toBeCloseTo(rows[0].cumulativeGain, 12);
    // Sizes that do not divide by 10: decile k still ends where "the top k x 10%" does.
    const odd = 1667;
    const s2 = [...scores, ...scores].slice(0, odd), y2 = [...labels, ...labels].slice(0, odd);
    const rows2 = tl.metrics.liftTable(s2, y2);
    expect(rows2[0].count).toBe(167);
    expect(rows2.reduce((s, r) => s + r.count, 0)).toBe(odd);
    for (const k of [1, 2, 3]) expect(tl.metrics.captureRate(s2, y2, k / 10)).toBeCloseTo(rows2[k - 1].cumulativeGain, 12);
  });

  it('hit rate and NDCG at K with excluded (already seen) items', () => {
    const scores = [[0.9, 0.8, 0.1, 0.5], [0.1, 0.2, 0.3, 0.4]];
    // user 0: target 2 ranks 4th, but excluding item 0 makes it 3rd; user 1: target 3 is 1st.
    expect(tl.metrics.hitRateAtK(scores, [2, 3], 3)).toBeCloseTo(0.5);
    expect(tl.metrics.hitRateAtK(scores, [2, 3], 3, { exclude: [[0], []] })).toBeCloseTo(1);
    expect(tl.metrics.ndcgAtK(scores, [2, 3], 3, { exclude: [[0], []] })).toBeCloseTo((1 / Math.log2(4) + 1) / 2);
  });

  it('silhouette matches the O(n^2) definition', () => {
    const n = 60;
    const pts = Array.from({ length: n }, (_, i) => [rng() + (i % 3) * 2, rng() - (i % 3)]);
    const labels = pts.map((_, i) => i % 3);
    const d = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1]);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const mean = (c: number) => {
        const others = pts.filter((_, j) => labels[j] === c && j !== i);
        return others.reduce((s, p) => s + d(pts[i], p), 0) / others.length;
      };
      const a = mean(labels[i]);
      const b = Math.min(...[0, 1, 2].filter((c) => c !== labels[i]).map(mean));
      total += (b - a) / Math.max(a, b);
    }
    expect(tl.metrics.silhouette(tl.tensor(pts), labels)).toBeCloseTo(total / n, 4);
  });
});
