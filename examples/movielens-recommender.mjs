// node examples/movielens-recommender.mjs [ratings.csv]
// Recommendations from MovieLens ml-latest-small (ratings: userId, movieId, rating, timestamp).
// The data is not bundled (GroupLens' terms: acknowledge it, no endorsement, no commercial
// use without permission); by default it is read from ../shared/data.
import { existsSync } from 'node:fs';
import * as tl from '../dist/index.js';

const file = process.argv[2] ?? new URL('../../shared/data/movielens_ratings.csv', import.meta.url).pathname;
if (!existsSync(file)) {
  console.error(`usage: node examples/movielens-recommender.mjs path/to/movielens_ratings.csv (${file} not found)`);
  process.exit(1);
}
const { rows } = await tl.data.readCsv(file);
// Hold out each user's last rating (by time, then movieId) to measure on.
const last = new Map();
for (const r of rows) {
  const seen = last.get(r.userId);
  if (!seen || +r.timestamp > +seen.timestamp || (+r.timestamp === +seen.timestamp && +r.movieId > +seen.movieId)) last.set(r.userId, r);
}
const test = [...last.values()], held = new Set(test);
const train = rows.filter((r) => !held.has(r));

const model = await tl.presets.Recommender.fit(train, { user: 'userId', item: 'movieId', time: 'timestamp' });
console.log(model.describe());
console.log(await model.evaluate(test)); // HR@10, NDCG@10 (full ranking), coverage, popularity bias
console.log('for user 1:', model.recommend('1', 5));
console.log('after movies 1, 2, 3:', model.recommendNext(['1', '2', '3'], 5));
console.log('like movie 1:', model.similarItems('1', 5));
await model.save('/tmp/movielens-recommender.safetensors');
