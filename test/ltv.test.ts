// LifetimeValueModel end to end: per-customer table mode on real data (a slice of IBM's telco
// customers, total_charges from profile and services without tenure), the transaction-log
// mode on logs simulated from a known buy-till-you-die process, save/load fidelity, errors.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
// @ts-expect-error: a plain ES module without typings (shared with bench/quality-value-segments.mjs)
import { pastAndFuture, simulateLog } from '../bench/btyd.mjs';

const dir = mkdtempSync(join(tmpdir(), 'tl-ltv-'));
const file = new URL('./fixtures/wa_churn_value.csv', import.meta.url).pathname;
let train: tl.data.Row[], test: tl.data.Row[], model: tl.presets.LifetimeValueModel;

beforeAll(async () => {
  const { rows } = await tl.data.readCsv(file);
  // BASELINES.md: rows with an empty total_charges (tenure 0) are dropped; index % 5 == 0 is test.
  const kept = rows.map((r, i) => [r, i] as const).filter(([r]) => r.total_charges !== '');
  train = kept.filter(([, i]) => i % 5 !== 0).map(([r]) => r);
  test = kept.filter(([, i]) => i % 5 === 0).map(([r]) => r);
  model = await tl.presets.LifetimeValueModel.fit(train, { target: 'total_charges', head: 'ziln', ensemble: 3, seed: 1 });
}, 120_000);

