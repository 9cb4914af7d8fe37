// node bench/churn-trees-cost.mjs: what the default boosted trees cost ChurnModel at predict
// time, on mlc_churn's split: predict() of 1,000 test rows (CSV strings, preprocessing
// included, one thread) for the ensemble and its distill() student, each with and without the
// trees (`trees: false`), interleaved best of 30 x 10 so machine load hits all alike; then the
// trees' own part (preprocess + logOdds) and the test AUC of each model.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadTensorlift, printTable, root } from './common.mjs';

const dataDir = process.env.TENSORLIFT_DATA ?? join(root, '..', 'shared', 'data');
if (!existsSync(join(dataDir, 'mlc_churn.csv'))) {
  console.log(`churn-trees-cost: skipped, mlc_churn.csv is not at ${dataDir} (set TENSORLIFT_DATA)`);
  process.exit(0);
}
const tl = await loadTensorlift();
const { rows } = await tl.data.readCsv(join(dataDir, 'mlc_churn.csv'));
const train = rows.slice(0, 3333), test = rows.slice(3333), sample = test.slice(0, 1000);
const fit = async (trees) => {
  const t0 = performance.now();
  const m = await tl.presets.ChurnModel.fit(train, { target: 'churn', seed: 42, trees, progress: false });
  return { m, s: (performance.now() - t0) / 1000 };
};
const plain = await fit(false), blended = await fit(true);
const models = [['ensemble, networks alone', plain.m], ['ensemble with trees (default)', blended.m]];
models.push(['student of the networks', await plain.m.distill({ data: train })], ['student with the trees', await blended.m.distill({ data: train })]);
const table = { rows: sample, columns: Object.keys(sample[0]) };
tl.setNumThreads(1);
const fns = [...models.map(([, m]) => () => m.predict(sample)), () => blended.m.trees.logOdds(blended.m.preprocessor.transform(table), blended.m.preprocessor.cardinalities)];
const best = fns.map(() => Infinity);
for (let r = 0; r < 30; r++)
  for (let f = 0; f < fns.length; f++) {
    const t0 = performance.now();
    for (let c = 0; c < 10; c++) fns[f]();
    best[f] = Math.min(best[f], (performance.now() - t0) / 10);
  }
const out = [];
for (const [i, [name, m]] of models.entries()) out.push([name, (await m.evaluate(test)).auc.toFixed(4), best[i].toFixed(3)]);
printTable(`ChurnModel on mlc_churn, ${new Date().toISOString()}: test AUC and predict of 1,000 rows (ms, one thread); fit ${plain.s.toFixed(1)} s without trees, ${blended.s.toFixed(1)} s with; the trees' part (preprocess + logOdds) ${best.at(-1).toFixed(3)} ms`,
  ['model', 'test AUC', 'predict ms'], out);
