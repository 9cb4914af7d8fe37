// Text normalization, the first step of every text pipeline: whatever a cell holds becomes one
// well-formed string. Lone UTF-16 surrogates become U+FFFD (they cannot be encoded as UTF-8 or
// hashed stably), HTML tags become spaces and entities their characters (reviews scraped from
// the web carry `<br />` and `&amp;`), Unicode NFKC folds compatibility forms (full-width
// letters, ligatures, "ﬁ"), and runs of white space become one space. Very long texts are cut
// to `maxChars` first, so one 10 MB cell costs no more than the cap.
import { decodeHTML } from 'entities';

export interface NormalizeOptions {
  /** Lowercase after NFKC (default true: with few labels, case mostly splits the counts of a word). */
  lowercase?: boolean;
  /** Replace HTML tags with spaces and decode entities (default true). */
  stripHtml?: boolean;
  /** Characters kept of each text (default 20,000; the start of a text is kept). */
  maxChars?: number;
}

export const DEFAULT_MAX_CHARS = 20_000;

// A tag: '<' then a letter or '/', no '<' or '>' inside. "a < b > c" is not a tag.
const TAG = /<\/?[A-Za-z!][^<>]{0,2000}>/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const SPACE = /[\s\u200B\u00AD]+/gu;

/** Replaces unpaired surrogates with U+FFFD. */
export function wellFormed(s: string): string {
  const native = (s as { toWellFormed?: () => string }).toWellFormed;
  return typeof native === 'function' ? native.call(s) : s.replace(LONE_SURROGATE, '\uFFFD');
}

/** The first `n` UTF-16 units of `s`, without splitting a surrogate pair. */
function cut(s: string, n: number): string {
  if (s.length <= n) return s;
  const code = s.charCodeAt(n - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

/** A cell as text: strings as they are, numbers and booleans spelt out, missing values ''. */
export function cellText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return '';
}

export function normalizeText(value: unknown, opts: NormalizeOptions = {}): string {
  const max = opts.maxChars ?? DEFAULT_MAX_CHARS;
  // Cut before the costly steps (HTML, NFKC), with room for what they remove, and again after.
  let s = wellFormed(cut(cellText(value), max * 4 + 16));
  if (opts.stripHtml ?? true) s = s.includes('<') || s.includes('&') ? decodeHTML(s.replace(TAG, ' ')) : s;
  s = s.normalize('NFKC');
  if (opts.lowercase ?? true) s = s.toLowerCase();
  return cut(s.replace(SPACE, ' ').trim(), max);
}
