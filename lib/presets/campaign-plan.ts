// Campaign planning: given each customer's expected incremental result of a contact (an
// uplift model's predicted uplift, or a churn model's P(churn) × an assumed offer success
// rate), contact customers best-first and find the number of contacts that maximizes
// expected profit = incremental results × value − contacts × cost, within an optional budget.
// The curve holds the same quantities at every percent of the population, for charts.
import { InputError } from '../data/errors.js';

export interface PlanCosts {
  /** What one contact costs (an email, a call, a discount's cost). */
  costPerContact: number;
  /** What one incremental result is worth. */
  value: number;
  /** The most the campaign may spend on contacts. */
  budget?: number;
}

export interface PlanPoint {
  contacts: number;
  /** contacts / population. */
  share: number;
  /** Expected incremental results (conversions, saved customers) of contacting the top `contacts`. */
  incremental: number;
  cost: number;
  profit: number;
}

export interface PlanCore extends PlanPoint {
  population: number;
  /** The curve at 0, 1, ..., 100% of the population (plus the chosen point), by contacts. */
  curve: PlanPoint[];
}

function finite(v: unknown, name: string, flag: string, positive: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (positive ? v <= 0 : v < 0))
    throw new InputError((cli) => `plan: ${cli ? flag : name} must be a ${positive ? 'positive' : 'non-negative'} finite number, got ${typeof v === 'number' ? v : JSON.stringify(v)}`);
  return v;
}

/** Checks the money options; `valueName`/`valueFlag` say how the value is called (valuePerConversion, valuePerSaved). */
export function checkCosts(opts: Record<string, unknown>, valueName: string, valueFlag: string): PlanCosts {
  if (!opts || typeof opts !== 'object') throw new TypeError(`plan: expected an options object with costPerContact and ${valueName}`);
  const costPerContact = finite(opts.costPerContact, 'costPerContact', '--cost-per-contact', false);
  const value = finite(opts[valueName], valueName, valueFlag, true);
  const budget = opts.budget === undefined ? undefined : finite(opts.budget, 'budget', '--budget', true);
  return { costPerContact, value, ...(budget === undefined ? {} : { budget }) };
}

/**
 * The plan over a population given as bins sorted best-first: `expected[k]` is the expected
 * incremental result per row of bin k, which holds `sizes[k]` rows (1 per row for a scored
 * file). Within a bin rows are alike, so a budget may stop part-way through one.
 */
export function planCampaign(expected: ArrayLike<number>, sizes: ArrayLike<number>, costs: PlanCosts): PlanCore {
  const population = Array.from(sizes).reduce((a, b) => a + b, 0);
  if (!population) throw new InputError('plan: no rows to plan a campaign for');
  const cap = costs.budget !== undefined && costs.costPerContact > 0 ? Math.min(population, Math.floor(costs.budget / costs.costPerContact)) : population;
  const point = (contacts: number, incremental: number): PlanPoint => {
    const cost = contacts * costs.costPerContact;
    return { contacts, share: contacts / population, incremental, cost, profit: incremental * costs.value - cost };
  };
  // Cumulative incremental results at each bin's end.
  const ends = [0], cum = [0];
  for (let k = 0; k < expected.length; k++) {
    ends.push(ends[k] + sizes[k]);
    cum.push(cum[k] + expected[k] * sizes[k]);
  }
  const at = (contacts: number): number => {
    let lo = 0, hi = ends.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (ends[mid] <= contacts) lo = mid; else hi = mid;
    }
    return ends[lo] === contacts || lo === ends.length - 1 ? cum[lo] : cum[lo] + ((contacts - ends[lo]) / (ends[hi] - ends[lo])) * (cum[hi] - cum[lo]);
  };
  let best = point(0, 0);
  for (const contacts of [...ends.filter((c) => c <= cap), cap]) {
    const p = point(contacts, at(contacts));
    if (p.profit > best.profit) best = p;
  }
  const shares = Array.from({ length: 101 }, (_, i) => Math.round((i / 100) * population));
  const curve = [...new Set([...shares, best.contacts])].sort((a, b) => a - b).map((c) => point(c, at(c)));
  return { ...best, population, curve };
}
