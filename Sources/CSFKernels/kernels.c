/* kernels.c - see sf_kernels.h. */
#include "sf_kernels.h"

#include <math.h>
#include <string.h>

#define MANTISSA_MASK 0x000FFFFFFFFFFFFFull
#define ONE_BITS 0x3FF0000000000000ull
#define CHUNK 64 /* even: row k0 + i of a chunk has the parity of i */
_Static_assert(CHUNK % 2 == 0, "CHUNK must be even");
#define COMMA ,

/* Builds with the baseline instruction set, for AVX2 and for AVX-512F; the
 * loader picks one (GNU ifunc). Results are identical: only the width of the
 * vector instructions differs (-ffp-contract=off: no fused multiply-add,
 * which AVX-512F would allow). AVX-512 measured 1-3% less time per image at
 * 128x128 and 256x256 on an AMD Zen 4. Not under the sanitizers: an ifunc resolver
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
#define SFK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SFK_CLONES
#endif

SFK_CLONES
void sfk_u8_to_double(const uint8_t *restrict src, double *restrict dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = (double)src[i];
}

/* The DFTs of rows 2j and 2j + 1 from the DFT Z of the complex row
 * (row 2j) + i (row 2j + 1): A[k] = (Z[k] + conj Z[-k]) / 2 and B[k] =
 * (Z[k] - conj Z[-k]) / 2i, for k < w/2 + 1. Halving is exact; k = 0 (and
 * the Nyquist k = w/2 of an even w) gives an imaginary part of exactly 0. */
SFK_CLONES
void sfk_split_rows(const double *restrict z, size_t w, size_t rows, double *restrict out) {
    const size_t hw = w / 2 + 1;
    for (size_t r = 0; r < rows; r += 2) {
        const double *restrict re = z + r * w, *restrict im = re + w;
        double *restrict a = out + r * 2 * hw, *restrict b = a + 2 * hw;
        const int pair = r + 1 < rows;   /* else an odd last row, paired with zeros: A only */
        a[0] = re[0];
        a[1] = 0.0;
        if (pair) {
            b[0] = im[0];
            b[1] = 0.0;
        }
        for (size_t k = 1; k < hw; k++) { /* vectorises (the reversed loads are permutes) */
            const double zr = re[k], zi = im[k], cr = re[w - k], ci = im[w - k];
            a[2 * k] = 0.5 * (zr + cr);
            a[2 * k + 1] = 0.5 * (zi - ci);
            if (pair) {
                b[2 * k] = 0.5 * (zi + ci);
                b[2 * k + 1] = 0.5 * (cr - zr);
            }
        }
    }
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

/* The careful path for one factor: |F + eps|^2 of element i split exactly
 * into a mantissa in [1, 2) and an unbiased exponent (a subnormal value is
 * scaled by 2^64 first, its exponent corrected); returns 0 for a zero,
 * infinite or NaN value (*bad receives it). */
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
    *e = x - 1023;
    return 1;
}

/* Moves the exponent of products[s] into exponents[s] (exact). */
static inline void renormalize_one(double *p, int64_t *e) {
    const uint64_t b = bits_of(*p);
    *e += (int64_t)((b >> 52) & 0x7FF) - 1023;
    *p = double_of((b & MANTISSA_MASK) | ONE_BITS);
}

/* A factor given carefully: mantissa m, unbiased exponent e of the value
 * (the exponent of the scaled value is e - shift). A product that reaches
 * 2^512 is renormalised on the spot, so careful factors alone never
 * overflow whatever their number. */
static inline void careful_factor(double *p, int64_t *ex, double m, int64_t e, int64_t shift) {
    *p *= m;
    *ex += e - shift;
    if (*p >= 0x1p512) renormalize_one(p, ex);
}

/* Which values are multiplied in as they are: a value v is scaled (v *
 * 2^-shift, exact) when its biased exponent x lies in [1023 + shift - bound,
 * 1023 + shift + bound] (bound < 0: none is). */
struct scaling {
    uint64_t lowest, span;
    double scale; /* 2^-shift */
    int64_t bound;
};

