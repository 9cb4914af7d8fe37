// What the data boundary reports: errors that say, in one line, which file, line or column
// was wrong and how to fix it; and warnings for values that were read but not used as given.
// The same fix is spelt differently in code ({ positive: 'yes' }) and on the command line
// (--positive yes), so an error keeps both phrasings and the CLI prints its own.

/** A problem with the caller's input (a file, a path, a column, a value): not a bug in tensorlift. */
export class InputError extends RangeError {
  /** The message as the command line should print it (option hints as --flags). */
  readonly cliMessage: string;

  /** `text(cli)` writes the message; `cli` says which phrasing of option hints to use. */
  constructor(text: string | ((cli: boolean) => string), readonly code = 'EINPUT') {
    super(typeof text === 'string' ? text : text(false));
    this.name = 'InputError';
    this.cliMessage = typeof text === 'string' ? text : text(true);
  }
}

/** Shell-safe rendering of a value in a suggested command-line flag. */
export function shellWord(v: string): string {
  return /^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/** A value read but not used as given, or a column filled in on request. */
export type DataWarning =
  | { kind: 'out-of-range'; column: string; count: number; examples: string[] }
  | { kind: 'imputed-columns'; columns: string[]; source?: string; rows: number }
  /** Rows dropped because the same key (e.g. a user-item pair) came before. */
  | { kind: 'duplicate-rows'; columns: string[]; source?: string; rows: number }
  /** A campaign whose arms are lopsided or differ in their covariates (UpliftModel): `text` says how. */
  | { kind: 'unbalanced-treatment'; columns: string[]; treatedShare: number; text: string };

/** Receives each warning, already phrased, and its details (for callers that aggregate them). */
export type WarningHandler = (message: string, detail: DataWarning) => void;

export function formatWarning(w: DataWarning): string {
  if (w.kind === 'unbalanced-treatment') return w.text;
  if (w.kind === 'duplicate-rows')
    return `${w.rows} row${w.rows === 1 ? '' : 's'}${w.source ? ` of ${w.source}` : ''} repeat${w.rows === 1 ? 's' : ''} an earlier (${w.columns.join(', ')}) and ${w.rows === 1 ? 'was' : 'were'} dropped (the earliest is kept)`;
  if (w.kind === 'out-of-range') {
    const shown = w.examples.slice(0, 3).join(', ');
    return `column '${w.column}': ${w.count} value${w.count === 1 ? ' is' : 's are'} infinite or beyond the float32 range (±3.4e38) and treated as missing (${shown}${w.count > 3 ? ', ...' : ''})`;
  }
  const names = columnList(w.columns.map((c) => `'${c}'`));
  const what = w.columns.length === 1 ? 'column' : 'columns';
  return `${w.rows} row${w.rows === 1 ? '' : 's'}${w.source ? ` of ${w.source}` : ''} lack${w.rows === 1 ? 's' : ''} ${what} ${names} the model was trained on; imputed as missing values`;
}

/** The default: a Node process warning (printed on stderr unless the process handles 'warning'). */
export const emitWarning: WarningHandler = (message) => process.emitWarning(message, 'TensorliftWarning');

/** Adds up warnings of the same kind and column across batches, to report each once at the end. */
export function warningCollector(): { add: WarningHandler; flush(to: WarningHandler): void } {
  const byKey = new Map<string, DataWarning>();
  return {
    add(_message, w) {
      const key = w.kind === 'out-of-range' ? `r:${w.column}` : `${w.kind}:${w.columns.join(',')}`;
      const seen = byKey.get(key);
      if (seen?.kind === 'out-of-range' && w.kind === 'out-of-range') {
        seen.count += w.count;
        if (seen.examples.length < 3) seen.examples.push(...w.examples.slice(0, 3 - seen.examples.length));
      } else if (seen?.kind === 'imputed-columns' && w.kind === 'imputed-columns') seen.rows += w.rows;
      else if (!seen) byKey.set(key, { ...w, ...(w.kind === 'out-of-range' ? { examples: [...w.examples] } : {}) });
    },
    flush(to) {
      for (const w of byKey.values()) to(formatWarning(w), w);
      byKey.clear();
    },
  };
}

/** A column list for a message: the first `max` names, then how many more. */
export function columnList(columns: string[], max = 12): string {
  const shown = columns.slice(0, max).join(', ');
  return columns.length > max ? `${shown}, ... (${columns.length - max} more)` : shown;
}
