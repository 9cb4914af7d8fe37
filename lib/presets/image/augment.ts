// Training-time augmentation and normalization of image batches, on the raw pixel block:
//   - random crops of an edge-padded image (a shift of up to `shift` pixels each way, the
//     border repeated rather than zero-filled, so photos and drawings alike keep their edges);
//   - horizontal flips, only where they keep the label (see flipsKeepLabels);
//   - per-channel standardization with statistics fitted on the training images.
export interface Normalization {
  mean: number[];
  std: number[];
}

/** Per-channel mean and standard deviation of n images of shape [c, h, w]. */
export function fitNormalization(pixels: Float32Array, n: number, shape: [number, number, number]): Normalization {
  const [c, h, w] = shape, plane = h * w;
  const mean: number[] = [], std: number[] = [];
  for (let k = 0; k < c; k++) {
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) {
      const base = (i * c + k) * plane;
      for (let p = 0; p < plane; p++) {
        const v = pixels[base + p];
        s += v;
        s2 += v * v;
      }
    }
    const m = s / (n * plane);
    mean.push(m);
    // A constant channel (a blank set) must not divide by zero.
    std.push(Math.sqrt(Math.max(s2 / (n * plane) - m * m, 0)) || 1);
  }
  return { mean, std };
}

export interface AugmentOptions {
  /** Largest shift in pixels (0: none). */
  shift: number;
  flip: boolean;
}

/**
 * Copies images `index` of `pixels` into a normalized batch, each randomly shifted and
 * flipped when `aug` is given (random() draws in [0, 1)).
 */
export function makeBatch(pixels: Float32Array, shape: [number, number, number], index: ArrayLike<number>, norm: Normalization,
  aug?: AugmentOptions, random: () => number = Math.random): Float32Array {
  const [c, h, w] = shape, plane = h * w, size = c * plane;
  const out = new Float32Array(index.length * size);
  const scale = norm.std.map((s) => 1 / s);
  for (let b = 0; b < index.length; b++) {
    const src = index[b] * size, dst = b * size;
    const dy = aug && aug.shift ? Math.floor(random() * (2 * aug.shift + 1)) - aug.shift : 0;
    const dx = aug && aug.shift ? Math.floor(random() * (2 * aug.shift + 1)) - aug.shift : 0;
    const flip = !!aug?.flip && random() < 0.5;
    for (let k = 0; k < c; k++) {
      const m = norm.mean[k], s = scale[k];
      for (let y = 0; y < h; y++) {
        const sy = Math.min(h - 1, Math.max(0, y + dy));
        const row = src + k * plane + sy * w, orow = dst + k * plane + y * w;
        for (let x = 0; x < w; x++) {
          const fx = flip ? w - 1 - x : x;
          const sx = Math.min(w - 1, Math.max(0, fx + dx));
          out[orow + x] = (pixels[row + sx] - m) * s;
        }
      }
    }
  }
  return out;
}

/**
 * Whether mirrored images keep their labels, judged on the data: a nearest-class-mean
 * classifier fitted on the images must recognise the mirrored ones almost as well as the
 * originals. Clothes and products pass; digits and letters (a mirrored 3 is no 3) fail.
 */
export function flipsKeepLabels(pixels: Float32Array, shape: [number, number, number], labels: Int32Array, classes: number): boolean {
  const [c, h, w] = shape, size = c * h * w, n = labels.length;
  const step = Math.max(1, Math.floor(n / 3000));
  const means = new Float64Array(classes * size), counts = new Float64Array(classes);
  for (let i = 0; i < n; i += step) {
    counts[labels[i]]++;
    for (let j = 0; j < size; j++) means[labels[i] * size + j] += pixels[i * size + j];
  }
  for (let k = 0; k < classes; k++) for (let j = 0; j < size; j++) means[k * size + j] /= Math.max(1, counts[k]);
  let plain = 0, mirrored = 0, seen = 0;
  const nearest = (i: number, flip: boolean) => {
    let best = 0, bestD = Infinity;
    for (let k = 0; k < classes; k++) {
      let d = 0;
      for (let ch = 0; ch < c; ch++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            const j = (ch * h + y) * w + x, src = (ch * h + y) * w + (flip ? w - 1 - x : x);
            const e = pixels[i * size + src] - means[k * size + j];
            d += e * e;
          }
      if (d < bestD) [best, bestD] = [k, d];
    }
    return best;
  };
  for (let i = 0; i < n; i += step) {
    seen++;
    if (nearest(i, false) === labels[i]) plain++;
    if (nearest(i, true) === labels[i]) mirrored++;
  }
  // Mirroring a label-preserving set costs the class means a few points at most.
  return seen > 0 && mirrored >= 0.9 * plain;
}
