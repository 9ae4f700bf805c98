/* floor.c - the floor of the per-image cost (decode + one FFT), measured
 * with libjpeg and FFTW directly, next to libspectralfake's stages, on the
 * same images, single thread.
 *
 *   sf-floor IMAGE...     (JPEGs of one size; prints a small table)
 *
 * Floor = libjpeg gray decode (ISLOW, what OpenCV does) + FFTW r2c of the
 * image with a FFTW_MEASURE plan (planned once, not timed). */
#define _POSIX_C_SOURCE 200809L
#include <spectralfake.h>

#include <fftw3.h>
#include <jpeglib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static unsigned char *slurp(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    fclose(f);
    *size = (size_t)n;
    return buf;
}

/* plain libjpeg gray decode into out (w*h bytes) */
static int decode(const unsigned char *data, size_t size, unsigned char *out, int *w, int *h) {
    struct jpeg_decompress_struct ci;
    struct jpeg_error_mgr jerr;
    ci.err = jpeg_std_error(&jerr);
    jpeg_create_decompress(&ci);
    jpeg_mem_src(&ci, data, (unsigned long)size);
    jpeg_read_header(&ci, TRUE);
    ci.out_color_space = JCS_GRAYSCALE;
    jpeg_start_decompress(&ci);
    *w = (int)ci.output_width;
    *h = (int)ci.output_height;
    while (ci.output_scanline < ci.output_height) {
        JSAMPROW row = out + (size_t)ci.output_scanline * ci.output_width;
        jpeg_read_scanlines(&ci, &row, 1);
    }
    jpeg_finish_decompress(&ci);
    jpeg_destroy_decompress(&ci);
    return 0;
}

int main(int argc, char **argv) {
    int n = argc - 1;
    if (n < 1) {
        fprintf(stderr, "usage: %s IMAGE...\n", argv[0]);
        return 2;
    }
    unsigned char **data = calloc((size_t)n, sizeof *data);
    size_t *sizes = calloc((size_t)n, sizeof *sizes);
    for (int i = 0; i < n; i++) data[i] = slurp(argv[i + 1], &sizes[i]);
    int w = 0, h = 0;
    unsigned char *gray = malloc((size_t)1 << 26);
    decode(data[0], sizes[0], gray, &w, &h);
    int rounds = w * h >= 1 << 20 ? 3 : 20;
    int total = n * rounds;
    double *t_dec = calloc((size_t)total, sizeof(double)), *t_fft = calloc((size_t)total, sizeof(double));
    double *t_sf = calloc((size_t)total, sizeof(double)), *t_sfimg = calloc((size_t)total, sizeof(double));
    double *t_sfdec = calloc((size_t)total, sizeof(double));

    size_t hw = (size_t)w / 2 + 1;
    double *buf = fftw_malloc(sizeof(double) * 2 * hw * (size_t)h);
    fftw_plan plan = fftw_plan_dft_r2c_2d(h, w, buf, (fftw_complex *)buf, FFTW_MEASURE);

    sf_limits limits;
    sf_limits_init(&limits, sizeof limits, NULL);
    limits.fft_planning = SF_FFT_PLANNING_MEASURE;
    sf_context *ctx = NULL;
    sf_error err;
    if (sf_context_new(NULL, &limits, &ctx, &err) != SF_OK) return 2;
    double out[80];
    size_t count;
    sf_features_memory(ctx, data[0], sizes[0], out, 80, &count, &err); /* plans, bin maps */

    int k = 0;
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < n; i++, k++) {
            double t0 = now();
            decode(data[i], sizes[i], gray, &w, &h);
            double t1 = now();
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) buf[(size_t)y * 2 * hw + (size_t)x] = gray[(size_t)y * (size_t)w + (size_t)x];
            double t2 = now();
            fftw_execute_dft_r2c(plan, buf, (fftw_complex *)buf);
            double t3 = now();
            t_dec[k] = t1 - t0;
            t_fft[k] = t3 - t2;

            t0 = now();
            if (sf_features_memory(ctx, data[i], sizes[i], out, 80, &count, &err) != SF_OK) {
                fprintf(stderr, "%s\n", err.message);
                return 1;
            }
            t1 = now();
            t_sf[k] = t1 - t0;
            sf_image *img = NULL;
            t0 = now();
            sf_image_decode_memory(ctx, data[i], sizes[i], &img, &err);
            t1 = now();
            sf_features_image(ctx, img, out, 80, &count, &err);
            t2 = now();
            sf_image_free(img);
            t_sfdec[k] = t1 - t0;
            t_sfimg[k] = t2 - t1;
        }
    }
    double dec = median(t_dec, total), fft = median(t_fft, total), sf = median(t_sf, total);
    double sfdec = median(t_sfdec, total), sfimg = median(t_sfimg, total);
    printf("Floor at %dx%d (median of %d, single thread): libjpeg gray decode %.2f ms + FFTW r2c (MEASURE plan) "
           "%.2f ms = %.2f ms.\n", w, h, total, dec * 1e3, fft * 1e3, (dec + fft) * 1e3);
    printf("libspectralfake from memory: %.2f ms = decode %.2f ms + features of the decoded image %.2f ms; "
           "%.2f ms (%.0f%%) above the floor.\n", sf * 1e3, sfdec * 1e3, sfimg * 1e3, (sf - dec - fft) * 1e3,
           100 * (sf - dec - fft) / (dec + fft));
    sf_context_free(ctx);
    fftw_destroy_plan(plan);
    fftw_free(buf);
    return 0;
}
