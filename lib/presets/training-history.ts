// Per-epoch curves of each network a preset trained, kept in the saved model's info so a
// report (lib/report) can draw them long after training. Values are rounded to 5 significant
// digits (a curve needs no more, and a 5-network ensemble over 200 epochs stays a few KB); a
// non-finite value (an AUC on a one-class fold) is kept as null, a gap, since JSON has no NaN.
import type { History } from '../train/fit.js';

/** One network's curves: `loss` (training) and each validation measure by name (valLoss, valAuc, ...). */
export interface NetworkHistory {
  /** Epochs trained (the curves' length). */
  epochs: number;
  /** Name -> per-epoch values; `loss` is always there. */
  series: Record<string, (number | null)[]>;
  /** Networks of one kind, whose losses share a scale (a value model's head: 'ziln head'); charts draw each group apart. */
  group?: string;
}

const round = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(5)) : null);

/** The curves of one fit() run: every per-epoch number except the epoch index and timing. */
export function networkHistory(h: History): NetworkHistory {
  const series: Record<string, (number | null)[]> = {};
  h.epochs.forEach((logs, e) => {
    for (const [name, v] of Object.entries(logs)) {
      if (name === 'epoch' || name === 'seconds' || typeof v !== 'number') continue;
      (series[name] ??= new Array(e).fill(null)).push(round(v));
    }
  });
  return { epochs: h.epochs.length, series };
}
