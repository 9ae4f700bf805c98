/* jpeg.c - JPEG to 8-bit gray with libjpeg, as OpenCV 5.0's grfmt_jpeg.cpp
 * does it: a suspending memory source (data that runs out is an error, as in
 * cv2.imdecode), out_color_space = JCS_GRAYSCALE (JCS_CMYK plus OpenCV's
 * CMYK->gray formula for 4-component files), the default ISLOW DCT, and the
 * EXIF orientation of the APP1 segments. Errors inside
 * jpeg_finish_decompress are ignored by OpenCV; we never call it (every
 * scanline has been read by then). */
#include "codec_internal.h"

#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

struct jpeg_ctx {
    struct jpeg_error_mgr pub;
    struct jpeg_progress_mgr progress;
    jmp_buf jb;
    int code;          /* sf_status to return after longjmp */
    const sfc_limits *lim;
    uint32_t max_scans;
    uint32_t scans_seen;
    uint32_t max_width, max_height; /* our limits, for JERR_IMAGE_TOO_BIG */
    /* progressive work: block rows consumed, against the budget */
    uint64_t work, max_work;
    int last_scan, last_row;
    signed char coef_bits[MAX_COMPONENTS][DCTSIZE2]; /* Al of the last scan of each coefficient, -1 none */
    char text[JMSG_LENGTH_MAX + 160];
};

static void error_exit_cb(j_common_ptr c) {
    struct jpeg_ctx *x = (struct jpeg_ctx *)c->err;
    c->err->format_message(c, x->text);
    switch (c->err->msg_code) {
    case JERR_SOF_UNSUPPORTED: case JERR_BAD_PRECISION: case JERR_CONVERSION_NOTIMPL:
    case JERR_NOT_COMPILED: case JERR_ARITH_NOTIMPL: case JERR_EMPTY_IMAGE:
        x->code = SF_ERR_UNSUPPORTED; break;
    case JERR_OUT_OF_MEMORY:
        x->code = SF_ERR_OUT_OF_MEMORY; break;
    case JERR_NO_BACKING_STORE: /* the coefficient buffers do not fit in max_memory_to_use */
        x->code = SF_ERR_LIMIT_MEMORY;
        snprintf(x->text, sizeof x->text, "decoding this JPEG needs more working memory than the limit "
                 "max_decode_memory = %llu bytes", (unsigned long long)(x->lim ? x->lim->max_memory : 0));
        break;
    case JERR_IMAGE_TOO_BIG: {
        /* libjpeg refuses sides over JPEG_MAX_DIMENSION (65500) inside
         * jpeg_read_header, before our own check: report it as the
         * dimension limit it is, with the size the header declares. */
        j_decompress_ptr d = c->is_decompressor ? (j_decompress_ptr)c : NULL;
        x->code = SF_ERR_LIMIT_DIMENSION;
        snprintf(x->text, sizeof x->text,
                 "image is %ux%u, over the dimension limit %ux%u (max_width x max_height; libjpeg reads at most %d pixels per side)",
                 d ? (unsigned)d->image_width : 0u, d ? (unsigned)d->image_height : 0u, x->max_width, x->max_height,
                 (int)JPEG_MAX_DIMENSION);
        break;
    }
    default:
        x->code = SF_ERR_CORRUPT; break;
    }
    longjmp(x->jb, 1);
}

/* Warnings (corrupt entropy data, extraneous bytes) are counted, never printed. */
static void emit_message_cb(j_common_ptr c, int level) {
    if (level < 0) c->err->num_warnings++;
}

static void stop(struct jpeg_ctx *x, int code) {
    x->code = code;
    longjmp(x->jb, 1);
}

/* At the start of each scan: refuse a scan that repeats the first pass of a
 * coefficient, or refines it out of order (libjpeg only warns, and some
 * repeats it accepts silently); such files cost a full pass each for no
 * new data. */
