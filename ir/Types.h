//===- Types.h - Element types, shapes and tensor types ---------*- C++ -*-===//
#ifndef CNNC_IR_TYPES_H
#define CNNC_IR_TYPES_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cnnc {

/// Element types. Only f32 is computed today; the others exist so weights
/// files and imported graphs can be read and rejected with a clear message.
enum class DType : uint8_t { F32, F16, BF16, F64, I8, U8, I32, I64, Bool };

/// Text name as written in the IR ("f32", "i64", ...).
std::string_view dtypeName(DType t);
/// Parses an IR dtype name.
std::optional<DType> parseDTypeName(std::string_view s);
/// Size of one element in bytes.
unsigned dtypeSize(DType t);

using Shape = std::vector<int64_t>;

/// Largest element count cnnc accepts for one tensor (2^40): far beyond any
/// real network, small enough that byte sizes never overflow int64.
constexpr int64_t kMaxElements = int64_t(1) << 40;

/// Number of elements; 1 for a scalar. Assumes a valid shape.
int64_t numElements(const Shape &s);
/// Checked product of the dimensions: nullopt if a dimension is negative or
/// the product exceeds kMaxElements.
std::optional<int64_t> checkedNumElements(const Shape &s);
/// "[1,3,224,224]".
std::string shapeStr(const Shape &s);

/// The type of a value: element type, static shape and memory layout. A
/// value whose type has not been inferred yet has `known == false`.
///
/// The shape is always the logical one ([N,C,H,W]); `block` says how the
/// elements lie in memory. 0: row-major (NCHW). b > 1: the channel axis
/// (axis 1, rank 3 to 5) split into blocks of b channels stored innermost,
/// [N][C/b][*S][b] (oneDNN's nChw8c), written f32[1,64,56,56]@nchw8c; C is
/// a multiple of b. Only the layout pass and the backends look at it: the
/// interpreter computes on logical shapes.
struct TensorType {
  DType dtype = DType::F32;
  Shape shape;
  bool known = false;
  int64_t block = 0;

  TensorType() = default;
  TensorType(DType t, Shape s) : dtype(t), shape(std::move(s)), known(true) {}

  int64_t rank() const { return int64_t(shape.size()); }
  int64_t numElements() const { return cnnc::numElements(shape); }
  int64_t sizeInBytes() const { return numElements() * dtypeSize(dtype); }
  /// "f32[1,3,224,224]", or "?" when unknown.
  std::string str() const;

  bool blocked() const { return block > 1; }

  bool operator==(const TensorType &o) const {
    return known == o.known && dtype == o.dtype && shape == o.shape &&
           block == o.block;
  }
};

/// "nchw8c" for rank 4 and block 8 ("ncw8c", "ncdhw8c"); "nchw" when not
/// blocked.
std::string layoutName(int64_t rank, int64_t block);
/// Parses a layout name for a tensor of `rank`: the block (0 for the plain
/// layout), or nullopt.
std::optional<int64_t> parseLayoutName(std::string_view s, int64_t rank);

} // namespace cnnc

#endif
