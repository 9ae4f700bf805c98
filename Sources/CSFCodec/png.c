/* png.c - PNG to 8-bit gray with libpng, as OpenCV 5.0's grfmt_png.cpp
 * does it: strip_16, strip_alpha, palette_to_rgb, expand_gray_1_2_4_to_8,
 * rgb_to_gray(1, 0.299, 0.587), interlace handling, read_end, and the eXIf
 * orientation; after the chunk rules of png_chunks.c. */
#include "codec_internal.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

struct png_ctx {
    const uint8_t *data;
    size_t size, pos;
    int truncated;
    int timed_out;
    const sfc_limits *lim;
    /* rows the image has (over every non-empty interlace pass), rows decoded */
    uint64_t rows_expected, rows_seen;
    size_t idat_end;   /* where the last IDAT chunk ends */
    int tail_refused;
    char text[256];
};

static void png_error_cb(png_structp p, png_const_charp m) {
    struct png_ctx *x = png_get_error_ptr(p);
    snprintf(x->text, sizeof x->text, "%s", m ? m : "libpng error");
    png_longjmp(p, 1);
}
static void png_warning_cb(png_structp p, png_const_charp m) { (void)p; (void)m; }

static void png_read_cb(png_structp p, png_bytep dst, size_t n) {
    struct png_ctx *x = png_get_io_ptr(p);
    if (sfc_time_up(x->lim, x->text, sizeof x->text)) {
        x->timed_out = 1;
        png_longjmp(p, 1);
    }
    if (n > x->size - x->pos) {
        x->truncated = 1;
        png_error(p, "PNG data ends early");
    }
    memcpy(dst, x->data + x->pos, n);
    x->pos += n;
}

/* Called by libpng for each decoded row, before it reads further (a "user
 * transform" that changes nothing). After the last row libpng would inflate
 * the rest of the zlib stream to its end, however long: if more than 64 KiB
 * of compressed data are left there, stop now. */
static void png_row_cb(png_structp p, png_row_infop info, png_bytep data) {
    (void)info;
    (void)data;
    struct png_ctx *x = png_get_io_ptr(p);
    if (++x->rows_seen != x->rows_expected) return;
    if (x->idat_end > x->pos && x->idat_end - x->pos > SFC_MAX_PNG_TRAILING_IDAT) {
        x->tail_refused = 1;
        snprintf(x->text, sizeof x->text, "%zu bytes of compressed image data are left after the last row (more "
                 "than %u): the zlib stream runs on", x->idat_end - x->pos, SFC_MAX_PNG_TRAILING_IDAT);
        png_longjmp(p, 1);
    }
}

/* Known chunks the gray output never depends on: libpng skips them unread
 * (no inflating of compressed text) instead of parsing them. */
static const png_byte UNUSED_CHUNKS[] = "tEXt\0zTXt\0iTXt\0sPLT\0tIME\0pHYs\0oFFs\0pCAL\0sCAL\0sTER\0hIST\0bKGD\0sBIT\0";

