// Semi-synthetic campaigns with a known treatment effect, for UpliftModel's quality checks
// (test/uplift.test.ts and bench/quality-uplift.mjs): real customer covariates (the IBM
// telco rows), a simulated 50/50 (or `treatedShare`) random assignment, and a conversion drawn
// from a base rate plus, when treated, an effect that depends on the covariates: larger for
// month-to-month contracts and high monthly charges, smaller for seniors, and negative for
// long contracts at low charges (customers the offer puts off). Real data's effects are weaker; this asks whether the model
// finds an effect that is there.

function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 2 ** 32;
  };
}

const sigmoid = (x) => 1 / (1 + Math.exp(-x));

/** The true effect of the offer on P(conversion) for a telco row. */
export function trueEffect(row) {
  const charges = Number(row.monthly_charges);
  const monthly = row.contract === 'Month-to-month' ? 1 : 0;
  const senior = String(row.senior_citizen) === '1' ? 1 : 0;
  return 0.12 * monthly + 0.08 * Math.tanh((charges - 70) / 20) - 0.06 * senior;
}

/**
 * Campaign rows from telco rows: the covariates (minus `drop`), `offer` (yes/no) and `bought`
 * (yes/no); with each row's true effect `tau` and its expected outcome given its arm.
 */
export function simulateCampaign(rows, { seed = 1, treatedShare = 0.5, drop = ['churn', 'tenure', 'total_charges', 'customer_id'] } = {}) {
  const r = random(seed);
  return rows.map((row) => {
    const covariates = Object.fromEntries(Object.entries(row).filter(([k]) => !drop.includes(k)));
    const base = sigmoid(-1.2 + 0.02 * (Number(row.monthly_charges) - 65) + 0.5 * (String(row.partner) === '1' || row.partner === 'Yes' ? 1 : 0));
    const tau = trueEffect(row);
    const treated = r() < treatedShare ? 1 : 0;
    const p = Math.min(0.99, Math.max(0.01, base + treated * tau));
    return { row: { ...covariates, offer: treated ? 'yes' : 'no', bought: r() < p ? 'yes' : 'no' }, tau, treated, expected: p };
  });
}

/**
 * Area between the true-gain curve of a ranking and random targeting: contacting the top f
 * by `scores` gains the sum of their true effects; the oracle ranks by the effects themselves.
 * Free of outcome noise, so model / oracle is the share of the reachable gain found.
 */
export function trueGainArea(scores, tau) {
  const n = tau.length;
  const order = Array.from(scores, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const mean = tau.reduce((a, b) => a + b, 0) / n;
  let cum = 0, prev = 0, area = 0;
  for (let k = 0; k < n; k++) {
    cum += tau[order[k]];
    const g = cum / n;
    area += (prev + g) / 2 / n;
    prev = g;
  }
  return area - mean / 2;
}
