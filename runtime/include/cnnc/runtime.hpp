//===- cnnc/runtime.hpp - A thin C++ wrapper over libcnnrt ------*- C++ -*-===//
//
// RAII owners for the C API's handles; failures throw cnnrt::Error, which
// carries the status code and cnnrt_last_error()'s message. Header only,
// C++17.
//
//   cnnrt::Model m = cnnrt::Model::load("lenet5.so");
//   cnnrt::Workspace ws(m);
//   cnnrt::Pool pool;                        // all hardware threads
//   std::vector<float> x(m.input(0).bytes / 4), y(m.output(0).bytes / 4);
//   m.run({{x.data(), m.input(0).bytes}}, {{y.data(), m.output(0).bytes}},
//         ws, &pool);
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_RUNTIME_HPP
#define CNNC_RUNTIME_HPP

#include "cnnc/runtime.h"

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace cnnrt {

/// A failed runtime call: its status and message.
class Error : public std::runtime_error {
public:
  Error(cnnrt_status status, const std::string &message)
      : std::runtime_error(message), Status(status) {}
  cnnrt_status status() const { return Status; }

private:
  cnnrt_status Status;
};

/// Throws an Error for a failed status.
inline void check(cnnrt_status status) {
  if (status != CNNRT_OK)
    throw Error(status, cnnrt_last_error());
}

/// A thread pool (see cnnrt_pool_create).
class Pool {
public:
  /// `threads` in all, the caller included; 0 means the hardware threads.
  explicit Pool(int32_t threads = 0) {
    cnnrt_pool *p = nullptr;
    check(cnnrt_pool_create(threads, &p));
    Handle.reset(p);
  }
  int32_t threads() const { return cnnrt_pool_threads(Handle.get()); }
  cnnrt_pool *get() const { return Handle.get(); }

private:
  struct Deleter {
    void operator()(cnnrt_pool *p) const { cnnrt_pool_destroy(p); }
  };
  std::unique_ptr<cnnrt_pool, Deleter> Handle;
};

class Model;

/// An aligned workspace sized for one model.
class Workspace {
public:
  explicit Workspace(const Model &m);
  void *data() const { return Data.get(); }
  uint64_t bytes() const { return Bytes; }

private:
  struct Deleter {
    void operator()(void *p) const { cnnrt_workspace_free(p); }
  };
  std::unique_ptr<void, Deleter> Data;
  uint64_t Bytes = 0;
};

/// A loaded model.
class Model {
public:
  /// Loads a compiled shared object.
  static Model load(const std::string &path) {
    cnnrt_model *m = nullptr;
    check(cnnrt_load(path.c_str(), &m));
    return Model(m);
  }
  /// Wraps a model linked into the program; external weights are read
  /// from `weightsDir`.
  static Model fromDesc(const cnnc_model_desc *desc,
                        const std::string &weightsDir = ".") {
    cnnrt_model *m = nullptr;
    check(cnnrt_load_desc(desc, weightsDir.c_str(), &m));
    return Model(m);
  }

  std::string name() const { return cnnrt_model_name(get()); }
  std::string targetCpu() const { return cnnrt_model_target_cpu(get()); }
  std::string cpuFeatures() const { return cnnrt_model_cpu_features(get()); }
  int32_t numInputs() const { return cnnrt_num_inputs(get()); }
  int32_t numOutputs() const { return cnnrt_num_outputs(get()); }
  const cnnc_tensor_desc &input(int32_t i) const {
    return tensor(cnnrt_input_desc(get(), i));
  }
  const cnnc_tensor_desc &output(int32_t i) const {
    return tensor(cnnrt_output_desc(get(), i));
  }
  uint64_t workspaceBytes() const { return cnnrt_workspace_bytes(get()); }
  uint64_t flops() const { return cnnrt_model_flops(get()); }
  const cnnc_model_desc &desc() const { return *cnnrt_model_desc(get()); }

  /// Runs once; `pool` may be null (serial).
  void run(const std::vector<cnnrt_input> &inputs,
           const std::vector<cnnrt_output> &outputs, const Workspace &ws,
           const Pool *pool = nullptr) const {
    check(cnnrt_run(get(), inputs.data(), int32_t(inputs.size()),
                    outputs.data(), int32_t(outputs.size()), ws.data(),
                    ws.bytes(), pool ? pool->get() : nullptr));
  }

  cnnrt_model *get() const { return Handle.get(); }

private:
  explicit Model(cnnrt_model *m) : Handle(m) {}
  static const cnnc_tensor_desc &tensor(const cnnc_tensor_desc *t) {
    if (!t)
      throw Error(CNNRT_ERR_INDEX, cnnrt_last_error());
    return *t;
  }
  struct Deleter {
    void operator()(cnnrt_model *m) const { cnnrt_unload(m); }
  };
  std::unique_ptr<cnnrt_model, Deleter> Handle;
};

inline Workspace::Workspace(const Model &m) : Bytes(m.workspaceBytes()) {
  void *p = nullptr;
  check(cnnrt_workspace_alloc(m.get(), &p));
  Data.reset(p);
}

/// The host's CPU features (see cnnrt_cpu_features).
inline std::string cpuFeatures() { return cnnrt_cpu_features(); }

} // namespace cnnrt

#endif
