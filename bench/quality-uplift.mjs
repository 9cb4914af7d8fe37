// node bench/quality-uplift.mjs: UpliftModel on the shared real field experiment
// (resume_names: treatment = a white-sounding name, outcome = a callback), beside the
// scikit-learn baselines of ../shared/data/BASELINES.md on the same split and the same
// measures (uplift-curve area above random, outcome units per row; uplift in the top 30%);
// then on semi-synthetic campaigns with a known effect (real telco covariates, bench/uplift-sim.mjs):
// the share of the oracle's true gain the model's ranking reaches. Default options throughout.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { loadTensorlift, printTable, root } from './common.mjs';
import { simulateCampaign, trueGainArea } from './uplift-sim.mjs';

const dataDir = process.env.TENSORLIFT_DATA ?? join(root, '..', 'shared', 'data');
if (!existsSync(join(dataDir, 'resume_names.csv'))) {
  console.log(`quality-uplift: skipped, the shared data sets are not at ${dataDir} (set TENSORLIFT_DATA)`);
  process.exit(0);
}
const tl = await loadTensorlift();
const seconds = (t0) => ((performance.now() - t0) / 1000).toFixed(1);
const f4 = (v) => v.toFixed(4);
console.log(`Uplift preset, ${new Date().toISOString()}, ${cpus().length} x ${cpus()[0]?.model ?? 'CPU'}`);

// 1. resume_names, split row index % 5 == 0 is test, `name` dropped (it encodes the treatment).
{
  const { rows } = await tl.data.readCsv(join(dataDir, 'resume_names.csv'));
  const strip = ({ name, ...rest }) => rest;
  const train = rows.filter((_, i) => i % 5 !== 0).map(strip), test = rows.filter((_, i) => i % 5 === 0).map(strip);
  const out = [];
  for (const learner of ['auto', 'tarnet', 't-learner', 'class-transformation']) {
    const t0 = performance.now();
    const m = await tl.presets.UpliftModel.fit(train, { treatment: 'ethnicity', treated: 'cauc', outcome: 'call', positive: 'yes', learner, onWarning: () => {} });
    const fitS = seconds(t0);
    const r = await m.evaluate(test);
    const name = learner === 'auto' ? `UpliftModel (default: ${m.chosen})` : `UpliftModel (learner: ${learner})`;
    out.push([name, `${f4(r.auuc)} [${f4(r.ci.auuc.low)}, ${f4(r.ci.auuc.high)}]`, f4(r.upliftAt[30]), f4(r.qini), f4(r.upliftAt[10]), fitS]);
  }
  out.push(
    ['random ranking (BASELINES; s.d. 0.0050)', '0.0002', 'ATE 0.0480', '', '', '0.000'],
    ['T-learner, two logistic regressions (BASELINES)', '0.0066', '0.0915', '', '', '0.060'],
    ['S-learner, HistGradientBoosting (BASELINES)', '0.0075', '0.1144', '', '', '0.21'],
    ['class transformation, logistic (BASELINES)', '-0.0042', '0.0395', '', '', '0.053'],
  );
  printTable(`resume_names: train ${train.length}, test ${test.length} (row index % 5 == 0); treatment ethnicity = cauc, outcome call = yes`,
    ['model', 'uplift-curve area vs random [95% bootstrap]', 'uplift top 30%', 'Qini', 'uplift top 10%', 'fit s'], out);
}

// 2. Semi-synthetic: wa_churn covariates (7043 rows), simulated assignment and outcome, 3 seeds.
if (existsSync(join(dataDir, 'wa_churn.csv'))) {
  const { rows } = await tl.data.readCsv(join(dataDir, 'wa_churn.csv'));
  const out = [];
  for (const seed of [1, 2, 3]) {
    const sim = simulateCampaign(rows, { seed });
    const train = sim.filter((_, i) => i % 5 !== 0), test = sim.filter((_, i) => i % 5 === 0);
    const t0 = performance.now();
    const m = await tl.presets.UpliftModel.fit(train.map((d) => d.row), { treatment: 'offer', outcome: 'bought', seed, onWarning: () => {} });
    const fitS = seconds(t0);
    const u = m.predict(test.map((d) => d.row));
    const tau = test.map((d) => d.tau), t = test.map((d) => d.treated), y = test.map((d) => (d.row.bought === 'yes' ? 1 : 0));
    out.push([seed, m.chosen, tl.metrics.spearman(u, tau).toFixed(3), (trueGainArea(u, tau) / trueGainArea(tau, tau)).toFixed(3),
      f4(tl.metrics.qiniCoefficient(u, t, y)), f4(tl.metrics.qiniCoefficient(tau, t, y)), fitS]);
  }
  printTable(`semi-synthetic campaigns on wa_churn covariates: train 5634, test 1409; known effect (bench/uplift-sim.mjs)`,
    ['seed', 'kept', 'Spearman(predicted, true effect)', 'true gain / oracle', 'Qini (test outcomes)', 'oracle Qini', 'fit s'], out);
}
