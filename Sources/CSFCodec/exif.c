/* exif.c - the EXIF orientation tag, read with OpenCV's rules, and the
 * orientation applied to decoded pixels as cv2 applies it. */
#include "codec_internal.h"

#include <stdlib.h>

/* EXIF is read as OpenCV 5.0 reads it (imgcodecs/src/exif.cpp, ExifReader),
 * quirks included, so that the same orientation is applied:
 *   - the byte order is little-endian only for "II"; any other mark (even
 *     "IM" or "XX") is read big-endian; the tag mark must then read 42;
 *   - IFD0 entries are parsed in order into a tag map where the first value
 *     of a tag wins; the map persists across the Exif APP1 segments of one
 *     JPEG (each is parsed in turn), so a later segment can supply the
 *     orientation an earlier one lacked;
 *   - parsing stops at the first entry that cannot be read (ExifParsingError)
 *     but keeps the entries read before it. Reads are bounds-checked like
 *     getU16/getU32 (offset + 1 / offset + 3 must be < size), and the known
 *     tags whose reader can throw (strings, rationals) are replayed;
 *   - the orientation is the 16-bit value at entry offset 8, whatever the
 *     type and count; loadsave.cpp applies it only for 1..8. */

static int cvx_u16(const uint8_t *d, size_t n, int le, uint64_t off, unsigned *v) {
    if (off + 1 >= n) return 0;
    *v = sfc_rd16(d + off, le);
    return 1;
}
static int cvx_u32(const uint8_t *d, size_t n, int le, uint64_t off, uint32_t *v) {
    if (off + 3 >= n) return 0;
    *v = sfc_rd32(d + off, le);
    return 1;
}
/* `count` unsigned rationals from the offset stored at entry + 8; the offset
 * advances in 32-bit arithmetic as in OpenCV (uint32_t rationalOffset). */
static int cvx_rationals(const uint8_t *d, size_t n, int le, uint64_t entry, unsigned count) {
    uint32_t r, tmp;
    if (!cvx_u32(d, n, le, entry + 8, &r)) return 0;
    for (unsigned i = 0; i < count; i++, r += 8)
        if (!cvx_u32(d, n, le, r, &tmp) || !cvx_u32(d, n, le, (uint64_t)r + 4, &tmp)) return 0;
    return 1;
}

/* One ExifReader::parseExif(data, size) call on a TIFF block. */
void sfc_exif_parse(const uint8_t *d, size_t n, struct sfc_exif *st) {
    if (!d || n == 0) return;
    const int le = n > 1 && d[0] == 'I' && d[1] == 'I';
    unsigned v;
    uint32_t ifd;
    if (!cvx_u16(d, n, le, 2, &v) || v != 42) return;
    if (!cvx_u32(d, n, le, 4, &ifd)) return;
    if (!cvx_u16(d, n, le, ifd, &v)) return;
    const unsigned count = v;
    uint64_t off = (uint64_t)ifd + 2;
    for (unsigned i = 0; i < count; i++, off += 12) {
        unsigned tag;
        if (!cvx_u16(d, n, le, off, &tag)) return;
        switch (tag) {
        case 0x0112: /* ORIENTATION */
            if (!cvx_u16(d, n, le, off + 8, &v)) return;
            if (!st->found) { st->found = 1; st->orientation = v; }
            break;
        case 0x010E: case 0x010F: case 0x0110: case 0x0131: case 0x0132: case 0x8298: {
            /* getString: data inline at absolute offset 8 (sic) when <= 4 bytes */
            uint32_t size, at = 8;
            if (!cvx_u32(d, n, le, off + 4, &size)) return;
            if (size > 4 && !cvx_u32(d, n, le, off + 8, &at)) return;
            if ((uint64_t)at > n || (uint64_t)at + size > n) return;
            break;
        }
        case 0x011A: case 0x011B: if (!cvx_rationals(d, n, le, off, 1)) return; break; /* X/YRESOLUTION */
        case 0x013E: if (!cvx_rationals(d, n, le, off, 2)) return; break;               /* WHITE_POINT */
        case 0x013F: if (!cvx_rationals(d, n, le, off, 6)) return; break;               /* PRIMARY_CHROMATICIES */
        case 0x0211: if (!cvx_rationals(d, n, le, off, 3)) return; break;               /* Y_CB_CR_COEFFICIENTS */
        case 0x0214: if (!cvx_rationals(d, n, le, off, 6)) return; break;               /* REFERENCE_BLACK_WHITE */
        case 0x0128: case 0x0213: if (!cvx_u16(d, n, le, off + 8, &v)) return; break;    /* RESOLUTION_UNIT, YCbCr pos */
        default: break;
        }
    }
}

/* The orientation cv2 applies for a parsed tag map: 1..8, else 0 (none). */
int sfc_exif_result(const struct sfc_exif *st) {
    return st->found && st->orientation >= 1 && st->orientation <= 8 ? (int)st->orientation : 0;
}

/* Applies an EXIF orientation to a w x h gray image; returns a new buffer
 * (or the same one for orientation 1) and swaps the sides for 5..8. */
static uint8_t *apply_orientation(uint8_t *src, uint32_t *pw, uint32_t *ph, int o) {
    if (o < 2 || o > 8) return src;
    const size_t w = *pw, h = *ph;
    uint8_t *dst = malloc(w * h > 0 ? w * h : 1);
    if (!dst) return NULL;
    const int transpose = o >= 5;
    const size_t ow = transpose ? h : w, oh = transpose ? w : h;
    /* out(y, x) for an ow x oh output, A = src (h rows, w cols). */
    for (size_t y = 0; y < oh; y++) {
        uint8_t *row = dst + y * ow;
        for (size_t x = 0; x < ow; x++) {
            size_t sy, sx;
            switch (o) {
            case 2: sy = y; sx = w - 1 - x; break;               /* A[:, ::-1] */
            case 3: sy = h - 1 - y; sx = w - 1 - x; break;       /* A[::-1, ::-1] */
            case 4: sy = h - 1 - y; sx = x; break;               /* A[::-1, :] */
            case 5: sy = x; sx = y; break;                       /* A.T */
            case 6: sy = h - 1 - x; sx = y; break;               /* A.T[:, ::-1] */
            case 7: sy = h - 1 - x; sx = w - 1 - y; break;       /* A.T[::-1, ::-1] */
            default: sy = x; sx = w - 1 - y; break;              /* 8: A.T[::-1, :] */
            }
            row[x] = src[sy * w + sx];
        }
    }
    free(src);
    *pw = (uint32_t)ow;
    *ph = (uint32_t)oh;
    return dst;
}

int sfc_finish_image(sfc_image *out, uint8_t *pixels, uint32_t w, uint32_t h, int orientation, int format,
                     char *msg, size_t cap) {
    uint32_t ow = w, oh = h;
    uint8_t *final = apply_orientation(pixels, &ow, &oh, orientation);
    if (!final) {
        free(pixels);
        sfc_set_msg(msg, cap, "out of memory rotating a %ux%u image", (unsigned)w, (unsigned)h);
        return SF_ERR_OUT_OF_MEMORY;
    }
    out->pixels = final;
    out->width = ow;
    out->height = oh;
    out->orientation = orientation >= 1 ? orientation : 1;
    out->format = format;
    return SF_OK;
}
