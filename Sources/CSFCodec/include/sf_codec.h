/* sf_codec.h - the C layer of libspectralfake that Swift calls: JPEG
 * (libjpeg) and PNG (libpng) decoding to 8-bit grayscale, bit-identical to
 * cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE) (docs/decoding.md).
 *
 * Internal: not part of the public ABI. Symbols use the sfc_ prefix so the
 * export list (sf_* only) hides them. Statuses are sf_status values of the
 * public header. The codec's own helpers are declared in codec_internal.h. */
#ifndef SF_CODEC_H
#define SF_CODEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sfc_format { SFC_FORMAT_UNKNOWN = 0, SFC_FORMAT_JPEG = 1, SFC_FORMAT_PNG = 2 };

typedef struct sfc_limits {
    uint64_t max_pixels;     /* width * height, 0 = no limit */
    uint32_t max_width;      /* 0 = no limit */
    uint32_t max_height;     /* 0 = no limit */
    uint32_t max_scans;      /* progressive JPEG scans, 0 = no limit */
    uint32_t max_passes;     /* progressive JPEG work, in passes over all its coefficient blocks; 0 = no limit */
    uint64_t max_memory;     /* bytes of decoder working memory (libjpeg's, our buffers); 0 = no limit */
    uint64_t max_ancillary;  /* bytes of metadata (JPEG APPn/COM, PNG ancillary chunks); 0 = no limit */
    uint64_t deadline_ns;    /* CLOCK_MONOTONIC nanoseconds after which decoding stops; 0 = none */
    uint32_t budget_ms;      /* the call's max_milliseconds, for messages */
    uint32_t max_pixels_per_byte; /* above 2^22 pixels: pixels per byte of input; 0 = no limit */
    uint64_t input_bytes;    /* size of the encoded input (for max_pixels_per_byte) */
} sfc_limits;

typedef struct sfc_image {
    uint8_t *pixels;         /* width*height bytes, row-major, free with sfc_free */
    uint32_t width;          /* after EXIF orientation */
    uint32_t height;
    int format;              /* enum sfc_format */
    int orientation;         /* EXIF orientation applied (1..8), 1 if none */
    int warnings;            /* recoverable codec warnings (corrupt entropy data) */
    /* What the file says about itself (the scope of a verdict). */
    int components;          /* colour components in the file: 1 gray, 2 gray+alpha, 3, 4 */
    int bit_depth;           /* bits per sample (8 for JPEG) */
    int jpeg_quality;        /* IJG quality 1..100 of the luminance table (nearest), 0 if not JPEG */
    int jpeg_quality_exact;  /* 1 if that table is exactly IJG's table at that quality */
    int h_sampling, v_sampling; /* JPEG: luma sampling factors over the smallest chroma ones (2,2 = 4:2:0) */
    int progressive;         /* progressive JPEG / interlaced PNG */
    int arithmetic;          /* arithmetic-coded JPEG */
} sfc_image;

/* Decodes a JPEG or PNG held in memory into 8-bit grayscale with OpenCV's
 * arithmetic. Returns an sf_status (SF_OK = 0); on failure writes a message
 * into msg and leaves out->pixels NULL. */
int sfc_decode_gray(const uint8_t *data, size_t size, const sfc_limits *limits,
                    sfc_image *out, char *msg, size_t msgcap);

void sfc_free(void *p);

/* 1 when malloc(n) succeeds now (the block is freed at once): a probe made
 * before a large Swift array is built, which the optimiser cannot remove. */
int sfc_can_allocate(size_t n);

/* Returns free heap pages to the system (glibc malloc_trim; a no-op elsewhere). */
void sfc_release_free_memory(void);

#ifdef __cplusplus
}
#endif
#endif
