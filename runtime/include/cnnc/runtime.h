/*===- cnnc/runtime.h - libcnnrt, the C API to run compiled models -*- C -*-===*
 *
 * Load a model compiled by cnnc (a shared object, or a descriptor linked
 * into the program), look at its tensors, allocate a workspace, and run it
 * on a thread pool.
 *
 *   cnnrt_model *m;
 *   if (cnnrt_load("lenet5.so", &m) != CNNRT_OK) {
 *     fprintf(stderr, "%s\n", cnnrt_last_error());
 *     return 1;
 *   }
 *   void *ws;
 *   cnnrt_pool *pool;
 *   cnnrt_workspace_alloc(m, &ws);
 *   cnnrt_pool_create(0, &pool);
 *   cnnrt_input in = {x, sizeof x};
 *   cnnrt_output out = {y, sizeof y};
 *   cnnrt_run(m, &in, 1, &out, 1, ws, cnnrt_workspace_bytes(m), pool);
 *   ...
 *   cnnrt_pool_destroy(pool);
 *   cnnrt_workspace_free(ws);
 *   cnnrt_unload(m);
 *
 * Conventions. Every function that can fail returns a cnnrt_status; on
 * failure it sets a message for cnnrt_last_error() (per thread; a call that
 * succeeds leaves the last message as it was). No function crashes on null
 * arguments: they are reported as CNNRT_ERR_INVALID_ARGUMENT. Introspection
 * functions return 0, -1 or NULL (see each) on a null model or a bad index
 * and set the message too.
 *
 * Thread safety. A loaded model is immutable: any number of threads may run
 * it at once, each with its own workspace (and its own outputs). A pool may
 * be shared by several threads; their parallel loops then take turns.
 *
 *===----------------------------------------------------------------------===*/
#ifndef CNNC_RUNTIME_H
#define CNNC_RUNTIME_H

#include "cnnc/abi.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif
/* The API is exported even when the library is built with hidden
 * visibility. */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* Version of this runtime (not of the model ABI, which is CNNC_ABI_VERSION). */
#define CNNRT_VERSION_STRING "0.1.0"

typedef enum cnnrt_status {
  CNNRT_OK = 0,
  /* A null pointer, a negative count or another misuse of the API. */
  CNNRT_ERR_INVALID_ARGUMENT = 1,
  /* Loading: the model file is missing or cannot be read. */
  CNNRT_ERR_FILE_NOT_FOUND = 2,
  /* Loading: the file is not an ELF shared object (a text file, ...), or
   * its ELF structure does not fit the file (a truncated copy). */
  CNNRT_ERR_NOT_SHARED_OBJECT = 3,
  /* Loading: an ELF file that dlopen refused (wrong machine, a missing
   * dependency, ...); the message quotes dlerror(). */
  CNNRT_ERR_DLOPEN_FAILED = 4,
  /* Loading: a shared object without the `cnnc_model` entry. */
  CNNRT_ERR_NO_ENTRY = 5,
  /* Loading: the entry returned null or a descriptor with a wrong magic. */
  CNNRT_ERR_BAD_MAGIC = 6,
  /* Loading: the model was built for another model ABI version. */
  CNNRT_ERR_ABI_VERSION = 7,
  /* Loading: a descriptor with inconsistent fields (null run function,
   * negative tensor count, a tensor whose bytes do not match its shape). */
  CNNRT_ERR_BAD_DESCRIPTOR = 8,
  /* Loading: this CPU lacks features the model's code uses. */
  CNNRT_ERR_CPU_FEATURES = 9,
  /* Loading: the model's external weights file is missing or unreadable. */
  CNNRT_ERR_WEIGHTS_MISSING = 10,
  /* Loading: the weights file has another size than the model expects. */
  CNNRT_ERR_WEIGHTS_SIZE = 11,
  /* Loading or cnnrt_verify_weights: the weights' checksum differs from
   * the one the model recorded (a damaged weights file or model). */
  CNNRT_ERR_WEIGHTS_HASH = 12,
  /* Running: wrong number of inputs or outputs. */
  CNNRT_ERR_TENSOR_COUNT = 13,
  /* Running: an input or output buffer of the wrong byte size. */
  CNNRT_ERR_TENSOR_SIZE = 14,
  /* Running: an input or output with a null data pointer. */
  CNNRT_ERR_NULL_BUFFER = 15,
  /* Running: the workspace is null, smaller than the model needs, or not
   * CNNC_WORKSPACE_ALIGN-byte aligned. */
  CNNRT_ERR_WORKSPACE = 16,
  /* Running: the model's run function reported a failure. */
  CNNRT_ERR_RUN_FAILED = 17,
  /* Out of memory, or the system refused to start a thread. */
  CNNRT_ERR_OUT_OF_MEMORY = 18,
  CNNRT_ERR_THREADS = 19,
  /* A tensor index out of range. */
  CNNRT_ERR_INDEX = 20,
  /* Loading a CUDA model: no CUDA driver (libcuda.so.1), no GPU, or no
   * image of the model for this GPU's architecture. */
  CNNRT_ERR_NO_DEVICE = 21,
  /* A CUDA driver call failed; the message names the call and the driver's
   * error. */
  CNNRT_ERR_DEVICE = 22,
  /* A device-memory function called on a CPU model, or cnnrt_run_device on
   * a CPU model. */
  CNNRT_ERR_WRONG_DEVICE = 23
} cnnrt_status;

