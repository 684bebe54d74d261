//===- Pipeline.cpp - The default pass pipelines --------------------------===//
//
// One list, read top to bottom, is what cnnc does to a graph before the
// backend sees it. The order matters:
//
//   infer-shapes      every later pass reads types
//   fold-constants    weights computed from weights become plain consts
//   fold-pad          explicit pads into the conv or pool after them
//   fold-batch-norm   batch_norm into the conv / gemm before it
//   matmul-to-gemm    fully connected matmuls (any rank of x) as gemm with
//                     their bias: before fusion, so activations fuse in
//   fold-scale-shift  per-channel mul / add by consts into the weights
//   cse               before fusion, so duplicated tails fuse once
//   fuse-layer-norm   layer_norm into the gemm reading it (normalised
//                     while a is packed), channels-last transposes into
//                     trans_a: before fuse-epilogue, which then fuses
//                     into the layer_norm_gemm as into a gemm
//   fuse-epilogue     bias, activations, residual add into conv / gemm
//   patch-conv        convs over non-overlapping patches (kernel = stride:
//                     ConvNeXt's stem and downsampling) as a transpose of
//                     the patches and a 1x1 conv, before assign-layout so
//                     the 1x1 conv gets its layout (CPU only)
//   assign-layout     channel-blocked layouts (NCHWc) for convs, pools and
//                     the ops between them: before conv-to-gemm, which
//                     would leave depthwise convs isolated between gemms
//   conv-to-gemm      the 1x1 convs left plain as gemm
//   choose-tiles      tile sizes of every conv and gemm
//   dce               drop what the rewrites left unused
//
// For CUDA the list is the same but for patch-conv (the CUDA conv's implicit
// GEMM gathers the patches as it stages them) and assign-layout: the GPU
// kernels read plain NCHW (coalesced along W), and choose-tiles picks GPU
// tiles.
//
//===----------------------------------------------------------------------===//
#include "compiler/Pipeline.h"

#include "compiler/cpu/Catalogue.h"
#include "compiler/cpu/Target.h"
#include "compiler/cuda/Catalogue.h"

namespace cnnc {

std::string_view defaultPipeline(int optLevel, PassTarget::Device device) {
  if (optLevel <= 0)
    return "infer-shapes";
  if (device == PassTarget::Device::Cuda)
    return "infer-shapes,fold-constants,fold-pad,fold-batch-norm,"
           "matmul-to-gemm,fold-scale-shift,cse,fuse-layer-norm,"
           "fuse-epilogue,conv-to-gemm,choose-tiles,dce";
  return "infer-shapes,fold-constants,fold-pad,fold-batch-norm,"
         "matmul-to-gemm,fold-scale-shift,cse,fuse-layer-norm,fuse-epilogue,"
         "patch-conv,assign-layout,conv-to-gemm,choose-tiles,dce";
}

bool passTargetFor(const std::string &targetCpu,
                   const std::string &targetFeatures, PassTarget &out,
                   DiagEngine &diag) {
  std::string error;
  std::unique_ptr<cpu::Target> t =
      cpu::resolveTarget(targetCpu, targetFeatures, error);
  if (!t) {
    diag.error(SourceLoc{}, "{}", error);
    return false;
  }
  out = cpu::passTarget(t->info);
  return true;
}

PassTarget gpuPassTarget() {
  PassTarget t;
  t.device = PassTarget::Device::Cuda;
  t.kernels = cuda::catalogue();
  return t;
}

} // namespace cnnc
