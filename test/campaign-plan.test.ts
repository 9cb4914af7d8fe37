// Campaign planning (lib/presets/campaign-plan.ts) against a brute-force search over every
// number of contacts, on fresh random populations; and ChurnModel.plan, whose expected saved
// customers rest on an assumed offer success rate that the plan must say it assumed.
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { planCampaign } from '../lib/presets/campaign-plan.js';
import { churnRows, smallModel } from './helpers/boundary.js';

function rng(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 16807) % 2147483647) / 2147483647);
}

/** Every k from 0 to n (within the budget), profit of contacting the k best rows. */
function bruteForce(expected: number[], cost: number, value: number, budget = Infinity) {
  const sorted = [...expected].sort((a, b) => b - a);
  let best = { contacts: 0, profit: 0 }, cum = 0;
  sorted.forEach((e, k) => {
    cum += e;
    const profit = cum * value - (k + 1) * cost;
    if ((k + 1) * cost <= budget && profit > best.profit) best = { contacts: k + 1, profit };
  });
  return best;
}

describe('planCampaign', () => {
  it('finds the most profitable number of contacts, as a brute-force search does', () => {
    for (const seed of [1, 2, 3, 4]) {
      const r = rng(seed);
      const n = 50 + Math.floor(r() * 300);
      // Uplift can be negative (customers a contact puts off).
      const expected = Array.from({ length: n }, () => r() * 0.3 - 0.08).sort((a, b) => b - a);
      const [cost, value, budget] = [0.5 + r() * 2, 5 + r() * 30, seed % 2 ? 40 : undefined];
      const p = planCampaign(expected, expected.map(() => 1), { costPerContact: cost, value, ...(budget ? { budget } : {}) });
      const ref = bruteForce(expected, cost, value, budget);
      expect(p.contacts).toBe(ref.contacts);
      expect(p.profit).toBeCloseTo(ref.profit, 9);
      expect(p.cost).toBeCloseTo(ref.contacts * cost, 9);
      expect(p.population).toBe(n);
      // The curve: every percent (101 points) plus the chosen one, in order, with consistent columns.
      expect(p.curve.length).toBeGreaterThanOrEqual(Math.min(n + 1, 101));
      expect(p.curve[0]).toEqual({ contacts: 0, share: 0, incremental: 0, cost: 0, profit: 0 });
      expect(p.curve.at(-1)!.contacts).toBe(n);
      for (const c of p.curve) expect(c.profit).toBeCloseTo(c.incremental * value - c.contacts * cost, 9);
      expect(p.curve.some((c) => c.contacts === p.contacts)).toBe(true);
    }
  });

  it('binned populations: a budget can stop inside a bin, pro rata', () => {
    const p = planCampaign([0.2, 0.1], [10, 10], { costPerContact: 1, value: 100, budget: 15 });
    expect(p.contacts).toBe(15);
    expect(p.incremental).toBeCloseTo(10 * 0.2 + 5 * 0.1, 12);
    expect(() => planCampaign([], [], { costPerContact: 1, value: 1 })).toThrow(/no rows to plan a campaign for/);
  });
});

describe('ChurnModel.plan', () => {
  it('contacts by P(churn), saving P(churn) × the assumed success rate, and says it is an assumption', async () => {
    const model = await smallModel();
    const rows = churnRows(300, 9);
    const p = await model.plan({ costPerContact: 5, valuePerSaved: 200, offerSuccessRate: 0.25, data: rows });
    const probs = model.predict(rows).sort((a, b) => b - a);
    expect(p.contacts).toBe(probs.filter((q) => q * 0.25 * 200 > 5).length);
    expect(p.expectedSaved).toBeCloseTo(probs.slice(0, p.contacts).reduce((a, b) => a + b, 0) * 0.25, 6);
    expect(p.profit).toBeCloseTo(p.expectedSaved * 200 - 5 * p.contacts, 6);
    expect(p.offerSuccessRate).toBe(0.25);
    expect(p.assumption).toMatch(/^assumes the offer keeps 25\.0% of contacted customers who would otherwise churn/);
    const capped = await model.plan({ costPerContact: 5, valuePerSaved: 200, offerSuccessRate: 0.25, budget: 50, data: rows });
    expect(capped.contacts).toBeLessThanOrEqual(10);
    await expect(model.plan({ costPerContact: 5, valuePerSaved: 200, offerSuccessRate: 1.5, data: rows })).rejects.toThrow(/offerSuccessRate \(the assumed share of contacted churners the offer keeps\) must be a number in \(0, 1\], got 1.5/);
    await expect(model.plan({ costPerContact: 5, valuePerSaved: 200, offerSuccessRate: 0.2 } as never)).rejects.toThrow(/a churn plan needs the customers to plan for \(data\)/);
    await expect(model.plan({ costPerContact: 5, offerSuccessRate: 0.2, data: rows } as never)).rejects.toThrow(/valuePerSaved must be a positive finite number, got undefined/);
    expect(tl.presets.ChurnModel.prototype.plan).toBeTypeOf('function');
  }, 60_000);
});
