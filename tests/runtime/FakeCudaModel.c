/*===- FakeCudaModel.c - A hand-written CUDA model for the runtime tests -===*
 *
 * The descriptor of a CUDA model (ABI 3) computing what FakeModel.c does,
 * y = x + 1 + w[i % 4] over f32[4,256], as two launches through the
 * workspace: fake_double (ws = 2x) and fake_finish (y = ws / 2 + 1 + w).
 * Its images are text the fake driver (FakeCudaDriver.c) accepts: cubins
 * for sm_80 and sm_90, PTX for compute_90. The weights {0.5, 1.5, 2.5,
 * 3.5} are embedded, or external ("fakecuda.weights") with FAKE_WEIGHTS.
 * Each launch has a profile entry.
 *
 * FAKE_LINKED: linked into a program, exports only fakecuda_cnnc_model.
 *
 *===----------------------------------------------------------------------===*/
#include "cnnc/abi.h"

#include <stddef.h>

#define ELEMS 1024

static const int64_t Shape[2] = {4, 256};
static const cnnc_tensor_desc Inputs[1] = {{"x", CNNC_F32, 2, Shape, 4096}};
static const cnnc_tensor_desc Outputs[1] = {{"y", CNNC_F32, 2, Shape, 4096}};

static const char Sm80[] = "FAKECUDA cubin sm_80";
static const char Sm90[] = "FAKECUDA cubin sm_90";
static const char Ptx90[] = "FAKECUDA ptx compute_90";
static const cnnc_cuda_image Images[3] = {
    {"sm_80", 0, Sm80, sizeof Sm80 - 1},
    {"sm_90", 0, Sm90, sizeof Sm90 - 1},
    {"compute_90", 1, Ptx90, sizeof Ptx90}};

static const char *const KernelNames[2] = {"fake_double", "fake_finish"};

static const cnnc_buffer_ref DoubleArgs[2] = {{CNNC_BUFFER_INPUT, 0, 0},
                                              {CNNC_BUFFER_WORKSPACE, 0, 0}};
static const cnnc_buffer_ref FinishArgs[3] = {{CNNC_BUFFER_WORKSPACE, 0, 0},
                                              {CNNC_BUFFER_WEIGHTS, 0, 0},
                                              {CNNC_BUFFER_OUTPUT, 0, 0}};
static const cnnc_cuda_launch Launches[2] = {
    {0, 2, {4, 1, 1}, {256, 1, 1}, 0, DoubleArgs},
    {1, 3, {2, 1, 1}, {512, 1, 1}, 0, FinishArgs}};

#ifndef FAKE_WEIGHTS
static const float Weights[4] = {0.5f, 1.5f, 2.5f, 3.5f};
#endif

static const cnnc_cuda_module Module = {3,           Images, 2,
                                        KernelNames, 2,      Launches,
#ifdef FAKE_WEIGHTS
                                        NULL
#else
                                        Weights
#endif
};

static const cnnc_profile_entry Profile[2] = {
    {"double", "fake_double", "fake.ir:1:1", 1024},
    {"finish", "fake_finish", "fake.ir:2:1", 3072}};

static const cnnc_model_desc Desc = {CNNC_MODEL_MAGIC,
                                     CNNC_ABI_VERSION,
                                     sizeof(cnnc_model_desc),
                                     "fakecuda",
                                     "",
                                     "",
                                     1,
                                     1,
                                     Inputs,
                                     Outputs,
                                     ELEMS * 4,
#ifdef FAKE_WEIGHTS
                                     "fakecuda.weights",
#else
                                     NULL,
#endif
                                     16,
                                     0xf08df2b2cf29d13bull,
                                     4 * ELEMS,
                                     NULL,
                                     2,
                                     Profile,
                                     CNNC_DEVICE_CUDA,
                                     &Module,
#ifdef FAKE_WEIGHTS
                                     NULL
#else
                                     Weights
#endif
};

#ifdef FAKE_LINKED
const cnnc_model_desc *fakecuda_cnnc_model(void) { return &Desc; }
#else
const cnnc_model_desc *cnnc_model(void) { return &Desc; }
#endif
