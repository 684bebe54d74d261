//===- Pending.cpp - Placeholder lowerings while the backend grows ---------===//
//
// TEMPORARY: weak definitions so cnnc links while lowerings are written;
// each real lower<Id> overrides its stub. Removed once every op lowers.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/Lowering.h"

namespace cnnc::cpu {

#define OP(Id, Name, Operands, Results, Flags, Attrs)                          \
  __attribute__((weak)) bool lower##Id(const Node &n, LowerCtx &ctx) {         \
    ctx.diag().error(n.loc(), "the CPU backend cannot compile '{}' yet",       \
                     Name);                                                    \
    return false;                                                              \
  }
#include "ir/Ops.def"

} // namespace cnnc::cpu
