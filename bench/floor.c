/* floor.c - the floor of the per-image cost (decode + one FFT), measured
 * with libjpeg and FFTW directly, next to libspectralfake's stages, on the
 * same images in memory, single thread.
 *
 *   sf-floor [--wisdom FILE] [--seconds S] [--json] IMAGE...
 *
 * IMAGE...: JPEGs of one size. Floor = libjpeg gray decode (ISLOW, what
 * OpenCV does) + FFTW r2c 2-D of the image with a FFTW_MEASURE plan (made
 * once, not timed). --wisdom FILE: FFTW wisdom imported before planning and
 * exported (atomically) after, so the MEASURE plan repeats across runs; the
 * library pins its own plans through SPECTRALFAKE_FFT_WISDOM.
 *
 * Three timed blocks: the floor (libjpeg decode | u8 -> double copy into
 * the FFT input | FFTW execute), sf_features_memory (the library from the
 * same bytes), and sf_image_decode_memory | sf_features_image of that
 * decode. Half of --seconds (default 6) in passes (each block over all the
 * images, then the next block, as a run over a folder calls one pipeline;
 * the headline figures), half image by image (the three blocks on one
 * image, then the next; each finds the caches another left); in each round
 * the blocks run in one of their six orders, at least six rounds each. The
 * library runs with its default limits (default FFT planning) after 40
 * warm-up calls. Prints, in ms, the median over the images of each image's
 * best round; --json prints one JSON object. */
#define _POSIX_C_SOURCE 200809L
#include <spectralfake.h>

