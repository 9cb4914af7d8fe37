// A batch of rows scored into a preset's output columns (what file scoring writes): score(),
// or scoreAsync() awaited slice by slice where the preset has it. Shared by the CLI's file
// scoring (lib/cli/score-file.ts) and the scoring workers (lib/serve/scoring-worker.ts).
import type { Table } from '../data/table.js';
import type { OutputValue, PredictOptions, Preset } from './preset.js';

/** What scoring needs of a preset (preset.ts): the columns it adds, and their values per row. */
export type Scorer = Pick<Preset, 'outputColumns' | 'score' | 'scoreAsync'>;

/**
 * Rows per scoreAsync call: a preset scoring asynchronously decodes its inputs (images) first,
 * and holds them all at once; slices of this many keep that memory small whatever the batch.
 */
export const ASYNC_SLICE = 256;

export async function scoreBatch(model: Scorer, t: Table, opts: PredictOptions): Promise<OutputValue[][]> {
  if (!model.scoreAsync) return model.score(t, opts);
  const out: OutputValue[][] = [];
  for (let i = 0; i < t.rows.length; i += ASYNC_SLICE) {
    const end = Math.min(t.rows.length, i + ASYNC_SLICE);
    const slice = { ...t, rows: t.rows.slice(i, end), ...(t.lines ? { lines: t.lines.slice(i, end) } : {}) };
    for (const s of await model.scoreAsync(slice, opts)) out.push(s);
  }
  return out;
}
