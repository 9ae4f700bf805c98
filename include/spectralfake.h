/*
 * spectralfake.h - libspectralfake, spectral fake-face detection.
 *
 * This header is the documentation of the C ABI. Everything a caller needs
 * to know (contracts, ownership, thread safety, limits) is next to the
 * declarations below.
 *
 * WHAT IT COMPUTES
 *   The features of Durall et al., "Unmasking DeepFakes with simple
 *   Features": gray image -> 2-D DFT -> shift DC to the centre ->
 *   20*ln|F + epsilon| -> azimuthal average (1-pixel rings, centre
 *   ((W-1)/2, (H-1)/2), first and last ring dropped) -> cubic not-a-knot
 *   interpolation onto N points -> normalisation. The numbers match the
 *   published numpy/OpenCV/SciPy pipeline (docs/features.md gives the
 *   tolerances), and images decode bit-identically to
 *   cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE) (docs/decoding.md).
 *
 * CONVENTIONS
 *   - Every fallible function returns an sf_status (SF_OK = 0). Its last
 *     parameter is an optional `sf_error *err` (may be NULL): on failure it
 *     receives the status and a message naming what failed (the file, the
 *     limit and the value seen). On success err->status is SF_OK and
 *     err->message is "". The error struct is owned by the caller, so
 *     messages are safe to read from any thread.
 *   - Output arrays are allocated by the caller. A function that writes a
 *     variable number of values takes the capacity of the buffer and a
 *     `size_t *count`; if the buffer is NULL or too small it returns
 *     SF_ERR_BUFFER_TOO_SMALL and stores the needed count in *count.
 *   - Handles (sf_context, sf_image, sf_model) are opaque. Each function
 *     named _new, _load or _decode that succeeds gives a handle the caller
 *     frees with the matching _free function. Passing a handle that was freed or never created makes
 *     a function return SF_ERR_INVALID_ARGUMENT (live handles are tracked, so
 *     double frees are ignored); this cannot catch a freed address that has
 *     since been reused by a new handle.
 *   - Structs that may grow (sf_settings, sf_limits) start with a
 *     `struct_size` member: initialise them with the matching *_init
 *     function, which records sizeof() as your program was compiled, so a
 *     newer library reads only the fields your program knows.
 *   - Only sf_* symbols are exported (symbol version SPECTRALFAKE_1).
 *   - Every enum has a name function and a lookup: sf_X_name(value) gives
 *     the value's name as a static string (NULL for a value the enum does
 *     not have), sf_X_from_name(name, &value, err) the reverse. Names are
 *     the constant's suffix in lower case with '-' for '_' (SF_CROP_CENTER_THIRD
 *     is "center-third"), as model files and the command line spell them;
 *     statuses are named by their C identifier ("SF_ERR_TRUNCATED").
 *
 * THREAD SAFETY
 *   All functions may be called from any number of threads at once. Handles
 *   are immutable after creation and may be shared between threads; do not
 *   free a handle while another thread is still using it. The library keeps
 *   no mutable global state besides internal caches (FFT plans and radial
 *   bin maps per image size), which are locked. On first use it calls
 *   fftw_make_planner_thread_safe() of the process's FFTW.
 *
 * LIMITS (sf_limits)
 *   The struct also carries the FFT planning policy (sf_fft_planning).
 *   Untrusted input is bounded by: max_pixels (default 2^26 = 67,108,864),
 *   max_width and max_height (default 32768 each), max_jpeg_scans (default
 *   100 scans of a progressive JPEG), max_jpeg_passes (default 10 passes of
 *   progressive work), max_input_bytes (default 256 MiB per encoded image),
 *   max_ancillary_bytes (default 16 MiB of metadata), max_decode_memory
 *   (default 1 GiB), max_milliseconds (default none), max_pixels_per_byte
 *   (default 1024, for images over 4 MP) and max_model_bytes (default 64
 *   MiB per model file). A 0 disables a limit. Each limit has
 *   its own status code, and its message gives the limit's name, its value
 *   and the value seen.
 *
 * COST OF A CALL
 *   At the default limits, no input costs more than a genuine image of the
 *   size it declares: decoding does work proportional to the pixels (a
 *   progressive JPEG's whole scan script is checked before decoding: no
 *   repeated or misordered pass, at most max_jpeg_passes passes of work), a
 *   PNG's zlib stream is not read past the image data (more than 64 KiB
 *   left is SF_ERR_CORRUPT), metadata is skipped unread or bounded by
 *   max_ancillary_bytes, a constant image is reported before the FFT, and
 *   every buffer whose size comes from the input is allocated on a checked
 *   path (failure is SF_ERR_OUT_OF_MEMORY with the size asked, never an
 *   abort, under any address-space limit). Memory of one features call:
 *   the encoded file when read from a path (up to max_input_bytes), the
 *   decoder's working memory (a progressive JPEG keeps its coefficients: 3
 *   bytes a pixel for 4:2:0 colour, up to 8 for CMYK; bounded by
 *   max_decode_memory), then the pixels (1 byte each), the FFT buffer (8
 *   bytes a pixel) and the ring map (2 bytes a pixel). Measured peaks of a
 *   whole process: about 140 MB for a 12 MP photo, 733 MB for the largest
 *   image the defaults allow (8192 x 8192, baseline or progressive JPEG or
 *   PNG; 2.4 to 3.8 s), and such a call needs a file of at least 64 KiB
 *   (max_pixels_per_byte): a small file cannot declare a huge image. Lower
 *   max_pixels to serve many calls at once. Between calls the library
 *   keeps FFT buffers of images up to about 8 megapixels (128 MiB at
 *   most) and ring maps of images up to about 16 megapixels (64 MiB at
 *   most); sf_trim_caches releases them.
 *
 * TRUNCATED AND CORRUPT DATA
 *   A JPEG whose data ends before its last scan is read is rejected with
 *   SF_ERR_TRUNCATED, exactly where cv2.imdecode returns None (cv2.imread
 *   would instead return an image padded with gray). A JPEG whose entropy
 *   data is corrupt but complete decodes as libjpeg and OpenCV decode it,
 *   with the number of libjpeg warnings available (sf_image_warnings). A PNG
 *   with any truncation, a bad IDAT CRC or a zlib error is rejected
 *   (SF_ERR_TRUNCATED or SF_ERR_CORRUPT), as cv2 rejects it.
 *
 * FORMATS
 *   JPEG: baseline, progressive, arithmetic, all subsamplings, restart
 *   markers, gray, RGB, and CMYK/YCCK (converted with OpenCV's formula);
 *   EXIF orientation is applied. 12-bit and lossless (SOF3) JPEGs give
 *   SF_ERR_UNSUPPORTED. PNG: 1/2/4/8/16-bit gray, gray+alpha, RGB, RGBA,
 *   palette, interlaced, eXIf orientation; alpha is dropped, never composited.
 *   Other formats give SF_ERR_UNSUPPORTED (when recognised: GIF, BMP, WebP,
 *   TIFF, HEIF, ...) or SF_ERR_UNKNOWN_FORMAT.
 */