describe('LifetimeValueModel on a per-customer table', () => {
  it('explains total_charges without tenure as well as gradient boosting (R² > 0.80; full set: HistGBM 0.7995, linear 0.7602)', async () => {
    const r = await model.evaluate(test);
    const y = test.map((row) => Number(row.total_charges));
    const mean = train.reduce((s, row) => s + Number(row.total_charges), 0) / train.length;
    const baseline = tl.metrics.rmse(y.map(() => mean), y);
    expect(r.rows).toBe(test.length);
    expect(1 - (r.rmse / baseline) ** 2).toBeGreaterThan(0.8); // 0.816-0.820 over seeds 1-3
    expect(r.spearman).toBeGreaterThan(0.8);
    expect(r.normalizedGini).toBeGreaterThan(0.8);
    expect(r.decileMape).toBeLessThan(0.2);
    expect(r.mae).toBeLessThan(r.rmse);
  });

  it('gives ordered p10/p50/p90 from the predicted distribution, covering about 80% of actual values', () => {
    const iv = model.predictInterval(test);
    const y = test.map((row) => Number(row.total_charges));
    for (const { p10, p50, p90 } of iv) {
      expect(p10).toBeGreaterThanOrEqual(0);
      expect(p10).toBeLessThanOrEqual(p50);
      expect(p50).toBeLessThanOrEqual(p90);
    }
    const inside = iv.filter((v, i) => y[i] >= v.p10 && y[i] <= v.p90).length / y.length;
    expect(inside).toBeGreaterThan(0.7); // nominal 80%; 0.87 measured
    expect(inside).toBeLessThan(0.95);
  });

  it('evaluates a holdout of fewer than 10 labelled rows (decileMape over one group per row, not a RangeError)', async () => {
    const r = await model.evaluate(test.slice(0, 5));
    expect(r.rows).toBe(5);
    expect(Number.isFinite(r.decileMape)).toBe(true);
  });

  it('predicts identically after save and load; tl.load returns the preset', async () => {
    const path = join(dir, 'ltv.safetensors');
    await model.save(path);
    const back = await tl.presets.LifetimeValueModel.load(path);
    expect(back.predict(test.slice(0, 40))).toEqual(model.predict(test.slice(0, 40)));
    expect(back.predictInterval(test.slice(0, 5))).toEqual(model.predictInterval(test.slice(0, 5)));
    expect((await tl.load(path)) instanceof tl.presets.LifetimeValueModel).toBe(true);
    expect(back.kind).toBe('ltv');
    expect(back.inputSchema.map((c) => c.name)).toContain('monthly_charges');
    expect(back.inputSchema.map((c) => c.name)).not.toContain('total_charges');
    expect(back.describe()).toMatch(/LifetimeValueModel .*'total_charges'/);
  });

  it('has an MSE head as an option, with an interval from out-of-fold residuals', async () => {
    const small = train.slice(0, 600);
    const m = await tl.presets.LifetimeValueModel.fit(small, { target: 'total_charges', head: 'mse', ensemble: 1, epochs: 30, seed: 2 });
    const [iv] = m.predictInterval(test.slice(0, 1));
    expect(iv.p10).toBeLessThan(iv.p90);
    expect((await m.evaluate(test)).spearman).toBeGreaterThan(0.6);
  });

  it("head 'auto' (the default) blends ZILN, Poisson, MSE and boosted trees by out-of-fold RMSE, at least as well as the best member", async () => {
    const auto = await tl.presets.LifetimeValueModel.fit(train, { target: 'total_charges', ensemble: 2, seed: 1 });
    const v = auto.validation;
    expect(v.heads!.map((h) => h.head)).toEqual(['ziln', 'poisson', 'mse', 'gbm']);
    expect(v.heads!.reduce((a, h) => a + h.weight, 0)).toBeCloseTo(1, 9);
    // The weights minimize the out-of-fold RMSE over a grid that contains each head alone.
    expect(v.rmse).toBeLessThanOrEqual(Math.min(...v.heads!.map((h) => h.rmse)) + 1e-9);
    const r = await auto.evaluate(test);
    const y = test.map((row) => Number(row.total_charges));
    const mean = train.reduce((s, row) => s + Number(row.total_charges), 0) / train.length;
    expect(1 - (r.rmse / tl.metrics.rmse(y.map(() => mean), y)) ** 2).toBeGreaterThan(0.8);
    const iv = auto.predictInterval(test);
    for (const { p10, p50, p90 } of iv) expect(0 <= p10 && p10 <= p50 && p50 <= p90).toBe(true);
    expect(auto.describe()).toMatch(/Blend \(weights chosen on out-of-fold RMSE\): ziln \d\.\d/);
    const path = join(dir, 'ltv-auto.safetensors');
    await auto.save(path);
    const back = await tl.presets.LifetimeValueModel.load(path);
    expect(back.predict(test)).toEqual(auto.predict(test));
    expect(back.predictInterval(test.slice(0, 5))).toEqual(auto.predictInterval(test.slice(0, 5)));
    // A signed target leaves the MSE head and the trees.
    const signed = train.slice(0, 300).map((row, i) => ({ ...row, total_charges: String(Number(row.total_charges) - (i % 2 ? 3000 : 0)) }));
    const s = await tl.presets.LifetimeValueModel.fit(signed, { target: 'total_charges', ensemble: 1, epochs: 5, seed: 1 });
    expect(s.validation.heads!.map((h) => h.head)).toEqual(['mse', 'gbm']);
    expect(s.describe()).toMatch(/Head: blend of heads/);
  }, 120_000);

  it('never predicts a negative value (nor a negative p10) for a target that never was, whatever the head', async () => {
    // Nearly all zeros and one large value: an MSE head's line dips below 0 away from that row.
    const rows = Array.from({ length: 40 }, (_, i) => ({ x: String(i), spend: i === 39 ? '500' : '0' }));
    const far = [{ x: '-200' }, { x: '-50' }, { x: '0' }, { x: '300' }];
    for (const head of ['mse', 'auto'] as const) {
      const m = await tl.presets.LifetimeValueModel.fit(rows, { target: 'spend', head, ensemble: 1, epochs: 30, seed: 3 });
      expect(Math.min(...m.predict([...rows, ...far])), head).toBeGreaterThanOrEqual(0);
      expect(Math.min(...m.predictInterval(far).map((r) => r.p10)), head).toBeGreaterThanOrEqual(0);
    }
  });

  it('has a log-link Poisson head as an option (the mean on a multiplicative scale)', async () => {
    const m = await tl.presets.LifetimeValueModel.fit(train.slice(0, 600), { target: 'total_charges', head: 'poisson', ensemble: 1, epochs: 30, seed: 2 });
    const p = m.predict(test);
    expect(p.every((v) => v >= 0)).toBe(true);
    expect((await m.evaluate(test)).spearman).toBeGreaterThan(0.6);
    expect(m.describe()).toMatch(/log-link mean, Poisson deviance/);
  });

  it('rejects bad targets and options with one-line errors', async () => {
    const rows = train.slice(0, 50);
    const fit = (data: tl.data.Row[], opts: tl.presets.LtvFitOptions) => tl.presets.LifetimeValueModel.fit(data, opts);
    await expect(fit(rows, { target: 'nope' })).rejects.toThrow(/'nope' is not in the data/);
    await expect(fit(rows.map((r) => ({ ...r, total_charges: '' })), { target: 'total_charges', missing: 'drop' })).rejects.toThrow(/every row's 'total_charges' is missing/);
    await expect(fit(rows.map((r, i) => (i === 3 ? { ...r, total_charges: 'lots' } : r)), { target: 'total_charges' })).rejects.toThrow(/row 3: the target 'total_charges' is 'lots', not a finite number/);
    await expect(fit(rows.map((r, i) => (i === 4 ? { ...r, total_charges: '-5' } : r)), { target: 'total_charges', head: 'ziln' })).rejects.toThrow(/row 4: .* is -5; the zero-inflated lognormal head needs values >= 0 \(use \{ head: 'mse' \}/);
    await expect(fit(rows.map((r, i) => (i === 2 ? { ...r, total_charges: '' } : r)), { target: 'total_charges' })).rejects.toThrow(/row 2: the target 'total_charges' is missing \(pass \{ missing: 'drop' \}/);
    await expect(fit(rows.map((r) => ({ ...r, total_charges: 0 })), { target: 'total_charges' })).rejects.toThrow(/every target value is 0/);
    await expect(fit(rows.map((r, i) => (i === 4 ? { ...r, total_charges: '-5' } : r)), { target: 'total_charges', head: 'poisson' })).rejects.toThrow(/row 4: .* is -5; the Poisson head needs values >= 0/);
    await expect(fit(rows, { target: 'total_charges', head: 'gamma' as 'mse' })).rejects.toThrow(/head must be 'auto', 'ziln', 'poisson', 'mse' or 'gbm', got "gamma"/);
    await expect(fit(rows, { target: 'total_charges', ensemble: 0 })).rejects.toThrow(/ensemble must be an integer from 1 to 20/);
    await expect(fit(rows, { target: 'total_charges', customer: 'x' })).rejects.toThrow(/either target .* or customer\/time\/amount/);
    await expect(fit(rows, {})).rejects.toThrow(/options.target .* is required/);
    await expect(fit([], { target: 'total_charges' })).rejects.toThrow(/no rows/);
    await expect(fit(rows.slice(0, 12), { target: 'total_charges' })).rejects.toThrow(/12 rows with a target are too few; a value model needs at least 20/);
  });
});

describe('LifetimeValueModel on a transaction log', () => {
  // BG/NBD purchases (rate ~ Gamma(r, alpha) per day, dropout after each purchase ~ Beta(a, b))
  // and Gamma-Gamma spend (amount ~ Gamma(pSpend, nu), nu ~ Gamma(q, gamma): $30 on average).
  const params = { r: 0.75, alpha: 20, a: 0.8, b: 4, pSpend: 6, q: 4, gamma: 15 };
  const simulate = (seed: number, prefix: string) => simulateLog({ customers: 700, days: 365, joinDays: 180, seed, params, prefix });
  const horizonDays = 90, asOf = 365 - horizonDays;
  const log = simulate(11, 'a'), held = simulate(12, 'b');
  const fitLog = (opts: Partial<tl.presets.LtvFitOptions> = {}) =>
    tl.presets.LifetimeValueModel.fit(log, { customer: 'customer', time: 'day', amount: 'amount', horizonDays, ensemble: 2, seed: 3, ...opts });
  let m: tl.presets.LifetimeValueModel;
  beforeAll(async () => {
    m = await fitLog();
  }, 120_000);

  it('ranks next-90-day value better than past spend (Spearman and normalized Gini, held-out customers)', async () => {
    const r = await m.evaluate(held, { asOf });
    const { past, future } = pastAndFuture(held, asOf, horizonDays) as { past: Map<string, number>; future: Map<string, number> };
    const active = new Set((held as { customer: string; day: number }[]).filter((x) => x.day <= asOf).map((x) => x.customer));
    const ids = [...active];
    const p = ids.map((k) => past.get(k)!), f = ids.map((k) => future.get(k)!);
    expect(r.rows).toBe(ids.length);
    const base = { spearman: tl.metrics.spearman(p, f), gini: tl.metrics.normalizedGini(p, f) };
    expect(r.spearman).toBeGreaterThan(base.spearman + 0.05);
    expect(r.normalizedGini).toBeGreaterThan(base.gini);
  });

  it('scores customers and rows, and round-trips through a file', async () => {
    const scores = m.scoreCustomers(held);
    expect(scores[0]).toHaveProperty('customer', 'b0');
    expect(scores.every((s) => s.value >= 0 && s.p10 <= s.p90)).toBe(true);
    const perRow = m.predict(held.slice(0, 30));
    expect(perRow).toHaveLength(30);
    expect(m.scoreCustomers([])).toEqual([]); // as predict([]) and predictInterval([]), not an asOf error
    const path = join(dir, 'ltv-log.safetensors');
    await m.save(path);
    const back = await tl.presets.LifetimeValueModel.load(path);
    expect(back.predict(held.slice(0, 200))).toEqual(m.predict(held.slice(0, 200)));
    expect(back.inputSchema).toEqual([{ name: 'customer', type: 'id' }, { name: 'day', type: 'date' }, { name: 'amount', type: 'numeric' }]);
    expect(back.describe()).toMatch(/next 90 days .*GRU over the last 20 purchases/);
  });

  it('trains with an LSTM encoder too, and reads ISO dates', async () => {
    const day0 = Date.UTC(2024, 0, 1);
    const dated = log.slice(0, 1500).map((r: { customer: string; day: number; amount: number }) => ({ ...r, day: new Date(day0 + r.day * 86_400_000).toISOString().slice(0, 10) }));
    const lstm = await tl.presets.LifetimeValueModel.fit(dated, { customer: 'customer', time: 'day', amount: 'amount', horizonDays, sequence: 'lstm', ensemble: 1, epochs: 5, seed: 1 });
    expect(lstm.predict(dated.slice(0, 3)).every(Number.isFinite)).toBe(true);
    expect(lstm.describe()).toMatch(/LSTM/);
  });

  it('rejects a bad log clearly', async () => {
    await expect(fitLog({ horizonDays: undefined })).rejects.toThrow(/needs horizonDays/);
    await expect(fitLog({ amount: 'spend' })).rejects.toThrow(/column 'spend' is not in the data/);
    const bad = log.map((r: object, i: number) => (i === 5 ? { ...r, amount: -3 } : r));
    await expect(tl.presets.LifetimeValueModel.fit(bad, { customer: 'customer', time: 'day', amount: 'amount', horizonDays })).rejects.toThrow(/row 5, column 'amount': -3 is negative/);
    const badDate = log.map((r: object, i: number) => (i === 2 ? { ...r, day: 'yesterday' } : r));
    await expect(tl.presets.LifetimeValueModel.fit(badDate, { customer: 'customer', time: 'day', amount: 'amount', horizonDays })).rejects.toThrow(/row 2, column 'day': 'yesterday' is not a date/);
    await expect(fitLog({ sequence: 'rnn' as 'gru' })).rejects.toThrow(/sequence must be 'gru', 'lstm' or 'none'/);
    await expect(fitLog({ asOf: 400 })).rejects.toThrow(/no customer bought in the 90 days after asOf \(day 400.0; the log ends on day 36/);
  });
});
