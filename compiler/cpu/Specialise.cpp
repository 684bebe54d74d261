//===- Specialise.cpp - Run-time parameters of shared kernel bodies -------===//
//
// The table below lists, per kernel, the fields a shared body reads at run
// time. A field belongs here when the kernel uses it only as a loop bound,
// an address offset or a stride outside its innermost loops; a field that
// picks a code path, an unrolled trip count or a register tile (the vector
// width, a window or stride of a convolution, an activation, a flag) stays
// out, so the shared body keeps the code a fully specialised one has.
// Kernels not listed are never shared.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/Specialise.h"

#include <map>

namespace cnnc::cpu {

namespace {

#define FIELD(T, f)                                                            \
  ParamRange { offsetof(cnnk::T, f), sizeof(cnnk::T::f) }

std::map<KernelId, std::vector<ParamRange>> buildTable() {
  std::map<KernelId, std::vector<ParamRange>> t;
  t[KernelId::Copy] = {FIELD(CopyParams, count), FIELD(CopyParams, block)};
  t[KernelId::Unary] = {FIELD(UnaryParams, count), FIELD(UnaryParams, block)};
  // Not Binary: its rows are short where a channel vector broadcasts over a
  // blocked tensor (16 floats), and a walk over run-time strides took
  // twice as long as the folded one.
  t[KernelId::Channel] = {
      FIELD(ChannelParams, channels), FIELD(ChannelParams, inner),
      FIELD(ChannelParams, count), FIELD(ChannelParams, block)};
  t[KernelId::StridedCopy] = {
      FIELD(StridedCopyParams, shape),    FIELD(StridedCopyParams, inStride),
      FIELD(StridedCopyParams, outStride), FIELD(StridedCopyParams, inOffset),
      FIELD(StridedCopyParams, outOffset), FIELD(StridedCopyParams, count),
      FIELD(StridedCopyParams, block)};
  // Direct convolution: the window, stride, dilation, lanes, `flat` and the
  // epilogue shape the register tiles; sizes, pads and task splits do not.
  t[KernelId::ConvBlocked] = {
      FIELD(ConvBlockedParams, geom.in),
      FIELD(ConvBlockedParams, geom.out),
      FIELD(ConvBlockedParams, geom.padBegin),
      FIELD(ConvBlockedParams, geom.inSize),
      FIELD(ConvBlockedParams, geom.outSize),
      FIELD(ConvBlockedParams, batch),
      FIELD(ConvBlockedParams, channels),
      FIELD(ConvBlockedParams, outChannels),
      FIELD(ConvBlockedParams, ocGroup),
      FIELD(ConvBlockedParams, ocGroups),
      FIELD(ConvBlockedParams, rowBlock),
      FIELD(ConvBlockedParams, rowBlocks),
      FIELD(ConvBlockedParams, owLo),
      FIELD(ConvBlockedParams, owHi),
      FIELD(ConvBlockedParams, icChunk)};
  t[KernelId::ConvWinograd] = {
      FIELD(ConvWinogradParams, batch),
      FIELD(ConvWinogradParams, channels),
      FIELD(ConvWinogradParams, outChannels),
      FIELD(ConvWinogradParams, in),
      FIELD(ConvWinogradParams, out),
      FIELD(ConvWinogradParams, padBegin),
      FIELD(ConvWinogradParams, tiles),
      FIELD(ConvWinogradParams, tileBlock),
      FIELD(ConvWinogradParams, tileBlocks),
      FIELD(ConvWinogradParams, ocGroup),
      FIELD(ConvWinogradParams, ocGroups),
      FIELD(ConvWinogradParams, units),
      FIELD(ConvWinogradParams, lanes),
      FIELD(ConvWinogradParams, laneFloats),
      FIELD(ConvWinogradParams, icChunk)};
  t[KernelId::DepthwiseBlocked] = {
      FIELD(DepthwiseBlockedParams, geom.in),
      FIELD(DepthwiseBlockedParams, geom.out),
      FIELD(DepthwiseBlockedParams, geom.padBegin),
      FIELD(DepthwiseBlockedParams, geom.inSize),
      FIELD(DepthwiseBlockedParams, geom.outSize),
      FIELD(DepthwiseBlockedParams, batch),
      FIELD(DepthwiseBlockedParams, channels),
      FIELD(DepthwiseBlockedParams, rowBlock),
      FIELD(DepthwiseBlockedParams, rowBlocks),
      FIELD(DepthwiseBlockedParams, owLo),
      FIELD(DepthwiseBlockedParams, owHi)};
  t[KernelId::PoolBlocked] = {
      FIELD(PoolBlockedParams, in),      FIELD(PoolBlockedParams, out),
      FIELD(PoolBlockedParams, padBegin), FIELD(PoolBlockedParams, padEnd),
      FIELD(PoolBlockedParams, rows),    FIELD(PoolBlockedParams, perTask)};
  t[KernelId::GlobalPoolBlocked] = {FIELD(GlobalPoolBlockedParams, planes),
                                    FIELD(GlobalPoolBlockedParams, size),
                                    FIELD(GlobalPoolBlockedParams, perTask)};
  return t;
}

#undef FIELD

} // namespace

const std::vector<ParamRange> &runtimeParams(KernelId id) {
  static const std::map<KernelId, std::vector<ParamRange>> table =
      buildTable();
  static const std::vector<ParamRange> none;
  auto it = table.find(id);
  return it == table.end() ? none : it->second;
}

std::vector<uint8_t> constantMask(KernelId id, size_t paramsSize) {
  std::vector<uint8_t> mask(paramsSize, 1);
  for (const ParamRange &r : runtimeParams(id))
    for (size_t i = r.offset; i < r.offset + r.size && i < paramsSize; ++i)
      mask[i] = 0;
  return mask;
}

std::vector<uint8_t> shapingKey(KernelId id,
                                const std::vector<uint8_t> &params) {
  std::vector<uint8_t> key = params;
  std::vector<uint8_t> mask = constantMask(id, params.size());
  for (size_t i = 0; i < key.size(); ++i)
    if (!mask[i])
      key[i] = 0;
  return key;
}

} // namespace cnnc::cpu