#ifndef SPECTRALFAKE_H
#define SPECTRALFAKE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef SF_API
#define SF_API extern
#endif

/* ------------------------------------------------------------ versions */

#define SF_VERSION_MAJOR 1
#define SF_VERSION_MINOR 3
#define SF_VERSION_PATCH 0
#define SF_VERSION_NUMBER (SF_VERSION_MAJOR * 10000 + SF_VERSION_MINOR * 100 + SF_VERSION_PATCH)
#define SF_VERSION_STRING "1.3.0"

/* The run-time version as MAJOR*10000 + MINOR*100 + PATCH; compare it with
 * SF_VERSION_NUMBER to detect a library older than your headers. */
SF_API unsigned sf_version_number(void);

/* The run-time version as "MAJOR.MINOR.PATCH". Static string, never freed. */
SF_API const char *sf_version_string(void);

/* ------------------------------------------------------------- statuses */

typedef enum sf_status {
    SF_OK = 0,
    SF_ERR_INVALID_ARGUMENT = 1, /* NULL pointer, unknown enum value, bad struct_size, dead handle */
    SF_ERR_BUFFER_TOO_SMALL = 2, /* *count holds the needed number of values */
    SF_ERR_IO = 3,               /* cannot open or read the file (missing, directory, FIFO, ...) */
    SF_ERR_UNKNOWN_FORMAT = 4,   /* neither JPEG nor PNG */
    SF_ERR_UNSUPPORTED = 5,      /* recognised but not decodable (GIF, 12-bit JPEG, ...) */
    SF_ERR_CORRUPT = 6,          /* the codec rejected the data */
    SF_ERR_TRUNCATED = 7,        /* the data ends before the image does */
    SF_ERR_LIMIT_PIXELS = 8,     /* width*height over sf_limits.max_pixels */
    SF_ERR_LIMIT_DIMENSION = 9,  /* a side over sf_limits.max_width / max_height */
    SF_ERR_LIMIT_SCANS = 10,     /* progressive JPEG over sf_limits.max_jpeg_scans */
    SF_ERR_LIMIT_INPUT_SIZE = 11,/* encoded input over sf_limits.max_input_bytes */
    SF_ERR_IMAGE_TOO_SMALL = 12, /* fewer than 4 profile values (smaller than about 9x9 after cropping) */
    SF_ERR_CONSTANT_IMAGE = 13,  /* every pixel equal: the spectrum has no structure */
    SF_ERR_NON_FINITE = 14,      /* a feature, decision or probability would be NaN or infinite
                                    (such values are never handed back) */
    SF_ERR_OUT_OF_MEMORY = 15,
    SF_ERR_MODEL_INVALID = 16,   /* malformed model file: the message names the field and the reason */
    SF_ERR_MODEL_VERSION = 17,   /* model written by a newer, unknown format version */
    SF_ERR_FEATURE_MISMATCH = 18,/* feature vector length differs from the model's */
    SF_ERR_LIMIT_MODEL_SIZE = 19,/* model file over sf_limits.max_model_bytes */
    SF_ERR_EMPTY_INPUT = 20,     /* zero bytes */
    SF_ERR_BATCH_PARTIAL = 21,   /* a batch ran but some items failed (see the per-item errors) */
    SF_ERR_LIMIT_TIME = 22,      /* the call ran over sf_limits.max_milliseconds (since 1.3) */
    SF_ERR_LIMIT_MEMORY = 23,    /* decoding needs more than sf_limits.max_decode_memory (since 1.3) */
    SF_ERR_LIMIT_ANCILLARY = 24, /* metadata over sf_limits.max_ancillary_bytes, or a file with more
                                    markers or chunks than the fixed caps (since 1.3) */
    SF_ERR_INTERNAL = 99
} sf_status;

