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
 *   PNG:  OpenCV's own chunk walk before libpng (png_precheck), the chunk
 *         rules of the libpng OpenCV ships where they differ from ours
 *         (png_libpng_compat), then strip_16, strip_alpha, palette_to_rgb,
 *         expand_gray_1_2_4_to_8, rgb_to_gray(1, 0.299, 0.587), interlace
 *         handling, read_end.
 *   EXIF orientation (JPEG APP1, PNG eXIf) read with OpenCV's ExifReader
 *   rules and applied as cv2 applies it.
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
struct cv_exif {
    int found;            /* an orientation entry was read */
    unsigned orientation; /* its value (any 16-bit value) */
};

static int cvx_u16(const uint8_t *d, size_t n, int le, uint64_t off, unsigned *v) {
    if (off + 1 >= n) return 0;
    *v = rd16(d + off, le);
    return 1;
}
static int cvx_u32(const uint8_t *d, size_t n, int le, uint64_t off, uint32_t *v) {
    if (off + 3 >= n) return 0;
    *v = rd32(d + off, le);
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
static void cv_exif_parse(const uint8_t *d, size_t n, struct cv_exif *st) {
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
static int cv_exif_result(const struct cv_exif *st) {
    return st->found && st->orientation >= 1 && st->orientation <= 8 ? (int)st->orientation : 0;
}

int sfc_exif_orientation(const uint8_t *d, size_t n) {
    struct cv_exif st = {0, 0};
    if (!d) return 0;
    if (n >= 6 && memcmp(d, "Exif\0\0", 6) == 0) { d += 6; n -= 6; }
    cv_exif_parse(d, n, &st);
    return cv_exif_result(&st);
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
    uint32_t max_width, max_height; /* our limits, for JERR_IMAGE_TOO_BIG */
    char text[JMSG_LENGTH_MAX + 128];
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
    case JERR_IMAGE_TOO_BIG: {
        /* libjpeg refuses sides over JPEG_MAX_DIMENSION (65500) inside
         * jpeg_read_header, before our own check: report it as the
         * dimension limit it is, with the size the header declares. */
        j_decompress_ptr d = c->is_decompressor ? (j_decompress_ptr)c : NULL;
        x->code = SFC_ERR_LIMIT_DIMENSION;
        snprintf(x->text, sizeof x->text,
                 "image is %ux%u, over the dimension limit %ux%u (max_width x max_height; libjpeg reads at most %d pixels per side)",
                 d ? (unsigned)d->image_width : 0u, d ? (unsigned)d->image_height : 0u, x->max_width, x->max_height,
                 JPEG_MAX_DIMENSION);
        break;
    }
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
    x.max_width = lim ? lim->max_width : 0;
    x.max_height = lim ? lim->max_height : 0;
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

    /* grfmt_jpeg.cpp readHeader: every APP1 longer than 6 bytes that starts
     * with "Exif\0\0" is parsed, in order, into one tag map. */
    struct cv_exif exif = {0, 0};
    for (jpeg_saved_marker_ptr m = ci.marker_list; m; m = m->next) {
        if (m->marker == JPEG_APP0 + 1 && m->data_length > 6 && memcmp(m->data, "Exif\0\0", 6) == 0)
            cv_exif_parse(m->data + 6, m->data_length - 6, &exif);
    }
    const int orientation = cv_exif_result(&exif);

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
static int png_precheck(const uint8_t *d, size_t n, int *ctype, char *msg, size_t cap) {
    size_t p = 8;
    int first = 1, have_fctl = 0;
    uint32_t width = 0, height = 0, fw = 0, fh = 0, fx = 0, fy = 0;
    char nb[16];
    for (;;) {
        if (n - p < 8) {
            set_msg(msg, cap, "PNG data ends before the image data (%zu bytes, no IDAT chunk read)", n);
            return SFC_ERR_TRUNCATED;
        }
        const uint32_t len = rd32(d + p, 0), id = rd32(d + p + 4, 0);
        const uint64_t size = (uint64_t)len + 12;
        const char *want = NULL;
        if (id == ID_IHDR) want = len == 13 ? NULL : "13";
        else if (id == ID_acTL) want = len == 8 ? NULL : "8";
        else if (id == ID_fcTL) want = len == 26 ? NULL : "26";
        else if (id == ID_bKGD) want = (len == 1 || len == 2 || len == 6) ? NULL : "1, 2 or 6";
        else if (id != ID_fdAT && id != ID_IDAT && id != ID_IEND && id != ID_PLTE && id != ID_tEXt &&
                 id != ID_tRNS && size > CV_PNG_CHUNK_MAX) {
            set_msg(msg, cap, "PNG: %s chunk of %u bytes before the image data (OpenCV refuses such a chunk "
                    "over %u bytes)", chunk_name(id, nb), (unsigned)len, CV_PNG_CHUNK_MAX - 12);
            return SFC_ERR_CORRUPT;
        }
        if (want) {
            set_msg(msg, cap, "PNG: %s chunk has length %u (OpenCV requires %s)", chunk_name(id, nb),
                    (unsigned)len, want);
            return SFC_ERR_CORRUPT;
        }
        if (size > n - p) {
            set_msg(msg, cap, "PNG data ends inside the %s chunk at offset %zu (%llu bytes with header and CRC, "
                    "%zu present)", chunk_name(id, nb), p, (unsigned long long)size, n - p);
            return SFC_ERR_TRUNCATED;
        }
        const uint8_t *c = d + p + 8;
        if (first) {
            if (id == ID_CgBI) {
                set_msg(msg, cap, "PNG: Apple CgBI chunk first (iPhone-optimised PNG), not supported");
                return SFC_ERR_UNSUPPORTED;
            }
            if (id != ID_IHDR) {
                set_msg(msg, cap, "PNG: first chunk is %s, not IHDR", chunk_name(id, nb));
                return SFC_ERR_CORRUPT;
            }
            width = rd32(c, 0);
            height = rd32(c + 4, 0);
            *ctype = c[9];
            first = 0;
        } else if (id == 0) {
            set_msg(msg, cap, "PNG: chunk with type 0 at offset %zu", p);
            return SFC_ERR_CORRUPT;
        } else if (id == ID_IDAT) {
            break;
        } else if (id == ID_acTL && rd32(c, 0) == 0) {
            set_msg(msg, cap, "PNG: acTL chunk declares 0 frames");
            return SFC_ERR_CORRUPT;
        } else if (id == ID_fcTL) {
            fw = rd32(c + 4, 0);
            fh = rd32(c + 8, 0);
            fx = rd32(c + 12, 0);
            fy = rd32(c + 16, 0);
            if (c[24] > 2 || c[25] > 1) {
                set_msg(msg, cap, "PNG: fcTL chunk has dispose_op %u and blend_op %u (at most 2 and 1)",
                        (unsigned)c[24], (unsigned)c[25]);
                return SFC_ERR_CORRUPT;
            }
            have_fctl = 1;
        }
        p += (size_t)size;
    }
    if (have_fctl && ((uint64_t)fx + fw > width || (uint64_t)fy + fh > height)) {
        set_msg(msg, cap, "PNG: fcTL frame %ux%u at (%u, %u) exceeds the %ux%u image", (unsigned)fw, (unsigned)fh,
                (unsigned)fx, (unsigned)fy, (unsigned)width, (unsigned)height);
        return SFC_ERR_CORRUPT;
    }
    return SFC_OK;
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
static int png_libpng_compat(const uint8_t *d, size_t n, int ctype, uint8_t **copy, char *msg, size_t cap) {
    size_t p = 8;
    int plte_seen = 0;
    char nb[16];
    *copy = NULL;
    while (n - p >= 8) {
        const uint32_t len = rd32(d + p, 0), id = rd32(d + p + 4, 0);
        if (!png_type_ok(id)) {
            set_msg(msg, cap, "PNG: invalid chunk type %s at offset %zu (%s)", chunk_name(id, nb), p,
                    png_type_ok(id & ~0x2000u) ? "its third letter must be upper case" : "not four letters");
            return SFC_ERR_CORRUPT;
        }
        if (len > 0x7FFFFFFFu || (uint64_t)len + 12 > n - p) break; /* libpng fails on this chunk */
        const int fix_iend = id == ID_IEND;
        const int fix_plte = id == ID_PLTE && ctype != PNG_COLOR_TYPE_PALETTE;
        if (fix_iend || fix_plte) {
            const int rename = fix_plte && plte_seen;
            const uint32_t stored = rd32(d + p + 8 + len, 0);
            if (rename || png_crc(d + p + 4, (size_t)len + 4) != stored) {
                if (!*copy) {
                    *copy = malloc(n);
                    if (!*copy) {
                        set_msg(msg, cap, "out of memory copying a %zu-byte PNG", n);
                        return SFC_ERR_NOMEM;
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
    return SFC_OK;
}

/* The libpng part: OpenCV's call sequence on data that passed the checks. */
static int decode_png_libpng(const uint8_t *data, size_t size, const sfc_limits *lim, sfc_image *out,
                             char *msg, size_t cap) {
    struct png_ctx x;
    memset(&x, 0, sizeof x);
    x.data = data;
    x.size = size;
    int rc;

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
    const int out_channels = png_get_channels(png, info), out_depth = png_get_bit_depth(png, info);
    if (out_channels != 1 || out_depth != 8 || png_get_rowbytes(png, info) != (size_t)w) {
        png_destroy_read_struct(&png, &info, &end);
        set_msg(msg, cap, "PNG: unexpected output layout (channels %d, depth %d)", out_channels, out_depth);
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
        if (exif && nexif) {
            /* the chunk holds the TIFF block itself: no "Exif\0\0" is skipped */
            struct cv_exif st = {0, 0};
            cv_exif_parse(exif, nexif, &st);
            orientation = cv_exif_result(&st);
        }
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

static int decode_png(const uint8_t *data, size_t size, const sfc_limits *lim, sfc_image *out,
                      char *msg, size_t cap) {
    int ctype = -1;
    int rc = png_precheck(data, size, &ctype, msg, cap);
    if (rc != SFC_OK) return rc;
    uint8_t *copy = NULL;
    rc = png_libpng_compat(data, size, ctype, &copy, msg, cap);
    if (rc != SFC_OK) {
        free(copy); /* a patched copy may exist when a later chunk is refused */
        return rc;
    }
    rc = decode_png_libpng(copy ? copy : data, size, lim, out, msg, cap);
    free(copy);
    return rc;
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
    /* A proper prefix of a signature is a truncated file, not an unknown one. */
    if ((size < sizeof PNG_SIG && memcmp(data, PNG_SIG, size) == 0) ||
        (size < 3 && memcmp(data, "\xFF\xD8\xFF", size) == 0)) {
        set_msg(msg, cap, "%s data ends inside its signature (%zu bytes)", data[0] == 0xFF ? "JPEG" : "PNG", size);
        return SFC_ERR_TRUNCATED;
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
