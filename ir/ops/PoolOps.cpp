//===- PoolOps.cpp - TEMPORARY STUB, to be replaced ---------------------===//
#include "ir/Interpreter.h"
#include "ir/ShapeInference.h"

namespace cnnc {
bool inferMaxPool(ShapeCtx &ctx) { return ctx.error("MaxPool: not implemented yet"); }
void interpretMaxPool(const KernelCtx &) {}
bool inferAvgPool(ShapeCtx &ctx) { return ctx.error("AvgPool: not implemented yet"); }
void interpretAvgPool(const KernelCtx &) {}
bool inferGlobalAvgPool(ShapeCtx &ctx) { return ctx.error("GlobalAvgPool: not implemented yet"); }
void interpretGlobalAvgPool(const KernelCtx &) {}
bool inferGlobalMaxPool(ShapeCtx &ctx) { return ctx.error("GlobalMaxPool: not implemented yet"); }
void interpretGlobalMaxPool(const KernelCtx &) {}
} // namespace cnnc
