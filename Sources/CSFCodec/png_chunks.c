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

/* CRC-32 as PNG uses it (reflected polynomial 0xEDB88320), table made at
 * compile time. */
static const uint32_t CRC_TABLE[256] = {
    0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu,
    0xe963a535u, 0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u,
    0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u, 0x1db71064u, 0x6ab020f2u,
    0xf3b97148u, 0x84be41deu, 0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u,
    0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu, 0x14015c4fu, 0x63066cd9u,
    0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u,
    0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu, 0x35b5a8fau, 0x42b2986cu,
    0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u,
    0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u,
    0xcfba9599u, 0xb8bda50fu, 0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
    0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du, 0x76dc4190u, 0x01db7106u,
    0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u,
    0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu, 0x086d3d2du,
    0x91646c97u, 0xe6635c01u, 0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
    0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u,
    0x8bbeb8eau, 0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u,
    0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u,
    0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u,
    0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u, 0x5005713cu, 0x270241aau,
    0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
    0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u,
    0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au,
    0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u, 0xe3630b12u, 0x94643b84u,
    0x0d6d6a3eu, 0x7a6a5aa8u, 0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u,
    0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu, 0xf762575du, 0x806567cbu,
    0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu,
    0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u, 0xd6d6a3e8u, 0xa1d1937eu,
    0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
    0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u,
    0x316e8eefu, 0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
    0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu, 0xc5ba3bbeu, 0xb2bd0b28u,
    0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du,
    0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au, 0x9c0906a9u, 0xeb0e363fu,
    0x72076785u, 0x05005713u, 0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u,
    0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
    0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u,
    0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u,
    0x616bffd3u, 0x166ccf45u, 0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u,
    0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu,
    0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
    0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u, 0xcdd70693u,
    0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
    0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du,
};

static uint32_t png_crc(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) c = CRC_TABLE[(c ^ p[i]) & 0xFF] ^ (c >> 8);
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
    unsigned chunks = 0;
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
        if (id != ID_IDAT && ++chunks > SFC_MAX_PNG_CHUNKS) {  /* OpenCV would read on: our cap */
            sfc_set_msg(msg, cap, "PNG has more than %u chunks besides IDAT", SFC_MAX_PNG_CHUNKS);
            return SF_ERR_LIMIT_ANCILLARY;
        }
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
/* One walk of sfc_png_libpng_compat: with copy NULL it only checks and
 * sets *need_copy; with a copy it applies the fixes there. */
static int compat_walk(const uint8_t *d, size_t n, int ctype, const sfc_limits *lim, uint8_t *copy,
                       int *need_copy, struct sfc_png_layout *layout, char *msg, size_t cap) {
    size_t p = 8;
    int plte_seen = 0;
    unsigned chunks = 0, idats = 0;
    char nb[16];
    layout->idat_end = 0;
    layout->ancillary_bytes = 0;
    while (n - p >= 8) {
        const uint32_t len = sfc_rd32(d + p, 0), id = sfc_rd32(d + p + 4, 0);
        if (id == ID_IDAT) {
            if (++idats > SFC_MAX_PNG_IDAT_CHUNKS) {
                sfc_set_msg(msg, cap, "PNG has more than %u IDAT chunks", SFC_MAX_PNG_IDAT_CHUNKS);
                return SF_ERR_LIMIT_ANCILLARY;
            }
        } else if (++chunks > SFC_MAX_PNG_CHUNKS) {
            sfc_set_msg(msg, cap, "PNG has more than %u chunks besides IDAT", SFC_MAX_PNG_CHUNKS);
            return SF_ERR_LIMIT_ANCILLARY;
        }
        if (id & 0x20000000u) { /* ancillary: lower-case first letter */
            layout->ancillary_bytes += len;
            if (lim && lim->max_ancillary && layout->ancillary_bytes > lim->max_ancillary) {
                sfc_set_msg(msg, cap, "PNG ancillary chunks are over %llu bytes, the limit max_ancillary_bytes",
                            (unsigned long long)lim->max_ancillary);
                return SF_ERR_LIMIT_ANCILLARY;
            }
        }
        if (!png_type_ok(id)) {
            sfc_set_msg(msg, cap, "PNG: invalid chunk type %s at offset %zu (%s)", chunk_name(id, nb), p,
                    png_type_ok(id & ~0x2000u) ? "its third letter must be upper case" : "not four letters");
            return SF_ERR_CORRUPT;
        }
        if (len > 0x7FFFFFFFu || (uint64_t)len + 12 > n - p) break; /* libpng fails on this chunk */
        if (id == ID_IDAT) layout->idat_end = p + (size_t)len + 12;
        const int fix_iend = id == ID_IEND;
        const int fix_plte = id == ID_PLTE && ctype != PNG_COLOR_TYPE_PALETTE;
        if (fix_iend || fix_plte) {
            const int rename = fix_plte && plte_seen;
            const uint32_t stored = sfc_rd32(d + p + 8 + len, 0);
            if (rename || png_crc(d + p + 4, (size_t)len + 4) != stored) {
                *need_copy = 1;
                if (copy) {
                    uint8_t *t = copy + p + 4;
                    if (rename) t[0] = 'p';
                    const uint32_t crc = png_crc(t, (size_t)len + 4);
                    t[4 + len] = (uint8_t)(crc >> 24);
                    t[5 + len] = (uint8_t)(crc >> 16);
                    t[6 + len] = (uint8_t)(crc >> 8);
                    t[7 + len] = (uint8_t)crc;
                }
            }
            if (fix_plte) plte_seen = 1;
        }
        if (id == ID_IEND) break;
        p += (size_t)len + 12;
    }
    return SF_OK;
}

int sfc_png_libpng_compat(const uint8_t *d, size_t n, int ctype, const sfc_limits *lim, uint8_t **copy,
                          struct sfc_png_layout *layout, char *msg, size_t cap) {
    *copy = NULL;
    int need_copy = 0;
    /* check everything first (the chunk caps bound the walk), copy after */
    int rc = compat_walk(d, n, ctype, lim, NULL, &need_copy, layout, msg, cap);
    if (rc != SF_OK || !need_copy) return rc;
    *copy = malloc(n);
    if (!*copy) {
        sfc_set_msg(msg, cap, "out of memory copying a %zu-byte PNG", n);
        return SF_ERR_OUT_OF_MEMORY;
    }
    memcpy(*copy, d, n);
    return compat_walk(d, n, ctype, lim, *copy, &need_copy, layout, msg, cap);
}
