// SGEMM driver: GotoBLAS/BLIS-style blocking around the per-ISA micro-kernels
// (gemm_kernel_*.cc; tile and block sizes live there).
//
//   for each step (jc in n by NC, pc in k by KC):       B block KC x NC, shared by all threads
//     pack B[pc.., jc..] into NR-wide micro-panels      (or read B in place, see direct_b)
//     pool tasks over (row block of <= MC rows) x (range of NR panels):
//       pack A[rows, pc..] * alpha into MR-tall panels  (per thread; or in place, direct_a)
//       for each NR panel of the task                   (KC x NR of B: L1 / L2)
//         for each MR tile of the rows                  (A panels stream from L2)
//           micro-kernel: MR x NR tile of C (+)= A_panel * B_panel
//
// alpha is folded into the packing of A; beta is applied by the kernel on the first KC step
// only (later steps accumulate with beta = 1), and beta == 0 never reads C.
#include "gemm.h"

#include <algorithm>
#include <cstdlib>
#include <new>

#include "../core/parallel.h"
#include "gemm_kernels.h"
#include "gemm_operands.h"
#include "gemm_skinny.h"

#if defined(__x86_64__) || defined(_M_X64)
#define TL_GEMM_X86 1
#include <xmmintrin.h>
#endif

namespace tl::cpu {
namespace {

using detail::KernelSet;
using detail::Operands;
using detail::ceil_div;

int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// ---------------------------------------------------------------------------------------
// Packing buffers: one A and one B buffer per thread, grown on demand and reused, 64-byte
// aligned (full zmm lines). Reuse keeps malloc/page faults out of small products.

struct PackBuffer {
  float* data = nullptr;
  size_t capacity = 0;  // floats
  ~PackBuffer() { std::free(data); }
  float* get(size_t n) {
    if (n > capacity) {
      std::free(data);
      data = nullptr;
      capacity = 0;
      const size_t bytes = size_t(round_up(int64_t(n * sizeof(float)), 4096));
      data = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (!data) throw std::bad_alloc();
      capacity = bytes / sizeof(float);
    }
    return data;
  }
};

thread_local PackBuffer tls_a;
thread_local PackBuffer tls_b;

// ---------------------------------------------------------------------------------------
// Packing. A packed block is a row of micro-panels; panel q holds lines [q*W, q*W + W) of the
// block (rows of A / columns of B) and stores element (line q*W + i, depth p) at
// out[q * W * kc + p * W + i], scaled by `scale`. Lines past `lines` are zero-filled so edge
// tiles can run the full-size kernel.

// One panel whose lines are contiguous along k (ld_p == 1: A row-major, B transposed) or
// generally strided: 4 x 4 SSE transposes over 4 lines at a time, which keeps only 4 input
// streams live (friendly to the hardware prefetcher).
void pack_panel_strided(const float* src, int64_t ld_i, int64_t ld_p, int64_t w, int W, int64_t kc,
                        float scale, float* out) {
  int64_t i = 0;
#if TL_GEMM_X86
  if (ld_p == 1) {
    const __m128 vs = _mm_set1_ps(scale);
    for (; i + 4 <= w; i += 4) {
      const float *s0 = src + i * ld_i, *s1 = s0 + ld_i, *s2 = s1 + ld_i, *s3 = s2 + ld_i;
      float* o = out + i;
      int64_t p = 0;
      for (; p + 4 <= kc; p += 4) {
        // Prefetch the next 4 lines at the same depth, a cache line each: their streams are
        // short (kc floats) and start cold (32x4096x4096 with B transposed: +7 %).
        if (p % 16 == 0 && i + 8 <= w)
          for (int q = 4; q < 8; ++q) _mm_prefetch(reinterpret_cast<const char*>(s0 + q * ld_i + p), _MM_HINT_T0);
        __m128 r0 = _mm_loadu_ps(s0 + p), r1 = _mm_loadu_ps(s1 + p);
        __m128 r2 = _mm_loadu_ps(s2 + p), r3 = _mm_loadu_ps(s3 + p);
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
        _mm_storeu_ps(o + (p + 0) * W, _mm_mul_ps(r0, vs));
        _mm_storeu_ps(o + (p + 1) * W, _mm_mul_ps(r1, vs));
        _mm_storeu_ps(o + (p + 2) * W, _mm_mul_ps(r2, vs));
        _mm_storeu_ps(o + (p + 3) * W, _mm_mul_ps(r3, vs));
      }
      for (; p < kc; ++p)
        for (int q = 0; q < 4; ++q) o[p * W + q] = scale * s0[q * ld_i + p];
    }
  }
#endif
  for (; i < w; ++i) {
    const float* s = src + i * ld_i;
    for (int64_t p = 0; p < kc; ++p) out[p * W + i] = scale * s[p * ld_p];
  }
  if (w < W)
    for (int64_t p = 0; p < kc; ++p)
      for (int64_t q = w; q < W; ++q) out[p * W + q] = 0.0f;
}

// Panels [q0, q1) of a block of `lines` lines.
void pack_block(const float* src, int64_t ld_i, int64_t ld_p, int64_t lines, int W, int64_t kc,
                float scale, float* out, int64_t q0, int64_t q1) {
  if (ld_i != 1) {
    for (int64_t q = q0; q < q1; ++q)
      pack_panel_strided(src + q * W * ld_i, ld_i, ld_p, std::min<int64_t>(W, lines - q * W), W, kc, scale,
                         out + q * W * kc);
    return;
  }
  // Lines contiguous in memory (B row-major, A transposed): walk the source row by row, 8
  // rows at a time across all panels, so reads are long sequential runs. Packing panel by
  // panel instead (kc short reads at a large stride) measured 3.5 cycles/float at n = 1024,
  // where the 4 KB row stride defeats the prefetcher: 8 % of the whole GEMM.
  constexpr int64_t kRows = 8;
#if TL_GEMM_X86
  const __m128 vs = _mm_set1_ps(scale);
#endif
  for (int64_t p0 = 0; p0 < kc; p0 += kRows) {
    const int64_t p1 = std::min(kc, p0 + kRows);
    for (int64_t q = q0; q < q1; ++q) {
      const int64_t w = std::min<int64_t>(W, lines - q * W);
      const float* s = src + q * W;
      float* o = out + q * W * kc;
      for (int64_t p = p0; p < p1; ++p) {
        const float* sp = s + p * ld_p;
        float* op = o + p * W;
        int64_t i = 0;
#if TL_GEMM_X86
        // 4-wide copies (an A panel row is 12 floats: no peeling or scalar tail needed).
        for (; i + 4 <= w; i += 4) _mm_storeu_ps(op + i, _mm_mul_ps(_mm_loadu_ps(sp + i), vs));
#endif
        for (; i < w; ++i) op[i] = scale * sp[i];
        for (; i < W; ++i) op[i] = 0.0f;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------

// C = beta * C (k == 0 or alpha == 0); beta == 0 writes zeros without reading.
void scale_c(const Operands& g, int threads) {
  auto rows = [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      float* ci = g.c + i * g.ldc;
      if (g.beta == 0.0f) {
        for (int64_t j = 0; j < g.n; ++j) ci[j] = 0.0f;
      } else if (g.beta != 1.0f) {
        for (int64_t j = 0; j < g.n; ++j) ci[j] *= g.beta;
      }
    }
  };
  if (threads > 1)
    parallel_for(0, g.m, std::max<int64_t>(1, 65536 / std::max<int64_t>(g.n, 1)), rows);
  else
    rows(0, g.m);
}

// Below this many multiply-adds a product runs on one thread: a pool round trip measured
// 2-3 us here (sq96: 1 and 2 threads equal; sq128: 2 threads 1.3x faster).
constexpr double kMinParallelWork = 1e6;

// Task grid for one step: `mblocks` row blocks x `nsplit` ranges of NR panels.
void task_grid(const KernelSet& ks, int64_t m_tiles, int64_t panels, int threads, int64_t& mblocks,
               int64_t& nsplit) {
  mblocks = ceil_div(m_tiles, ks.mc / ks.mr), nsplit = 1;
  if (threads > 1) {
    if (mblocks >= threads) {
      mblocks = round_up(mblocks, threads);  // equal share per thread
    } else {
      // Few rows: the split with the least work on the busiest task, in micro-tiles, plus
      // ~0.4 tile per MR rows of A packed (duplicated when columns are split). Ties go to
      // splitting rows.
      double best = 1e300;
      for (int64_t mb = std::min<int64_t>(m_tiles, threads); mb >= 1; --mb) {
        const int64_t ns = std::min<int64_t>(panels, ceil_div(threads, mb));
        const double rows = double(ceil_div(m_tiles, mb));
        const double cost = rows * double(ceil_div(panels, ns)) + 0.4 * rows;
        if (cost < best) best = cost, mblocks = mb, nsplit = ns;
      }
    }
  }
  mblocks = std::min(mblocks, m_tiles);
}

// How one product is run (fixed for all its steps).
struct Plan {
  const KernelSet& ks;
  const Operands& g;
  int threads;
  bool direct_a, direct_b;
  float* bpack;  // packed B block (direct_b: only the ragged last panel)
};

// One (jc, pc) step: C[:, jc..jc+nc) (+)= A[:, pc..pc+kc) * B[pc..pc+kc, jc..jc+nc).
void run_step(const Plan& pl, int64_t jc, int64_t nc, int64_t pc, int64_t kc) {
  const KernelSet& ks = pl.ks;
  const Operands& g = pl.g;
  const int64_t MR = ks.mr, NR = ks.nr, m_tiles = ceil_div(g.m, MR), panels = ceil_div(nc, NR);
  const float beta = pc == 0 ? g.beta : 1.0f;
  const float* bsrc = g.b + pc * g.rs_b + jc * g.cs_b;
  float* bpack = pl.bpack;
  // Micro-tiles are dealt out evenly (block sizes differ by at most one tile): with a
  // ragged last block the busier thread idled ~6 % of each step at 2 threads.
  int64_t mblocks, nsplit;
  task_grid(ks, m_tiles, panels, pl.threads, mblocks, nsplit);
  // With a single row block every B panel has one user: it is packed by that task right
  // before use (hot in L1/L2, and no packing phase for the pool to wait on). Only for
  // transposing packs (B columns contiguous), which go panel by panel anyway; row-major B
  // must be packed row-sequentially (above). 32x4096x4096, B transposed, 2 threads: 139 ->
  // 161 GFLOP/s; 128x2048x512: 290 -> 315.
  const bool jit_b = !pl.direct_b && mblocks == 1 && g.cs_b != 1;
  auto pack_b = [&](int64_t lo, int64_t hi) { pack_block(bsrc, g.cs_b, g.rs_b, nc, int(NR), kc, 1.0f, bpack, lo, hi); };
  if (pl.direct_b) {
    if (nc % NR)
      pack_block(bsrc + (panels - 1) * NR, 1, g.rs_b, nc - (panels - 1) * NR, int(NR), kc, 1.0f, bpack, 0, 1);
  } else if (!jit_b) {
    if (pl.threads > 1)
      parallel_for(0, panels, std::max<int64_t>(1, 16384 / (kc * NR)), pack_b);
    else
      pack_b(0, panels);
  }
  auto task = [&](int64_t t) {
    const int64_t blk = t / nsplit, part = t % nsplit;
    const int64_t i0 = m_tiles * blk / mblocks * MR;
    const int64_t mc = std::min(m_tiles * (blk + 1) / mblocks * MR, g.m) - i0;
    const int64_t p0 = panels * part / nsplit, p1 = panels * (part + 1) / nsplit;
    if (mc <= 0 || p0 >= p1) return;
    // A block: full MR-row tiles read in place when direct_a, the rest packed (* alpha).
    const float* asrc = g.a + i0 * g.rs_a + pc * g.cs_a;
    const int64_t in_place = pl.direct_a ? mc / MR * MR : 0;
    float* apack = nullptr;
    if (mc > in_place) {
      apack = tls_a.get(size_t(round_up(mc - in_place, MR) * kc));
      pack_block(asrc + in_place * g.rs_a, g.rs_a, g.cs_a, mc - in_place, int(MR), kc, g.alpha, apack, 0,
                 ceil_div(mc - in_place, MR));
    }
    for (int64_t jp = p0; jp < p1; ++jp) {
      if (jit_b) pack_b(jp, jp + 1);
      const int64_t j = jp * NR, nr = std::min(NR, nc - j);
      const float* bp = bpack + j * kc;
      int64_t ldb = NR;
      if (pl.direct_b) {
        if (nr == NR)
          bp = bsrc + j, ldb = g.rs_b;
        else
          bp = bpack;
      }
      float* cj = g.c + i0 * g.ldc + jc + j;
      int64_t ir = 0;
      for (; ir < in_place; ir += MR)
        ks.kernel_direct_a(kc, asrc + ir * g.rs_a, g.rs_a, bp, ldb, cj + ir * g.ldc, g.ldc, beta, nr);
      for (; ir < mc; ir += MR)
        ks.kernel(kc, apack + (ir - in_place) * kc, bp, ldb, cj + ir * g.ldc, g.ldc, beta, std::min(MR, mc - ir),
                  nr);
    }
  };
  const int64_t tasks = mblocks * nsplit;
  if (pl.threads > 1 && tasks > 1) {
    parallel_tasks(tasks, task);
  } else {
    for (int64_t t = 0; t < tasks; ++t) task(t);
  }
}

void gemm(const KernelSet& ks, const Operands& g, int threads) {
  if (g.m <= 0 || g.n <= 0) return;
  if (g.k <= 0 || g.alpha == 0.0f) return scale_c(g, threads);
  const int64_t MR = ks.mr, NR = ks.nr;
  if (double(g.m) * double(g.n) * double(g.k) < kMinParallelWork) threads = 1;
  if (ks.kernel_gemv && g.cs_a == 1 && g.rs_b == 1 && detail::use_gemv()) {
    if (g.m == 1) return detail::gemm_gemv(ks, g, threads);
    if (g.n == 1 && g.ldc == 1) return detail::gemm_gemv_column(ks, g, threads);
  }
  if (detail::use_dot(ks, g)) return detail::gemm_dot(ks, g, threads);

  // Balanced block sizes: split k and n into equal blocks no larger than KC / NC, so there
  // is no thin last block.
  const int64_t kblocks = ceil_div(g.k, ks.kc);
  const int64_t kc_blk = ceil_div(g.k, kblocks);
  const int64_t nc_blk = round_up(ceil_div(g.n, ceil_div(g.n, ks.nc)), NR);
  const int64_t m_tiles = ceil_div(g.m, MR);

  // B is read in place (no packing) when its rows are contiguous and packing would not pay
  // for itself: few A panels reuse each B panel (m small), or the problem is small enough
  // that B stays in L2 anyway. Never with a row stride that is a multiple of 4 KB: the rows
  // of a micro-panel then map to the same L1/L2 sets and thrash (measured 1024^3: 159 vs 206
  // GFLOP/s packed; 32x4096x4096: 97 vs 107). Small sizes gain 5-15 % (sq128: 194 vs 180).
  const int64_t fs = sizeof(float);
  const bool direct_b = g.cs_b == 1 && (g.rs_b * fs) % 4096 != 0 &&
                        (m_tiles <= 4 || (g.m <= 512 && kc_blk * nc_blk * fs <= (1 << 20)));
  // A is read in place (row-major, alpha == 1, kernel support) when few B panels reuse it
  // (n <= 8 NR): packing A was 20 % of sq64 and 9 % of sq128 (direct: sq64 169 -> 190
  // GFLOP/s, sq256 196 -> 203, 4096x256x256 199 -> 207; neutral at sq512; worse at n = 784).
  const bool direct_a = ks.kernel_direct_a && g.cs_a == 1 && g.alpha == 1.0f && (g.rs_a * fs) % 4096 != 0 &&
                        g.n <= 8 * NR;

  // The (jc, pc) steps in order. One B buffer: packing B for the next step as pool tasks
  // interleaved with this step's compute tasks (a second buffer) was tried and measured no
  // gain at 2 threads (sq1024 / sq2048 / 4096x256x256: within 0.5 %).
  const Plan plan{ks, g, threads, direct_a, direct_b, tls_b.get(size_t((direct_b ? NR : nc_blk) * kc_blk))};
  for (int64_t jc = 0; jc < g.n; jc += nc_blk)
    for (int64_t pc = 0; pc < g.k; pc += kc_blk)
      run_step(plan, jc, std::min(nc_blk, g.n - jc), pc, std::min(kc_blk, g.k - pc));
}

}  // namespace

void sgemm(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t rs_a,
           int64_t cs_a, const float* b, int64_t rs_b, int64_t cs_b, float beta, float* c,
           int64_t ldc) {
  const Operands g{m, n, k, alpha, a, rs_a, cs_a, b, rs_b, cs_b, beta, c, ldc};
  gemm(detail::kernel_set(gemm_isa()), g, num_threads());
}

void sgemm_batched(int64_t batch, int64_t m, int64_t n, int64_t k, float alpha,
                   const float* const* a, int64_t rs_a, int64_t cs_a, const float* const* b,
                   int64_t rs_b, int64_t cs_b, float beta, float* const* c, int64_t ldc) {
  if (batch <= 0 || m <= 0 || n <= 0) return;
  const KernelSet& ks = detail::kernel_set(gemm_isa());
  const int threads = num_threads();
  auto item = [&](int64_t i, int t) {
    gemm(ks, Operands{m, n, k, alpha, a[i], rs_a, cs_a, b[i], rs_b, cs_b, beta, c[i], ldc}, t);
  };
  // Across the batch (each product single-threaded, packing its own operands) when the
  // products are too small to split, or when that balances; otherwise one product at a
  // time over the whole pool: big products split well on their own and share one B block.
  const double work = double(m) * double(n) * double(k);
  const bool across = threads > 1 && batch > 1 && work * double(batch) >= kMinParallelWork &&
                      (work < kMinParallelWork || batch >= 4 * threads ||
                       (work < 256.0 * 256 * 256 && (batch % threads == 0 || batch >= 2 * threads)));
  if (across) {
    parallel_tasks(batch, [&](int64_t i) { item(i, 1); });
  } else {
    for (int64_t i = 0; i < batch; ++i) item(i, threads);
  }
}

}  // namespace tl::cpu