static inline struct scaling scaling_of(int64_t shift, int64_t bound) {
    return (struct scaling){(uint64_t)(1023 + shift - bound), (uint64_t)(2 * bound),
                            double_of((uint64_t)(1023 - shift) << 52), bound};
}

static inline int is_scaled(const double *c, size_t i, double eps, struct scaling sc) {
    const double re = c[2 * i] + eps, im = c[2 * i + 1];
    return sc.bound >= 0 && ((bits_of(re * re + im * im) >> 52) & 0x7FF) - sc.lowest <= sc.span;
}

/* w[i] = |F + eps|^2 * 2^-shift of the n elements at c (re, im
 * interleaved); nonzero when one of them is not scaled (is_scaled). */
static inline uint64_t scaled_factors(const double *restrict c, size_t n, double eps, struct scaling sc,
                                      double *restrict w) {
    uint64_t worst = 0; /* the largest distance from the scaled range's low end (unsigned: below it wraps) */
    for (size_t i = 0; i < n; i++) { /* vectorises */
        const double re = c[2 * i] + eps, im = c[2 * i + 1];
        const double v = re * re + im * im;
        const uint64_t d = ((bits_of(v) >> 52) & 0x7FF) - sc.lowest;
        worst = d > worst ? d : worst;
        w[i] = v * sc.scale;
    }
    return sc.bound < 0 || worst > sc.span;
}

/* The column loop, for each map layout: OWN(i) and MIRROR(i) are the slots
 * (without the lane) of row k0 + i, from the chunk's map pointers. */
#define ACCUMULATE(NAME, PARAMS, SETUP, OWN, MIRROR)                                                      \
    SFK_CLONES                                                                                            \
    long NAME(const double *col, size_t h, PARAMS, double eps, int64_t shift, int64_t bound,              \
              double *restrict products, int64_t *restrict exponents, double *bad) {                      \
        long first_bad = -1;                                                                              \
        double w[CHUNK];                                                                                  \
        const struct scaling sc = scaling_of(shift, bound);                                               \
        for (size_t k0 = 0; k0 < h; k0 += CHUNK) {                                                        \
            const size_t n = h - k0 < CHUNK ? h - k0 : CHUNK;                                             \
            const double *c = col + 2 * k0;                                                               \
            SETUP                                                                                         \
            if (!scaled_factors(c, n, eps, sc, w)) { /* every factor scaled: one multiply per slot */     \
                double *p0 = products, *p1 = products + 1; /* even rows, odd rows */                      \
                size_t i = 0;                                                                             \
                for (; i + 1 < n; i += 2) {                                                               \
                    p0[OWN(i)] *= w[i];                                                                   \
                    p0[MIRROR(i)] *= w[i];                                                                \
                    p1[OWN(i + 1)] *= w[i + 1];                                                           \
                    p1[MIRROR(i + 1)] *= w[i + 1];                                                        \
                }                                                                                         \
                if (i < n) {                                                                              \
                    p0[OWN(i)] *= w[i];                                                                   \
                    p0[MIRROR(i)] *= w[i];                                                                \
                }                                                                                         \
                continue;                                                                                 \
            }                                                                                             \
            for (size_t i = 0; i < n; i++) {                                                              \
                const size_t ky = k0 + i, s1 = OWN(i) + (ky & 1), s2 = MIRROR(i) + (ky & 1);              \
                if (is_scaled(c, i, eps, sc)) {                                                           \
                    products[s1] *= w[i];                                                                 \
                    products[s2] *= w[i];                                                                 \
                    continue;                                                                             \
                }                                                                                         \
                double m, v;                                                                              \
                int64_t e;                                                                                \
                if (!split_one(c, i, eps, &m, &e, &v)) {                                                  \
                    if (first_bad < 0) {                                                                  \
                        first_bad = (long)ky;                                                             \
                        *bad = v;                                                                         \
                    }                                                                                     \
                    continue;                                                                             \
                }                                                                                         \
                careful_factor(products + s1, exponents + s1, m, e, shift);                               \
                careful_factor(products + s2, exponents + s2, m, e, shift);                               \
            }                                                                                             \
        }                                                                                                 \
        return first_bad;                                                                                 \
    }

