// Pre-tokenization: a normalized text -> words and symbols. A word is a run of letters, marks
// and digits (any script: "Straße", "très", "één", "東京"), with inner apostrophes kept
// ("don't", "l'eau" stays one word, as French elision is part of the word's meaning here);
// every other visible character (punctuation, an emoji) is a token of its own, because "!"
// and "😀" carry sentiment. Runs of one symbol are capped at 3 ("!!!!!!" -> "!!!").
const TOKEN = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*|\p{Extended_Pictographic}\uFE0F?|[^\s\p{L}\p{M}\p{N}]/gu;

/** Most tokens read from one text (the start is kept): bounds the cost of a 100k-character text. */
const WORDLIKE = /^[\p{L}\p{M}\p{N}]/u;

export const MAX_WORDS = 4096;

export function words(text: string, max = MAX_WORDS): string[] {
  const out: string[] = [];
  let run = 0;
  for (const m of text.matchAll(TOKEN)) {
    const w = m[0];
    run = out.length && out[out.length - 1] === w && !WORDLIKE.test(w) ? run + 1 : 0;
    if (run >= 3) continue;
    out.push(w);
    if (out.length >= max) break;
  }
  return out;
}
