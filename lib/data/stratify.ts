// Seeded splits of row indices that keep every class's share: a holdout and K folds. Labels
// are class ids (0/1 for a binary target, 0..C-1 for more classes); rows of each class are
// shuffled on their own and dealt out, classes taken in ascending order, so a given seed
// always gives the same split.

/** Row indices of each class id, the ids in ascending order. */
function byClass(labels: ArrayLike<number>): number[][] {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const c = Math.round(labels[i]);
    let g = groups.get(c);
    if (!g) groups.set(c, (g = []));
    g.push(i);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, g]) => g);
}

function shuffle(group: number[], random: () => number): void {
  for (let i = group.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [group[i], group[j]] = [group[j], group[i]];
  }
}

/** A seeded holdout: `fraction` of each class's rows to validation, the rest to train (both sorted). */
export function stratifiedSplit(labels: ArrayLike<number>, fraction: number, random: () => number): { train: number[]; validation: number[] } {
  const train: number[] = [], validation: number[] = [];
  for (const group of byClass(labels)) {
    shuffle(group, random);
    const cut = Math.round(group.length * fraction);
    validation.push(...group.slice(0, cut));
    train.push(...group.slice(cut));
  }
  return { train: train.sort((a, b) => a - b), validation: validation.sort((a, b) => a - b) };
}

/** Seeded stratified K-fold assignment: fold[i] in [0, k) for every row, each class spread evenly. */
export function stratifiedFolds(labels: ArrayLike<number>, k: number, random: () => number): Int32Array {
  const fold = new Int32Array(labels.length);
  for (const group of byClass(labels)) {
    shuffle(group, random);
    group.forEach((row, n) => (fold[row] = n % k));
  }
  return fold;
}
