//===- NormOps.cpp - TEMPORARY STUB, to be replaced ---------------------===//
#include "ir/Interpreter.h"
#include "ir/ShapeInference.h"

namespace cnnc {
bool inferBatchNorm(ShapeCtx &ctx) { return ctx.error("BatchNorm: not implemented yet"); }
void interpretBatchNorm(const KernelCtx &) {}
bool inferLrn(ShapeCtx &ctx) { return ctx.error("Lrn: not implemented yet"); }
void interpretLrn(const KernelCtx &) {}
bool inferSoftmax(ShapeCtx &ctx) { return ctx.error("Softmax: not implemented yet"); }
void interpretSoftmax(const KernelCtx &) {}
bool inferLogSoftmax(ShapeCtx &ctx) { return ctx.error("LogSoftmax: not implemented yet"); }
void interpretLogSoftmax(const KernelCtx &) {}
} // namespace cnnc
