// tl.cuda: the device runtime of tensor/device.ts (status, precision, synchronize) plus the
// GPU memory control and the bf16 product that sits beside the ops it measures.
import { native } from '../native.js';
import { cuda as runtime } from '../tensor/device.js';
import type { Tensor } from '../tensor/tensor.js';
import { handleOf, wrap } from './util.js';

export const cuda = {
  ...runtime,
  /**
   * Waits for the GPU, then returns the allocator's unused cached memory to the device and
   * frees the pinned staging blocks kept for reads (like torch.cuda.empty_cache()). Tensors
   * stay valid; a no-op where the GPU was never used.
   */
  emptyCache(): void {
    native.cudaEmptyCache();
  },
  /**
   * a [m, k] @ b [k, n] with bf16 operands and output and fp32 accumulation (how PyTorch
   * multiplies bf16 tensors), returned as float32. Tensors have no bf16 dtype yet: this is the
   * path benchmarks and precision checks use. `reps` > 1 runs the product back to back.
   */
  matmulBf16(a: Tensor, b: Tensor, reps = 1): Tensor {
    return wrap(native.cudaMatmulBf16(handleOf(a, 'cuda.matmulBf16', 'a'), handleOf(b, 'cuda.matmulBf16', 'b'), reps));
  },
};
