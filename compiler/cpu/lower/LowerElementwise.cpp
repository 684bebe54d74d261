//===- LowerElementwise.cpp - add, sub, mul, div; task splitting ----------===//
//
// The four broadcasting ops lower to the binary kernel over their broadcast
// space, simplified so that the innermost axis is as long as possible and
// each operand's stride along it is 0 or 1. Also the task-size rule shared
// by the non-conv lowerings.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/lower/LowerBlocked.h"
#include "compiler/cpu/lower/LowerMisc.h"

#include "ir/ops/Broadcast.h"

#include <algorithm>

namespace cnnc::cpu {

namespace {

/// A task should do at least this many element-times of work...
constexpr int64_t kMinTaskWork = 16384;
/// ...and a call is split into at most this many tasks.
constexpr int64_t kMaxTasks = 512;

bool lowerBinary(const Node &n, LowerCtx &ctx, cnnk::BinaryOp op) {
  const Value *a = n.operand(0), *b = n.operand(1), *y = n.result();
  const Shape &out = y->type().shape;
  cnnk::BinaryParams p = {};
  p.op = op;
  p.count = numElements(out);
  if (p.count == 0)
    return true;
  StridedSpace s;
  if (y->type().blocked()) {
    Shape phys;
    std::vector<std::vector<int64_t>> st;
    blockedBroadcastSpace(n, phys, st);
    s = simplifySpace(phys, st[0], st[1]);
  } else {
    s = simplifySpace(out, broadcastStrides(a->type().shape, out),
                      broadcastStrides(b->type().shape, out));
  }
  if (s.shape.size() > size_t(cnnk::kMaxRank)) {
    ctx.diag().error(n.loc(),
                     "{} broadcasting over {} axes is not supported by the "
                     "cpu backend (at most {} after merging axes)",
                     n.info().name, s.shape.size(), cnnk::kMaxRank);
    return false;
  }
  p.rank = int64_t(s.shape.size());
  std::copy(s.shape.begin(), s.shape.end(), p.shape);
  std::copy(s.strides[0].begin(), s.strides[0].end(), p.aStride);
  std::copy(s.strides[1].begin(), s.strides[1].end(), p.bStride);
  p.block = unitsPerTask(p.count, 1, 16);
  ctx.call<KernelId::Binary>(p, {ctx.buffer(a), ctx.buffer(b), ctx.buffer(y)},
                             ceilDiv(p.count, p.block), double(p.count));
  return true;
}

} // namespace

int64_t unitsPerTask(int64_t units, int64_t unitWork, int64_t align) {
  int64_t per = ceilDiv(kMinTaskWork, std::max<int64_t>(unitWork, 1));
  per = std::max(per, ceilDiv(units, kMaxTasks));
  per = ceilDiv(per, align) * align;
  return std::max<int64_t>(per, 1);
}

bool lowerAdd(const Node &n, LowerCtx &ctx) {
  return lowerBinary(n, ctx, cnnk::kBinAdd);
}
bool lowerSub(const Node &n, LowerCtx &ctx) {
  return lowerBinary(n, ctx, cnnk::kBinSub);
}
bool lowerMul(const Node &n, LowerCtx &ctx) {
  return lowerBinary(n, ctx, cnnk::kBinMul);
}
bool lowerDiv(const Node &n, LowerCtx &ctx) {
  return lowerBinary(n, ctx, cnnk::kBinDiv);
}

} // namespace cnnc::cpu
