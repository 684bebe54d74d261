//===- ActivationOps.cpp - TEMPORARY STUB, to be replaced ---------------------===//
#include "ir/Interpreter.h"
#include "ir/ShapeInference.h"

namespace cnnc {
bool inferRelu(ShapeCtx &ctx) { return ctx.error("Relu: not implemented yet"); }
void interpretRelu(const KernelCtx &) {}
bool inferLeakyRelu(ShapeCtx &ctx) { return ctx.error("LeakyRelu: not implemented yet"); }
void interpretLeakyRelu(const KernelCtx &) {}
bool inferElu(ShapeCtx &ctx) { return ctx.error("Elu: not implemented yet"); }
void interpretElu(const KernelCtx &) {}
bool inferSelu(ShapeCtx &ctx) { return ctx.error("Selu: not implemented yet"); }
void interpretSelu(const KernelCtx &) {}
bool inferSigmoid(ShapeCtx &ctx) { return ctx.error("Sigmoid: not implemented yet"); }
void interpretSigmoid(const KernelCtx &) {}
bool inferTanh(ShapeCtx &ctx) { return ctx.error("Tanh: not implemented yet"); }
void interpretTanh(const KernelCtx &) {}
bool inferSoftplus(ShapeCtx &ctx) { return ctx.error("Softplus: not implemented yet"); }
void interpretSoftplus(const KernelCtx &) {}
bool inferSoftsign(ShapeCtx &ctx) { return ctx.error("Softsign: not implemented yet"); }
void interpretSoftsign(const KernelCtx &) {}
bool inferSilu(ShapeCtx &ctx) { return ctx.error("Silu: not implemented yet"); }
void interpretSilu(const KernelCtx &) {}
bool inferMish(ShapeCtx &ctx) { return ctx.error("Mish: not implemented yet"); }
void interpretMish(const KernelCtx &) {}
bool inferHardSigmoid(ShapeCtx &ctx) { return ctx.error("HardSigmoid: not implemented yet"); }
void interpretHardSigmoid(const KernelCtx &) {}
bool inferHardSwish(ShapeCtx &ctx) { return ctx.error("HardSwish: not implemented yet"); }
void interpretHardSwish(const KernelCtx &) {}
bool inferClip(ShapeCtx &ctx) { return ctx.error("Clip: not implemented yet"); }
void interpretClip(const KernelCtx &) {}
bool inferStep(ShapeCtx &ctx) { return ctx.error("Step: not implemented yet"); }
void interpretStep(const KernelCtx &) {}
bool inferLogSigmoid(ShapeCtx &ctx) { return ctx.error("LogSigmoid: not implemented yet"); }
void interpretLogSigmoid(const KernelCtx &) {}
bool inferGelu(ShapeCtx &ctx) { return ctx.error("Gelu: not implemented yet"); }
void interpretGelu(const KernelCtx &) {}
bool inferPrelu(ShapeCtx &ctx) { return ctx.error("Prelu: not implemented yet"); }
void interpretPrelu(const KernelCtx &) {}
bool inferMaxout(ShapeCtx &ctx) { return ctx.error("Maxout: not implemented yet"); }
void interpretMaxout(const KernelCtx &) {}
} // namespace cnnc
