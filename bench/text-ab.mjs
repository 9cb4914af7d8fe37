// A/B of the text presets between two builds on the same machine, one after the other:
//   node bench/text-ab.mjs [path/to/dist]   (default: this checkout's dist)
// The default SentimentModel on fine_foods (package split: test metrics, fit time, median
// predict latency of one text), on the first ~60 characters of 1,500 training reviews, and
// the intent demo's 5-fold held-out accuracy (as bench/quality-text.mjs's sections).
import { join, resolve } from 'node:path';
import { root } from './common.mjs';
const distDir = resolve(process.argv[2] ?? join(root, 'dist'));
const dataDir = process.env.TENSORLIFT_DATA ?? join(root, '..', 'shared', 'data');
const tl = await import(join(distDir, 'index.js'));
const { rows: all } = await tl.data.readCsv(join(dataDir, 'fine_foods.csv'));
const strip = ({ split, ...r }) => r;
const train = all.filter((r) => r.split === 'train').map(strip), test = all.filter((r) => r.split === 'test').map(strip);
const t0 = performance.now();
const m = await tl.presets.SentimentModel.fit(train, { text: 'review', target: 'score' });
const fit = (performance.now() - t0) / 1000;
const s = await m.evaluate(test);
const times = [];
for (let i = 0; i < 210; i++) { const row = test[i % test.length]; const a = performance.now(); m.predict([row]); if (i >= 10) times.push(performance.now() - a); }
const lat = times.sort((a, b) => a - b)[times.length >> 1];
console.log(`full: acc ${s.accuracy.toFixed(4)} auc ${s.auc.toFixed(4)} f1 ${s.macroF1.toFixed(4)} fit ${fit.toFixed(1)} s latency ${lat.toFixed(3)} ms; oof auc ${m.validation.auc.toFixed(4)} members ${m.validation.members.join(' | ')} weights ${m.head.blend.map((w) => w.toFixed(2)).join('/')}`);
const cut = (t) => { const x = String(t).replace(/<br \/>/g, ' '); const i = x.indexOf(' ', 60); return i > 0 ? x.slice(0, i) : x; };
const shortTrain = train.slice(0, 1500).map((r) => ({ ...r, review: cut(r.review) })), shortTest = test.map((r) => ({ ...r, review: cut(r.review) }));
const sm = await tl.presets.SentimentModel.fit(shortTrain, { text: 'review', target: 'score' });
const sr = await sm.evaluate(shortTest);
console.log(`short: acc ${sr.accuracy.toFixed(4)} auc ${sr.auc.toFixed(4)}; oof auc ${sm.validation.auc.toFixed(4)} members ${sm.validation.members.join(' | ')} weights ${sm.head.blend.map((w) => w.toFixed(2)).join('/')}`);
const { rows: intents } = await tl.data.readCsv(join(root, 'data', 'lead_intents.csv'));
let hits = 0;
for (let f = 0; f < 5; f++) {
  const bot = await tl.presets.IntentClassifier.fit(intents.filter((_, i) => i % 5 !== f), { text: 'text', target: 'intent' });
  const held = intents.filter((_, i) => i % 5 === f), p = bot.predict(held, { threshold: 0 });
  hits += held.filter((row, i) => p[i].intent === row.intent).length;
  if (f === 0) console.log(`intent fold 0 members ${bot.validation.members.join(' | ')} weights ${bot.head.blend.map((w) => w.toFixed(2)).join('/')}`);
}
console.log(`intents: 5-fold held-out accuracy ${(hits / intents.length).toFixed(4)}`);
