// LifetimeValueModel's boosted-trees member: head 'gbm' alone on the bundled telco slice
// (quality, fit -> save -> load -> identical predict, determinism), missing and constant
// feature values, a transaction log, and the blend giving the trees the weight on a target made
// of steps (where trees are the right model) while the weights stay chosen out of fold.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { seededRandom } from '../lib/train/data.js';
// @ts-expect-error: a plain ES module without typings (shared with bench/quality-value-segments.mjs)
import { simulateLog } from '../bench/btyd.mjs';

const dir = mkdtempSync(join(tmpdir(), 'tl-ltv-gbm-'));
const file = new URL('./fixtures/wa_churn_value.csv', import.meta.url).pathname;
let train: tl.data.Row[], test: tl.data.Row[], model: tl.presets.LifetimeValueModel;
const strip = ({ churn: _c, tenure: _t, ...rest }: tl.data.Row) => rest;

beforeAll(async () => {
  const { rows } = await tl.data.readCsv(file);
  const kept = rows.map((r, i) => [r, i] as const).filter(([r]) => r.total_charges !== '');
  train = kept.filter(([, i]) => i % 5 !== 0).map(([r]) => strip(r));
  test = kept.filter(([, i]) => i % 5 === 0).map(([r]) => strip(r));
  model = await tl.presets.LifetimeValueModel.fit(train, { target: 'total_charges', head: 'gbm', ensemble: 3, seed: 1 });
}, 120_000);