/* "SF_OK", "SF_ERR_TRUNCATED", ... Static string; "SF_ERR_UNKNOWN_STATUS" for
 * values not listed above. */
SF_API const char *sf_status_name(int status);

/* A one-line static description of a status ("image data ends early"). */
SF_API const char *sf_status_summary(int status);

#define SF_MESSAGE_MAX 512

/* Filled by every fallible function when not NULL. Layout frozen. */
typedef struct sf_error {
    int status;                    /* an sf_status */
    char message[SF_MESSAGE_MAX];  /* NUL-terminated, UTF-8, truncated to fit */
} sf_error;

/* The status named "SF_ERR_TRUNCATED" etc. into *status (since 1.1). */
SF_API sf_status sf_status_from_name(const char *name, int *status, sf_error *err);

/* ------------------------------------------------------------- settings */

typedef enum sf_preset {
    SF_PRESET_CELEBA = 0,   /* default: N = 80, divided by the first value */
    SF_PRESET_FACES_HQ = 1, /* raw azimuthal profile: no interpolation, no normalisation */
    SF_PRESET_FFPP = 2,     /* middle-third crop, N = 300, divided by the first value */
    SF_PRESET_UPCONV = 3,   /* N = 88, min-max normalisation */
    /* Since 1.2, the built-in model's features: the centred square of the
     * image resampled to 128x128 by area averaging (in double precision),
     * then the celeba, ffpp, upconv and raw-profile (faces-hq) features of
     * that square concatenated, 80 + 300 + 88 + 88 = 556 values. Its fields
     * other than epsilon cannot be overridden (docs/features.md). */
    SF_PRESET_COMBO128 = 4
} sf_preset;

typedef enum sf_center {
    SF_CENTER_REFERENCE = 0, /* ((W-1)/2, (H-1)/2), as the published radialProfile.py */
    SF_CENTER_DC = 1         /* the DC term after fftshift, (W/2, H/2) in integer division */
} sf_center;

typedef enum sf_normalize {
    SF_NORMALIZE_FIRST = 0,  /* divide by the first value */
    SF_NORMALIZE_NONE = 1,
    SF_NORMALIZE_MINMAX = 2  /* (x - min) / (max - min) */
} sf_normalize;

typedef enum sf_crop {
    SF_CROP_NONE = 0,
    SF_CROP_CENTER_THIRD = 1 /* img[h/3 : h - h/3, w/3 : w - w/3] */
} sf_crop;

/* The names of these enums (since 1.1): "reference"/"dc", "first"/"none"/
 * "minmax", "none"/"center-third". NULL for an unknown value. */
SF_API const char *sf_center_name(int center);
SF_API sf_status sf_center_from_name(const char *name, int *center, sf_error *err);
SF_API const char *sf_normalize_name(int normalize);
SF_API sf_status sf_normalize_from_name(const char *name, int *normalize, sf_error *err);
SF_API const char *sf_crop_name(int crop);
SF_API sf_status sf_crop_from_name(const char *name, int *crop, sf_error *err);

/* Feature settings. Initialise with sf_settings_init, then override fields. */
typedef struct sf_settings {
    size_t struct_size;  /* set by sf_settings_init */
    int32_t preset;      /* sf_preset the settings started from (informative) */
    int32_t interpolate; /* 1: cubic interpolation onto n points; 0: raw profile */
    int64_t n;           /* number of interpolated points, 1 .. 1048576 when
                            interpolating; ignored (0 .. 1048576) when not:
                            setting n does not turn interpolation on */
    double epsilon;      /* added to the real part of each DFT coefficient, 0 ... 1e100 */
    int32_t center;      /* sf_center */
    int32_t normalize;   /* sf_normalize */
    int32_t crop;        /* sf_crop */
    int32_t reserved0;   /* must be 0 */
} sf_settings;

/* Fills *settings with a preset and sets settings->struct_size to
 * struct_size (pass sizeof(sf_settings)). Fails on an unknown preset or a
 * struct_size smaller than the first version of the struct. */
SF_API sf_status sf_settings_init(sf_settings *settings, size_t struct_size, int preset, sf_error *err);

/* Parses a preset name ("celeba", "faces-hq", "ffpp", "upconv", "combo128") into *preset. */
SF_API sf_status sf_preset_from_name(const char *name, int *preset, sf_error *err);

/* The name of a preset, or NULL for an unknown value. Static string. */
SF_API const char *sf_preset_name(int preset);

/* --------------------------------------------------------------- limits */

/* How FFT plans are made. The plans differ only in speed: their results
 * agree to about 1e-16 relative, far inside every stated tolerance, but are
 * not always bit-identical. */
