// A byte-pair-encoding subword tokenizer, trained on the user's own corpus. Why our own: the
// npm tokenizer packages that run offline in pure JS (@huggingface/tokenizers, the tiktoken
// ports) only load vocabularies trained elsewhere; the Hugging Face trainer is native Rust.
// BPE (Sennrich et al.) over code points: a word starts as its characters, the first one
// marked with '▁' (SentencePiece's word-start mark), and the most frequent adjacent pair is
// merged, again and again, up to the vocabulary size. Rare words then split into known pieces,
// in any script. Characters seen fewer than `minCharCount` times, or never, become [UNK].
import { PairHeap } from './heap.js';

export const PAD = '[PAD]';
export const UNK = '[UNK]';
export const MASK = '[MASK]';
/** Ids 0, 1, 2: padding, unknown, mask (for masked-token pretraining). */
export const SPECIAL_TOKENS = [PAD, UNK, MASK];
const START = '\u2581';

export interface BpeOptions {
  /** Tokens in the vocabulary, specials and characters included (default 8000). */
  vocabSize?: number;
  /** A merge must be seen this often (default 2). */
  minPairCount?: number;
  /** A character must be seen this often to get its own token (default 2). */
  minCharCount?: number;
  /** Distinct words trained on, most frequent first (default 50,000). */
  maxWords?: number;
}

export interface BpeState {
  vocab: string[];
  merges: [string, string][];
}

const KEY = 1 << 21; // ids stay below 2^21: a pair key a * KEY + b is exact in a double

export class BpeTokenizer {
  readonly vocab: string[];
  readonly merges: [string, string][];
  readonly #ids: Map<string, number>;
  readonly #ranks: Map<string, number>;
  readonly #cache = new Map<string, number[]>();

  constructor(state: BpeState) {
    this.vocab = state.vocab;
    this.merges = state.merges;
    this.#ids = new Map(state.vocab.map((t, i) => [t, i]));
    this.#ranks = new Map(state.merges.map(([a, b], i) => [`${a} ${b}`, i]));
  }

  get size(): number {
    return this.vocab.length;
  }

  /** Learns a vocabulary from words and their counts (pre-tokenized text). */
  static train(wordCounts: Map<string, number>, opts: BpeOptions = {}): BpeTokenizer {
    const vocabSize = Math.max(SPECIAL_TOKENS.length + 1, Math.min(opts.vocabSize ?? 8000, KEY - 1));
    const minPair = opts.minPairCount ?? 2, minChar = opts.minCharCount ?? 2;
    const top = [...wordCounts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, opts.maxWords ?? 50_000);
    const charCounts = new Map<string, number>();
    for (const [w, c] of top) symbolsOf(w).forEach((s) => charCounts.set(s, (charCounts.get(s) ?? 0) + c));
    const vocab = [...SPECIAL_TOKENS];
    const chars = [...charCounts.entries()].filter(([, c]) => c >= minChar).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    // Each character in both forms (word start and inside), so a known character is never
    // [UNK] because of where it stands ("één" when only "té" was seen).
    const alphabet = new Set<string>();
    for (const [ch] of chars) for (const form of [ch, ch.startsWith(START) ? ch.slice(START.length) : START + ch]) alphabet.add(form);
    for (const ch of alphabet) if (vocab.length < vocabSize) vocab.push(ch);
    const ids = new Map(vocab.map((t, i) => [t, i]));
    const seqs = top.map(([w]) => symbolsOf(w).map((s) => ids.get(s) ?? 1));
    const counts = top.map(([, c]) => c);
    const pairCount = new Map<number, number>(), pairWords = new Map<number, Set<number>>();
    const addPairs = (wi: number, sign: number) => {
      const s = seqs[wi];
      for (let j = 0; j + 1 < s.length; j++) {
        if (s[j] === 1 || s[j + 1] === 1) continue; // never merge [UNK]
        const key = s[j] * KEY + s[j + 1];
        pairCount.set(key, (pairCount.get(key) ?? 0) + sign * counts[wi]);
        if (sign > 0) {
          let set = pairWords.get(key);
          if (!set) pairWords.set(key, (set = new Set()));
          set.add(wi);
        }
      }
    };
    seqs.forEach((_, wi) => addPairs(wi, 1));
    const heap = new PairHeap();
    for (const [key, c] of pairCount) heap.push(c, key);
    const merges: [string, string][] = [];
    while (vocab.length < vocabSize) {
      const entry = heap.pop();
      if (!entry) break;
      const [count, key] = entry;
      if (pairCount.get(key) !== count) continue; // stale
      if (count < minPair) break;
      const a = Math.floor(key / KEY), b = key % KEY, merged = vocab.length;
      merges.push([vocab[a], vocab[b]]);
      vocab.push(vocab[a] + vocab[b]);
      const touched = new Set<number>();
      // Every pair of a changed word, before and after, gets a heap entry with its new count
      // (a count that fell would otherwise only have its old, now stale, entry).
      const touch = (s: number[]) => {
        for (let j = 0; j + 1 < s.length; j++) touched.add(s[j] * KEY + s[j + 1]);
      };
      for (const wi of pairWords.get(key) ?? []) {
        touch(seqs[wi]);
        addPairs(wi, -1);
        seqs[wi] = mergeSeq(seqs[wi], a, b, merged);
        addPairs(wi, 1);
        touch(seqs[wi]);
      }
      pairWords.delete(key);
      pairCount.delete(key);
      for (const k of touched) {
        const c = pairCount.get(k);
        if (c) heap.push(c, k);
      }
    }
    return new BpeTokenizer({ vocab, merges });
  }

