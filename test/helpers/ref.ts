// An independent float64 reference: plain JS loops over row-major arrays. Tests compare
// tensorlift's results against these.
export interface Ref {
  data: Float64Array;
  shape: number[];
}

export const numel = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

export function strides(shape: number[]): number[] {
  const st = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1] * shape[i + 1];
  return st;
}

export function ref(data: ArrayLike<number>, shape: number[]): Ref {
  return { data: Float64Array.from(data), shape: [...shape] };
}

/** Multi-index of flat position i in shape. */
export function unravel(i: number, shape: number[]): number[] {
  const idx = new Array(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

export function broadcastShape(a: number[], b: number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1, db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`ref: cannot broadcast ${a} and ${b}`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Value of `r` at the multi-index `idx` of a (broadcast) output shape. */
function at(r: Ref, idx: number[]): number {
  const off = idx.length - r.shape.length;
  let flat = 0;
  for (let d = 0; d < r.shape.length; d++) flat = flat * r.shape[d] + (r.shape[d] === 1 ? 0 : idx[d + off]);
  return r.data[flat];
}

export function map(r: Ref, f: (v: number) => number): Ref {
  return { data: r.data.map(f), shape: r.shape };
}

export function zip(a: Ref, b: Ref, f: (x: number, y: number) => number): Ref {
  const shape = broadcastShape(a.shape, b.shape);
  const out = new Float64Array(numel(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    out[i] = f(at(a, idx), at(b, idx));
  }
  return { data: out, shape };
}

export function zip3(a: Ref, b: Ref, c: Ref, f: (x: number, y: number, z: number) => number): Ref {
  const shape = broadcastShape(broadcastShape(a.shape, b.shape), c.shape);
  const out = new Float64Array(numel(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    out[i] = f(at(a, idx), at(b, idx), at(c, idx));
  }
  return { data: out, shape };
}

/** Reduces dims (all when empty) with f over the values, keeping them as size 1 when keepDim. */
export function reduce(r: Ref, dims: number[], keepDim: boolean, f: (vals: number[]) => number): Ref {
  const nd = r.shape.length;
  const mask = r.shape.map((_, d) => dims.length === 0 || dims.some((x) => (x < 0 ? x + nd : x) === d));
  const kept = r.shape.map((s, d) => (mask[d] ? 1 : s));
  const groups: number[][] = Array.from({ length: numel(kept) }, () => []);
  for (let i = 0; i < r.data.length; i++) {
    const idx = unravel(i, r.shape);
    let o = 0;
    for (let d = 0; d < nd; d++) o = o * kept[d] + (mask[d] ? 0 : idx[d]);
    groups[o].push(r.data[i]);
  }
  const shape = keepDim ? kept : r.shape.filter((_, d) => !mask[d]);
  return { data: Float64Array.from(groups.map(f)), shape };
}

export function permute(r: Ref, dims: number[]): Ref {
  const shape = dims.map((d) => r.shape[d]);
  const st = strides(r.shape);
  const out = new Float64Array(r.data.length);
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    let src = 0;
    for (let k = 0; k < dims.length; k++) src += idx[k] * st[dims[k]];
    out[i] = r.data[src];
  }
  return { data: out, shape };
}

/** Batched matmul with broadcasting of batch dims (both operands at least 2-D). */
export function matmul(a: Ref, b: Ref): Ref {
  const m = a.shape[a.shape.length - 2], k = a.shape[a.shape.length - 1], n = b.shape[b.shape.length - 1];
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, m, n];
  const out = new Float64Array(numel(shape));
  const aBatch = a.shape.slice(0, -2), bBatch = b.shape.slice(0, -2);
  for (let bi = 0; bi < numel(batch); bi++) {
    const idx = unravel(bi, batch);
    const pick = (bs: number[]) => {
      const off = idx.length - bs.length;
      let f = 0;
      for (let d = 0; d < bs.length; d++) f = f * bs[d] + (bs[d] === 1 ? 0 : idx[d + off]);
      return f;
    };
    const ao = pick(aBatch) * m * k, bo = pick(bBatch) * k * n, oo = bi * m * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a.data[ao + i * k + p] * b.data[bo + p * n + j];
        out[oo + i * n + j] = s;
      }
  }
  return { data: out, shape };
}
