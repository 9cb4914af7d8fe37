// node bench/quality-value-segments.mjs: LifetimeValueModel and Segmenter on the shared public
// data, beside the scikit-learn figures of ../shared/data/BASELINES.md (same splits), and the
// value model on transaction logs simulated from a known BG/NBD + Gamma-Gamma process against
// the "past spend" ranking. Default options throughout: this is what a user gets.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pastAndFuture, simulateLog } from './btyd.mjs';
import { loadTensorlift, printTable, root } from './common.mjs';

const dataDir = process.env.TENSORLIFT_DATA ?? join(root, '..', 'shared', 'data');
if (!existsSync(join(dataDir, 'wa_churn.csv'))) {
  console.log(`quality-value-segments: skipped, the shared data sets are not at ${dataDir} (set TENSORLIFT_DATA)`);
  process.exit(0);
}
const tl = await loadTensorlift();
const seconds = (t0) => ((performance.now() - t0) / 1000).toFixed(1);
console.log(`Value and segment presets, ${new Date().toISOString()}, ${cpus().length} x ${cpus()[0]?.model ?? 'CPU'}`);

// 1. wa_churn total_charges without tenure (and without churn), rows with a total only.
{
  const { rows } = await tl.data.readCsv(join(dataDir, 'wa_churn.csv'));
  const kept = rows.map((r, i) => [r, i]).filter(([r]) => r.total_charges !== '');
  const strip = ({ churn, tenure, ...rest }) => rest;
  const train = kept.filter(([, i]) => i % 5 !== 0).map(([r]) => strip(r)), test = kept.filter(([, i]) => i % 5 === 0).map(([r]) => strip(r));
  const out = [];
  // 'auto' is the default (ZILN, Poisson, MSE and boosted trees blended by out-of-fold RMSE); each member alone beside it.
  for (const head of ['auto', 'ziln', 'poisson', 'mse', 'gbm']) {
    const t0 = performance.now();
    const m = await tl.presets.LifetimeValueModel.fit(train, { target: 'total_charges', head });
    const fitS = seconds(t0);
    const r = await m.evaluate(test);
    out.push([`LifetimeValueModel (${head})`, r.rmse.toFixed(1), r.mae.toFixed(1), r.spearman.toFixed(4), r.normalizedGini.toFixed(4), r.decileMape.toFixed(3), fitS]);
  }
  out.push(['HistGradientBoosting (BASELINES)', '1041.1', '730.7', '', '', '', '0.18'], ['linear regression (BASELINES)', '1138.7', '888.5', '', '', '', '0.02']);
  printTable(`wa_churn total_charges without tenure: train ${train.length}, test ${test.length} (row index % 5 == 0)`,
    ['model', 'RMSE', 'MAE', 'Spearman', 'norm. Gini', 'decile MAPE', 'fit s'], out);
}

// 1b. The same rows WITH tenure (near-deterministic: total ≈ tenure × monthly): a held-out check
// that the defaults chosen inside fit suit a low-noise target too.
{
  const { rows } = await tl.data.readCsv(join(dataDir, 'wa_churn.csv'));
  const kept = rows.map((r, i) => [r, i]).filter(([r]) => r.total_charges !== '');
  const strip = ({ churn, ...rest }) => rest;
  const train = kept.filter(([, i]) => i % 5 !== 0).map(([r]) => strip(r)), test = kept.filter(([, i]) => i % 5 === 0).map(([r]) => strip(r));
  const out = [];
  for (const head of ['auto', 'gbm']) {
    const t0 = performance.now();
    const m = await tl.presets.LifetimeValueModel.fit(train, { target: 'total_charges', head });
    const fitS = seconds(t0);
    const r = await m.evaluate(test);
    out.push([`LifetimeValueModel (${head})`, r.rmse.toFixed(1), r.mae.toFixed(1), r.spearman.toFixed(4), fitS]);
  }
  out.push(['HistGradientBoosting (BASELINES)', '80.8', '54.7', '', '0.18'], ['linear regression (BASELINES)', '697.0', '560.4', '', '0.02']);
  printTable(`wa_churn total_charges WITH tenure: train ${train.length}, test ${test.length}`, ['model', 'RMSE', 'MAE', 'Spearman', 'fit s'], out);
}

