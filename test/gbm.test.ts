// Histogram gradient-boosted trees (lib/train/gbm): binning, one tree's split against a
// brute-force search over every threshold, recovery of a known piecewise-constant function,
// missing values and categorical codes, monotone training loss, early stopping, determinism,
// pack/unpack fidelity and bad inputs. Generated data only, seeded.
import { describe, expect, it } from 'vitest';
import { Binner, MISSING_BIN, type FeatureKind } from '../lib/train/gbm/bins.js';
import { GbmModel } from '../lib/train/gbm/boost.js';
import { treeValue } from '../lib/train/gbm/tree.js';
import { seededRandom } from '../lib/train/data.js';

const range = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);

/** n rows of `features` uniform [0, 1) columns and the target f(row). */
function problem(n: number, features: number, f: (x: number[]) => number, seed: number, noise = 0, grid = 0) {
  const random = seededRandom(seed);
  const cols = Array.from({ length: features }, () => new Float64Array(n));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = cols.map((c) => (c[i] = grid ? Math.floor(random() * grid) / grid : random()));
    y[i] = f(x) + noise * (random() + random() + random() - 1.5);
  }
  return { cols, y };
}

function fitOn(cols: Float64Array[], y: Float64Array, kinds: FeatureKind[], params = {}, validation?: Uint32Array, train?: Uint32Array) {
  const binner = Binner.fit(cols, kinds, range(y.length));
  const data = binner.transform(cols, y.length);
  const model = GbmModel.fit(data, y, train ?? range(y.length), validation, params);
  return { binner, data, model, predict: (c: Float64Array[]) => model.predict(binner.transform(c, c[0].length).bins, c[0].length) };
}

const share0 = (rows: Uint32Array, y: Float64Array) => rows.reduce((s, i) => s + y[i], 0) / rows.length;
const rmse = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length);

