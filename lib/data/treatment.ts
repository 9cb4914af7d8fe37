// The treatment column of a randomized campaign (who got the offer) and its outcome (what they
// did). A treatment has exactly two arms: which value is the treated one is read from
// `treated` or, failing that, from an obvious label (1, yes, true, treated, treatment); one
// arm only, or three and more (a multi-arm test: compare two arms at a time), is a one-line
// error naming the values. The outcome is binary (two values: a conversion) or a number.
import { InputError, columnList, shellWord } from './errors.js';
import { type BinaryTarget, binaryTarget, encodeTarget } from './target.js';
import { type NumberFormat, NUMBER_FORMATS, detectNumberFormat, normalizeNumber } from './number-format.js';
import { asLabel, asNumber, isMissing } from './values.js';
import { type Table, where } from './table.js';

// Only an empty cell is a missing arm: 'none' or 'null' in a treatment column is usually the
// control arm's name ("offer: none"), not a missing value as elsewhere.
const blank = (v: unknown) => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)) || (typeof v === 'string' && v.trim() === '');

const TREATED = ['1', 'yes', 'true', 'y', 't', 'treated', 'treatment', 'test', 'exposed', 'contacted'];

export interface Treatment {
  name: string;
  /** The value that marks a treated row; every other row has `control`. */
  treated: string;
  control: string;
}

/** Binary (0/1 conversions, with their labels) or numeric (spend, revenue). */
/** A numeric outcome's `format`: how the training data wrote it, when not as plain numbers (number-format.ts). */
export type Outcome = ({ type: 'binary' } & BinaryTarget) | { type: 'numeric'; name: string; format?: NumberFormat };

/** The two arms of `name`; `treated` names the treated value when it is not obvious. */
export function treatmentOf(t: Table, name: string, treated?: string): Treatment {
  if (!t.columns.includes(name)) throw new InputError(`treatment: column '${name}' is not in the data (columns: ${columnList(t.columns)})`);
  const counts = new Map<string, number>();
  t.rows.forEach((r, i) => {
    const v = r[name];
    if (blank(v)) throw new InputError(`${where(t, i)}: the treatment '${name}' is missing (every row must say whether it was treated)`);
    const l = asLabel(v);
    counts.set(l, (counts.get(l) ?? 0) + 1);
  });
  const labels = [...counts.keys()];
  const shown = labels.slice(0, 5).map((l) => `'${l}' (${counts.get(l)} rows)`).join(', ') + (labels.length > 5 ? ', ...' : '');
  if (labels.length === 1)
    throw new InputError(`treatment: every row has '${name}' = '${labels[0]}'; uplift needs treated and control rows from a randomized test`);
  if (labels.length > 2)
    throw new InputError(`treatment: '${name}' must have two values (treated and control), found ${labels.length}: ${shown}; keep the rows of two arms to compare them`);
  if (treated !== undefined && !labels.includes(String(treated)))
    throw new InputError(`treatment: treated value '${treated}' is not a value of '${name}' (values: ${labels.join(', ')})`);
  const pick = treated !== undefined ? String(treated) : labels.find((l) => TREATED.includes(l.toLowerCase()));
  if (pick === undefined)
    throw new InputError(
      (cli) => `treatment: cannot tell which value of '${name}' is the treated arm (${labels.map((l) => `'${l}'`).join(' or ')}); pass ${cli ? `--treated ${shellWord(labels[0])}` : `{ treated: '${labels[0].replace(/'/g, "\\'")}' }`} (or the other value)`,
    );
  return { name, treated: pick, control: labels.find((l) => l !== pick)! };
}

/** 0/1 per row (1 = treated); a value that is neither arm (in new data) is an error naming the row. */
export function encodeTreatment(t: Table, treatment: Treatment): Float32Array {
  if (!t.columns.includes(treatment.name) && t.columns.length)
    throw new InputError(`treatment: column '${treatment.name}' is not in ${t.source ?? 'the data'} (columns: ${columnList(t.columns)})`);
  return Float32Array.from(t.rows, (r, i) => {
    const v = r[treatment.name];
    if (blank(v)) throw new InputError(`${where(t, i)}: the treatment '${treatment.name}' is missing`);
    const l = asLabel(v);
    if (l !== treatment.treated && l !== treatment.control)
      throw new InputError(`${where(t, i)}: treatment '${treatment.name}' is '${l}', expected '${treatment.treated}' or '${treatment.control}'`);
    return l === treatment.treated ? 1 : 0;
  });
}

/**
 * The outcome: binary when it has two values (or `positive` is given), else numeric (every
 * value a finite number). A constant outcome teaches nothing and is an error.
 */
export function outcomeOf(t: Table, name: string, positive?: string): Outcome {
  if (!t.columns.includes(name)) throw new InputError(`outcome: column '${name}' is not in the data (columns: ${columnList(t.columns)})`);
  const counts = new Map<string, number>();
  let numeric = true;
  // Revenue written for people ("$1,234.50", "56,95"): read in the column's one convention.
  const format = detectNumberFormat(t.rows.map((r) => r[name]));
  t.rows.forEach((r, i) => {
    const v = r[name];
    if (isMissing(v)) throw new InputError(`${where(t, i)}: the outcome '${name}' is missing`);
    const l = asLabel(v);
    counts.set(l, (counts.get(l) ?? 0) + 1);
    const x = asNumber(normalizeNumber(v, format));
    if (numeric && (x === undefined || !Number.isFinite(x))) numeric = false;
  });
  const labels = [...counts.keys()];
  if (labels.length === 1) throw new InputError(`outcome: every row has '${name}' = '${labels[0]}'; uplift needs outcomes that vary`);
  if (positive !== undefined || labels.length === 2) {
    try {
      return { type: 'binary', ...binaryTarget(t, name, positive) };
    } catch (e) {
      throw e instanceof InputError ? new InputError((cli) => (cli ? e.cliMessage : e.message).replace(/^target:/, 'outcome:').replace(/positive class/g, 'converted value'), e.code) : e;
    }
  }
  if (!numeric) {
    const shown = labels.slice(0, 5).map((l) => `'${l}'`).join(', ') + (labels.length > 5 ? ', ...' : '');
    throw new InputError(`outcome: '${name}' has ${labels.length} values (${shown}); an uplift outcome is a conversion (two values) or a number`);
  }
  return { type: 'numeric', name, ...(format ? { format } : {}) };
}

/** The outcome per row: 0/1 for a binary outcome, the number otherwise. */
export function encodeOutcome(t: Table, outcome: Outcome): Float64Array {
  if (outcome.type === 'binary') return Float64Array.from(encodeTarget(t, outcome));
  if (t.columns.length && !t.columns.includes(outcome.name))
    throw new InputError(`outcome: column '${outcome.name}' is not in ${t.source ?? 'the data'} (columns: ${columnList(t.columns)})`);
  // The training data's convention (older files: none saved, so detected from these rows).
  const format = outcome.format && NUMBER_FORMATS.includes(outcome.format) ? outcome.format : detectNumberFormat(t.rows.map((r) => r[outcome.name]));
  return Float64Array.from(t.rows, (r, i) => {
    const v = normalizeNumber(r[outcome.name], format), x = isMissing(v) ? undefined : asNumber(v);
    if (x === undefined || !Number.isFinite(x)) throw new InputError(`${where(t, i)}: the outcome '${outcome.name}' is '${String(r[outcome.name])}', not a finite number`);
    return x;
  });
}
