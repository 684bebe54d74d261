//===- FuzzRuntime.cpp - fuzz target: libcnnrt's descriptor checks --------===//
//
// Builds a model descriptor in memory from the input (magic, ABI version,
// size, names, tensor tables with ranks, shapes and byte sizes, weights,
// profile entries, device, and for CUDA models the image, kernel and launch
// tables) and hands it to cnnrt_load_desc: the runtime must refuse every
// inconsistent one with a status and a message, never crash or read past
// what the descriptor declares. A descriptor it accepts is introspected,
// verified, run once (its run function does nothing) with buffers of the
// sizes it declares, and unloaded. No shared object is opened: the CUDA
// driver is pointed at a missing file, so CUDA descriptors stop after
// their tables are checked.
//
//===----------------------------------------------------------------------===//
#include "cnnc/hash.h"
#include "cnnc/runtime.h"

// clang's own header; the gcc build names it by path (clang's include
// folder cannot be put on gcc's include path).
#ifdef CNNC_FUZZED_DATA_PROVIDER_PATH
#include CNNC_FUZZED_DATA_PROVIDER_PATH
#else
#include <fuzzer/FuzzedDataProvider.h>
#endif

#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

namespace {

int32_t runNothing(const void *const *, void *const *, void *,
                   const cnnc_exec_ctx *) {
  return CNNC_RUN_OK;
}

/// Storage that lives as long as one descriptor: strings and arrays the
/// descriptor points into.
struct Arena {
  std::deque<std::string> strings;
  std::deque<std::vector<int64_t>> shapes;
  std::deque<std::vector<unsigned char>> bytes;