  /** Token ids of one word (cached: words repeat). */
  encodeWord(word: string): number[] {
    const hit = this.#cache.get(word);
    if (hit) return hit;
    let parts = symbolsOf(word);
    for (;;) {
      let best = -1, at = -1;
      for (let j = 0; j + 1 < parts.length; j++) {
        const r = this.#ranks.get(`${parts[j]} ${parts[j + 1]}`);
        if (r !== undefined && (best < 0 || r < best)) (best = r), (at = j);
      }
      if (best < 0) break;
      parts = [...parts.slice(0, at), parts[at] + parts[at + 1], ...parts.slice(at + 2)];
    }
    const ids = parts.map((p) => this.#ids.get(p) ?? 1);
    if (this.#cache.size < 100_000) this.#cache.set(word, ids);
    return ids;
  }

  /** Token ids of a pre-tokenized text, at most `max`. */
  encode(words: string[], max = Infinity): number[] {
    const out: number[] = [];
    for (const w of words) {
      for (const id of this.encodeWord(w)) {
        if (out.length >= max) return out;
        out.push(id);
      }
    }
    return out;
  }

  /** The tokens of ids, for people ('▁' marks a word start). */
  tokens(ids: number[]): string[] {
    return ids.map((i) => this.vocab[i] ?? UNK);
  }

  toJSON(): BpeState {
    return { vocab: this.vocab, merges: this.merges };
  }

  static fromJSON(state: unknown): BpeTokenizer {
    const s = state as BpeState;
    if (!s || !Array.isArray(s.vocab) || !Array.isArray(s.merges) || !s.vocab.every((t) => typeof t === 'string')
      || !s.merges.every((m) => Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string'))
      throw new Error('text: the saved subword vocabulary is malformed');
    if (s.vocab.slice(0, SPECIAL_TOKENS.length).join() !== SPECIAL_TOKENS.join()) throw new Error('text: the saved subword vocabulary lacks its special tokens');
    return new BpeTokenizer(s);
  }
}

/** A word's initial symbols: its code points, the first marked as a word start. */
function symbolsOf(word: string): string[] {
  const cps = Array.from(word);
  if (cps.length) cps[0] = START + cps[0];
  return cps;
}

function mergeSeq(s: number[], a: number, b: number, merged: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < s.length; j++) {
    if (j + 1 < s.length && s[j] === a && s[j + 1] === b) {
      out.push(merged);
      j++;
    } else out.push(s[j]);
  }
  return out;
}
