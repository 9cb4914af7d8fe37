// node bench/quality-recommender.mjs: tl.presets.Recommender on MovieLens (ml-latest-small,
// ../shared/data), split and scored as ../shared/data/MANIFEST.md and BASELINES.md say:
// per user, rows sorted by (timestamp, movieId); the last is the test item; full ranking
// against every movie the user has not rated in training, ties to the smaller movie index.
// MovieLens has its own usage terms (GroupLens): it is read from ../shared, never bundled.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { loadTensorlift, root } from './common.mjs';

const dataDir = process.env.TENSORLIFT_DATA ?? join(root, '..', 'shared', 'data');
const file = join(dataDir, 'movielens_ratings.csv');
if (!existsSync(file)) {
  console.log(`quality-recommender: skipped, ${file} is not there (set TENSORLIFT_DATA)`);
  process.exit(0);
}
const tl = await loadTensorlift();
const { rows } = await tl.data.readCsv(file);
const byUser = new Map();
for (const r of rows) {
  const u = String(r.userId);
  if (!byUser.has(u)) byUser.set(u, []);
  byUser.get(u).push(r);
}
const train = [], test = [];
for (const list of byUser.values()) {
  list.sort((a, b) => Number(a.timestamp) - Number(b.timestamp) || Number(a.movieId) - Number(b.movieId));
  test.push(list[list.length - 1]);
  train.push(...list.slice(0, -1));
}
const model = process.env.MODEL ?? 'auto';
console.log(`Recommender on movielens, ${new Date().toISOString()}, ${cpus().length} CPUs (${cpus()[0]?.model}), node ${process.version}`);
console.log(`train ${train.length} rows, test ${test.length} users, model ${model}\n`);
const t0 = performance.now();
const rec = await tl.presets.Recommender.fit(train, {
  user: 'userId', item: 'movieId', time: 'timestamp', model,
  onProgress: process.env.QUIET ? undefined : (m) => console.log(`  ${m}`),
});
const fitS = (performance.now() - t0) / 1000;
const t1 = performance.now();
const r = await rec.evaluate(test);
const evalS = (performance.now() - t1) / 1000;
console.log(`\n${rec.describe()}\n`);
console.log('| model | HR@10 | NDCG@10 | coverage | popularity bias | fit s | evaluate s |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
console.log(`| tensorlift Recommender (${rec.modelKind}) | ${r.hitRate.toFixed(4)} | ${r.ndcg.toFixed(4)} | ${r.coverage.toFixed(4)} | ${r.popularityBias.toFixed(3)} | ${fitS.toFixed(1)} | ${evalS.toFixed(1)} |`);
console.log('| PureSVD k=64 (BASELINES.md) | 0.0820 | 0.0413 | | | | |');
console.log('| EASE lambda=300 (BASELINES.md) | 0.0745 | 0.0400 | | | | |');
console.log('| most popular (BASELINES.md) | 0.0432 | 0.0198 | | | | |');
const pass = r.hitRate >= 0.1 && r.ndcg > 0.0413;
console.log(`\n${pass ? 'PASS' : 'FAIL'}: HR@10 >= 0.10 and NDCG@10 > 0.0413 (PureSVD)`);