typedef struct cnnrt_model cnnrt_model;
typedef struct cnnrt_pool cnnrt_pool;

/* One input buffer: its data and its size in bytes. */
typedef struct cnnrt_input {
  const void *data;
  uint64_t bytes;
} cnnrt_input;

/* One output buffer: where the model writes, and its size in bytes. */
typedef struct cnnrt_output {
  void *data;
  uint64_t bytes;
} cnnrt_output;

/*===--- Errors -----------------------------------------------------------===*/

/* The message of the last failed call on this thread ("" if none). Valid
 * until the next failing call on this thread. */
const char *cnnrt_last_error(void);
/* The enumerator's name without the prefix ("ok", "file-not-found", ...). */
const char *cnnrt_status_name(cnnrt_status status);

/*===--- Loading ----------------------------------------------------------===*/

/* Loads a compiled model from a shared object: the file's ELF structure
 * against its size (every header and loaded segment inside the file, so a
 * truncated copy is refused before the loader maps it), dlopen (RTLD_NOW |
 * RTLD_LOCAL), the `cnnc_model` entry, the descriptor's magic, ABI version
 * and fields, the CPU features it needs, and its external weights (read
 * from the file named by the descriptor, relative to the .so's folder, into
 * a 64-byte aligned buffer, checked for size and checksum). With the
 * environment variable CNNRT_VERIFY_WEIGHTS=1 it also verifies embedded
 * weights (cnnrt_verify_weights). On failure *model is set to null. */
cnnrt_status cnnrt_load(const char *path, cnnrt_model **model);

/* The same checks for a model linked into the program (its
 * `<name>_cnnc_model()` descriptor). External weights are read relative to
 * `weights_dir` (the current directory when null). */
cnnrt_status cnnrt_load_desc(const cnnc_model_desc *desc,
                             const char *weights_dir, cnnrt_model **model);

/* Recomputes the checksum of the model's weights (embedded in the model,
 * or the external ones as loaded) and compares it with the one the
 * compiler recorded: CNNRT_ERR_WEIGHTS_HASH, naming both, when the model
 * was damaged after it was compiled. Reads every byte of the weights once
 * (tens of milliseconds for hundreds of MB). */
cnnrt_status cnnrt_verify_weights(const cnnrt_model *model);

/* Frees the model (its weights, and dlcloses its shared object). Null is a
 * no-op. No run of the model may be in progress. */
void cnnrt_unload(cnnrt_model *model);

/*===--- Introspection ----------------------------------------------------===*/

/* The descriptor itself (null on a null model). */
const cnnc_model_desc *cnnrt_model_desc(const cnnrt_model *model);
const char *cnnrt_model_name(const cnnrt_model *model);
/* The CPU the model was compiled for (LLVM's name) and its required
 * features, comma-separated. */
const char *cnnrt_model_target_cpu(const cnnrt_model *model);
const char *cnnrt_model_cpu_features(const cnnrt_model *model);
/* -1 on a null model. */
int32_t cnnrt_num_inputs(const cnnrt_model *model);
int32_t cnnrt_num_outputs(const cnnrt_model *model);
/* Null on a null model or an index out of range. */
const cnnc_tensor_desc *cnnrt_input_desc(const cnnrt_model *model,
                                         int32_t index);
const cnnc_tensor_desc *cnnrt_output_desc(const cnnrt_model *model,
                                          int32_t index);
/* The index of the input or output called `name`, or -1. */
int32_t cnnrt_find_input(const cnnrt_model *model, const char *name);
int32_t cnnrt_find_output(const cnnrt_model *model, const char *name);
/* Workspace bytes one run needs, and floating-point operations of one run
 * (2 per multiply-add); 0 on a null model. For a CUDA model the workspace
 * is the descriptor's workspace_bytes rounded up to 256, then a staging
 * area per input and per output (each rounded up to 256) for cnnrt_run. */
uint64_t cnnrt_workspace_bytes(const cnnrt_model *model);
uint64_t cnnrt_model_flops(const cnnrt_model *model);

/*===--- CPU features -----------------------------------------------------===*/

