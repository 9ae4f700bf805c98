/* sf_codec.c - JPEG and PNG to 8-bit grayscale with OpenCV's arithmetic.
 *
 * The call sequences follow OpenCV 5.0 imgcodecs (grfmt_jpeg.cpp,
 * grfmt_png.cpp) as documented in docs/decoding.md, so that the output is
 * bit-identical to cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE):
 *   JPEG: suspending memory source (data that runs out is an error, as in
 *         imdecode), out_color_space = JCS_GRAYSCALE (JCS_CMYK plus OpenCV's
 *         CMYK->gray formula for 4-component files), default ISLOW DCT,
 *         errors inside jpeg_finish_decompress ignored (we never call it:
 *         every scanline has been read by then).
 *   PNG:  strip_16, strip_alpha, palette_to_rgb, expand_gray_1_2_4_to_8,
 *         rgb_to_gray(1, 0.299, 0.587), interlace handling, read_end.
 *   EXIF orientation (JPEG APP1, PNG eXIf) applied as cv2 applies it.
 *
 * libjpeg needs setjmp/longjmp for errors, which Swift cannot host, hence
 * this C file. Every path returns an sfc_code and never exits. */
#include "sf_codec.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

void sfc_free(void *p) { free(p); }

static void set_msg(char *msg, size_t cap, const char *fmt, ...) {
    if (!msg || cap == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------ sniff */

static const uint8_t PNG_SIG[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};

int sfc_sniff(const uint8_t *d, size_t n, char *name, size_t cap) {
    if (name && cap) name[0] = 0;
    if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return SFC_FORMAT_JPEG;
    if (n >= 8 && memcmp(d, PNG_SIG, 8) == 0) return SFC_FORMAT_PNG;
    const char *what = NULL;
    if (n >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0)) what = "GIF";
    else if (n >= 2 && d[0] == 'B' && d[1] == 'M') what = "BMP";
    else if (n >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0) what = "WebP";
    else if (n >= 4 && (memcmp(d, "II*\0", 4) == 0 || memcmp(d, "MM\0*", 4) == 0)) what = "TIFF";
    else if (n >= 12 && memcmp(d + 4, "ftyp", 4) == 0) what = "HEIF/AVIF (ISO media)";
    else if (n >= 12 && memcmp(d, "\0\0\0\x0cjP  ", 8) == 0) what = "JPEG 2000";
    else if (n >= 2 && d[0] == 0xFF && d[1] == 0x0A) what = "JPEG XL";
    else if (n >= 2 && d[0] == 'P' && d[1] >= '1' && d[1] <= '7') what = "PNM";
    else if (n >= 4 && memcmp(d, "%PDF", 4) == 0) what = "PDF";
    else if (n >= 2 && d[0] == 0xFF && d[1] == 0xD8) what = "JPEG without a marker after SOI";
    if (what && name && cap) snprintf(name, cap, "%s", what);
    return SFC_FORMAT_UNKNOWN;
}

/* ------------------------------------------------------------------- EXIF */

static unsigned rd16(const uint8_t *p, int le) { return le ? (unsigned)(p[0] | (p[1] << 8)) : (unsigned)((p[0] << 8) | p[1]); }
static uint32_t rd32(const uint8_t *p, int le) {
    return le ? ((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24))
              : (((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3]);
}

int sfc_exif_orientation(const uint8_t *d, size_t n) {
    if (!d) return 0;
    if (n >= 6 && memcmp(d, "Exif\0\0", 6) == 0) { d += 6; n -= 6; }
    if (n < 8) return 0;
    int le;
    if (d[0] == 'I' && d[1] == 'I') le = 1;
    else if (d[0] == 'M' && d[1] == 'M') le = 0;
    else return 0;
    if (rd16(d + 2, le) != 42) return 0;
    uint32_t ifd = rd32(d + 4, le);
    if (ifd > n || n - ifd < 2) return 0;
    unsigned count = rd16(d + ifd, le);
    size_t p = (size_t)ifd + 2;
    for (unsigned i = 0; i < count; i++, p += 12) {
        if (p > n || n - p < 12) return 0;
        if (rd16(d + p, le) == 0x0112) {
            unsigned v = rd16(d + p + 8, le);
            return (v >= 1 && v <= 8) ? (int)v : 0;
        }
    }
    return 0;
}

/* Applies an EXIF orientation to a w x h gray image; returns a new buffer
 * (or the same one for orientation 1) and swaps the sides for 5..8. */
static uint8_t *apply_orientation(uint8_t *src, uint32_t *pw, uint32_t *ph, int o) {
    if (o < 2 || o > 8) return src;
    const size_t w = *pw, h = *ph;
    uint8_t *dst = malloc(w * h ? w * h : 1);
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

static int check_limits(uint64_t w, uint64_t h, const sfc_limits *lim, char *msg, size_t cap) {
    if (w == 0 || h == 0) {
        set_msg(msg, cap, "image has zero size (%llux%llu)", (unsigned long long)w, (unsigned long long)h);
        return SFC_ERR_CORRUPT;
    }
    if (!lim) return SFC_OK;
    if ((lim->max_width && w > lim->max_width) || (lim->max_height && h > lim->max_height)) {
        set_msg(msg, cap, "image is %llux%llu, over the dimension limit %ux%u (max_width x max_height)",
                (unsigned long long)w, (unsigned long long)h, lim->max_width, lim->max_height);
        return SFC_ERR_LIMIT_DIMENSION;
    }
    if (lim->max_pixels && w * h > lim->max_pixels) {
        set_msg(msg, cap, "image is %llux%llu = %llu pixels, over the limit max_pixels = %llu",
                (unsigned long long)w, (unsigned long long)h, (unsigned long long)(w * h),
                (unsigned long long)lim->max_pixels);
        return SFC_ERR_LIMIT_PIXELS;
    }
    return SFC_OK;
}

/* ------------------------------------------------------------------- JPEG */

struct jpeg_ctx {
    struct jpeg_error_mgr pub;
    struct jpeg_progress_mgr progress;
    jmp_buf jb;
    int code;          /* sfc_code to return after longjmp */
    uint32_t max_scans;
    uint32_t scans_seen;
    char text[JMSG_LENGTH_MAX];
};

static void jpeg_error_exit_cb(j_common_ptr c) {
    struct jpeg_ctx *x = (struct jpeg_ctx *)c->err;
    c->err->format_message(c, x->text);
    switch (c->err->msg_code) {
    case JERR_SOF_UNSUPPORTED: case JERR_BAD_PRECISION: case JERR_CONVERSION_NOTIMPL:
    case JERR_NOT_COMPILED: case JERR_ARITH_NOTIMPL: case JERR_EMPTY_IMAGE:
        x->code = SFC_ERR_UNSUPPORTED; break;
    case JERR_OUT_OF_MEMORY:
        x->code = SFC_ERR_NOMEM; break;
    default:
        x->code = SFC_ERR_CORRUPT; break;
    }
    longjmp(x->jb, 1);
}

/* Warnings (corrupt entropy data, extraneous bytes) are counted, never printed. */
static void jpeg_emit_message_cb(j_common_ptr c, int level) {
    if (level < 0) c->err->num_warnings++;
}

static void jpeg_progress_cb(j_common_ptr c) {
    struct jpeg_ctx *x = (struct jpeg_ctx *)c->err;
    if (!c->is_decompressor) return;
    j_decompress_ptr d = (j_decompress_ptr)c;
    if (d->input_scan_number > 0 && (uint32_t)d->input_scan_number > x->scans_seen)
        x->scans_seen = (uint32_t)d->input_scan_number;
    if (x->max_scans && (uint32_t)d->input_scan_number > x->max_scans) {
        snprintf(x->text, sizeof x->text, "progressive JPEG has more than %u scans (limit max_jpeg_scans = %u)",
                 x->max_scans, x->max_scans);
        x->code = SFC_ERR_LIMIT_SCANS;
        longjmp(x->jb, 1);
    }
}

/* Suspending memory source, like OpenCV's: running out of data makes the
 * decoder suspend (jpeg_read_header/start_decompress/read_scanlines report
 * it) instead of inserting a fake EOI as jpeg_mem_src does. */
static void src_init(j_decompress_ptr d) { (void)d; }
static boolean src_fill(j_decompress_ptr d) { (void)d; return FALSE; }
static void src_skip(j_decompress_ptr d, long n) {
    struct jpeg_source_mgr *s = d->src;
    if (n <= 0) return;
    if ((size_t)n > s->bytes_in_buffer) {
        s->next_input_byte += s->bytes_in_buffer;
        s->bytes_in_buffer = 0;
    } else {
        s->next_input_byte += n;
        s->bytes_in_buffer -= (size_t)n;
    }
}
static void src_term(j_decompress_ptr d) { (void)d; }

static int decode_jpeg(const uint8_t *data, size_t size, const sfc_limits *lim, sfc_image *out,
                       char *msg, size_t cap) {
    struct jpeg_decompress_struct ci;
    struct jpeg_ctx x;
    struct jpeg_source_mgr src;
    uint8_t *volatile pixels = NULL;
    uint8_t *volatile cmyk_row = NULL;
    memset(&ci, 0, sizeof ci);
    memset(&x, 0, sizeof x);
    ci.err = jpeg_std_error(&x.pub);
    x.pub.error_exit = jpeg_error_exit_cb;
    x.pub.emit_message = jpeg_emit_message_cb;
    x.max_scans = lim ? lim->max_scans : 0;
    if (setjmp(x.jb)) {
        out->seen_scans = x.scans_seen;
        set_msg(msg, cap, "%s", x.text);
        jpeg_destroy_decompress(&ci);
        free(pixels);
        free(cmyk_row);
        return x.code ? x.code : SFC_ERR_CORRUPT;
    }
    jpeg_create_decompress(&ci);
    x.progress.progress_monitor = jpeg_progress_cb;
    ci.progress = &x.progress;
    src.init_source = src_init;
    src.fill_input_buffer = src_fill;
    src.skip_input_data = src_skip;
    src.resync_to_restart = jpeg_resync_to_restart;
    src.term_source = src_term;
    src.next_input_byte = data;
    src.bytes_in_buffer = size;
    ci.src = &src;
    jpeg_save_markers(&ci, JPEG_APP0 + 1, 0xFFFF);

    if (jpeg_read_header(&ci, TRUE) != JPEG_HEADER_OK) {
        set_msg(msg, cap, "JPEG data ends inside the headers (%zu bytes)", size);
        jpeg_destroy_decompress(&ci);
        return SFC_ERR_TRUNCATED;
    }
    out->seen_width = ci.image_width;
    out->seen_height = ci.image_height;
    int rc = check_limits(ci.image_width, ci.image_height, lim, msg, cap);
    if (rc != SFC_OK) { jpeg_destroy_decompress(&ci); return rc; }

    int orientation = 0;
    for (jpeg_saved_marker_ptr m = ci.marker_list; m; m = m->next) {
        if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 && memcmp(m->data, "Exif\0\0", 6) == 0) {
            orientation = sfc_exif_orientation(m->data, m->data_length);
            break;
        }
    }

    const int cmyk = ci.num_components == 4;
    ci.out_color_space = cmyk ? JCS_CMYK : JCS_GRAYSCALE;
    if (!jpeg_start_decompress(&ci)) {
        out->seen_scans = x.scans_seen;
        set_msg(msg, cap, "JPEG data ends before the last scan (%zu bytes, %u scans read)", size, x.scans_seen);
        jpeg_destroy_decompress(&ci);
        return SFC_ERR_TRUNCATED;
    }
    const size_t w = ci.output_width, h = ci.output_height;
    if ((size_t)ci.output_components != (cmyk ? 4u : 1u)) {
        set_msg(msg, cap, "unexpected JPEG output components (%d)", ci.output_components);
        jpeg_destroy_decompress(&ci);
        return SFC_ERR_UNSUPPORTED;
    }
    pixels = malloc(w * h);
    if (cmyk) cmyk_row = malloc(w * 4);
    if (!pixels || (cmyk && !cmyk_row)) {
        set_msg(msg, cap, "out of memory for a %zux%zu image", w, h);
        jpeg_destroy_decompress(&ci);
        free(pixels);
        free(cmyk_row);
        return SFC_ERR_NOMEM;
    }
    while (ci.output_scanline < ci.output_height) {
        size_t y = ci.output_scanline;
        JSAMPROW row = cmyk ? cmyk_row : pixels + y * w;
        if (jpeg_read_scanlines(&ci, &row, 1) != 1) {
            set_msg(msg, cap, "JPEG data ends at row %zu of %zu (%zu bytes)", y, h, size);
            jpeg_destroy_decompress(&ci);
            free(pixels);
            free(cmyk_row);
            return SFC_ERR_TRUNCATED;
        }
        if (cmyk) {
            /* OpenCV icvCvt_CMYK2Gray_8u_C4C1R */
            uint8_t *dst = pixels + y * w;
            for (size_t i = 0; i < w; i++) {
                int c = cmyk_row[4 * i], m = cmyk_row[4 * i + 1], yy = cmyk_row[4 * i + 2], k = cmyk_row[4 * i + 3];
                c = k - (((255 - c) * k) >> 8);
                m = k - (((255 - m) * k) >> 8);
                yy = k - (((255 - yy) * k) >> 8);
                dst[i] = (uint8_t)((yy * 1868 + m * 9617 + c * 4899 + (1 << 13)) >> 14);
            }
        }
    }
    out->seen_scans = x.scans_seen;
    out->warnings = (int)x.pub.num_warnings;
    jpeg_destroy_decompress(&ci);
    free(cmyk_row);

    uint32_t ow = (uint32_t)w, oh = (uint32_t)h;
    uint8_t *final = apply_orientation(pixels, &ow, &oh, orientation);
    if (!final) {
        free(pixels);
        set_msg(msg, cap, "out of memory rotating a %zux%zu image", w, h);
        return SFC_ERR_NOMEM;
    }
    out->pixels = final;
    out->width = ow;
    out->height = oh;
    out->orientation = orientation >= 1 ? orientation : 1;
    out->format = SFC_FORMAT_JPEG;
    return SFC_OK;
}

/* -------------------------------------------------------------------- PNG */

struct png_ctx {
    const uint8_t *data;
    size_t size, pos;
    int truncated;
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
    if (n > x->size - x->pos) {
        x->truncated = 1;
        png_error(p, "PNG data ends early");
    }
    memcpy(dst, x->data + x->pos, n);
    x->pos += n;
}

/* OpenCV 5 walks the chunk list itself before libpng and rejects some files
 * that libpng only warns about; we do the same so that we fail where
 * cv2.imdecode returns None. */
static int png_precheck(const uint8_t *d, size_t n, char *msg, size_t cap) {
    size_t p = 8;
    int first = 1;
    while (p + 8 <= n) {
        uint32_t len = rd32(d + p, 0);
        const uint8_t *type = d + p + 4;
        if (first) {
            if (memcmp(type, "IHDR", 4) != 0) {
                set_msg(msg, cap, "PNG: first chunk is '%.4s', not IHDR", (const char *)type);
                return SFC_ERR_CORRUPT;
            }
            first = 0;
        }
        if (memcmp(type, "IDAT", 4) == 0 || memcmp(type, "IEND", 4) == 0) return SFC_OK;
        if (memcmp(type, "CgBI", 4) == 0) {
            set_msg(msg, cap, "PNG: Apple CgBI chunk (iPhone-optimised PNG) is not supported");
            return SFC_ERR_UNSUPPORTED;
        }
        if ((memcmp(type, "bKGD", 4) == 0 && len > 8) ||
            (memcmp(type, "acTL", 4) == 0 && len != 8) ||
            (memcmp(type, "fcTL", 4) == 0 && len != 26)) {
            set_msg(msg, cap, "PNG: %.4s chunk has a bad length (%u)", (const char *)type, len);
            return SFC_ERR_CORRUPT;
        }
        if (len > 8000000u && memcmp(type, "tEXt", 4) != 0 && memcmp(type, "PLTE", 4) != 0 &&
            memcmp(type, "tRNS", 4) != 0) {
            set_msg(msg, cap, "PNG: %.4s chunk of %u bytes before the image data (limit 8000000)",
                    (const char *)type, len);
            return SFC_ERR_CORRUPT;
        }
        if ((size_t)len > n - p - 8) return SFC_OK; /* libpng reports the truncation */
        p += (size_t)len + 12;
    }
    return SFC_OK;
}

static int decode_png(const uint8_t *data, size_t size, const sfc_limits *lim, sfc_image *out,
                      char *msg, size_t cap) {
    struct png_ctx x;
    memset(&x, 0, sizeof x);
    x.data = data;
    x.size = size;
    int rc = png_precheck(data, size, msg, cap);
    if (rc != SFC_OK) return rc;

    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &x, png_error_cb, png_warning_cb);
    if (!png) { set_msg(msg, cap, "out of memory (libpng)"); return SFC_ERR_NOMEM; }
    png_infop info = png_create_info_struct(png);
    png_infop end = png_create_info_struct(png);
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    volatile int stage_code = SFC_ERR_CORRUPT;
    if (!info || !end) {
        png_destroy_read_struct(&png, info ? &info : NULL, end ? &end : NULL);
        set_msg(msg, cap, "out of memory (libpng)");
        return SFC_ERR_NOMEM;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, &end);
        free(pixels);
        free(rows);
        if (x.truncated) {
            set_msg(msg, cap, "PNG data ends early (%zu bytes)", size);
            return SFC_ERR_TRUNCATED;
        }
        set_msg(msg, cap, "PNG: %s", x.text);
        return stage_code;
    }
    png_set_read_fn(png, &x, png_read_cb);
    /* Our own limits are checked below with a clear message; lift libpng's
     * default 1,000,000 x 1,000,000 so that it does not pre-empt them. */
    png_set_user_limits(png, 0x7fffffffL, 0x7fffffffL);
    png_read_info(png, info);

    png_uint_32 w = 0, h = 0;
    int depth = 0, ctype = 0, interlace = 0;
    png_get_IHDR(png, info, &w, &h, &depth, &ctype, &interlace, NULL, NULL);
    out->seen_width = w;
    out->seen_height = h;
    rc = check_limits(w, h, lim, msg, cap);
    if (rc != SFC_OK) { png_destroy_read_struct(&png, &info, &end); return rc; }

    if (depth > 8) png_set_strip_16(png);
    png_set_strip_alpha(png);
    if (ctype == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if ((ctype & PNG_COLOR_MASK_COLOR) == 0 && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    png_set_rgb_to_gray(png, 1, 0.299, 0.587);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_channels(png, info) != 1 || png_get_bit_depth(png, info) != 8 ||
        png_get_rowbytes(png, info) != (size_t)w) {
        png_destroy_read_struct(&png, &info, &end);
        set_msg(msg, cap, "PNG: unexpected output layout (channels %d, depth %d)",
                png_get_channels(png, info), png_get_bit_depth(png, info));
        return SFC_ERR_UNSUPPORTED;
    }
    pixels = malloc((size_t)w * h);
    rows = malloc(sizeof(png_bytep) * h);
    if (!pixels || !rows) {
        png_destroy_read_struct(&png, &info, &end);
        free(pixels);
        free(rows);
        set_msg(msg, cap, "out of memory for a %ux%u image", (unsigned)w, (unsigned)h);
        return SFC_ERR_NOMEM;
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
        if (exif && nexif) orientation = sfc_exif_orientation(exif, nexif);
    }
#endif
    png_destroy_read_struct(&png, &info, &end);
    free(rows);
    rows = NULL;

    uint32_t ow = w, oh = h;
    uint8_t *final = apply_orientation(pixels, &ow, &oh, orientation);
    if (!final) {
        free(pixels);
        set_msg(msg, cap, "out of memory rotating a %ux%u image", (unsigned)w, (unsigned)h);
        return SFC_ERR_NOMEM;
    }
    out->pixels = final;
    out->width = ow;
    out->height = oh;
    out->orientation = orientation >= 1 ? orientation : 1;
    out->format = SFC_FORMAT_PNG;
    return SFC_OK;
}

/* ------------------------------------------------------------------ entry */

int sfc_decode_gray(const uint8_t *data, size_t size, const sfc_limits *lim, sfc_image *out,
                    char *msg, size_t cap) {
    if (!out) return SFC_ERR_CORRUPT;
    memset(out, 0, sizeof *out);
    if (msg && cap) msg[0] = 0;
    if (!data || size == 0) {
        set_msg(msg, cap, "empty input (0 bytes)");
        return SFC_ERR_EMPTY;
    }
    char name[64];
    int fmt = sfc_sniff(data, size, name, sizeof name);
    if (fmt == SFC_FORMAT_JPEG) return decode_jpeg(data, size, lim, out, msg, cap);
    if (fmt == SFC_FORMAT_PNG) return decode_png(data, size, lim, out, msg, cap);
    if (name[0]) {
        set_msg(msg, cap, "unsupported image format: %s (only JPEG and PNG are decoded)", name);
        return SFC_ERR_UNSUPPORTED;
    }
    if (size >= 4)
        set_msg(msg, cap, "not a JPEG or PNG file (starts with %02x %02x %02x %02x, %zu bytes)",
                data[0], data[1], data[2], data[3], size);
    else
        set_msg(msg, cap, "not a JPEG or PNG file (only %zu bytes)", size);
    return SFC_ERR_UNKNOWN_FORMAT;
}
