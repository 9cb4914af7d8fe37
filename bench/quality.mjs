// npm run bench:quality [-- churn|value-segments|recommender ...]: every preset's quality on
// the shared real data sets (../shared/data), beside the scikit-learn baselines of
// BASELINES.md. Each suite runs in its own process, so one failing does not hide the others.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { benchDir } from './common.mjs';

const suites = {
  churn: 'churn-quality.mjs', // ChurnModel and PropensityModel
  'value-segments': 'quality-value-segments.mjs', // LifetimeValueModel, Segmenter
  recommender: 'quality-recommender.mjs',
  uplift: 'quality-uplift.mjs', // UpliftModel
  text: 'quality-text.mjs', // SentimentModel, ChurnModel with a text column
  images: 'quality-images.mjs', // ImageClassifier: digits, fashion-mnist, transfer, distillation
};
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
let failed = 0;
for (const name of wanted.length ? wanted : Object.keys(suites)) {
  if (!suites[name]) {
    console.error(`bench:quality: unknown suite '${name}' (have: ${Object.keys(suites).join(', ')})`);
    process.exit(2);
  }
  console.log(`\n=== ${name} (bench/${suites[name]})`);
  const r = spawnSync(process.execPath, [join(benchDir, suites[name])], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
