//===- Catalogue.h - The CUDA backend's kernel catalogue --------*- C++ -*-===//
//
// What the passes ask of the CUDA kernels (passes/KernelCatalogue.h): a
// conv is conv_depthwise when it has one input channel per group and
// several groups, a gemm when conv-to-gemm can write it as one (a
// pointwise conv), and conv_igemm (tiled by gpu_tile) otherwise. The GPU
// kernels read plain NCHW only: no node has a blocked form, and the GEMM
// tiles come from the GPU tile model (passes/TileModel.h), not a CPU
// register tile. The conv lowering (lower/LowerConv.cpp) dispatches on the
// same answer.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CUDA_CATALOGUE_H
#define CNNC_COMPILER_CUDA_CATALOGUE_H

#include "passes/KernelCatalogue.h"

#include <memory>

namespace cnnc::cuda {

class Catalogue final : public KernelCatalogue {
public:
  std::string name() const override { return "cuda"; }
  ConvAlgo convAlgorithm(const Node &n) const override;
  std::optional<BlockedForm> blockedForm(const Node &n, int64_t block,
                                         std::string &why) const override;
  std::optional<RegisterTile> registerTile() const override {
    return std::nullopt;
  }
};

/// The catalogue, as PassTarget::kernels holds it.
std::shared_ptr<const KernelCatalogue> catalogue();

} // namespace cnnc::cuda

#endif
