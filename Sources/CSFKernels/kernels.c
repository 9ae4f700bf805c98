/* kernels.c - see sf_kernels.h. */
#include "sf_kernels.h"

#include <math.h>
#include <string.h>

#define MANTISSA_MASK 0x000FFFFFFFFFFFFFull
#define ONE_BITS 0x3FF0000000000000ull
#define CHUNK 64

/* Builds once with the baseline instruction set and once for AVX2; the
 * loader picks one (GNU ifunc). Results are identical: only the width of the
 * vector instructions differs. Not under the sanitizers: an ifunc resolver
 * runs while the library is relocated, before their runtimes are ready. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define SFK_NO_CLONES 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SFK_NO_CLONES 1
#endif
#if defined(__x86_64__) && defined(__GNUC__) && !defined(SFK_NO_CLONES)
#define SFK_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SFK_CLONES
#endif

SFK_CLONES
void sfk_u8_to_double(const uint8_t *restrict src, double *restrict dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = (double)src[i];
}

static inline uint64_t bits_of(double v) {
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

static inline double double_of(uint64_t b) {
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

/* Mantissas and exponents of |F + eps|^2 for n <= CHUNK rows of a column;
 * returns nonzero when one of them is zero, subnormal, infinite or NaN
 * (then the caller takes the careful path for the chunk). Vectorises. */
static inline int split_chunk(const double *restrict col, size_t n, double eps, double *restrict m,
                              int64_t *restrict e) {
    int special = 0;
    for (size_t i = 0; i < n; i++) {
        const double re = col[2 * i] + eps;
        const double im = col[2 * i + 1];
        const double v = re * re + im * im;
        const uint64_t b = bits_of(v);
        const int64_t x = (int64_t)((b >> 52) & 0x7FF);
        special |= (uint64_t)(x - 1) >= 0x7FEu;   /* x == 0 or x == 0x7FF */
        m[i] = double_of((b & MANTISSA_MASK) | ONE_BITS);
        e[i] = x;
    }
    return special;
}

/* The careful path for one element: the exact semantics of the plain loop. */
static inline int split_one(const double *col, size_t i, double eps, double *m, int64_t *e, double *bad) {
    const double re = col[2 * i] + eps;
    const double im = col[2 * i + 1];
    double v = re * re + im * im;
    uint64_t b = bits_of(v);
    int64_t x = (int64_t)((b >> 52) & 0x7FF);
    if (x == 0 || x == 0x7FF) {
        if (v > 0 && x != 0x7FF) {          /* subnormal */
            v *= 0x1p64;
            b = bits_of(v);
            x = (int64_t)((b >> 52) & 0x7FF) - 64;
        } else {
            *bad = v;
            return 0;
        }
    }
    *m = double_of((b & MANTISSA_MASK) | ONE_BITS);
    *e = x;
    return 1;
}

#define ACCUMULATE(NAME, INDEX)                                                                           \
    SFK_CLONES                                                                                            \
    long NAME(const double *col, size_t h, const INDEX *own, const INDEX *mirror, double eps,             \
              sfk_slot *slots, double *bad) {                                                             \
        long first_bad = -1;                                                                              \
        double m[CHUNK];                                                                                  \
        int64_t e[CHUNK];                                                                                 \
        for (size_t k0 = 0; k0 < h; k0 += CHUNK) {                                                        \
            const size_t n = h - k0 < CHUNK ? h - k0 : CHUNK;                                             \
            const double *c = col + 2 * k0;                                                               \
            if (!split_chunk(c, n, eps, m, e)) {                                                          \
                for (size_t i = 0; i < n; i++) {                                                          \
                    const size_t ky = k0 + i, lane = ky & 1;                                              \
                    sfk_slot *s1 = slots + (size_t)own[ky] * 4 + lane;                                    \
                    sfk_slot *s2 = slots + (size_t)mirror[ky] * 4 + 2 + lane;                             \
                    s1->product *= m[i];                                                                  \
                    s1->exponent += e[i];                                                                 \
                    s2->product *= m[i];                                                                  \
                    s2->exponent += e[i];                                                                 \
                }                                                                                         \
                continue;                                                                                 \
            }                                                                                             \
            for (size_t i = 0; i < n; i++) {                                                              \
                const size_t ky = k0 + i, lane = ky & 1;                                                  \
                double mi, v;                                                                             \
                int64_t ei;                                                                               \
                if (!split_one(c, i, eps, &mi, &ei, &v)) {                                                \
                    if (first_bad < 0) {                                                                  \
                        first_bad = (long)ky;                                                             \
                        *bad = v;                                                                         \
                    }                                                                                     \
                    continue;                                                                             \
                }                                                                                         \
                sfk_slot *s1 = slots + (size_t)own[ky] * 4 + lane;                                        \
                sfk_slot *s2 = slots + (size_t)mirror[ky] * 4 + 2 + lane;                                 \
                s1->product *= mi;                                                                        \
                s1->exponent += ei;                                                                       \
                s2->product *= mi;                                                                        \
                s2->exponent += ei;                                                                       \
            }                                                                                             \
        }                                                                                                 \
        return first_bad;                                                                                 \
    }

