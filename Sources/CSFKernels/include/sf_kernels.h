/* sf_kernels.h - the per-pixel and per-coefficient inner loops of the
 * feature pipeline, in C so that they compile to tight, vectorised,
 * unchecked code (Swift keeps the logic around them: which rows, which
 * columns, when to renormalise). Each function is exact: the same IEEE
 * operations in the same order as the plain loop it replaces (no FMA
 * contraction: this file is built with -ffp-contract=off), so features are
 * bit-identical whatever instruction set the CPU has. */
#ifndef SF_KERNELS_H
#define SF_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* dst[i] = (double)src[i], i < n. */
void sfk_u8_to_double(const uint8_t *src, double *dst, size_t n);

/* The row transforms of the 2-D DFT, two real rows per complex DFT: z holds
 * (rows + 1) / 2 pairs of 2w doubles each, the w real then the w imaginary parts
 * of the DFT of the complex row (row 2j) + i (row 2j + 1) (for an odd
 * count, the last row's partner is a row of zeros); writes the DFTs of the
 * rows' first w/2 + 1 coefficients (FFTW's real-to-complex output: re, im
 * interleaved) as `rows` consecutive rows of w/2 + 1 complex values at out. */
void sfk_split_rows(const double *z, size_t w, size_t rows, double *out);

/* Running products of the radial bin lanes (RadialAccumulator): each slot s
 * holds the exact product products[s] * 2^exponents[s] of the factors fed so
 * far, each factor being a value |F + eps|^2 scaled by 2^-shift (the ring
 * map's `shift`, 0 <= shift < 1000). */

/* Multiplies the h coefficients of one spectrum column (re, im interleaved)
 * into the slots: |F + eps|^2 of row ky, times 2^-shift, into slots
 * own(ky) + (ky & 1) and mirror(ky) + (ky & 1), rows in ascending order,
 * where own(ky) = 4 * own bin and mirror(ky) = 4 * mirror bin + 2. A value
 * whose exponent (after the scaling) lies in [-bound, bound] is multiplied
 * in as it is (exact scaling; bound < 0: none is); any other is split into
 * its mantissa in [1, 2) and exponent, the exponent added to
 * exponents[slot] (a subnormal value is scaled by 2^64 first). Either way
 * the rounding of each product is that of the product of mantissas: the
 * products differ only by exact powers of two. The caller renormalises
 * (sfk_renormalize) often enough that no product leaves the normal range
 * (RadialAccumulator). Returns -1, or the first row whose value is zero,
 * infinite or NaN (such rows are skipped; *bad receives the value).
 *
 * _packed: slots[ky] = own(ky) | mirror(ky) << 16 (sfk_pack_slots; maps of
 * at most 16,383 bins); _u16, _u32: the bins, own[ky] and mirror[ky]. */
long sfk_accumulate_column_packed(const double *col, size_t h, const uint32_t *slots, double eps, int64_t shift,
                                  int64_t bound, double *products, int64_t *exponents, double *bad);
long sfk_accumulate_column_u16(const double *col, size_t h, const uint16_t *own, const uint16_t *mirror,
                               double eps, int64_t shift, int64_t bound, double *products, int64_t *exponents,
                               double *bad);
long sfk_accumulate_column_u32(const double *col, size_t h, const uint32_t *own, const uint32_t *mirror,
                               double eps, int64_t shift, int64_t bound, double *products, int64_t *exponents,
                               double *bad);

/* The same products computed in two passes, for spectra of up to 512x512
 * images (RingSchedule): the factors of every element are written out
 * first, block by block as the transform delivers them, then each slot's
 * factors are multiplied in its own order, eight slots at a time, with no
 * memory traffic on the products.
 *
 * sfk_ring_factors: for the n = columns * h elements of a column block
 * (element i is row i % h of its column; slots[i] as for _packed), writes
 * w[i] = |F + eps|^2 * 2^-shift when its exponent lies in [-bound, bound],
 * else the value's mantissa in [1, 2), its exponent minus shift added to
 * exponents[] of both of the element's slots (a subnormal value is scaled
 * by 2^64 first), else (zero, infinite, NaN) 1.0. Returns -1 or the first
 * such bad element (*bad receives its value). The values multiplied into
 * each slot then differ from the column kernel's only by exact powers of
 * two: same mantissas, same roundings.
 *
 * sfk_ring_products: for each group g < groups, slots 8g ... 8g + 7:
 * rows[g] rows of 8 indices into w (schedule, group after group); slot 8g
 * + l is multiplied by w[index l] of each row in turn (an index to a 1.0
 * pads the shorter slots: multiplying by 1 is exact). The exponent of each
 * running product is moved into exponents[] every SFK_RING_RENORM_ROWS
 * rows and at the end, so with products in [1, 2) on entry (a fresh
 * accumulator's 1.0) and factors of exponent within [-bound, bound] (bound
 * = 1022 / SFK_RING_RENORM_ROWS - 1) no product leaves the normal range. */
#define SFK_RING_RENORM_ROWS 16
long sfk_ring_factors(const double *col, size_t n, size_t h, const uint32_t *slots, double eps, int64_t shift,
                      int64_t bound, double *w, int64_t *exponents, double *bad);
void sfk_ring_products(const double *w, const uint32_t *schedule, const uint32_t *rows, size_t groups,
                       double *products, int64_t *exponents);

/* slots[ky] = 4 * own[ky] | (4 * mirror[ky] + 2) << 16, ky < h (bins of
 * at most 16,383). */
void sfk_pack_slots(size_t h, const uint32_t *own, const uint32_t *mirror, uint32_t *slots);

/* out[ky] = bins[ky], ky < h (bins below 65,536). */
void sfk_narrow_bins(size_t h, const uint32_t *bins, uint16_t *out);

/* For slots from ..< to: moves the exponent of products[s] into
 * exponents[s], leaving the mantissa in [1, 2) (exact). */
void sfk_renormalize(double *products, int64_t *exponents, size_t from, size_t to);

/* One column of a radial bin map (RadialBinMap): for ky = 0 ..< h, the
 * output bin of the element (ky, kx) and of its mirror, where an element
 * whose doubled squared distance from the centre is n = dxx + dyy[ky] (own)
 * or n = mdxx + mdyy[ky] (mirror; integers below 2^52, exact in doubles)
 * falls in ring floor(sqrt(n)) / 2 (exact), output bin ring - 1 for rings 1 ... bins, else the
 * discard slot `bins`. mirrored = 0: the mirror is the discard slot.
 * counts[bin] (bins + 1 entries) counts every element; per_slot (4 * (bins
 * + 1) entries, all 0 on entry and on return) is scratch. Writes the bins
 * one of whose four slots (own/mirror x even/odd ky, as the accumulator
 * lays them out) gets more than `threshold` elements of this column to
 * heavy[0 ..< *heavy_count] (ascending; heavy has room for 2 * h /
 * (threshold + 1) + 1 entries), the lowest and highest bin fed (*lo > *hi
 * when none), and returns the largest number of elements of one slot in
 * this column. */
int32_t sfk_ring_column(size_t h, double dxx, const double *dyy, double mdxx, const double *mdyy, int mirrored,
                        int64_t bins, uint32_t *own, uint32_t *mirror, double *counts, int32_t *per_slot,
                        int32_t threshold, int32_t *heavy, size_t *heavy_count, int64_t *lo, int64_t *hi);

#ifdef __cplusplus
}
#endif

#endif
