// Which GEMM micro-kernel family runs: the best the CPU (and the OS's saved register state)
// supports, unless a test or a benchmark lowers it with set_gemm_isa.
#include <atomic>

#include "gemm.h"
#include "gemm_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#define TL_GEMM_X86 1
#endif

namespace tl::cpu {
namespace {

bool cpu_has(GemmIsa isa) {
  if (isa == GemmIsa::Generic) return true;
#if TL_GEMM_X86 && defined(__GNUC__)
  // __builtin_cpu_supports also checks that the OS saves the ymm/zmm state (XCR0).
  if (isa == GemmIsa::Avx2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (isa == GemmIsa::Avx512)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("fma");
#endif
  return false;
}

GemmIsa best_isa() {
  static const GemmIsa best = cpu_has(GemmIsa::Avx512) ? GemmIsa::Avx512
                              : cpu_has(GemmIsa::Avx2) ? GemmIsa::Avx2
                                                       : GemmIsa::Generic;
  return best;
}

std::atomic<int> g_isa{-1};  // -1: not chosen yet, use best_isa()

}  // namespace

const detail::KernelSet& detail::kernel_set(GemmIsa isa) {
#if TL_GEMM_X86
  if (isa == GemmIsa::Avx512) return detail::avx512_kernel_set();
  if (isa == GemmIsa::Avx2) return detail::avx2_kernel_set();
#endif
  (void)isa;
  return detail::generic_kernel_set();
}

GemmIsa gemm_isa() {
  const int v = g_isa.load(std::memory_order_relaxed);
  return v < 0 ? best_isa() : GemmIsa(v);
}

const char* gemm_isa_name(GemmIsa isa) {
  switch (isa) {
    case GemmIsa::Avx512: return "avx512";
    case GemmIsa::Avx2: return "avx2";
    case GemmIsa::Generic: return "generic";
  }
  return "unknown";
}

bool set_gemm_isa(GemmIsa isa) {
  if (!cpu_has(isa)) return false;
  g_isa.store(int(isa), std::memory_order_relaxed);
  return true;
}

}  // namespace tl::cpu
