// Demo: churn propensity on real telco data with nothing but tensorlift's tensor ops.
// Reads the bundled CSV, one-hot encodes and standardizes the columns, fits a logistic
// regression by full-batch gradient descent (gradients written out by hand: this demo shows
// the tensor core; the churn preset will do it with autograd), then reports test ROC AUC,
// accuracy and a decile lift table, and scores a few customers.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import * as tl from 'tensorlift';

const here = dirname(fileURLToPath(import.meta.url));
const rows = parse(readFileSync(join(here, '..', 'data', 'mlc_churn.csv')), { columns: true, cast: true });
const TRAIN_ROWS = 3333; // the original MLC++ split

const target = 'churn';
const columns = Object.keys(rows[0]).filter((c) => c !== target);
const numeric = columns.filter((c) => typeof rows[0][c] === 'number');
const categorical = columns.filter((c) => typeof rows[0][c] !== 'number');
const train = rows.slice(0, TRAIN_ROWS), test = rows.slice(TRAIN_ROWS);

// Feature encoding fitted on training rows only.
const levels = Object.fromEntries(categorical.map((c) => [c, [...new Set(train.map((r) => r[c]))].sort()]));
const stats = Object.fromEntries(numeric.map((c) => {
  const v = train.map((r) => r[c]);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) || 1;
  return [c, { mean, sd }];
}));
const width = numeric.length + categorical.reduce((n, c) => n + levels[c].length, 0);
function encode(batch) {
  const x = new Float32Array(batch.length * width);
  batch.forEach((r, i) => {
    let k = i * width;
    for (const c of numeric) x[k++] = (r[c] - stats[c].mean) / stats[c].sd;
    for (const c of categorical) {
      const j = levels[c].indexOf(r[c]);
      if (j >= 0) x[k + j] = 1;
      k += levels[c].length;
    }
  });
  return tl.tensor(x, { shape: [batch.length, width] });
}
const label = (batch) => tl.tensor(Float32Array.from(batch, (r) => (r[target] === 'yes' ? 1 : 0)), { shape: [batch.length, 1] });

const xTrain = encode(train), yTrain = label(train);
let w = tl.zeros([width, 1]), b = tl.zeros([1]);
const t0 = performance.now();
const lr = 0.5, l2 = 1e-3, epochs = 500;
for (let epoch = 0; epoch < epochs; epoch++) {
  // p = sigmoid(Xw + b); dL/dw = X^T (p - y) / n + l2 w; dL/db = mean(p - y)
  [w, b] = tl.tidy(() => {
    const err = xTrain.matmul(w).add(b).sigmoid().sub(yTrain);
    const gw = xTrain.T.matmul(err).div(train.length).add(w.mul(l2));
    const gb = err.mean(0);
    const next = [w.sub(gw.mul(lr)), b.sub(gb.mul(lr))];
    w.dispose();
    b.dispose();
    return next;
  });
}
const fitMs = performance.now() - t0;

const xTest = encode(test);
const p = xTest.matmul(w).add(b).sigmoid().dataSync();
const y = test.map((r) => (r[target] === 'yes' ? 1 : 0));

function rocAuc(scores, labels) {
  const order = [...scores.keys()].sort((i, j) => scores[i] - scores[j]);
  let rankSum = 0, pos = 0;
  for (let k = 0; k < order.length; ) {
    let e = k;
    while (e + 1 < order.length && scores[order[e + 1]] === scores[order[k]]) e++;
    const avgRank = (k + e) / 2 + 1;
    for (let t = k; t <= e; t++) if (labels[order[t]]) { rankSum += avgRank; pos++; }
    k = e + 1;
  }
  const neg = labels.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}
const auc = rocAuc(Array.from(p), y);
const accuracy = y.filter((v, i) => (p[i] >= 0.5 ? 1 : 0) === v).length / y.length;

console.log(`tensorlift demo: churn propensity on ${rows.length} telco customers (${width} features)`);
console.log(`fit: logistic regression, ${epochs} full-batch gradient steps in ${fitMs.toFixed(0)} ms`);
console.log(`test ROC AUC ${auc.toFixed(4)} (scikit-learn's logistic regression: 0.8375), accuracy ${accuracy.toFixed(4)}`);

// Decile lift: churners caught in each tenth of customers ranked by predicted risk.
const ranked = [...p.keys()].sort((i, j) => p[j] - p[i]);
const base = y.reduce((a, v) => a + v, 0) / y.length;
console.log('\ndecile  customers  churners  rate    lift   cumulative gain');
let cum = 0;
const total = y.reduce((a, v) => a + v, 0);
for (let d = 0; d < 10; d++) {
  const part = ranked.slice(Math.floor((d * ranked.length) / 10), Math.floor(((d + 1) * ranked.length) / 10));
  const hits = part.reduce((a, i) => a + y[i], 0);
  cum += hits;
  console.log(`${String(d + 1).padStart(6)}  ${String(part.length).padStart(9)}  ${String(hits).padStart(8)}  ` +
    `${(hits / part.length).toFixed(3)}  ${(hits / part.length / base).toFixed(2).padStart(5)}  ${((100 * cum) / total).toFixed(1).padStart(6)}%`);
}

console.log('\nscoring three customers from the test split:');
for (const i of [0, 1, 2]) {
  const r = test[i];
  console.log(`  ${r.state}, ${r.account_length} months, intl plan ${r.international_plan}, ` +
    `${r.number_customer_service_calls} service calls -> churn probability ${p[i].toFixed(3)} (actual: ${r[target]})`);
}
