//===- ShapeOps.cpp - Reshaping and reordering ops ------------------------===//
//
// Shape functions and reference kernels of the ops that move data without
// arithmetic: flatten, reshape, transpose, concat, split, depth_to_space,
// and the inference identities dropout and identity. Slice and pad live in
// SliceOps.cpp, resize in ResizeOps.cpp.
//
//===----------------------------------------------------------------------===//
#include "ir/Interpreter.h"
#include "ir/ShapeInference.h"
#include "ir/ops/Indexing.h"

#include "ir/ops/Resolve.h"

#include <algorithm>

namespace cnnc {

namespace {

/// Copies the operand unchanged (reshapes keep the row-major order).
void copyInput(const KernelCtx &ctx) { ctx.out().data = ctx.in(0).data; }


/// The part sizes of a split of an axis of size `dim` into `parts`.
std::vector<int64_t> splitSizes(const Node &node, int64_t dim, size_t parts) {
  std::vector<int64_t> sizes = node.getInts("split");
  if (sizes.empty())
    sizes.assign(parts, dim / int64_t(parts));
  return sizes;
}

/// Are `sizes` non-negative with sum `total`? (Checked without overflow.)
bool sumsTo(const std::vector<int64_t> &sizes, int64_t total) {
  int64_t left = total;
  for (int64_t s : sizes) {
    if (s < 0 || s > left)
      return false;
    left -= s;
  }
  return left == 0;
}

} // namespace

std::vector<int64_t> transposePerm(const Node &node, int64_t rank) {
  std::vector<int64_t> perm = node.getInts("perm");
  if (!perm.empty())
    return perm;
  for (int64_t i = rank; i-- > 0;)
    perm.push_back(i);
  return perm;
}

//===--- flatten ----------------------------------------------------------===//

bool inferFlatten(ShapeCtx &ctx) {
  int64_t r = ctx.rank(0), axis = ctx.node().getInt("axis");
  if (axis < -r || axis > r)
    return ctx.error("flatten expects 'axis' in [{}, {}], found {}", -r, r,
                     axis);
  if (axis < 0)
    axis += r;
  const Shape &x = ctx.in(0);
  std::optional<int64_t> outer = checkedProduct(x, 0, size_t(axis));
  std::optional<int64_t> inner = checkedProduct(x, size_t(axis), x.size());
  if (!outer || !inner)
    return ctx.error("flatten of x {} at axis {} has a dimension of more "
                     "than 2^40 elements",
                     shapeStr(x), axis);
  ctx.setOut({*outer, *inner});
  return true;
}

void interpretFlatten(const KernelCtx &ctx) { copyInput(ctx); }

//===--- reshape ----------------------------------------------------------===//

bool inferReshape(ShapeCtx &ctx) {
  const Shape &x = ctx.in(0);
  const std::vector<int64_t> &shape = ctx.node().getInts("shape");
  Shape out;
  std::optional<size_t> inferred;
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t v = shape[i];
    if (v < -1)
      return ctx.error("reshape expects 'shape' entries of at least -1, "
                       "found {} in {}",
                       v, shapeStr(shape));
    if (v == -1 && inferred)
      return ctx.error("reshape expects at most one -1 in 'shape', found {}",
                       shapeStr(shape));
    if (v == 0 && i >= x.size())
      return ctx.error("reshape expects a 0 in 'shape' only where x {} has a "
                       "dimension to copy, found {}",
                       shapeStr(x), shapeStr(shape));
    if (v == -1)
      inferred = i;
    out.push_back(v == 0 ? x[i] : v == -1 ? 1 : v);
  }
  std::optional<int64_t> known = checkedNumElements(out);
  if (!known)
    return ctx.error("reshape 'shape' {} has more than 2^40 elements",
                     shapeStr(shape));
  int64_t total = numElements(x);
  if (inferred) {
    if (*known == 0 || total % *known != 0)
      return ctx.error("reshape cannot infer the -1 in 'shape' {}: x {} has "
                       "{} elements, not a multiple of {}",
                       shapeStr(shape), shapeStr(x), total, *known);
    out[*inferred] = total / *known;
  } else if (*known != total) {
    return ctx.error("reshape expects 'shape' {} to keep the {} elements of "
                     "x {}, found {} elements",
                     shapeStr(shape), total, shapeStr(x), *known);
  }
  ctx.setOut(out);
  return true;
}

