// Runtime entry points: threads, memory accounting, build and device information.
#include <malloc.h>

#include "../core/error.h"
#include "../cpu/gemm.h"
#ifdef TL_WITH_CUDA
#include "../cuda/kernels.h"
#endif
#include "addon_data.h"
#include "args.h"
#include "bindings.h"
#include "guard.h"
#include "tensor_handle.h"

namespace tl::binding {

namespace {

Napi::Value set_num_threads(const Napi::CallbackInfo& info) {
  Args a(info, "setNumThreads");
  const int64_t n = a.integer(0, "n");
  if (n < 1 || n > 1024) range_error("setNumThreads: n must be between 1 and 1024, got ", n);
  addon_data(info.Env()).ctx.pool().resize(int(n));
  return info.Env().Undefined();
}

Napi::Value num_threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), addon_data(info.Env()).ctx.pool().num_threads());
}

// memory() -> { tensors, cpuBytes, cudaBytes }
Napi::Value memory(const Napi::CallbackInfo& info) {
  AddonData& d = addon_data(info.Env());
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("tensors", double(d.stats->live_handles));
  o.Set("cpuBytes", double(d.ctx.cpu_bytes()));
#ifdef TL_WITH_CUDA
  o.Set("cudaBytes", double(cuda::live_bytes()));
#else
  o.Set("cudaBytes", 0.0);
#endif
  return o;
}

// nativeHeap() -> { cpuLiveBytes, cpuCachedBytes, mallocInUseBytes, mallocArenaBytes }
// Diagnostics for leak tests: RSS alone cannot tell tensors kept alive, blocks parked in the
// allocator's cache, untracked native allocations and a grown V8 heap apart.
Napi::Value native_heap(const Napi::CallbackInfo& info) {
  AddonData& d = addon_data(info.Env());
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("cpuLiveBytes", double(d.ctx.cpu_bytes()));
  o.Set("cpuCachedBytes", double(d.ctx.cpu_allocator().cached_bytes()));
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  const struct mallinfo2 mi = mallinfo2();
  o.Set("mallocInUseBytes", double(mi.uordblks + mi.hblkhd));
  o.Set("mallocArenaBytes", double(mi.arena));
#endif
  return o;
}

// emptyCache(): returns the CPU allocator's cached free blocks to the system allocator
Napi::Value empty_cache(const Napi::CallbackInfo& info) {
  addon_data(info.Env()).ctx.cpu_allocator().release_cache();
  return info.Env().Undefined();
}

// cudaStatus() -> { available, reason, built, device?, computeCapability?, memoryBytes?, cublas? }
Napi::Value cuda_status(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
#ifdef TL_WITH_CUDA
  const cuda::Status& s = cuda::status();
  o.Set("built", true);
  o.Set("available", s.available);
  o.Set("reason", s.available ? std::string() : s.reason);
  if (!s.device.empty()) {
    o.Set("device", s.device);
    o.Set("computeCapability", std::to_string(s.major) + "." + std::to_string(s.minor));
    o.Set("memoryBytes", double(s.memory));
  }
  if (!s.cublas.empty()) o.Set("cublas", s.cublas);
  if (!s.cublas_tried.empty()) {
    Napi::Array tried = Napi::Array::New(info.Env(), s.cublas_tried.size());
    for (size_t i = 0; i < s.cublas_tried.size(); ++i) tried.Set(uint32_t(i), s.cublas_tried[i]);
    o.Set("cublasTried", tried);
  }
#else
  o.Set("built", false);
  o.Set("available", false);
  o.Set("reason", "this build of tensorlift has no CUDA backend (built without nvcc, or with TENSORLIFT_CUDA=0)");
#endif
  return o;
}

// setMatmulPrecision('highest' | 'high' | 'medium'): fp32, TF32 or bf16 tensor cores on the GPU
Napi::Value set_matmul_precision(const Napi::CallbackInfo& info) {
  Args a(info, "setMatmulPrecision");
  const std::string p = a.string(0, "precision");
  const int level = p == "highest" ? 0 : p == "high" ? 1 : p == "medium" ? 2 : -1;
  if (level < 0) type_error("setMatmulPrecision: expected 'highest', 'high' or 'medium', got '", p, "'");
#ifdef TL_WITH_CUDA
  cuda::set_matmul_precision(level);
#else
  type_error("setMatmulPrecision: device 'cuda' is not available: this build of tensorlift has no CUDA backend");
#endif
  return info.Env().Undefined();
}

