// A free-text column inside a tabular table (the last support ticket beside a churn table's
// numbers): fitted as its own TextFeaturizer on the training rows, and encoded as a padded
// bag of features (ids, weights) that the tabular network's EmbeddingBag reads beside the
// numeric and categorical features. Tabular defaults are smaller than a text preset's: the
// text is one input among many, and every row of a batch is padded to its longest bag.
import { type Bag, TextFeaturizer, type TextFeaturizerState, packBags } from './text/featurize.js';
import type { Table } from './table.js';

export interface TextColumn {
  name: string;
  kind: 'text';
  text: TextFeaturizerState;
}

/** Width of the text vector a tabular network learns per text column. */
export const TABULAR_TEXT_DIM = 16;

// Featurizers rebuilt from a state are kept per state object: building one indexes the vocabulary.
const featurizers = new WeakMap<TextFeaturizerState, TextFeaturizer>();

export function featurizerOf(c: TextColumn): TextFeaturizer {
  let f = featurizers.get(c.text);
  if (!f) featurizers.set(c.text, (f = TextFeaturizer.fromJSON(c.text, `preprocessing column '${c.name}'`)));
  return f;
}

export function fitTextColumn(t: Table, rows: number[], name: string): TextColumn {
  // Negation-marked words as in the text presets: a review column in ChurnModel on fine_foods
  // went from AUC 0.8737 to 0.8801 with it; text without negations hashes as before.
  const f = TextFeaturizer.fit(rows.map((i) => t.rows[i][name]), { vocabSize: 4000, maxFeatures: 1024, negation: true }, `preprocess: column '${name}'`);
  const c: TextColumn = { name, kind: 'text', text: f.toJSON() };
  featurizers.set(c.text, f);
  return c;
}

/** Throws unless a saved text column's state is usable. */
export function checkTextColumn(c: TextColumn): void {
  featurizerOf(c);
}

/** The bags of rows `idx` (a missing or absent value is an empty text). */
export function encodeTextColumn(c: TextColumn, t: Table, idx: number[]): Bag {
  const f = featurizerOf(c);
  return packBags(idx.map((i) => f.features(t.rows[i]?.[c.name])));
}
