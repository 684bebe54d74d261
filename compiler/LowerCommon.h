//===- LowerCommon.h - Lowering logic both backends share -------*- C++ -*-===//
//
// What the CPU lowerings (compiler/cpu/lower/) and the CUDA lowerings
// (compiler/cuda/lower/) compute alike before they part ways on kernels,
// in types of its own that each backend turns into its kernels' params
// (neither backend includes the other's headers; a lit test checks it):
// shape products and strided iteration spaces, the activation a node
// computes (kinds numbered by compiler/Activations.def) and the fused
// epilogue of a conv or gemm, the geometry of a convolution and the
// resolved windows of pools, which ops are plain activations, the folded
// constants of batch_norm, the
// strided copies that carry out the data-movement ops (transpose, concat,
// split, slice, depth_to_space), the dims of gemm, the windows and padding
// mode of the conv family, and resize's axes and filter tables. Each backend
// turns the result into its own kernel calls; nothing here emits one. Op
// semantics the interpreter also follows live in ir/ops/ instead
// (ir/ops/Resolve.h).
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_LOWERCOMMON_H
#define CNNC_COMPILER_LOWERCOMMON_H

#include "compiler/LowerBuffers.h"
#include "ir/Window.h"
#include "ir/ops/Resolve.h"

#include <optional>
#include <vector>

namespace cnnc {

//===--- The lowering of a graph -------------------------------------------===//

/// The skeleton both backends lower a graph with: plans the buffers, lowers
/// every node in order with the backend's `lowerNode(node, ctx)` (freeing
/// consts read for the last time, BufferCtx::nodeLowered), places the
/// workspace once every scratch request is in, then copies each graph
/// output no node wrote in place with `lowerCopy(from, to, floats, ctx)`.
/// False after an error was reported.
template <class Ctx, class LowerNode, class LowerCopy>
bool lowerGraphWith(const Graph &g, Ctx &ctx, LowerNode lowerNode,
                    LowerCopy lowerCopy) {
  ctx.planBuffers();
  for (const auto &n : g.nodes()) {
    ctx.setCurrentNode(n.get());
    if (!lowerNode(*n, ctx))
      return false;
    ctx.nodeLowered(*n);
  }
  ctx.setCurrentNode(nullptr);
  ctx.finishBuffers();
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    const Value *v = g.outputs()[i];
    Buffer b = ctx.buffer(v);
    if (b.kind == Buffer::Output && b.index == int64_t(i))
      continue;
    lowerCopy(b, Buffer{Buffer::Output, int64_t(i), 0},
              numElements(v->type().shape), ctx);
  }
  return !ctx.hadError();
}

//===--- Shapes and strided spaces -----------------------------------------===//

/// The product of dimensions [lo, hi) of `s`.
int64_t product(const Shape &s, size_t lo, size_t hi);

/// An iteration space read through two per-axis element strides.
struct StridedSpace {
  std::vector<int64_t> shape;
  std::vector<int64_t> strides[2];
};

/// Drops axes of size 1 and merges adjacent axes that both stride lists
/// traverse contiguously; an empty result becomes one axis of size 1.
StridedSpace simplifySpace(const Shape &shape, const std::vector<int64_t> &s0,
                           const std::vector<int64_t> &s1);

/// Element strides of a [N,C,*S] tensor of type `t` over the view
/// [N, C/block, block, *S] (channel c = block index * block + lane): t is
/// plain (block 0) or blocked by `block` itself.
std::vector<int64_t> blockedViewStrides(const TensorType &t, int64_t block);

//===--- Activations and epilogues ----------------------------------------===//

/// The activation functions the kernels compute (compiler/Activations.def:
/// the numbering every backend's kernels use).
enum ActKind : int64_t {
#define CNNC_ACTIVATION(Id) kAct##Id,
#include "compiler/Activations.def"
};

/// An activation and its attributes (unused ones are 0).
struct Activation {
  ActKind kind = kActNone;
  double alpha = 0, beta = 0, gamma = 0;
};

/// The activation computed by node `n`, if it is an elementwise activation
/// (relu, leaky_relu, ..., gelu); false (and kActNone) for any other op.
bool activationOf(const Node &n, Activation &act);

/// What a fused conv or gemm does to its result (bias included):
/// y = resAct(act(v) + residual) (ir/Epilogue.h), resAct kActNone without
/// a residual.
struct FusedEpilogue {
  Activation act;
  bool hasResidual = false;
  Activation resAct;
};