/* This host's CPU features among those the runtime knows, in LLVM's
 * spelling, comma-separated ("sse2,sse3,...,avx2,fma,avx512f,..."):
 *   sse2 sse3 ssse3 sse4.1 sse4.2 popcnt avx avx2 fma f16c bmi bmi2 lzcnt
 *   movbe avx512f avx512cd avx512bw avx512dq avx512vl avx512vnni avx512bf16
 *   avx512fp16 avx512ifma avx512vbmi avx512vbmi2 avx512bitalg
 *   avx512vpopcntdq avxvnni amx-tile amx-int8 amx-bf16
 * A feature counts only when the CPU has it and the OS saves its register
 * state (XCR0 via xgetbv for AVX, AVX-512 and AMX). Features named in the
 * environment variable CNNRT_HIDE_CPU_FEATURES (comma-separated, e.g.
 * "avx512f,avx2") are treated as absent, here and when loading a model.
 * A model requiring a feature that is not in this table (e.g. "cx16") is
 * not refused for it: the runtime cannot check it. The text lives until the
 * next call on this thread. */
const char *cnnrt_cpu_features(void);

/* cnnc_weights_hash (cnnc/hash.h) of `bytes` bytes: the checksum models
 * record for their weights. */
uint64_t cnnrt_weights_hash(const void *data, uint64_t bytes);

/*===--- Workspace --------------------------------------------------------===*/

/* Allocates the workspace one run of `model` needs, CNNC_WORKSPACE_ALIGN
 * aligned (at least one alignment unit, so *workspace is never null on
 * success). For a CUDA model it is device memory on the model's GPU
 * (256-byte aligned, cnnrt_workspace_bytes(model) bytes). Free with
 * cnnrt_workspace_free. */
cnnrt_status cnnrt_workspace_alloc(const cnnrt_model *model, void **workspace);
/* Allocates `bytes` (rounded up to the alignment) CNNC_WORKSPACE_ALIGN
 * aligned; null when out of memory. Free with cnnrt_workspace_free. */
void *cnnrt_aligned_alloc(uint64_t bytes);
/* Frees a workspace of either kind, or memory from cnnrt_aligned_alloc or
 * cnnrt_device_alloc: the runtime records its device allocations and frees
 * a recorded pointer with the CUDA driver, any other with free(). Device
 * memory may outlive its model (it may be freed after cnnrt_unload). Null
 * is a no-op. */
void cnnrt_workspace_free(void *workspace);

/*===--- Thread pool ------------------------------------------------------===*/

/* Creates a pool of `threads` threads in all, the calling thread included
 * (threads - 1 workers are started); 0 means the hardware threads this
 * process may run on. */
cnnrt_status cnnrt_pool_create(int32_t threads, cnnrt_pool **pool);
/* Stops and joins the workers. Null is a no-op. No loop may be running. */
void cnnrt_pool_destroy(cnnrt_pool *pool);
/* Threads of the pool, the caller included (1 for a null pool). */
int32_t cnnrt_pool_threads(const cnnrt_pool *pool);

/* cnnc_exec_ctx.parallel_for: splits [0, n) into min(n, threads)
 * contiguous ranges of near-equal size, range i to thread i (the caller
 * runs range 0), and returns when all are done. n <= 1, a one-thread or
 * null pool, and a call from inside a running loop of the same pool run
 * fn(arg, 0, n) inline. Concurrent calls from several threads on one pool
 * take turns. `pool` is a cnnrt_pool*. */
void cnnrt_parallel_for(void *pool, int64_t n, cnnc_task_fn fn, void *arg);

/*===--- Running ----------------------------------------------------------===*/

/* Runs the model once. inputs and outputs are in the descriptor's order,
 * each buffer exactly the tensor's byte size (f32, row-major). workspace
 * must hold cnnrt_workspace_bytes(model) bytes (it may be null when that is
 * 0) and be CNNC_WORKSPACE_ALIGN aligned. pool may be null (serial). */
cnnrt_status cnnrt_run(const cnnrt_model *model, const cnnrt_input *inputs,
                       int32_t num_inputs, const cnnrt_output *outputs,
                       int32_t num_outputs, void *workspace,
                       uint64_t workspace_bytes, cnnrt_pool *pool);

/* cnnrt_run that also profiles: for a model compiled with `cnnc --profile`,
 * adds the elapsed seconds of its kernel call i to profile_seconds[i] (the
 * descriptor's num_profile_entries entries, described by profile_entries;
 * zero the array before the first run). profile_seconds may be null, and a
 * model compiled without --profile (num_profile_entries 0) records
 * nothing. */
