// Standalone correctness + speed harness for tl::cpu::sgemm (see README.md).
//   gemm_lab test                       all ISA paths vs a float64 reference, 1 and 2 threads
//   gemm_lab bench [threads] [isa] [shape]   GFLOP/s (TSV: name m n k ta tb threads gflops)
//   gemm_lab duel [threads] [shape|all] [rounds]   same, plus OpenBLAS (dlopen'ed) timed in
//                                       alternation in the same process: ... ours openblas ratio
//   gemm_lab peak                       bare FMA-loop GFLOP/s on 1 and 2 threads (machine check)
#include <dlfcn.h>
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../../native/core/context.h"
#include "../../native/core/parallel.h"
#include "../../native/cpu/gemm.h"

using tl::cpu::GemmIsa;

namespace {

std::mt19937_64 rng(12345);

std::vector<float> random_vec(size_t n) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Storage layouts of an operand with logical shape r x c.
enum Layout { RowMajor = 0, ColMajor = 1, Strided = 2 };

struct Mat {
  std::vector<float> data;
  int64_t rs, cs;
  float at(int64_t i, int64_t j) const { return data[i * rs + j * cs]; }
};

Mat make_mat(int64_t r, int64_t c, Layout l) {
  Mat m;
  if (l == RowMajor) m.rs = c, m.cs = 1;
  else if (l == ColMajor) m.rs = 1, m.cs = r;
  else m.rs = 2, m.cs = 2 * r + 3;  // neither stride is 1
  const int64_t size = r == 0 || c == 0 ? 1 : (r - 1) * m.rs + (c - 1) * m.cs + 1;
  m.data = random_vec(size_t(size));
  return m;
}

// ThreadPool::resize while a freshly started worker has not yet read the pool's generation
// counter can hang in stop() (the worker then waits for a generation change that already
// happened; reported to the lead). Giving the new workers a moment to start avoids it here.
void set_threads(tl::Context& ctx, int n) {
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ctx.pool().resize(n);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

int failures = 0, checks = 0;
constexpr int64_t kGuard = 4096;  // floats after C checked for stray writes
double worst_ratio = 0;  // max observed error / (sum|a||b| * eps), for information

// Runs one product through sgemm (or sgemm_batched with `batch` > 0) and checks all of C,
// including that the padding columns of each row (ldc > n) are untouched.
void check(const char* isa, int64_t m, int64_t n, int64_t k, Layout la, Layout lb, int64_t ldc_pad,
           float alpha, float beta, int batch = 0) {
  const int items = batch > 0 ? batch : 1;
  const int distinct = batch > 1 ? 2 : 1;  // batch > 1: operands alternate between 2 (repeated) pointers
  std::vector<Mat> A, B;
  for (int d = 0; d < distinct; ++d) A.push_back(make_mat(m, k, la)), B.push_back(make_mat(k, n, lb));
  const int64_t ldc = n + ldc_pad;
  std::vector<std::vector<float>> C(items), C0(items);
  for (int t = 0; t < items; ++t) {
    C[t] = random_vec(size_t(m * ldc + kGuard));  // guard zone after the last row
    if (beta == 0.0f)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) C[t][i * ldc + j] = std::numeric_limits<float>::quiet_NaN();
    C0[t] = C[t];
  }
  if (batch == 0) {
    tl::cpu::sgemm(m, n, k, alpha, A[0].data.data(), A[0].rs, A[0].cs, B[0].data.data(), B[0].rs, B[0].cs,
                   beta, C[0].data(), ldc);
  } else {
    std::vector<const float*> ap(items), bp(items);
    std::vector<float*> cp(items);
    for (int t = 0; t < items; ++t) {
      ap[t] = A[t % distinct].data.data();
      bp[t] = B[(t / 2) % distinct].data.data();
      cp[t] = C[t].data();
    }
    tl::cpu::sgemm_batched(items, m, n, k, alpha, ap.data(), A[0].rs, A[0].cs, bp.data(), B[0].rs, B[0].cs,
                           beta, cp.data(), ldc);
  }
  const double eps = std::numeric_limits<float>::epsilon();
  for (int t = 0; t < items; ++t) {
    const Mat& a = A[t % distinct];
    const Mat& b = B[batch ? (t / 2) % distinct : 0];
    int bad = 0;
    for (int64_t i = 0; i < m && bad < 3; ++i) {
      for (int64_t j = 0; j < ldc; ++j) {
        const float got = C[t][i * ldc + j];
        if (j >= n) {  // padding must be untouched
          if (std::memcmp(&got, &C0[t][i * ldc + j], 4) != 0) {
            if (bad++ < 3) std::printf("FAIL %s: padding C[%lld][%lld] written\n", isa, (long long)i, (long long)j);
          }
          continue;
        }
        double ref = 0, mag = 0;
        for (int64_t p = 0; p < k; ++p) {
          const double x = double(a.at(i, p)) * double(b.at(p, j));
          ref += x, mag += std::fabs(x);
        }
        ref *= alpha, mag *= std::fabs(alpha);
        if (beta != 0.0f) ref += double(beta) * C0[t][i * ldc + j], mag += std::fabs(beta * C0[t][i * ldc + j]);
        const double err = std::fabs(double(got) - ref);
        const double tol = (double(k) + 2) * eps * mag + 1e-30;
        if (mag > 0) worst_ratio = std::max(worst_ratio, err / (mag * eps));
        if (!(err <= tol)) {
          if (bad++ < 3)
            std::printf("FAIL %s m=%lld n=%lld k=%lld la=%d lb=%d ldc=%lld alpha=%g beta=%g batch=%d item=%d "
                        "C[%lld][%lld]=%g ref=%g\n",
                        isa, (long long)m, (long long)n, (long long)k, la, lb, (long long)ldc, alpha, beta, batch,
                        t, (long long)i, (long long)j, got, ref);
        }
      }
    }
    for (int64_t x = m * ldc; x < m * ldc + kGuard; ++x)
      if (std::memcmp(&C[t][x], &C0[t][x], 4) != 0) {
        if (bad++ < 3) std::printf("FAIL %s: write past the last row of C (m=%lld n=%lld k=%lld)\n", isa,
                                   (long long)m, (long long)n, (long long)k);
        break;
      }
    ++checks;
    if (bad) ++failures;
  }
}

int run_tests(tl::Context& ctx) {
  const int64_t sizes[] = {1, 2, 3, 7, 15, 16, 17, 31, 33, 64, 100, 127, 128, 129, 257, 300, 513};
  const int ns = int(sizeof(sizes) / sizeof(sizes[0]));
  const GemmIsa isas[] = {GemmIsa::Generic, GemmIsa::Avx2, GemmIsa::Avx512};
  for (GemmIsa isa : isas) {
    if (!tl::cpu::set_gemm_isa(isa)) {
      std::printf("%-8s not supported by this CPU, skipped\n", tl::cpu::gemm_isa_name(isa));
      continue;
    }
    const char* name = tl::cpu::gemm_isa_name(isa);
    const int before_fail = failures, before_checks = checks;
    for (int threads : {1, 2}) {
      set_threads(ctx, threads);
      std::uniform_int_distribution<int> pick(0, ns - 1);
      // Sampled shapes (products of up to 513^3 are checked against an O(mnk) reference, so
      // the largest ones are drawn less often), all 3 x 3 storage layouts in turn.
      for (int s = 0; s < 150; ++s) {
        int64_t m = sizes[pick(rng)], n = sizes[pick(rng)], k = sizes[pick(rng)];
        while (double(m) * n * k > 2.5e7) m = sizes[pick(rng)], n = sizes[pick(rng)], k = sizes[pick(rng)];
        const Layout la = Layout(s % 3), lb = Layout((s / 3) % 3);
        const float alphas[] = {1.0f, 0.75f, -1.5f};
        const float betas[] = {0.0f, 1.0f, 0.5f};
        check(name, m, n, k, la, lb, s % 2 ? 5 : 0, alphas[s % 3], betas[(s / 9) % 3]);
      }
      // Every small size in m, n, k (edge tiles of every ISA), row-major, beta 0 over NaN.
      for (int64_t m : sizes)
        if (m <= 33)
          for (int64_t n : sizes)
            if (n <= 33) check(name, m, n, 17, RowMajor, RowMajor, 3, 1.0f, 0.0f);
      // Larger than one KC / NC block in each dimension, transposed operands.
      check(name, 300, 257, 513, RowMajor, ColMajor, 1, 1.0f, 0.5f);
      check(name, 129, 513, 300, ColMajor, RowMajor, 0, -1.0f, 0.0f);
      check(name, 513, 100, 257, ColMajor, ColMajor, 7, 2.0f, 1.0f);
      check(name, 7, 4500, 3, RowMajor, RowMajor, 0, 1.0f, 0.0f);    // n > NC
      check(name, 17, 5000, 300, RowMajor, ColMajor, 2, 1.0f, 1.0f);  // n > NC, transposed B
      check(name, 2, 33, 1000, RowMajor, RowMajor, 0, 1.0f, 0.0f);    // direct-B path, k > KC
      // k == 0 (C = beta C), alpha == 0, empty m / n.
      for (float beta : {0.0f, 1.0f, 0.5f}) {
        check(name, 17, 33, 0, RowMajor, RowMajor, 2, 1.0f, beta);
        check(name, 5, 7, 9, RowMajor, RowMajor, 0, 0.0f, beta);
      }
      check(name, 0, 33, 17, RowMajor, RowMajor, 0, 1.0f, 0.0f);
      check(name, 17, 0, 17, RowMajor, RowMajor, 0, 1.0f, 0.0f);
      // Batched, operands repeated across items (broadcast batch dims), small and large items.
      check(name, 15, 33, 17, RowMajor, RowMajor, 1, 1.0f, 0.0f, 7);
      check(name, 64, 64, 64, ColMajor, RowMajor, 0, 0.5f, 1.0f, 8);
      check(name, 129, 100, 257, RowMajor, ColMajor, 0, 1.0f, 0.5f, 3);
      check(name, 300, 300, 300, RowMajor, RowMajor, 0, 1.0f, 0.0f, 2);
      check(name, 3, 3, 0, RowMajor, RowMajor, 0, 1.0f, 0.5f, 4);
    }
    std::printf("%-8s %d/%d products correct\n", name, (checks - before_checks) - (failures - before_fail),
                checks - before_checks);
  }
  std::printf("worst error seen: %.2f * eps * sum|alpha a b| (bound used: (k + 2) * eps * sum)\n", worst_ratio);
  std::printf(failures ? "TESTS FAILED: %d of %d\n" : "ALL TESTS PASSED (%d failures, %d products)\n", failures,
              checks);
  return failures ? 1 : 0;
}

// ---------------------------------------------------------------------------------------

struct Shape {
  const char* name;
  int64_t m, n, k;
  bool ta, tb;  // A stored k x m / B stored n x k (row-major), used transposed
};

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::vector<Shape> bench_shapes(const char* only) {
  std::vector<Shape> shapes = {
      {"sq64", 64, 64, 64, false, false},        {"sq128", 128, 128, 128, false, false},
      {"sq256", 256, 256, 256, false, false},    {"sq512", 512, 512, 512, false, false},
      {"sq1024", 1024, 1024, 1024, false, false}, {"sq2048", 2048, 2048, 2048, false, false},
      {"256x256x64", 256, 256, 64, false, false}, {"64x784x256", 64, 784, 256, false, false},
      {"32x4096x4096_tB", 32, 4096, 4096, false, true}, {"4096x256x256", 4096, 256, 256, false, false},
      {"256x256x4096_tA", 256, 256, 4096, true, false},
  };
  if (!only) return shapes;
  // One named shape, or any "MxNxK" with optional "_tA" / "_tB" / "_tAtB".
  std::vector<Shape> pick;
  for (const Shape& s : shapes)
    if (std::strcmp(only, s.name) == 0) pick.push_back(s);
  long long m, n, k;
  if (pick.empty() && std::sscanf(only, "%lldx%lldx%lld", &m, &n, &k) == 3)
    pick.push_back({only, m, n, k, std::strstr(only, "tA") != nullptr, std::strstr(only, "tB") != nullptr});
  return pick;
}

// OpenBLAS loaded at run time (libopenblas0-pthread), so the harness builds without it and
// can time both libraries in one process on the same data, alternating.
struct OpenBlas {
  using Sgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float,
                         float*, int);
  Sgemm sgemm = nullptr;
  void (*set_threads)(int) = nullptr;
  char* (*config)() = nullptr;
  bool load() {
    void* h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!h) return false;
    sgemm = reinterpret_cast<Sgemm>(dlsym(h, "cblas_sgemm"));
    set_threads = reinterpret_cast<void (*)(int)>(dlsym(h, "openblas_set_num_threads"));
    config = reinterpret_cast<char* (*)()>(dlsym(h, "openblas_get_config"));
    return sgemm && set_threads;
  }
};

