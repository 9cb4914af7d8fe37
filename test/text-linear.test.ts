// The linear members of the text presets' blend: L-BFGS against closed-form optima, the softmax
// regression objective's gradient against finite differences, negation marking, the AFINN
// lexicon features, the TF-IDF rows, naive-Bayes ratios, and the blend's choice of weights.
import { describe, expect, it } from 'vitest';
import { lexiconFeatures, valence } from '../lib/data/text/lexicon.js';
import { markNegation } from '../lib/data/text/negation.js';
import { TextFeaturizer } from '../lib/data/text/featurize.js';
import { words } from '../lib/data/text/words.js';
import { lbfgs } from '../lib/optim/lbfgs.js';
import { blendMembers, simplexGrid } from '../lib/presets/text-blend.js';
import { type SparseRows, dropColumnsFrom, fitSoftmax, linearVocabulary, nbRatios, softmaxLogits, softmaxObjective, sparseRows } from '../lib/presets/text-linear.js';

function random(seed: number) {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Solves A x = b by Gaussian elimination with partial pivoting (the reference for the quadratic). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length, M = A.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((r, i) => r[n] / r[i]);
}

/** Random sparse rows: `n` rows of `width` columns, about `density` of them non-zero. */
function randomRows(n: number, width: number, density: number, rnd: () => number): SparseRows {
  const indptr = new Int32Array(n + 1), cols: number[] = [], vals: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < width; j++) if (rnd() < density) cols.push(j), vals.push(rnd() * 2 - 1);
    indptr[i + 1] = cols.length;
  }
  return { indptr, cols: Int32Array.from(cols), vals: Float64Array.from(vals), width };
}

describe('lbfgs', () => {
  it('finds the minimum of random positive-definite quadratics (against a linear solve)', () => {
    const rnd = random(3);
    for (const n of [1, 5, 30]) {
      const B = Array.from({ length: n }, () => Array.from({ length: n }, () => rnd() - 0.5));
      const A = B.map((_, i) => B.map((_, j) => B.reduce((s, r) => s + r[i] * r[j], 0) + (i === j ? 0.5 : 0)));
      const b = Array.from({ length: n }, () => rnd() * 4 - 2);
      const f = (x: Float64Array, g: Float64Array) => {
        let v = 0;
        for (let i = 0; i < n; i++) {
          let ax = 0;
          for (let j = 0; j < n; j++) ax += A[i][j] * x[j];
          g[i] = ax - b[i];
          v += 0.5 * x[i] * ax - b[i] * x[i];
        }
        return v;
      };
      const { x } = lbfgs(f, new Float64Array(n), { tolerance: 1e-10, maxIterations: 500 });
      const ref = solve(A, b);
      ref.forEach((r, i) => expect(x[i]).toBeCloseTo(r, 4));
    }
  });

  it('minimizes the Rosenbrock function', () => {
    const f = (x: Float64Array, g: Float64Array) => {
      const [a, b] = x;
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    };
    const r = lbfgs(f, Float64Array.from([-1.2, 1]), { tolerance: 1e-12, maxIterations: 1000 });
    expect(r.x[0]).toBeCloseTo(1, 4);
    expect(r.x[1]).toBeCloseTo(1, 4);
  });

  it('refuses a start where the objective is not finite', () => {
    expect(() => lbfgs(() => NaN, new Float64Array(2))).toThrow(/not finite at the start/);
  });
});

