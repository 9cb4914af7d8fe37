// The uplift metrics against a direct, per-row reference written from the definitions in
// docs/API.md ("Uplift metrics"), on fresh random data, plus the hand-checkable cases.
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { makeRng as rng } from './helpers/random.js';

const m = tl.metrics;


/** Straight from the definitions: each prefix of the ranking counted from scratch (no ties in the scores). */
function reference(s: number[], t: number[], y: number[]) {
  const n = s.length;
  const order = s.map((_, i) => i).sort((a, b) => s[b] - s[a]);
  const mean = (idx: number[]) => idx.reduce((a, i) => a + y[i], 0) / idx.length;
  const all = order.filter((i) => t[i]), ctl = order.filter((i) => !t[i]);
  const ate = mean(all) - mean(ctl);
  const xs = [0], qini = [0], gain = [0];
  for (let k = 1; k <= n; k++) {
    const top = order.slice(0, k);
    const tr = top.filter((i) => t[i]), co = top.filter((i) => !t[i]);
    const ok = tr.length > 0 && co.length > 0;
    xs.push(k / n);
    const yt = tr.reduce((a, i) => a + y[i], 0), yc = co.reduce((a, i) => a + y[i], 0);
    qini.push(ok ? (yt - (yc * tr.length) / co.length) / all.length : 0);
    gain.push(ok ? (mean(tr) - mean(co)) * (k / n) : 0);
  }
  const area = (v: number[]) => {
    let a = 0;
    for (let k = 1; k < xs.length; k++) a += ((v[k] + v[k - 1]) / 2) * (xs[k] - xs[k - 1]);
    return a - ate / 2;
  };
  const at = (f: number) => {
    const top = order.slice(0, Math.round(f * n));
    const tr = top.filter((i) => t[i]), co = top.filter((i) => !t[i]);
    return mean(tr) - mean(co);
  };
  return { ate, xs, qini, gain, qiniArea: area(qini), auuc: area(gain), at };
}

function randomCampaign(n: number, seed: number, binary = true) {
  const r = rng(seed);
  const x = Array.from({ length: n }, () => r());
  const t = x.map(() => (r() < 0.5 ? 1 : 0));
  const effect = x.map((v) => 0.4 * v - 0.1);
  const y = x.map((v, i) => {
    const p = 0.2 + t[i] * effect[i];
    return binary ? (r() < p ? 1 : 0) : p + r() - 0.5;
  });
  return { x, t, y, effect };
}

