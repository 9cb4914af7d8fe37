// A vector with its first N elements stored inline: shapes and strides. Every op builds a
// few of them (broadcast shape, expanded views, the output), and with std::vector each was
// a malloc/free pair: about a third of a small op's native time. Tensors rarely have more
// than 6 dims; longer ones spill to the heap as a std::vector would.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <type_traits>
#include <vector>

namespace tl {

template <typename T, size_t N>
class SmallVec {
  static_assert(std::is_trivially_copyable_v<T>, "SmallVec holds plain values");

 public:
  using value_type = T;
  using size_type = size_t;
  using iterator = T*;
  using const_iterator = const T*;
  using reverse_iterator = std::reverse_iterator<T*>;
  using const_reverse_iterator = std::reverse_iterator<const T*>;

  SmallVec() {}  // user-provided: `const Tensor none;` must compile, inline_ stays uninitialized
  explicit SmallVec(size_t n, T value = T()) { assign(n, value); }
  SmallVec(std::initializer_list<T> xs) { assign(xs.begin(), xs.end()); }
  template <typename It, typename = std::enable_if_t<!std::is_integral_v<It>>>
  SmallVec(It first, It last) {
    assign(first, last);
  }
  SmallVec(const std::vector<T>& v) { assign(v.begin(), v.end()); }  // NOLINT: interop with list arguments
  SmallVec(const SmallVec& o) { assign(o.begin(), o.end()); }
  SmallVec(SmallVec&& o) noexcept { take(o); }
  ~SmallVec() { release(); }

  SmallVec& operator=(const SmallVec& o) {
    if (this != &o) assign(o.begin(), o.end());
    return *this;
  }
  SmallVec& operator=(SmallVec&& o) noexcept {
    if (this != &o) {
      release();
      take(o);
    }
    return *this;
  }
  operator std::vector<T>() const { return std::vector<T>(begin(), end()); }  // NOLINT

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return ptr_; }
  const T* data() const { return ptr_; }
  T& operator[](size_t i) { return ptr_[i]; }
  const T& operator[](size_t i) const { return ptr_[i]; }
  T& front() { return ptr_[0]; }
  const T& front() const { return ptr_[0]; }
  T& back() { return ptr_[size_ - 1]; }
  const T& back() const { return ptr_[size_ - 1]; }
  iterator begin() { return ptr_; }
  iterator end() { return ptr_ + size_; }
  const_iterator begin() const { return ptr_; }
  const_iterator end() const { return ptr_ + size_; }
  reverse_iterator rbegin() { return reverse_iterator(end()); }
  reverse_iterator rend() { return reverse_iterator(begin()); }
  const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }

  void reserve(size_t n) {
    if (n <= cap_) return;
    T* p = new T[n];
    if (size_) std::memcpy(p, ptr_, size_ * sizeof(T));
    if (ptr_ != inline_) delete[] ptr_;
    ptr_ = p;
    cap_ = n;
  }
  void resize(size_t n, T value = T()) {
    reserve(n);
    for (size_t i = size_; i < n; ++i) ptr_[i] = value;
    size_ = n;
  }
  void clear() { size_ = 0; }
  void push_back(T v) {
    if (size_ == cap_) reserve(cap_ * 2);
    ptr_[size_++] = v;
  }
  void emplace_back(T v) { push_back(v); }
  void pop_back() { --size_; }
  void assign(size_t n, T value) {
    size_ = 0;
    resize(n, value);
  }
  template <typename It>
  void assign(It first, It last) {
    const size_t n = size_t(std::distance(first, last));
    size_ = 0;
    reserve(n);
    std::copy(first, last, ptr_);
    size_ = n;
  }
  iterator insert(const_iterator pos, T v) { return insert(pos, size_t(1), v); }
  iterator insert(const_iterator pos, size_t n, T v) {
    const size_t at = size_t(pos - ptr_);
    reserve(std::max(size_ + n, cap_ * 2));
    std::memmove(ptr_ + at + n, ptr_ + at, (size_ - at) * sizeof(T));
    for (size_t i = 0; i < n; ++i) ptr_[at + i] = v;
    size_ += n;
    return ptr_ + at;
  }
  template <typename It, typename = std::enable_if_t<!std::is_integral_v<It>>>
  iterator insert(const_iterator pos, It first, It last) {
    const size_t at = size_t(pos - ptr_), n = size_t(std::distance(first, last));
    SmallVec tail(ptr_ + at, ptr_ + size_);
    size_ = at;
    reserve(at + n + tail.size());
    std::copy(first, last, ptr_ + at);
    std::memcpy(ptr_ + at + n, tail.data(), tail.size() * sizeof(T));
    size_ = at + n + tail.size();
    return ptr_ + at;
  }
  iterator insert(const_iterator pos, std::initializer_list<T> xs) { return insert(pos, xs.begin(), xs.end()); }
  iterator erase(const_iterator pos) { return erase(pos, pos + 1); }
  iterator erase(const_iterator first, const_iterator last) {
    const size_t a = size_t(first - ptr_), b = size_t(last - ptr_);
    std::memmove(ptr_ + a, ptr_ + b, (size_ - b) * sizeof(T));
    size_ -= b - a;
    return ptr_ + a;
  }

  friend bool operator==(const SmallVec& a, const SmallVec& b) {
    return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator!=(const SmallVec& a, const SmallVec& b) { return !(a == b); }

 private:
  void release() {
    if (ptr_ != inline_) delete[] ptr_;
    ptr_ = inline_;
    cap_ = N;
    size_ = 0;
  }
  void take(SmallVec& o) {
    if (o.ptr_ == o.inline_) {
      std::memcpy(inline_, o.inline_, o.size_ * sizeof(T));
      ptr_ = inline_;
      cap_ = N;
    } else {
      ptr_ = o.ptr_;
      cap_ = o.cap_;
      o.ptr_ = o.inline_;
      o.cap_ = N;
    }
    size_ = o.size_;
    o.size_ = 0;
  }

  T* ptr_ = inline_;
  size_t size_ = 0;
  size_t cap_ = N;
  T inline_[N];
};

}  // namespace tl
