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
 *===--------------------------------------------------------------------===*/
#ifndef CNNC_ABI_H
#define CNNC_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any change to the structures below. */
#define CNNC_ABI_VERSION 1
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
} cnnc_exec_ctx;

typedef int32_t (*cnnc_run_fn)(const void *const *inputs,
                               void *const *outputs, void *workspace,
                               const cnnc_exec_ctx *ctx);

typedef struct cnnc_model_desc {
  uint32_t magic;       /* CNNC_MODEL_MAGIC */
  uint32_t abi_version; /* CNNC_ABI_VERSION */
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
  /* External weights: file name (relative to the model), size and FNV-1a
   * 64-bit hash; weights_file is null when the weights are embedded. */
  const char *weights_file;
  uint64_t weights_bytes;
  uint64_t weights_hash;
  /* Floating-point operations of one run: 2 per multiply-add of the
   * network's layers (as cnnc --emit=summary counts MACs). */
  uint64_t flops;
  cnnc_run_fn run;
} cnnc_model_desc;

typedef const cnnc_model_desc *(*cnnc_model_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* CNNC_ABI_H */
