//===- Catalogue.cpp - The CUDA backend's kernel catalogue ----------------===//
#include "compiler/cuda/Catalogue.h"

namespace cnnc::cuda {

ConvAlgo Catalogue::convAlgorithm(const Node &n) const {
  int64_t channels = n.operand(0)->type().shape[1];
  int64_t groups = n.getInt("groups");
  if (channels == groups && groups > 1)
    return ConvAlgo::Depthwise;
  if (isPointwiseConv(n))
    return ConvAlgo::AsGemm;
  return ConvAlgo::ImplicitGemm;
}

std::optional<BlockedForm> Catalogue::blockedForm(const Node &, int64_t,
                                                  std::string &why) const {
  why = "the CUDA kernels read plain layouts only";
  return std::nullopt;
}

std::shared_ptr<const KernelCatalogue> catalogue() {
  static const std::shared_ptr<const KernelCatalogue> c =
      std::make_shared<Catalogue>();
  return c;
}

} // namespace cnnc::cuda
