//===- Descriptor.h - The model descriptor of the ABI -----------*- C++ -*-===//
//
// Every compiled model, CPU or CUDA, is found through one exported function
// returning its descriptor, cnnc_model_desc of runtime/include/cnnc/abi.h:
// magic, ABI version, the tensors' names and shapes, workspace, weights
// (embedded or a file, with their checksum), FLOPs, the run function or
// the device's data, the profile table. This builds it, field by field
// as abi.h has them, from what a backend contributes (DescriptorParts),
// with the entry functions <name>_cnnc_model and, for shared objects,
// cnnc_model.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_HOST_DESCRIPTOR_H
#define CNNC_COMPILER_HOST_DESCRIPTOR_H

#include "ir/Graph.h"

#include <cstdint>
#include <string>

namespace llvm {
class Constant;
class Module;
class StructType;
class LLVMContext;
} // namespace llvm

namespace cnnc::host {

/// A private, unnamed_addr C string global named `name` in `m`, as an i8*
/// (the descriptor's strings, the CPU profile's interned strings).
llvm::Constant *privateString(llvm::Module &m, const std::string &s,
                              const std::string &name);

/// cnnc_profile_entry (abi.h): label, library kernel, source, FLOPs.
llvm::StructType *profileEntryType(llvm::LLVMContext &ctx);

/// What a backend puts into its model's descriptor.
struct DescriptorParts {
  std::string name;     // the model's symbol name
  std::string target;   // the CPU it was compiled for, or "cuda"
  std::string features; // the CPU features its code needs
  const Graph *graph = nullptr;
  int64_t workspaceBytes = 0;
  bool externalWeights = false;
  std::string weightsFile; // with externalWeights: the file's name
  uint64_t weightsBytes = 0, weightsHash = 0;
  /// The run function (CPU), or null.
  llvm::Constant *run = nullptr;
  /// The profile table (profileEntryType entries), or null.
  llvm::Constant *profile = nullptr;
  int32_t profiled = 0;
  int32_t device = 0; // CNNC_DEVICE_*
  /// The device's own data (cnnc_cuda_module), or null.
  llvm::Constant *deviceData = nullptr;
  /// The embedded weights, for cnnrt_verify_weights, or null.
  llvm::Constant *embeddedWeights = nullptr;
  /// Also export the generic entry `cnnc_model` (shared objects).
  bool genericEntry = false;
};

/// Adds to `m` the descriptor of `p`, its tables and its entry functions.
void buildDescriptor(llvm::Module &m, const DescriptorParts &p);

} // namespace cnnc::host

#endif
