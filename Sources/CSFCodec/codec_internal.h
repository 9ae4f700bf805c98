/* codec_internal.h - what the codec's C files share; not seen by Swift.
 *   decode.c       entry point, format sniffing, limits, messages
 *   exif.c         OpenCV's EXIF reader rules and the orientation transform
 *   jpeg.c         libjpeg with OpenCV's call sequence
 *   jpeg_scans.c   a JPEG's headers and scan script checked before decoding
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

/* The dimension and pixel limits, and the memory the w x h output needs;
 * SF_OK or the status of the limit hit (SF_ERR_CORRUPT for a zero side). */
int sfc_check_limits(uint64_t w, uint64_t h, const sfc_limits *lim, char *msg, size_t cap);

/* 1 when the call's time budget is spent (writes the message). */
int sfc_time_up(const sfc_limits *lim, char *msg, size_t cap);

/* Fixed caps on a file's structure (documented in the header with
 * max_ancillary_bytes): markers before the first JPEG scan, PNG chunks
 * other than IDAT, and IDAT chunks. */
#define SFC_MAX_JPEG_MARKERS 4096u
#define SFC_MAX_PNG_CHUNKS 4096u
#define SFC_MAX_PNG_IDAT_CHUNKS (1u << 20)
/* Progressive JPEG work (in coefficient blocks visited by scans) that is
 * always allowed, whatever max_jpeg_passes says: 2^20 blocks, e.g. 64
 * passes over a 1024x1024 gray image, a fraction of a second at worst.
 * Small images with long (legal) scan scripts stay decodable; the budget
 * bites on the large images where passes cost seconds. */
#define SFC_JPEG_WORK_FLOOR (1ull << 20)
/* The work budget of a progressive JPEG whose one pass is `pass_blocks`. */
static inline uint64_t sfc_jpeg_work_budget(uint64_t pass_blocks, uint32_t max_passes) {
    const uint64_t w = pass_blocks * max_passes;
    return w > SFC_JPEG_WORK_FLOOR ? w : SFC_JPEG_WORK_FLOOR;
}
/* Images up to this many pixels are never refused by max_pixels_per_byte. */
#define SFC_DENSITY_FREE_PIXELS (1ull << 22)
/* Compressed image data a PNG may still hold after its last row. */
#define SFC_MAX_PNG_TRAILING_IDAT 65536u

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

/* jpeg_scans.c: OpenCV reads every segment libjpeg saves, so the APPn/COM
 * segments before the first scan must fit in max_ancillary_bytes and the
 * markers in SFC_MAX_JPEG_MARKERS; a progressive file's scan script (all of
 * it, before decoding) must not repeat or misorder passes, nor exceed
 * max_jpeg_scans or max_jpeg_passes. SF_OK or the status of the check. */
int sfc_jpeg_check_structure(const uint8_t *d, size_t n, const sfc_limits *lim, char *msg, size_t cap);

/* The rules both checks apply (jpeg_scans.c, before decoding, and jpeg.c,
 * while decoding), written once:
 * - sfc_jpeg_progression: one scan of component `comp` over coefficients
 *   ss ... se (<= 63) with successive approximation ah/al. A first pass
 *   (ah = 0) must not repeat, a refinement must follow the last one's al;
 *   coef_bits (per coefficient, the last al, -1 = none) is updated. SF_OK or
 *   SF_ERR_CORRUPT with the message (`scan`: its number).
 * - sfc_jpeg_pass_blocks: the blocks of one pass over the whole image, as
 *   interleaved MCUs lay them out (the unit of max_jpeg_passes).
 * - sfc_jpeg_over_scans / sfc_jpeg_over_passes: the messages of the two
 *   limits; both return SF_ERR_LIMIT_SCANS. */
int sfc_jpeg_progression(signed char coef_bits[64], unsigned scan, int comp, int ss, int se, int ah, int al,
                         char *msg, size_t cap);
uint64_t sfc_jpeg_pass_blocks(uint64_t width, uint64_t height, unsigned max_h, unsigned max_v,
                              uint64_t blocks_per_mcu);
int sfc_jpeg_over_scans(const sfc_limits *lim, char *msg, size_t cap);
int sfc_jpeg_over_passes(const sfc_limits *lim, unsigned width, unsigned height, char *msg, size_t cap);

int sfc_decode_jpeg(const uint8_t *data, size_t size, const sfc_limits *lim, sfc_image *out, char *msg, size_t cap);
int sfc_decode_png(const uint8_t *data, size_t size, const sfc_limits *lim, sfc_image *out, char *msg, size_t cap);

/* png_chunks.c: OpenCV's chunk walk before libpng (SF_OK, *ctype = IHDR's
 * colour type) and the libpng 1.6.58 chunk rules (*copy: a patched copy of
 * the data to hand libpng, or NULL). */
int sfc_png_precheck(const uint8_t *d, size_t n, int *ctype, char *msg, size_t cap);

/* What the chunk walk of png_libpng_compat found (up to the first IEND). */
struct sfc_png_layout {
    size_t idat_end;          /* offset just past the last IDAT chunk */
    uint64_t ancillary_bytes; /* total length of ancillary chunks */
};
int sfc_png_libpng_compat(const uint8_t *d, size_t n, int ctype, const sfc_limits *lim, uint8_t **copy,
                          struct sfc_png_layout *layout, char *msg, size_t cap);

#endif
