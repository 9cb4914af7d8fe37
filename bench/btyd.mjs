// A transaction-log simulator from a known buy-till-you-die process, to test value models
// where no real log ships: BG/NBD purchases (Fader, Hardie & Lee 2005) and Gamma-Gamma spend
// (Fader, Hardie & Lee 2005b). Per customer: purchase rate lambda ~ Gamma(r, rate alpha) per
// day while alive; after each purchase the customer drops out with probability
// p ~ Beta(a, b); each amount ~ Gamma(shape pSpend, rate nu) with nu ~ Gamma(q, rate gamma).
// Seeded, so a test sees the same log on every run. The caller writes the parameters.

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sampler(seed) {
  const u = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  // Marsaglia & Tsang; shape < 1 boosted by u^(1/shape).
  const gamma = (shape, rate) => {
    if (shape < 1) return gamma(shape + 1, rate) * u() ** (1 / shape);
    const d = shape - 1 / 3, c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x, v;
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const w = u();
      if (w < 1 - 0.0331 * x ** 4 || Math.log(w) < 0.5 * x * x + d * (1 - v + Math.log(v))) return (d * v) / rate;
    }
  };
  const beta = (a, b) => {
    const x = gamma(a, 1);
    return x / (x + gamma(b, 1));
  };
  return { u, gamma, beta };
}

/**
 * Rows { customer, day, amount } of `customers` customers whose first purchase falls
 * uniformly in [0, joinDays), simulated until `days`. Days are numbers (the preset reads
 * numeric times as days). params: { r, alpha, a, b, pSpend, q, gamma }.
 */
export function simulateLog({ customers, days, joinDays, seed, params, prefix = 'c' }) {
  const s = sampler(seed);
  const rows = [];
  for (let c = 0; c < customers; c++) {
    const lambda = s.gamma(params.r, params.alpha);
    const dropout = s.beta(params.a, params.b);
    const nu = s.gamma(params.q, params.gamma);
    let day = s.u() * joinDays;
    const id = `${prefix}${c}`;
    for (;;) {
      rows.push({ customer: id, day: Math.round(day * 100) / 100, amount: Math.round(s.gamma(params.pSpend, nu) * 100) / 100 });
      if (s.u() < dropout) break; // dropped out after this purchase
      day += s.gamma(1, lambda); // exponential wait
      if (day >= days) break;
    }
  }
  return rows;
}

/** Spend per customer up to `asOf` (the "past spend" baseline) and in (asOf, asOf + horizon]. */
export function pastAndFuture(rows, asOf, horizon) {
  const past = new Map(), future = new Map();
  for (const r of rows) {
    if (!past.has(r.customer)) (past.set(r.customer, 0), future.set(r.customer, 0));
    if (r.day <= asOf) past.set(r.customer, past.get(r.customer) + r.amount);
    else if (r.day <= asOf + horizon) future.set(r.customer, future.get(r.customer) + r.amount);
  }
  return { past, future };
}
