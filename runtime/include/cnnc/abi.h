/*===- cnnc/abi.h - The compiled-model ABI ----------------------*- C -*-===*
 *
 * The contract between a model compiled by cnnc (a .so or .o) and whoever
 * runs it: libcnnrt, or an application that links the model directly.
 * Plain C99, no code, no dependencies: the generated C header embeds this
 * text, and the runtime includes it.
 *
 * A model exports one entry, `<name>_cnnc_model`, returning a constant
 * descriptor (a shared object also exports it as `cnnc_model`, the name the
 * runtime looks up). The descriptor's run function computes the outputs
 * from the inputs using only the caller's workspace: it allocates nothing
 * and touches no global state, so one model may run on several threads at
 * once, each with its own workspace.
 *
 * Compatibility. abi_version changes when a field moves or changes
 * meaning. Fields may also be appended to cnnc_model_desc without a new
 * version: desc_size records the size the model was built with, and a
 * reader treats appended fields beyond it as zero / null.
 *
 *===--------------------------------------------------------------------===*/
#ifndef CNNC_ABI_H
#define CNNC_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any change to the structures below other than fields appended
 * at the end of cnnc_model_desc or cnnc_exec_ctx (see desc_size).
 * 2: desc_size, per-kernel profiling (cnnc --profile).
 * 3: the device a model runs on; CUDA models (cnnc --target=cuda).
 * 4: weights_hash is cnnc_weights_hash (cnnc/hash.h), recorded for embedded
 *    weights too, which `embedded_weights` points at (cnnrt_verify_weights). */
#define CNNC_ABI_VERSION 4
/* First field of every descriptor: "CNNC" little-endian. */
#define CNNC_MODEL_MAGIC 0x434e4e43u
/* Alignment (bytes) the workspace must have. */
#define CNNC_WORKSPACE_ALIGN 64

/* Element types (only f32 is computed today). */
enum cnnc_dtype { CNNC_F32 = 0 };

/* Return codes of run(). */
enum cnnc_run_status {
  CNNC_RUN_OK = 0,
  CNNC_RUN_NO_WEIGHTS = 1 /* external weights, ctx->weights was null */
};

typedef struct cnnc_tensor_desc {
  const char *name;
  int32_t dtype; /* enum cnnc_dtype */
  int32_t rank;
  const int64_t *shape;
  int64_t bytes; /* element count times element size */
} cnnc_tensor_desc;

/* One parallel task range: computes tasks [begin, end). */
typedef void (*cnnc_task_fn)(void *arg, int64_t begin, int64_t end);

/* How a model runs on the host. parallel_for must call fn on ranges that
 * together cover [0, n) exactly once, and return when all are done. */
typedef struct cnnc_exec_ctx {
  void (*parallel_for)(void *pool, int64_t n, cnnc_task_fn fn, void *arg);
  void *pool;
  int32_t num_threads;
  /* Base of the weights when the model was compiled with external weights
   * (the file's bytes, 64-byte aligned); ignored otherwise. */
  const void *weights;
  /* Per-kernel profiling (ABI 2): when the model was compiled with
   * `cnnc --profile` and this is not null, each run adds the elapsed
   * seconds of kernel call i to profile_seconds[i], for i below the
   * descriptor's num_profile_entries (the caller zeroes it once). Other
   * models never read it. Zero-initialise contexts, so fields appended
   * later read as null. */
  double *profile_seconds;
  /* CUDA models (ABI 3): the CUstream the kernels are launched on (null:
   * the default stream). CPU models never read it. */
  void *cuda_stream;
} cnnc_exec_ctx;

typedef int32_t (*cnnc_run_fn)(const void *const *inputs, void *const *outputs,
                               void *workspace, const cnnc_exec_ctx *ctx);

/* One kernel call of the run function, as `cnnc --profile` records it. */
typedef struct cnnc_profile_entry {
  /* What the call computes: the node's name and the ops fused into it,
   * e.g. "layer1.0.conv2+add+relu" ("output" for a final copy). */
  const char *name;
  /* The library kernel it runs, e.g. "conv_gemm_v8". */
  const char *kernel;
  /* The node's location in the model text ("file:line:col"; "" if none). */
  const char *source;
  /* Floating-point operations of one call (2 per multiply-add; 0 for data
   * movement). */
  uint64_t flops;
} cnnc_profile_entry;