describe('softmax regression on sparse rows', () => {
  it('has the gradient of finite differences (random rows, 3 classes, dropped columns)', () => {
    const rnd = random(11), c = 3, full = randomRows(12, 7, 0.4, rnd);
    const labels = Array.from({ length: 12 }, () => Math.floor(rnd() * c)), rows = [0, 2, 3, 5, 7, 8, 11];
    const dropped = dropColumnsFrom(full, 5);
    expect(dropped.width).toBe(7);
    expect(Math.max(...dropped.cols)).toBeLessThan(5);
    for (const x of [full, dropped]) {
      const f = softmaxObjective(x, labels, rows, c, 2.5);
      const w = Float64Array.from({ length: c * (x.width + 1) }, () => rnd() - 0.5), g = new Float64Array(w.length), scratch = new Float64Array(w.length);
      f(w, g);
      for (let k = 0; k < w.length; k++) {
        const h = 1e-5, up = Float64Array.from(w), down = Float64Array.from(w);
        up[k] += h;
        down[k] -= h;
        expect(g[k]).toBeCloseTo((f(up, scratch) - f(down, scratch)) / (2 * h), 5);
      }
    }
  });

  it('fits to a stationary point whose logits predict a planted linear rule', () => {
    const rnd = random(5), c = 2, x = randomRows(400, 10, 0.5, rnd);
    const truth = Array.from({ length: 10 }, () => rnd() * 4 - 2);
    const labels = Array.from({ length: 400 }, (_, i) => {
      let z = 0;
      for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) z += truth[x.cols[p]] * x.vals[p];
      return z > 0 ? 1 : 0;
    });
    const train = Array.from({ length: 300 }, (_, i) => i), test = Array.from({ length: 100 }, (_, i) => 300 + i);
    const w = fitSoftmax(x, labels, train, c, 10);
    const g = new Float64Array(w.length);
    softmaxObjective(x, labels, train, c, 10)(w, g);
    expect(Math.max(...g.map(Math.abs))).toBeLessThan(0.05);
    const z = softmaxLogits(x, w, test, c);
    const hits = test.filter((i, r) => (z[r * 2 + 1] > z[r * 2] ? 1 : 0) === labels[i]).length;
    expect(hits / test.length).toBeGreaterThan(0.85);
  });
});

describe('linear text features', () => {
  it('marks the words in a negation scope, up to punctuation, in several languages', () => {
    const mark = (t: string) => markNegation(words(t.toLowerCase())).join(' ');
    expect(mark("This is not good at all. But tasty!")).toBe('this is not ¬good ¬at ¬all . but tasty !');
    expect(mark("I don't like it, really")).toBe("i don't ¬like ¬it , really");
    expect(mark('Das ist nicht lecker')).toBe('das ist nicht ¬lecker');
    expect(mark("Je n'aime pas ce café")).toBe("je n'aime ¬pas ¬ce ¬café");
    expect(mark('Dit is geen goede koffie')).toBe('dit is geen ¬goede ¬koffie');
    expect(markNegation([])).toEqual([]);
  });

  it('hashes negation-marked word n-grams in the featurizer on request, and reads files from before the option', () => {
    const texts = ['not good at all', 'good coffee', 'not bad'];
    const plain = TextFeaturizer.fit(texts, { buckets: 1 << 16 }), marked = TextFeaturizer.fit(texts, { buckets: 1 << 16, negation: true });
    expect(marked.features('good').ids).toEqual(plain.features('good').ids);
    expect(marked.features('not good').ids).not.toEqual(plain.features('not good').ids);
    const { negation, ...old } = marked.toJSON();
    expect(negation).toBe(true);
    expect(TextFeaturizer.fromJSON(old).features('not good').ids).toEqual(plain.features('not good').ids);
    expect(() => TextFeaturizer.fromJSON({ ...old, negation: 'yes' })).toThrow(/malformed/);
  });

  it('reads AFINN valence, flipped under negation, into eight finite features', () => {
    expect(valence('good')).toBeGreaterThan(0);
    expect(valence('¬good')).toBe(-valence('good'));
    expect(valence('xyzzy')).toBe(0);
    const pos = lexiconFeatures(markNegation(words('great , i love it !'))), neg = lexiconFeatures(markNegation(words('not great , awful')));
    expect(pos).toHaveLength(8);
    expect(pos[0]).toBeGreaterThan(0);
    expect(neg[1]).toBeGreaterThan(pos[1]);
    expect(pos[7]).toBeGreaterThan(0);
    expect(lexiconFeatures([]).every(Number.isFinite)).toBe(true);
  });

  it('builds unit-norm TF-IDF rows over n-grams seen in two texts, and naive-Bayes ratios', () => {
    const texts = ['good coffee', 'good tea', 'bad coffee', 'bad bad tea', 'unique words here'].map((t) => words(t));
    expect(linearVocabulary(texts).slots.length).toBe(14); // small sets keep every n-gram
    expect(linearVocabulary(texts, 1, 3).slots.length).toBe(3); // the most frequent when capped
    expect(linearVocabulary(texts, 2, Infinity, true).slots.length).toBeGreaterThan(4); // pieces shared by words ('<go', 'ood')
    const { slots, idf } = linearVocabulary(texts, 2);
    // Kept: good, bad, coffee, tea (in 2 texts each); every bigram and 'unique' appear once.
    expect(slots.length).toBe(4);
    expect(Array.from(slots)).toEqual([...slots].sort((a, b) => a - b));
    expect(idf.every((v) => v > 1)).toBe(true);
    const columns = new Map(Array.from(slots, (s, i) => [s, i]));
    const x = sparseRows(texts, columns, idf, new Float32Array(4).fill(1), null);
    for (let i = 0; i < 4; i++) {
      let norm = 0;
      for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) norm += x.vals[p] ** 2;
      expect(norm).toBeCloseTo(1, 6);
    }
    expect(x.indptr[5] - x.indptr[4]).toBe(0);
    const r = nbRatios(x, [1, 1, 0, 0, 0], [0, 1, 2, 3], 4);
    const col = (w: string) => columns.get([...columns.keys()].find((s) => linearVocabulary([[w], [w]], 2).slots[0] === s)!)!;
    expect(r[col('good')]).toBeGreaterThan(0);
    expect(r[col('bad')]).toBeLessThan(0);
  });
});

