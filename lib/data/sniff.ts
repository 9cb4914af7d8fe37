// Which character separates the fields: read from the header line, because a European Excel
// export uses ';', a warehouse dump tab or '|', and reading one of those as comma-separated
// gives a single column (every row then scored with the same constant probability).
import { InputError } from './errors.js';

export const DELIMITERS = [',', ';', '\t', '|'] as const;

const NAMES: Record<string, string> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', pipe: '|' };

/** The delimiter a caller asked for: one character, or tab / comma / semicolon / pipe by name. */
export function parseDelimiter(value: string): string {
  const d = NAMES[value.toLowerCase()] ?? value;
  if (typeof d !== 'string' || [...d].length !== 1 || d === '"' || d === '\n' || d === '\r')
    throw new InputError(
      (cli) => `${cli ? '--delimiter' : 'delimiter'} must be one character (or tab, comma, semicolon, pipe), got ${JSON.stringify(value)}`,
      'EDELIMITER',
    );
  return d;
}

/** The first line of `text` (outside quotes), without a BOM: what the sniffer looks at. */
export function headerLine(text: string): string {
  let quoted = false;
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) return text.slice(start, i);
  }
  return text.slice(start);
}

/**
 * The candidate delimiter that occurs most often outside quotes in the header (ties go to the
 * earlier of , ; tab |); a header with none of them is one column, read as comma-separated.
 */
export function sniffDelimiter(header: string): string {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const c of header) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best = ',', most = 0;
  for (const [d, n] of counts) if (n > most) [best, most] = [d, n];
  return best;
}
