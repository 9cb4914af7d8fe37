// Campaign planning: given each customer's expected incremental result of a contact (an
// uplift model's predicted uplift, or a churn model's P(churn) × an assumed offer success
// rate), contact customers best-first and find the number of contacts that maximizes
// expected profit = incremental results × value − contacts × cost, within an optional budget.
// The curve holds the same quantities at every percent of the population, for charts.
import { InputError, type WarningHandler } from '../data/errors.js';
import type { ReadOptions } from '../data/source.js';
import { type Row, type Table, toTable } from '../data/table.js';

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

export interface ChurnPlanOptions {
  costPerContact: number;
  /** What keeping one customer who would have churned is worth (a margin, a lifetime value). */
  valuePerSaved: number;
  /**
   * ASSUMED share of contacted would-be churners the retention offer keeps (0 to 1]. A churn
   * model knows who is at risk, not whom the offer changes: measure this with a randomized
   * test (and UpliftModel) before trusting the plan.
   */
  offerSuccessRate: number;
  budget?: number;
  /** The customers to plan for: a path or rows with the model's input columns. */
  data: string | Row[] | Table;
  read?: ReadOptions;
  missing?: 'error' | 'impute';
  onWarning?: WarningHandler;
}

export interface ChurnPlanPoint {
  contacts: number;
  share: number;
  /** Σ P(churn) × offerSuccessRate over the contacted: an expectation under the stated assumption. */
  expectedSaved: number;
  cost: number;
  profit: number;
}

export interface ChurnPlan extends ChurnPlanPoint {
  population: number;
  offerSuccessRate: number;
  /** The assumption the figures rest on, spelt out for whoever reads the plan. */
  assumption: string;
  curve: ChurnPlanPoint[];
}

/** A retention campaign from a churn model: contact by P(churn), highest first. */
export async function churnPlan(model: { predict(rows: Table, opts: { missing?: 'error' | 'impute'; onWarning?: WarningHandler }): number[] }, opts: ChurnPlanOptions): Promise<ChurnPlan> {
  const costs = checkCosts(opts as unknown as Record<string, unknown>, 'valuePerSaved', '--value-per-saved');
  const rate = opts.offerSuccessRate;
  if (typeof rate !== 'number' || !(rate > 0 && rate <= 1))
    throw new InputError((cli) => `plan: ${cli ? '--offer-success-rate' : 'offerSuccessRate'} (the assumed share of contacted churners the offer keeps) must be a number in (0, 1], got ${typeof rate === 'number' ? rate : JSON.stringify(rate)}`);
  if (opts.data === undefined) throw new InputError((cli) => `plan: a churn plan needs the customers to plan for (${cli ? '--data' : 'data'})`);
  const table = await toTable(opts.data, 'ChurnModel.plan', opts.read);
  const p = model.predict(table, { missing: opts.missing, onWarning: opts.onWarning }).sort((a, b) => b - a);
  const core = planCampaign(p.map((v) => v * rate), p.map(() => 1), costs);
  const point = (c: PlanPoint): ChurnPlanPoint => ({ contacts: c.contacts, share: c.share, expectedSaved: c.incremental, cost: c.cost, profit: c.profit });
  return {
    ...point(core), population: core.population, offerSuccessRate: rate,
    assumption: `assumes the offer keeps ${(100 * rate).toFixed(1)}% of contacted customers who would otherwise churn (offerSuccessRate), and that churn probabilities are calibrated; measure the success rate with a randomized test`,
    curve: core.curve.map(point),
  };
}