/* Where a model's code runs (ABI 3). */
enum cnnc_device { CNNC_DEVICE_CPU = 0, CNNC_DEVICE_CUDA = 1 };

/* CUDA models. The .so holds no host code: the runtime loads one of the
 * images with the CUDA driver, uploads the weights once, and launches the
 * kernels in order on the context's stream. */

/* One compiled form of all the model's kernels: a cubin for one
 * architecture (arch "sm_80", is_ptx 0) or PTX for the driver to compile
 * (arch "compute_90", is_ptx 1, NUL-terminated text). */
typedef struct cnnc_cuda_image {
  const char *arch;
  int32_t is_ptx;
  const void *data;
  uint64_t bytes;
} cnnc_cuda_image;

/* What a kernel argument points to: input or output `index`, or `offset`
 * bytes into the workspace or the weights (device memory). */
enum cnnc_buffer_kind {
  CNNC_BUFFER_INPUT = 0,
  CNNC_BUFFER_OUTPUT = 1,
  CNNC_BUFFER_WORKSPACE = 2,
  CNNC_BUFFER_WEIGHTS = 3
};
typedef struct cnnc_buffer_ref {
  int32_t kind; /* enum cnnc_buffer_kind */
  int32_t index;
  uint64_t offset;
} cnnc_buffer_ref;

/* Every kernel takes one by-value parameter, struct { float *p[N]; } with
 * N = CNNC_CUDA_MAX_ARGS: p[i] is the i-th buffer of its launch (unused
 * entries null). */
#define CNNC_CUDA_MAX_ARGS 12

/* One kernel launch, in execution order. */
typedef struct cnnc_cuda_launch {
  int32_t kernel; /* index into kernel_names */
  int32_t num_args;
  uint32_t grid[3];
  uint32_t block[3];
  uint32_t shared_bytes; /* dynamic shared memory (0: static only) */
  const cnnc_buffer_ref *args;
} cnnc_cuda_launch;

typedef struct cnnc_cuda_module {
  int32_t num_images;
  const cnnc_cuda_image *images;
  int32_t num_kernels;
  const char *const *kernel_names; /* extern "C" __global__ function names */
  int32_t num_launches;
  const cnnc_cuda_launch *launches;
  /* The embedded weights (weights_bytes of the descriptor), uploaded once
   * at load time; null when the weights are external (weights_file). */
  const void *weights;
} cnnc_cuda_module;

typedef struct cnnc_model_desc {
  uint32_t magic;       /* CNNC_MODEL_MAGIC */
  uint32_t abi_version; /* CNNC_ABI_VERSION */
  /* sizeof(cnnc_model_desc) of the model's compiler: fields appended in
   * later revisions are present only where desc_size covers them. */
  uint64_t desc_size;
  const char *name;
  const char *target_cpu;
  /* Comma-separated CPU features the code needs ("avx2,fma,..."), in the
   * runtime's naming (see cnnrt_cpu_features); empty for none. */
  const char *cpu_features;
  int32_t num_inputs;
  int32_t num_outputs;
  const cnnc_tensor_desc *inputs;
  const cnnc_tensor_desc *outputs;
  uint64_t workspace_bytes;
  /* The weights: their size and checksum (cnnc_weights_hash of cnnc/hash.h),
   * and for external weights the file name (relative to the model);
   * weights_file is null when the weights are embedded. */
  const char *weights_file;
  uint64_t weights_bytes;
  uint64_t weights_hash;
  /* Floating-point operations of one run: 2 per multiply-add of the
   * network's layers (as cnnc --emit=summary counts MACs). */
  uint64_t flops;
  cnnc_run_fn run;
  /* Kernel calls the run function profiles, in call order (ABI 2): 0 and
   * null unless the model was compiled with `cnnc --profile`. */
  int32_t num_profile_entries;
  const cnnc_profile_entry *profile_entries;
  /* ABI 3: enum cnnc_device. A CUDA model has a null run function, its
   * kernels in `cuda`, and workspace_bytes of device memory. */
  int32_t device;
  const cnnc_cuda_module *cuda;
  /* ABI 4: the embedded weights (weights_bytes of them; for a CUDA model
   * the same bytes as cuda->weights), or null when they are external. */
  const void *embedded_weights;
} cnnc_model_desc;

typedef const cnnc_model_desc *(*cnnc_model_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* CNNC_ABI_H */
