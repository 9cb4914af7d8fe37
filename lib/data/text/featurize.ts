// The fitted text preprocessor: normalization settings, the subword vocabulary (trained on
// the training texts) and the n-gram hashing settings, as JSON for the model file. It turns
// texts into the two inputs the text encoders read:
//   - bag(): for each text its distinct features (subword ids, then hashed word n-grams and
//     optional character n-grams offset by the vocabulary size) with weights 1 + ln(count),
//     scaled to unit L2 norm (sublinear TF, as TF-IDF pipelines do): padded [n, width] ids and
//     weights, padding id 0 with weight 0;
//   - sequence(): subword ids in order, truncated, padded with 0, and each text's length.
import { BpeTokenizer, type BpeOptions, type BpeState, PAD } from './bpe.js';
import { charNgramSlots, wordNgramSlots } from './hashing.js';
import { DEFAULT_MAX_CHARS, type NormalizeOptions, normalizeText } from './normalize.js';
import { words } from './words.js';
import { markNegation } from './negation.js';

export interface TextOptions extends NormalizeOptions, Pick<BpeOptions, 'vocabSize'> {
  /** Hash slots for n-grams (default: twice the distinct n-grams of the training texts as a power of two, 2^10 to 2^18). */
  buckets?: number;
  /** Longest word n-gram hashed (default 2: words and word pairs; 0 for none). */
  wordNgrams?: number;
  /** Character n-gram orders [min, max] hashed per word (default none; [3, 5] helps with typos and rich morphology). */
  charNgrams?: [number, number] | null;
  /** Most distinct bag features per text (default 2048). */
  maxFeatures?: number;
  /** Most subword tokens per text in a sequence (default 256). */
  maxTokens?: number;
  /** Hash the word n-grams of negation-marked words ("not ¬good", see negation.ts); default false (the text presets turn it on). */
  negation?: boolean;
}

export interface TextFeaturizerState {
  version: 1;
  lowercase: boolean;
  stripHtml: boolean;
  maxChars: number;
  buckets: number;
  wordNgrams: number;
  charNgrams: [number, number] | null;
  maxFeatures: number;
  maxTokens: number;
  /** Absent in files from before negation marking: false. */
  negation?: boolean;
  bpe: BpeState;
}

export interface Bag {
  n: number;
  width: number;
  /** [n, width] feature ids (0 = padding). */
  ids: Int32Array;
  /** [n, width] weights (0 on padding). */
  weights: Float32Array;
}

export interface Sequences {
  n: number;
  width: number;
  /** [n, width] subword ids, 0-padded. */
  ids: Int32Array;
  lengths: Int32Array;
}

function intIn(v: unknown, lo: number, hi: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
}

function checkOptions(s: Omit<TextFeaturizerState, 'version' | 'bpe'>, what: string): void {
  const bad = (name: string, range: string) => {
    throw new RangeError(`${what}: ${name} must be ${range}`);
  };
  if (!intIn(s.maxChars, 1, 10_000_000)) bad('maxChars', 'an integer from 1 to 10,000,000');
  if (!intIn(s.buckets, 1, 1 << 24)) bad('buckets', 'an integer from 1 to 2^24');
  if (!intIn(s.wordNgrams, 0, 5)) bad('wordNgrams', 'an integer from 0 to 5');
  if (s.charNgrams !== null && !(Array.isArray(s.charNgrams) && intIn(s.charNgrams[0], 1, 8) && intIn(s.charNgrams[1], s.charNgrams[0], 8)))
    bad('charNgrams', 'null or [min, max] with 1 <= min <= max <= 8');
  if (!intIn(s.maxFeatures, 1, 100_000)) bad('maxFeatures', 'an integer from 1 to 100,000');
  if (!intIn(s.maxTokens, 1, 8192)) bad('maxTokens', 'an integer from 1 to 8192');
}

export class TextFeaturizer {
  readonly tokenizer: BpeTokenizer;

  private constructor(readonly state: TextFeaturizerState) {
    this.tokenizer = new BpeTokenizer(state.bpe);
  }

  /** Ids a bag can hold: the subword vocabulary, then the hash slots. */
  get bagSize(): number {
    return this.tokenizer.size + this.state.buckets;
  }
  get vocabSize(): number {
    return this.tokenizer.size;
  }

