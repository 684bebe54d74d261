//===- LowerElementwise.cpp - CUDA add, sub, mul, div ---------------------===//
//
// The four broadcasting ops lower to the `binary` template
// (compiler/cuda/kernels/elementwise.cuh) over their broadcast space: each
// operand's strides come from ir/ops/Broadcast.h (0 along a broadcast
// axis), the space is simplified as the CPU backend does (unit axes
// dropped, axes both operands traverse contiguously merged), and the
// remaining sizes and strides become constant lists, so a same-shape add is
// one axis and a per-channel bias two or three.
//
//===----------------------------------------------------------------------===//
#include "compiler/cuda/lower/LowerMisc.h"

#include "ir/ops/Broadcast.h"

namespace cnnc::cuda {

namespace {

bool lowerBinary(const Node &n, LowerCtx &ctx, BinaryCode op) {
  const Value *a = n.operand(0), *b = n.operand(1), *y = n.result();
  const Shape &out = y->type().shape;
  int64_t count = numElements(out);
  StridedSpace s =
      simplifySpace(out, broadcastStrides(a->type().shape, out),
                         broadcastStrides(b->type().shape, out));
  KernelParams p;
  p.i("op", op);
  p.ints("shape", s.shape);
  p.ints("as", s.strides[0]);
  p.ints("bs", s.strides[1]);
  ctx.launchFlat("binary", p, count,
                 {ctx.buffer(a), ctx.buffer(b), ctx.buffer(y)}, double(count));
  return true;
}

} // namespace

bool lowerAdd(const Node &n, LowerCtx &ctx) {
  return lowerBinary(n, ctx, kBinAdd);
}
bool lowerSub(const Node &n, LowerCtx &ctx) {
  return lowerBinary(n, ctx, kBinSub);
}
bool lowerMul(const Node &n, LowerCtx &ctx) {
  return lowerBinary(n, ctx, kBinMul);
}
bool lowerDiv(const Node &n, LowerCtx &ctx) {
  return lowerBinary(n, ctx, kBinDiv);
}

} // namespace cnnc::cuda
