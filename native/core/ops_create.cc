// Creation ops: from host data, constant fills, ranges, identity and seeded random draws.
#include <cmath>
#include <cstring>
#include <limits>

#include "context.h"
#include "dispatch.h"
#include "error.h"
#include "ops.h"

namespace tl::ops {

namespace {

void check_fill_value(const char* op, double value, DType dtype) {
  if (dtype == DType::Int32 &&
      (!(value == std::floor(value)) || value < -2147483648.0 || value > 2147483647.0))
    range_error(op, ": value ", value, " is not an int32");
}


}  // namespace

Tensor from_data(const void* data, size_t bytes, DType dtype, const Shape& shape, Device device) {
  const int64_t n = checked_numel(shape, "tensor");
  if (size_t(n) * dtype_size(dtype) != bytes)
    range_error("tensor: shape ", shape_str(shape), " needs ", n, " values, got ", bytes / dtype_size(dtype));
  Tensor cpu = Tensor::empty(shape, dtype, Device::CPU, "tensor");
  if (bytes) cpu::copy_bytes(cpu.raw_data(), data, bytes);
  return to_device(cpu, device);
}

Tensor full(const Shape& shape, double value, DType dtype, Device device) {
  check_fill_value("full", value, dtype);
  Tensor out = Tensor::empty(shape, dtype, device, "full");
  TL_DISPATCH(device, fill, out, value);
  return out;
}

Tensor arange(double start, double end, double step, DType dtype, Device device) {
  if (!std::isfinite(start) || !std::isfinite(end) || !std::isfinite(step))
    range_error("arange: start, end and step must be finite, got ", start, ", ", end, ", ", step);
  if (step == 0) range_error("arange: step must not be zero");
  if ((end - start) / step > double(kMaxElements)) range_error("arange: too many elements");
  const int64_t n = std::max<int64_t>(0, int64_t(std::ceil((end - start) / step)));
  if (dtype == DType::Int32) {
    check_fill_value("arange", start, dtype);
    check_fill_value("arange", step, dtype);
    check_fill_value("arange", start + step * double(n > 0 ? n - 1 : 0), dtype);
  }
  Tensor out = Tensor::empty({n}, dtype, Device::CPU, "arange");
  // Computed as start + i * step (not by accumulation) so long ranges do not drift.
  if (dtype == DType::Float32) {
    float* p = out.data<float>();
    for (int64_t i = 0; i < n; ++i) p[i] = float(start + double(i) * step);
  } else {
    int32_t* p = out.data<int32_t>();
    for (int64_t i = 0; i < n; ++i) p[i] = int32_t(start + double(i) * step);
  }
  return to_device(out, device);
}

Tensor eye(int64_t n, int64_t m, DType dtype, Device device) {
  if (n < 0 || m < 0) range_error("eye: sizes must be non-negative, got ", n, " and ", m);
  Tensor out = full({n, m}, 0.0, dtype, Device::CPU);
  for (int64_t i = 0; i < std::min(n, m); ++i) {
    if (dtype == DType::Float32) out.data<float>()[i * m + i] = 1.0f;
    else out.data<int32_t>()[i * m + i] = 1;
  }
  return to_device(out, device);
}

Tensor rand(const Shape& shape, double lo, double hi, Device device) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi)
    range_error("rand: bounds must be finite with low <= high, got ", lo, " and ", hi);
  Tensor out = Tensor::empty(shape, DType::Float32, device, "rand");
  RngState& rng = current_context().rng();
  const uint64_t used = TL_DISPATCH(device, uniform, out, float(lo), float(hi), rng.seed, rng.offset);
  rng.offset += used;
  return out;
}

Tensor randn(const Shape& shape, double mean, double std, Device device) {
  if (!std::isfinite(mean) || !std::isfinite(std) || std < 0)
    range_error("randn: mean must be finite and std finite and >= 0, got ", mean, " and ", std);
  Tensor out = Tensor::empty(shape, DType::Float32, device, "randn");
  RngState& rng = current_context().rng();
  const uint64_t used = TL_DISPATCH(device, normal, out, float(mean), float(std), rng.seed, rng.offset);
  rng.offset += used;
  return out;
}

Tensor randint(const Shape& shape, int64_t lo, int64_t hi, Device device) {
  if (lo >= hi || lo < std::numeric_limits<int32_t>::min() || hi - 1 > std::numeric_limits<int32_t>::max())
    range_error("randint: need int32 bounds with low < high, got ", lo, " and ", hi);
  Tensor out = Tensor::empty(shape, DType::Int32, device, "randint");
  RngState& rng = current_context().rng();
  const uint64_t used = TL_DISPATCH(device, randint, out, lo, hi, rng.seed, rng.offset);
  rng.offset += used;
  return out;
}

void manual_seed(uint64_t seed) {
  RngState& rng = current_context().rng();
  rng.seed = seed;
  rng.offset = 0;
}

void read_into(const Tensor& x, void* dst) {
  if (x.numel() == 0) return;
  const Tensor host = to_device(x, Device::CPU);
  if (host.is_contiguous()) {
    std::memcpy(dst, host.raw_data(), host.nbytes());
    return;
  }
  Tensor packed = contiguous(host);
  std::memcpy(dst, packed.raw_data(), packed.nbytes());
}

}  // namespace tl::ops
