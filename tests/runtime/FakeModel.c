/*===- FakeModel.c - A hand-written model for the runtime's tests -*- C -*-===*
 *
 * Implements the model ABI by hand: y = x + 1 (+ w[i % 4] with external
 * weights) over x, y of f32[4,256], in two parallel stages through the
 * workspace (ws = 2x, then y = ws / 2 + 1), so runs sharing a workspace
 * would race and runs with their own give identical results.
 *
 * Compile-time variants (one shared object each, see CMakeLists.txt):
 *   FAKE_MAGIC, FAKE_ABI     the descriptor's magic and ABI version
 *   FAKE_DESC_SIZE           its desc_size (sizeof(cnnc_model_desc))
 *   FAKE_FEATURES            its cpu_features ("sse2" by default)
 *   FAKE_WEIGHTS             external weights "fake.weights": the floats
 *                            {0.5, 1.5, 2.5, 3.5} (16 bytes)
 *   FAKE_NULL_DESC           the entry returns null
 *   FAKE_BAD_BYTES           an input whose bytes do not match its shape
 *   FAKE_LINKED              linked into a program: exports only
 *                            linked_cnnc_model
 *
 *===----------------------------------------------------------------------===*/
#include "cnnc/abi.h"

#include <stddef.h>

#ifndef FAKE_MAGIC
#define FAKE_MAGIC CNNC_MODEL_MAGIC
#endif
#ifndef FAKE_ABI
#define FAKE_ABI CNNC_ABI_VERSION
#endif
#ifndef FAKE_DESC_SIZE
#define FAKE_DESC_SIZE sizeof(cnnc_model_desc)
#endif
#ifndef FAKE_FEATURES
#define FAKE_FEATURES "sse2"
#endif

#define FAKE_ELEMS 1024

static const int64_t Shape[2] = {4, 256};
#ifdef FAKE_BAD_BYTES
#define FAKE_IN_BYTES 100
#else
#define FAKE_IN_BYTES (FAKE_ELEMS * 4)
#endif
static const cnnc_tensor_desc Inputs[1] = {
    {"x", CNNC_F32, 2, Shape, FAKE_IN_BYTES}};
static const cnnc_tensor_desc Outputs[1] = {
    {"y", CNNC_F32, 2, Shape, FAKE_ELEMS * 4}};

struct Job {
  const float *x;
  float *y;
  float *ws;
  const float *w;
};

static void doubleTask(void *arg, int64_t begin, int64_t end) {
  struct Job *j = (struct Job *)arg;
  for (int64_t i = begin; i < end; ++i)
    j->ws[i] = 2.0f * j->x[i];
}

static void addTask(void *arg, int64_t begin, int64_t end) {
  struct Job *j = (struct Job *)arg;
  for (int64_t i = begin; i < end; ++i)
    j->y[i] = j->ws[i] * 0.5f + 1.0f + (j->w ? j->w[i % 4] : 0.0f);
}

static int32_t run(const void *const *inputs, void *const *outputs,
                   void *workspace, const cnnc_exec_ctx *ctx) {
  struct Job j = {(const float *)inputs[0], (float *)outputs[0],
                  (float *)workspace, NULL};
#ifdef FAKE_WEIGHTS
  if (!ctx || !ctx->weights)
    return CNNC_RUN_NO_WEIGHTS;
  j.w = (const float *)ctx->weights;
#endif
  if (ctx) {
    ctx->parallel_for(ctx->pool, FAKE_ELEMS, doubleTask, &j);
    ctx->parallel_for(ctx->pool, FAKE_ELEMS, addTask, &j);
  } else {
    doubleTask(&j, 0, FAKE_ELEMS);
    addTask(&j, 0, FAKE_ELEMS);
  }
  return CNNC_RUN_OK;
}

static const cnnc_model_desc Desc = {
    FAKE_MAGIC,
    FAKE_ABI,
    FAKE_DESC_SIZE,
    "fake",
    "x86-64",
    FAKE_FEATURES,
    1,
    1,
    Inputs,
    Outputs,
    FAKE_ELEMS * 4,
#ifdef FAKE_WEIGHTS
    "fake.weights",
    16,
    0xf08df2b2cf29d13bull, /* cnnc_weights_hash of the 16 bytes */
#else
    NULL,
    0,
    0,
#endif
    2 * FAKE_ELEMS,
    run,
    0,
    NULL,
    CNNC_DEVICE_CPU,
    NULL,
    NULL};

static const cnnc_model_desc *entry(void) {
#ifdef FAKE_NULL_DESC
  (void)Desc;
  return NULL;
#else
  return &Desc;
#endif
}

#ifdef FAKE_LINKED
/* Linked into the test program: the prefixed entry only. */
const cnnc_model_desc *linked_cnnc_model(void) { return entry(); }
#else
const cnnc_model_desc *fake_cnnc_model(void) { return entry(); }
const cnnc_model_desc *cnnc_model(void) { return entry(); }
#endif
