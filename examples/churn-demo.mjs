// Demo: a churn model on real telco data (bundled: data/mlc_churn.csv, MIT licensed).
// Trains the churn preset on the original training split, reports the measures a marketing
// team uses on the held-out customers, saves the model to one file, loads it back and
// scores a few customers.
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tl from 'tensorlift';

const here = dirname(fileURLToPath(import.meta.url));
const { rows } = await tl.data.readCsv(join(here, '..', 'data', 'mlc_churn.csv'));
const train = rows.slice(0, 3333), test = rows.slice(3333); // the data set's own split

console.log(`tensorlift demo: predicting churn for ${rows.length} telco customers (${Object.keys(rows[0]).length - 1} columns)\n`);
const started = performance.now();
const model = await tl.presets.ChurnModel.fit(train, { target: 'churn' });
// Boosted trees join the networks when they help out of fold (the default for yes/no targets).
const trees = model.trees ? ` + boosted trees (blend weight ${model.trees.weight.toFixed(1)})` : '';
console.log(`trained an ensemble of ${model.nets.length} networks${trees} on ${train.length} customers in ` +
  `${((performance.now() - started) / 1000).toFixed(1)} s (out-of-fold ROC AUC ${model.validation.auc.toFixed(3)})`);

const report = await model.evaluate(test);
const pct = (v) => `${(100 * v).toFixed(1)}%`;
console.log(`\non ${report.rows} held-out customers (${report.positives} churned):`);
console.log(`  ROC AUC ${report.auc.toFixed(4)}  (logistic regression 0.8375, gradient boosting 0.9246 on the same split)`);
console.log(`  log loss ${report.logLoss.toFixed(4)}, accuracy ${report.accuracy.toFixed(4)}`);
console.log(`  calling the riskiest 10% of customers reaches ${pct(report.capture.top10)} of those who churn, ` +
  `the riskiest 20% reaches ${pct(report.capture.top20)}`);
console.log('\n  decile  customers  churners   rate   lift  cumulative gain');
for (const r of report.lift)
  console.log(`  ${String(r.bin).padStart(6)}  ${String(r.count).padStart(9)}  ${String(r.positives).padStart(8)}  ` +
    `${r.rate.toFixed(3)}  ${r.lift.toFixed(2).padStart(5)}  ${pct(r.cumulativeGain).padStart(15)}`);

console.log('\nwhat drives the predictions (ROC AUC lost when a column is shuffled):');
for (const c of (await model.importance(test)).slice(0, 5)) console.log(`  ${c.column.padEnd(30)} ${c.aucDrop.toFixed(3)}`);

const file = join(tmpdir(), 'tensorlift-churn-demo.safetensors');
await model.save(file);
const loaded = await tl.load(file);
console.log(`\nsaved the model to ${file} and loaded it back; scoring three customers:`);
loaded.predict(test.slice(0, 3)).forEach((p, i) => {
  const c = test[i];
  console.log(`  ${c.state}, ${c.account_length} months, international plan ${c.international_plan}, ` +
    `${c.number_customer_service_calls} service calls -> churn probability ${p.toFixed(3)} (actual: ${c.churn})`);
});