  const char *string(FuzzedDataProvider &p) {
    if (p.ConsumeIntegralInRange(0, 15) == 0)
      return nullptr;
    strings.push_back(p.ConsumeRandomLengthString(24));
    return strings.back().c_str();
  }
};

std::vector<cnnc_tensor_desc> tensors(FuzzedDataProvider &p, Arena &a,
                                      int32_t count) {
  std::vector<cnnc_tensor_desc> ts(size_t(std::max(count, 0)));
  for (cnnc_tensor_desc &t : ts) {
    t.name = a.string(p);
    t.dtype = p.ConsumeIntegralInRange(0, 15) == 0
                  ? p.ConsumeIntegral<int32_t>()
                  : CNNC_F32;
    t.rank = p.ConsumeIntegralInRange(0, 20) == 0
                 ? p.ConsumeIntegral<int32_t>()
                 : p.ConsumeIntegralInRange<int32_t>(0, 5);
    a.shapes.emplace_back();
    std::vector<int64_t> &s = a.shapes.back();
    int64_t elems = 1;
    if (t.rank > 0 && t.rank <= 8)
      for (int32_t d = 0; d < t.rank; ++d) {
        int64_t n = p.ConsumeIntegralInRange(0, 30) == 0
                        ? p.ConsumeIntegral<int64_t>()
                        : p.ConsumeIntegralInRange<int64_t>(0, 6);
        s.push_back(n);
        elems = (n >= 0 && n <= 6) ? elems * n : -1;
      }
    t.shape = s.empty() && p.ConsumeBool() ? nullptr : s.data();
    t.bytes = p.ConsumeIntegralInRange(0, 10) == 0 || elems < 0
                  ? p.ConsumeIntegral<int64_t>()
                  : elems * 4;
  }
  return ts;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  // CUDA descriptors are checked, then the (missing) driver stops them.
  setenv("CNNRT_CUDA_DRIVER", "/nonexistent/libcuda.so.1", 1);
  unsetenv("CNNRT_VERIFY_WEIGHTS");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FuzzedDataProvider p(data, size);
  Arena a;
  cnnc_model_desc d;
  std::memset(&d, 0, sizeof d);
  d.magic = p.ConsumeIntegralInRange(0, 20) == 0 ? p.ConsumeIntegral<uint32_t>()
                                                 : CNNC_MODEL_MAGIC;
  d.abi_version = p.ConsumeIntegralInRange(0, 20) == 0
                      ? p.ConsumeIntegral<uint32_t>()
                      : CNNC_ABI_VERSION;
  d.desc_size = p.ConsumeIntegralInRange(0, 20) == 0
                    ? p.ConsumeIntegral<uint64_t>() % (2 * sizeof d)
                    : sizeof d;
  d.name = a.string(p);
  d.target_cpu = a.string(p);
  d.cpu_features = a.string(p);
  d.num_inputs = p.ConsumeIntegralInRange<int32_t>(-1, 3);
  d.num_outputs = p.ConsumeIntegralInRange<int32_t>(-1, 3);
  std::vector<cnnc_tensor_desc> ins = tensors(p, a, d.num_inputs);
  std::vector<cnnc_tensor_desc> outs = tensors(p, a, d.num_outputs);
  d.inputs = ins.empty() && p.ConsumeBool() ? nullptr : ins.data();
  d.outputs = outs.empty() && p.ConsumeBool() ? nullptr : outs.data();
  d.workspace_bytes = p.ConsumeIntegralInRange<uint64_t>(0, 4096);
  // Weights: embedded (the bytes the descriptor points at, of the size it
  // declares, their checksum right or not) or a file that is not there.
  uint64_t wbytes = p.ConsumeIntegralInRange<uint64_t>(0, 256);
  a.bytes.push_back(p.ConsumeBytes<unsigned char>(wbytes));
  a.bytes.back().resize(wbytes);
  d.weights_bytes = wbytes;
  d.weights_hash = p.ConsumeBool()
                       ? cnnc_weights_hash(a.bytes.back().data(), wbytes)
                       : p.ConsumeIntegral<uint64_t>();
  if (p.ConsumeIntegralInRange(0, 8) == 0)
    d.weights_file = a.string(p);
  else if (p.ConsumeBool())
    d.embedded_weights = a.bytes.back().data();
  d.flops = p.ConsumeIntegral<uint64_t>();
  d.run = p.ConsumeIntegralInRange(0, 15) == 0 ? nullptr : runNothing;
  d.num_profile_entries = p.ConsumeIntegralInRange<int32_t>(-1, 3);
  std::vector<cnnc_profile_entry> prof(
      size_t(std::max(d.num_profile_entries, 0)));
  for (cnnc_profile_entry &e : prof)
    e = {a.string(p), a.string(p), a.string(p), p.ConsumeIntegral<uint64_t>()};
  d.profile_entries = prof.empty() && p.ConsumeBool() ? nullptr : prof.data();
  d.device = p.ConsumeIntegralInRange(0, 10) == 0
                 ? p.ConsumeIntegral<int32_t>()
                 : p.ConsumeIntegralInRange(0, 1);

  // CUDA tables.
  cnnc_cuda_module cuda;
  std::memset(&cuda, 0, sizeof cuda);
  std::vector<cnnc_cuda_image> images;
  std::vector<const char *> names;
  std::vector<cnnc_cuda_launch> launches;
  std::deque<std::vector<cnnc_buffer_ref>> args;
  if (d.device == CNNC_DEVICE_CUDA && p.ConsumeIntegralInRange(0, 10) != 0) {
    cuda.num_images = p.ConsumeIntegralInRange<int32_t>(-1, 3);
    for (int32_t i = 0; i < cuda.num_images; ++i) {
      a.bytes.push_back(p.ConsumeBytes<unsigned char>(
          p.ConsumeIntegralInRange<size_t>(0, 32)));
      images.push_back(
          {a.string(p), int32_t(p.ConsumeBool()),
           a.bytes.back().empty() ? nullptr : a.bytes.back().data(),
           uint64_t(a.bytes.back().size())});
    }
    cuda.images = images.empty() && p.ConsumeBool() ? nullptr : images.data();
    cuda.num_kernels = p.ConsumeIntegralInRange<int32_t>(-1, 3);
    for (int32_t i = 0; i < cuda.num_kernels; ++i)
      names.push_back(a.string(p));
    cuda.kernel_names =
        names.empty() && p.ConsumeBool() ? nullptr : names.data();
    cuda.num_launches = p.ConsumeIntegralInRange<int32_t>(-1, 4);
    for (int32_t i = 0; i < cuda.num_launches; ++i) {
      cnnc_cuda_launch l;
      std::memset(&l, 0, sizeof l);
      l.kernel = p.ConsumeIntegralInRange<int32_t>(-1, 3);
      l.num_args = p.ConsumeIntegralInRange<int32_t>(-1, 5);
      for (int k = 0; k < 3; ++k) {
        l.grid[k] = p.ConsumeIntegralInRange<uint32_t>(0, 4);
        l.block[k] = p.ConsumeIntegralInRange<uint32_t>(0, 64);
      }
      l.shared_bytes = p.ConsumeIntegralInRange<uint32_t>(0, 1 << 17);
      args.emplace_back(size_t(std::max(l.num_args, 0)));
      for (cnnc_buffer_ref &r : args.back())
        r = {p.ConsumeIntegralInRange<int32_t>(-1, 5),
             p.ConsumeIntegralInRange<int32_t>(-1, 3),
             p.ConsumeIntegralInRange<uint64_t>(0, 8192)};
      l.args =
          args.back().empty() && p.ConsumeBool() ? nullptr : args.back().data();
      launches.push_back(l);
    }
    cuda.launches =
        launches.empty() && p.ConsumeBool() ? nullptr : launches.data();
    cuda.weights = d.weights_file ? nullptr : d.embedded_weights;
    d.cuda = &cuda;
  }

  cnnrt_model *m = nullptr;
  if (cnnrt_load_desc(&d, "/nonexistent-fuzz-dir", &m) != CNNRT_OK) {
    if (m || !cnnrt_last_error()[0])
      __builtin_trap(); // a failure leaves no model and says why
    return 0;
  }
  (void)cnnrt_model_name(m);
  (void)cnnrt_verify_weights(m);
  for (int32_t i = 0; i < cnnrt_num_inputs(m); ++i)
    (void)cnnrt_input_desc(m, i);
  // One run with buffers of the declared sizes (bounded: the shapes above
  // hold at most 6^5 elements).
  std::vector<std::vector<unsigned char>> bufs;
  std::vector<cnnrt_input> rin;
  std::vector<cnnrt_output> rout;
  for (const cnnc_tensor_desc &t : ins) {
    bufs.emplace_back(size_t(t.bytes));
    rin.push_back({bufs.back().data(), uint64_t(t.bytes)});
  }
  for (const cnnc_tensor_desc &t : outs) {
    bufs.emplace_back(size_t(t.bytes));
    rout.push_back({bufs.back().data(), uint64_t(t.bytes)});
  }
  void *ws = nullptr;
  if (cnnrt_workspace_alloc(m, &ws) == CNNRT_OK)
    (void)cnnrt_run(m, rin.data(), int32_t(rin.size()), rout.data(),
                    int32_t(rout.size()), ws, cnnrt_workspace_bytes(m),
                    nullptr);
  cnnrt_workspace_free(ws);
  cnnrt_unload(m);
  return 0;
}