ACCUMULATE(sfk_accumulate_column_u16, uint16_t)
ACCUMULATE(sfk_accumulate_column_u32, uint32_t)

/* The output bin of an element at doubled squared distance n (an integer
 * below 2^52, held exactly in a double): ring floor(sqrt(n)) / 2, rounded
 * down. The correctly rounded double square root truncates to floor(sqrt(n))
 * there (rounding up to the next integer needs n > 2^52); the two
 * branch-free corrections only guard, exactly (s * s < 2^52). In doubles so
 * that it vectorises (AVX2 has no 64-bit integer multiply). */
static inline int32_t out_bin(double n, double bins) {
    double s = floor(sqrt(n));
    s -= (double)(s * s > n);
    s += (double)((s + 1) * (s + 1) <= n);
    const double ring = floor(s * 0.5);
    return (int32_t)((ring >= 1 && ring <= bins) ? ring - 1 : bins);
}

/* The bins of one column: a vectorised pass; then the counting (a scatter). */
#define RING_COLUMN(NAME, INDEX)                                                                             \
    SFK_CLONES                                                                                               \
    int32_t NAME(size_t h, double dxx, const double *dyy, double mdxx, const double *mdyy, int mirrored,    \
                 int64_t bins, INDEX *restrict own, INDEX *restrict mirror, double *counts,                  \
                 int32_t *per_column, int64_t *lo, int64_t *hi) {                                            \
        const double fb = (double)bins;                                                                      \
        for (size_t ky = 0; ky < h; ky++) own[ky] = (INDEX)out_bin(dxx + dyy[ky], fb);                       \
        if (mirrored)                                                                                        \
            for (size_t ky = 0; ky < h; ky++) mirror[ky] = (INDEX)out_bin(mdxx + mdyy[ky], fb);              \
        else                                                                                                 \
            for (size_t ky = 0; ky < h; ky++) mirror[ky] = (INDEX)bins;                                      \
        int64_t l = INT64_MAX, u = -1;                                                                       \
        /* count the own bins, then the mirror ones (integer counts: order-free) */                          \
        for (int half = 0; half < (mirrored ? 2 : 1); half++) {                                              \
            const INDEX *bin = half ? mirror : own;                                                          \
            for (size_t ky = 0; ky < h; ky++) {                                                              \
                const int64_t b = bin[ky];                                                                   \
                counts[b] += 1;                                                                              \
                per_column[b]++;                                                                             \
                if (b != bins) {                                                                             \
                    l = b < l ? b : l;                                                                       \
                    u = b > u ? b : u;                                                                       \
                }                                                                                            \
            }                                                                                                \
        }                                                                                                    \
        int32_t most = 0;                                                                                    \
        for (int64_t b = l; b <= u; b++) {                                                                   \
            if (per_column[b] > most) most = per_column[b];                                                  \
            per_column[b] = 0;                                                                               \
        }                                                                                                    \
        per_column[bins] = 0;                                                                                \
        *lo = u >= 0 ? l : 1;                                                                                \
        *hi = u >= 0 ? u : 0;                                                                                \
        return most;                                                                                         \
    }

RING_COLUMN(sfk_ring_column_u16, uint16_t)
RING_COLUMN(sfk_ring_column_u32, uint32_t)
