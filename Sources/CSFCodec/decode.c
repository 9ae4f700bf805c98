/* decode.c - the codec's entry point: format sniffing, the limits, and the
 * common tail of every successful decode.
 *
 * The call sequences of jpeg.c and png.c follow OpenCV 5.0 imgcodecs
 * (grfmt_jpeg.cpp, grfmt_png.cpp) as documented in docs/decoding.md, so
 * that the output is bit-identical to cv2.imdecode(buf, IMREAD_GRAYSCALE).
 * libjpeg needs setjmp/longjmp for errors, which Swift cannot host, hence C.
 * Every path returns an sf_status and never exits. */
#include "codec_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

void sfc_free(void *p) { free(p); }

int sfc_can_allocate(size_t n) {
    void *volatile p = malloc(n ? n : 1);  /* volatile: the call is kept */
    if (!p) return 0;
    free(p);
    return 1;
}

void sfc_release_free_memory(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

void sfc_set_msg(char *msg, size_t cap, const char *fmt, ...) {
    if (!msg || cap == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
}

unsigned sfc_rd16(const uint8_t *p, int le) {
    return le ? (unsigned)(p[0] | (p[1] << 8)) : (unsigned)((p[0] << 8) | p[1]);
}

uint32_t sfc_rd32(const uint8_t *p, int le) {
    return le ? ((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24))
              : (((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3]);
}

int sfc_check_limits(uint64_t w, uint64_t h, const sfc_limits *lim, char *msg, size_t cap) {
    if (w == 0 || h == 0) {
        sfc_set_msg(msg, cap, "image has zero size (%llux%llu)", (unsigned long long)w, (unsigned long long)h);
        return SF_ERR_CORRUPT;
    }
    if (!lim) return SF_OK;
    if ((lim->max_width && w > lim->max_width) || (lim->max_height && h > lim->max_height)) {
        sfc_set_msg(msg, cap, "image is %llux%llu, over the dimension limit %ux%u (max_width x max_height)",
                    (unsigned long long)w, (unsigned long long)h, lim->max_width, lim->max_height);
        return SF_ERR_LIMIT_DIMENSION;
    }
    if (lim->max_pixels && w * h > lim->max_pixels) {
        sfc_set_msg(msg, cap, "image is %llux%llu = %llu pixels, over the limit max_pixels = %llu",
                    (unsigned long long)w, (unsigned long long)h, (unsigned long long)(w * h),
                    (unsigned long long)lim->max_pixels);
        return SF_ERR_LIMIT_PIXELS;
    }
    if (lim->max_pixels_per_byte && w * h > SFC_DENSITY_FREE_PIXELS &&
        w * h / lim->max_pixels_per_byte > lim->input_bytes) {
        sfc_set_msg(msg, cap, "image declares %llux%llu = %llu pixels in a %llu-byte file, over %u pixels per byte "
                    "(limit max_pixels_per_byte; genuine photos have 1 to 30): it would decode mostly from nothing",
                    (unsigned long long)w, (unsigned long long)h, (unsigned long long)(w * h),
                    (unsigned long long)lim->input_bytes, lim->max_pixels_per_byte);
        return SF_ERR_LIMIT_PIXELS;
    }
    if (lim->max_memory && w * h > lim->max_memory) {
        sfc_set_msg(msg, cap, "a %llux%llu image needs %llu bytes of pixels, over the limit max_decode_memory = %llu",
                    (unsigned long long)w, (unsigned long long)h, (unsigned long long)(w * h),
                    (unsigned long long)lim->max_memory);
        return SF_ERR_LIMIT_MEMORY;
    }
    return SF_OK;
}

int sfc_time_up(const sfc_limits *lim, char *msg, size_t cap) {
    if (!lim || !lim->deadline_ns) return 0;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    const uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    if (now < lim->deadline_ns) return 0;
    sfc_set_msg(msg, cap, "the call ran over max_milliseconds = %u (stopped while decoding)", (unsigned)lim->budget_ms);
    return 1;
}

/* ------------------------------------------------------------------ sniff */

static const uint8_t PNG_SIG[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};

/* The container from the first bytes (enum sfc_format); for a few known
 * formats we do not decode, their name goes into name. */
static int sniff(const uint8_t *d, size_t n, char *name, size_t cap) {
    name[0] = 0;
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
    if (what) snprintf(name, cap, "%s", what);
    return SFC_FORMAT_UNKNOWN;
}

/* ------------------------------------------------------------------ entry */

int sfc_decode_gray(const uint8_t *data, size_t size, const sfc_limits *lim, sfc_image *out,
                    char *msg, size_t cap) {
    if (!out) return SF_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (msg && cap) msg[0] = 0;
    if (!data || size == 0) {
        sfc_set_msg(msg, cap, "empty input (0 bytes)");
        return SF_ERR_EMPTY_INPUT;
    }
    /* A proper prefix of a signature is a truncated file, not an unknown one. */
    if ((size < sizeof PNG_SIG && memcmp(data, PNG_SIG, size) == 0) ||
        (size < 3 && memcmp(data, "\xFF\xD8\xFF", size) == 0)) {
        sfc_set_msg(msg, cap, "%s data ends inside its signature (%zu bytes)", data[0] == 0xFF ? "JPEG" : "PNG",
                    size);
        return SF_ERR_TRUNCATED;
    }
    char name[64];
    int fmt = sniff(data, size, name, sizeof name);
    if (fmt == SFC_FORMAT_JPEG) return sfc_decode_jpeg(data, size, lim, out, msg, cap);
    if (fmt == SFC_FORMAT_PNG) return sfc_decode_png(data, size, lim, out, msg, cap);
    if (name[0]) {
        sfc_set_msg(msg, cap, "unsupported image format: %s (only JPEG and PNG are decoded)", name);
        return SF_ERR_UNSUPPORTED;
    }
    if (size >= 4)
        sfc_set_msg(msg, cap, "not a JPEG or PNG file (starts with %02x %02x %02x %02x, %zu bytes)",
                    data[0], data[1], data[2], data[3], size);
    else
        sfc_set_msg(msg, cap, "not a JPEG or PNG file (only %zu bytes)", size);
    return SF_ERR_UNKNOWN_FORMAT;
}
