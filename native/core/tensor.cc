#include "tensor.h"

#include "context.h"

namespace tl {

Tensor::Tensor(std::shared_ptr<Storage> storage, DType dtype, Shape shape, Strides strides, int64_t offset)
    : storage_(std::move(storage)),
      dtype_(dtype),
      shape_(std::move(shape)),
      strides_(std::move(strides)),
      offset_(offset),
      numel_(tl::numel(shape_)) {}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device, const char* op) {
  const int64_t n = checked_numel(shape, op);
  auto storage = std::make_shared<Storage>(current_context().allocator(device, op), size_t(n) * dtype_size(dtype), op);
  return Tensor(std::move(storage), dtype, shape, contiguous_strides(shape), 0);
}

bool Tensor::is_contiguous() const {
  if (numel_ == 0) return true;
  int64_t expected = 1;
  for (size_t i = shape_.size(); i-- > 0;) {
    if (shape_[i] == 1) continue;
    if (strides_[i] != expected) return false;
    expected *= shape_[i];
  }
  return true;
}

Tensor Tensor::as_strided(Shape shape, Strides strides, int64_t offset) const {
  return Tensor(storage_, dtype_, std::move(shape), std::move(strides), offset);
}

}  // namespace tl