void interpretReshape(const KernelCtx &ctx) { copyInput(ctx); }

//===--- transpose --------------------------------------------------------===//

bool inferTranspose(ShapeCtx &ctx) {
  const Shape &x = ctx.in(0);
  int64_t r = ctx.rank(0);
  std::vector<int64_t> perm = transposePerm(ctx.node(), r);
  std::vector<bool> seen(size_t(r), false);
  bool ok = int64_t(perm.size()) == r;
  for (size_t i = 0; ok && i < perm.size(); ++i) {
    ok = perm[i] >= 0 && perm[i] < r && !seen[size_t(perm[i])];
    if (ok)
      seen[size_t(perm[i])] = true;
  }
  if (!ok)
    return ctx.error("transpose expects 'perm' to be a permutation of the "
                     "{} axes of x {}, found {}",
                     r, shapeStr(x), shapeStr(perm));
  Shape out;
  for (int64_t p : perm)
    out.push_back(x[size_t(p)]);
  ctx.setOut(out);
  return true;
}

void interpretTranspose(const KernelCtx &ctx) {
  const Tensor &x = ctx.in(0);
  Tensor &y = ctx.out();
  std::vector<int64_t> perm = transposePerm(ctx.node, x.rank());
  std::vector<int64_t> src(perm.size());
  for (int64_t o = 0; o < y.size(); ++o) {
    std::vector<int64_t> idx = unravelIndex(o, y.shape);
    for (size_t i = 0; i < perm.size(); ++i)
      src[size_t(perm[i])] = idx[i];
    y.data[size_t(o)] = x.data[size_t(ravelIndex(src, x.shape))];
  }
}

//===--- concat -----------------------------------------------------------===//

bool inferConcat(ShapeCtx &ctx) {
  const Shape &first = ctx.in(0);
  int64_t r = ctx.rank(0), axis = ctx.node().getInt("axis");
  if (r == 0)
    return ctx.error("concat expects operands of rank at least 1, found "
                     "operand 0 of rank 0");
  if (!ctx.normaliseAxis(axis, r, "axis"))
    return false;
  Shape out = first;
  for (unsigned i = 1; i < ctx.numInputs(); ++i) {
    const Shape &s = ctx.in(i);
    if (ctx.rank(i) != r)
      return ctx.error("concat expects operand {} {} of rank {} like operand "
                       "0 {}",
                       i, shapeStr(s), r, shapeStr(first));
    bool match = true;
    for (int64_t d = 0; match && d < r; ++d)
      match = d == axis || s[size_t(d)] == first[size_t(d)];
    if (!match)
      return ctx.error("concat expects operand {} {} to match operand 0 {} "
                       "on every axis but {}",
                       i, shapeStr(s), shapeStr(first), axis);
    std::optional<int64_t> sum =
        checkedSizeAdd(out[size_t(axis)], s[size_t(axis)]);
    if (!sum)
      return ctx.error("concat result exceeds 2^40 elements on axis {}", axis);
    out[size_t(axis)] = *sum;
  }
  ctx.setOut(out);
  return true;
}

void interpretConcat(const KernelCtx &ctx) {
  Tensor &y = ctx.out();
  int64_t axis = ctx.node.getInt("axis");
  if (axis < 0)
    axis += y.rank();
  int64_t outer = numElements(Shape(y.shape.begin(), y.shape.begin() + axis));
  int64_t inner = numElements(Shape(y.shape.begin() + axis + 1, y.shape.end()));
  float *dst = y.ptr();
  for (int64_t o = 0; o < outer; ++o)
    for (const Tensor *x : ctx.ins) {
      int64_t block = x->dim(axis) * inner;
      std::copy_n(x->ptr() + o * block, block, dst);
      dst += block;
    }
}

//===--- split ------------------------------------------------------------===//

