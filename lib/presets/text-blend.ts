// Model combination by validation: the text presets' members (the network ensemble, the
// linear models) each give out-of-fold logits; the blend is their weighted sum, weights on a
// simplex grid (step 0.05; coarse then fine for more than 3 members), then one temperature, all chosen to minimize the out-of-fold log
// loss. A member that does not help gets weight 0 and is dropped; the networks alone stay
// unless the blend is better by more than the noise of the held-out rows (one standard error).
import { fitTemperature, nll, softmaxRows } from './text-calibrate.js';

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

/** Per-row log loss of logits / T. */
function rowLosses(logits: Float32Array, labels: number[], c: number, t: number): Float64Array {
  const p = softmaxRows(logits, c, t);
  return Float64Array.from(labels, (y, i) => -Math.log(Math.max(p[i * c + y], 1e-12)));
}

/**
 * The blend of members' out-of-fold logits (`c` per row, row-major over all rows) with the
 * least log loss on the scored rows. The first member alone (the networks) is kept unless the
 * best blend beats it by more than one standard error of the paired per-row loss difference:
 * on a few dozen chatbot messages the grid would otherwise pick weights by chance.
 */
export function blendMembers(members: ArrayLike<number>[], scored: number[], labels: number[], c: number): Blend {
  const first = members.map((_, k) => (k === 0 ? 1 : 0));
  const evaluate = (weights: number[]) => {
    const logits = combine(members, weights, scored, c), temperature = fitTemperature(logits, labels, c);
    return { weights, temperature, logits, loss: nll(logits, labels, c, temperature) };
  };
  const alone = evaluate(first);
  let best = alone;
  const search = (grid: number[][], steps: number) => {
    for (const g of grid) {
      const b = evaluate(g.map((x) => x / steps));
      if (b.loss < best.loss - 1e-9) best = b;
    }
  };
  // Steps of 0.05 over 3 members (231 blends); over more, steps of 0.1 (4 members: 286), then
  // the 0.05-steps around the best of those (4 members at 0.05 would be 1,771 blends, ~25 s).
  if (members.length <= 3) search(simplexGrid(members.length, 20), 20);
  else {
    search(simplexGrid(members.length, 10), 10);
    const near = best.weights;
    search(simplexGrid(members.length, 20).filter((g) => g.every((x, k) => Math.abs(x / 20 - near[k]) <= 0.05 + 1e-9)), 20);
  }
  if (best === alone || labels.length < 2) return alone;
  const d = rowLosses(alone.logits, labels, c, alone.temperature), e = rowLosses(best.logits, labels, c, best.temperature);
  const diff = Array.from(d, (x, i) => x - e[i]), mean = diff.reduce((a, x) => a + x, 0) / diff.length;
  const se = Math.sqrt(diff.reduce((a, x) => a + (x - mean) ** 2, 0) / (diff.length - 1) / diff.length);
  return mean > se ? best : alone;
}
