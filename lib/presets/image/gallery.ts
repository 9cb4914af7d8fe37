// Visual search: a gallery of unit-length image embeddings (the training images by default, or
// a catalogue the user indexes) searched by cosine similarity, i.e. one matrix product of the
// normalized query embeddings with the gallery. It is a Module holding one buffer so that the
// preset file stores it beside the network's weights with no format of its own.
import { Module, type ModuleConfig, buffer } from '../../nn/module.js';
import { registerModule } from '../../nn/registry.js';
import { tensor, zeros } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';

export interface Neighbour {
  /** Position of the image in the gallery (the training row, or the indexed row). */
  index: number;
  /** Its id, when the gallery was indexed with ids. */
  id?: string;
  /** Its label (training images and labelled catalogues). */
  label?: string;
  /** Cosine similarity of the embeddings, in [-1, 1]. */
  score: number;
}

export class Gallery extends Module {
  vectors: Tensor;

  constructor(readonly size: number, readonly dim: number) {
    super();
    this.vectors = buffer(zeros([size, dim], { device: 'cpu' }));
  }

  forward(x: Tensor): Tensor {
    return x;
  }

  /** A gallery of the rows of `embeddings` [n, dim], each scaled to unit length. */
  static of(embeddings: Float32Array, dim: number): Gallery {
    const n = embeddings.length / dim, g = new Gallery(n, dim);
    g.vectors.dispose();
    g.vectors = buffer(tensor(normalizeRows(embeddings, dim), { shape: [n, dim], device: 'cpu' }));
    return g;
  }

  /** The k most similar gallery images of each query embedding (row-major [q, dim]). */
  search(queries: Float32Array, k: number): { index: number; score: number }[][] {
    const dim = this.dim, q = queries.length / dim, n = this.size;
    const g = this.vectors.dataSync() as Float32Array, unit = normalizeRows(queries, dim);
    const kk = Math.max(0, Math.min(k, n));
    return Array.from({ length: q }, (_, r) => {
      const scores = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < dim; j++) s += unit[r * dim + j] * g[i * dim + j];
        scores[i] = s;
      }
      // Partial selection: keep the best k in a small sorted list (k is small, n large).
      const best: { index: number; score: number }[] = [];
      for (let i = 0; i < n; i++) {
        const s = scores[i];
        if (best.length === kk && (kk === 0 || s <= best[kk - 1].score)) continue;
        let at = best.length;
        while (at > 0 && best[at - 1].score < s) at--;
        best.splice(at, 0, { index: i, score: s });
        if (best.length > kk) best.pop();
      }
      return best;
    });
  }

  override config(): ModuleConfig {
    return { type: 'Gallery', args: [this.size, this.dim] };
  }
}

/** Each row scaled to unit length (a zero row stays zero). */
export function normalizeRows(x: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length / dim; r++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += x[r * dim + j] ** 2;
    const f = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < dim; j++) out[r * dim + j] = x[r * dim + j] * f;
  }
  return out;
}

registerModule('Gallery', Gallery);
