// Next best offer: which contract a telco customer is most likely to take, from the IBM Watson
// telco data in the project's shared data sets (../shared/data/wa_churn.csv, or the folder in
// TENSORLIFT_DATA). PropensityModel with a three-class target: a softmax head on the churn
// preset's network, one probability per contract, and the measures a campaign planner reads
// (accuracy, top-k, macro F1, and how well each contract's score finds its takers).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tl from 'tensorlift';

const here = dirname(fileURLToPath(import.meta.url));
const file = join(process.env.TENSORLIFT_DATA ?? join(here, '..', '..', 'shared', 'data'), 'wa_churn.csv');
if (!existsSync(file)) {
  console.log(`next-best-offer: ${file} is not there; set TENSORLIFT_DATA to the folder holding wa_churn.csv`);
  process.exit(0);
}
const { rows } = await tl.data.readCsv(file);
const train = rows.filter((_, i) => i % 5 !== 0), test = rows.filter((_, i) => i % 5 === 0); // MANIFEST's split

const model = await tl.presets.PropensityModel.fit(train, { target: 'contract' });
console.log(model.describe().split('\n')[0]);
console.log(`classes: ${model.classes.join(', ')}`);

const report = await model.evaluate(test);
console.log(`\non ${report.rows} held-out customers: accuracy ${report.accuracy.toFixed(3)}, top-${report.k} ${report.topK.toFixed(3)}, ` +
  `macro F1 ${report.macroF1.toFixed(3)}, log loss ${report.logLoss.toFixed(3)}`);
for (const c of report.perClass)
  console.log(`  ${c.class.padEnd(15)} ${String(c.support).padStart(4)} customers, recall ${c.recall.toFixed(2)}, ` +
    `the 10% most likely are ${c.lift.toFixed(1)}x as often on it`);

console.log('\nthree customers:');
const probs = model.predictProba(test.slice(0, 3));
model.predict(test.slice(0, 3)).forEach((offer, i) =>
  console.log(`  tenure ${test[i].tenure}, ${test[i].internet_service}: offer '${offer}' ` +
    `(${model.classes.map((c, j) => `${c} ${probs[i][j].toFixed(2)}`).join(', ')}; on '${test[i].contract}')`));
