// Calibration of the text presets' logits: softmax with a temperature, the mean log loss, and
// the temperature minimizing it (Guo et al. 2017), found by golden-section search on log T.
/** Softmax of logits / T, row-major [n, c]. */
export function softmaxRows(logits: ArrayLike<number>, c: number, temperature = 1): Float32Array {
  const n = logits.length / c, out = new Float32Array(logits.length);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let j = 0; j < c; j++) m = Math.max(m, logits[i * c + j] / temperature);
    let z = 0;
    for (let j = 0; j < c; j++) z += out[i * c + j] = Math.exp(logits[i * c + j] / temperature - m);
    for (let j = 0; j < c; j++) out[i * c + j] /= z;
  }
  return out;
}

export function nll(logits: ArrayLike<number>, labels: number[], c: number, t: number): number {
  const p = softmaxRows(logits, c, t);
  let s = 0;
  labels.forEach((y, i) => (s -= Math.log(Math.max(p[i * c + y], 1e-12))));
  return s / labels.length;
}

/** The temperature in [0.05, 20] minimizing the log loss of `logits` (golden-section search on log T). */
export function fitTemperature(logits: ArrayLike<number>, labels: number[], c: number): number {
  if (!labels.length) return 1;
  let lo = Math.log(0.05), hi = Math.log(20);
  const g = (Math.sqrt(5) - 1) / 2;
  let a = hi - g * (hi - lo), b = lo + g * (hi - lo), fa = nll(logits, labels, c, Math.exp(a)), fb = nll(logits, labels, c, Math.exp(b));
  for (let k = 0; k < 60; k++) {
    if (fa < fb) (hi = b), (b = a), (fb = fa), (a = hi - g * (hi - lo)), (fa = nll(logits, labels, c, Math.exp(a)));
    else (lo = a), (a = b), (fa = fb), (b = lo + g * (hi - lo)), (fb = nll(logits, labels, c, Math.exp(b)));
  }
  return Math.exp((lo + hi) / 2);
}