describe('gbm binning', () => {
  it('cuts at midpoints of few distinct values, at row quantiles of many, and gives NaN its own bin', () => {
    const few = Float64Array.from([3, 1, 2, 2, NaN, 1]);
    const b = Binner.fit([few], ['numeric'], range(6));
    expect(b.state.cuts[0]).toEqual([1.5, 2.5]);
    expect(Array.from(b.transform([few], 6).bins[0])).toEqual([2, 0, 1, 1, MISSING_BIN, 0]);
    const random = seededRandom(3), many = Float64Array.from({ length: 10_000 }, () => random());
    const m = Binner.fit([many], ['numeric'], range(many.length));
    expect(m.state.cuts[0].length).toBe(254);
    const counts = new Array(255).fill(0);
    for (const bin of m.transform([many], many.length).bins[0]) counts[bin]++;
    // Quantile bins hold about n / 255 = 39 rows each.
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(30);
    expect(Math.max(...counts)).toBeLessThanOrEqual(50);
  });

  it('gives the most frequent categorical codes their own bins, whatever their code values', () => {
    // 600 codes: 20 frequent ones among the high codes (alphabetically late levels) carry the
    // signal; 580 rare ones (one row each) share bin 0 with unseen codes and code 0.
    const random = seededRandom(5), n = 4000;
    const code = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      code[i] = i < 580 ? 1 + i : 500 + (i % 20) * 5;
      y[i] = code[i] >= 500 ? (code[i] % 10 === 0 ? 3 : -3) : random();
    }
    const b = Binner.fit([code], ['categorical'], range(n));
    const bins = b.transform([code], n).bins[0];
    const binOf = (c: number) => b.transform([Float64Array.of(c)], 1).bins[0][0];
    const frequent = Array.from({ length: 20 }, (_, k) => binOf(500 + k * 5));
    expect(new Set(frequent).size).toBe(20);
    expect(frequent.every((x) => x >= 1 && x <= 20)).toBe(true);
    expect(Math.max(...bins)).toBe(254);
    for (const c of [0, 599, 601, 10_000, -1, 2.5, NaN]) expect(binOf(c), `code ${c}`).toBe(0);
    // The trees separate the frequent high codes exactly (they shared one bin when bins were codes).
    const { predict } = fitOn([code], y, ['categorical'], { maxLeaves: 4, learningRate: 1, l2: 0, maxRounds: 1, minSamplesLeaf: 5 });
    const p = predict([Float64Array.from({ length: 20 }, (_, k) => 500 + k * 5)]);
    expect(Array.from(p, (v) => Math.sign(v))).toEqual(Array.from({ length: 20 }, (_, k) => ((500 + k * 5) % 10 === 0 ? 1 : -1)));
    // A state saved before these bins existed bins codes as they are, as it did.
    const old = Binner.fromJSON({ kinds: ['categorical'], cuts: [[]] });
    expect(Array.from(old.transform([Float64Array.of(3, 300, 0)], 3).bins[0])).toEqual([3, 254, 0]);
    expect(() => Binner.fromJSON({ kinds: ['categorical'], cuts: [[]], codeBins: [[0, 300]] })).toThrow(/categorical bins are malformed/);
  });

  it('bins every value as a count of the cuts below it, for any number of cuts (row- and column-major alike)', () => {
    const seed = (Date.now() >>> 0) | 1, random = seededRandom(seed);
    for (const distinct of [1, 2, 3, 4, 7, 8, 9, 100, 255, 256, 1000]) {
      const train = Float64Array.from({ length: 3000 }, () => Math.floor(random() * distinct) / 7);
      const b = Binner.fit([train], ['numeric'], range(train.length));
      const cuts = b.state.cuts[0];
      const probe = Float64Array.from([...train.slice(0, 500), ...cuts, ...cuts.map((c) => c + 1e-9), Infinity, -Infinity, NaN, -1e300, 1e300]);
      const want = Array.from(probe, (v) => (Number.isNaN(v) ? MISSING_BIN : cuts.filter((c) => c < v).length));
      expect(Array.from(b.transform([probe], probe.length).bins[0]), `seed ${seed}, ${distinct} values`).toEqual(want);
      expect(Array.from(b.transformRows([probe], probe.length))).toEqual(want);
    }
  });

  it('round-trips through JSON with the same bins', () => {
    const { cols } = problem(500, 2, () => 0, 1);
    const b = Binner.fit(cols, ['numeric', 'numeric'], range(500));
    const back = Binner.fromJSON(JSON.parse(JSON.stringify(b.toJSON())));
    expect(back.transform(cols, 500).bins).toEqual(b.transform(cols, 500).bins);
  });
});

