#include "tensor_read.h"

#include <cstring>
#include <string>

#include "../core/error.h"
#include "../core/ops.h"
#include "../cpu/elementwise.h"
#ifdef TL_WITH_CUDA
#include "../cuda/kernels.h"
#endif
#include "addon_data.h"

namespace tl::binding {

namespace {

// Reads below this size are copied on the JS thread: a thread hop costs more than the copy.
constexpr size_t kAsyncReadBytes = 256 * 1024;
// From this size a read lands in a block of the host-buffer pool rather than in memory V8
// allocates: a fresh multi-MB ArrayBuffer is mmap'ed and every page faults in (and is
// zeroed) while we copy, which capped reads near 2 GB/s; pooled blocks are already mapped.
constexpr size_t kPooledReadBytes = 64 * 1024;
// Pooled blocks come back only when V8 collects their ArrayBuffer and the finalizer runs on
// the event loop, which a synchronous loop never reaches. Past this many bytes handed out
// and not yet returned, reads fall back to plain ArrayBuffers, so such a loop cannot grow
// memory without bound.
constexpr int64_t kPooledOutstandingLimit = int64_t(256) << 20;

struct HostBlock {
  std::shared_ptr<HandleStats> stats;
  size_t bytes;
};

void free_host_block(napi_env env, void* data, void* hint) {
  auto* block = static_cast<HostBlock*>(hint);
  block->stats->host_buffers->deallocate(data, block->bytes);
  sync_external_memory(env, *block->stats);
  delete block;
}

// A destination ArrayBuffer of `bytes` (see kPooledReadBytes).
Napi::ArrayBuffer new_host_buffer(Napi::Env env, size_t bytes) {
  HandleStats& stats = *addon_data(env).stats;
  if (bytes < kPooledReadBytes || stats.host_buffers->live_bytes() + int64_t(bytes) > kPooledOutstandingLimit)
    return Napi::ArrayBuffer::New(env, bytes);
  void* p = stats.host_buffers->allocate(bytes, "data");
  auto* block = new HostBlock{addon_data(env).stats, bytes};
  napi_value result = nullptr;
  if (napi_create_external_arraybuffer(env, p, bytes, free_host_block, block, &result) != napi_ok) {
    stats.host_buffers->deallocate(p, bytes);
    delete block;
    // Runtimes that refuse external buffers (a V8 sandbox) get ordinary ones.
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) throw Napi::Error::New(env);
    return Napi::ArrayBuffer::New(env, bytes);
  }
  sync_external_memory(env, stats);
  return Napi::ArrayBuffer(env, result);
}

Napi::Value typed_array(Napi::Env env, DType dtype, size_t n, Napi::ArrayBuffer buf, size_t byte_offset) {
  if (dtype == DType::Int32) return Napi::Int32Array::New(env, n, buf, byte_offset);
  return Napi::Float32Array::New(env, n, buf, byte_offset);
}

// The caller's `into` array, checked against t, or an empty value when none was given.
Napi::TypedArray check_into(const Tensor& t, Napi::Value into, const char* op) {
  if (into.IsUndefined() || into.IsNull()) return Napi::TypedArray();
  const napi_typedarray_type want = t.dtype() == DType::Int32 ? napi_int32_array : napi_float32_array;
  if (!into.IsTypedArray() || into.As<Napi::TypedArray>().TypedArrayType() != want)
    type_error(op, ": expected `into` to be an ", t.dtype() == DType::Int32 ? "Int32Array" : "Float32Array",
               " (the tensor's dtype is ", dtype_name(t.dtype()), ")");
  Napi::TypedArray ta = into.As<Napi::TypedArray>();
  if (ta.ElementLength() != size_t(t.numel()))
    range_error(op, ": `into` holds ", ta.ElementLength(), " values, the tensor has ", t.numel());
  return ta;
}

void* typed_array_data(Napi::TypedArray ta) {
  return static_cast<char*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
}

// Copies a CPU tensor into dst: contiguous ones with a parallel memcpy, views packed.
void copy_out(const Tensor& src, void* dst) {
  if (src.numel() == 0) return;
  if (src.is_contiguous()) cpu::copy_bytes(dst, src.raw_data(), src.nbytes());
  else cpu::copy_to_buffer(src, dst);
}

// ---- asynchronous reads: raw napi async work, so nothing can throw across N-API from the
// completion callback while a worker is being terminated.

class CpuPendingRead final : public PendingRead {
 public:
  CpuPendingRead(Tensor src, void* dst) : src_(std::move(src)), dst_(dst) {}
  void copy() override { copy_out(src_, dst_); }  // on a libuv thread: the pool is not used there
  const std::shared_ptr<Storage>& storage() const { return src_.storage(); }

 private:
  Tensor src_;
  void* dst_;
};

struct ReadJob {
  napi_async_work work = nullptr;
  napi_deferred deferred = nullptr;
  napi_ref buffer = nullptr;  // the destination ArrayBuffer (or `into`), alive until resolved
  DType dtype = DType::Float32;
  size_t count = 0;
  size_t byte_offset = 0;
  bool resolve_into = false;  // resolve with the caller's own array (kept in `into_ref`)
  napi_ref into_ref = nullptr;
  std::shared_ptr<CpuPendingRead> cpu;
  std::shared_ptr<Storage> storage;  // of `cpu`'s source, to unregister it
#ifdef TL_WITH_CUDA
  cuda::PendingRead* gpu = nullptr;
  void* gpu_dst = nullptr;
#endif
  std::string error;

