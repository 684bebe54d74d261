/* image.h - reading PGM/PPM images into a model's input tensor. */
#ifndef CNNC_APP_IMAGE_H
#define CNNC_APP_IMAGE_H

#include <stdint.h>

typedef struct image {
  int width, height, channels; /* channels: 1 (PGM) or 3 (PPM) */
  float *pixels;               /* row-major, interleaved, in [0, 1] */
} image;

/* Reads a binary or ASCII PGM (P5/P2) or PPM (P6/P3). Returns 0, or -1
 * after printing why. */
int image_read(const char *path, image *img);
void image_free(image *img);

/* Fills an NCHW tensor [1, c, h, w] from the image: nearest-neighbour
 * resize, grey replicated to RGB or RGB averaged to grey, values mapped
 * from [0, 1] to [-1, 1]. */
void image_to_tensor(const image *img, int64_t c, int64_t h, int64_t w,
                     float *out);

#endif
