// Model combination by validation: the text presets' members (the network ensemble, the
// linear models) each give out-of-fold logits; the blend is their weighted sum, weights on a
// simplex grid (step 0.05), then one temperature, all chosen to minimize the out-of-fold log
// loss. A member that does not help gets weight 0 and is dropped, so a blend is never worse on
// the held-out rows than the best member alone (the networks, before there was a blend).
import { fitTemperature, nll } from './text-calibrate.js';

export interface Blend {
  /** One weight per member, summing to 1. */
  weights: number[];
  temperature: number;
  /** Blended logits (before the temperature) of the scored rows, in their order. */
  logits: Float32Array;
}

/** Weight vectors of `m` members on the simplex grid with `steps` steps (compositions of steps into m parts). */
export function simplexGrid(m: number, steps: number): number[][] {
  if (m === 1) return [[steps]];
  const out: number[][] = [];
  for (let k = steps; k >= 0; k--) for (const rest of simplexGrid(m - 1, steps - k)) out.push([k, ...rest]);
  return out;
}

/** Weighted sum of members' logits over the scored rows. */
function combine(members: ArrayLike<number>[], weights: number[], scored: number[], c: number): Float32Array {
  const out = new Float32Array(scored.length * c);
  members.forEach((m, k) => {
    if (!weights[k]) return;
    scored.forEach((i, r) => {
      for (let j = 0; j < c; j++) out[r * c + j] += weights[k] * m[i * c + j];
    });
  });
  return out;
}

/** The blend of members' out-of-fold logits (`c` per row, row-major over all rows) with the least log loss on the scored rows. */
export function blendMembers(members: ArrayLike<number>[], scored: number[], labels: number[], c: number): Blend {
  const steps = members.length <= 3 ? 20 : 10;
  let best: Blend | null = null, bestLoss = Infinity;
  // Single members first, the networks first of all: a tie keeps the simpler model.
  const grid = simplexGrid(members.length, steps).sort((a, b) => a.filter((x) => x > 0).length - b.filter((x) => x > 0).length);
  for (const g of grid) {
    const weights = g.map((x) => x / steps);
    const logits = combine(members, weights, scored, c);
    const temperature = fitTemperature(logits, labels, c);
    const loss = nll(logits, labels, c, temperature);
    if (loss < bestLoss - 1e-6) (bestLoss = loss), (best = { weights, temperature, logits });
  }
  return best!;
}
