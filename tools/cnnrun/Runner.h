//===- Runner.h - The parts of cnnrun ---------------------------*- C++ -*-===//
//
// cnnrun loads a compiled model with libcnnrt, builds its inputs (seeded
// random exactly like ir::randomInputs, or .npy files), runs it, and
// optionally writes the outputs, benchmarks, and checks the outputs against
// the reference interpreter. Errors go through a DiagEngine and are printed
// as `cnnrun: error: ...`.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_TOOLS_CNNRUN_RUNNER_H
#define CNNC_TOOLS_CNNRUN_RUNNER_H

#include "cnnc/runtime.h"
#include "ir/Diagnostics.h"
#include "ir/Tensor.h"
#include "tools/cnnrun/Options.h"

#include <functional>
#include <string>
#include <vector>

namespace cnnc {

/// A tensor's name without a leading '%'.
std::string tensorName(const cnnc_tensor_desc &t);
/// The shape of a tensor of the model.
Shape tensorShape(const cnnc_tensor_desc &t);

/// The model's inputs: seeded random in [-1, 1) (input i uses seed
/// `seed + i`, element j randomUniform01(seed + i, j), as ir::randomInputs
/// does), replaced by the --input files given. Appends a line per input to
/// `report`. Returns false after reporting an error.
bool makeInputs(const cnnrt_model *m, const RunOptions &opts, DiagEngine &diag,
                std::vector<Tensor> &inputs, std::string &report);

/// Writes the outputs named by --output. Returns false after reporting.
bool writeOutputs(const cnnrt_model *m, const RunOptions &opts,
                  const std::vector<Tensor> &outputs, DiagEngine &diag,
                  std::string &report);

/// --profile: runs the model `runs` times with profiling (the session's
/// buffers, workspace and pool) and appends the per-kernel table to
/// `report`; `where` says what it ran on ("4 threads", "GPU 0 (...)"). Fails
/// with a clear error for a model compiled without
/// --profile. `run` performs one profiled run into the given array.
bool profileModel(const cnnrt_model *m, int64_t runs, const std::string &where,
                  const std::function<cnnrt_status(double *)> &run,
                  DiagEngine &diag, std::string &report);

/// Runs MODEL.ir (--check) in the reference interpreter on `inputs` and
/// compares with `outputs`: appends per output the max absolute and
/// relative error to `report`. Returns false after reporting an error,
/// including an output whose relative error exceeds the tolerance.
bool checkAgainstInterpreter(const cnnrt_model *m, const RunOptions &opts,
                             const std::vector<Tensor> &inputs,
                             const std::vector<Tensor> &outputs,
                             DiagEngine &diag, std::string &report);

} // namespace cnnc

#endif