typedef enum sf_fft_planning {
    /* Default. The FFTW_MEASURE plan of the wisdom file when it holds this
     * size (see FFTW WISDOM below: a lookup, from the first image); else
     * FFTW_ESTIMATE for the first 7 transforms of the size in the process,
     * then a FFTW_MEASURE plan (made once, about 0.3 s at 1024x1024, by the
     * call that reaches the 8th use, which then goes to the wisdom file;
     * other threads meanwhile go on with the first plan). */
    SF_FFT_PLANNING_AUTO = 0,
    /* Always FFTW_ESTIMATE: no planning pause, bit-reproducible results
     * across runs and threads, about 2x slower transforms at 1024x1024. */
    SF_FFT_PLANNING_ESTIMATE = 1,
    /* FFTW_MEASURE from the first use of each size (waits for the plan;
     * from the wisdom file when it holds the size). */
    SF_FFT_PLANNING_MEASURE = 2
} sf_fft_planning;

typedef struct sf_limits {
    size_t struct_size;       /* set by sf_limits_init */
    uint64_t max_pixels;      /* default 67108864; 0 = unlimited */
    uint32_t max_width;       /* default 32768; 0 = unlimited (sides of 2^24 and more are always
                                 refused, with SF_ERR_LIMIT_DIMENSION, for the ring map) */
    uint32_t max_height;      /* default 32768; 0 = unlimited */
    uint32_t max_jpeg_scans;  /* default 100; 0 = unlimited */
    int32_t fft_planning;     /* sf_fft_planning, default SF_FFT_PLANNING_AUTO */
    uint64_t max_input_bytes; /* default 268435456 (256 MiB); 0 = unlimited */
    uint64_t max_model_bytes; /* default 67108864 (64 MiB); 0 = unlimited */
    /* since 1.3 (a program built against 1.0-1.2 gets the defaults): */
    uint64_t max_ancillary_bytes; /* metadata a file may carry: JPEG APPn/COM segments before the first
                                     scan, PNG ancillary chunks; default 16777216 (16 MiB); 0 = unlimited.
                                     Independent of it: at most 4096 markers before the first JPEG scan,
                                     4096 PNG chunks besides IDAT and 1048576 IDAT chunks. Text chunks
                                     and other metadata the features do not use are skipped unread. */
    uint64_t max_decode_memory;   /* bytes the decoder may allocate for one image (the pixels and
                                     libjpeg's buffers, e.g. a progressive JPEG's coefficients);
                                     default 1073741824 (1 GiB); 0 = unlimited */
    uint32_t max_milliseconds;    /* wall-clock budget of one call (decode and features), checked
                                     between decode passes and pipeline stages; default 0 = none */
    uint32_t max_jpeg_passes;     /* progressive JPEG work, in passes over all of the image's
                                     coefficient blocks (a standard progressive file needs 5 or 6);
                                     default 10; 0 = unlimited. Work up to 2^20 blocks (64 passes of
                                     a 1024x1024 gray image) is always allowed, so small images with
                                     long legal scan scripts still decode. Scans that repeat a first
                                     pass of a coefficient are always refused. */
    uint32_t max_pixels_per_byte; /* an encoded image of more than 2^22 pixels (4 MP) must have at
                                     least one byte per this many pixels; default 1024; 0 = unlimited.
                                     Genuine photos have 1 to 30 pixels per byte (a flat synthetic
                                     image a few hundred); a file far smaller than its declared image
                                     (a 138-byte JPEG of 8192x8192) would decode mostly from nothing and
                                     cost a full decode and FFT. SF_ERR_LIMIT_PIXELS. Since 1.3. */
    uint32_t reserved1;           /* 0 */
} sf_limits;

/* Fills *limits with the defaults and sets limits->struct_size. */
SF_API sf_status sf_limits_init(sf_limits *limits, size_t struct_size, sf_error *err);

/* "auto", "estimate", "measure" (since 1.1). */
SF_API const char *sf_fft_planning_name(int planning);
SF_API sf_status sf_fft_planning_from_name(const char *name, int *planning, sf_error *err);

/* Releases the memory the library keeps between calls (since 1.3): cached
 * FFT plans, pooled FFT work buffers, radial bin maps and spline plans,
 * then returns free heap pages to the system (malloc_trim). What is kept is
 * bounded anyway (buffers of images up to about 8 megapixels, 128 MiB at
 * most; maps up to about 16 megapixels, 64 MiB at most; spline plans 4 MiB
 * at most; larger ones are freed when their call ends); call this after a
 * burst of work in a long-lived process. Thread-safe: calls running
 * meanwhile keep what they use, later calls rebuild what they need. */
SF_API void sf_trim_caches(void);

/* FFTW WISDOM (since 1.3). MEASURE plans (sf_fft_planning) cost 0.1-0.4 s
 * per image size and vary from process to process. The library keeps
 * FFTW's wisdom (the plans it measured) in a per-user cache file,
 * $XDG_CACHE_HOME/spectralfake/fftw-wisdom-<FFTW version>-<CPU> (or
 * ~/.cache/...): read when MEASURE plans are wanted (only a regular file
 * of at most 16 MiB, read without blocking), rewritten atomically (merged
 * with the file's current content, a fresh temporary file renamed over the
 * old) after a new size was measured; a missing, stale or corrupt file is
 * ignored. With it, the default "auto" policy uses measured plans from the
 * first image of a size it has seen before (a lookup of a few
 * milliseconds) and every process uses the same plans; without it, "auto"
 * measures a size at its 8th image. A newly measured plan (images up to 4
 * MP) is kept only if an interleaved timing finds it no slower than 1.5x
 * the ESTIMATE plan (a measurement spoiled by a busy machine); otherwise
 * that size stays with ESTIMATE plans in the process, "measure" included,
 * and nothing is saved. ESTIMATE plans never use the library's wisdom
 * ("estimate" stays bit-reproducible) - but FFTW's wisdom is per process:
 * if the host program links the same libfftw3 and imports wisdom itself,
 * ESTIMATE plans may use it, and the library forgets all wisdom after each
 * MEASURE planning. The environment variable SPECTRALFAKE_FFT_WISDOM names
 * another file (a relative path is taken against the working directory),
 * or turns the cache off with "off" ("0", "no", "none", "false" and an
 * empty value too). */

