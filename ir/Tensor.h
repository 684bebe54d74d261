//===- Tensor.h - A dense host tensor of f32 --------------------*- C++ -*-===//
#ifndef CNNC_IR_TENSOR_H
#define CNNC_IR_TENSOR_H

#include "ir/Types.h"

#include <vector>

namespace cnnc {

/// Row-major f32 data with a shape: what the interpreter computes on and
/// what .npy and safetensors files are read into.
struct Tensor {
  Shape shape;
  std::vector<float> data;

  Tensor() = default;
  explicit Tensor(Shape s)
      : shape(std::move(s)), data(size_t(numElements(shape)), 0.0f) {}
  Tensor(Shape s, std::vector<float> d)
      : shape(std::move(s)), data(std::move(d)) {}

  int64_t rank() const { return int64_t(shape.size()); }
  int64_t size() const { return int64_t(data.size()); }
  int64_t dim(int64_t i) const { return shape[size_t(i)]; }
  float *ptr() { return data.data(); }
  const float *ptr() const { return data.data(); }
};

/// Row-major strides of a shape (in elements).
std::vector<int64_t> stridesOf(const Shape &s);

} // namespace cnnc

#endif
