/* classify.c - an application with two models linked in ahead of time.
 *
 *   classify IMAGE.pgm|IMAGE.ppm [--save-inputs DIR]
 *
 * Runs LeNet-5 and MobileNetV2 (compiled by cnnc_add_model into this
 * program; no runtime library) on the image and prints each model's top-5
 * classes with their scores, in the format of `cnnc --interpret`.
 * --save-inputs writes each model's input tensor as DIR/<model>.npy so the
 * result can be checked against the reference interpreter. */
#include "image.h"
#include "lenet5.h"
#include "mobilenet_v2.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The header's macros describe the same model as its descriptor. */
typedef char lenet5_has_one_input[LENET5_NUM_INPUTS == 1 ? 1 : -1];
typedef char mobilenet_has_one_output[MOBILENET_V2_NUM_OUTPUTS == 1 ? 1 : -1];

static int save_npy(const char *path, const cnnc_tensor_desc *t,
                    const float *data) {
  char header[128], shape[96] = "";
  for (int32_t i = 0; i < t->rank; ++i) {
    char dim[24];
    snprintf(dim, sizeof dim, "%lld,%s", (long long)t->shape[i],
             (i + 1 < t->rank) ? " " : "");
    strncat(shape, dim, sizeof shape - strlen(shape) - 1);
  }
  int len = snprintf(header, sizeof header,
                     "{'descr': '<f4', 'fortran_order': False, "
                     "'shape': (%s), }", shape);
  int pad = 64 - (10 + len + 1) % 64;
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  unsigned short hlen = (unsigned short)(len + pad + 1);
  fwrite("\x93NUMPY\x01\x00", 1, 8, f);
  fputc(hlen & 0xff, f);
  fputc(hlen >> 8, f);
  fwrite(header, 1, (size_t)len, f);
  for (int i = 0; i < pad; ++i)
    fputc(' ', f);
  fputc('\n', f);
  fwrite(data, 4, (size_t)(t->bytes / 4), f);
  return fclose(f);
}

/* Prints the top-5 scores of a [1, K] output. */
static void print_top5(const float *scores, int64_t k) {
  int best[5];
  int n = k < 5 ? (int)k : 5;
  for (int i = 0; i < n; ++i) {
    best[i] = -1;
    for (int64_t j = 0; j < k; ++j) {
      int taken = 0;
      for (int p = 0; p < i; ++p)
        taken |= best[p] == j;
      if (!taken && (best[i] < 0 || scores[j] > scores[best[i]]))
        best[i] = (int)j;
    }
  }
  printf("  top-5:");
  for (int i = 0; i < n; ++i)
    printf(" %d (%.8g)", best[i], scores[best[i]]);
  printf("\n");
}

static int classify(const cnnc_model_desc *m, const image *img,
                    const char *save_dir) {
  const cnnc_tensor_desc *in = &m->inputs[0], *out = &m->outputs[0];
  if (m->abi_version != CNNC_ABI_VERSION || in->rank != 4) {
    fprintf(stderr, "classify: error: %s is not an image model\n", m->name);
    return -1;
  }
  float *x = malloc((size_t)in->bytes);
  float *y = malloc((size_t)out->bytes);
  /* The workspace must be CNNC_WORKSPACE_ALIGN-aligned (C99 has no
   * aligned_alloc: over-allocate and round up). */
  char *ws_block = malloc((size_t)m->workspace_bytes + CNNC_WORKSPACE_ALIGN);
  void *ws = ws_block + (CNNC_WORKSPACE_ALIGN -
                         (uintptr_t)ws_block % CNNC_WORKSPACE_ALIGN) %
                            CNNC_WORKSPACE_ALIGN;
  int rc = -1;
  if (x && y && ws_block) {
    image_to_tensor(img, in->shape[1], in->shape[2], in->shape[3], x);
    if (save_dir) {
      char path[4096];
      snprintf(path, sizeof path, "%s/%s.npy", save_dir, m->name);
      if (save_npy(path, in, x))
        fprintf(stderr, "classify: error: cannot write '%s'\n", path);
    }
    const void *inputs[1] = {x};
    void *outputs[1] = {y};
    /* No execution context: the model runs serially on this thread. */
    rc = m->run(inputs, outputs, ws, NULL);
    if (rc == 0) {
      printf("%s %%%s: %lld classes\n", m->name, out->name,
             (long long)(out->bytes / 4));
      print_top5(y, out->bytes / 4);
    }
  }
  free(x);
  free(y);
  free(ws_block);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 2 && !(argc == 4 && strcmp(argv[2], "--save-inputs") == 0)) {
    fprintf(stderr, "usage: classify IMAGE.pgm|IMAGE.ppm "
                    "[--save-inputs DIR]\n");
    return 2;
  }
  image img;
  if (image_read(argv[1], &img))
    return 1;
  const char *save_dir = argc == 4 ? argv[3] : NULL;
  int rc = classify(lenet5_cnnc_model(), &img, save_dir) ||
           classify(mobilenet_v2_cnnc_model(), &img, save_dir);
  image_free(&img);
  return rc ? 1 : 0;
}