// 2. customer_sat: silhouette of the assignment in the raw 1-10 answers, k = 3..6; ARI between seeds.
{
  const { rows } = await tl.data.readCsv(join(dataDir, 'customer_sat.csv'));
  const train = rows.filter((_, i) => i % 5 !== 0), test = rows.filter((_, i) => i % 5 === 0);
  const raw = (rs) => tl.tensor(rs.map((r) => Object.values(r).map(Number)));
  const base = { 3: [0.24, 0.2605], 4: [0.206, 0.2164], 5: [0.1992, 0.2014], 6: [0.1877, 0.1845] };
  const out = [];
  for (const k of [3, 4, 5, 6]) {
    const t0 = performance.now();
    const a = await tl.presets.Segmenter.fit(train, { k, seed: 1 });
    const fitS = seconds(t0);
    const b = await tl.presets.Segmenter.fit(train, { k, seed: 2 });
    const sTrain = tl.metrics.silhouette(raw(train), a.predict(train)), sTest = tl.metrics.silhouette(raw(test), a.predict(test));
    const ari = tl.metrics.adjustedRandIndex(a.predict(rows), b.predict(rows));
    out.push([k, sTrain.toFixed(4), base[k][0].toFixed(4), sTest.toFixed(4), base[k][1].toFixed(4), ari.toFixed(3), a.tried[0].source, a.profiles().map((p) => p.size).join('/'), fitS]);
  }
  printTable('customer_sat (q1..q10): silhouette in the raw answers, Segmenter vs k-means (BASELINES), ARI between seeds 1 and 2',
    ['k', 'train', 'k-means train', 'test', 'k-means test', 'ARI', 'clusters from', 'train sizes', 'fit s'], out);
  const t0 = performance.now();
  const auto = await tl.presets.Segmenter.fit(train, { seed: 1 });
  console.log(`\nk: 'auto' chose k = ${auto.k} (${seconds(t0)} s); training silhouettes: ${auto.tried.map((t) => `${t.k}: ${t.silhouette.toFixed(3)}`).join(', ')}`);
}

// 3. Simulated transaction logs: next-90-day value, model vs past spend, on held-out customers.
{
  const params = { r: 0.75, alpha: 20, a: 0.8, b: 4, pSpend: 6, q: 4, gamma: 15 };
  const horizonDays = 90, asOf = 365 - horizonDays, out = [];
  for (const customers of [1000, 3000]) {
    const log = simulateLog({ customers, days: 365, joinDays: 180, seed: 21, params, prefix: 'a' });
    const held = simulateLog({ customers, days: 365, joinDays: 180, seed: 22, params, prefix: 'b' });
    const t0 = performance.now();
    const m = await tl.presets.LifetimeValueModel.fit(log, { customer: 'customer', time: 'day', amount: 'amount', horizonDays });
    const fitS = seconds(t0);
    const r = await m.evaluate(held, { asOf });
    const { past, future } = pastAndFuture(held, asOf, horizonDays);
    const active = [...new Set(held.filter((x) => x.day <= asOf).map((x) => x.customer))];
    const p = active.map((k) => past.get(k)), f = active.map((k) => future.get(k));
    out.push([customers, log.length, r.spearman.toFixed(4), tl.metrics.spearman(p, f).toFixed(4), r.normalizedGini.toFixed(4), tl.metrics.normalizedGini(p, f).toFixed(4), r.rmse.toFixed(2), fitS]);
  }
  printTable(`Simulated BG/NBD + Gamma-Gamma logs (${JSON.stringify(params)}), 365 days, next ${horizonDays} days after day ${asOf}`,
    ['customers', 'transactions', 'Spearman', 'past spend', 'norm. Gini', 'past spend', 'RMSE', 'fit s'], out);
}
