// Softmax (multi-class) boosted trees (lib/train/gbm/softmax.ts): probabilities of labels drawn
// from known class probabilities, the log-prior baseline, early stopping on noise, determinism,
// pack -> JSON -> unpack fidelity and bad inputs. Generated data only, seeded.
import { describe, expect, it } from 'vitest';
import { Binner, type FeatureKind } from '../lib/train/gbm/bins.js';
import { SoftmaxGbm, softmaxLoss, softmaxRows } from '../lib/train/gbm/softmax.js';
import { seededRandom } from '../lib/train/data.js';

const range = (n: number, from = 0) => Uint32Array.from({ length: n }, (_, i) => i + from);

/** n rows of three uniform columns; K = 3 classes drawn from softmax(z(x)), z with an interaction. */
function problem(n: number, seed: number, noise = false) {
  const random = seededRandom(seed), K = 3;
  const cols = [new Float64Array(n), new Float64Array(n), new Float64Array(n)], y = new Int32Array(n), truth = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    cols.forEach((c) => (c[i] = random()));
    const z = noise ? [0, 0, 0] : [0, 2.5 * (cols[0][i] > 0.5 !== cols[1][i] > 0.5 ? 1 : 0) - 1, 2 * cols[2][i] - 0.5];
    truth.set(z, i * K);
  }
  softmaxRows(truth, K);
  for (let i = 0; i < n; i++) {
    const u = random();
    y[i] = u < truth[i * K] ? 0 : u < truth[i * K] + truth[i * K + 1] ? 1 : 2;
  }
  return { cols, y, truth, K };
}

function fitOn(cols: Float64Array[], y: ArrayLike<number>, K: number, params = {}, train?: Uint32Array, validation?: Uint32Array) {
  const kinds: FeatureKind[] = cols.map(() => 'numeric');
  const binner = Binner.fit(cols, kinds, range(y.length));
  const data = binner.transform(cols, y.length);
  return { binner, data, model: SoftmaxGbm.fit(data, y, K, train ?? range(y.length), validation, params) };
}

const meanLoss = (raw: ArrayLike<number>, K: number, y: ArrayLike<number>, rows: Uint32Array) => Array.from(rows).reduce((s, i) => s + softmaxLoss(raw, i * K, K, y[i]), 0) / rows.length;

describe('softmax boosted trees', () => {
  it('fits class probabilities of labels drawn from known ones, with a log-prior baseline, and round-trips them', () => {
    const n = 6000, { cols, y, truth, K } = problem(n, 7);
    const val = range(n / 5), train = range(n - n / 5, n / 5);
    const { model, data, binner } = fitOn(cols, y, K, { maxLeaves: 7, minSamplesLeaf: 20 }, train, val);
    expect(model.rounds).toBeGreaterThan(5);
    expect(model.rounds).toBeLessThan(1000);
    const p = model.predict(data.bins, n);
    for (let i = 0; i < n; i++) expect(p[i * K] + p[i * K + 1] + p[i * K + 2]).toBeCloseTo(1, 12);
    // The baseline is the log of each class's share of the training rows.
    model.classes.forEach((m, k) => expect(m.baseline).toBeCloseTo(Math.log(Array.from(train).filter((i) => y[i] === k).length / train.length), 12));
    // Against the true probabilities: far closer than the priors, and on the held-out rows a log
    // loss near the one the truth itself gets (the least any model can expect).
    const prior = new Float64Array(n * K);
    for (let i = 0; i < n; i++) model.classes.forEach((m, k) => (prior[i * K + k] = Math.exp(m.baseline)));
    const rmse = (a: Float64Array) => Math.sqrt(a.reduce((s, v, j) => s + (v - truth[j]) ** 2, 0) / a.length);
    expect(rmse(p)).toBeLessThan(0.4 * rmse(prior));
    const raw = model.predictRaw(data.bins, n), truthLog = truth.map(Math.log);
    const best = meanLoss(truthLog, K, y, val);
    expect(meanLoss(raw, K, y, val)).toBeLessThan(best + 0.25 * (model.history.validation[0] - best));
    expect(model.history.train.at(-1)!).toBeLessThan(model.history.train[0]);
    // Validation loss at the kept round is the best of the history.
    expect(Math.min(...model.history.validation)).toBeCloseTo(meanLoss(raw, K, y, val), 10);
    const back = SoftmaxGbm.unpack(JSON.parse(JSON.stringify(model.pack().map(({ arrays, meta }) => ({ int: Array.from(arrays.int), value: Array.from(arrays.value), meta }))))
      .map((m: { int: number[]; value: number[]; meta: Parameters<typeof SoftmaxGbm.unpack>[0][0][1] }) => [{ int: Int32Array.from(m.int), value: Float32Array.from(m.value) }, m.meta]));
    expect(Array.from(back.predictRaw(binner.transform(cols, n).bins, n))).toEqual(Array.from(raw));
    expect(Array.from(fitOn(cols, y, K, { maxLeaves: 7 }, train, val).model.predictRaw(data.bins, n))).toEqual(Array.from(raw));
  });

  it('stops early on noise labels near the priors', () => {
    const n = 3000, { cols, y, K } = problem(n, 8, true);
    const { model, data } = fitOn(cols, y, K, { maxLeaves: 7, patience: 10 }, range(n - 600, 600), range(600));
    expect(model.rounds).toBeLessThan(15);
    const p = model.predict(data.bins, n);
    for (let i = 0; i < n * K; i++) expect(Math.abs(p[i] - 1 / 3)).toBeLessThan(0.12);
  });

  it('answers bad inputs with one-line errors', () => {
    const n = 400, { cols, y, K } = problem(n, 9);
    expect(() => fitOn(cols, y, 1)).toThrow(/K must be an integer >= 2/);
    expect(() => fitOn(cols, Array.from(y, (v) => v + 0.5), K)).toThrow(/row 0 has class .*integers 0\.\.2/);
    expect(() => fitOn(cols, y, 4)).toThrow(/class 3 has no training rows/);
    expect(() => fitOn(cols, y, K, { maxLeaves: 1 })).toThrow(/maxLeaves must be an integer >= 2/);
    const { model } = fitOn(cols, y, K, { maxRounds: 3 });
    const packed = model.pack().map(({ arrays, meta }) => [arrays, meta] as Parameters<typeof SoftmaxGbm.unpack>[0][0]);
    expect(() => SoftmaxGbm.unpack(packed.slice(0, 1))).toThrow(/at least 2 class models/);
    expect(() => SoftmaxGbm.unpack([packed[0], packed[1], [packed[2][0], { ...packed[2][1], nodes: packed[2][1].nodes.slice(1), cats: packed[2][1].cats.slice(1) }]])).toThrow(/saved trees hold|different numbers of rounds/);
    expect(() => SoftmaxGbm.unpack([packed[0], [packed[1][0], { ...packed[1][1], loss: 'logistic' }]])).toThrow(/loss 'logistic'/);
  });
});