#define OWN_PACKED(i) ((size_t)(q[(i)] & 0xFFFFu))
#define MIRROR_PACKED(i) ((size_t)(q[(i)] >> 16))
#define OWN_BINS(i) (4 * (size_t)o[(i)])
#define MIRROR_BINS(i) (4 * (size_t)r[(i)] + 2)
ACCUMULATE(sfk_accumulate_column_packed, const uint32_t *restrict slots, const uint32_t *q = slots + k0;,
           OWN_PACKED, MIRROR_PACKED)
ACCUMULATE(sfk_accumulate_column_u16, const uint16_t *restrict own COMMA const uint16_t *restrict mirror,
           const uint16_t *o = own + k0; const uint16_t *r = mirror + k0;, OWN_BINS, MIRROR_BINS)
ACCUMULATE(sfk_accumulate_column_u32, const uint32_t *restrict own COMMA const uint32_t *restrict mirror,
           const uint32_t *o = own + k0; const uint32_t *r = mirror + k0;, OWN_BINS, MIRROR_BINS)

/* Keeps eight running products in eight registers: without it clang packs
 * the row's eight loads into one AVX-512 gather, which made the pass about
 * twice as slow on an AMD Zen 4 (28 vs 15 us at 256x256). An empty asm: no
 * instruction. */
#if defined(__x86_64__) && defined(__GNUC__)
#define SFK_SCALAR_LANES(a, b, c, d, e, f, g, h) \
    __asm__("" : "+x"(a), "+x"(b), "+x"(c), "+x"(d), "+x"(e), "+x"(f), "+x"(g), "+x"(h))
#else
#define SFK_SCALAR_LANES(a, b, c, d, e, f, g, h) ((void)0)
#endif

SFK_CLONES
long sfk_ring_factors(const double *col, size_t n, size_t h, const uint32_t *restrict slots, double eps,
                      int64_t shift, int64_t bound, double *restrict w, int64_t *restrict exponents, double *bad) {
    long first_bad = -1;
    const struct scaling sc = scaling_of(shift, bound);
    for (size_t k0 = 0; k0 < n; k0 += CHUNK) {
        const size_t m = n - k0 < CHUNK ? n - k0 : CHUNK;
        const double *c = col + 2 * k0;
        double *f = w + k0;
        if (!scaled_factors(c, m, eps, sc, f)) continue;
        for (size_t i = 0; i < m; i++) {
            if (is_scaled(c, i, eps, sc)) continue;
            double mant, v;
            int64_t e;
            if (!split_one(c, i, eps, &mant, &e, &v)) {
                if (first_bad < 0) {
                    first_bad = (long)(k0 + i);
                    *bad = v;
                }
                f[i] = 1.0;
                continue;
            }
            f[i] = mant;
            const uint32_t q = slots[k0 + i];
            const size_t parity = ((k0 + i) % h) & 1;
            exponents[(q & 0xFFFFu) + parity] += e - shift;
            exponents[(q >> 16) + parity] += e - shift;
        }
    }
    return first_bad;
}

