/*===- cnnc/hash.h - the weights checksum of compiled models ------*- C -*-===*
 *
 * The 64-bit checksum a compiled model's descriptor records for its weights
 * (embedded or external: cnnc_model_desc.weights_hash), computed by the
 * compiler when it writes them and by the runtime when it loads or
 * verifies them. It detects damage (a flipped bit, a truncated or swapped
 * file), not tampering: it is no cryptographic hash.
 *
 * Four independent 64-bit lanes over 32-byte stripes (multiply, rotate,
 * multiply: the lanes keep the multiplier busy, about 8 bytes a cycle, so
 * hashing VGG-16's 528 MB takes tens of milliseconds where a byte-serial
 * FNV-1a took 0.7 s), then the 8-byte words and bytes of the tail, the
 * length, and a final avalanche. Little-endian byte order, so the value is
 * the same on every host. Header-only, so the compiler and the runtime
 * share one definition.
 *
 *===----------------------------------------------------------------------===*/
#ifndef CNNC_HASH_H
#define CNNC_HASH_H

#include <stdint.h>
#include <string.h>

#define CNNC_HASH_K1 0x9e3779b97f4a7c15ull
#define CNNC_HASH_K2 0xc2b2ae3d27d4eb4full
#define CNNC_HASH_K3 0x165667b19e3779f9ull

static inline uint64_t cnnc_hash_rotl(uint64_t x, int r) {
  return (x << r) | (x >> (64 - r));
}

/* The little-endian 64-bit word at p (any alignment). */
static inline uint64_t cnnc_hash_load(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

static inline uint64_t cnnc_hash_round(uint64_t lane, uint64_t word) {
  lane += word * CNNC_HASH_K2;
  return cnnc_hash_rotl(lane, 31) * CNNC_HASH_K1;
}

/* The checksum computed in pieces (the compiler hashes the weights as the
 * lowering writes them): init, then stripes over the bytes in order in
 * multiples of 32, then finish with the remaining tail (< 32 bytes). */
typedef struct cnnc_hash_state {
  uint64_t a, b, c, d; /* the four lanes */
  uint64_t bytes;      /* bytes consumed by the stripes */
} cnnc_hash_state;

static inline void cnnc_hash_init(cnnc_hash_state *s) {
  s->a = CNNC_HASH_K1 + CNNC_HASH_K2;
  s->b = CNNC_HASH_K2;
  s->c = 0;
  s->d = (uint64_t)0 - CNNC_HASH_K1;
  s->bytes = 0;
}

/* Consumes the 32-byte stripes of `bytes` bytes at `data` (a multiple of
 * 32). */
static inline void cnnc_hash_stripes(cnnc_hash_state *s, const void *data,
                                     uint64_t bytes) {
  const unsigned char *p = (const unsigned char *)data;
  uint64_t a = s->a, b = s->b, c = s->c, d = s->d, i = 0;
  for (; i + 32 <= bytes; i += 32) {
    a = cnnc_hash_round(a, cnnc_hash_load(p + i));
    b = cnnc_hash_round(b, cnnc_hash_load(p + i + 8));
    c = cnnc_hash_round(c, cnnc_hash_load(p + i + 16));
    d = cnnc_hash_round(d, cnnc_hash_load(p + i + 24));
  }
  s->a = a;
  s->b = b;
  s->c = c;
  s->d = d;
  s->bytes += i;
}

/* The checksum of the stripes consumed and then `tail` bytes (< 32) at
 * `data`. */
static inline uint64_t cnnc_hash_finish(const cnnc_hash_state *s,
                                        const void *data, uint64_t tail) {
  const unsigned char *p = (const unsigned char *)data;
  uint64_t a = s->a, b = s->b, c = s->c, d = s->d, i = 0;
  uint64_t h = cnnc_hash_rotl(a, 1) + cnnc_hash_rotl(b, 7) +
               cnnc_hash_rotl(c, 12) + cnnc_hash_rotl(d, 18);
  h = (h ^ cnnc_hash_round(0, a)) * CNNC_HASH_K1 + CNNC_HASH_K3;
  h = (h ^ cnnc_hash_round(0, b)) * CNNC_HASH_K1 + CNNC_HASH_K3;
  h = (h ^ cnnc_hash_round(0, c)) * CNNC_HASH_K1 + CNNC_HASH_K3;
  h = (h ^ cnnc_hash_round(0, d)) * CNNC_HASH_K1 + CNNC_HASH_K3;
  h += s->bytes + tail;
  for (; i + 8 <= tail; i += 8)
    h = cnnc_hash_rotl(h ^ cnnc_hash_round(0, cnnc_hash_load(p + i)), 27) *
            CNNC_HASH_K1 +
        CNNC_HASH_K3;
  for (; i < tail; ++i)
    h = cnnc_hash_rotl(h ^ (p[i] * CNNC_HASH_K3), 11) * CNNC_HASH_K1;
  h ^= h >> 33;
  h *= CNNC_HASH_K2;
  h ^= h >> 29;
  h *= CNNC_HASH_K3;
  h ^= h >> 32;
  return h;
}

/* The checksum of `bytes` bytes at `data` (null with 0 bytes is allowed). */
static inline uint64_t cnnc_weights_hash(const void *data, uint64_t bytes) {
  const unsigned char *p = (const unsigned char *)data;
  cnnc_hash_state s;
  uint64_t whole = bytes / 32 * 32;
  cnnc_hash_init(&s);
  cnnc_hash_stripes(&s, p, whole);
  return cnnc_hash_finish(&s, whole ? p + whole : p, bytes - whole);
}

#endif /* CNNC_HASH_H */
