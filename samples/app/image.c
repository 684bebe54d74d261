/* image.c - reading PGM/PPM images into a model's input tensor. */
#include "image.h"

#include <stdio.h>
#include <stdlib.h>

/* Next header integer, skipping blanks and # comments. */
static int read_header_int(FILE *f, int *out) {
  int c = fgetc(f);
  for (;;) {
    while (c == ' ' || c == '\t' || c == '\n' || c == '\r')
      c = fgetc(f);
    if (c != '#')
      break;
    while (c != '\n' && c != EOF)
      c = fgetc(f);
  }
  if (c < '0' || c > '9')
    return -1;
  long v = 0;
  while (c >= '0' && c <= '9') {
    v = v * 10 + (c - '0');
    if (v > 1000000)
      return -1;
    c = fgetc(f);
  }
  *out = (int)v;
  return 0; /* the one blank after the header is consumed */
}

int image_read(const char *path, image *img) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "classify: error: cannot open '%s'\n", path);
    return -1;
  }
  char magic[2];
  int w, h, maxval;
  if (fread(magic, 1, 2, f) != 2 || magic[0] != 'P' ||
      (magic[1] != '2' && magic[1] != '3' && magic[1] != '5' &&
       magic[1] != '6') ||
      read_header_int(f, &w) || read_header_int(f, &h) ||
      read_header_int(f, &maxval) || w <= 0 || h <= 0 || maxval <= 0 ||
      maxval > 65535) {
    fprintf(stderr, "classify: error: '%s' is not a PGM/PPM image\n", path);
    fclose(f);
    return -1;
  }
  int ascii = magic[1] == '2' || magic[1] == '3';
  img->channels = (magic[1] == '3' || magic[1] == '6') ? 3 : 1;
  img->width = w;
  img->height = h;
  size_t n = (size_t)w * (size_t)h * (size_t)img->channels;
  img->pixels = malloc(n * sizeof(float));
  if (!img->pixels) {
    fclose(f);
    return -1;
  }
  for (size_t i = 0; i < n; ++i) {
    int v;
    if (ascii) {
      if (read_header_int(f, &v))
        v = -1;
    } else if (maxval < 256) {
      v = fgetc(f);
    } else {
      int hi = fgetc(f), lo = fgetc(f);
      v = (hi < 0 || lo < 0) ? -1 : hi * 256 + lo;
    }
    if (v < 0 || v > maxval) {
      fprintf(stderr, "classify: error: '%s' is truncated or has a bad "
              "pixel at %zu\n", path, i);
      image_free(img);
      fclose(f);
      return -1;
    }
    img->pixels[i] = (float)v / (float)maxval;
  }
  fclose(f);
  return 0;
}

void image_free(image *img) {
  free(img->pixels);
  img->pixels = NULL;
}

void image_to_tensor(const image *img, int64_t c, int64_t h, int64_t w,
                     float *out) {
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        int64_t sy = y * img->height / h, sx = x * img->width / w;
        const float *p =
            img->pixels + (sy * img->width + sx) * img->channels;
        float v;
        if (img->channels == 1)
          v = p[0];
        else if (c == 3)
          v = p[ch];
        else
          v = (p[0] + p[1] + p[2]) / 3.0f;
        out[(ch * h + y) * w + x] = 2.0f * v - 1.0f;
      }
}
