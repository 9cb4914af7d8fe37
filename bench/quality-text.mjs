// npm run bench:quality -- text: SentimentModel on the fine-food reviews (package split, the
// `split` column) beside BASELINES.md's TF-IDF + logistic regression, and ChurnModel on the
// same reviews as a table (product + review -> score), which must read the text column; plus
// training time and per-text inference latency. Targets (issue 13): accuracy >= 0.83,
// AUC >= 0.90, ChurnModel's AUC within 0.02 of SentimentModel's. Exits 1 when one is missed.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { loadTensorlift, printTable, root } from './common.mjs';

const dataDir = process.env.TENSORLIFT_DATA ?? join(root, '..', 'shared', 'data');
if (!existsSync(join(dataDir, 'fine_foods.csv'))) {
  console.log(`bench:quality text: skipped, fine_foods.csv is not at ${dataDir} (set TENSORLIFT_DATA)`);
  process.exit(0);
}
const tl = await loadTensorlift();
const { rows: all } = await tl.data.readCsv(join(dataDir, 'fine_foods.csv'));
const strip = ({ split, ...r }) => r;
const train = all.filter((r) => r.split === 'train').map(strip), test = all.filter((r) => r.split === 'test').map(strip);
console.log(`Text preset quality, ${new Date().toISOString()}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}; ${train.length} train / ${test.length} test reviews\n`);

const timed = async (fn) => {
  const t0 = performance.now();
  const v = await fn();
  return [v, (performance.now() - t0) / 1000];
};
/** Median milliseconds of predict() on one text, over `n` test texts (after a warm-up). */
function latency(model, n = 200) {
  const times = [];
  for (let i = 0; i < n + 10; i++) {
    const row = test[i % test.length];
    const t0 = performance.now();
    model.predict([row]);
    if (i >= 10) times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[times.length >> 1];
}

const results = [];
const [sentiment, sentimentFit] = await timed(() => tl.presets.SentimentModel.fit(train, { text: 'review', target: 'score' }));
const s = await sentiment.evaluate(test);
results.push([`SentimentModel (default: 3 nets blended with ${sentiment.validation.members?.slice(1).join(' + ') || 'nothing'}, weights ${(sentiment.head.blend ?? [1]).map((w) => w.toFixed(2)).join('/')})`, s.accuracy.toFixed(4), s.auc.toFixed(4), s.macroF1.toFixed(4), sentimentFit.toFixed(1), latency(sentiment).toFixed(2)]);
// The networks alone (no linear members): what the blend adds.
const [netsOnly, netsFit] = await timed(() => tl.presets.SentimentModel.fit(train, { text: 'review', target: 'score', linear: false }));
const n = await netsOnly.evaluate(test);
results.push(['SentimentModel, networks only (linear: false)', n.accuracy.toFixed(4), n.auc.toFixed(4), n.macroF1.toFixed(4), netsFit.toFixed(1), latency(netsOnly).toFixed(2)]);
const [churn, churnFit] = await timed(() => tl.presets.ChurnModel.fit(train, { target: 'score', positive: 'great' }));
const c = await churn.evaluate(test);
const usesText = churn.inputSchema.some((col) => col.name === 'review' && col.type === 'text');
results.push([`ChurnModel on product + review (${usesText ? 'reads the text' : 'NO text column'})`, c.accuracy.toFixed(4), c.auc.toFixed(4), '', churnFit.toFixed(1), latency(churn).toFixed(2)]);
if (!process.env.TEXT_BENCH_QUICK) {
  const [tf, tfFit] = await timed(() => tl.presets.SentimentModel.fit(train, { text: 'review', target: 'score', encoder: 'transformer', ensemble: 1, epochs: 8 }));
  const r = await tf.evaluate(test);
  results.push(['SentimentModel (Transformer, 2 layers, 1 net)', r.accuracy.toFixed(4), r.auc.toFixed(4), r.macroF1.toFixed(4), tfFit.toFixed(1), latency(tf, 50).toFixed(2)]);
}
results.push(['TF-IDF 1-2-gram + LR (BASELINES.md)', '0.8080', '0.8801', '', '4.16', '']);
printTable('fine_foods, package split (test: 1000 reviews)', ['model', 'accuracy', 'ROC AUC', 'macro F1', 'fit s', 'predict 1 text ms'], results);

// Short texts (the first ~60 characters of each review, 1,500 training reviews) and the bundled
// intent demo (5 folds, argmax accuracy): the blend must not make them worse than the networks.
const cut = (t) => { const x = String(t).replace(/<br \/>/g, ' '); const i = x.indexOf(' ', 60); return i > 0 ? x.slice(0, i) : x; };
const shortTrain = train.slice(0, 1500).map((r) => ({ ...r, review: cut(r.review) })), shortTest = test.map((r) => ({ ...r, review: cut(r.review) }));
const { rows: intents } = await tl.data.readCsv(join(root, 'data', 'lead_intents.csv'));
const robustness = [];
for (const linear of [false, true]) {
  const m = await tl.presets.SentimentModel.fit(shortTrain, { text: 'review', target: 'score', linear });
  const r = await m.evaluate(shortTest);
  let hits = 0;
  for (let f = 0; f < 5; f++) {
    const bot = await tl.presets.IntentClassifier.fit(intents.filter((_, i) => i % 5 !== f), { text: 'text', target: 'intent', linear });
    const held = intents.filter((_, i) => i % 5 === f), p = bot.predict(held, { threshold: 0 });
    hits += held.filter((row, i) => p[i].intent === row.intent).length;
  }
  robustness.push([linear ? 'blend (default)' : 'networks only', r.accuracy.toFixed(4), r.auc.toFixed(4), (hits / intents.length).toFixed(4)]);
}
console.log('');
printTable('short texts and intents', ['model', 'short reviews accuracy', 'short reviews AUC', 'intents 5-fold accuracy'], robustness);

const checks = [
  ['SentimentModel accuracy >= 0.83', s.accuracy >= 0.83],
  ['SentimentModel AUC >= 0.90', s.auc >= 0.9],
  ['ChurnModel reads the review as text', usesText],
  ['ChurnModel AUC within 0.02 of SentimentModel', Math.abs(c.auc - s.auc) <= 0.02],
];
console.log('');
for (const [what, ok] of checks) console.log(`${ok ? 'met    ' : 'MISSED '} ${what}`);
process.exit(checks.every(([, ok]) => ok) ? 0 : 1);