describe("LifetimeValueModel with head 'gbm'", () => {
  it('explains total_charges without tenure about as well as the networks (R² > 0.78), with no networks', async () => {
    const r = await model.evaluate(test);
    const y = test.map((row) => Number(row.total_charges));
    const mean = train.reduce((s, row) => s + Number(row.total_charges), 0) / train.length;
    expect(1 - (r.rmse / tl.metrics.rmse(y.map(() => mean), y)) ** 2).toBeGreaterThan(0.78);
    expect(r.spearman).toBeGreaterThan(0.8);
    expect(model.nets).toHaveLength(0);
    expect(model.describe()).toMatch(/Head: gradient-boosted trees .*0 network\(s\); 3 boosted-tree model\(s\)( \([^)]+\)\))?, rounds \d+\/\d+\/\d+/);
    expect(model.validation.rmse).toBeGreaterThan(0);
    const iv = model.predictInterval(test);
    for (const { p10, p50, p90 } of iv) expect(0 <= p10 && p10 <= p50 && p50 <= p90).toBe(true);
  });

  it('predicts the same values after save -> load, and again from a second fit with the same seed', async () => {
    const path = join(dir, 'ltv-gbm.safetensors');
    await model.save(path);
    const back = await tl.presets.LifetimeValueModel.load(path);
    expect(back.predict(test)).toEqual(model.predict(test));
    expect(back.predictInterval(test.slice(0, 5))).toEqual(model.predictInterval(test.slice(0, 5)));
    const again = await tl.presets.LifetimeValueModel.fit(train, { target: 'total_charges', head: 'gbm', ensemble: 3, seed: 1 });
    expect(again.predict(test)).toEqual(model.predict(test));
  }, 60_000);

  it('offsets the trees by an exposure column when the stop slices prefer it, and saves and restores it', async () => {
    // A total that is a duration times the monthly charge (as wa_churn's with tenure): the
    // duration is the exposure, the trees then only learn the monthly charge from the services.
    const random = seededRandom(11);
    const withMonths = (rows: tl.data.Row[]) => rows.map((r) => {
      const months = 1 + Math.floor(random() * 72);
      return { ...r, months, total_charges: Math.round(months * Number(r.monthly_charges) * (0.95 + 0.1 * random())) };
    });
    const rows = withMonths(train), probe = withMonths(test);
    const m = await tl.presets.LifetimeValueModel.fit(rows, { target: 'total_charges', head: 'gbm', ensemble: 3, seed: 1 });
    const saved = m.toSafetensors().meta.state as { gbm: { offset?: { name: string; how: string } } };
    expect(saved.gbm.offset?.name).toMatch(/^(months|monthly_charges)$/);
    expect(['log', 'ratio']).toContain(saved.gbm.offset!.how);
    expect(m.describe()).toMatch(/3 boosted-tree model\(s\) \((offset log|ratio to)/);
    const y = probe.map((r) => r.total_charges as number), mean = y.reduce((a, b) => a + b, 0) / y.length;
    expect((await m.evaluate(probe)).rmse).toBeLessThan(0.1 * tl.metrics.rmse(y.map(() => mean), y)); // R² > 0.99
    const path = join(dir, 'ltv-gbm-offset.safetensors');
    await m.save(path);
    const back = await tl.presets.LifetimeValueModel.load(path);
    expect(back.predict(probe)).toEqual(m.predict(probe));
    expect(back.describe()).toEqual(m.describe());
    // An exposure below anything seen in training (0, or negative) is held at the training minimum.
    const odd = probe.slice(0, 3).map((r, i) => ({ ...r, [saved.gbm.offset!.name]: [0, -5, ''][i] }));
    expect(back.predict(odd).every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    // A signed target has no exposure (no log link): its file holds no offset, as older files.
    const signed = await tl.presets.LifetimeValueModel.fit(train.map((r) => ({ ...r, total_charges: Number(r.total_charges) - 2000 })), { target: 'total_charges', head: 'gbm', ensemble: 2, seed: 1 });
    expect((signed.toSafetensors().meta.state as { gbm: object }).gbm).not.toHaveProperty('offset');
    // A file whose offset names a column the inputs do not have is refused, not misread.
    const { tensors, meta } = back.toSafetensors();
    const state = meta.state as { gbm: { offset: { block: number } } };
    state.gbm.offset = { ...state.gbm.offset, block: 999 };
    expect(() => tl.presets.LifetimeValueModel.fromSaved(tensors, meta)).toThrow(/exposure offset of the boosted trees is malformed/);
  }, 120_000);

  it('sends missing feature values down a learned side, and ignores a constant column', async () => {
    // Missing monthly charges on a fifth of the rows, a column that never varies.
    const rows = train.map((r, i) => ({ ...r, monthly_charges: i % 5 === 1 ? '' : r.monthly_charges, constant: 7 }));
    const m = await tl.presets.LifetimeValueModel.fit(rows, { target: 'total_charges', head: 'gbm', ensemble: 2, seed: 2, onWarning: () => undefined });
    const probe = test.slice(0, 20).map((r) => ({ ...r, monthly_charges: '', constant: 7 }));
    expect(m.predict(probe).every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    const r = await m.evaluate(test.map((t) => ({ ...t, constant: 7 })));
    expect(r.spearman).toBeGreaterThan(0.75);
  }, 60_000);

  it('trains on the fewest rows a value model takes, and on a target that is almost all zeros', async () => {
    const tiny = await tl.presets.LifetimeValueModel.fit(train.slice(0, 20), { target: 'total_charges', head: 'gbm', ensemble: 1, seed: 1 });
    expect(tiny.predict(test.slice(0, 5)).every(Number.isFinite)).toBe(true);
    const sparse = train.slice(0, 200).map((r, i) => ({ ...r, total_charges: i === 3 ? r.total_charges : 0 }));
    const s = await tl.presets.LifetimeValueModel.fit(sparse, { target: 'total_charges', head: 'gbm', ensemble: 5, seed: 1 });
    expect(s.predict(test.slice(0, 5)).every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
  });

  it('works on a transaction log (RFM features) and round-trips', async () => {
    const params = { r: 0.75, alpha: 20, a: 0.8, b: 4, pSpend: 6, q: 4, gamma: 15 };
    const log = simulateLog({ customers: 500, days: 365, joinDays: 180, seed: 31, params, prefix: 'a' });
    const m = await tl.presets.LifetimeValueModel.fit(log, { customer: 'customer', time: 'day', amount: 'amount', horizonDays: 90, head: 'gbm', ensemble: 2, seed: 1 });
    const scores = m.scoreCustomers(log);
    expect(scores.every((s) => Number.isFinite(s.value) && s.p10 <= s.p90)).toBe(true);
    const path = join(dir, 'ltv-gbm-log.safetensors');
    await m.save(path);
    expect((await tl.presets.LifetimeValueModel.load(path)).predict(log.slice(0, 100))).toEqual(m.predict(log.slice(0, 100)));
  }, 60_000);

  it("head 'auto' gives the trees the weight on a target made of steps, never worse out of fold than its best member", async () => {
    const random = seededRandom(5);
    const rows = Array.from({ length: 800 }, () => {
      const a = random(), b = random(), plan = ['basic', 'plus', 'pro'][Math.floor(random() * 3)];
      const value = (a < 0.4 ? 100 : 900) + (plan === 'pro' && b > 0.5 ? 2000 : 0) + 30 * random();
      return { a, b, plan, value };
    });
    const m = await tl.presets.LifetimeValueModel.fit(rows, { target: 'value', ensemble: 2, epochs: 40, seed: 3 });
    const heads = m.validation.heads!;
    expect(heads.map((h) => h.head)).toEqual(['ziln', 'poisson', 'mse', 'gbm']);
    const gbm = heads.find((h) => h.head === 'gbm')!;
    expect(gbm.rmse).toBeLessThan(Math.min(...heads.filter((h) => h.head !== 'gbm').map((h) => h.rmse)));
    expect(gbm.weight).toBeGreaterThanOrEqual(0.5);
    expect(m.validation.rmse).toBeLessThanOrEqual(Math.min(...heads.map((h) => h.rmse)) + 1e-9);
  }, 120_000);
});