// cudaSynchronize(): waits for queued GPU work (for timing)
Napi::Value cuda_synchronize(const Napi::CallbackInfo& info) {
#ifdef TL_WITH_CUDA
  cuda::synchronize("cudaSynchronize");
#else
  type_error("cudaSynchronize: device 'cuda' is not available: this build of tensorlift has no CUDA backend");
#endif
  return info.Env().Undefined();
}

// cudaEmptyCache(): returns unused pooled GPU memory and cached pinned blocks (no-op without a GPU)
Napi::Value cuda_empty_cache(const Napi::CallbackInfo& info) {
#ifdef TL_WITH_CUDA
  cuda::empty_cache();
#endif
  return info.Env().Undefined();
}

// cudaMatmulBf16(a, b, reps?): a [m, k] @ b [k, n] through cuBLAS with bf16 operands and output,
// `reps` times back to back (benchmarks: tensors have no bf16 dtype), the last product as float32
Napi::Value cuda_matmul_bf16(const Napi::CallbackInfo& info) {
  Args a(info, "cudaMatmulBf16");
  const Tensor& x = a.tensor(0, "a");
  const Tensor& y = a.tensor(1, "b");
  const int64_t reps = a.missing(2) ? 1 : a.integer(2, "reps");
  if (reps < 1 || reps > 100000) range_error("cudaMatmulBf16: reps must be between 1 and 100000, got ", reps);
  if (x.device() != Device::CUDA || y.device() != Device::CUDA)
    type_error("cudaMatmulBf16: expected both tensors on 'cuda'");
  if (x.dtype() != DType::Float32 || y.dtype() != DType::Float32) type_error("cudaMatmulBf16: expected float32 tensors");
  if (x.dim() != 2 || y.dim() != 2 || x.size(1) != y.size(0))
    range_error("cudaMatmulBf16: expected [m, k] and [k, n], got ", shape_str(x.shape()), " and ", shape_str(y.shape()));
#ifdef TL_WITH_CUDA
  Tensor out = Tensor::empty({x.size(0), y.size(1)}, DType::Float32, Device::CUDA, "cudaMatmulBf16");
  cuda::matmul_bf16(x, y, reps, out);
  return wrap_tensor(info.Env(), out);
#else
  type_error("cudaMatmulBf16: this build of tensorlift has no CUDA backend");
#endif
}

Napi::Value gemm_isa(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), cpu::gemm_isa_name(cpu::gemm_isa()));
}

// setGemmIsa('avx512' | 'avx2' | 'generic') -> whether the CPU supports it (for tests)
Napi::Value set_gemm_isa(const Napi::CallbackInfo& info) {
  Args a(info, "setGemmIsa");
  const std::string name = a.string(0, "isa");
  for (cpu::GemmIsa isa : {cpu::GemmIsa::Generic, cpu::GemmIsa::Avx2, cpu::GemmIsa::Avx512})
    if (name == cpu::gemm_isa_name(isa)) return Napi::Boolean::New(info.Env(), cpu::set_gemm_isa(isa));
  type_error("setGemmIsa: unknown ISA '", name, "' (expected 'avx512', 'avx2' or 'generic')");
}

}  // namespace

void register_runtime(Napi::Env env, Napi::Object exports) {
  export_fn<set_num_threads>(env, exports, "setNumThreads");
  export_fn<num_threads>(env, exports, "numThreads");
  export_fn<memory>(env, exports, "memory");
  export_fn<native_heap>(env, exports, "nativeHeap");
  export_fn<empty_cache>(env, exports, "emptyCache");
  export_fn<cuda_status>(env, exports, "cudaStatus");
  export_fn<set_matmul_precision>(env, exports, "setMatmulPrecision");
  export_fn<cuda_synchronize>(env, exports, "cudaSynchronize");
  export_fn<cuda_empty_cache>(env, exports, "cudaEmptyCache");
  export_fn<cuda_matmul_bf16>(env, exports, "cudaMatmulBf16");
  export_fn<gemm_isa>(env, exports, "gemmIsa");
  export_fn<set_gemm_isa>(env, exports, "setGemmIsa");
}

}  // namespace tl::binding