/// The fused epilogue of conv or gemm node `n` (none: all identity).
FusedEpilogue fusedEpilogue(const Node &n);

/// The residual operand of a fused conv or gemm, or nullptr.
const Value *residualOf(const Node &n);

/// What a kernel call computes, for kernel names, manifests and profiles:
/// the node's name followed by the ops folded or fused into it
/// ("layer1.0.conv2+batch_norm+add+relu"); "output" for the copies of
/// graph outputs that no node writes.
std::string kernelLabel(const Node *node);

//===--- Windows ------------------------------------------------------------===//

/// The geometry of a convolution over three spatial axes (D, H, W); a 1D or
/// 2D convolution has leading axes of size, kernel and stride 1.
struct ConvGeometry {
  int64_t in[3], out[3], kernel[3], stride[3], dilation[3], padBegin[3];
  int64_t padMode; // convPadMode
  int64_t inSize;  // in[0]*in[1]*in[2]
  int64_t outSize; // out[0]*out[1]*out[2]
  int64_t kSize;   // kernel[0]*kernel[1]*kernel[2]
};

/// The geometry of the window `axes` (1 to 3 spatial axes).
ConvGeometry convGeometry(const std::vector<WindowAxis> &axes,
                          int64_t padMode = 0);

/// Writes a sliding window's geometry into a kernel's params (fields in,
/// out, kernel, stride, dilation, padBegin and, where the params have it,
/// padEnd), right-aligned on three axes (D, H, W): a 1D or 2D window gets
/// leading axes of size, kernel and stride 1.
template <typename Params>
void setWindow3(const std::vector<WindowAxis> &axes, Params &p) {
  size_t lead = 3 - axes.size();
  for (size_t i = 0; i < 3; ++i) {
    WindowAxis a;
    a.in = a.out = 1;
    if (i >= lead)
      a = axes[i - lead];
    p.in[i] = a.in;
    p.out[i] = a.out;
    p.kernel[i] = a.kernel;
    p.stride[i] = a.stride;
    p.dilation[i] = a.dilation;
    p.padBegin[i] = a.padBegin;
    if constexpr (requires { p.padEnd[i]; })
      p.padEnd[i] = a.padEnd;
  }
}

/// The resolved window of a max_pool or avg_pool node, as the
/// interpreter resolves it.
std::vector<WindowAxis> poolWindow(const Node &n);

/// The elementwise activations as X(Id): the ops of the epilogue
/// activation list (CNNC_EPILOGUE_ACTS in ir/Ops.def, flagged kElementwise
/// | kEpilogue). Every backend lowers each of them through its one unary
/// kernel: CNNC_ACTIVATION_OPS(CNNC_LOWER_AS_UNARY) in its namespace
/// defines every lower<Id>.
#define CNNC_ACTIVATION_OPS(X)                                                 \
  X(Relu)                                                                      \
  X(LeakyRelu)                                                                 \
  X(Elu)                                                                       \
  X(Selu)                                                                      \
  X(Sigmoid)                                                                   \
  X(Tanh)                                                                      \
  X(Softplus)                                                                  \
  X(Softsign)                                                                  \
  X(Silu)                                                                      \
  X(Mish)                                                                      \
  X(HardSigmoid)                                                               \
  X(HardSwish)                                                                 \
  X(Clip)                                                                      \
  X(Step)                                                                      \
  X(LogSigmoid)                                                                \
  X(Gelu)                                                                      \
  X(Erf)

/// Defines lower<Id>(n, ctx) as lowerUnary(n, ctx), with the LowerCtx and
/// lowerUnary of the backend namespace it expands in.
#define CNNC_LOWER_AS_UNARY(Id)                                                \
  bool lower##Id(const Node &n, LowerCtx &ctx) { return lowerUnary(n, ctx); }

/// batch_norm as the per-channel affine y = x * k[c] + s[c].
struct BatchNormAffine {
  Buffer k, s;
  /// Empty when k and s were folded at compile time (all four statistics
  /// operands are constants): they are then weights. Otherwise k and s
  /// are scratch areas of C floats, and `fold` lists the buffers of the
  /// backend's bn_fold kernel, which computes them at run time: scale,
  /// bias, mean, var, k, s.
  std::vector<Buffer> fold;
};

/// The k and s of batch_norm node `n`: k = scale / sqrt(var + epsilon),
/// s = bias - mean * k, folded in double when the operands are constants.
/// Returns nullopt after an error was reported (a const whose data could
/// not be read).
std::optional<BatchNormAffine> batchNormAffine(const Node &n, BufferCtx &ctx);