static void check_progression(j_decompress_ptr d, struct jpeg_ctx *x) {
    for (int i = 0; i < d->comps_in_scan; i++) {
        const int c = d->cur_comp_info[i]->component_index;
        if (c < 0 || c >= MAX_COMPONENTS) continue;
        const int rc = sfc_jpeg_progression(x->coef_bits[c], (unsigned)d->input_scan_number, c, d->Ss, d->Se, d->Ah,
                                            d->Al, x->text, sizeof x->text);
        if (rc != SF_OK) stop(x, rc);
    }
}

/* Called by libjpeg before each input iMCU row (and each output row): the
 * scan limits, the progressive work budget and the time budget. */
static void progress_cb(j_common_ptr c) {
    struct jpeg_ctx *x = (struct jpeg_ctx *)c->err;
    if (!c->is_decompressor) return;
    j_decompress_ptr d = (j_decompress_ptr)c;
    if (d->input_scan_number > 0 && (uint32_t)d->input_scan_number > x->scans_seen)
        x->scans_seen = (uint32_t)d->input_scan_number;
    if (x->max_scans && (uint32_t)d->input_scan_number > x->max_scans)
        stop(x, sfc_jpeg_over_scans(x->lim, x->text, sizeof x->text));
    /* called before each iMCU row is consumed, and once more when a scan's
     * last row is done (input_iMCU_row == total_iMCU_rows: not counted) */
    if (d->progressive_mode && d->input_scan_number > 0 && d->input_iMCU_row < d->total_iMCU_rows &&
        (d->input_scan_number != x->last_scan || (int)d->input_iMCU_row != x->last_row)) {
        if (d->input_scan_number != x->last_scan) check_progression(d, x);
        x->last_scan = d->input_scan_number;
        x->last_row = (int)d->input_iMCU_row;
        /* blocks of this iMCU row: whole MCUs of an interleaved scan (their
         * padding blocks included), v block rows of a single component */
        x->work += (uint64_t)d->MCUs_per_row *
                   (uint64_t)(d->comps_in_scan > 1 ? d->blocks_in_MCU : d->cur_comp_info[0]->v_samp_factor);
        if (x->max_work && x->work > x->max_work)
            stop(x, sfc_jpeg_over_passes(x->lim, (unsigned)d->image_width, (unsigned)d->image_height, x->text,
                                         sizeof x->text));
    }
    char m[128];
    if (sfc_time_up(x->lim, m, sizeof m)) {
        snprintf(x->text, sizeof x->text, "%s", m);
        stop(x, SF_ERR_LIMIT_TIME);
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

/* IJG's standard luminance quantisation table (jcparam.c), natural order. */
static const unsigned STD_LUMINANCE[64] = {
    16, 11, 10, 16, 24, 40, 51, 61,     12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56,     14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77,   24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};

/* Sum of absolute differences between t and the standard table at quality
 * q, stopping once it exceeds `bound`. */
static unsigned long quality_distance(const JQUANT_TBL *t, int q, unsigned long bound) {
    const long scale = q < 50 ? 5000 / q : 200 - 2 * q;
    unsigned long dist = 0;
    for (int i = 0; i < 64 && dist <= bound; i++) {
        long v = ((long)STD_LUMINANCE[i] * scale + 50) / 100;
        if (v <= 0) v = 1;
        if (v > 255) v = 255;
        const long d = (long)t->quantval[i] - v;
        dist += (unsigned long)(d < 0 ? -d : d);
    }
    return dist;
}

/* The IJG quality of a luminance table: the quality whose scaled standard
 * table (jpeg_quality_scaling and jpeg_add_quant_table with
 * force_baseline) equals it, else the nearest one by the sum of absolute
 * differences (ties go to the higher quality). Runs on every decode, so it
 * looks first near the quality the table's total suggests (an IJG table is
 * found there in a few steps) and scans the rest with early exits. */
static int estimate_quality(const JQUANT_TBL *t, int *exact) {
    *exact = 0;
    if (!t) return 0;
    long total = 0, std_total = 0;
    for (int i = 0; i < 64; i++) {
        total += t->quantval[i];
        std_total += STD_LUMINANCE[i];
    }
    const long scale = total * 100 / std_total;   /* the percentage of the standard table */
    int guess = scale >= 100 ? (int)(5000 / (scale > 5000 ? 5000 : (scale < 1 ? 1 : scale)))
                             : (int)((200 - scale) / 2);
    if (guess < 1) guess = 1;
    if (guess > 100) guess = 100;
    /* Each entry of the scaled table falls as q grows, so the qualities
     * whose table equals t form one run: when the guess is in it, the
     * answer is the run's top, as the search below would find. */
    if (quality_distance(t, guess, 0) == 0) {
        while (guess < 100 && quality_distance(t, guess + 1, 0) == 0) guess++;
        *exact = 1;
        return guess;
    }
    int best = 0;
    unsigned long best_dist = ~0ul;
    for (int q = guess - 3; q <= guess + 3; q++) {
        if (q < 1 || q > 100) continue;
        const unsigned long d = quality_distance(t, q, best_dist);
        if (d <= best_dist) {
            best_dist = d;
            best = q;
        }
    }
    if (best_dist == 0) {
        /* equal tables come from adjacent qualities: the highest of them */
        while (best < 100 && quality_distance(t, best + 1, 0) == 0) best++;
    } else {
        /* not an IJG table at a nearby quality: every quality, ascending, so
         * that ties go to the higher one as before */
        best = 0;
        best_dist = ~0ul;
        for (int q = 1; q <= 100; q++) {
            const unsigned long d = quality_distance(t, q, best_dist);
            if (d <= best_dist) {
                best_dist = d;
                best = q;
            }
        }
    }
    *exact = best_dist == 0;
    return best;
}

/* What the header says: components, sampling, coding, quality. */
static void describe(j_decompress_ptr ci, sfc_image *out) {
    out->components = ci->num_components;
    out->bit_depth = ci->data_precision;
    out->progressive = ci->progressive_mode ? 1 : 0;
    out->arithmetic = ci->arith_code ? 1 : 0;
    const jpeg_component_info *c = ci->comp_info;
    out->jpeg_quality = estimate_quality(ci->quant_tbl_ptrs[c[0].quant_tbl_no & 3], &out->jpeg_quality_exact);
    out->h_sampling = out->v_sampling = 1;
    if (ci->num_components >= 3) {
        int hmin = c[1].h_samp_factor, vmin = c[1].v_samp_factor;
        for (int i = 2; i < ci->num_components; i++) {
            if (c[i].h_samp_factor < hmin) hmin = c[i].h_samp_factor;
            if (c[i].v_samp_factor < vmin) vmin = c[i].v_samp_factor;
        }
        if (hmin > 0 && vmin > 0) {
            out->h_sampling = c[0].h_samp_factor / hmin;
            out->v_sampling = c[0].v_samp_factor / vmin;
        }
    }
}

/* OpenCV's icvCvt_CMYK2Gray_8u_C4C1R on one row. */
static void cmyk_to_gray(const uint8_t *cmyk, uint8_t *dst, size_t w) {
    for (size_t i = 0; i < w; i++) {
        int c = cmyk[4 * i], m = cmyk[4 * i + 1], yy = cmyk[4 * i + 2], k = cmyk[4 * i + 3];
        c = k - (((255 - c) * k) >> 8);
        m = k - (((255 - m) * k) >> 8);
        yy = k - (((255 - yy) * k) >> 8);
        dst[i] = (uint8_t)((yy * 1868 + m * 9617 + c * 4899 + (1 << 13)) >> 14);
    }
}

/* Whether the gray image is the luma plane as the IDCT writes it, so that
 * it can be read in raw mode straight into the image (no colour
 * conversion, upsampling or copy): libjpeg's YCbCr or gray to gray
 * conversion copies component 0 as it is, and component 0 is not
 * upsampled when it has the largest sampling factors. The other components
 * are marked not needed, as libjpeg's gray conversion marks them (their
 * coefficients are decoded, not transformed). */
static int luma_is_gray(j_decompress_ptr ci) {
    return (ci->jpeg_color_space == JCS_YCbCr || ci->jpeg_color_space == JCS_GRAYSCALE) &&
           ci->comp_info[0].h_samp_factor == ci->max_h_samp_factor &&
           ci->comp_info[0].v_samp_factor == ci->max_v_samp_factor && ci->scale_num == ci->scale_denom &&
           ci->max_v_samp_factor <= MAX_SAMP_FACTOR;   /* libjpeg refuses more; the row arrays below hold that many */
}

/* The one way out of the decoder, failed or not: releases it and the
 * buffers given, returns code. */
static int release(j_decompress_ptr ci, uint8_t *pixels, uint8_t *row, int code) {
    jpeg_destroy_decompress(ci);
    free(pixels);
    free(row);
    return code;
}

int sfc_decode_jpeg(const uint8_t *data, size_t size, const sfc_limits *lim, sfc_image *out, char *msg, size_t cap) {
    struct jpeg_decompress_struct ci;
    struct jpeg_ctx x;
    struct jpeg_source_mgr src;
    uint8_t *volatile pixels = NULL;
    uint8_t *volatile spare_row = NULL;   /* CMYK: the row converted to gray; raw: rows not kept */
    memset(&ci, 0, sizeof ci);
    memset(&x, 0, sizeof x);
    ci.err = jpeg_std_error(&x.pub);
    x.pub.error_exit = error_exit_cb;
    x.pub.emit_message = emit_message_cb;
    x.lim = lim;
    x.last_scan = -1;
    memset(x.coef_bits, -1, sizeof x.coef_bits);
    x.max_scans = lim ? lim->max_scans : 0;
    x.max_width = lim ? lim->max_width : 0;
    x.max_height = lim ? lim->max_height : 0;
    int rc = sfc_jpeg_check_structure(data, size, lim, msg, cap);
    if (rc != SF_OK) return rc;
    if (setjmp(x.jb)) {
        sfc_set_msg(msg, cap, "%s", x.text);
        return release(&ci, pixels, spare_row, x.code ? x.code : SF_ERR_CORRUPT);
    }
    jpeg_create_decompress(&ci);
    if (lim && lim->max_memory) ci.mem->max_memory_to_use = (long)(lim->max_memory > LONG_MAX ? LONG_MAX : lim->max_memory);
    x.progress.progress_monitor = progress_cb;
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
        sfc_set_msg(msg, cap, "JPEG data ends inside the headers (%zu bytes)", size);
        return release(&ci, NULL, NULL, SF_ERR_TRUNCATED);
    }
    rc = sfc_check_limits(ci.image_width, ci.image_height, lim, msg, cap);
    if (rc != SF_OK) return release(&ci, NULL, NULL, rc);
    describe(&ci, out);
    if (ci.progressive_mode && lim && lim->max_passes) {
        /* one pass = every block of the image as interleaved MCUs lay them
         * out (padding included), which bounds any scan of a component */
        uint64_t per_mcu = 0;
        for (int i = 0; i < ci.num_components; i++)
            per_mcu += (uint64_t)ci.comp_info[i].h_samp_factor * ci.comp_info[i].v_samp_factor;
        x.max_work = sfc_jpeg_work_budget(sfc_jpeg_pass_blocks(ci.image_width, ci.image_height,
                                                               (unsigned)ci.max_h_samp_factor,
                                                               (unsigned)ci.max_v_samp_factor, per_mcu),
                                          lim->max_passes);
    }

    /* grfmt_jpeg.cpp readHeader: every APP1 longer than 6 bytes that starts
     * with "Exif\0\0" is parsed, in order, into one tag map. */
    struct sfc_exif exif = {0, 0};
    for (jpeg_saved_marker_ptr m = ci.marker_list; m; m = m->next) {
        if (m->marker == JPEG_APP0 + 1 && m->data_length > 6 && memcmp(m->data, "Exif\0\0", 6) == 0)
            sfc_exif_parse(m->data + 6, m->data_length - 6, &exif);
    }
    const int orientation = sfc_exif_result(&exif);

    const int cmyk = ci.num_components == 4;
    ci.out_color_space = cmyk ? JCS_CMYK : JCS_GRAYSCALE;
    const int raw = !cmyk && luma_is_gray(&ci);
    if (raw) {
        ci.raw_data_out = TRUE;
        for (int i = 1; i < ci.num_components; i++) ci.comp_info[i].component_needed = FALSE;
    }
    if (!jpeg_start_decompress(&ci)) {
        sfc_set_msg(msg, cap, "JPEG data ends before the last scan (%zu bytes, %u scans read)", size, x.scans_seen);
        return release(&ci, NULL, NULL, SF_ERR_TRUNCATED);
    }
    const size_t w = ci.output_width, h = ci.output_height;
    if ((size_t)ci.output_components != (cmyk ? 4u : 1u)) {
        sfc_set_msg(msg, cap, "unexpected JPEG output components (%d)", ci.output_components);
        return release(&ci, NULL, NULL, SF_ERR_UNSUPPORTED);
    }
    /* raw: rows of whole 8-pixel blocks (the IDCT stores 8 pixels at a
     * time), packed to w pixels a row once all are decoded */
    const size_t stride = raw ? (w + DCTSIZE - 1) / DCTSIZE * DCTSIZE : w;
    pixels = malloc(stride * h);
    if (cmyk) spare_row = malloc(w * 4);
    else if (raw) spare_row = malloc(stride);
    if (!pixels || ((cmyk || raw) && !spare_row)) {
        sfc_set_msg(msg, cap, "out of memory for a %zux%zu image", w, h);
        return release(&ci, pixels, spare_row, SF_ERR_OUT_OF_MEMORY);
    }
    /* raw: one iMCU row of 8-pixel blocks a call, straight into the image
     * (rows past the last one into the spare row); the other components'
     * rows point at the spare row too, never written (not needed). Gray:
     * up to 16 rows a call (the decoder works an iMCU row at a time anyway).
     * CMYK: one row a call through the conversion row. */
    const size_t imcu = raw ? (size_t)ci.max_v_samp_factor * DCTSIZE : 0;   /* unscaled: 8 rows per block row */
    JSAMPROW rows[MAX_SAMP_FACTOR * DCTSIZE], spare[MAX_SAMP_FACTOR * DCTSIZE];
    JSAMPARRAY planes[MAX_COMPONENTS];
    planes[0] = rows;
    for (size_t i = 0; i < MAX_SAMP_FACTOR * DCTSIZE; i++) spare[i] = spare_row;
    for (int i = 1; i < MAX_COMPONENTS; i++) planes[i] = spare;
    while (ci.output_scanline < ci.output_height) {
        const size_t y = ci.output_scanline;
        JDIMENSION got;
        if (raw) {
            for (size_t i = 0; i < imcu; i++) rows[i] = y + i < h ? pixels + (y + i) * stride : spare_row;
            got = jpeg_read_raw_data(&ci, planes, (JDIMENSION)imcu);
        } else {
            const size_t k = cmyk ? 1 : (h - y < 16 ? h - y : 16);
            for (size_t i = 0; i < k; i++) rows[i] = cmyk ? spare_row : pixels + (y + i) * w;
            got = jpeg_read_scanlines(&ci, rows, (JDIMENSION)k);
        }
        if (got == 0) {
            sfc_set_msg(msg, cap, "JPEG data ends at row %zu of %zu (%zu bytes)", y, h, size);
            return release(&ci, pixels, spare_row, SF_ERR_TRUNCATED);
        }
        if (cmyk) cmyk_to_gray(spare_row, pixels + y * w, w);
    }
    if (stride != w)   /* each row moves down to y * w <= y * stride: in order, nothing is overwritten before it moves */
        for (size_t y = 1; y < h; y++) memmove(pixels + y * w, pixels + y * stride, w);
    out->warnings = (int)x.pub.num_warnings;
    uint8_t *done = pixels;
    pixels = NULL;
    release(&ci, NULL, spare_row, SF_OK);
    return sfc_finish_image(out, done, (uint32_t)w, (uint32_t)h, orientation, SFC_FORMAT_JPEG, msg, cap);
}