  ~ReadJob() {
    // A job torn down before it ran still has its read registered: run it (the destination
    // is still referenced) so the storage forgets it and the cycle storage <-> read ends.
    if (cpu) storage->run_pending_read(cpu.get());
#ifdef TL_WITH_CUDA
    if (gpu) cuda::release_read(gpu);
#endif
  }
};

void execute_read(napi_env, void* data) {
  auto* job = static_cast<ReadJob*>(data);
  try {
    if (job->cpu) job->storage->run_pending_read(job->cpu.get());
#ifdef TL_WITH_CUDA
    if (job->gpu) cuda::finish_read(job->gpu, job->gpu_dst);  // waits for the stream, not the event loop
#endif
  } catch (const std::exception& e) {
    job->error = e.what();
  } catch (...) {
    job->error = "data: unknown internal error";
  }
}

// Runs on the JS thread, also during environment teardown, when N-API calls may fail: every
// status is checked and nothing throws.
void complete_read(napi_env env, napi_status status, void* data) {
  auto* job = static_cast<ReadJob*>(data);
  napi_handle_scope scope = nullptr;
  const bool scoped = napi_open_handle_scope(env, &scope) == napi_ok;
  if (status == napi_ok) {
    napi_value buffer = nullptr, value = nullptr;
    if (job->error.empty()) {
      if (job->resolve_into) {
        if (napi_get_reference_value(env, job->into_ref, &value) != napi_ok) value = nullptr;
      } else if (napi_get_reference_value(env, job->buffer, &buffer) == napi_ok && buffer) {
        napi_create_typedarray(env, job->dtype == DType::Int32 ? napi_int32_array : napi_float32_array, job->count,
                               buffer, job->byte_offset, &value);
      }
      if (value) napi_resolve_deferred(env, job->deferred, value);
    } else {
      napi_value msg = nullptr, err = nullptr;
      if (napi_create_string_utf8(env, job->error.c_str(), job->error.size(), &msg) == napi_ok &&
          napi_create_error(env, nullptr, msg, &err) == napi_ok)
        napi_reject_deferred(env, job->deferred, err);
    }
  }
  if (job->buffer) napi_delete_reference(env, job->buffer);
  if (job->into_ref) napi_delete_reference(env, job->into_ref);
  napi_delete_async_work(env, job->work);
  delete job;
  if (scoped) napi_close_handle_scope(env, scope);
}

}  // namespace

Napi::Value read_sync(Napi::Env env, const Tensor& t, Napi::Value into) {
  Napi::TypedArray target = check_into(t, into, "dataSync");
  if (!target.IsEmpty()) {
    if (t.device() == Device::CPU) copy_out(t, typed_array_data(target));
    else ops::read_into(t, typed_array_data(target));
    return target;
  }
  Napi::ArrayBuffer buf = new_host_buffer(env, t.nbytes());
  if (t.device() == Device::CPU) copy_out(t, buf.Data());
  else ops::read_into(t, buf.Data());
  return typed_array(env, t.dtype(), size_t(t.numel()), buf, 0);
}

Napi::Value read_async(Napi::Env env, const Tensor& t, Napi::Value into) {
  Napi::TypedArray target = check_into(t, into, "data");
  const bool cuda = t.device() != Device::CPU;
  if (!cuda && t.nbytes() < kAsyncReadBytes) {
    Napi::Value v = read_sync(env, t, into);
    auto deferred = Napi::Promise::Deferred::New(env);
    deferred.Resolve(v);
    return deferred.Promise();
  }
  Napi::ArrayBuffer buf;
  size_t byte_offset = 0;
  void* dst = nullptr;
  if (!target.IsEmpty()) {
    buf = target.ArrayBuffer();
    byte_offset = target.ByteOffset();
    dst = typed_array_data(target);
  } else {
    buf = new_host_buffer(env, t.nbytes());
    dst = buf.Data();
  }
  auto job = std::make_unique<ReadJob>();
  job->dtype = t.dtype();
  job->count = size_t(t.numel());
  job->byte_offset = byte_offset;
  if (napi_create_reference(env, buf, 1, &job->buffer) != napi_ok) throw Napi::Error::New(env);
  if (!target.IsEmpty()) {
    job->resolve_into = true;
    if (napi_create_reference(env, target, 1, &job->into_ref) != napi_ok) throw Napi::Error::New(env);
  }
  napi_value promise = nullptr;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok) throw Napi::Error::New(env);
  if (cuda) {
#ifdef TL_WITH_CUDA
    job->gpu = cuda::begin_read(t);
    job->gpu_dst = dst;
#endif
  } else {
    job->cpu = std::make_shared<CpuPendingRead>(t, dst);
    job->storage = t.storage();
    job->storage->add_pending_read(job->cpu);
  }
  napi_value name = Napi::String::New(env, "tensorlift.read");
  if (napi_create_async_work(env, nullptr, name, execute_read, complete_read, job.get(), &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok)
    throw Napi::Error::New(env);
  job.release();
  return Napi::Value(env, promise);
}

}  // namespace tl::binding
