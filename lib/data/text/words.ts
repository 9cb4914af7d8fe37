// Pre-tokenization: a normalized text -> words and symbols. A word is a run of letters, marks
// and digits (any script: "Straße", "très", "één", "Москва"), with inner apostrophes kept
// ("don't", "l'eau" stays one word, as French elision is part of the word's meaning here);
// every other visible character (punctuation, an emoji) is a token of its own, because "!"
// and "😀" carry sentiment. Runs of one symbol are capped at 3 ("!!!!!!" -> "!!!").
// Scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer, Myanmar)
// are read one character at a time, as BERT's basic tokenizer does for CJK: word bigrams are
// then character bigrams, which carry most of the meaning there.
const UNSPACED = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Thai}\\p{Script=Lao}\\p{Script=Khmer}\\p{Script=Myanmar}';
const TOKEN = new RegExp(
  `[${UNSPACED}]\\p{M}*|(?:(?![${UNSPACED}])[\\p{L}\\p{M}\\p{N}])+(?:['’](?:(?![${UNSPACED}])[\\p{L}\\p{M}\\p{N}])+)*|\\p{Extended_Pictographic}\\uFE0F?|[^\\s\\p{L}\\p{M}\\p{N}]`,
  'gu',
);

/** Most tokens read from one text (the start is kept): bounds the cost of a 100k-character text. */
const WORDLIKE = /^[\p{L}\p{M}\p{N}]/u;

export const MAX_WORDS = 4096;
/**
 * Longest word, in code points: longer runs (a URL, a hash, 100k letters without a space) are
 * read as pieces of this length, which keeps subword encoding (quadratic in a word's length) cheap.
 */
export const MAX_WORD_LENGTH = 48;

export function words(text: string, max = MAX_WORDS): string[] {
  const out: string[] = [];
  let run = 0;
  for (const m of text.matchAll(TOKEN)) {
    let w = m[0];
    if (w.length > MAX_WORD_LENGTH) {
      const cps = Array.from(w);
      for (let k = 0; k + MAX_WORD_LENGTH < cps.length && out.length < max - 1; k += MAX_WORD_LENGTH) out.push(cps.slice(k, k + MAX_WORD_LENGTH).join(''));
      w = cps.slice(Math.floor((cps.length - 1) / MAX_WORD_LENGTH) * MAX_WORD_LENGTH).join('');
    }
    run = out.length && out[out.length - 1] === w && !WORDLIKE.test(w) ? run + 1 : 0;
    if (run >= 3) continue;
    out.push(w);
    if (out.length >= max) break;
  }
  return out;
}
