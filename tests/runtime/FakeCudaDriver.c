/*===- FakeCudaDriver.c - A CUDA driver on the host for the runtime tests -===*
 *
 * Exports the driver entry points libcnnrt resolves (by their real names,
 * _v2 where the driver has them) and implements them on the host, so the
 * whole CUDA path of the runtime (loading, image choice, weights upload,
 * staging, launches, events, device allocations) runs on machines without
 * a GPU: tests point CNNRT_CUDA_DRIVER at this library.
 *
 * "Device memory" is malloc'ed and tracked (cuPointerGetAttribute knows
 * it); a "module" is the image's text, which must start with "FAKECUDA";
 * its kernels are the host functions below, run once per thread of the
 * grid; events record the host clock; everything is synchronous.
 *
 * Environment, read at each call: FAKE_CUDA_CC (compute capability as
 * "90", default 80), FAKE_CUDA_DEVICES (device count, default 1),
 * FAKE_CUDA_INIT_FAIL (cuInit fails with CUDA_ERROR_NO_DEVICE),
 * FAKE_CUDA_LAUNCH_FAIL (cuLaunchKernel fails).
 *
 * fake_cuda_live() and fake_cuda_ctx_depth() let tests check that every
 * allocation, module, stream, event and context retain was released, and
 * that context pushes and pops balance.
 *
 *===----------------------------------------------------------------------===*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

enum {
  SUCCESS = 0,
  INVALID_VALUE = 1,
  NO_DEVICE = 100,
  INVALID_IMAGE = 200,
  NOT_FOUND = 500,
  LAUNCH_FAILED = 719
};

static long Live; /* allocations, modules, streams, events, retains */
static int Depth; /* context stack depth */

long fake_cuda_live(void) { return Live; }
int fake_cuda_ctx_depth(void) { return Depth; }

static int envInt(const char *name, int dflt) {
  const char *v = getenv(name);
  return v && *v ? atoi(v) : dflt;
}

CUresult cuGetErrorName(CUresult r, const char **name) {
  switch (r) {
  case SUCCESS:
    *name = "CUDA_SUCCESS";
    return SUCCESS;
  case INVALID_VALUE:
    *name = "CUDA_ERROR_INVALID_VALUE";
    return SUCCESS;
  case NO_DEVICE:
    *name = "CUDA_ERROR_NO_DEVICE";
    return SUCCESS;
  case INVALID_IMAGE:
    *name = "CUDA_ERROR_INVALID_IMAGE";
    return SUCCESS;
  case NOT_FOUND:
    *name = "CUDA_ERROR_NOT_FOUND";
    return SUCCESS;
  case LAUNCH_FAILED:
    *name = "CUDA_ERROR_LAUNCH_FAILED";
    return SUCCESS;
  }
  return INVALID_VALUE;
}

CUresult cuInit(unsigned flags) {
  (void)flags;
  return envInt("FAKE_CUDA_INIT_FAIL", 0) ? NO_DEVICE : SUCCESS;
}
CUresult cuDriverGetVersion(int *v) {
  *v = 13000;
  return SUCCESS;
}
CUresult cuDeviceGetCount(int *n) {
  *n = envInt("FAKE_CUDA_DEVICES", 1);
  return SUCCESS;
}
CUresult cuDeviceGet(int *dev, int ordinal) {
  *dev = ordinal;
  return SUCCESS;
}
CUresult cuDeviceGetName(char *name, int len, int dev) {
  (void)dev;
  strncpy(name, "Fake GPU", (size_t)len);
  return SUCCESS;
}
CUresult cuDeviceGetAttribute(int *v, int attr, int dev) {
  (void)dev;
  int cc = envInt("FAKE_CUDA_CC", 80);
  if (attr == 75)
    *v = cc / 10;
  else if (attr == 76)
    *v = cc % 10;
  else if (attr == 97)
    *v = 99 * 1024;
  else
    return INVALID_VALUE;
  return SUCCESS;
}

static int Ctx;
CUresult cuDevicePrimaryCtxRetain(void **ctx, int dev) {
  (void)dev;
  *ctx = &Ctx;
  ++Live;
  return SUCCESS;
}
CUresult cuDevicePrimaryCtxRelease_v2(int dev) {
  (void)dev;
  --Live;
  return SUCCESS;
}
CUresult cuCtxPushCurrent_v2(void *ctx) {
  if (ctx != &Ctx)
    return INVALID_VALUE;
  ++Depth;
  return SUCCESS;
}
CUresult cuCtxPopCurrent_v2(void **ctx) {
  if (Depth == 0)
    return INVALID_VALUE;
  --Depth;
  if (ctx)
    *ctx = &Ctx;
  return SUCCESS;
}

/*--- Memory ------------------------------------------------------------*/

#define MAX_BLOCKS 256
static struct {
  char *p;
  size_t bytes;
} Blocks[MAX_BLOCKS];

static int findBlock(CUdeviceptr p) {
  for (int i = 0; i < MAX_BLOCKS; ++i)
    if (Blocks[i].p && (uintptr_t)p >= (uintptr_t)Blocks[i].p &&
        (uintptr_t)p < (uintptr_t)Blocks[i].p + Blocks[i].bytes)
      return i;
  return -1;
}

CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t bytes) {
  for (int i = 0; i < MAX_BLOCKS; ++i)
    if (!Blocks[i].p) {
      Blocks[i].p = aligned_alloc(256, (bytes + 255) / 256 * 256);
      Blocks[i].bytes = bytes;
      memset(Blocks[i].p, 0xff, bytes); /* NaNs: stale data shows */
      *p = (CUdeviceptr)(uintptr_t)Blocks[i].p;
      ++Live;
      return SUCCESS;
    }
  return 2; /* CUDA_ERROR_OUT_OF_MEMORY */
}
CUresult cuMemFree_v2(CUdeviceptr p) {
  int i = findBlock(p);
  if (i < 0 || (uintptr_t)Blocks[i].p != (uintptr_t)p)
    return INVALID_VALUE;
  free(Blocks[i].p);
  Blocks[i].p = NULL;
  --Live;
  return SUCCESS;
}
CUresult cuPointerGetAttribute(void *data, int attr, CUdeviceptr p) {
  int i = findBlock(p);
  if (i < 0)
    return INVALID_VALUE;
  if (attr == 11)
    *(CUdeviceptr *)data = (CUdeviceptr)(uintptr_t)Blocks[i].p;
  else if (attr == 12)
    *(size_t *)data = Blocks[i].bytes;
  else
    return INVALID_VALUE;
  return SUCCESS;
}
CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t n) {
  if (findBlock(dst) < 0)
    return INVALID_VALUE;
  memcpy((void *)(uintptr_t)dst, src, n);
  return SUCCESS;
}
CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t n) {
  if (findBlock(src) < 0)
    return INVALID_VALUE;
  memcpy(dst, (const void *)(uintptr_t)src, n);
  return SUCCESS;
}
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t n,
                              void *stream) {
  (void)stream;
  return cuMemcpyHtoD_v2(dst, src, n);
}
CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t n,
                              void *stream) {
  (void)stream;
  return cuMemcpyDtoH_v2(dst, src, n);
}

/*--- Modules and kernels -----------------------------------------------*/

/* A kernel: p are the buffers, `thread` the global thread index. */
typedef void (*FakeKernel)(float *const *p, long thread);

/* ws[i] = 2 x[i] */
static void fakeDouble(float *const *p, long t) {
  if (t < 1024)
    p[1][t] = 2.0f * p[0][t];
}
/* y[i] = ws[i] / 2 + 1 + w[i % 4] */
static void fakeFinish(float *const *p, long t) {
  if (t < 1024)
    p[2][t] = p[0][t] * 0.5f + 1.0f + p[1][t % 4];
}

typedef struct KernelEntry {
  const char *name;
  FakeKernel fn;
} KernelEntry;
static const KernelEntry Kernels[] = {{"fake_double", fakeDouble},
                                      {"fake_finish", fakeFinish}};

static int Module;
CUresult cuModuleLoadDataEx(void **mod, const void *image, unsigned n,
                            int *options, void **values) {
  if (strncmp((const char *)image, "FAKECUDA", 8) != 0) {
    for (unsigned i = 0; i < n; ++i)
      if (options[i] == 5)
        strcpy((char *)values[i], "not a fake image");
    return INVALID_IMAGE;
  }
  *mod = &Module;
  ++Live;
  return SUCCESS;
}
CUresult cuModuleUnload(void *mod) {
  (void)mod;
  --Live;
  return SUCCESS;
}
CUresult cuModuleGetFunction(void **fn, void *mod, const char *name) {
  (void)mod;
  for (size_t i = 0; i < sizeof Kernels / sizeof Kernels[0]; ++i)
    if (strcmp(Kernels[i].name, name) == 0) {
      *fn = (void *)&Kernels[i];
      return SUCCESS;
    }
  return NOT_FOUND;
}
CUresult cuFuncSetAttribute(void *fn, int attr, int value) {
  (void)fn;
  (void)attr;
  (void)value;
  return SUCCESS;
}
CUresult cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned shared,
                        void *stream, void **params, void **extra) {
  (void)shared;
  (void)stream;
  (void)extra;
  if (envInt("FAKE_CUDA_LAUNCH_FAIL", 0))
    return LAUNCH_FAILED;
  FakeKernel fn = ((const KernelEntry *)f)->fn;
  float *const *p = (float *const *)params[0];
  long threads = (long)gx * gy * gz * bx * by * bz;
  for (long t = 0; t < threads; ++t)
    fn(p, t);
  return SUCCESS;
}

/*--- Streams and events ------------------------------------------------*/

CUresult cuStreamCreate(void **s, unsigned flags) {
  (void)flags;
  *s = malloc(1);
  ++Live;
  return SUCCESS;
}
CUresult cuStreamDestroy_v2(void *s) {
  free(s);
  --Live;
  return SUCCESS;
}
CUresult cuStreamSynchronize(void *s) {
  (void)s;
  return SUCCESS;
}
CUresult cuEventCreate(void **e, unsigned flags) {
  (void)flags;
  *e = calloc(1, sizeof(double));
  ++Live;
  return SUCCESS;
}
CUresult cuEventDestroy_v2(void *e) {
  free(e);
  --Live;
  return SUCCESS;
}
CUresult cuEventRecord(void *e, void *stream) {
  (void)stream;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  *(double *)e = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
  return SUCCESS;
}
CUresult cuEventSynchronize(void *e) {
  (void)e;
  return SUCCESS;
}
CUresult cuEventElapsedTime_v2(float *ms, void *start, void *end) {
  *ms = (float)(*(double *)end - *(double *)start);
  return SUCCESS;
}