  /** Fits normalization settings and the subword vocabulary on training texts. */
  static fit(texts: readonly unknown[], opts: TextOptions = {}, what = 'text'): TextFeaturizer {
    const settings = {
      lowercase: opts.lowercase ?? true, stripHtml: opts.stripHtml ?? true, maxChars: opts.maxChars ?? DEFAULT_MAX_CHARS,
      buckets: opts.buckets ?? 1 << 18, wordNgrams: opts.wordNgrams ?? 2, charNgrams: opts.charNgrams ?? null,
      maxFeatures: opts.maxFeatures ?? 2048, maxTokens: opts.maxTokens ?? 256, negation: opts.negation ?? false,
    };
    checkOptions(settings, what);
    if (opts.vocabSize !== undefined && !intIn(opts.vocabSize, 8, 1_000_000)) throw new RangeError(`${what}: vocabSize must be an integer from 8 to 1,000,000`);
    const counts = new Map<string, number>();
    // The default table is sized to the corpus: every slot of it is a learned vector that the
    // optimizer updates each step, so 2^18 slots for a few hundred short texts only cost time.
    const distinct = new Set<number>();
    for (const t of texts) {
      const ws = words(normalizeText(t, settings));
      for (const w of ws) counts.set(w, (counts.get(w) ?? 0) + 1);
      if (opts.buckets === undefined && distinct.size < 1 << 18) {
        const into = { push: (slot: number) => distinct.add(slot) };
        wordNgramSlots(settings.negation ? markNegation(ws) : ws, settings.wordNgrams, 1 << 30, into);
        if (settings.charNgrams) charNgramSlots(ws, settings.charNgrams[0], settings.charNgrams[1], 1 << 30, into);
      }
    }
    if (opts.buckets === undefined) settings.buckets = Math.min(1 << 18, Math.max(1 << 10, 2 ** Math.ceil(Math.log2(2 * distinct.size + 1))));
    const bpe = BpeTokenizer.train(counts, { vocabSize: opts.vocabSize ?? 8000 });
    return new TextFeaturizer({ version: 1, ...settings, bpe: bpe.toJSON() });
  }

  /** The words of one text after normalization. */
  words(text: unknown): string[] {
    return words(normalizeText(text, this.state));
  }

  /** Subword tokens of one text (for people: what the model reads). */
  tokenize(text: unknown): string[] {
    return this.tokenizer.tokens(this.tokenizer.encode(this.words(text), this.state.maxTokens));
  }

  /** Distinct features of one text and their weights (unit L2 norm). */
  features(text: unknown): { ids: number[]; weights: number[] } {
    const s = this.state, w = this.words(text), v = this.tokenizer.size;
    const raw = this.tokenizer.encode(w, s.maxFeatures * 4);
    const slots: number[] = [];
    if (s.wordNgrams > 0) wordNgramSlots(s.negation ? markNegation(w) : w, s.wordNgrams, s.buckets, slots);
    if (s.charNgrams) charNgramSlots(w, s.charNgrams[0], s.charNgrams[1], s.buckets, slots);
    for (const slot of slots) raw.push(v + slot);
    const counts = new Map<number, number>();
    for (const id of raw) {
      if (id === 0) continue;
      const c = counts.get(id);
      if (c !== undefined) counts.set(id, c + 1);
      else if (counts.size < s.maxFeatures) counts.set(id, 1);
    }
    const ids = [...counts.keys()], weights = ids.map((id) => 1 + Math.log(counts.get(id)!));
    const norm = Math.sqrt(weights.reduce((a, x) => a + x * x, 0)) || 1;
    return { ids, weights: weights.map((x) => x / norm) };
  }

  /** Bags of many texts, padded to the longest. */
  bag(texts: readonly unknown[]): Bag {
    return packBags(texts.map((t) => this.features(t)));
  }

  /** Subword ids of each text (at most maxTokens; an empty text is one [UNK]-free, zero-length row). */
  sequence(texts: readonly unknown[]): Sequences {
    return packSequences(texts.map((t) => this.tokenizer.encode(this.words(t), this.state.maxTokens)));
  }

  toJSON(): TextFeaturizerState {
    return this.state;
  }

  static fromJSON(state: unknown, what = 'text'): TextFeaturizer {
    const s = state as TextFeaturizerState;
    if (!s || typeof s !== 'object' || s.version !== 1) throw new Error(`${what}: the saved text preprocessing is missing or from an unknown version`);
    if (typeof s.lowercase !== 'boolean' || typeof s.stripHtml !== 'boolean') throw new Error(`${what}: the saved text preprocessing is malformed`);
    checkOptions(s, what);
    if (s.negation !== undefined && typeof s.negation !== 'boolean') throw new Error(`${what}: the saved text preprocessing is malformed`);
    BpeTokenizer.fromJSON(s.bpe);
    if (s.bpe.vocab[0] !== PAD) throw new Error(`${what}: the saved subword vocabulary is malformed`);
    return new TextFeaturizer(s);
  }
}

/** Pads per-text features into [n, width] arrays (width at least 1). */
export function packBags(items: { ids: number[]; weights: number[] }[]): Bag {
  const n = items.length, width = Math.max(1, ...items.map((f) => f.ids.length));
  const ids = new Int32Array(n * width), weights = new Float32Array(n * width);
  items.forEach((f, r) => {
    ids.set(f.ids, r * width);
    weights.set(f.weights, r * width);
  });
  return { n, width, ids, weights };
}

export function packSequences(items: number[][]): Sequences {
  const n = items.length, width = Math.max(1, ...items.map((s) => s.length));
  const ids = new Int32Array(n * width), lengths = new Int32Array(n);
  items.forEach((s, r) => {
    ids.set(s, r * width);
    lengths[r] = s.length;
  });
  return { n, width, ids, lengths };
}
