// embedConcat: a tabular network's input row in one native call, with its gradient.
import { record } from '../autograd/record.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor/tensor.js';
import { handleOf, handlesOf, wrap } from './util.js';

/**
 * [numeric [n, w], tables[0][categorical[:, 0]], tables[1][categorical[:, 1]], ...]: the same
 * as cat([numeric, ...embeddings], 1) with one embedding lookup per column, in one call.
 * Gradients flow to numeric and to every table (repeated indices accumulate).
 */
export function embedConcat(numeric: Tensor, categorical: Tensor, tables: Tensor[]): Tensor {
  const out = wrap(native.embedConcat(handleOf(numeric, 'embedConcat', 'numeric'), handleOf(categorical, 'embedConcat', 'categorical'),
    handlesOf(tables, 'embedConcat', 'tables')));
  const w = numeric.dimsInternal[1];
  // Every handle is wrapped, so the backward pass's scope frees the intermediates.
  const columns = (x: Tensor, from: number, to: number) => wrap(native.contiguous(wrap(native.slice(x.handle, 1, from, to, 1)).handle));
  return record('embedConcat', out, [numeric, ...tables], (g) => {
    const grads: (Tensor | null)[] = [numeric.requiresGrad ? columns(g, 0, w) : null];
    let offset = w;
    tables.forEach((t, j) => {
      const d = t.dimsInternal[1];
      if (t.requiresGrad) {
        const index = wrap(native.reshape(columns(categorical, j, j + 1).handle, [-1]));
        grads.push(wrap(native.indexAdd([...t.dimsInternal], 0, index.handle, columns(g, offset, offset + d).handle)));
      } else {
        grads.push(null);
      }
      offset += d;
    });
    return grads;
  }, [categorical]);
}
