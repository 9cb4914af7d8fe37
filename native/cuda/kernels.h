// The CUDA backend as the rest of the native code sees it: runtime services and kernels with
// the same names and signatures as native/cpu (TL_DISPATCH picks cpu::fn or cuda::fn). No
// CUDA types appear here, so g++-compiled files include it; the kernels live in *.cu files.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../core/op_kinds.h"
#include "../core/optim_options.h"
#include "../core/storage.h"
#include "../core/tensor.h"
#include "../cpu/conv.h"
#include "../cpu/pool.h"

namespace tl::cuda {

// ---- runtime (state.cc)
struct Status {
  bool available = false;
  std::string reason;       // why not, when unavailable
  std::string device;       // name of device 0
  int major = 0, minor = 0; // compute capability
  size_t memory = 0;        // bytes on device 0
  std::string cublas;       // the cuBLAS library that was opened
  std::vector<std::string> cublas_tried;  // every cuBLAS candidate and what became of it
};
// Probes the driver, device 0 and cuBLAS once per process.
const Status& status();
// The device allocator of the current environment (stream-ordered, pooled); TypeError when
// CUDA is unavailable.
std::shared_ptr<Allocator> allocator(const char* op);
int64_t live_bytes();
// 0 = fp32 ('highest'), 1 = TF32 tensor cores ('high'), 2 = bf16 tensor cores ('medium').
void set_matmul_precision(int level);
int matmul_precision();
// Waits for the environment's stream (reading results back, timing), then raises what the
// device-side argument checks found since the last synchronization.
void synchronize(const char* op);
// Waits for the GPU, returns the allocator pool's unused memory to the device and frees the
// cached pinned staging blocks; a no-op where this environment never used the GPU.
void empty_cache();

// ---- transfers (transfer.cc)
Tensor to_device(const Tensor& host);  // contiguous copy on the GPU
Tensor to_host(const Tensor& dev);     // contiguous copy in host memory (waits for the GPU)
// Asynchronous read for `await t.data()`: begin on the JS thread, wait on a worker thread.
struct PendingRead;
PendingRead* begin_read(const Tensor& dev);
void finish_read(PendingRead* r, void* dst);  // blocks until the copy is done, then copies out
void release_read(PendingRead* r);

// ---- kernels (*.cu): the families of native/cpu, declared once for both backends
using cpu::Conv2dGeometry;
using cpu::Pool2dGeometry;
#include "../core/kernels/elementwise.inc"
#include "../core/kernels/reduce.inc"
#include "../core/kernels/index.inc"
#include "../core/kernels/random.inc"
#include "../core/kernels/matmul.inc"
#include "../core/kernels/conv.inc"
#include "../core/kernels/pool.inc"
#include "../core/kernels/norm.inc"
#include "../core/kernels/loss.inc"
#include "../core/kernels/optim.inc"

// Only on the GPU:
// a [m, k] @ b [k, n] with bf16 operands and output (fp32 accumulation), as PyTorch multiplies
// bf16 tensors; `reps` back-to-back products for timing. The float32 tensors are converted to
// bf16 once, and the bf16 product converted back to float32 into out [m, n].
void matmul_bf16(const Tensor& a, const Tensor& b, int64_t reps, const Tensor& out);

}  // namespace tl::cuda
