// VADER (Hutto & Gilbert 2014; npm vader-sentiment, Apache-2.0, its 7,500-entry lexicon
// bundled in the package, nothing downloaded): valence rules tuned on human ratings of
// boosters ("very"), dampeners, "but" shifts, negations, "never so", idioms, ALL CAPS and
// '!' emphasis, giving a compound score in [-1, 1] and pos / neu / neg shares of a text.
// The package's polarity_scores builds a 34-entries-per-word punctuation table per call (~2
// ms for a 300-character review), so its tokens are found here in one pass instead, and its
// own rule functions (sentiment_valence, but_check, score_valence) score them: the same
// numbers (test/vader.test.ts compares them) ~10x faster.
import vader from 'vader-sentiment';
import { NEGATED } from './negation.js';

interface Polarity {
  neg: number;
  neu: number;
  pos: number;
  compound: number;
}

interface VaderAnalyzer {
  polarity_scores(text: string): Polarity;
  sentiment_valence(valence: number, sentiText: { text: string; words_and_emoticons: string[]; is_cap_diff: boolean }, item: string, index: number, sentiments: number[]): number[];
  but_check(words: string[], sentiments: number[]): number[];
  score_valence(sentiments: number[], text: string): Polarity;
}

const analyzer = (vader as unknown as { SentimentIntensityAnalyzer: VaderAnalyzer }).SentimentIntensityAnalyzer;

// VADER's punctuation (Python's string.punctuation) and the marks it strips from a word's ends.
const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;
const PUNC_LIST = new Set(['.', '!', '?', ',', ';', ':', '-', "'", '"', '!!', '!!!', '??', '???', '?!?', '!?!', '?!?!', '!?!?']);
const UPPER = /^[^a-z]*[A-Z]+[^a-z]*$/;

/**
 * VADER's words and emoticons of a text: white-space tokens longer than one character, a
 * token that is one of its punctuation marks glued before or after a word (of 2+ characters
 * once punctuation is removed) replaced by that word, as the package's SentiText does.
 */
export function vaderTokens(text: string): string[] {
  const out: string[] = [];
  for (const token of text.split(/\s/)) {
    if (token.length <= 1) continue;
    const bare = token.replace(PUNCTUATION, '');
    if (bare.length > 1 && bare !== token && token.length > bare.length) {
      if (token.endsWith(bare) && PUNC_LIST.has(token.slice(0, token.length - bare.length))) {
        out.push(bare);
        continue;
      }
      if (token.startsWith(bare) && PUNC_LIST.has(token.slice(bare.length))) {
        out.push(bare);
        continue;
      }
    }
    out.push(token);
  }
  return out;
}

// Another release of the package might rename its rule functions: then its own, slower path.
const rulesExported = ['sentiment_valence', 'but_check', 'score_valence'].every((f) => typeof (analyzer as unknown as Record<string, unknown>)[f] === 'function');

/** VADER's polarity of a text (as the package's polarity_scores, one pass over the tokens). */
export function vaderPolarity(text: string): Polarity {
  if (!rulesExported) return analyzer.polarity_scores(text);
  const words = vaderTokens(text);
  const upper = words.filter((w) => UPPER.test(w)).length;
  const sentiText = { text, words_and_emoticons: words, is_cap_diff: upper > 0 && upper < words.length };
  let sentiments: number[] = [];
  for (let i = 0; i < words.length; i++) {
    // polarity_scores scores booster words 0 before asking sentiment_valence, which gives them 0
    // too (none is in the lexicon); "kind" of "kind of" is the one word it must be kept from.
    if (i + 1 < words.length && words[i].toLowerCase() === 'kind' && words[i + 1].toLowerCase() === 'of') sentiments.push(0);
    else sentiments = analyzer.sentiment_valence(0, sentiText, words[i], i, sentiments);
  }
  sentiments = analyzer.but_check(words, sentiments);
  return analyzer.score_valence(sentiments, text);
}

/** The package's own polarity_scores (the reference the fast path is tested against). */
export const vaderReference = (text: string): Polarity => analyzer.polarity_scores(text);

export const VADER_FEATURES = 8;

const SENTENCE_END = new Set(['.', '!', '?']);

/**
 * Eight VADER features of a text's (normalized, possibly negation-marked) words: the whole
 * text's compound, pos and neg shares, and its sentences' mean, lowest, highest, first and
 * last compound scores (a review's verdict is often its last sentence, and a long text's
 * compound saturates near +-1). The words are re-joined with spaces, without negation marks:
 * VADER finds negations itself.
 */
export function vaderFeatures(words: readonly string[]): number[] {
  const plain = words.map((w) => (w.startsWith(NEGATED) ? w.slice(NEGATED.length) : w));
  const whole = vaderPolarity(plain.join(' '));
  const compounds: number[] = [];
  let start = 0;
  for (let i = 0; i <= plain.length; i++) {
    if (i < plain.length && !SENTENCE_END.has(plain[i])) continue;
    if (i > start) compounds.push(vaderPolarity(plain.slice(start, i + 1).join(' ')).compound);
    start = i + 1;
  }
  if (!compounds.length) compounds.push(0);
  const mean = compounds.reduce((a, x) => a + x, 0) / compounds.length;
  return [whole.compound, whole.pos, whole.neg, mean, Math.min(...compounds), Math.max(...compounds), compounds[0], compounds[compounds.length - 1]];
}
