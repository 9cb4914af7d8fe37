// The text pipeline below the presets: normalization, pre-tokenization in several scripts and
// languages, the BPE trainer (against a naive reference trainer), hashing, the featurizer and
// its saved state.
import { describe, expect, it } from 'vitest';
import { BpeTokenizer, TextFeaturizer, fnv1a, normalizeText, words } from '../lib/data/text/index.js';

describe('normalizeText', () => {
  it('strips HTML tags and entities, applies NFKC and lowercases', () => {
    expect(normalizeText('Great<br />stuff &amp; more&nbsp;here')).toBe('great stuff & more here');
    expect(normalizeText('ＦＵＬＬ ﬁne')).toBe('full fine');
    expect(normalizeText('Keep < and > signs: a < b > c')).toBe('keep < and > signs: a < b > c');
    expect(normalizeText('MiXeD', { lowercase: false })).toBe('MiXeD');
  });
  it('turns lone surrogates into U+FFFD and keeps pairs (emoji)', () => {
    expect(normalizeText('a\uD800b\uDC00c')).toBe('a\uFFFDb\uFFFDc');
    expect(normalizeText('ok 😀')).toBe('ok 😀');
  });
  it('maps missing values and non-strings to text', () => {
    expect(normalizeText(null)).toBe('');
    expect(normalizeText(undefined)).toBe('');
    expect(normalizeText(42)).toBe('42');
    expect(normalizeText({ a: 1 })).toBe('');
  });
  it('cuts very long texts to maxChars without splitting a surrogate pair', () => {
    const long = 'x'.repeat(99_999) + '😀';
    expect(normalizeText(long).length).toBe(20_000);
    const s = normalizeText('a😀'.repeat(10), { maxChars: 6 });
    expect(s).toBe('a😀a😀'); // 6 UTF-16 units
    expect(normalizeText('a😀'.repeat(10), { maxChars: 5 })).toBe('a😀a'); // the next pair would not fit whole
    expect([...normalizeText('😀'.repeat(10), { maxChars: 5 })].every((c) => c === '😀')).toBe(true);
  });
});

describe('words', () => {
  it('splits German, French and Dutch words, keeping accents, ß and elisions', () => {
    expect(words(normalizeText('Die Straße ist schön! Très bon café, l\'eau. Één ding.'))).toEqual([
      'die', 'straße', 'ist', 'schön', '!', 'très', 'bon', 'café', ',', "l'eau", '.', 'één', 'ding', '.',
    ]);
  });
  it('keeps emoji and punctuation as tokens, capping runs of one symbol at 3', () => {
    expect(words('wow!!!!!! 😀😀')).toEqual(['wow', '!', '!', '!', '😀', '😀']);
    expect(words('東京 is big')).toEqual(['東', '京', 'is', 'big']); // unspaced scripts: one character a word
    expect(words('สวัสดี')).toEqual(['ส', 'วั', 'ส', 'ดี']); // Thai vowel marks stay on their consonant
  });
  it('reads at most MAX_WORDS words', () => {
    expect(words('a '.repeat(50_000))).toHaveLength(4096);
  });
});

// A naive BPE trainer, written plainly from the algorithm's definition: recount every pair in
// every word after each merge. Ties go to the pair whose ids are smallest, as in BpeTokenizer.
function naiveMerges(counts: Map<string, number>, merges: number): [string, string][] {
  const START = '\u2581';
  const seqs = [...counts.keys()].map((w) => Array.from(w).map((c, i) => (i === 0 ? START + c : c)));
  const freq = [...counts.values()];
  const chars = new Map<string, number>();
  seqs.forEach((s, i) => s.forEach((c) => chars.set(c, (chars.get(c) ?? 0) + freq[i])));
  const ordered = [...chars.entries()].filter(([, c]) => c >= 2).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([c]) => c);
  const vocab = ['[PAD]', '[UNK]', '[MASK]'];
  const alphabet = new Set<string>();
  for (const c of ordered) for (const f of [c, c.startsWith(START) ? c.slice(1) : START + c]) alphabet.add(f);
  vocab.push(...alphabet);
  const id = (t: string) => vocab.indexOf(t);
  const out: [string, string][] = [];
  for (let m = 0; m < merges; m++) {
    const pairs = new Map<string, number>();
    seqs.forEach((s, i) => {
      for (let j = 0; j + 1 < s.length; j++) {
        if (id(s[j]) < 0 || id(s[j + 1]) < 0) continue;
        const k = `${s[j]}\u0000${s[j + 1]}`;
        pairs.set(k, (pairs.get(k) ?? 0) + freq[i]);
      }
    });
    let best: string | null = null, bestCount = 0;
    for (const [k, c] of pairs) {
      const [a, b] = k.split('\u0000');
      const better = c > bestCount || (c === bestCount && best !== null && (() => {
        const [ba, bb] = best!.split('\u0000');
        return id(a) * 2 ** 21 + id(b) < id(ba) * 2 ** 21 + id(bb);
      })());
      if (better) (best = k), (bestCount = c);
    }
    if (!best || bestCount < 2) break;
    const [a, b] = best.split('\u0000');
    out.push([a, b]);
    vocab.push(a + b);
    for (let i = 0; i < seqs.length; i++) {
      const s = seqs[i], t: string[] = [];
      for (let j = 0; j < s.length; j++) {
        if (j + 1 < s.length && s[j] === a && s[j + 1] === b) t.push(a + b), j++;
        else t.push(s[j]);
      }
      seqs[i] = t;
    }
  }
  return out;
}

