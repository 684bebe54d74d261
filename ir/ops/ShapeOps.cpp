//===- ShapeOps.cpp - TEMPORARY STUB, to be replaced ---------------------===//
#include "ir/Interpreter.h"
#include "ir/ShapeInference.h"

namespace cnnc {
bool inferFlatten(ShapeCtx &ctx) { return ctx.error("Flatten: not implemented yet"); }
void interpretFlatten(const KernelCtx &) {}
bool inferReshape(ShapeCtx &ctx) { return ctx.error("Reshape: not implemented yet"); }
void interpretReshape(const KernelCtx &) {}
bool inferTranspose(ShapeCtx &ctx) { return ctx.error("Transpose: not implemented yet"); }
void interpretTranspose(const KernelCtx &) {}
bool inferConcat(ShapeCtx &ctx) { return ctx.error("Concat: not implemented yet"); }
void interpretConcat(const KernelCtx &) {}
bool inferSplit(ShapeCtx &ctx) { return ctx.error("Split: not implemented yet"); }
void interpretSplit(const KernelCtx &) {}
bool inferSlice(ShapeCtx &ctx) { return ctx.error("Slice: not implemented yet"); }
void interpretSlice(const KernelCtx &) {}
bool inferPad(ShapeCtx &ctx) { return ctx.error("Pad: not implemented yet"); }
void interpretPad(const KernelCtx &) {}
bool inferResize(ShapeCtx &ctx) { return ctx.error("Resize: not implemented yet"); }
void interpretResize(const KernelCtx &) {}
bool inferDepthToSpace(ShapeCtx &ctx) { return ctx.error("DepthToSpace: not implemented yet"); }
void interpretDepthToSpace(const KernelCtx &) {}
bool inferDropout(ShapeCtx &ctx) { return ctx.error("Dropout: not implemented yet"); }
void interpretDropout(const KernelCtx &) {}
bool inferIdentity(ShapeCtx &ctx) { return ctx.error("Identity: not implemented yet"); }
void interpretIdentity(const KernelCtx &) {}
} // namespace cnnc
