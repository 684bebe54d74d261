//===- ElementwiseOps.cpp - TEMPORARY STUB, to be replaced ---------------------===//
#include "ir/Interpreter.h"
#include "ir/ShapeInference.h"

namespace cnnc {
bool inferAdd(ShapeCtx &ctx) { return ctx.error("Add: not implemented yet"); }
void interpretAdd(const KernelCtx &) {}
bool inferSub(ShapeCtx &ctx) { return ctx.error("Sub: not implemented yet"); }
void interpretSub(const KernelCtx &) {}
bool inferMul(ShapeCtx &ctx) { return ctx.error("Mul: not implemented yet"); }
void interpretMul(const KernelCtx &) {}
bool inferDiv(ShapeCtx &ctx) { return ctx.error("Div: not implemented yet"); }
void interpretDiv(const KernelCtx &) {}
} // namespace cnnc
