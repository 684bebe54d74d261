//===- CudaDesc.cpp - Checking a CUDA model's descriptor
//-------------------===//
//
// Everything about a CUDA descriptor that can be checked without a driver:
// images with an architecture and data, named kernels, and launches whose
// kernel index, argument count, grid, block and buffer references are in
// range. A malformed descriptor is CNNRT_ERR_BAD_DESCRIPTOR with a message
// naming the launch, argument and field, on any machine, GPU or not.
//
//===----------------------------------------------------------------------===//
#include "CudaModel.h"

#include <cstring>

namespace cnnrt {

namespace {

cnnrt_status bad(const cnnrt_model &m, const std::string &text) {
  return fail(CNNRT_ERR_BAD_DESCRIPTOR, cat(m.Source, ": ", text));
}

/// "sm_NN"/"sm_NNa" for a cubin, "compute_NN" for PTX.
bool validArch(const char *arch, bool ptx) {
  const char *prefix = ptx ? "compute_" : "sm_";
  size_t n = std::strlen(prefix);
  if (std::strncmp(arch, prefix, n) != 0)
    return false;
  const char *p = arch + n;
  int digits = 0;
  for (; *p >= '0' && *p <= '9'; ++p)
    ++digits;
  // Architecture-specific variants ("sm_90a", "sm_100f").
  if (*p >= 'a' && *p <= 'z')
    ++p;
  return digits >= 2 && *p == '\0';
}

cnnrt_status checkImages(const cnnrt_model &m, const cnnc_cuda_module &c) {
  if (c.num_images <= 0 || !c.images)
    return bad(m, cat("CUDA model has ", c.num_images,
                      " images (cubin or PTX), expected at least one"));
  for (int32_t i = 0; i < c.num_images; ++i) {
    const cnnc_cuda_image &im = c.images[i];
    std::string which = cat("CUDA image ", i);
    if (!im.arch || !validArch(im.arch, im.is_ptx != 0))
      return bad(m,
                 cat(which, " has architecture '", im.arch ? im.arch : "",
                     "', expected ",
                     im.is_ptx ? "compute_XY for PTX" : "sm_XY for a cubin"));
    if (!im.data || im.bytes == 0)
      return bad(m, cat(which, " (", im.arch, ") has no data"));
    if (im.is_ptx && static_cast<const char *>(im.data)[im.bytes - 1] != '\0')
      return bad(
          m, cat(which, " (", im.arch, ") is PTX without a terminating NUL"));
  }
  return CNNRT_OK;
}

cnnrt_status checkKernels(const cnnrt_model &m, const cnnc_cuda_module &c) {
  if (c.num_kernels < 0 || (c.num_kernels > 0 && !c.kernel_names))
    return bad(m, cat("CUDA model declares ", c.num_kernels,
                      " kernels but their names are missing"));
  for (int32_t i = 0; i < c.num_kernels; ++i)
    if (!c.kernel_names[i] || !*c.kernel_names[i])
      return bad(m, cat("CUDA kernel ", i, " has no name"));
  return CNNRT_OK;
}

/// One buffer reference of a launch.
cnnrt_status checkRef(const cnnrt_model &m, const cnnc_buffer_ref &r,
                      const std::string &which) {
  const cnnc_model_desc &d = *m.Desc;
  switch (r.kind) {
  case CNNC_BUFFER_INPUT:
  case CNNC_BUFFER_OUTPUT: {
    bool in = r.kind == CNNC_BUFFER_INPUT;
    int32_t count = in ? d.num_inputs : d.num_outputs;
    if (r.index < 0 || r.index >= count)
      return bad(m, cat(which, " refers to ", in ? "input " : "output ",
                        r.index, ", the model has ", count));
    int64_t bytes = in ? d.inputs[r.index].bytes : d.outputs[r.index].bytes;
    if (r.offset != 0 && r.offset >= uint64_t(bytes))
      return bad(m, cat(which, " has offset ", r.offset, " into ",
                        in ? "input " : "output ", r.index, " of ", bytes,
                        " bytes"));
    return CNNRT_OK;
  }
  case CNNC_BUFFER_WORKSPACE:
  case CNNC_BUFFER_WEIGHTS: {
    bool ws = r.kind == CNNC_BUFFER_WORKSPACE;
    uint64_t bytes = ws ? d.workspace_bytes : d.weights_bytes;
    if (r.offset >= bytes)
      return bad(m, cat(which, " has offset ", r.offset, " into the ",
                        ws ? "workspace" : "weights", " of ", bytes, " bytes"));
    return CNNRT_OK;
  }
  }
  return bad(m, cat(which, " has an unknown buffer kind ", r.kind));
}

cnnrt_status checkLaunch(const cnnrt_model &m, const cnnc_cuda_module &c,
                         int32_t i) {
  const cnnc_cuda_launch &l = c.launches[i];
  std::string which = cat("CUDA launch ", i);
  if (l.kernel < 0 || l.kernel >= c.num_kernels)
    return bad(m, cat(which, " runs kernel ", l.kernel, ", the model has ",
                      c.num_kernels));
  which += cat(" (", c.kernel_names[l.kernel], ")");
  if (l.num_args < 0 || l.num_args > CNNC_CUDA_MAX_ARGS ||
      (l.num_args > 0 && !l.args))
    return bad(m, cat(which, " has ", l.num_args, " arguments, expected 0 to ",
                      CNNC_CUDA_MAX_ARGS, " with their table"));
  for (int k = 0; k < 3; ++k) {
    if (l.grid[k] != 0 && l.block[k] != 0)
      continue;
    bool grid = l.grid[k] == 0;
    const uint32_t *dims = grid ? l.grid : l.block;
    return bad(m, cat(which, " has an empty ", grid ? "grid " : "block ",
                      dims[0], "x", dims[1], "x", dims[2]));
  }
  for (int32_t a = 0; a < l.num_args; ++a)
    if (cnnrt_status s = checkRef(m, l.args[a], cat(which, " argument ", a)))
      return s;
  return CNNRT_OK;
}

} // namespace

cnnrt_status checkCudaDesc(const cnnrt_model &m) {
  const cnnc_model_desc &d = *m.Desc;
  if (!d.cuda)
    return bad(m, "descriptor of a CUDA model has no CUDA module (cuda is "
                  "null)");
  const cnnc_cuda_module &c = *d.cuda;
  if (cnnrt_status s = checkImages(m, c))
    return s;
  if (cnnrt_status s = checkKernels(m, c))
    return s;
  if (c.num_launches < 0 || (c.num_launches > 0 && !c.launches))
    return bad(m, cat("CUDA model declares ", c.num_launches,
                      " launches but their table is missing"));
  for (int32_t i = 0; i < c.num_launches; ++i)
    if (cnnrt_status s = checkLaunch(m, c, i))
      return s;
  if (d.weights_file && c.weights)
    return bad(m, cat("CUDA model has both embedded weights and the weights "
                      "file '",
                      d.weights_file, "'"));
  if (!d.weights_file && d.weights_bytes > 0 && !c.weights)
    return bad(m, cat("CUDA model declares ", d.weights_bytes,
                      " bytes of embedded weights but has none"));
  if (d.num_profile_entries != 0 && d.num_profile_entries != c.num_launches)
    return bad(m, cat("CUDA model has ", d.num_profile_entries,
                      " profile entries for ", c.num_launches,
                      " launches (expected one per launch)"));
  return CNNRT_OK;
}

StagingLayout stagingLayout(const cnnc_model_desc &d) {
  StagingLayout l;
  uint64_t at = alignDevice(d.workspace_bytes);
  for (int32_t i = 0; i < d.num_inputs; ++i) {
    l.Inputs.push_back(at);
    at += alignDevice(uint64_t(d.inputs[i].bytes));
  }
  for (int32_t i = 0; i < d.num_outputs; ++i) {
    l.Outputs.push_back(at);
    at += alignDevice(uint64_t(d.outputs[i].bytes));
  }
  l.Total = at;
  return l;
}

} // namespace cnnrt
