//===- ConvOps.cpp - TEMPORARY STUB, to be replaced ---------------------===//
#include "ir/Interpreter.h"
#include "ir/ShapeInference.h"

namespace cnnc {
bool inferConv(ShapeCtx &ctx) { return ctx.error("Conv: not implemented yet"); }
void interpretConv(const KernelCtx &) {}
bool inferConvTranspose(ShapeCtx &ctx) { return ctx.error("ConvTranspose: not implemented yet"); }
void interpretConvTranspose(const KernelCtx &) {}
bool inferLocallyConnected(ShapeCtx &ctx) { return ctx.error("LocallyConnected: not implemented yet"); }
void interpretLocallyConnected(const KernelCtx &) {}
bool inferTiledConv(ShapeCtx &ctx) { return ctx.error("TiledConv: not implemented yet"); }
void interpretTiledConv(const KernelCtx &) {}
bool inferDeformConv(ShapeCtx &ctx) { return ctx.error("DeformConv: not implemented yet"); }
void interpretDeformConv(const KernelCtx &) {}
} // namespace cnnc