struct Problem {
  Shape s;
  std::vector<float> A, B, C;
  explicit Problem(const Shape& sh)
      : s(sh), A(random_vec(size_t(sh.m * sh.k))), B(random_vec(size_t(sh.k * sh.n))), C(size_t(sh.m * sh.n), 0.0f) {}
  void ours() {
    const int64_t rs_a = s.ta ? 1 : s.k, cs_a = s.ta ? s.m : 1;
    const int64_t rs_b = s.tb ? 1 : s.n, cs_b = s.tb ? s.k : 1;
    tl::cpu::sgemm(s.m, s.n, s.k, 1.0f, A.data(), rs_a, cs_a, B.data(), rs_b, cs_b, 0.0f, C.data(), s.n);
  }
  void theirs(const OpenBlas& ob) {  // CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112
    ob.sgemm(101, s.ta ? 112 : 111, s.tb ? 112 : 111, int(s.m), int(s.n), int(s.k), 1.0f, A.data(),
             int(s.ta ? s.m : s.k), B.data(), int(s.tb ? s.k : s.n), 0.0f, C.data(), int(s.n));
  }
  double flop() const { return 2.0 * s.m * s.n * s.k; }
};

// Best seconds per call over `trials` trials of ~60 ms each.
template <typename Fn>
double time_best(Fn&& call, int trials) {
  call();
  double t0 = now();
  call();
  const int reps = std::max(1, int(0.06 / std::max(now() - t0, 1e-7)));
  double best = 1e30;
  for (int trial = 0; trial < trials; ++trial) {
    t0 = now();
    for (int r = 0; r < reps; ++r) call();
    best = std::min(best, (now() - t0) / reps);
  }
  return best;
}

