// Negation scope marking (Das & Chen 2001; Pang et al. 2002): every word after a negator, up
// to the next punctuation, gets a '¬' prefix, so "not good" and "good" are different features
// for a linear model on word n-grams. words() never puts '¬' inside a word (it is a symbol
// token of its own), so a marked word cannot collide with a real one. The negators cover
// English, German, French, Dutch, Spanish and Italian; French "n'" elision counts too.
const NEGATORS = new Set([
  // English ("n't" forms are caught by their ending)
  'not', 'no', 'never', 'cannot', 'nothing', 'nobody', 'none', 'nor', 'neither', 'without', 'hardly', 'barely',
  // German
  'nicht', 'kein', 'keine', 'keinen', 'keinem', 'keiner', 'keines', 'nie', 'niemals', 'nichts', 'ohne',
  // French
  'ne', 'pas', 'jamais', 'rien', 'aucun', 'aucune', 'sans', 'ni',
  // Dutch
  'niet', 'geen', 'nooit', 'niets', 'zonder', 'noch',
  // Spanish and Italian
  'nunca', 'nada', 'sin', 'tampoco', 'non', 'mai', 'niente', 'senza',
]);

export const NEGATED = '\u00ac';

/** True for a negating word ("not", "don't", "keine", "n'aime", "niet"). */
export function isNegator(word: string): boolean {
  return NEGATORS.has(word) || word.endsWith("n't") || word.endsWith('n\u2019t') || /^n['\u2019]/.test(word);
}

const WORDLIKE = /^[\p{L}\p{M}\p{N}]/u;

/** The words with those in a negation's scope (after a negator, before punctuation) prefixed by '¬'. */
export function markNegation(words: readonly string[]): string[] {
  const out: string[] = [];
  let negated = false;
  for (const w of words) {
    if (!WORDLIKE.test(w)) {
      negated = false;
      out.push(w);
      continue;
    }
    out.push(negated ? NEGATED + w : w);
    if (isNegator(w)) negated = true;
  }
  return out;
}
