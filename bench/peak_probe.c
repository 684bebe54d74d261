/* peak_probe.c - the FP32 FMA peak and copy bandwidth of one core.
 *
 * Built by bench/peers.py --layers with `cc -O2 -march=native`; prints one
 * JSON object: fma256 and fma512 (GFLOP/s of 12 independent vfmadd chains on
 * 256-bit and 512-bit vectors; fma512 is 0 without AVX-512), l2 and mem
 * (GB/s read + written by memcpy of a buffer that fits L2 and of one far
 * larger than the caches). Each figure is the best of several trials. */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Twelve independent accumulators (written out, so they stay in registers)
 * hide the FMA latency on two FMA ports. */
#define FMA12(op, a, b)                                                        \
  c0 = op(c0, a, b); c1 = op(c1, a, b); c2 = op(c2, a, b);                     \
  c3 = op(c3, a, b); c4 = op(c4, a, b); c5 = op(c5, a, b);                     \
  c6 = op(c6, a, b); c7 = op(c7, a, b); c8 = op(c8, a, b);                     \
  c9 = op(c9, a, b); c10 = op(c10, a, b); c11 = op(c11, a, b)

static double fma256(long iters) {
  __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  __m256 c0 = _mm256_set1_ps(0.f), c1 = _mm256_set1_ps(1.f),
         c2 = _mm256_set1_ps(2.f), c3 = _mm256_set1_ps(3.f),
         c4 = _mm256_set1_ps(4.f), c5 = _mm256_set1_ps(5.f),
         c6 = _mm256_set1_ps(6.f), c7 = _mm256_set1_ps(7.f),
         c8 = _mm256_set1_ps(8.f), c9 = _mm256_set1_ps(9.f),
         c10 = _mm256_set1_ps(10.f), c11 = _mm256_set1_ps(11.f);
  double start = now();
  for (long n = 0; n < iters; ++n) {
    FMA12(_mm256_fmadd_ps, a, b);
    /* Keeps every chain in its own register: no chain is merged with
     * another or hoisted. */
    __asm__("" : "+x"(c0), "+x"(c1), "+x"(c2), "+x"(c3), "+x"(c4), "+x"(c5));
    __asm__("" : "+x"(c6), "+x"(c7), "+x"(c8), "+x"(c9), "+x"(c10), "+x"(c11));
  }
  double s = now() - start;
  __m256 sum = _mm256_add_ps(
      _mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)),
      _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(c6, c7)),
                    _mm256_add_ps(_mm256_add_ps(c8, c9), _mm256_add_ps(c10, c11))));
  if (_mm256_cvtss_f32(sum) == 12345.0f)
    puts("");
  return 2.0 * 8 * 12 * (double)iters / s * 1e-9;
}

#ifdef __AVX512F__
static double fma512(long iters) {
  __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  __m512 c0 = _mm512_set1_ps(0.f), c1 = _mm512_set1_ps(1.f),
         c2 = _mm512_set1_ps(2.f), c3 = _mm512_set1_ps(3.f),
         c4 = _mm512_set1_ps(4.f), c5 = _mm512_set1_ps(5.f),
         c6 = _mm512_set1_ps(6.f), c7 = _mm512_set1_ps(7.f),
         c8 = _mm512_set1_ps(8.f), c9 = _mm512_set1_ps(9.f),
         c10 = _mm512_set1_ps(10.f), c11 = _mm512_set1_ps(11.f);
  double start = now();
  for (long n = 0; n < iters; ++n) {
    FMA12(_mm512_fmadd_ps, a, b);
    /* Keeps every chain in its own register: no chain is merged with
     * another or hoisted. */
    __asm__("" : "+v"(c0), "+v"(c1), "+v"(c2), "+v"(c3), "+v"(c4), "+v"(c5));
    __asm__("" : "+v"(c6), "+v"(c7), "+v"(c8), "+v"(c9), "+v"(c10), "+v"(c11));
  }
  double s = now() - start;
  __m512 sum = _mm512_add_ps(
      _mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)),
      _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)),
                    _mm512_add_ps(_mm512_add_ps(c8, c9), _mm512_add_ps(c10, c11))));
  if (_mm512_reduce_add_ps(sum) == 12345.0f)
    puts("");
  return 2.0 * 16 * 12 * (double)iters / s * 1e-9;
}
#endif

/* GB/s moved (read + written) by copying `bytes` `reps` times. */
static double copy(size_t bytes, int reps) {
  char *a = aligned_alloc(64, bytes), *b = aligned_alloc(64, bytes);
  memset(a, 1, bytes);
  memset(b, 2, bytes);
  double start = now();
  for (int r = 0; r < reps; ++r) {
    memcpy(r & 1 ? a : b, r & 1 ? b : a, bytes);
    __asm__ volatile("" ::: "memory");
  }
  double s = now() - start;
  free(a);
  free(b);
  return 2.0 * (double)bytes * reps / s * 1e-9;
}

static double best(double (*f)(long), long arg) {
  double m = 0;
  for (int t = 0; t < 5; ++t) {
    double v = f(arg);
    m = v > m ? v : m;
  }
  return m;
}

static double bestCopy(size_t bytes, int reps) {
  double m = 0;
  for (int t = 0; t < 5; ++t) {
    double v = copy(bytes, reps);
    m = v > m ? v : m;
  }
  return m;
}

int main(void) {
  double f256 = best(fma256, 20000000), f512 = 0;
#ifdef __AVX512F__
  f512 = best(fma512, 10000000);
#endif
  double l2 = bestCopy(256 << 10, 4000);
  double mem = bestCopy((size_t)256 << 20, 4);
  printf("{\"fma256\": %.2f, \"fma512\": %.2f, \"l2\": %.2f, \"mem\": %.2f}\n",
         f256, f512, l2, mem);
  return 0;
}
