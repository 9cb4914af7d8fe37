// Tensor: a strided view (dtype, shape, strides, offset) of a shared Storage.
#pragma once
#include <cstdint>
#include <memory>

#include "device.h"
#include "dtype.h"
#include "shape.h"
#include "storage.h"

namespace tl {

class Tensor {
 public:
  Tensor() = default;

  // A new contiguous tensor with uninitialized contents, allocated on `device`.
  static Tensor empty(const Shape& shape, DType dtype, Device device, const char* op);
  // A view of existing storage; strides and offset are in elements.
  Tensor(std::shared_ptr<Storage> storage, DType dtype, Shape shape, Strides strides, int64_t offset);

  bool defined() const { return storage_ != nullptr; }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_->device(); }
  const Shape& shape() const { return shape_; }
  const Strides& strides() const { return strides_; }
  int64_t offset() const { return offset_; }
  int64_t dim() const { return int64_t(shape_.size()); }
  int64_t size(int64_t d) const { return shape_[size_t(d)]; }
  int64_t stride(int64_t d) const { return strides_[size_t(d)]; }
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return size_t(numel_) * dtype_size(dtype_); }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return storage_; }

  template <typename T>
  T* data() const {
    return static_cast<T*>(storage_->data()) + offset_;
  }
  void* raw_data() const { return static_cast<char*>(storage_->data()) + offset_ * int64_t(dtype_size(dtype_)); }

  // Same storage, new geometry (used by the view ops; the caller guarantees it is in bounds).
  Tensor as_strided(Shape shape, Strides strides, int64_t offset) const;

 private:
  std::shared_ptr<Storage> storage_;
  DType dtype_ = DType::Float32;
  Shape shape_;
  Strides strides_;
  int64_t offset_ = 0;
  int64_t numel_ = 0;
};

}  // namespace tl
