//===- ElementwiseOps.cpp - add, sub, mul, div and broadcasting -----------===//
//
// Binary arithmetic with numpy/ONNX multidirectional broadcasting, and the
// broadcasting rule itself (declared in Broadcast.h) that gemm, matmul and
// the backends reuse. Division by zero follows IEEE (inf or nan).
//
//===----------------------------------------------------------------------===//
#include "ir/ops/Broadcast.h"

#include "ir/Interpreter.h"
#include "ir/ShapeInference.h"

#include <algorithm>
#include <cassert>

namespace cnnc {

std::optional<Shape> broadcastShapes(const Shape &a, const Shape &b,
                                     int64_t *mismatchAxis) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Axis i of the result is axis i - (rank - size) of each operand.
    int64_t da = i + a.size() >= rank ? a[i + a.size() - rank] : 1;
    int64_t db = i + b.size() >= rank ? b[i + b.size() - rank] : 1;
    if (da != db && da != 1 && db != 1) {
      if (mismatchAxis)
        *mismatchAxis = int64_t(i);
      return std::nullopt;
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::vector<int64_t> broadcastStrides(const Shape &in, const Shape &out) {
  assert(in.size() <= out.size() && "operand rank exceeds broadcast rank");
  std::vector<int64_t> inStrides = stridesOf(in);
  std::vector<int64_t> strides(out.size(), 0);
  size_t lead = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i) {
    assert((in[i] == out[lead + i] || in[i] == 1) && "not broadcastable");
    if (in[i] != 1)
      strides[lead + i] = inStrides[i];
  }
  return strides;
}

int64_t broadcastIndex(int64_t outIndex, const Shape &out,
                       std::span<const int64_t> strides) {
  int64_t index = 0;
  for (size_t i = out.size(); i-- > 0;) {
    index += (outIndex % out[i]) * strides[i];
    outIndex /= out[i];
  }
  return index;
}

namespace {

/// Shape function shared by the four ops: the result is the broadcast of
/// both operands.
bool inferBroadcast(ShapeCtx &ctx) {
  int64_t axis = 0;
  std::optional<Shape> out = broadcastShapes(ctx.in(0), ctx.in(1), &axis);
  if (!out) {
    // Report the sizes as aligned at the result's axis.
    auto dimAt = [&](unsigned i) {
      int64_t k = axis - (std::max(ctx.rank(0), ctx.rank(1)) - ctx.rank(i));
      return ctx.in(i)[size_t(k)];
    };
    return ctx.error("{} cannot broadcast {} {} with {} {}: dimension {} is "
                     "{} vs {}",
                     ctx.op(), ctx.inName(0), shapeStr(ctx.in(0)),
                     ctx.inName(1), shapeStr(ctx.in(1)), axis, dimAt(0),
                     dimAt(1));
  }
  ctx.setOut(std::move(*out));
  return true;
}

/// Reference kernel shared by the four ops: out = f(a, b), element by
/// element in the broadcast shape, computed in double.
template <typename F> void applyBinary(const KernelCtx &ctx, F f) {
  const Tensor &a = ctx.in(0), &b = ctx.in(1);
  Tensor &out = ctx.out();
  std::vector<int64_t> sa = broadcastStrides(a.shape, out.shape);
  std::vector<int64_t> sb = broadcastStrides(b.shape, out.shape);
  for (int64_t i = 0; i < out.size(); ++i) {
    double x = a.data[size_t(broadcastIndex(i, out.shape, sa))];
    double y = b.data[size_t(broadcastIndex(i, out.shape, sb))];
    out.data[size_t(i)] = float(f(x, y));
  }
}

} // namespace

bool inferAdd(ShapeCtx &ctx) { return inferBroadcast(ctx); }
bool inferSub(ShapeCtx &ctx) { return inferBroadcast(ctx); }
bool inferMul(ShapeCtx &ctx) { return inferBroadcast(ctx); }
bool inferDiv(ShapeCtx &ctx) { return inferBroadcast(ctx); }

void interpretAdd(const KernelCtx &ctx) {
  applyBinary(ctx, [](double x, double y) { return x + y; });
}
void interpretSub(const KernelCtx &ctx) {
  applyBinary(ctx, [](double x, double y) { return x - y; });
}
void interpretMul(const KernelCtx &ctx) {
  applyBinary(ctx, [](double x, double y) { return x * y; });
}
void interpretDiv(const KernelCtx &ctx) {
  applyBinary(ctx, [](double x, double y) { return x / y; });
}

} // namespace cnnc
