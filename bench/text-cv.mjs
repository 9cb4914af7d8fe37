// Lever study for the text presets' blend: every member's out-of-fold logits on the SAME
// 5 stratified folds of fine_foods' 4,000 training reviews (the test split is never read),
// then blends of member sets chosen as fit chooses them (blendMembers). Network logits are
// cached (TEXTCV_CACHE, default /tmp/textcv) since they cost most; the rest is recomputed.
//   node bench/text-cv.mjs [experiment ...]      (experiments: see EXPERIMENTS below)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './common.mjs';

const dist = (p) => import(join(root, 'dist', p));
const tl = await import(join(root, 'dist', 'index.js'));
const { TextFeaturizer } = await dist('data/text/featurize.js');
const { planFolds } = await dist('presets/fit-folds.js');
const { trainTextNet } = await dist('presets/text-train.js');
const { textInputs } = await dist('presets/text-fit.js');
const { fitLinearMembers } = await dist('presets/text-linear-fit.js');
const { blendMembers } = await dist('presets/text-blend.js');
const { linearWords } = await dist('presets/text-linear.js');
const { rocAuc } = await dist('metrics/classification.js');
const { softmaxRows } = await dist('presets/text-calibrate.js');

const dataDir = process.env.TENSORLIFT_DATA ?? join(root, '..', 'shared', 'data');
const cache = process.env.TEXTCV_CACHE ?? '/tmp/textcv';
mkdirSync(cache, { recursive: true });
const { rows: all } = await tl.data.readCsv(join(dataDir, 'fine_foods.csv'));
// TEXTCV_SHORT=1: the first ~60 characters of the first 1,500 reviews (as bench/quality-text.mjs's short texts).
const SHORT = process.env.TEXTCV_SHORT === '1';
const cut = (t) => { const x = String(t).replace(/<br \/>/g, ' '); const i = x.indexOf(' ', 60); return i > 0 ? x.slice(0, i) : x; };
const train = all.filter((r) => r.split === 'train').slice(0, SHORT ? 1500 : undefined);
const texts = train.map((r) => (SHORT ? cut(r.review) : r.review)), y = Int32Array.from(train, (r) => (r.score === 'great' ? 1 : 0));
const K = Number(process.env.TEXTCV_FOLDS ?? 5), c = 2;
const folds = planFolds(y, K, 42);
const featurizer = TextFeaturizer.fit(texts, { negation: true }, 'cv');
const words = texts.map((t) => linearWords(featurizer.words(t)));

/** Out-of-fold logits of `name`, computed by `make` once and cached on disk. */
async function cached(name, make) {
  const f = join(cache, `${name}-k${K}${SHORT ? '-short' : ''}.json`);
  if (existsSync(f)) return Float64Array.from(JSON.parse(readFileSync(f, 'utf8')));
  const t0 = performance.now();
  const v = await make();
  console.error(`${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  writeFileSync(f, JSON.stringify(Array.from(v)));
  return v;
}

export const members = {
  nets: () => cached('nets', async () => {
    const inputs = textInputs(featurizer, 'bag', texts);
    const spec = { encoder: 'bag', inputs: featurizer.bagSize, dim: 32, outputs: c, dropout: 0.2 };
    const oof = new Float64Array(y.length * c).fill(NaN);
    for (const fold of folds) {
      tl.manualSeed(fold.seed);
      const r = await trainTextNet(spec, inputs, y, fold.train, fold.validation, [1, 1], { seed: fold.seed });
      fold.validation.forEach((i, k) => { oof[i * c] = r.validationLogits[k * c]; oof[i * c + 1] = r.validationLogits[k * c + 1]; });
    }
    return oof;
  }),
};

/** Blend of the named members' out-of-fold logits, and its measures on all rows. */
function report(label, list) {
  const scored = Array.from(y.keys()), labels = Array.from(y);
  const b = blendMembers(list, scored, labels, c);
  const p = softmaxRows(b.logits, c, b.temperature);
  const score = labels.map((_, i) => p[i * 2 + 1]);
  let hits = 0, loss = 0;
  labels.forEach((l, i) => { hits += (score[i] > 0.5) === (l === 1) ? 1 : 0; loss -= Math.log(Math.max(1e-12, l ? score[i] : 1 - score[i])); });
  console.log(`${label.padEnd(48)} AUC ${rocAuc(score, labels).toFixed(4)}  acc ${(hits / labels.length).toFixed(4)}  logloss ${(loss / labels.length).toFixed(4)}  weights ${b.weights.map((w) => w.toFixed(2)).join('/')}`);
  return b;
}

export { texts, y, folds, words, featurizer, cached, report, c, K };

if (import.meta.url === `file://${process.argv[1]}`) {
  const nets = await members.nets();
  report('networks', [nets]);
  const [lr, nb] = await Promise.all([0]).then(async () => {
    const f = join(cache, `linear-k${K}${SHORT ? '-short' : ''}.json`);
    if (existsSync(f)) return JSON.parse(readFileSync(f, 'utf8')).map((a) => Float64Array.from(a));
    const t0 = performance.now();
    const m = await fitLinearMembers(words, y, folds, c);
    console.error(`linear: ${((performance.now() - t0) / 1000).toFixed(1)} s; ${m.map((x) => `${x.name} C ${x.C} lex ${x.lexicon}`).join(', ')}`);
    writeFileSync(f, JSON.stringify(m.map((x) => Array.from(x.outOfFold))));
    return m.map((x) => x.outOfFold);
  });
  report('logistic', [lr]);
  report('nb-logistic', [nb]);
  report('networks + logistic + nb (current default)', [nets, lr, nb]);
}
