// A class target (next best offer, product, segment label): its classes in a stable order and
// the class id of every row. A target a classifier cannot learn is refused here, in one line:
// a single class, no values at all, a missing value, a class too rare to train on, or a
// numeric column with so many levels that it is a quantity to predict, not classes.
import { InputError, columnList } from './errors.js';
import { asLabel, asNumber, isMissing } from './values.js';
import { type Table, where } from './table.js';

export interface ClassTarget {
  name: string;
  /** Class labels in the order of class ids: numeric order when every label is a number, else text order. */
  classes: string[];
}

export interface ClassTargetOptions {
  /** Most classes a text target may have (default 100). */
  maxClasses?: number;
  /** Most distinct values a numeric target may have before it counts as a quantity (default 20). */
  maxNumericClasses?: number;
}

/** Fewest rows of a class that can be trained on (one to fit, one to validate). */
export const MIN_CLASS_ROWS = 2;

function order(labels: string[]): string[] {
  const numbers = labels.map((l) => asNumber(l));
  if (numbers.every((n) => n !== undefined)) return labels.map((l, i) => [l, numbers[i]!] as const).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).map(([l]) => l);
  return [...labels].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Finds the classes of column `name` and checks that a classifier can learn them; counts per class in class order. */
export function classTarget(t: Table, name: string, opts: ClassTargetOptions = {}): { target: ClassTarget; counts: number[] } {
  if (!t.columns.includes(name)) throw new InputError(`target: column '${name}' is not in the data (columns: ${columnList(t.columns)})`);
  const counts = new Map<string, number>(), first = new Map<string, number>();
  let missing = 0, firstMissing = -1;
  t.rows.forEach((r, i) => {
    const v = r[name];
    if (isMissing(v)) {
      if (missing++ === 0) firstMissing = i;
      return;
    }
    const l = asLabel(v);
    if (!first.has(l)) first.set(l, i);
    counts.set(l, (counts.get(l) ?? 0) + 1);
  });
  if (missing === t.rows.length) throw new InputError(`target: '${name}' has no values (every row is missing it)`);
  const labels = [...counts.keys()];
  if (labels.length === 1) throw new InputError(`target: '${name}' is '${labels[0]}' in every row; a classifier needs at least two classes`);
  const numeric = labels.every((l) => asNumber(l) !== undefined);
  const maxNumeric = opts.maxNumericClasses ?? 20, maxClasses = opts.maxClasses ?? 100;
  if (numeric && labels.length > maxNumeric)
    throw new InputError(`target: '${name}' is numeric with ${labels.length} distinct values, a quantity rather than classes (a classifier takes at most ${maxNumeric}); predict it with LifetimeValueModel, or bin it into classes`);
  if (labels.length > maxClasses)
    throw new InputError(
      (cli) => `target: '${name}' has ${labels.length} distinct values; a classifier learns at most ${maxClasses} classes (${cli ? '--max-classes' : 'maxClasses'}); is it an identifier?`,
    );
  if (missing)
    throw new InputError(`${where(t, firstMissing)}: the target '${name}' is missing (${missing} row${missing === 1 ? '' : 's'} lack it); drop those rows or fill them in`);
  const classes = order(labels);
  const rare = classes.find((c) => counts.get(c)! < MIN_CLASS_ROWS);
  if (rare !== undefined)
    throw new InputError(`target: class '${rare}' of '${name}' has ${counts.get(rare)} row (${where(t, first.get(rare)!)}); each class needs at least ${MIN_CLASS_ROWS} rows: drop it or merge it into another class`);
  return { target: { name, classes }, counts: classes.map((c) => counts.get(c)!) };
}

/** The class id of every row (or of `indices`); a missing value or a label outside the classes is an error naming the row. */
export function encodeClasses(t: Table, target: ClassTarget, indices?: number[]): Int32Array {
  if (t.columns.length && !t.columns.includes(target.name))
    throw new InputError(`target: column '${target.name}' is not in ${t.source ?? 'the data'} (columns: ${columnList(t.columns)})`);
  const ids = new Map(target.classes.map((c, i) => [c, i]));
  const idx = indices ?? t.rows.map((_, i) => i);
  return Int32Array.from(idx, (i) => {
    const v = t.rows[i][target.name];
    if (isMissing(v)) throw new InputError(`${where(t, i)}: the target '${target.name}' is missing`);
    const id = ids.get(asLabel(v));
    if (id === undefined)
      throw new InputError(`${where(t, i)}: target '${target.name}' is '${asLabel(v)}', not one of the trained classes (${columnList(target.classes.map((c) => `'${c}'`), 8)})`);
    return id;
  });
}