/* The libpng part: OpenCV's call sequence on data that passed the checks. */
static int decode_png_libpng(const uint8_t *data, size_t size, const sfc_limits *lim,
                             const struct sfc_png_layout *layout, sfc_image *out, char *msg, size_t cap) {
    struct png_ctx x;
    memset(&x, 0, sizeof x);
    x.data = data;
    x.size = size;
    x.lim = lim;
    x.idat_end = layout->idat_end;
    int rc;

    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &x, png_error_cb, png_warning_cb);
    if (!png) { sfc_set_msg(msg, cap, "out of memory (libpng)"); return SF_ERR_OUT_OF_MEMORY; }
    png_infop info = png_create_info_struct(png);
    png_infop end = png_create_info_struct(png);
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (!info || !end) {
        png_destroy_read_struct(&png, info ? &info : NULL, end ? &end : NULL);
        sfc_set_msg(msg, cap, "out of memory (libpng)");
        return SF_ERR_OUT_OF_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, &end);
        free(pixels);
        free(rows);
        if (x.timed_out) {
            sfc_set_msg(msg, cap, "%s", x.text);
            return SF_ERR_LIMIT_TIME;
        }
        if (x.truncated) {
            sfc_set_msg(msg, cap, "PNG data ends early (%zu bytes)", size);
            return SF_ERR_TRUNCATED;
        }
        sfc_set_msg(msg, cap, "PNG: %s", x.text);
        return SF_ERR_CORRUPT;
    }
    png_set_read_fn(png, &x, png_read_cb);
    /* Our own limits are checked below with a clear message; lift libpng's
     * default 1,000,000 x 1,000,000 so that it does not pre-empt them. */
    png_set_user_limits(png, 0x7fffffffL, 0x7fffffffL);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, UNUSED_CHUNKS, (int)(sizeof UNUSED_CHUNKS / 5));
    png_set_chunk_cache_max(png, SFC_MAX_PNG_CHUNKS);
    if (lim && lim->max_ancillary)
        png_set_chunk_malloc_max(png, (png_alloc_size_t)(lim->max_ancillary < 0x7fffffff ? lim->max_ancillary : 0x7fffffff));
    png_read_info(png, info);

    png_uint_32 w = 0, h = 0;
    int depth = 0, ctype = 0, interlace = 0;
    png_get_IHDR(png, info, &w, &h, &depth, &ctype, &interlace, NULL, NULL);
    rc = sfc_check_limits(w, h, lim, msg, cap);
    if (rc != SF_OK) { png_destroy_read_struct(&png, &info, &end); return rc; }

    out->components = (ctype & PNG_COLOR_MASK_PALETTE) ? 3 : ((ctype & PNG_COLOR_MASK_COLOR) ? 3 : 1) +
                      ((ctype & PNG_COLOR_MASK_ALPHA) ? 1 : 0);
    out->bit_depth = depth;
    out->progressive = interlace != PNG_INTERLACE_NONE;
    if (depth > 8) png_set_strip_16(png);
    png_set_strip_alpha(png);
    if (ctype == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if ((ctype & PNG_COLOR_MASK_COLOR) == 0 && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    png_set_rgb_to_gray(png, 1, 0.299, 0.587);
    const int passes = png_set_interlace_handling(png);
    if (passes > 1) {
        for (int pass = 0; pass < 7; pass++)
            if (PNG_PASS_COLS(w, pass) > 0) x.rows_expected += PNG_PASS_ROWS(h, pass);
    } else {
        x.rows_expected = h;
    }
    png_set_read_user_transform_fn(png, png_row_cb);
    png_read_update_info(png, info);
    const int out_channels = png_get_channels(png, info), out_depth = png_get_bit_depth(png, info);
    if (out_channels != 1 || out_depth != 8 || png_get_rowbytes(png, info) != (size_t)w) {
        png_destroy_read_struct(&png, &info, &end);
        sfc_set_msg(msg, cap, "PNG: unexpected output layout (channels %d, depth %d)", out_channels, out_depth);
        return SF_ERR_UNSUPPORTED;
    }
    pixels = malloc((size_t)w * h);
    rows = malloc(sizeof(png_bytep) * h);
    if (!pixels || !rows) {
        png_destroy_read_struct(&png, &info, &end);
        free(pixels);
        free(rows);
        sfc_set_msg(msg, cap, "out of memory for a %ux%u image", (unsigned)w, (unsigned)h);
        return SF_ERR_OUT_OF_MEMORY;
    }
    for (png_uint_32 y = 0; y < h; y++) rows[y] = pixels + (size_t)y * w;
    png_read_image(png, rows);
    png_read_end(png, end);

    int orientation = 0;
#ifdef PNG_eXIf_SUPPORTED
    {
        png_uint_32 nexif = 0;
        png_bytep exif = NULL;
        if (png_get_valid(png, info, PNG_INFO_eXIf)) png_get_eXIf_1(png, info, &nexif, &exif);
        else if (png_get_valid(png, end, PNG_INFO_eXIf)) png_get_eXIf_1(png, end, &nexif, &exif);
        if (exif && nexif) {
            /* the chunk holds the TIFF block itself: no "Exif\0\0" is skipped */
            struct sfc_exif st = {0, 0};
            sfc_exif_parse(exif, nexif, &st);
            orientation = sfc_exif_result(&st);
        }
    }
#endif
    png_destroy_read_struct(&png, &info, &end);
    free(rows);
    rows = NULL;

    return sfc_finish_image(out, pixels, w, h, orientation, SFC_FORMAT_PNG, msg, cap);
}

int sfc_decode_png(const uint8_t *data, size_t size, const sfc_limits *lim, sfc_image *out, char *msg, size_t cap) {
    int ctype = -1;
    int rc = sfc_png_precheck(data, size, &ctype, msg, cap);
    if (rc != SF_OK) return rc;
    uint8_t *copy = NULL;
    struct sfc_png_layout layout;
    rc = sfc_png_libpng_compat(data, size, ctype, lim, &copy, &layout, msg, cap);
    if (rc != SF_OK) {
        free(copy); /* a patched copy may exist when a later chunk is refused */
        return rc;
    }
    rc = decode_png_libpng(copy ? copy : data, size, lim, &layout, out, msg, cap);
    free(copy);
    return rc;
}
