// What a marketer reads about each segment: how big it is, the mean of every numeric column
// (in the column's own units), and the labels over-represented in it, with their lift (the
// label's share inside the segment over its share in all rows: 2 = twice as common here).
import { MISSING_LEVEL } from '../data/preprocess.js';
import type { Table } from '../data/table.js';
import { cellNumber } from '../data/number-format.js';
import { asLabel, isMissing } from '../data/values.js';
import type { SpaceColumn } from './segment-space.js';

export interface SegmentProfile {
  segment: number;
  size: number;
  share: number;
  numeric: Record<string, number>;
  /** Per categorical column: [label, lift] for labels with lift > 1, highest first (at most 5). */
  categorical: Record<string, [string, number][]>;
}

export function segmentProfiles(cols: SpaceColumn[], t: Table, labels: Int32Array, k: number): SegmentProfile[] {
  const n = labels.length;
  const profiles: SegmentProfile[] = Array.from({ length: k }, (_, s) => ({ segment: s, size: 0, share: 0, numeric: {}, categorical: {} }));
  for (const l of labels) profiles[l].size++;
  for (const p of profiles) p.share = n ? p.size / n : 0;
  for (const c of cols) {
    if (c.kind !== 'categorical') {
      const sums = new Float64Array(k), counts = new Float64Array(k);
      t.rows.forEach((r, i) => {
        const v = r[c.name];
        const x = cellNumber(v, c.kind, c.kind === 'numeric' ? c.format : undefined);
        if (x === undefined) return;
        sums[labels[i]] += x;
        counts[labels[i]]++;
      });
      profiles.forEach((p, s) => (p.numeric[c.name] = counts[s] ? sums[s] / counts[s] : NaN));
      continue;
    }
    const overall = new Map<string, number>(), per = Array.from({ length: k }, () => new Map<string, number>());
    t.rows.forEach((r, i) => {
      const v = r[c.name];
      const l = isMissing(v) ? MISSING_LEVEL : asLabel(v);
      overall.set(l, (overall.get(l) ?? 0) + 1);
      per[labels[i]].set(l, (per[labels[i]].get(l) ?? 0) + 1);
    });
    profiles.forEach((p, s) => {
      p.categorical[c.name] = [...per[s].entries()]
        .map(([l, count]): [string, number] => [l, count / p.size / (overall.get(l)! / n)])
        .filter(([, lift]) => lift > 1)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, 5);
    });
  }
  return profiles;
}
