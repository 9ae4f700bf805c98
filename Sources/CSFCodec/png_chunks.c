/* png_chunks.c - the PNG chunk rules we apply before libpng reads a file:
 * OpenCV's own chunk walk (files cv2 refuses although libpng reads them) and
 * the chunk rules of the libpng 1.6.58 that OpenCV ships where they differ
 * from Debian's 1.6.39 (docs/decoding.md). */
#include "codec_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#define PNG_ID(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))
#define ID_IHDR PNG_ID('I', 'H', 'D', 'R')
#define ID_IDAT PNG_ID('I', 'D', 'A', 'T')
#define ID_IEND PNG_ID('I', 'E', 'N', 'D')
#define ID_PLTE PNG_ID('P', 'L', 'T', 'E')
#define ID_tRNS PNG_ID('t', 'R', 'N', 'S')
#define ID_tEXt PNG_ID('t', 'E', 'X', 't')
#define ID_bKGD PNG_ID('b', 'K', 'G', 'D')
#define ID_acTL PNG_ID('a', 'c', 'T', 'L')
#define ID_fcTL PNG_ID('f', 'c', 'T', 'L')
#define ID_fdAT PNG_ID('f', 'd', 'A', 'T')
#define ID_CgBI PNG_ID('C', 'g', 'B', 'I')

/* PNG_USER_CHUNK_MALLOC_MAX of the libpng OpenCV is built with (pnglibconf.h
 * default); OpenCV compares it with the chunk length + 12. */
#define CV_PNG_CHUNK_MAX 8000000u