/* Sets the wisdom file for the process: a path (bytes, as the file system
 * has them; a relative one is taken against the working directory now),
 * NULL (no persistence) or "" (the default above). Thread-safe; applies to
 * plans made afterwards. */
SF_API sf_status sf_fft_wisdom_set(const char *path, sf_error *err);

/* The wisdom file in use, absolute ("" when off). Buffer protocol as
 * sf_model_class_label. */
SF_API sf_status sf_fft_wisdom_path(char *buffer, size_t capacity, size_t *length, sf_error *err);

/* -------------------------------------------------------------- context */

/* Feature settings plus limits. Immutable; share it between threads. */
typedef struct sf_context sf_context;

/* Creates a context. settings NULL = the celeba preset; limits NULL = the
 * defaults. The settings are validated here (n range, epsilon finite, enum
 * values), so feature calls fail only because of their input. */
SF_API sf_status sf_context_new(const sf_settings *settings, const sf_limits *limits,
                                sf_context **out, sf_error *err);

/* Frees a context (NULL is ignored). */
SF_API void sf_context_free(sf_context *ctx);

/* Copies the context's settings into *settings (whose struct_size must be
 * set, e.g. by sf_settings_init). */
SF_API sf_status sf_context_settings(const sf_context *ctx, sf_settings *settings, sf_error *err);

/* Number of features the context produces for a width x height image: n
 * when interpolating, else the raw profile length of that size. */
SF_API sf_status sf_context_feature_count(const sf_context *ctx, uint32_t width, uint32_t height,
                                          size_t *count, sf_error *err);

/* --------------------------------------------------------------- images */

typedef enum sf_pixel_format {
    SF_PIXEL_GRAY8 = 0,
    SF_PIXEL_RGB8 = 1,  /* converted with cv2.cvtColor(COLOR_RGB2GRAY) arithmetic */
    SF_PIXEL_BGR8 = 2,  /* cv2.cvtColor(COLOR_BGR2GRAY) */
    SF_PIXEL_RGBA8 = 3, /* alpha ignored */
    SF_PIXEL_BGRA8 = 4  /* alpha ignored */
} sf_pixel_format;

/* "gray8", "rgb8", "bgr8", "rgba8", "bgra8" (since 1.1). */
SF_API const char *sf_pixel_format_name(int format);
SF_API sf_status sf_pixel_format_from_name(const char *name, int *format, sf_error *err);

/* A decoded 8-bit gray image. Immutable. */
typedef struct sf_image sf_image;

/* Reads and decodes a JPEG or PNG file. ctx supplies the limits (NULL = the
 * defaults). Directories, FIFOs and devices are refused with SF_ERR_IO. */
SF_API sf_status sf_image_decode_file(const sf_context *ctx, const char *path, sf_image **out, sf_error *err);

/* Decodes a JPEG or PNG held in memory (the buffer is not retained). */
SF_API sf_status sf_image_decode_memory(const sf_context *ctx, const void *data, size_t size,
                                        sf_image **out, sf_error *err);

/* Converts a caller's pixel buffer to gray (the buffer is not retained).
 * stride is the distance between rows in bytes (>= width * bytes per pixel);
 * size is the buffer size in bytes (at least (height-1)*stride + width*bpp). */
SF_API sf_status sf_image_from_pixels(const sf_context *ctx, const void *pixels, size_t size,
                                      uint32_t width, uint32_t height, size_t stride, int format,
                                      sf_image **out, sf_error *err);

SF_API void sf_image_free(sf_image *image);

/* Width and height after EXIF orientation; 0 for an invalid handle. */
SF_API uint32_t sf_image_width(const sf_image *image);
SF_API uint32_t sf_image_height(const sf_image *image);

/* The width*height gray pixels, row-major, no padding. Owned by the image,
 * valid until sf_image_free. NULL for an invalid handle. */
SF_API const uint8_t *sf_image_pixels(const sf_image *image);

/* Libjpeg warnings seen while decoding (corrupt but complete entropy data);
 * 0 for PNG and clean JPEGs. */
SF_API uint32_t sf_image_warnings(const sf_image *image);

/* Where an image came from (since 1.2). */
typedef enum sf_image_format {
    SF_IMAGE_FORMAT_NONE = 0,  /* a caller's pixel buffer */
    SF_IMAGE_FORMAT_JPEG = 1,
    SF_IMAGE_FORMAT_PNG = 2
} sf_image_format;

/* JPEG chroma subsampling (since 1.2). */
typedef enum sf_subsampling {
    SF_SUBSAMPLING_NONE = 0,   /* not a colour JPEG */
    SF_SUBSAMPLING_444 = 1,
    SF_SUBSAMPLING_422 = 2,
    SF_SUBSAMPLING_420 = 3,
    SF_SUBSAMPLING_411 = 4,
    SF_SUBSAMPLING_440 = 5,
    SF_SUBSAMPLING_OTHER = 6
} sf_subsampling;

