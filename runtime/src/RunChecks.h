//===- RunChecks.h - Checks shared by the run entry points ------*- C++ -*-===//
//
// The checks that cnnrt_run (host buffers, Model.cpp) and cnnrt_run_device /
// cnnrt_time_device_runs (device buffers, CudaRun.cpp) make alike before
// looking at any buffer: the tensor counts and the arrays that hold them.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_RUNTIME_SRC_RUNCHECKS_H
#define CNNC_RUNTIME_SRC_RUNCHECKS_H

#include "Internal.h"

namespace cnnrt {

/// Checks that a run of model `d` was given its number of inputs and
/// outputs and, where there are any, non-null arrays of them (`inputs`,
/// `outputs`). `api` names the entry point in the message of a null array
/// ("cnnrt_run: null inputs array for model 'm'"). Sets the error and
/// returns its status on failure, CNNRT_OK otherwise.
cnnrt_status checkCounts(const cnnc_model_desc &d, const void *inputs,
                         int32_t numInputs, const void *outputs,
                         int32_t numOutputs, const char *api);

} // namespace cnnrt

#endif
