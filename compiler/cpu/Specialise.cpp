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

#include <cstring>
#include <map>

namespace cnnc::cpu {

namespace {

#define FIELD(T, f)                                                            \
  ParamRange { offsetof(cnnk::T, f), sizeof(cnnk::T::f) }

std::map<KernelId, std::vector<ParamRange>> buildTable() {
  std::map<KernelId, std::vector<ParamRange>> t;
  t[KernelId::Copy] = {FIELD(CopyParams, count), FIELD(CopyParams, block)};
  t[KernelId::Unary] = {FIELD(UnaryParams, count), FIELD(UnaryParams, block)};
  t[KernelId::Channel] = {
      FIELD(ChannelParams, channels), FIELD(ChannelParams, inner),
      FIELD(ChannelParams, count), FIELD(ChannelParams, block)};
  // Not Binary: where a channel vector broadcasts over a blocked tensor
  // (squeeze-and-excitation's scale) its rows are 16 floats, and a walk
  // over run-time outer axes took 1.5-2x as long as the folded one.
  // StridedCopy: the outer axes of its walk (run-time: see outerAxes
  // below), the offsets, the count and the task size.
  t[KernelId::StridedCopy] = {
      FIELD(StridedCopyParams, inOffset), FIELD(StridedCopyParams, outOffset),
      FIELD(StridedCopyParams, count), FIELD(StridedCopyParams, block)};
  // Direct convolution: the plane, window, stride, dilation, lanes, `flat`
  // and the epilogue shape the register tiles and their addressing (with
  // the plane at run time, convs ran 2-10% slower); channel counts and task
  // splits do not: convs of one plane share (a DenseNet block's 1x1 convs,
  // a bottleneck's).
  t[KernelId::ConvBlocked] = {
      FIELD(ConvBlockedParams, batch),
      FIELD(ConvBlockedParams, channels),
      FIELD(ConvBlockedParams, outChannels),
      FIELD(ConvBlockedParams, ocGroup),
      FIELD(ConvBlockedParams, ocGroups),
      FIELD(ConvBlockedParams, rowBlock),
      FIELD(ConvBlockedParams, rowBlocks),
      FIELD(ConvBlockedParams, icChunk)};
  // Winograd: the plane and its tiling stay constant (as conv_blocked's).
  t[KernelId::ConvWinograd] = {
      FIELD(ConvWinogradParams, batch),
      FIELD(ConvWinogradParams, channels),
      FIELD(ConvWinogradParams, outChannels),
      FIELD(ConvWinogradParams, ocGroup),
      FIELD(ConvWinogradParams, ocGroups),
      FIELD(ConvWinogradParams, units),
      FIELD(ConvWinogradParams, lanes),
      FIELD(ConvWinogradParams, icChunk)};
  // Depthwise convs do little work per pixel, on small planes: with the
  // plane at run time they ran 10-35% slower (EfficientNet-B0's 7x7 and
  // 14x14 layers), so only the channel count and the task split are.
  t[KernelId::DepthwiseBlocked] = {
      FIELD(DepthwiseBlockedParams, batch),
      FIELD(DepthwiseBlockedParams, channels),
      FIELD(DepthwiseBlockedParams, rowBlock),
      FIELD(DepthwiseBlockedParams, rowBlocks)};
  t[KernelId::PoolBlocked] = {
      FIELD(PoolBlockedParams, in),      FIELD(PoolBlockedParams, out),
      FIELD(PoolBlockedParams, padBegin), FIELD(PoolBlockedParams, padEnd),
      FIELD(PoolBlockedParams, rows),    FIELD(PoolBlockedParams, perTask)};
  t[KernelId::GlobalPoolBlocked] = {FIELD(GlobalPoolBlockedParams, planes),
                                    FIELD(GlobalPoolBlockedParams, size),
                                    FIELD(GlobalPoolBlockedParams, perTask)};
  return t;
}

/// The axes but the innermost of a strided walk (Walk.h) over `rank` axes:
/// each array's entries [0, rank - 1). The innermost axis (its length and
/// strides) picks the row loop and its trip count, so it stays constant: a
/// walk with it at run time took twice as long over 16-float rows (a
/// channel vector broadcast over a blocked tensor).
template <typename P, size_t N>
void outerAxes(std::vector<ParamRange> &out,
               const std::vector<uint8_t> &params,
               const int64_t (P::*const (&arrays)[N])[cnnk::kMaxRank]) {
  P p;
  if (params.size() != sizeof(P))
    return;
  std::memcpy(&p, params.data(), sizeof(P));
  if (p.rank < 1 || p.rank > cnnk::kMaxRank)
    return;
  for (auto array : arrays) {
    size_t offset = size_t(reinterpret_cast<const char *>(&(p.*array)) -
                           reinterpret_cast<const char *>(&p));
    out.push_back({offset, size_t(p.rank - 1) * sizeof(int64_t)});
  }
}

#undef FIELD

} // namespace

std::vector<ParamRange> runtimeParams(KernelId id,
                                      const std::vector<uint8_t> &params) {
  static const std::map<KernelId, std::vector<ParamRange>> table =
      buildTable();
  auto it = table.find(id);
  if (it == table.end())
    return {};
  std::vector<ParamRange> r = it->second;
  if (id == KernelId::StridedCopy) {
    static const int64_t(
        cnnk::StridedCopyParams::*const arrays[])[cnnk::kMaxRank] = {
        &cnnk::StridedCopyParams::shape, &cnnk::StridedCopyParams::inStride,
        &cnnk::StridedCopyParams::outStride};
    outerAxes(r, params, arrays);
  }
  return r;
}

std::vector<uint8_t> constantMask(KernelId id,
                                  const std::vector<uint8_t> &params) {
  std::vector<uint8_t> mask(params.size(), 1);
  for (const ParamRange &r : runtimeParams(id, params))
    for (size_t i = r.offset; i < r.offset + r.size && i < params.size(); ++i)
      mask[i] = 0;
  return mask;
}

std::vector<uint8_t> shapingKey(KernelId id,
                                const std::vector<uint8_t> &params) {
  std::vector<uint8_t> key = params;
  std::vector<uint8_t> mask = constantMask(id, params);
  for (size_t i = 0; i < key.size(); ++i)
    if (!mask[i])
      key[i] = 0;
  return key;
}

} // namespace cnnc::cpu