/* "none", "jpeg", "png" and "none", "444", "422", "420", "411", "440", "other". */
SF_API const char *sf_image_format_name(int format);
SF_API sf_status sf_image_format_from_name(const char *name, int *format, sf_error *err);
SF_API const char *sf_subsampling_name(int subsampling);
SF_API sf_status sf_subsampling_from_name(const char *name, int *subsampling, sf_error *err);

/* What a decoded file says about itself: the scope of a verdict (reported,
 * never fed to a classifier). Growable: set struct_size = sizeof(sf_image_info). */
typedef struct sf_image_info {
    size_t struct_size;
    uint32_t width;              /* after EXIF orientation */
    uint32_t height;
    int32_t format;              /* sf_image_format */
    int32_t orientation;         /* EXIF orientation applied, 1 = none */
    int32_t components;          /* in the file: 1 gray, 2 gray + alpha, 3 colour, 4 colour + alpha or CMYK */
    int32_t bit_depth;           /* bits per sample in the file */
    int32_t jpeg_quality;        /* IJG quality 1..100 of the luminance table (nearest), 0 if not JPEG */
    int32_t jpeg_quality_exact;  /* 1 if the table is exactly IJG's at that quality */
    int32_t subsampling;         /* sf_subsampling */
    int32_t progressive;         /* progressive JPEG or interlaced PNG */
    int32_t arithmetic;          /* arithmetic-coded JPEG */
    uint32_t warnings;           /* as sf_image_warnings */
} sf_image_info;

/* Fills *info (whose struct_size must be set) for an image (since 1.2). */
SF_API sf_status sf_image_get_info(const sf_image *image, sf_image_info *info, sf_error *err);

/* The upscale test of the SF_NOTE_UPSCALED note (since 1.2): *score > 1
 * means the image looks enlarged from a smaller one (docs/default-model.md
 * gives the five statistics and what they detect: reliable for 2x and more
 * when saved losslessly or at JPEG q95, weak after stronger compression).
 * *score is 0 for an image with a side under 64 pixels or a constant
 * centre, which the test does not assess. */
SF_API sf_status sf_image_upscale_score(const sf_image *image, double *score, sf_error *err);

/* ------------------------------------------------------------- features */

/* Computes the features of one image into out[0 .. *count). capacity is the
 * number of doubles out can hold; *count receives the number written (or
 * needed, with SF_ERR_BUFFER_TOO_SMALL). Features are always finite. */
SF_API sf_status sf_features_file(const sf_context *ctx, const char *path,
                                  double *out, size_t capacity, size_t *count, sf_error *err);
SF_API sf_status sf_features_memory(const sf_context *ctx, const void *data, size_t size,
                                    double *out, size_t capacity, size_t *count, sf_error *err);
SF_API sf_status sf_features_pixels(const sf_context *ctx, const void *pixels, size_t size,
                                    uint32_t width, uint32_t height, size_t stride, int format,
                                    double *out, size_t capacity, size_t *count, sf_error *err);
SF_API sf_status sf_features_image(const sf_context *ctx, const sf_image *image,
                                   double *out, size_t capacity, size_t *count, sf_error *err);

/* Computes the features of `count` files on `threads` native threads (0 =
 * one per CPU; never more than `count` or 256). Row i of out (out + i * row_capacity) receives the features
 * of paths[i]; row_counts[i] (optional) the number written. A row that
 * failed is filled with zeros and its error goes to item_errors[i]
 * (optional array of `count` entries). *failed (optional) receives the
 * number of failed items. Returns SF_OK when all succeeded,
 * SF_ERR_BATCH_PARTIAL when some failed (err names the first), or another
 * status when the call itself is invalid. */
SF_API sf_status sf_features_batch(const sf_context *ctx, const char *const *paths, size_t count,
                                   unsigned threads, double *out, size_t row_capacity,
                                   size_t *row_counts, sf_error *item_errors, size_t *failed,
                                   sf_error *err);

/* sf_features_batch over `count` encoded images in memory (since 1.3):
 * item i is the JPEG or PNG of sizes[i] bytes at data[i] (a NULL data[i]
 * or a zero size is that item's error). Rows, row_counts, item_errors,
 * *failed and the return value as sf_features_batch; item messages carry
 * no path. The buffers are only read, and only during the call. Meant for
 * engines that hold many small files in memory (one call per partition,
 * e.g. spectralfake.spark) instead of one call per image. */
SF_API sf_status sf_features_batch_memory(const sf_context *ctx, const void *const *data, const size_t *sizes,
                                          size_t count, unsigned threads, double *out, size_t row_capacity,
                                          size_t *row_counts, sf_error *item_errors, size_t *failed,
                                          sf_error *err);