cnnrt_status cnnrt_run_profiled(const cnnrt_model *model,
                                const cnnrt_input *inputs, int32_t num_inputs,
                                const cnnrt_output *outputs,
                                int32_t num_outputs, void *workspace,
                                uint64_t workspace_bytes, cnnrt_pool *pool,
                                double *profile_seconds);

/*===--- CUDA models ------------------------------------------------------===*/
/* A model compiled with `cnnc --target=cuda` carries its kernels as cubin
 * and PTX. cnnrt_load loads the CUDA driver (dlopen of libcuda.so.1, only
 * then: the runtime has no link-time dependency on CUDA; the environment
 * variable CNNRT_CUDA_DRIVER names another library to load instead), picks
 * the cubin of GPU 0's architecture (else JIT-compiles the newest PTX not
 * newer than the GPU), and uploads the weights once; with no driver, no GPU
 * or no code for the GPU it fails with CNNRT_ERR_NO_DEVICE. CPU models
 * never load the driver.
 *
 * Two ways to run one:
 *  - cnnrt_run as for a CPU model, with host inputs and outputs: the
 *    workspace from cnnrt_workspace_alloc is device memory holding the
 *    model's workspace and staging areas for the inputs and outputs; the
 *    call copies in, launches, copies out and waits, on the calling
 *    thread's per-thread stream (so threads do not serialise). `pool` is
 *    ignored. cnnrt_run_profiled times each launch with CUDA events.
 *  - cnnrt_run_device with device pointers, asynchronously on a stream.
 * Every device pointer handed to a run is checked to lie in device memory
 * of the right size (a host pointer would fault on the GPU). Calls make the
 * GPU's primary context current for their duration (push/pop: a context of
 * the caller's is current again afterwards), so any thread may call them.
 */

/* "cpu" or "cuda" (null on a null model). */
const char *cnnrt_model_device(const cnnrt_model *model);
/* A CUDA model's GPU as the driver names it ("NVIDIA H100 80GB HBM3"), and
 * the architecture of the image loaded on it ("sm_90" for a cubin,
 * "compute_90" for PTX the driver compiled). Null for a CPU model
 * (CNNRT_ERR_WRONG_DEVICE) or a null model. */
const char *cnnrt_device_name(const cnnrt_model *model);
const char *cnnrt_device_image(const cnnrt_model *model);

/* Device memory on the model's GPU (CNNRT_ERR_WRONG_DEVICE for a CPU
 * model). Allocations are 256-byte aligned. cnnrt_device_free (or
 * cnnrt_workspace_free) frees one; null is a no-op, and a pointer the
 * runtime did not allocate is left alone with an error message set. */
cnnrt_status cnnrt_device_alloc(const cnnrt_model *model, uint64_t bytes,
                                void **ptr);
void cnnrt_device_free(const cnnrt_model *model, void *ptr);
/* Synchronous copies between host memory and device memory (they wait for
 * the work on the legacy default stream and on streams from
 * cnnrt_stream_create, which are blocking streams). */
cnnrt_status cnnrt_copy_to_device(const cnnrt_model *model, void *dst,
                                  const void *src, uint64_t bytes);
cnnrt_status cnnrt_copy_from_device(const cnnrt_model *model, void *dst,
                                    const void *src, uint64_t bytes);

/* A CUDA stream on the model's GPU (a CUstream), and waiting for it (null:
 * the legacy default stream). */
cnnrt_status cnnrt_stream_create(const cnnrt_model *model, void **stream);
void cnnrt_stream_destroy(const cnnrt_model *model, void *stream);
cnnrt_status cnnrt_stream_synchronize(const cnnrt_model *model, void *stream);

/* Enqueues one run on `stream` (null: the default stream): inputs and
 * outputs are device pointers of each tensor's byte size, in descriptor
 * order; workspace is device memory of the descriptor's workspace_bytes
 * (256-byte aligned; may be null when that is 0; a workspace from
 * cnnrt_workspace_alloc serves, it starts with that area). Returns once the
 * kernels are enqueued; outputs are ready after cnnrt_stream_synchronize.
 * Threads may run a model at once with their own workspaces and streams. */
cnnrt_status cnnrt_run_device(const cnnrt_model *model,
                              const void *const *inputs, int32_t num_inputs,
                              void *const *outputs, int32_t num_outputs,
                              void *workspace, void *stream);

/* Times `runs` back-to-back cnnrt_run_device calls with CUDA events on
 * `stream`: seconds[i] is run i's time on the GPU (runs > 0, seconds holds
 * `runs` entries). Returns when the last run finished. */
cnnrt_status cnnrt_time_device_runs(const cnnrt_model *model,
                                    const void *const *inputs,
                                    int32_t num_inputs, void *const *outputs,
                                    int32_t num_outputs, void *workspace,
                                    void *stream, int32_t runs,
                                    double *seconds);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif

#endif /* CNNC_RUNTIME_H */
