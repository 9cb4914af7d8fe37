// One regression tree of histogram gradient boosting, grown leaf-wise (best-first, as LightGBM
// and scikit-learn's HistGradientBoosting do): the leaf whose best split gains the most is split
// next, until maxLeaves. A split's gain and a leaf's value are the second-order (Newton) ones
// of the loss: value = -G / (H + l2). Histograms of (gradient, hessian, count) per bin make a
// split search O(bins) per feature; the larger child's histogram is parent minus smaller child.
import { type BinnedData, MISSING_BIN } from './bins.js';

export interface TreeParams {
  maxLeaves: number;
  minSamplesLeaf: number;
  l2: number;
  /** Leaf values are multiplied by it (shrinkage). */
  learningRate: number;
  /** Largest |leaf value| before shrinkage (Poisson steps in log space); Infinity: none. */
  maxDelta: number;
  maxDepth: number;
}

/**
 * A tree as flat arrays (node 0 is the root). Internal nodes: feature >= 0, left/right child.
 * Numeric split: bin <= threshold goes left, missing goes left if missingLeft. Categorical
 * split (missingLeft 2): threshold is the offset of an 8-word bitset in catBits; a set bit sends the code left.
 * Leaves: feature -1, value (float32-exact, so a saved tree predicts the same doubles).
 */
export interface Tree {
  feature: Int32Array;
  threshold: Int32Array;
  missingLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  value: Float32Array;
  catBits: Int32Array;
}

const BINS = 256, WORDS = 8;

interface Split {
  gain: number;
  feature: number;
  threshold: number;
  missingLeft: boolean;
  /** Categorical: the codes going left. */
  codes?: number[];
}

interface Leaf {
  rows: Uint32Array;
  hist: Float64Array;
  g: number;
  h: number;
  depth: number;
  node: number;
  split?: Split;
}

/**
 * Where each feature's slots start in a histogram: binCounts[f] value slots, then one for the
 * missing bin. Compact (most features have a few bins), so the per-split subtraction is cheap.
 */
function layout(data: BinnedData): Int32Array {
  const off = new Int32Array(data.bins.length + 1);
  data.binCounts.forEach((nb, f) => (off[f + 1] = off[f] + (nb + 1) * 3));
  return off;
}

/** The bins row by row ([row][feature]), made once per data set: a histogram pass then reads each row's bins, gradient and hessian once. */
const rowMajorCache = new WeakMap<BinnedData, Uint8Array>();
function rowMajor(data: BinnedData): Uint8Array {
  let rm = rowMajorCache.get(data);
  if (!rm) {
    const F = data.bins.length;
    rm = new Uint8Array(data.n * F);
    data.bins.forEach((b, f) => {
      for (let i = 0; i < data.n; i++) rm![i * F + f] = b[i];
    });
    rowMajorCache.set(data, rm);
  }
  return rm;
}

/** Histogram [feature][slot][g, h, count] of `rows` (slots as layout() places them). */
function histogram(data: BinnedData, off: Int32Array, rows: Uint32Array, g: Float64Array, h: Float64Array): Float64Array {
  const F = data.bins.length, hist = new Float64Array(off[F]), rm = rowMajor(data);
  // The missing bin's slot per feature, and slot bases, as typed arrays for the inner loop.
  const missing = Int32Array.from(data.binCounts);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r], gi = g[i], hi = h[i], row = i * F;
    for (let f = 0; f < F; f++) {
      const v = rm[row + f], k = off[f] + (v === MISSING_BIN ? missing[f] : v) * 3;
      hist[k] += gi;
      hist[k + 1] += hi;
      hist[k + 2] += 1;
    }
  }
  return hist;
}

const score = (g: number, h: number, l2: number) => (g * g) / (h + l2);

/** The best split of a leaf over every feature (gain <= 0: none). */
function bestSplit(data: BinnedData, off: Int32Array, hist: Float64Array, G: number, H: number, n: number, p: TreeParams): Split {
  const parent = score(G, H, p.l2), min = p.minSamplesLeaf;
  let best: Split = { gain: 0, feature: -1, threshold: 0, missingLeft: false };
  const consider = (gain: number, s: () => Split) => {
    if (gain > best.gain + 1e-12 * Math.abs(parent)) best = { ...s(), gain };
  };
  for (let f = 0; f < data.bins.length; f++) {
    const base = off[f], nb = data.binCounts[f];
    if (data.kinds[f] === 'numeric') {
      const mk = base + nb * 3, mg = hist[mk], mh = hist[mk + 1], mc = hist[mk + 2];
      let lg = 0, lh = 0, lc = 0;
      // Bins 0..b left; the missing rows tried on each side. b = nb - 1 (every value left) only
      // makes sense with missing rows on the right: "is it missing?" as a split of its own.
      for (let b = 0; b < nb; b++) {
        const k = base + b * 3;
        lg += hist[k]; lh += hist[k + 1]; lc += hist[k + 2];
        if (b < nb - 1 || mc > 0) {
          if (lc >= min && n - lc >= min) consider(score(lg, lh, p.l2) + score(G - lg, H - lh, p.l2) - parent, () => ({ gain: 0, feature: f, threshold: b, missingLeft: false }));
        }
        if (mc > 0 && b < nb - 1 && lc + mc >= min && n - lc - mc >= min)
          consider(score(lg + mg, lh + mh, p.l2) + score(G - lg - mg, H - lh - mh, p.l2) - parent, () => ({ gain: 0, feature: f, threshold: b, missingLeft: true }));
      }
    } else {
      // Categories ordered by their smoothed mean gradient, then split like an ordered feature
      // (Fisher's grouping, as LightGBM does); the smoothing keeps rare codes from leading.
      const codes: number[] = [];
      for (let b = 0; b < nb; b++) if (hist[base + b * 3 + 2] > 0) codes.push(b);
      if (codes.length < 2) continue;
      const ratio = (b: number) => hist[base + b * 3] / (hist[base + b * 3 + 1] + p.l2 + 10);
      codes.sort((a, b) => ratio(a) - ratio(b) || a - b);
      let lg = 0, lh = 0, lc = 0;
      for (let j = 0; j < codes.length - 1; j++) {
        const k = base + codes[j] * 3;
        lg += hist[k]; lh += hist[k + 1]; lc += hist[k + 2];
        if (lc >= min && n - lc >= min) consider(score(lg, lh, p.l2) + score(G - lg, H - lh, p.l2) - parent, () => ({ gain: 0, feature: f, threshold: 0, missingLeft: false, codes: codes.slice(0, j + 1) }));
      }
    }
  }
  return best;
}

