/* sf_codec.h - internal C layer of libspectralfake: JPEG (libjpeg) and PNG
 * (libpng) decoding to 8-bit grayscale, bit-identical to
 * cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE) (see docs/decoding.md).
 *
 * Internal: not part of the public ABI. Symbols use the sfc_ prefix so the
 * export list (sf_* only) hides them. */
#ifndef SF_CODEC_H
#define SF_CODEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sfc_code {
    SFC_OK = 0,
    SFC_ERR_UNKNOWN_FORMAT = 1,  /* neither JPEG nor PNG */
    SFC_ERR_CORRUPT = 2,         /* the codec rejected the data */
    SFC_ERR_TRUNCATED = 3,       /* the data ends before the image does */
    SFC_ERR_UNSUPPORTED = 4,     /* valid file, feature we cannot decode */
    SFC_ERR_LIMIT_PIXELS = 5,
    SFC_ERR_LIMIT_DIMENSION = 6,
    SFC_ERR_LIMIT_SCANS = 7,
    SFC_ERR_NOMEM = 8,
    SFC_ERR_EMPTY = 9            /* zero bytes */
};

enum sfc_format { SFC_FORMAT_UNKNOWN = 0, SFC_FORMAT_JPEG = 1, SFC_FORMAT_PNG = 2 };

typedef struct sfc_limits {
    uint64_t max_pixels;     /* width * height, 0 = no limit */
    uint32_t max_width;      /* 0 = no limit */
    uint32_t max_height;     /* 0 = no limit */
    uint32_t max_scans;      /* progressive JPEG scans, 0 = no limit */
} sfc_limits;

typedef struct sfc_image {
    uint8_t *pixels;         /* width*height bytes, row-major, free with sfc_free */
    uint32_t width;          /* after EXIF orientation */
    uint32_t height;
    int format;              /* enum sfc_format */
    int orientation;         /* EXIF orientation applied (1..8), 1 if none */
    int warnings;            /* recoverable codec warnings (corrupt entropy data) */
    /* What was seen when a limit was hit (also filled on success). */
    uint32_t seen_width;
    uint32_t seen_height;
    uint32_t seen_scans;
} sfc_image;

/* Decodes a JPEG or PNG held in memory into 8-bit grayscale with OpenCV's
 * arithmetic. Returns an sfc_code; on failure writes a message into msg. */
int sfc_decode_gray(const uint8_t *data, size_t size, const sfc_limits *limits,
                    sfc_image *out, char *msg, size_t msgcap);

/* Identifies the container from the first bytes (enum sfc_format), and for a
 * few well-known non-supported formats writes their name into name. */
int sfc_sniff(const uint8_t *data, size_t size, char *name, size_t namecap);

/* Parses an EXIF block (TIFF header, optionally preceded by "Exif\0\0") and
 * returns the orientation tag (1..8), or 0 when absent or malformed. */
int sfc_exif_orientation(const uint8_t *data, size_t size);

void sfc_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