#include <fftw3.h>
#include <jpeglib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* median of v[0..n) (sorts v) */
static double median(double *v, size_t n) {
    qsort(v, n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static unsigned char *slurp(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    *size = n > 0 ? (size_t)n : 0;
    return buf;
}

/* plain libjpeg gray decode into out (capacity bytes); 0 on success */
static int decode(const unsigned char *data, size_t size, unsigned char *out, size_t capacity, int *w, int *h) {
    struct jpeg_decompress_struct ci;
    struct jpeg_error_mgr jerr;
    ci.err = jpeg_std_error(&jerr); /* errors exit: the bench's files are valid JPEGs */
    jpeg_create_decompress(&ci);
    jpeg_mem_src(&ci, data, (unsigned long)size);
    jpeg_read_header(&ci, TRUE);
    ci.out_color_space = JCS_GRAYSCALE;
    jpeg_start_decompress(&ci);
    *w = (int)ci.output_width;
    *h = (int)ci.output_height;
    if ((size_t)*w * (size_t)*h > capacity) {
        jpeg_destroy_decompress(&ci);
        return -1;
    }
    while (ci.output_scanline < ci.output_height) {
        JSAMPROW row = out + (size_t)ci.output_scanline * ci.output_width;
        jpeg_read_scanlines(&ci, &row, 1);
    }
    jpeg_finish_decompress(&ci);
    jpeg_destroy_decompress(&ci);
    return 0;
}

/* u8 gray (w x h) into FFTW's padded in-place r2c input (rows of 2*(w/2+1) doubles) */
static void convert(const unsigned char *restrict gray, double *restrict buf, int w, int h) {
    size_t stride = 2 * ((size_t)w / 2 + 1);
    for (int y = 0; y < h; y++) {
        const unsigned char *restrict src = gray + (size_t)y * (size_t)w;
        double *restrict dst = buf + (size_t)y * stride;
        for (int x = 0; x < w; x++) dst[x] = src[x];
    }
}

static void usage(const char *argv0) {
    fprintf(stderr, "usage: %s [--wisdom FILE] [--seconds S] [--json] IMAGE...\n", argv0);
    exit(2);
}

enum { T_DEC, T_CONV, T_FFT, T_FLOOR, T_SF, T_SFDEC, T_SFIMG, T_COUNT };
static const char *const NAMES[T_COUNT] = {"decode", "convert", "fft", "floor", "sf_memory", "sf_decode", "sf_image"};

/* what the timed blocks work on */
struct bench {
    int n;
    char **paths;
    unsigned char **data;
    size_t *sizes;
    unsigned char *gray;
    size_t capacity;
    double *buf;
    fftw_plan plan;
    sf_context *ctx;
    double *t[T_COUNT]; /* per sample (round * n + image) */
    size_t cap;
};

/* one timed block on image i, recorded as sample k; 0 on success */
static int block(struct bench *b, int which, int i, size_t k) {
    double out[80], a, c, d, e;
    size_t count;
    sf_error err;
    int w, h;
    switch (which) {
    case 0: /* the floor */
        a = now();
        decode(b->data[i], b->sizes[i], b->gray, b->capacity, &w, &h);
        c = now();
        convert(b->gray, b->buf, w, h);
        d = now();
        fftw_execute_dft_r2c(b->plan, b->buf, (fftw_complex *)b->buf);
        e = now();
        b->t[T_DEC][k] = c - a;
        b->t[T_CONV][k] = d - c;
        b->t[T_FFT][k] = e - d;
        b->t[T_FLOOR][k] = (c - a) + (e - d);
        return 0;
    case 1: /* the library from memory, one call */
        a = now();
        if (sf_features_memory(b->ctx, b->data[i], b->sizes[i], out, 80, &count, &err) != SF_OK) break;
        b->t[T_SF][k] = now() - a;
        return 0;
    default: { /* the library in two calls: decode, features of the image */
        sf_image *img = NULL;
        a = now();
        if (sf_image_decode_memory(b->ctx, b->data[i], b->sizes[i], &img, &err) != SF_OK) break;
        c = now();
        sf_features_image(b->ctx, img, out, 80, &count, &err);
        d = now();
        sf_image_free(img);
        b->t[T_SFDEC][k] = c - a;
        b->t[T_SFIMG][k] = d - c;
        return 0;
    }
    }
    fprintf(stderr, "%s: %s\n", b->paths[i], err.message);
    return -1;
}

/* Times the three blocks for `seconds` (at least six rounds), in one of
 * the six orders of the blocks per round, so that each block runs right
 * after each of the two others in three of every six rounds:
 * passes = 1: each block over all images, then the next block (as a run
 * over a folder calls one pipeline: each finds its own caches);
 * passes = 0: image by image, the three blocks on one image, then the
 * next image (each finds the caches another left).
 * m[s]: per image the best of its rounds (other work only ever adds time),
 * then the median over the images, in ms. Returns the rounds, -1 on error. */
static int run(struct bench *b, int passes, double seconds, double m[T_COUNT]) {
    static const int ORDERS[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    const int n = b->n;
    double start = now();
    int rounds = 0;
    while (rounds < 6 || now() - start < seconds) {
        size_t base = (size_t)rounds * (size_t)n;
        if (base + (size_t)n > b->cap) {
            while (base + (size_t)n > b->cap) b->cap *= 2;
            for (int s = 0; s < T_COUNT; s++) b->t[s] = realloc(b->t[s], b->cap * sizeof(double));
        }
        const int *order = ORDERS[rounds % 6];
        if (passes) {
            for (int j = 0; j < 3; j++)
                for (int i = 0; i < n; i++)
                    if (block(b, order[j], i, base + (size_t)i)) return -1;
        } else {
            for (int i = 0; i < n; i++)
                for (int j = 0; j < 3; j++)
                    if (block(b, order[j], i, base + (size_t)i)) return -1;
        }
        rounds++;
    }
    double *best = malloc((size_t)n * sizeof(double));
    for (int s = 0; s < T_COUNT; s++) {
        for (int i = 0; i < n; i++) {
            best[i] = b->t[s][i];
            for (size_t r = 1; r < (size_t)rounds; r++) {
                double v = b->t[s][r * (size_t)n + (size_t)i];
                if (v < best[i]) best[i] = v;
            }
        }
        m[s] = median(best, (size_t)n) * 1e3;
    }
    free(best);
    return rounds;
}

int main(int argc, char **argv) {
    const char *wisdom = NULL;
    double seconds = 6.0;
    int json = 0, first = 1;
    for (; first < argc && strncmp(argv[first], "--", 2) == 0; first++) {
        if (!strcmp(argv[first], "--wisdom") && first + 1 < argc) wisdom = argv[++first];
        else if (!strcmp(argv[first], "--seconds") && first + 1 < argc) seconds = atof(argv[++first]);
        else if (!strcmp(argv[first], "--json")) json = 1;
        else if (!strcmp(argv[first], "--")) { first++; break; }
        else usage(argv[0]);
    }
    int n = argc - first;
    if (n < 1) usage(argv[0]);
    char **paths = argv + first;

    unsigned char **data = calloc((size_t)n, sizeof *data);
    size_t *sizes = calloc((size_t)n, sizeof *sizes);
    for (int i = 0; i < n; i++) {
        data[i] = slurp(paths[i], &sizes[i]);
        if (!data[i]) {
            fprintf(stderr, "cannot read %s\n", paths[i]);
            return 1;
        }
    }
    size_t capacity = (size_t)1 << 26;
    unsigned char *gray = malloc(capacity);
    int w = 0, h = 0;
    for (int i = 0; i < n; i++) {
        int wi, hi;
        if (decode(data[i], sizes[i], gray, capacity, &wi, &hi) != 0) {
            fprintf(stderr, "%s: too large\n", paths[i]);
            return 1;
        }
        if (i == 0) w = wi, h = hi;
        else if (wi != w || hi != h) {
            fprintf(stderr, "%s is %dx%d, %s is %dx%d: give images of one size\n", paths[0], w, h, paths[i], wi, hi);
            return 1;
        }
    }

    /* The library first, in a fresh process (its own plans, its own wisdom). */
    sf_context *ctx = NULL;
    sf_error err;
    if (sf_context_new(NULL, NULL, &ctx, &err) != SF_OK) {
        fprintf(stderr, "sf_context_new: %s\n", err.message);
        return 1;
    }
    double out[80];
    size_t count;
    double t0 = now();
    if (sf_features_memory(ctx, data[0], sizes[0], out, 80, &count, &err) != SF_OK) {
        fprintf(stderr, "%s: %s\n", paths[0], err.message);
        return 1;
    }
    double sf_first = now() - t0;
    for (int i = 1; i < 40; i++) sf_features_memory(ctx, data[i % n], sizes[i % n], out, 80, &count, &err);

    /* The floor's plan: MEASURE, pinned by its wisdom file. */
    int imported = wisdom && fftw_import_wisdom_from_filename(wisdom);
    size_t hw = (size_t)w / 2 + 1;
    double *buf = fftw_malloc(sizeof(double) * 2 * hw * (size_t)h);
    t0 = now();
    fftw_plan plan = fftw_plan_dft_r2c_2d(h, w, buf, (fftw_complex *)buf, FFTW_MEASURE | FFTW_WISDOM_ONLY);
    int from_wisdom = plan != NULL;
    if (!plan) plan = fftw_plan_dft_r2c_2d(h, w, buf, (fftw_complex *)buf, FFTW_MEASURE);
    double plan_time = now() - t0;
    if (!plan) {
        fprintf(stderr, "FFTW planning failed\n");
        return 1;
    }
    int exported = 0;
    if (wisdom) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.%ld.tmp", wisdom, (long)getpid());
        exported = fftw_export_wisdom_to_filename(tmp) && rename(tmp, wisdom) == 0;
        if (!exported) remove(tmp);
    }
    /* FFTW's wisdom is process-wide: leave none behind for the library's
     * later plans (it imports its own file around MEASURE planning only) */
    fftw_forget_wisdom();
    for (int i = 0; i < n; i++) { /* warm the floor (decoder tables, caches) */
        decode(data[i], sizes[i], gray, capacity, &w, &h);
        convert(gray, buf, w, h);
        fftw_execute_dft_r2c(plan, buf, (fftw_complex *)buf);
    }

    struct bench b = {n, paths, data, sizes, gray, capacity, buf, plan, ctx, {0}, 4096};
    for (int s = 0; s < T_COUNT; s++) b.t[s] = malloc(b.cap * sizeof(double));
    /* half the time in passes (the headline figures), half image by image */
    double m[T_COUNT], mi[T_COUNT];
    int rounds = run(&b, 1, seconds / 2, m);
    int rounds_i = rounds < 0 ? -1 : run(&b, 0, seconds / 2, mi);
    if (rounds < 0 || rounds_i < 0) return 1;

    if (json) {
        printf("{\"width\": %d, \"height\": %d, \"images\": %d, \"rounds\": %d, ", w, h, n, rounds);
        for (int s = 0; s < T_COUNT; s++) printf("\"%s\": %.6f, ", NAMES[s], m[s]);
        printf("\"image_by_image\": {\"rounds\": %d", rounds_i);
        for (int s = 0; s < T_COUNT; s++) printf(", \"%s\": %.6f", NAMES[s], mi[s]);
        printf("}, \"sf_first\": %.6f, \"plan\": %.6f, \"wisdom_imported\": %s, \"wisdom_exported\": %s, "
               "\"plan_from_wisdom\": %s, \"fftw_version\": \"%s\", \"library\": \"%s\"}\n",
               sf_first * 1e3, plan_time * 1e3, imported ? "true" : "false", exported ? "true" : "false",
               from_wisdom ? "true" : "false", fftw_version, sf_version_string());
    } else {
        printf("%dx%d, %d images, single thread, median over the images of each one's best round\n", w, h, n);
        printf("in passes (%d rounds):\n", rounds);
        printf("  floor            %8.3f ms = libjpeg gray decode %.3f ms + FFTW r2c %.3f ms "
               "(MEASURE plan: %.1f ms, %s)\n",
               m[T_FLOOR], m[T_DEC], m[T_FFT], plan_time * 1e3,
               from_wisdom ? "from wisdom" : !wisdom ? "no wisdom file given"
               : imported ? "measured, not in the wisdom" : "measured, wisdom file not found");
        printf("  u8 -> double     %8.3f ms (not in the floor)\n", m[T_CONV]);
        printf("  library from C   %8.3f ms = %.2fx the floor (%+.3f ms): decode %.3f ms + features of the decoded "
               "image %.3f ms\n",
               m[T_SF], m[T_SF] / m[T_FLOOR], m[T_SF] - m[T_FLOOR], m[T_SFDEC], m[T_SFIMG]);
        printf("image by image (%d rounds):\n", rounds_i);
        printf("  floor            %8.3f ms = libjpeg gray decode %.3f ms + FFTW r2c %.3f ms\n", mi[T_FLOOR],
               mi[T_DEC], mi[T_FFT]);
        printf("  library from C   %8.3f ms = %.2fx the floor (%+.3f ms)\n", mi[T_SF], mi[T_SF] / mi[T_FLOOR],
               mi[T_SF] - mi[T_FLOOR]);
        printf("library's first call in this process: %.1f ms\n", sf_first * 1e3);
    }
    sf_context_free(ctx);
    fftw_destroy_plan(plan);
    fftw_free(buf);
    return 0;
}