SFK_CLONES
void sfk_ring_products(const double *restrict w, const uint32_t *restrict schedule, const uint32_t *restrict rows,
                       size_t groups, double *restrict products, int64_t *restrict exponents) {
    for (size_t g = 0; g < groups; g++) {
        double *p = products + 8 * g;
        /* eight running products in registers: the eight chains are independent */
        double a0 = p[0], a1 = p[1], a2 = p[2], a3 = p[3], a4 = p[4], a5 = p[5], a6 = p[6], a7 = p[7];
        int64_t x[8] = {0};
        const size_t n = rows[g];
        const uint32_t *q = schedule;
        for (size_t j = 0; j < n;) {
            const size_t stop = n - j < SFK_RING_RENORM_ROWS ? n : j + SFK_RING_RENORM_ROWS;
            for (; j < stop; j++, q += 8) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                uint64_t i01, i23, i45, i67;   /* the row's indices, two per load */
                memcpy(&i01, q, 8);
                memcpy(&i23, q + 2, 8);
                memcpy(&i45, q + 4, 8);
                memcpy(&i67, q + 6, 8);
                a0 *= w[(uint32_t)i01];
                a1 *= w[i01 >> 32];
                a2 *= w[(uint32_t)i23];
                a3 *= w[i23 >> 32];
                a4 *= w[(uint32_t)i45];
                a5 *= w[i45 >> 32];
                a6 *= w[(uint32_t)i67];
                a7 *= w[i67 >> 32];
#else
                a0 *= w[q[0]];
                a1 *= w[q[1]];
                a2 *= w[q[2]];
                a3 *= w[q[3]];
                a4 *= w[q[4]];
                a5 *= w[q[5]];
                a6 *= w[q[6]];
                a7 *= w[q[7]];
#endif
                SFK_SCALAR_LANES(a0, a1, a2, a3, a4, a5, a6, a7);
            }
            renormalize_one(&a0, &x[0]);
            renormalize_one(&a1, &x[1]);
            renormalize_one(&a2, &x[2]);
            renormalize_one(&a3, &x[3]);
            renormalize_one(&a4, &x[4]);
            renormalize_one(&a5, &x[5]);
            renormalize_one(&a6, &x[6]);
            renormalize_one(&a7, &x[7]);
        }
        schedule += 8 * n;
        p[0] = a0, p[1] = a1, p[2] = a2, p[3] = a3, p[4] = a4, p[5] = a5, p[6] = a6, p[7] = a7;
        for (int l = 0; l < 8; l++) exponents[8 * g + l] += x[l];
    }
}

SFK_CLONES
void sfk_pack_slots(size_t h, const uint32_t *restrict own, const uint32_t *restrict mirror, uint32_t *restrict slots) {
    for (size_t ky = 0; ky < h; ky++) slots[ky] = (own[ky] * 4) | ((mirror[ky] * 4 + 2) << 16);
}

SFK_CLONES
void sfk_narrow_bins(size_t h, const uint32_t *restrict bins, uint16_t *restrict out) {
    for (size_t ky = 0; ky < h; ky++) out[ky] = (uint16_t)bins[ky];
}

SFK_CLONES
void sfk_renormalize(double *restrict products, int64_t *restrict exponents, size_t from, size_t to) {
    for (size_t s = from; s < to; s++) renormalize_one(products + s, exponents + s);
}

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
SFK_CLONES
int32_t sfk_ring_column(size_t h, double dxx, const double *dyy, double mdxx, const double *mdyy, int mirrored,
                        int64_t bins, uint32_t *restrict own, uint32_t *restrict mirror, double *counts,
                        int32_t *per_slot, int32_t threshold, int32_t *heavy, size_t *heavy_count, int64_t *lo,
                        int64_t *hi) {
    const double fb = (double)bins;
    for (size_t ky = 0; ky < h; ky++) own[ky] = (uint32_t)out_bin(dxx + dyy[ky], fb);
    if (mirrored)
        for (size_t ky = 0; ky < h; ky++) mirror[ky] = (uint32_t)out_bin(mdxx + mdyy[ky], fb);
    else
        for (size_t ky = 0; ky < h; ky++) mirror[ky] = (uint32_t)bins;
    int64_t l = INT64_MAX, u = -1;
    /* count the own slots, then the mirror ones (integer counts: order-free) */
    for (int half = 0; half < (mirrored ? 2 : 1); half++) {
        const uint32_t *bin = half ? mirror : own;
        for (size_t ky = 0; ky < h; ky++) {
            const int64_t b = bin[ky];
            counts[b] += 1;
            per_slot[4 * b + 2 * half + (int64_t)(ky & 1)]++;
            if (b != bins) {
                l = b < l ? b : l;
                u = b > u ? b : u;
            }
        }
    }
    int32_t most = 0;
    size_t nh = 0;
    for (int64_t b = l; b <= u; b++) {
        int32_t m = 0;
        for (int s = 0; s < 4; s++) {
            m = per_slot[4 * b + s] > m ? per_slot[4 * b + s] : m;
            per_slot[4 * b + s] = 0;
        }
        most = m > most ? m : most;
        if (m > threshold) heavy[nh++] = (int32_t)b;
    }
    for (int s = 0; s < 4; s++) per_slot[4 * bins + s] = 0;
    *heavy_count = nh;
    *lo = u >= 0 ? l : 1;
    *hi = u >= 0 ? u : 0;
    return most;
}

