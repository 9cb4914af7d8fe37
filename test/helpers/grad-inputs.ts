// Inputs for the gradient checks (gradcheck.ts): shapes, float32 values exactly
// representable in the float64 references, and spreads that keep normalizations and kinks
// away from their ill-conditioned points. gradcheck.ts re-exports all of it.
import { randInt, uniform } from './random.js';

export interface GradInput {
  shape: number[];
  /** Uniform range of the values (default [-1, 1)). */
  lo?: number;
  hi?: number;
  /** Explicit values (row-major, logical layout); overrides lo/hi. */
  values?: ArrayLike<number>;
  /** Values closer than `margin` to any of these points are redrawn (kinks, clamp bounds). */
  avoid?: number[];
  margin?: number;
  /** Magnitude at least this (sign random): keeps away from 0 for div, log|x|, atan2. */
  minAbs?: number;
  /**
   * How the tensor handed to the op is laid out: a contiguous leaf (default), the transpose
   * of a leaf with the last two dims swapped, or every second element of the last dim of a
   * leaf twice as wide. The gradient is read from the leaf and mapped back.
   */
  layout?: 'contiguous' | 'transposed' | 'strided';
  /** false: a constant input (no gradient checked). */
  grad?: boolean;
  name?: string;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A random shape: one size per [lo, hi] range (inclusive). */
export function rshape(...ranges: [number, number][]): number[] {
  return ranges.map(([lo, hi]) => randInt(lo, hi + 1));
}

/** Draws `input`'s values as float32 (exactly representable in the float64 reference). */
export function drawValues(input: GradInput): Float32Array {
  const n = numel(input.shape);
  if (input.values) {
    if (input.values.length !== n) throw new Error(`gradcheck: ${input.name ?? 'input'} has ${input.values.length} values for shape [${input.shape}]`);
    return Float32Array.from(input.values);
  }
  const lo = input.lo ?? -1, hi = input.hi ?? 1, margin = input.margin ?? 1e-2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let tries = 0; ; tries++) {
      if (tries > 1000) throw new Error('gradcheck: cannot draw a value away from the avoided points');
      let v = Math.fround(uniform(1, lo, hi)[0]);
      if (input.minAbs !== undefined) {
        const m = input.minAbs + (Math.max(Math.abs(lo), Math.abs(hi)) - input.minAbs) * uniform(1, 0, 1)[0];
        v = Math.fround(uniform(1, 0, 1)[0] < 0.5 ? -m : m);
      }
      if (input.avoid && input.avoid.some((p) => Math.abs(v - p) < margin)) continue;
      out[i] = v;
      break;
    }
  }
  return out;
}

/**
 * n values no two of which are within `gap` of each other, in random order: inputs for max,
 * min, maxPool and maximum where ties (and near-ties a finite difference could cross) must
 * not occur. Values are spaced `spacing` apart around 0, jittered by less than spacing - gap.
 */
export function distinctValues(n: number, spacing = 0.1, gap = 0.02): Float32Array {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = randInt(0, i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const jitter = (spacing - gap) / 2;
  return Float32Array.from(order, (k) => (k - (n - 1) / 2) * spacing + uniform(1, -jitter, jitter)[0]);
}

/**
 * Inputs for normalization layers: values in [-2, 2) whose normalized groups all have a
 * standard deviation >= minStd, so |x| / sigma <= 2 / minStd. In float32, x - mean carries
 * an error of ~ulp(|x|), i.e. a relative error of ulp(|x|) / sigma in the normalized values:
 * groups of nearly equal values are ill-conditioned (in PyTorch's float32 kernels alike).
 * `groupOf(i)` names the group of flat element i (a row for layerNorm, a channel for batchNorm).
 */
export function spreadGroups(shape: number[], groupOf: (i: number) => number, minStd = 0.4): Float32Array {
  const n = numel(shape);
  for (let tries = 0; ; tries++) {
    const v = uniform(n, -2, 2);
    const groups = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const g = groupOf(i);
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g)!.push(v[i]);
    }
    const ok = [...groups.values()].every((vals) => {
      const m = vals.reduce((a, b) => a + b, 0) / vals.length;
      return Math.sqrt(vals.reduce((a, b) => a + (b - m) ** 2, 0) / vals.length) >= minStd;
    });
    if (ok || tries > 200) return v;
  }
}

/** spreadGroups for layerNorm over the last k dims of shape. */
export const spreadRows = (shape: number[], k: number): Float32Array => {
  const m = numel(shape.slice(shape.length - k));
  return spreadGroups(shape, (i) => Math.floor(i / m));
};

/** spreadGroups for batchNorm of [N, C, ...] (groups are channels). */
export const spreadChannels = (shape: number[]): Float32Array => {
  const inner = numel(shape.slice(2));
  return spreadGroups(shape, (i) => Math.floor(i / inner) % shape[1]);
};