function leafValue(g: number, h: number, p: TreeParams): number {
  const v = -g / (h + p.l2);
  return Math.fround(Math.max(-p.maxDelta, Math.min(p.maxDelta, v)) * p.learningRate);
}

/** Grows one tree on gradients g and hessians h of the training rows `rows`. */
export function growTree(data: BinnedData, rows: Uint32Array, g: Float64Array, h: Float64Array, p: TreeParams): Tree {
  const feature: number[] = [], threshold: number[] = [], missingLeft: number[] = [], left: number[] = [], right: number[] = [], value: number[] = [], catBits: number[] = [];
  const off = layout(data);
  const newNode = () => (feature.push(-1), threshold.push(0), missingLeft.push(0), left.push(-1), right.push(-1), value.push(0), feature.length - 1);
  const makeLeaf = (rs: Uint32Array, hist: Float64Array, depth: number): Leaf => {
    let G = 0, H = 0;
    for (let r = 0; r < rs.length; r++) (G += g[rs[r]]), (H += h[rs[r]]);
    const leaf: Leaf = { rows: rs, hist, g: G, h: H, depth, node: newNode() };
    value[leaf.node] = leafValue(G, H, p);
    if (depth < p.maxDepth && rs.length >= 2 * p.minSamplesLeaf) {
      const s = bestSplit(data, off, hist, G, H, rs.length, p);
      if (s.feature >= 0) leaf.split = s;
    }
    return leaf;
  };
  const open: Leaf[] = [makeLeaf(rows, histogram(data, off, rows, g, h), 0)];
  let leaves = 1;
  while (leaves < p.maxLeaves) {
    let at = -1;
    for (let j = 0; j < open.length; j++) if (open[j].split && (at < 0 || open[j].split!.gain > open[at].split!.gain)) at = j;
    if (at < 0) break;
    const leaf = open.splice(at, 1)[0], s = leaf.split!, b = data.bins[s.feature];
    let goesLeft: (bin: number) => boolean;
    if (s.codes) {
      const set = new Uint8Array(BINS);
      for (const c of s.codes) set[c] = 1;
      goesLeft = (bin) => set[bin] === 1;
      threshold[leaf.node] = catBits.length;
      missingLeft[leaf.node] = 2; // marks a categorical split
      const words = new Array(WORDS).fill(0);
      for (const c of s.codes) words[c >> 5] |= 1 << (c & 31);
      catBits.push(...words);
    } else {
      goesLeft = (bin) => (bin === MISSING_BIN ? s.missingLeft : bin <= s.threshold);
      threshold[leaf.node] = s.threshold;
      missingLeft[leaf.node] = s.missingLeft ? 1 : 0;
    }
    feature[leaf.node] = s.feature;
    const l: number[] = [], r: number[] = [];
    for (let j = 0; j < leaf.rows.length; j++) (goesLeft(b[leaf.rows[j]]) ? l : r).push(leaf.rows[j]);
    const lRows = Uint32Array.from(l), rRows = Uint32Array.from(r);
    // Scan the smaller child; the larger one's histogram is the parent's minus it.
    const smallIsLeft = lRows.length <= rRows.length;
    const small = histogram(data, off, smallIsLeft ? lRows : rRows, g, h), large = leaf.hist;
    for (let k = 0; k < large.length; k++) large[k] -= small[k];
    const lh = smallIsLeft ? small : large, rh = smallIsLeft ? large : small;
    const lLeaf = makeLeaf(lRows, lh, leaf.depth + 1), rLeaf = makeLeaf(rRows, rh, leaf.depth + 1);
    left[leaf.node] = lLeaf.node;
    right[leaf.node] = rLeaf.node;
    open.push(lLeaf, rLeaf);
    leaves++;
  }
  return {
    feature: Int32Array.from(feature), threshold: Int32Array.from(threshold), missingLeft: Uint8Array.from(missingLeft),
    left: Int32Array.from(left), right: Int32Array.from(right), value: Float32Array.from(value), catBits: Int32Array.from(catBits),
  };
}

/** The leaf value tree t gives row i of binned columns `bins`. */
export function treeValue(t: Tree, bins: Uint8Array[], i: number): number {
  let node = 0;
  while (t.feature[node] >= 0) {
    const bin = bins[t.feature[node]][i], th = t.threshold[node];
    const isCat = t.missingLeft[node] === 2;
    const goLeft = isCat ? (t.catBits[th + (bin >> 5)] >>> (bin & 31)) & 1 : bin === MISSING_BIN ? t.missingLeft[node] === 1 : bin <= th;
    node = goLeft ? t.left[node] : t.right[node];
  }
  return t.value[node];
}