describe('blend by validation', () => {
  it('enumerates the simplex grid', () => {
    const g = simplexGrid(3, 20);
    expect(g).toHaveLength(231);
    expect(g.every((w) => w.length === 3 && w.reduce((a, b) => a + b, 0) === 20)).toBe(true);
    expect(simplexGrid(1, 20)).toEqual([[20]]);
  });

  it('gives an uninformative member weight 0 and an informative one most weight', () => {
    const rnd = random(8), n = 600, c = 2;
    const labels = Array.from({ length: n }, () => (rnd() < 0.5 ? 1 : 0));
    const good = new Float64Array(n * c), noise = new Float64Array(n * c);
    labels.forEach((y, i) => {
      good[i * 2 + 1] = (y ? 1 : -1) * 1.5 + (rnd() - 0.5) * 3;
      noise[i * 2 + 1] = (rnd() - 0.5) * 6;
    });
    const scored = labels.map((_, i) => i);
    const b = blendMembers([noise, good], scored, labels, c);
    expect(b.weights[0]).toBeLessThanOrEqual(0.1);
    expect(b.weights[1]).toBeGreaterThanOrEqual(0.9);
    expect(b.weights.reduce((a, w) => a + w, 0)).toBeCloseTo(1, 9);
    expect(b.temperature).toBeGreaterThan(0);
  });

  it('keeps the networks alone unless the blend beats them by more than one standard error', () => {
    const rnd = random(21), n = 60, c = 2;
    const labels = Array.from({ length: n }, () => (rnd() < 0.5 ? 1 : 0));
    const nets = new Float64Array(n * c), similar = new Float64Array(n * c);
    labels.forEach((y, i) => {
      const signal = (y ? 1 : -1) * 1.2 + (rnd() - 0.5) * 3;
      nets[i * 2 + 1] = signal;
      similar[i * 2 + 1] = signal + (rnd() - 0.5) * 0.4; // the same information, slightly noisier
    });
    const b = blendMembers([nets, similar], labels.map((_, i) => i), labels, c);
    expect(b.weights).toEqual([1, 0]);
  });
});
