// Text preprocessing: normalization, pre-tokenization, a BPE subword tokenizer trained on the
// user's corpus, n-gram hashing, and the fitted featurizer the text encoders read.
export { normalizeText, type NormalizeOptions } from './normalize.js';
export { words } from './words.js';
export { BpeTokenizer, type BpeOptions, type BpeState, SPECIAL_TOKENS } from './bpe.js';
export { fnv1a, wordNgramSlots, charNgramSlots } from './hashing.js';
export { TextFeaturizer, type TextOptions, type TextFeaturizerState, type Bag, type Sequences, packBags, packSequences } from './featurize.js';
