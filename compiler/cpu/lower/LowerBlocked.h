//===- LowerBlocked.h - Lowerings of nodes on NCHWc values ------*- C++ -*-===//
//
// Nodes whose operands or results are channel-blocked (ir/Types.h, set by
// the assign-layout pass) lower to the kernels of KernelsBlocked.def: conv
// (groups 1 or depthwise) to conv_blocked / conv_depthwise_blocked or,
// for 3x3 stride-1 convs where it pays, conv_winograd; the pools to
// pool_blocked / global_pool_blocked. Layout-blind nodes (unary
// elementwise ops, same-shape binary ops, concat on the channel axis of
// blocks) keep their plain lowerings, which are correct on blocked values
// of one layout; batch_norm's channel kernel reads the block from its
// params; a binary op with a channel vector operand (a scale [N,C,1,1])
// walks the blocked space (blockedBroadcastSpace). checkBlockedOperands
// checks a node's layouts against its kernel's form in the catalogue
// (Catalogue.cpp), which also chooses the conv kernel.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_LOWER_LOWERBLOCKED_H
#define CNNC_COMPILER_CPU_LOWER_LOWERBLOCKED_H

#include "compiler/cpu/Lowering.h"
#include "ir/Tensor.h"

namespace cnnc::cpu {

/// Whether some operand or result of `n` is in a blocked layout.
bool isBlockedNode(const Node &n);

/// Reports a diagnostic and returns false when `n` has a blocked operand or
/// result that its kernel does not take (an op with no blocked kernel,
/// layouts other than the catalogue's form, a conv the blocked kernels do
/// not cover, ...).
bool checkBlockedOperands(const Node &n, LowerCtx &ctx);

/// Whether `s` is a channel vector [N,C,1,...] of shape `out` (and not
/// `out` itself): the same bytes in the plain and the blocked layout.
bool isChannelVector(const Shape &s, const Shape &out);

/// The binary kernel's space of a broadcasting op with a blocked result
/// (block b): the physical shape [N, C/b, *S, b] and each operand's strides
/// in it (operands of the result's shape: the same blocked layout; channel
/// vectors: stride b per channel block, 1 per lane, 0 over the pixels).
void blockedBroadcastSpace(const Node &n, Shape &shape,
                           std::vector<std::vector<int64_t>> &strides);

/// The blocks of 4x4 output tiles conv_winograd computes a plane of
/// geometry g (channels input channels, block v) in: tiles in all, per
/// block (a multiple of the register tile) and blocks.
struct WinogradTiles {
  int64_t tileCount = 0, tileBlock = 0, tileBlocks = 0;
};
WinogradTiles winogradTiles(const cnnk::ConvGeom &g, int64_t channels,
                            int64_t v, const TargetInfo &t);

/// conv_winograd for a conv the catalogue computes so (LowerWinograd.cpp).
bool lowerConvWinograd(const Node &n, const Tensor &w, const cnnk::ConvGeom &g,
                       LowerCtx &ctx);

/// conv with a blocked result: conv_blocked (groups 1, x plain or blocked)
/// or conv_depthwise_blocked (groups == C == M, x blocked).
bool lowerConvBlocked(const Node &n, LowerCtx &ctx);

/// max_pool / avg_pool with blocked x and y.
bool lowerPoolBlocked(const Node &n, LowerCtx &ctx, bool isMax);

/// global_avg_pool / global_max_pool with blocked x (y plain or blocked:
/// the same bytes).
bool lowerGlobalPoolBlocked(const Node &n, LowerCtx &ctx, bool isMax);

} // namespace cnnc::cpu

#endif
