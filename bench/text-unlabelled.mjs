// Few labels, many unlabelled texts: SentimentModel on fine_foods with n labelled training
// reviews (seeded draws), alone and with the other 4,000 - n training reviews given as
// `unlabelled` (their labels unused), scored on the package's 1,000 test reviews.
//   node bench/text-unlabelled.mjs [sizes, default 200,500,1000] [seeds, default 3]
import { join } from 'node:path';
import { root } from './common.mjs';
const dataDir = process.env.TENSORLIFT_DATA ?? join(root, '..', 'shared', 'data');
const tl = await import(join(root, 'dist', 'index.js'));
const sizes = (process.argv[2] ?? '200,500,1000').split(',').map(Number), seeds = Number(process.argv[3] ?? 3);
const { rows: all } = await tl.data.readCsv(join(dataDir, 'fine_foods.csv'));
const strip = ({ split, ...r }) => r;
const train = all.filter((r) => r.split === 'train').map(strip), test = all.filter((r) => r.split === 'test').map(strip);
const draw = (seed) => {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const idx = train.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [idx[i], idx[j]] = [idx[j], idx[i]]; }
  return idx;
};
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
console.log(`# ${new Date().toISOString()} fine_foods, test 1,000 reviews; sizes ${sizes.join('/')}, ${seeds} draws each`);
for (const n of sizes) {
  const res = { alone: [], unlabelled: [] };
  for (let seed = 1; seed <= seeds; seed++) {
    const idx = draw(seed * 7919 + n), labelled = idx.slice(0, n).map((i) => train[i]), rest = idx.slice(n).map((i) => train[i].review);
    for (const [name, extra] of [['alone', {}], ['unlabelled', { unlabelled: rest }]]) {
      const t0 = performance.now();
      const m = await tl.presets.SentimentModel.fit(labelled, { text: 'review', target: 'score', seed, ...extra });
      const fit = (performance.now() - t0) / 1000, e = await m.evaluate(test);
      res[name].push({ auc: e.auc, acc: e.accuracy, fit });
      console.log(`n ${n} draw ${seed} ${name}: auc ${e.auc.toFixed(4)} acc ${e.accuracy.toFixed(4)} fit ${fit.toFixed(1)} s; weights ${m.head.blend.map((w) => w.toFixed(2)).join('/')} members ${m.validation.members.join(' | ')}`);
    }
  }
  for (const [name, r] of Object.entries(res))
    console.log(`SUMMARY n ${n} ${name}: auc ${mean(r.map((x) => x.auc)).toFixed(4)} acc ${mean(r.map((x) => x.acc)).toFixed(4)} fit ${mean(r.map((x) => x.fit)).toFixed(1)} s`);
}