/* A chunk type for messages: the four bytes, or hex when not printable. */
static const char *chunk_name(uint32_t id, char buf[16]) {
    const uint8_t c[4] = {(uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id};
    int printable = 1;
    for (int i = 0; i < 4; i++) printable &= c[i] >= 0x20 && c[i] < 0x7F;
    if (printable) snprintf(buf, 16, "'%c%c%c%c'", c[0], c[1], c[2], c[3]);
    else snprintf(buf, 16, "0x%08x", (unsigned)id);
    return buf;
}

/* CRC-32 as PNG uses it (the table is rebuilt per call: no global state). */
static uint32_t png_crc(const uint8_t *p, size_t n) {
    uint32_t table[256];
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* OpenCV 5.0 reads the chunks up to the first IDAT itself before it lets
 * libpng read the file (imgcodecs/src/grfmt_png.cpp, PngDecoder::readHeader
 * and PngDecoder::read_chunk), and returns None for some files that libpng
 * accepts. This replays those checks exactly, so that we fail where
 * cv2.imdecode returns None:
 *   read_chunk() fails when the 8-byte chunk header, or the data and CRC,
 *   do not fit in the buffer; for IHDR of length != 13, acTL != 8, fcTL != 26
 *   and bKGD not 1, 2 or 6 bytes (whatever the colour type); and for any
 *   other chunk except fdAT, IDAT, IEND, PLTE, tEXt and tRNS whose length
 *   + 12 exceeds PNG_USER_CHUNK_MALLOC_MAX (8000000).
 *   readHeader() fails when the first chunk is not IHDR (a CgBI first chunk
 *   is reported as such), for a chunk type of 0, an acTL with 0 frames, an
 *   fcTL with dispose_op > 2 or blend_op > 1, and (after png_read_info) when
 *   the last fcTL's x_offset + width or y_offset + height (64-bit sums)
 *   exceeds the image.
 * IEND does not end the walk: OpenCV reads on to the first IDAT. Chunks after
 * the first IDAT are not checked. On success *ctype is IHDR's colour type. */
int sfc_png_precheck(const uint8_t *d, size_t n, int *ctype, char *msg, size_t cap) {
    size_t p = 8;
    int first = 1, have_fctl = 0;
    uint32_t width = 0, height = 0, fw = 0, fh = 0, fx = 0, fy = 0;
    char nb[16];
    for (;;) {
        if (n - p < 8) {
            sfc_set_msg(msg, cap, "PNG data ends before the image data (%zu bytes, no IDAT chunk read)", n);
            return SF_ERR_TRUNCATED;
        }
        const uint32_t len = sfc_rd32(d + p, 0), id = sfc_rd32(d + p + 4, 0);
        const uint64_t size = (uint64_t)len + 12;
        const char *want = NULL;
        if (id == ID_IHDR) want = len == 13 ? NULL : "13";
        else if (id == ID_acTL) want = len == 8 ? NULL : "8";
        else if (id == ID_fcTL) want = len == 26 ? NULL : "26";
        else if (id == ID_bKGD) want = (len == 1 || len == 2 || len == 6) ? NULL : "1, 2 or 6";
        else if (id != ID_fdAT && id != ID_IDAT && id != ID_IEND && id != ID_PLTE && id != ID_tEXt &&
                 id != ID_tRNS && size > CV_PNG_CHUNK_MAX) {
            sfc_set_msg(msg, cap, "PNG: %s chunk of %u bytes before the image data (OpenCV refuses such a chunk "
                    "over %u bytes)", chunk_name(id, nb), (unsigned)len, CV_PNG_CHUNK_MAX - 12);
            return SF_ERR_CORRUPT;
        }
        if (want) {
            sfc_set_msg(msg, cap, "PNG: %s chunk has length %u (OpenCV requires %s)", chunk_name(id, nb),
                    (unsigned)len, want);
            return SF_ERR_CORRUPT;
        }
        if (size > n - p) {
            sfc_set_msg(msg, cap, "PNG data ends inside the %s chunk at offset %zu (%llu bytes with header and CRC, "
                    "%zu present)", chunk_name(id, nb), p, (unsigned long long)size, n - p);
            return SF_ERR_TRUNCATED;
        }
        const uint8_t *c = d + p + 8;
        if (first) {
            if (id == ID_CgBI) {
                sfc_set_msg(msg, cap, "PNG: Apple CgBI chunk first (iPhone-optimised PNG), not supported");
                return SF_ERR_UNSUPPORTED;
            }
            if (id != ID_IHDR) {
                sfc_set_msg(msg, cap, "PNG: first chunk is %s, not IHDR", chunk_name(id, nb));
                return SF_ERR_CORRUPT;
            }
            width = sfc_rd32(c, 0);
            height = sfc_rd32(c + 4, 0);
            *ctype = c[9];
            first = 0;
        } else if (id == 0) {
            sfc_set_msg(msg, cap, "PNG: chunk with type 0 at offset %zu", p);
            return SF_ERR_CORRUPT;
        } else if (id == ID_IDAT) {
            break;
        } else if (id == ID_acTL && sfc_rd32(c, 0) == 0) {
            sfc_set_msg(msg, cap, "PNG: acTL chunk declares 0 frames");
            return SF_ERR_CORRUPT;
        } else if (id == ID_fcTL) {
            fw = sfc_rd32(c + 4, 0);
            fh = sfc_rd32(c + 8, 0);
            fx = sfc_rd32(c + 12, 0);
            fy = sfc_rd32(c + 16, 0);
            if (c[24] > 2 || c[25] > 1) {
                sfc_set_msg(msg, cap, "PNG: fcTL chunk has dispose_op %u and blend_op %u (at most 2 and 1)",
                        (unsigned)c[24], (unsigned)c[25]);
                return SF_ERR_CORRUPT;
            }
            have_fctl = 1;
        }
        p += (size_t)size;
    }
    if (have_fctl && ((uint64_t)fx + fw > width || (uint64_t)fy + fh > height)) {
        sfc_set_msg(msg, cap, "PNG: fcTL frame %ux%u at (%u, %u) exceeds the %ux%u image", (unsigned)fw, (unsigned)fh,
                (unsigned)fx, (unsigned)fy, (unsigned)width, (unsigned)height);
        return SF_ERR_CORRUPT;
    }
    return SF_OK;
}

/* A chunk type libpng 1.6.58 reads: four ASCII letters, the third (the
 * reserved bit) upper case. */
static int png_type_ok(uint32_t id) {
    for (int i = 0; i < 4; i++) {
        const unsigned c = (id >> (24 - 8 * i)) & 0xFF;
        const int upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z';
        if (!(upper || (lower && i != 2))) return 0;
    }
    return 1;
}

/* Chunk-level differences between the libpng we link (Debian 1.6.39) and
 * the libpng 1.6.58 that opencv-python 5.0 ships, emulated so that the
 * same files are accepted (pngrutil.c of both versions):
 *   - 1.6.58 refuses a chunk type whose third letter is lower case
 *     (check_chunk_name: the reserved bit must be 0); 1.6.39 reads it.
 *   - 1.6.58 checks the CRC of IEND as for an ancillary chunk (warning only:
 *     png_handle_IEND -> png_crc_finish_critical(..., 1)); 1.6.39 fails.
 *   - 1.6.58 treats every PLTE problem in an image that is not colour-mapped
 *     as benign (a CRC error or a duplicate PLTE: "1.6.47: consistency" in
 *     png_handle_PLTE); 1.6.39 fails on both.
 * The CRC cases are fixed in a copy of the data that libpng reads, and a
 * second or later PLTE of such an image is renamed there to an unknown
 * ancillary chunk ("pLTE") that libpng skips; a PLTE does not change the
 * gray output of an image that is not colour-mapped. The walk follows libpng
 * chunk by chunk up to the first IEND (what libpng reads) and stops where
 * libpng would fail anyway (a length over 2^31 - 1 or a truncation).
 * *copy receives the corrected copy (free it), or NULL when none is needed. */
int sfc_png_libpng_compat(const uint8_t *d, size_t n, int ctype, uint8_t **copy, char *msg, size_t cap) {
    size_t p = 8;
    int plte_seen = 0;
    char nb[16];
    *copy = NULL;
    while (n - p >= 8) {
        const uint32_t len = sfc_rd32(d + p, 0), id = sfc_rd32(d + p + 4, 0);
        if (!png_type_ok(id)) {
            sfc_set_msg(msg, cap, "PNG: invalid chunk type %s at offset %zu (%s)", chunk_name(id, nb), p,
                    png_type_ok(id & ~0x2000u) ? "its third letter must be upper case" : "not four letters");
            return SF_ERR_CORRUPT;
        }
        if (len > 0x7FFFFFFFu || (uint64_t)len + 12 > n - p) break; /* libpng fails on this chunk */
        const int fix_iend = id == ID_IEND;
        const int fix_plte = id == ID_PLTE && ctype != PNG_COLOR_TYPE_PALETTE;
        if (fix_iend || fix_plte) {
            const int rename = fix_plte && plte_seen;
            const uint32_t stored = sfc_rd32(d + p + 8 + len, 0);
            if (rename || png_crc(d + p + 4, (size_t)len + 4) != stored) {
                if (!*copy) {
                    *copy = malloc(n);
                    if (!*copy) {
                        sfc_set_msg(msg, cap, "out of memory copying a %zu-byte PNG", n);
                        return SF_ERR_OUT_OF_MEMORY;
                    }
                    memcpy(*copy, d, n);
                }
                uint8_t *t = *copy + p + 4;
                if (rename) t[0] = 'p';
                const uint32_t crc = png_crc(t, (size_t)len + 4);
                t[4 + len] = (uint8_t)(crc >> 24);
                t[5 + len] = (uint8_t)(crc >> 16);
                t[6 + len] = (uint8_t)(crc >> 8);
                t[7 + len] = (uint8_t)crc;
            }
            if (fix_plte) plte_seen = 1;
        }
        if (id == ID_IEND) break;
        p += (size_t)len + 12;
    }
    return SF_OK;
}