/// One strided copy of a data-movement op: over the iteration space
/// `shape` (i a multi-index into it), y[outOffset + i . outStride] =
/// x[inOffset + i . inStride], in elements of the values x and y.
struct StridedCopy {
  const Value *x = nullptr, *y = nullptr;
  Shape shape;
  std::vector<int64_t> inStride, outStride;
  int64_t inOffset = 0, outOffset = 0;
};

/// The data-movement ops that are strided copies and nothing else, as
/// X(Id). Every backend lowers each of them by running its strided-copy
/// kernel over stridedCopies(n): CNNC_STRIDED_COPY_OPS(
/// CNNC_LOWER_AS_STRIDED_COPIES) in its namespace defines every lower<Id>.
#define CNNC_STRIDED_COPY_OPS(X)                                               \
  X(Transpose)                                                                 \
  X(Concat)                                                                    \
  X(Split)                                                                     \
  X(Slice)                                                                     \
  X(DepthToSpace)

/// Defines lower<Id>(n, ctx) as lowerStridedCopies(n, ctx), with the
/// LowerCtx and lowerStridedCopies of the backend namespace it expands in.
#define CNNC_LOWER_AS_STRIDED_COPIES(Id)                                       \
  bool lower##Id(const Node &n, LowerCtx &ctx) {                               \
    return lowerStridedCopies(n, ctx);                                         \
  }

/// The copies that carry out node `n`, one of CNNC_STRIDED_COPY_OPS:
///   transpose       y in its order, x read through its permuted strides
///   concat          one per operand, into its slab of y along the axis
///   split           one per result, from its slab of x along the axis
///   slice           x read from each axis's start by its step, clamped as
///                   ONNX says (ir/ops/SliceOps.cpp); none for an empty y
///   depth_to_space  y [N,C,H*b,W*b] as [N,C,H,b,W,b] reading x viewed as
///                   [N,b,b,C,H,W] (dcr) or [N,C,b,b,H,W] (crd)
std::vector<StridedCopy> stridedCopies(const Node &n);

/// The product gemm node `n` computes: op(a) [M, K] by op(b) [K, N], op
/// transposing its operand where trans_a / trans_b is set.
struct GemmDims {
  int64_t m = 0, n = 0, k = 0;
  bool transA = false, transB = false;
};

/// The dims of gemm node `n` (shapes inferred).
GemmDims gemmDims(const Node &n);

/// conv's padding modes, in the numbering of every backend's conv kernels.
enum ConvPadMode : int64_t {
  kConvPadZeros = 0,
  kConvPadReflect,
  kConvPadReplicate,
  kConvPadCircular
};

/// conv's padding_mode as a ConvPadMode.
int64_t convPadMode(const Node &n);

/// The geometry of conv node `n`: its kernel window and padding mode.
ConvGeometry convGeometry(const Node &n);

/// The window of conv_transpose node `n` in gather form, per spatial axis:
/// x's size as `in`, y's as `out`, w's as `kernel`, the stride, dilation
/// and begin pad (the end pads and output_padding only fix y's size). On a
/// malformed stride, dilation or pads list reports it at `n` and returns
/// nullopt.
std::optional<std::vector<WindowAxis>> convTransposeWindow(const Node &n,
                                                           DiagEngine &diag);

/// The window of a locally_connected, tiled_conv or deform_conv node: its
/// window attributes (no auto_pad) over the kernel of w's last two axes.
std::vector<WindowAxis> convVariantWindow(const Node &n);

/// The spatial axes of resize node `n` (shapes inferred, 1 to 3 of them)
/// right-aligned on three (D, H, W): a missing leading axis has in = out = 1.
std::vector<ResizeAxis> resizeAxes3(const Node &n);

/// A resize filter table (cubic, antialiased linear, tf_crop_and_resize):
/// the three axes of resizeAxes3, each from its offset (`offsets`) with
/// `taps` (index, weight) float pairs per output coordinate, as
/// resizeAxisFilter gives them; an index of -1 in a coordinate's first
/// pair marks it outside the input (the output is extrapolation_value).
/// A missing leading axis is the one pair (0, 1).
struct ResizeTable {
  std::vector<float> data;
  std::vector<int64_t> offsets, taps;
};
ResizeTable resizeTable(const Node &n, const std::vector<ResizeAxis> &axes);

} // namespace cnnc

#endif