/* --------------------------------------------------------------- models
 *
 * A model file (JSON, docs/model-format.md) holds a scikit-learn binary
 * classifier exported by `spectralfake.export` or
 * `python -m spectralfake export`, together with the feature settings it was
 * trained on, so scoring an image always computes the features the model
 * expects. Supported: SVC (linear, rbf, poly, sigmoid; probability=True),
 * LinearSVC, LogisticRegression, SGDClassifier (linear losses),
 * CalibratedClassifierCV(ensemble=False; sigmoid, isotonic, temperature),
 * each optionally after a StandardScaler or MinMaxScaler. Scores agree with
 * sklearn 1.9 to 1e-9 relative (absolute near zero; about 1e-12 measured)
 * with identical predicted labels, for models whose decision value is not a
 * cancellation of terms millions of times larger (e.g. a poly kernel on
 * unscaled features): there sklearn's own rounding exceeds 1e-9 and the
 * agreement is bounded by the size of the terms (docs/model-format.md).
 * A loaded model is immutable and may be shared by any number of threads.
 */
typedef struct sf_model sf_model;

/* Loads a model file. limits (NULL = defaults) bounds the file size
 * (max_model_bytes). A malformed file gives SF_ERR_MODEL_INVALID with the
 * member and the reason ("classifier.dual_coef: must have 212 values ...");
 * a file from a newer format version gives SF_ERR_MODEL_VERSION. */
SF_API sf_status sf_model_load_file(const sf_limits *limits, const char *path, sf_model **out, sf_error *err);

/* The model built into the library (since 1.2): trained by `make
 * default-model` on the shared face data, as docs/default-model.md
 * describes, with its verdict policy (uncertain band, scope notes,
 * out-of-distribution test). Parsed on first use; the same handle for the
 * life of the process, never freed (sf_model_free ignores it). NULL only
 * if the embedded model is broken (a build error). */
SF_API const sf_model *sf_model_default(void);

/* Loads a model from memory (the buffer is not retained). */
SF_API sf_status sf_model_load_memory(const sf_limits *limits, const void *data, size_t size,
                                      sf_model **out, sf_error *err);

SF_API void sf_model_free(sf_model *model);

/* Number of features the model takes; 0 for an invalid handle. */
SF_API size_t sf_model_feature_count(const sf_model *model);

/* The feature settings of the model (settings->struct_size must be set). */
SF_API sf_status sf_model_settings(const sf_model *model, sf_settings *settings, sf_error *err);

/* 1 if the model gives probabilities, 0 if not or for an invalid handle. */
SF_API int sf_model_has_probability(const sf_model *model);

/* Number of classes (2); 0 for an invalid handle. */
SF_API size_t sf_model_class_count(const sf_model *model);

/* The label of class `index` (sklearn's classes_[index]) as text: numbers in
 * shortest form ("0", "1"; the float 1.0 reads "1"), strings as they are,
 * booleans "true"/"false". Writes at most `capacity` bytes including the
 * NUL; *length (optional) receives the length without the NUL.
 * SF_ERR_BUFFER_TOO_SMALL if it does not fit. */
SF_API sf_status sf_model_class_label(const sf_model *model, size_t index, char *buffer, size_t capacity,
                                      size_t *length, sf_error *err);

/* What a class label is (since 1.1): sklearn's classes_ may hold integers,
 * floats, strings or booleans. */
typedef enum sf_value_kind {
    SF_VALUE_KIND_INTEGER = 0, /* written without fraction or exponent, fits in int64_t */
    SF_VALUE_KIND_FLOAT = 1,   /* any other number (1.0, 0.5, 1e23) */
    SF_VALUE_KIND_STRING = 2,  /* read it with sf_model_class_label */
    SF_VALUE_KIND_BOOL = 3
} sf_value_kind;

/* "integer", "float", "string", "bool" (since 1.1). */
SF_API const char *sf_value_kind_name(int kind);
SF_API sf_status sf_value_kind_from_name(const char *name, int *kind, sf_error *err);

/* The typed value of class `index` (since 1.1): *kind receives an
 * sf_value_kind; *integer (optional) the value of an integer (0/1 for a
 * bool, 0 otherwise); *number (optional) the value as a double (0 for a
 * string). */
SF_API sf_status sf_model_class_value(const sf_model *model, size_t index, int *kind, int64_t *integer,
                                      double *number, sf_error *err);

/* The free "metadata" member of the model file as JSON text ("null" when
 * absent; since 1.1): since 1.3 the member's text exactly as the file has
 * it (validated while loading, never re-parsed; 1.1 and 1.2 re-serialised
 * it). Buffer protocol as sf_model_class_label. */
SF_API sf_status sf_model_metadata_json(const sf_model *model, char *buffer, size_t capacity, size_t *length,
                                        sf_error *err);

/* Index (0 or 1) of the class that means "fake"; -1 for an invalid handle. */
SF_API int sf_model_fake_class(const sf_model *model);

/* A short description of the classifier, e.g. "svc(rbf)" or
 * "calibrated-sigmoid(linear-svc)". Owned by the model; NULL for an invalid
 * handle. */
SF_API const char *sf_model_classifier(const sf_model *model);

typedef enum sf_label {
    SF_LABEL_REAL = 0,
    SF_LABEL_FAKE = 1
} sf_label;

/* "real", "fake" (since 1.1). */
SF_API const char *sf_label_name(int label);
SF_API sf_status sf_label_from_name(const char *name, int *label, sf_error *err);

/* The score of one input. Initialise with sf_score_init. */
/* What the library answers about an image (since 1.2). A verdict follows
 * the model's verdict policy (the model file's "verdict" member; for a model
 * without one: fake iff P(fake) >= 0.5, or the predicted label): uncertain
 * when P(fake) falls in the model's uncertain band, or when a note below
 * that makes a verdict uncertain applies. */
