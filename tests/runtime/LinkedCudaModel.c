/*===- LinkedCudaModel.c - The fake CUDA model linked into the tests -*- C
 *-*-===*
 *
 * The variant with embedded weights, exporting only fakecuda_cnnc_model,
 * for cnnrt_load_desc and the descriptor checks (which copy and break it).
 *
 *===----------------------------------------------------------------------===*/
#define FAKE_LINKED
#include "FakeCudaModel.c"