describe('gbm trees', () => {
  it("one stump (2 leaves, learning rate 1, no L2) splits where a brute-force search over thresholds does", () => {
    const { cols, y } = problem(300, 3, (x) => (x[1] > 0.37 ? 2 : 0) + x[0], 11, 0.3);
    const { model } = fitOn(cols, y, ['numeric', 'numeric', 'numeric'], { maxLeaves: 2, learningRate: 1, l2: 0, maxRounds: 1, minSamplesLeaf: 1 });
    // Reference: every feature, every cut between sorted distinct values, the least squared error.
    let best = { sse: Infinity, f: -1, cut: 0, left: 0, right: 0 };
    cols.forEach((c, f) => {
      const vals = [...new Set(c)].sort((a, b) => a - b);
      for (let j = 0; j + 1 < vals.length; j++) {
        const cut = (vals[j] + vals[j + 1]) / 2, l: number[] = [], r: number[] = [];
        c.forEach((v, i) => (v <= cut ? l : r).push(y[i]));
        const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
        const ml = mean(l), mr = mean(r);
        const sse = l.reduce((s, v) => s + (v - ml) ** 2, 0) + r.reduce((s, v) => s + (v - mr) ** 2, 0);
        if (sse < best.sse) best = { sse, f, cut, left: ml, right: mr };
      }
    });
    const t = model.trees[0];
    expect(t.feature[0]).toBe(best.f);
    const base = model.baseline;
    expect(base + t.value[t.left[0]]).toBeCloseTo(best.left, 5);
    expect(base + t.value[t.right[0]]).toBeCloseTo(best.right, 5);
  });

  it('recovers a known piecewise-constant function of two of five features on fresh points', () => {
    const f = (x: number[]) => (x[0] < 0.3 ? 3 : x[2] < 0.6 ? -1 : 2) + (x[4] > 0.8 ? 1 : 0);
    // Values on a grid of 100 (under 255 distinct), so bins cut exactly between them.
    const { cols, y } = problem(4000, 5, f, 5, 0.2, 100);
    const train = range(3000), stop = Uint32Array.from({ length: 1000 }, (_, i) => 3000 + i);
    const { predict, model } = fitOn(cols, y, Array(5).fill('numeric'), {}, stop, train);
    const fresh = problem(2000, 5, f, 6, 0, 100);
    expect(rmse(predict(fresh.cols), fresh.y)).toBeLessThan(0.05); // the function's steps are 1-4 apart, the noise's sd 0.1
    // Squared error falls every round (Newton steps on a quadratic with shrinkage 0.1).
    const h = model.history.train;
    for (let r = 1; r < h.length; r++) expect(h[r]).toBeLessThanOrEqual(h[r - 1] + 1e-12);
    expect(h[h.length - 1]).toBeLessThan(0.1 * h[0]);
  });

  it('learns where missing values go, and splits categorical codes into groups', () => {
    const random = seededRandom(9), n = 2000;
    const x = new Float64Array(n), code = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const missing = random() < 0.2;
      x[i] = missing ? NaN : Math.floor(random() * 20) / 20; // on a grid, so a cut falls exactly at 0.5
      code[i] = Math.floor(random() * 6);
      // Missing x behaves like large x; codes {1, 3, 4} add 2 (not a contiguous range).
      y[i] = (missing || x[i] > 0.5 ? 5 : 0) + ([1, 3, 4].includes(code[i]) ? 2 : 0);
    }
    const { predict } = fitOn([x, code], y, ['numeric', 'categorical'], { maxLeaves: 4, learningRate: 1, l2: 0, maxRounds: 1, minSamplesLeaf: 5 });
    const p = predict([Float64Array.from([NaN, 0.1, 0.9, NaN]), Float64Array.from([0, 0, 5, 3])]);
    [5, 0, 5, 7].forEach((v, i) => expect(p[i]).toBeCloseTo(v, 4));
  });

  it('the flat forest predicts the very doubles of a tree-by-tree walk (missing bins, categorical sets, odd row counts)', () => {
    const seed = (Date.now() >>> 0) | 1, random = seededRandom(seed), n = 1003;
    const cols = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)];
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      cols[0][i] = random() < 0.15 ? NaN : random();
      cols[1][i] = Math.floor(random() * 12);
      cols[2][i] = random() * 100;
      cols[3][i] = Math.floor(random() * 40);
      y[i] = (Number.isNaN(cols[0][i]) ? 1 : Math.sin(5 * cols[0][i])) + (cols[1][i] % 3 === 0 ? 1 : 0) + cols[2][i] / 50 + random();
    }
    const kinds: FeatureKind[] = ['numeric', 'categorical', 'numeric', 'categorical'];
    for (const maxLeaves of [2, 7, 31]) {
      const { data, model } = fitOn(cols, y, kinds, { maxRounds: 40, maxLeaves, minSamplesLeaf: 3 });
      const want = Float64Array.from({ length: n }, (_, i) => model.trees.reduce((s, t) => s + treeValue(t, data.bins, i), model.baseline));
      for (const rows of [n, 1, 2, 3, 4, 5, 8])
        expect(Array.from(model.predictRaw(data.bins.map((b) => b.subarray(0, rows)), rows)), `seed ${seed}, ${maxLeaves} leaves, ${rows} rows`).toEqual(Array.from(want.subarray(0, rows)));
    }
  });

  it('stops early on validation rows when the target is noise, and keeps the best round', () => {
    const { cols, y } = problem(2000, 4, () => 0, 8, 1);
    const train = range(1500), validation = Uint32Array.from({ length: 500 }, (_, i) => 1500 + i);
    const { model } = fitOn(cols, y, Array(4).fill('numeric'), { patience: 10 }, validation, train);
    const v = model.history.validation;
    expect(v.length).toBeLessThan(100);
    expect(model.trees.length).toBe(v.indexOf(Math.min(...v)));
  });

  it('is deterministic, and predicts the same doubles after pack -> JSON -> unpack', () => {
    const f = (x: number[]) => Math.sin(6 * x[0]) + x[1] * x[2];
    const { cols, y } = problem(1500, 3, f, 2, 0.1);
    const kinds: FeatureKind[] = ['numeric', 'numeric', 'categorical'];
    cols[2] = cols[2].map((v) => Math.floor(v * 7));
    const a = fitOn(cols, y, kinds, { maxRounds: 50 }), b = fitOn(cols, y, kinds, { maxRounds: 50 });
    expect(Array.from(a.predict(cols))).toEqual(Array.from(b.predict(cols)));
    const { arrays, meta } = a.model.pack();
    const back = GbmModel.unpack({ int: Int32Array.from(arrays.int), value: Float32Array.from(arrays.value) }, JSON.parse(JSON.stringify(meta)));
    const bins = a.binner.transform(cols, y.length).bins;
    expect(Array.from(back.predict(bins, y.length))).toEqual(Array.from(a.model.predict(bins, y.length)));
    expect(() => GbmModel.unpack({ int: arrays.int.slice(1), value: arrays.value }, meta)).toThrow(/saved trees hold/);
    // Row subsampling draws from the seed: the same seed, the same trees; another seed, others.
    const sub = (seed: number) => fitOn(cols, y, kinds, { maxRounds: 30, subsample: 0.6, seed }).predict(cols);
    expect(Array.from(sub(4))).toEqual(Array.from(sub(4)));
    expect(Array.from(sub(5))).not.toEqual(Array.from(sub(4)));
    expect(rmse(sub(4), y)).toBeLessThan(0.6 * rmse(new Float64Array(y.length).fill(a.model.baseline), y));
  });

  it('fits a Poisson log-mean to counts whose rate is multiplicative in the features', () => {
    const random = seededRandom(4), n = 4000;
    const cols = [new Float64Array(n), new Float64Array(n)], y = new Float64Array(n), rate = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      cols[0][i] = random(), cols[1][i] = random();
      rate[i] = Math.exp(1 + (cols[0][i] > 0.5 ? 1 : 0) - (cols[1][i] > 0.3 ? 0.7 : 0));
      // A Poisson draw by inversion.
      let k = 0, p = Math.exp(-rate[i]), s = p;
      const u = random();
      while (u > s) (k++, (p *= rate[i] / k), (s += p));
      y[i] = k;
    }
    const { model, data } = fitOn(cols, y, ['numeric', 'numeric'], { loss: 'poisson', maxRounds: 60, maxLeaves: 8 });
    expect(rmse(model.predict(data.bins, n), rate)).toBeLessThan(0.3); // rates 1.3-7.4
    expect(() => fitOn(cols, y.map((v) => v - 10), ['numeric', 'numeric'], { loss: 'poisson' })).toThrow(/Poisson loss needs targets >= 0/);
  });

  it('fits a logistic log-odds to 0/1 labels drawn from known probabilities, and round-trips it', () => {
    const random = seededRandom(6), n = 6000;
    const cols = [new Float64Array(n), new Float64Array(n), new Float64Array(n)], y = new Float64Array(n), truth = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      cols.forEach((c) => (c[i] = random()));
      // An interaction a linear model cannot express, plus a smooth term.
      const z = -1 + 2.5 * (cols[0][i] > 0.5 !== cols[1][i] > 0.5 ? 1 : 0) + 1.5 * cols[2][i];
      truth[i] = 1 / (1 + Math.exp(-z));
      y[i] = random() < truth[i] ? 1 : 0;
    }
    const val = Uint32Array.from({ length: n / 5 }, (_, i) => i), train = Uint32Array.from({ length: n - n / 5 }, (_, i) => i + n / 5);
    const { model, data, binner } = fitOn(cols, y, ['numeric', 'numeric', 'numeric'], { loss: 'logistic', maxLeaves: 7 }, val, train);
    const p = model.predict(data.bins, n);
    p.forEach((v) => expect(v > 0 && v < 1).toBe(true));
    // Against the true probabilities (0.27-0.95): far closer than the constant, and on the held-out
    // rows a log loss near the one the truth itself gets (the least any model can expect).
    expect(rmse(p, truth)).toBeLessThan(0.4 * rmse(new Float64Array(n).fill(share0(train, y)), truth));
    const logLoss = (q: ArrayLike<number>) => -Array.from(val).reduce((s, i) => s + (y[i] ? Math.log(q[i]) : Math.log(1 - q[i])), 0) / val.length;
    expect(logLoss(p)).toBeLessThan(logLoss(truth) + 0.02);
    // The baseline is the training rows' log-odds; training loss never rises (Newton steps, shrunk).
    const share = share0(train, y);
    expect(model.baseline).toBeCloseTo(Math.log(share / (1 - share)), 10);
    model.history.train.slice(1).forEach((v, r) => expect(v).toBeLessThanOrEqual(model.history.train[r] + 1e-12));
    const { arrays, meta } = model.pack();
    const back = GbmModel.unpack(arrays, JSON.parse(JSON.stringify(meta)));
    expect(Array.from(back.predict(binner.transform(cols, n).bins, n))).toEqual(Array.from(p));
    expect(() => fitOn(cols, y.map((v) => v * 2), ['numeric', 'numeric', 'numeric'], { loss: 'logistic' })).toThrow(/logistic loss needs targets 0 or 1; row \d+ is 2/);
    expect(() => fitOn(cols, new Float64Array(n).fill(1), ['numeric', 'numeric', 'numeric'], { loss: 'logistic' })).toThrow(/logistic loss needs rows of both classes/);
  });

  it('trains on y / c with weights c² exactly as squared error on y of c × f(x) (the weighted-ratio exposure model)', () => {
    // y = c × g(x) + noise, with an exposure c spread over 1-20: the ratio's weighted loss must
    // be the squared error on y, so its reported losses are the MSE of c × prediction.
    const random = seededRandom(8), n = 3000;
    const cols = [new Float64Array(n), new Float64Array(n)], c = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      (cols[0][i] = random()), (cols[1][i] = random()), (c[i] = 1 + 19 * random());
      y[i] = c[i] * (cols[0][i] > 0.5 ? 3 : 1) + (random() - 0.5);
    }
    const w = c.map((v) => v * v), ratio = y.map((v, i) => v / c[i]), train = range(2400), val = Uint32Array.from({ length: 600 }, (_, i) => 2400 + i);
    const data = Binner.fit(cols, ['numeric', 'numeric'], range(n)).transform(cols, n);
    const model = GbmModel.fit(data, ratio, train, val, { maxRounds: 40, maxLeaves: 4 }, { weight: w });
    // The baseline is the weighted least-squares constant: sum c y / sum c².
    const sum = (rows: Uint32Array, f: (i: number) => number) => rows.reduce((a, i) => a + f(i), 0);
    expect(model.baseline).toBeCloseTo(sum(train, (i) => c[i] * y[i]) / sum(train, (i) => c[i] * c[i]), 9);
    const pred = model.predict(data.bins, n), mseOn = (rows: Uint32Array) => sum(rows, (i) => (y[i] - c[i] * pred[i]) ** 2);
    // Weighted mean loss of the ratio = SSE on y / sum of weights, for the kept round.
    expect(model.history.validation[model.trees.length] * sum(val, (i) => w[i])).toBeCloseTo(mseOn(val), 6);
    expect(Math.sqrt(mseOn(val) / val.length)).toBeLessThan(0.6); // noise sd 0.29; y spans 1-60
    // Weights of 1 are no weights: the same trees to the bit.
    const plain = GbmModel.fit(data, y, train, val, { maxRounds: 20 }), ones = GbmModel.fit(data, y, train, val, { maxRounds: 20 }, { weight: new Float64Array(n).fill(1) });
    expect(Array.from(ones.predict(data.bins, n))).toEqual(Array.from(plain.predict(data.bins, n)));
    expect(() => GbmModel.fit(data, y, train, val, {}, { weight: new Float64Array(n) })).toThrow(/weights must be finite and > 0/);
  });

  it('fits Poisson trees around a per-row log offset, and a constant offset only moves the baseline', () => {
    const random = seededRandom(9), n = 3000;
    const cols = [new Float64Array(n)], c = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      (cols[0][i] = random()), (c[i] = 1 + 9 * random());
      y[i] = c[i] * (cols[0][i] > 0.5 ? 4 : 2) * (0.8 + 0.4 * random()); // E[y] = c × rate(x)
    }
    const data = Binner.fit(cols, ['numeric'], range(n)).transform(cols, n), all = range(n), logC = c.map(Math.log);
    const withOffset = GbmModel.fit(data, y, all, undefined, { loss: 'poisson', maxRounds: 80, maxLeaves: 2 }, { offset: logC });
    expect(withOffset.baseline).toBeCloseTo(Math.log(y.reduce((a, b) => a + b, 0) / c.reduce((a, b) => a + b, 0)), 9);
    // Given the offset, the trees only learn the rate: 2 or 4.
    const rate = withOffset.predict(data.bins, n);
    for (const i of [0, 1, 2, 3, 4]) expect(rate[i]).toBeCloseTo(cols[0][i] > 0.5 ? 4 : 2, 0);
    expect(rmse(withOffset.predict(data.bins, n, logC), c.map((v, i) => v * (cols[0][i] > 0.5 ? 4 : 2)))).toBeLessThan(0.3);
    const plain = GbmModel.fit(data, y, all, undefined, { loss: 'poisson', maxRounds: 30 });
    const shifted = GbmModel.fit(data, y, all, undefined, { loss: 'poisson', maxRounds: 30 }, { offset: new Float64Array(n).fill(Math.log(5)) });
    expect(shifted.baseline).toBeCloseTo(plain.baseline - Math.log(5), 12);
    const back = shifted.predict(data.bins, n, new Float64Array(n).fill(Math.log(5))), ref = plain.predict(data.bins, n);
    back.forEach((v, i) => expect(v).toBeCloseTo(ref[i], 6));
  });

  it('answers bad inputs with one-line errors, and degenerate ones sanely', () => {
    const { cols, y } = problem(50, 2, (x) => x[0], 1);
    const withNaN = Float64Array.from(y);
    withNaN[7] = NaN;
    expect(() => fitOn(cols, withNaN, ['numeric', 'numeric'])).toThrow(/target of row 7 is NaN/);
    expect(() => fitOn(cols, y, ['numeric', 'numeric'], { maxLeaves: 1 })).toThrow(/maxLeaves must be an integer >= 2/);
    expect(() => fitOn(cols, y, ['numeric', 'numeric'], { learningRate: 0 })).toThrow(/learningRate must be in \(0, 1\]/);
    expect(() => fitOn(cols, y, ['numeric', 'numeric'], { loss: 'huber' as 'squared' })).toThrow(/loss must be 'squared', 'poisson' or 'logistic'/);
    expect(() => fitOn(cols, y, ['numeric', 'numeric'], { subsample: 1.5 })).toThrow(/subsample must be in \(0, 1\]/);
    expect(() => Binner.fit(cols, ['numeric'], range(50))).toThrow(/2 feature columns but 1 feature kinds/);
    // A constant feature never splits: the model is the mean.
    const constant = [new Float64Array(50).fill(4)];
    const c = fitOn(constant, y, ['numeric']);
    expect(c.model.trees.every((t) => t.feature.length === 1)).toBe(true);
    const mean = y.reduce((a, b) => a + b, 0) / 50;
    c.predict(constant).forEach((v) => expect(v).toBeCloseTo(mean, 4));
    // One row: the baseline.
    const one = fitOn([Float64Array.from([1])], Float64Array.from([3]), ['numeric']);
    expect(Array.from(one.predict([Float64Array.from([9])]))).toEqual([3]);
  });
});
