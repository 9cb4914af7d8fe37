// The binary target: which label is positive, and the 0/1 vector.
import { InputError, columnList, shellWord } from './errors.js';
import { asLabel, isMissing } from './values.js';
import { type Table, where } from './table.js';

const POSITIVE = ['yes', 'true', '1', 'y', 't', 'positive', 'churn', 'churned', 'insurance'];

export interface BinaryTarget {
  name: string;
  positive: string;
  negative: string;
}

/** Finds the two labels of a binary target; `positive` names the positive one when it is not obvious. */
export function binaryTarget(t: Table, name: string, positive?: string): BinaryTarget {
  if (!t.columns.includes(name)) throw new InputError(`target: column '${name}' is not in the data (columns: ${columnList(t.columns)})`);
  const seen = new Map<string, number>(), counts = new Map<string, number>();
  t.rows.forEach((r, i) => {
    const v = r[name];
    if (isMissing(v)) throw new InputError(`${where(t, i)}: the target '${name}' is missing`);
    const l = asLabel(v);
    if (!seen.has(l)) seen.set(l, i);
    counts.set(l, (counts.get(l) ?? 0) + 1);
  });
  const labels = [...seen.keys()];
  if (labels.length !== 2) {
    const examples = labels.slice(0, 5).map((l) => `'${l}' (${where(t, seen.get(l)!)})`).join(', ');
    throw new InputError(`target: '${name}' must have exactly two values for a binary model, found ${labels.length}: ${examples}${labels.length > 5 ? ', ...' : ''}`);
  }
  let pos = positive;
  if (pos !== undefined && !labels.includes(String(pos)))
    throw new InputError(`target: positive class '${pos}' is not a value of '${name}' (values: ${labels.join(', ')})`);
  pos ??= labels.find((l) => POSITIVE.includes(l.toLowerCase()));
  if (pos === undefined) {
    // Suggest the rarer value: the outcome a churn or response model looks for usually is.
    const rare = counts.get(labels[0])! <= counts.get(labels[1])! ? labels[0] : labels[1];
    throw new InputError(
      (cli) =>
        `target: cannot tell which value of '${name}' is the positive class (${labels.map((l) => `'${l}'`).join(' or ')}); ` +
        `pass ${cli ? `--positive ${shellWord(rare)}` : `{ positive: '${rare.replace(/'/g, "\\'")}' }`} (or the other value)`,
      'EPOSITIVE',
    );
  }
  return { name, positive: String(pos), negative: labels.find((l) => l !== String(pos))! };
}

export function encodeTarget(t: Table, target: BinaryTarget, indices?: number[]): Float32Array {
  if (t.columns.length && !t.columns.includes(target.name))
    throw new InputError(`target: column '${target.name}' is not in ${t.source ?? 'the data'} (columns: ${columnList(t.columns)})`);
  const idx = indices ?? t.rows.map((_, i) => i);
  return Float32Array.from(idx, (i) => {
    const v = t.rows[i][target.name];
    if (isMissing(v)) throw new InputError(`${where(t, i)}: the target '${target.name}' is missing`);
    const l = asLabel(v);
    if (l !== target.positive && l !== target.negative)
      throw new InputError(`${where(t, i)}: target '${target.name}' is '${l}', expected '${target.positive}' or '${target.negative}'`);
    return l === target.positive ? 1 : 0;
  });
}

// The splits moved to stratify.ts (they serve any class target); kept importable from here.
export { stratifiedFolds, stratifiedSplit } from './stratify.js';
