/* Links two models compiled with --emit=obj into one C99 program and runs
 * both serially (no runtime library). */
#include "affine4.h"
#include "relu4.h"

#include <stdio.h>
#include <stdlib.h>

static float ws_relu[RELU4_WORKSPACE_BYTES / 4 + 16];

int main(void) {
  float x[RELU4_INPUT0_ELEMENTS] = {-1.5f, 2.0f, -0.25f, 3.0f};
  float y[RELU4_OUTPUT0_ELEMENTS], z[AFFINE4_OUTPUT0_ELEMENTS],
      copy[AFFINE4_OUTPUT1_ELEMENTS];
  const cnnc_model_desc *a = relu4_cnnc_model(), *b = affine4_cnnc_model();
  const void *in[1] = {x};
  void *out_a[1] = {y};
  void *out_b[2] = {z, copy};
  void *ws = malloc(AFFINE4_WORKSPACE_BYTES + 64);
  if (a->run(in, out_a, ws_relu, NULL) || b->run(in, out_b, ws, NULL))
    return 1;
  printf("%s %s abi %u inputs %d outputs %d\n", a->name, b->name,
         a->abi_version, b->num_inputs, b->num_outputs);
  for (int i = 0; i < 4; ++i)
    printf("x=%g relu=%g affine=%g copy=%g\n", x[i], y[i], z[i], copy[i]);
  free(ws);
  return 0;
}