bool inferSplit(ShapeCtx &ctx) {
  const Shape &x = ctx.in(0);
  int64_t axis = ctx.node().getInt("axis");
  if (!ctx.normaliseAxis(axis, ctx.rank(0), "axis"))
    return false;
  int64_t dim = x[size_t(axis)];
  size_t parts = ctx.outs().size();
  const std::vector<int64_t> &given = ctx.node().getInts("split");
  if (given.empty() && dim % int64_t(parts) != 0)
    return ctx.error("split expects axis {} of x {} (size {}) to divide "
                     "evenly into {} results",
                     axis, shapeStr(x), dim, parts);
  if (!given.empty() && given.size() != parts)
    return ctx.error("split expects one 'split' entry per result ({}), "
                     "found {} in {}",
                     parts, given.size(), shapeStr(given));
  if (!given.empty() && !sumsTo(given, dim))
    return ctx.error("split expects non-negative 'split' sizes summing to {} "
                     "(axis {} of x {}), found {}",
                     dim, axis, shapeStr(x), shapeStr(given));
  std::vector<int64_t> sizes = splitSizes(ctx.node(), dim, parts);
  for (size_t i = 0; i < parts; ++i) {
    Shape out = x;
    out[size_t(axis)] = sizes[i];
    ctx.setOut(out, unsigned(i));
  }
  return true;
}

void interpretSplit(const KernelCtx &ctx) {
  const Tensor &x = ctx.in(0);
  int64_t axis = ctx.node.getInt("axis");
  if (axis < 0)
    axis += x.rank();
  int64_t outer = numElements(Shape(x.shape.begin(), x.shape.begin() + axis));
  int64_t inner = numElements(Shape(x.shape.begin() + axis + 1, x.shape.end()));
  const float *src = x.ptr();
  for (int64_t o = 0; o < outer; ++o)
    for (Tensor *y : ctx.outs) {
      int64_t block = y->dim(axis) * inner;
      std::copy_n(src, block, y->ptr() + o * block);
      src += block;
    }
}

//===--- depth_to_space ---------------------------------------------------===//

bool inferDepthToSpace(ShapeCtx &ctx) {
  if (!ctx.expectRank(0, 4))
    return false;
  const Shape &x = ctx.in(0);
  int64_t b = ctx.node().getInt("blocksize");
  if (b < 1)
    return ctx.error("depth_to_space expects 'blocksize' of at least 1, "
                     "found {}",
                     b);
  if (x[1] % b != 0 || (x[1] / b) % b != 0)
    return ctx.error("depth_to_space expects the channels of x {} to be a "
                     "multiple of blocksize^2 (blocksize {})",
                     shapeStr(x), b);
  if (x[2] > kMaxElements / b || x[3] > kMaxElements / b)
    return ctx.error("depth_to_space result exceeds 2^40 elements on an axis");
  ctx.setOut({x[0], x[1] / b / b, x[2] * b, x[3] * b});
  return true;
}

void interpretDepthToSpace(const KernelCtx &ctx) {
  const Tensor &x = ctx.in(0);
  Tensor &y = ctx.out();
  int64_t b = ctx.node.getInt("blocksize");
  bool dcr = ctx.node.getEnum("mode") == "dcr";
  int64_t c = y.dim(1), h = x.dim(2), w = x.dim(3);
  for (int64_t o = 0; o < y.size(); ++o) {
    std::vector<int64_t> idx = unravelIndex(o, y.shape);
    int64_t i = idx[2] % b, j = idx[3] % b;
    // dcr: x viewed as [N,b,b,C/b^2,H,W]; crd: as [N,C/b^2,b,b,H,W].
    int64_t ch = dcr ? (i * b + j) * c + idx[1] : (idx[1] * b + i) * b + j;
    int64_t src = ((idx[0] * x.dim(1) + ch) * h + idx[2] / b) * w + idx[3] / b;
    y.data[size_t(o)] = x.data[size_t(src)];
  }
}

//===--- dropout, identity ------------------------------------------------===//

bool inferDropout(ShapeCtx &ctx) {
  double ratio = ctx.node().getFloat("ratio");
  if (!(ratio >= 0 && ratio <= 1))
    return ctx.error("dropout expects 'ratio' in [0, 1], found {}", ratio);
  ctx.setOut(ctx.in(0));
  return true;
}

void interpretDropout(const KernelCtx &ctx) { copyInput(ctx); }

bool inferIdentity(ShapeCtx &ctx) {
  ctx.setOut(ctx.in(0));
  return true;
}

void interpretIdentity(const KernelCtx &ctx) { copyInput(ctx); }

// relayout changes only the memory layout, which the interpreter ignores.
bool inferRelayout(ShapeCtx &ctx) {
  ctx.setOut(ctx.in(0));
  return true;
}

void interpretRelayout(const KernelCtx &ctx) { copyInput(ctx); }

} // namespace cnnc
