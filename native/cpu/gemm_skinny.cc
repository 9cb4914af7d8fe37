// The thin-shape SGEMM paths (gemm_skinny.h): dot products and matrix-vector products over the
// per-ISA kernels of gemm_kernel_*.cc, split over the thread pool when big enough.
#include "gemm_skinny.h"

#include <algorithm>
#include <cstdlib>

#include "../core/parallel.h"

namespace tl::cpu::detail {

// The dot-product path (see DotKernel) for A row-major and B transposed when m and n are too
// small to fill the register tiles and k is long: conv weight gradients such as 6 x 25 x 2352
// (LeNet conv1) ran at 13 GFLOP/s on the tiled path (a 12 x 64 tile for 6 x 25 outputs, plus a
// transposing pack of B for one use). k is cut into chunks so the A rows of a block stay in L1
// and the B rows in L2 while every block of a chunk runs.
bool use_dot(const KernelSet& ks, const Operands& g) {
  if (!ks.kernel_dot || g.cs_a != 1 || g.rs_b != 1 || g.k < 64) return false;
  // Measured against the tiled path, 1 thread, in one process (dot / tiled): 6x25x2352 3.4x,
  // 16x150x6400 1.6x, 64x64x2048 1.07x, 100x100x2048 1.02x, 32x288x4096 0.98x,
  // 128x128x2048 0.80x. TL_GEMM_DOT=0/1 forces a path (tests, tuning).
  if (const char* force = std::getenv("TL_GEMM_DOT")) return force[0] == '1';
  // The tiled path wins once k is short next to the tile it fills: 32 x 256 x 64 ran at 61
  // GFLOP/s here and 133 tiled, 32 x 256 x 256 at 252 and 290. A single column (n == 1) is
  // the dot path's best case: 32 x 1 x 256 2x, 1024 x 1 x 256 3x faster than tiled.
  return g.m * g.n <= 8192 && (g.n < 16 || g.k >= 2 * std::max(g.m, g.n));
}

void gemm_dot(const KernelSet& ks, const Operands& g, int threads) {
  const int64_t DM = ks.dot_mr, DN = ks.dot_nr, mblocks = ceil_div(g.m, DM), nblocks = ceil_div(g.n, DN);
  const int64_t kchunk = std::max<int64_t>(256, std::min<int64_t>(2048, (256 << 10) / (4 * (g.n + DM))) / 16 * 16);
  auto blocks = [&](int64_t lo, int64_t hi) {
    for (int64_t pc = 0; pc < g.k; pc += kchunk) {
      const int64_t kc = std::min(kchunk, g.k - pc);
      const float beta = pc == 0 ? g.beta : 1.0f;
      for (int64_t blk = lo; blk < hi; ++blk) {
        const int64_t i = blk / nblocks * DM, j = blk % nblocks * DN;
        ks.kernel_dot(kc, g.a + i * g.rs_a + pc, g.rs_a, g.b + j * g.cs_b + pc, g.cs_b, g.alpha, g.c + i * g.ldc + j,
                      g.ldc, beta, std::min(DM, g.m - i), std::min(DN, g.n - j));
      }
    }
  };
  if (threads > 1 && mblocks * nblocks > 1)
    parallel_for(0, mblocks * nblocks, 1, blocks);
  else
    blocks(0, mblocks * nblocks);
}

// TL_GEMM_GEMV=0 sends m == 1 to the dot / tiled paths (tests compare the two; tuning).
bool use_gemv() {
  static const bool on = [] {
    const char* v = std::getenv("TL_GEMM_GEMV");
    return !(v && v[0] == '0');
  }();
  return on;
}

// One row of A against B transposed (x @ W^T at batch 1): rows of B split over the threads
// when the product is big enough to pay for waking them (it is memory-bound from there).
void gemm_gemv(const KernelSet& ks, const Operands& g, int threads) {
  auto rows = [&](int64_t lo, int64_t hi) {
    ks.kernel_gemv(hi - lo, g.k, g.a, g.b + lo * g.cs_b, g.cs_b, g.alpha, g.c + lo, g.beta);
  };
  if (threads > 1) parallel_for(0, g.n, 64, rows);
  else rows(0, g.n);
}

// The mirror case, one column of B against row-major A (a Linear layer with one output, such
// as a binary classifier's head): c[i] = dot(A row i, b), the same kernel with A as the matrix.
void gemm_gemv_column(const KernelSet& ks, const Operands& g, int threads) {
  auto rows = [&](int64_t lo, int64_t hi) {
    ks.kernel_gemv(hi - lo, g.k, g.b, g.a + lo * g.rs_a, g.rs_a, g.alpha, g.c + lo, g.beta);
  };
  if (threads > 1) parallel_for(0, g.m, 64, rows);
  else rows(0, g.m);
}

}  // namespace tl::cpu::detail
