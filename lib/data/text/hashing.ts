// Feature hashing ("the hashing trick"): word n-grams and character n-grams map to one of
// `buckets` slots by a 32-bit FNV-1a hash of their UTF-16 units, so any n-gram, even one never
// seen in training, has a slot and no n-gram dictionary has to be stored in the model file.
// With 2^18 slots and a few hundred thousand distinct n-grams, collisions are rare and cost
// little (two n-grams share one learned vector).

export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Slots of the word n-grams of orders 1..maxOrder (unigrams first). */
export function wordNgramSlots(words: string[], maxOrder: number, buckets: number, out: { push(v: number): unknown } = []): typeof out {
  for (let n = 1; n <= maxOrder; n++)
    for (let i = 0; i + n <= words.length; i++) out.push(fnv1a(n === 1 ? words[i] : words.slice(i, i + n).join(' ')) % buckets);
  return out;
}

/** Slots of the character n-grams (orders min..max) of each word, marked with '<' and '>' as fastText does. */
export function charNgramSlots(words: string[], min: number, max: number, buckets: number, out: { push(v: number): unknown } = []): typeof out {
  for (const w of words) {
    const cps = Array.from(`<${w}>`);
    for (let n = min; n <= max; n++)
      for (let i = 0; i + n <= cps.length; i++) {
        if (n === cps.length) continue; // the whole word is already a unigram
        out.push(fnv1a(`#${cps.slice(i, i + n).join('')}`) % buckets);
      }
  }
  return out;
}