void print_row(const Shape& s, int threads, double gflops, const char* extra = "") {
  std::printf("%s\t%lld\t%lld\t%lld\t%d\t%d\t%d\t%.1f%s\n", s.name, (long long)s.m, (long long)s.n, (long long)s.k,
              int(s.ta), int(s.tb), threads, gflops, extra);
  std::fflush(stdout);
}

int run_bench(tl::Context& ctx, int threads, const char* only) {
  set_threads(ctx, threads);
  for (const Shape& s : bench_shapes(only)) {
    Problem pr(s);
    print_row(s, threads, pr.flop() / time_best([&] { pr.ours(); }, 7) * 1e-9);
  }
  return 0;
}

// Peak of a bare AVX-512 FMA loop (24 independent chains), GFLOP/s per thread: tells
// whether the (shared, virtualized) machine currently gives each thread a full core. When
// both vCPUs land on one physical core, 2 threads get ~110 each instead of ~220.
#if defined(__x86_64__)
__attribute__((target("avx512f,fma"))) double fma_peak(double seconds) {
  __m512 acc[24];
  for (int i = 0; i < 24; ++i) acc[i] = _mm512_set1_ps(float(i) * 1e-3f);
  const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  const int64_t chunk = 1 << 20;
  int64_t iters = 0;
  const double t0 = now();
  double t = t0;
  while (t - t0 < seconds) {
    for (int64_t it = 0; it < chunk; ++it)
#pragma GCC unroll 24
      for (int i = 0; i < 24; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
    iters += chunk;
    t = now();
  }
  alignas(64) float lanes[16];
  float sum = 0;
  for (int i = 0; i < 24; ++i) {
    _mm512_store_ps(lanes, acc[i]);
    sum += lanes[0];
  }
  if (sum == 12345.0f) std::printf(" ");  // keep the loop alive
  return 24.0 * 32.0 * double(iters) / (t - t0) * 1e-9;
}
#else
double fma_peak(double) { return 0; }
#endif

int run_peak(tl::Context& ctx) {
  if (!tl::cpu::set_gemm_isa(GemmIsa::Avx512)) return std::printf("peak: no AVX-512\n"), 0;
  set_threads(ctx, 1);
  const double one = fma_peak(0.2);
  set_threads(ctx, 2);
  double two[2] = {0, 0};
  tl::parallel_tasks(2, [&](int64_t t) { two[t] = fma_peak(0.2); });
  // ~220 per thread on an idle machine (Zen 5, 2 vCPUs).
  const bool busy = one < 190 || std::min(two[0], two[1]) < 180;
  std::printf("FMA peak: 1 thread %.0f GFLOP/s; 2 threads %.0f + %.0f GFLOP/s%s\n", one, two[0], two[1],
              busy ? "  (machine busy or cores shared: timings are low)" : "");
  return 0;
}

// Ours vs OpenBLAS in alternating blocks of 3 trials, `rounds` times; the best of each is
// kept, so both see the same (noisy, shared) machine. The 200 ms pause between blocks lets
// OpenBLAS's worker threads stop spinning (they busy-wait ~2^28 cycles after a call) before
// ours run, and ours (200 us) before OpenBLAS runs.
int run_duel(tl::Context& ctx, int threads, const char* only, int rounds) {
  OpenBlas ob;
  if (!ob.load()) return std::fprintf(stderr, "cannot load libopenblas.so.0\n"), 2;
  if (ob.config) std::fprintf(stderr, "peer: %s\n", ob.config());
  set_threads(ctx, threads);
  ob.set_threads(threads);
  auto pause = [] { std::this_thread::sleep_for(std::chrono::milliseconds(200)); };
  for (const Shape& s : bench_shapes(only)) {
    Problem pr(s);
    double ours = 1e30, theirs = 1e30;
    for (int r = 0; r < rounds; ++r) {
      ours = std::min(ours, time_best([&] { pr.ours(); }, 3));
      pause();
      theirs = std::min(theirs, time_best([&] { pr.theirs(ob); }, 3));
      pause();
    }
    char extra[64];
    std::snprintf(extra, sizeof extra, "\t%.1f\t%.2f", pr.flop() / theirs * 1e-9, theirs / ours);
    print_row(s, threads, pr.flop() / ours * 1e-9, extra);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  tl::Context ctx;
  tl::set_current_context(&ctx);
  const std::string mode = argc > 1 ? argv[1] : "test";
  if (mode == "test") return run_tests(ctx);
  if (mode == "peak") return run_peak(ctx);
  if (mode == "bench") {
    const int threads = argc > 2 ? std::atoi(argv[2]) : 1;
    if (argc > 3) {
      const std::string isa = argv[3];
      const GemmIsa want = isa == "avx512" ? GemmIsa::Avx512 : isa == "avx2" ? GemmIsa::Avx2 : GemmIsa::Generic;
      if (!tl::cpu::set_gemm_isa(want)) return std::fprintf(stderr, "isa %s unsupported\n", argv[3]), 2;
    }
    return run_bench(ctx, threads, argc > 4 ? argv[4] : nullptr);
  }
  if (mode == "duel") {
    const int threads = argc > 2 ? std::atoi(argv[2]) : 1;
    const char* only = argc > 3 && std::strcmp(argv[3], "all") != 0 ? argv[3] : nullptr;
    return run_duel(ctx, threads, only, argc > 4 ? std::atoi(argv[4]) : 3);
  }
  std::fprintf(stderr, "usage: gemm_lab test | bench [threads] [avx512|avx2|generic] [shape]\n"
                       "                     | duel [threads] [shape|all] [rounds] | peak\n");
  return 2;
}