describe('uplift metrics', () => {
  it('match the per-row reference on random campaigns (binary and numeric outcomes)', () => {
    for (const [seed, binary] of [[1, true], [2, false], [3, true]] as const) {
      const { t, y, effect } = randomCampaign(300, seed, binary);
      const r = rng(seed + 100);
      const s = effect.map((e) => e + 0.3 * r());
      const ref = reference(s, t, y);
      expect(m.qiniCoefficient(s, t, y)).toBeCloseTo(ref.qiniArea, 12);
      expect(m.auuc(s, t, y)).toBeCloseTo(ref.auuc, 12);
      expect(m.averageTreatmentEffect(t, y)).toBeCloseTo(ref.ate, 12);
      for (const f of [0.1, 0.2, 0.3, 1]) expect(m.upliftAtK(s, t, y, f)).toBeCloseTo(ref.at(f), 12);
      const all = m.upliftSummary(s, t, y, [0.1, 0.2, 0.3, 1]);
      expect(all.qini).toBeCloseTo(ref.qiniArea, 12);
      expect(all.auuc).toBeCloseTo(ref.auuc, 12);
      expect(all.ate).toBeCloseTo(ref.ate, 12);
      all.upliftAt.forEach((v, k) => expect(v).toBeCloseTo(ref.at([0.1, 0.2, 0.3, 1][k]), 12));
      // With n + 1 points the sampled curve is the reference itself.
      const c = m.upliftCurve(s, t, y, 301);
      for (let k = 0; k <= 300; k++) {
        expect(c.fraction[k]).toBeCloseTo(ref.xs[k], 12);
        expect(c.qini[k]).toBeCloseTo(ref.qini[k], 12);
        expect(c.upliftGain[k]).toBeCloseTo(ref.gain[k], 12);
        expect(c.random[k]).toBeCloseTo(ref.ate * ref.xs[k], 12);
      }
      // Both curves end at the average effect.
      expect(c.qini[300]).toBeCloseTo(ref.ate, 12);
      expect(c.upliftGain[300]).toBeCloseTo(ref.ate, 12);
    }
  });

  it('default curve has 101 points from 0 to 1', () => {
    const { t, y, effect } = randomCampaign(200, 4);
    const c = m.upliftCurve(effect, t, y);
    expect(c.fraction).toHaveLength(101);
    expect(c.fraction[0]).toBe(0);
    expect(c.fraction[100]).toBe(1);
    expect(c.qini[0]).toBe(0);
  });

  it('tied scores form one step: the order of tied rows does not matter, a constant score is random', () => {
    const { t, y } = randomCampaign(400, 5);
    const coarse = t.map((_, i) => i % 4);
    const a = m.qiniCoefficient(coarse, t, y);
    // The same ties, rows in reverse order.
    const rev = (v: number[]) => [...v].reverse();
    expect(m.qiniCoefficient(rev(coarse), rev(t), rev(y))).toBeCloseTo(a, 12);
    expect(m.auuc(rev(coarse), rev(t), rev(y))).toBeCloseTo(m.auuc(coarse, t, y), 12);
    const flat = t.map(() => 1);
    expect(m.qiniCoefficient(flat, t, y)).toBeCloseTo(0, 12);
    expect(m.auuc(flat, t, y)).toBeCloseTo(0, 12);
  });

  it('the true effect ranks above random, the reversed effect below; random rankings average near 0', () => {
    const { t, y, effect } = randomCampaign(4000, 6);
    expect(m.qiniCoefficient(effect, t, y)).toBeGreaterThan(0.01);
    expect(m.auuc(effect, t, y)).toBeGreaterThan(0.01);
    expect(m.qiniCoefficient(effect.map((e) => -e), t, y)).toBeLessThan(-0.01);
    const r = rng(7);
    let sum = 0;
    for (let rep = 0; rep < 20; rep++) sum += m.auuc(effect.map(() => r()), t, y);
    expect(Math.abs(sum / 20)).toBeLessThan(0.004);
  });

  it('hand-worked case', () => {
    // Ranked: T1 C0 | T0 C1. Top half: 1 - 0 = 1 uplift; overall ATE = 0.5 - 0.5 = 0.
    const s = [4, 3, 2, 1], t = [1, 0, 1, 0], y = [1, 0, 0, 1];
    expect(m.upliftAtK(s, t, y, 0.5)).toBe(1);
    expect(m.averageTreatmentEffect(t, y)).toBe(0);
    // Gain points: 0, 0 (one arm), (1 - 0) * 0.5, (0.5 - 0) * 0.75, (0.5 - 0.5) * 1; trapezoids of width 0.25.
    expect(m.auuc(s, t, y)).toBeCloseTo(0.25 * (0.25 + (0.5 + 0.375) / 2 + 0.375 / 2), 12);
  });

  it('bad inputs are one-line errors', () => {
    expect(() => m.upliftCurve([1, 2], [1, 1], [0, 1])).toThrow(/every row is treated/);
    expect(() => m.auuc([1, 2], [0, 0], [0, 1])).toThrow(/every row is control/);
    expect(() => m.qiniCoefficient([1, 2], [0, 2], [0, 1])).toThrow(/treated 1 is 2 \(expected 0 or 1\)/);
    expect(() => m.auuc([1, NaN], [0, 1], [0, 1])).toThrow(/score 1 is NaN/);
    expect(() => m.auuc([1, 2], [0, 1], [0])).toThrow(/scores has 2 values but outcome has 1/);
    expect(() => m.upliftAtK([1, 2], [0, 1], [0, 1], 0)).toThrow(/fraction must be in \(0, 1\]/);
    expect(() => m.upliftCurve([1, 2], [0, 1], [0, 1], 1)).toThrow(/points must be/);
    expect(m.upliftAtK([2, 1, 0], [1, 1, 0], [1, 0, 0], 0.34)).toBeNaN();
  });
});
