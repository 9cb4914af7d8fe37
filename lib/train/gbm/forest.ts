// Every tree of a model in one set of flat arrays, for predicting: each internal node's
// decision for all 256 bins is one 8-word bitset (numeric "bin <= threshold", where the missing
// bin goes, and categorical code sets alike), so a step is one bit test and one child lookup,
// with no branch on the kind of split. Rows are walked with their bins side by side (row-major),
// so one row's features stay in a cache line while every tree reads them. Per row the trees
// are added in order, so the sums are the very doubles treeValue's tree-by-tree loop gives.
import { MISSING_BIN } from './bins.js';
import type { Tree } from './tree.js';

const WORDS = 8;

export class FlatForest {
  /** Per node: the feature it reads (0 for a leaf, whose step goes back to itself either way). */
  readonly #feature: Int32Array;
  /** Per node: the left child at 2 * node + 1, the right at 2 * node (global node indices). */
  readonly #child: Int32Array;
  /** Per node: 8 words, bit b set when bin b goes left. */
  readonly #left: Uint32Array;
  readonly #value: Float64Array;
  readonly #roots: Int32Array;
  /** Per tree: its depth (leaves point to themselves, so every walk takes exactly this many steps). */
  readonly #depth: Int32Array;

  constructor(trees: readonly Tree[]) {
    const total = trees.reduce((s, t) => s + t.feature.length, 0);
    this.#feature = new Int32Array(total);
    this.#child = new Int32Array(2 * total);
    this.#left = new Uint32Array(WORDS * total);
    this.#value = new Float64Array(total);
    this.#roots = new Int32Array(trees.length);
    this.#depth = new Int32Array(trees.length);
    let base = 0;
    trees.forEach((t, k) => {
      this.#roots[k] = base;
      for (let j = 0; j < t.feature.length; j++) {
        const node = base + j, f = t.feature[j];
        this.#feature[node] = Math.max(0, f);
        this.#value[node] = t.value[j];
        if (f < 0) {
          this.#child[2 * node] = this.#child[2 * node + 1] = node;
          continue;
        }
        this.#child[2 * node + 1] = base + t.left[j];
        this.#child[2 * node] = base + t.right[j];
        const th = t.threshold[j], bits = this.#left.subarray(WORDS * node, WORDS * node + WORDS);
        if (t.missingLeft[j] === 2) bits.set(t.catBits.subarray(th, th + WORDS));
        else for (let b = 0; b < 256; b++) if (b === MISSING_BIN ? t.missingLeft[j] === 1 : b <= th) bits[b >> 5] |= 1 << (b & 31);
      }
      this.#depth[k] = depthOf(t);
      base += t.feature.length;
    });
  }

  /** Adds every tree's leaf value to out[i] for rows 0..n-1 of row-major bins (`features` per row). */
  addTo(out: Float64Array, rowBins: Uint8Array, features: number, n: number): void {
    const feature = this.#feature, child = this.#child, left = this.#left, value = this.#value, roots = this.#roots, depth = this.#depth;
    // Four rows walk each tree together: four independent chains of loads overlap in the CPU,
    // where one row's walk is a chain of dependent loads (node -> bin -> bits -> child).
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const r0 = i * features, r1 = r0 + features, r2 = r1 + features, r3 = r2 + features;
      let s0 = out[i], s1 = out[i + 1], s2 = out[i + 2], s3 = out[i + 3];
      for (let k = 0; k < roots.length; k++) {
        let a = roots[k], b = a, c = a, e = a;
        for (let d = depth[k]; d > 0; d--) {
          const ba = rowBins[r0 + feature[a]], bb = rowBins[r1 + feature[b]], bc = rowBins[r2 + feature[c]], be = rowBins[r3 + feature[e]];
          a = child[2 * a + ((left[a * WORDS + (ba >> 5)] >>> (ba & 31)) & 1)];
          b = child[2 * b + ((left[b * WORDS + (bb >> 5)] >>> (bb & 31)) & 1)];
          c = child[2 * c + ((left[c * WORDS + (bc >> 5)] >>> (bc & 31)) & 1)];
          e = child[2 * e + ((left[e * WORDS + (be >> 5)] >>> (be & 31)) & 1)];
        }
        s0 += value[a];
        s1 += value[b];
        s2 += value[c];
        s3 += value[e];
      }
      out[i] = s0;
      out[i + 1] = s1;
      out[i + 2] = s2;
      out[i + 3] = s3;
    }
    for (let r = i * features; i < n; i++, r += features) {
      let sum = out[i];
      for (let k = 0; k < roots.length; k++) {
        let node = roots[k];
        // A fixed number of steps (a leaf steps to itself): no data-dependent exit to mispredict.
        for (let d = depth[k]; d > 0; d--) {
          const bin = rowBins[r + feature[node]];
          node = child[2 * node + ((left[node * WORDS + (bin >> 5)] >>> (bin & 31)) & 1)];
        }
        sum += value[node];
      }
      out[i] = sum;
    }
  }
}

/** Edges from the root to the deepest leaf. */
function depthOf(t: Tree): number {
  const depth = new Int32Array(t.feature.length);
  let max = 0;
  // Children come after their parent (unpack checks it), so one forward pass sees parents first.
  for (let j = 0; j < t.feature.length; j++) {
    if (t.feature[j] < 0) continue;
    depth[t.left[j]] = depth[t.right[j]] = depth[j] + 1;
    max = Math.max(max, depth[j] + 1);
  }
  return max;
}

/** Column-major bins (one array per feature) as one row-major array. */
export function rowMajorBins(bins: readonly Uint8Array[], n: number): Uint8Array {
  const F = bins.length, out = new Uint8Array(n * F);
  for (let f = 0; f < F; f++) {
    const col = bins[f];
    for (let i = 0; i < n; i++) out[i * F + f] = col[i];
  }
  return out;
}