function randomCorpus(seed: number): Map<string, number> {
  let x = seed;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const letters = 'abcdeéfgß';
  const counts = new Map<string, number>();
  for (let i = 0; i < 300; i++) {
    const len = 1 + Math.floor(rnd() * 7);
    let w = '';
    for (let j = 0; j < len; j++) w += letters[Math.floor(rnd() * rnd() * letters.length)];
    counts.set(w, (counts.get(w) ?? 0) + 1 + Math.floor(rnd() * 5));
  }
  return counts;
}

describe('BpeTokenizer', () => {
  it('learns the same merges as a naive reference trainer on random corpora', () => {
    for (const seed of [1, 2, 3]) {
      const counts = randomCorpus(seed);
      const bpe = BpeTokenizer.train(counts, { vocabSize: 3 + 40 + 60 });
      const reference = naiveMerges(counts, bpe.merges.length);
      expect(bpe.merges).toEqual(reference);
      expect(bpe.merges.length).toBeGreaterThan(20);
    }
  });
  it('encodes words into known pieces and unknown characters as [UNK], and survives JSON', () => {
    const counts = new Map([['lower', 5], ['lowest', 4], ['newer', 6], ['wider', 3]]);
    const bpe = BpeTokenizer.train(counts, { vocabSize: 60 });
    expect(bpe.tokens(bpe.encodeWord('lower')).join('')).toBe('\u2581lower');
    expect(bpe.tokens(bpe.encodeWord('lowerz'))).toContain('[UNK]');
    const again = BpeTokenizer.fromJSON(JSON.parse(JSON.stringify(bpe.toJSON())));
    expect(again.encode(['newest', 'wider'])).toEqual(bpe.encode(['newest', 'wider']));
    expect(() => BpeTokenizer.fromJSON({ vocab: 3 })).toThrow(/malformed/);
  });
});

describe('hashing and the featurizer', () => {
  it('hashes with FNV-1a (known values)', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });
  it('gives unit-norm sublinear-TF bags with distinct ids, and the same ones after a JSON round trip', () => {
    const texts = ['Das Essen war sehr gut, sehr gut!', 'La soupe était froide.', 'Het eten was lekker 😀', '', 'x'.repeat(100_000)];
    const f = TextFeaturizer.fit(texts, { vocabSize: 200, buckets: 1 << 12 });
    for (const t of texts) {
      const { ids, weights } = f.features(t);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.every((id) => id > 0 && id < f.bagSize)).toBe(true);
      if (ids.length) expect(weights.reduce((a, w) => a + w * w, 0)).toBeCloseTo(1, 5);
    }
    expect(f.features('').ids).toEqual([]);
    const g = TextFeaturizer.fromJSON(JSON.parse(JSON.stringify(f.toJSON())));
    expect(g.bag(texts)).toEqual(f.bag(texts));
    expect(g.sequence(texts)).toEqual(f.sequence(texts));
    expect(f.sequence(['', 'a b']).lengths).toEqual(Int32Array.from([0, 2]));
  });
  it('refuses bad settings and malformed saved state with a message naming the setting', () => {
    expect(() => TextFeaturizer.fit(['a'], { buckets: 0 })).toThrow(/buckets/);
    expect(() => TextFeaturizer.fit(['a'], { charNgrams: [4, 2] })).toThrow(/charNgrams/);
    expect(() => TextFeaturizer.fromJSON({ version: 9 })).toThrow(/unknown version/);
  });
});
