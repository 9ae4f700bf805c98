/* codec_internal.h - what the codec's C files share; not seen by Swift.
 *   decode.c       entry point, format sniffing, limits, messages
 *   exif.c         OpenCV's EXIF reader rules and the orientation transform
 *   jpeg.c         libjpeg with OpenCV's call sequence
 *   png_chunks.c   OpenCV's own PNG chunk walk, libpng 1.6.58 chunk rules
 *   png.c          libpng with OpenCV's call sequence */
#ifndef SF_CODEC_INTERNAL_H
#define SF_CODEC_INTERNAL_H

#include "sf_codec.h"
#include "spectralfake.h"

/* printf into a caller's message buffer (msg may be NULL). */
void sfc_set_msg(char *msg, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* 16/32-bit reads, little-endian when le, else big-endian. */
unsigned sfc_rd16(const uint8_t *p, int le);
uint32_t sfc_rd32(const uint8_t *p, int le);

/* The dimension and pixel limits; SF_OK or the status of the limit hit
 * (SF_ERR_CORRUPT for a zero side). */
int sfc_check_limits(uint64_t w, uint64_t h, const sfc_limits *lim, char *msg, size_t cap);

/* EXIF orientation as OpenCV's ExifReader reads it (exif.c). One parsed tag
 * map, fed by one or more TIFF blocks in turn. */
struct sfc_exif {
    int found;            /* an orientation entry was read */
    unsigned orientation; /* its value (any 16-bit value) */
};
void sfc_exif_parse(const uint8_t *tiff, size_t n, struct sfc_exif *st);
/* The orientation cv2 applies for a parsed tag map: 1..8, else 0 (none). */
int sfc_exif_result(const struct sfc_exif *st);

/* exif.c: the common end of a successful decode: applies the EXIF orientation to the
 * w x h gray pixels (taking ownership of them) and fills *out. Returns SF_OK,
 * or SF_ERR_OUT_OF_MEMORY (the pixels are then freed). */
int sfc_finish_image(sfc_image *out, uint8_t *pixels, uint32_t w, uint32_t h, int orientation, int format,
                     char *msg, size_t cap);

int sfc_decode_jpeg(const uint8_t *data, size_t size, const sfc_limits *lim, sfc_image *out, char *msg, size_t cap);
int sfc_decode_png(const uint8_t *data, size_t size, const sfc_limits *lim, sfc_image *out, char *msg, size_t cap);

/* png_chunks.c: OpenCV's chunk walk before libpng (SF_OK, *ctype = IHDR's
 * colour type) and the libpng 1.6.58 chunk rules (*copy: a patched copy of
 * the data to hand libpng, or NULL). */
int sfc_png_precheck(const uint8_t *d, size_t n, int *ctype, char *msg, size_t cap);
int sfc_png_libpng_compat(const uint8_t *d, size_t n, int ctype, uint8_t **copy, char *msg, size_t cap);

#endif