typedef enum sf_verdict {
    SF_VERDICT_REAL = 0,
    SF_VERDICT_FAKE = 1,
    SF_VERDICT_UNCERTAIN = 2
} sf_verdict;

/* "real", "fake", "uncertain". */
SF_API const char *sf_verdict_name(int verdict);
SF_API sf_status sf_verdict_from_name(const char *name, int *verdict, sf_error *err);

/* Why an input is outside a model's scope (since 1.2; bit flags of
 * sf_score.notes). The tests are documented in docs/default-model.md. */
typedef enum sf_note {
    SF_NOTE_SMALL = 1,            /* smaller than the model's training size: makes the verdict uncertain */
    SF_NOTE_UPSCALED = 2,         /* enlarged from a smaller image: makes it uncertain */
    SF_NOTE_RECOMPRESSED = 4,     /* JPEG compressed harder than anything in training: makes it uncertain */
    SF_NOTE_GRAYSCALE = 8,        /* a grayscale file (informative) */
    SF_NOTE_NON_SQUARE = 16,      /* very non-square: only the centred square is seen (informative) */
    SF_NOTE_UNLIKE_TRAINING = 32  /* features far from every training source: makes it uncertain */
} sf_note;

/* "small", "upscaled", "recompressed", "grayscale", "non-square",
 * "unlike-training" (one bit at a time). */
SF_API const char *sf_note_name(int note);
SF_API sf_status sf_note_from_name(const char *name, int *note, sf_error *err);

/* A one-line description of a note ("smaller than the model's training
 * size"); NULL for a value that is not one note. Static string. */
SF_API const char *sf_note_summary(int note);

typedef struct sf_score {
    size_t struct_size;      /* set by sf_score_init */
    double decision;         /* sklearn's decision_function; for a calibrated
                                model (which has none) the base estimator's */
    double probability_fake; /* P(fake) if has_probability, else 0 */
    int32_t label;           /* sf_label of the predicted class */
    int32_t has_probability; /* 1 if probability_fake is set */
    int32_t class_index;     /* 0 or 1: the predicted class (sklearn's predict) */
    int32_t reserved0;
    /* since 1.2 (read and written only when struct_size covers them): */
    int32_t verdict;         /* sf_verdict under the model's verdict policy */
    uint32_t notes;          /* sf_note bits; scoring features (no image)
                                can only give SF_NOTE_UNLIKE_TRAINING */
    double ood_distance;     /* the out-of-distribution distance of the
                                features, or -1 when the model has no such test */
} sf_score;

SF_API sf_status sf_score_init(sf_score *score, size_t struct_size, sf_error *err);

/* Scores a feature vector computed with the model's settings (the model's
 * scaler is applied inside). n must equal sf_model_feature_count. */
SF_API sf_status sf_model_score_features(const sf_model *model, const double *features, size_t n,
                                         sf_score *score, sf_error *err);

/* Scores `rows` feature vectors stored row-major with `row_stride` doubles
 * between rows (row_stride >= sf_model_feature_count). */
SF_API sf_status sf_model_score_features_batch(const sf_model *model, const double *features, size_t rows,
                                               size_t row_stride, sf_score *scores, sf_error *err);

/* Computes the model's features of an image file, encoded buffer or pixel
 * buffer and scores them. limits NULL = defaults. An image whose feature
 * count differs from the model's (a raw-profile model and an image of
 * another size) gives SF_ERR_FEATURE_MISMATCH. */
SF_API sf_status sf_model_score_file(const sf_model *model, const sf_limits *limits, const char *path,
                                     sf_score *score, sf_error *err);
SF_API sf_status sf_model_score_memory(const sf_model *model, const sf_limits *limits, const void *data,
                                       size_t size, sf_score *score, sf_error *err);
SF_API sf_status sf_model_score_pixels(const sf_model *model, const sf_limits *limits, const void *pixels,
                                       size_t size, uint32_t width, uint32_t height, size_t stride, int format,
                                       sf_score *score, sf_error *err);

/* Scores `count` files on `threads` native threads (0 = one per CPU;
 * never more than `count` or 256). scores[i] (an array of `count`; each struct_size set, e.g. by
 * sf_score_init) receives the score of paths[i]; a failed item's score is
 * zeroed and its error goes to item_errors[i] (optional). Returns SF_OK,
 * SF_ERR_BATCH_PARTIAL (see *failed, optional) or an argument error. */
SF_API sf_status sf_model_score_batch(const sf_model *model, const sf_limits *limits, const char *const *paths,
                                      size_t count, unsigned threads, sf_score *scores, sf_error *item_errors,
                                      size_t *failed, sf_error *err);

/* sf_model_score_batch over `count` encoded images in memory (since 1.3):
 * item i is the JPEG or PNG of sizes[i] bytes at data[i]. Scores,
 * item_errors, *failed and the return value as sf_model_score_batch. */
SF_API sf_status sf_model_score_batch_memory(const sf_model *model, const sf_limits *limits,
                                             const void *const *data, const size_t *sizes, size_t count,
                                             unsigned threads, sf_score *scores, sf_error *item_errors,
                                             size_t *failed, sf_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SPECTRALFAKE_H */
