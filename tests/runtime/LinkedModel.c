/*===- LinkedModel.c - The fake model linked into the test program -*- C -*-===*
 *
 * The variant with external weights, exporting only linked_cnnc_model, for
 * cnnrt_load_desc.
 *
 *===----------------------------------------------------------------------===*/
#define FAKE_LINKED
#define FAKE_WEIGHTS
#include "FakeModel.c"
