/* leak_check.c - memory stays flat while a model scores images in a loop.
 *
 *   sf-leakcheck MODEL.json ITERATIONS IMAGE...
 *
 * Each iteration loads nothing new: it scores every image (file and memory
 * paths), decodes one, creates and frees a context, and provokes errors
 * (missing file, garbage bytes, bad arguments). The resident set size is
 * sampled after a warm-up (caches of FFT plans and bin maps fill there) and
 * at the end; growth over 1 MiB per 1000 iterations fails the run. Run it
 * under valgrind as well (Tests/c/valgrind.supp) for definite leaks. */
#include <spectralfake.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (!f) return -1;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = -1;
    fclose(f);
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
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

static int iteration(sf_model *model, char **images, int nimages, unsigned char **bytes, size_t *sizes) {
    sf_error err;
    sf_score score;
    sf_score_init(&score, sizeof score, NULL);
    for (int i = 0; i < nimages; i++) {
        if (sf_model_score_file(model, NULL, images[i], &score, &err) != SF_OK) {
            fprintf(stderr, "unexpected: %s\n", err.message);
            return 1;
        }
        if (sf_model_score_memory(model, NULL, bytes[i], sizes[i], &score, &err) != SF_OK) return 1;
    }
    sf_score batch[4];
    for (int i = 0; i < 4; i++) sf_score_init(&batch[i], sizeof batch[i], NULL);
    const char *paths[4] = {images[0], "/nonexistent/x.jpg", images[nimages - 1], images[0]};
    sf_error item_errors[4];
    size_t failed = 0;
    if (sf_model_score_batch(model, NULL, paths, 4, 2, batch, item_errors, &failed, &err) != SF_ERR_BATCH_PARTIAL ||
        failed != 1)
        return 1;
    /* decode, read, free */
    sf_image *img = NULL;
    if (sf_image_decode_memory(NULL, bytes[0], sizes[0], &img, &err) != SF_OK) return 1;
    volatile unsigned sum = 0;
    const uint8_t *px = sf_image_pixels(img);
    for (uint32_t k = 0; k < sf_image_width(img); k++) sum += px[k];
    sf_image_free(img);
    /* a context with other settings, features, free */
    sf_settings s;
    sf_settings_init(&s, sizeof s, SF_PRESET_UPCONV, NULL);
    sf_context *ctx = NULL;
    if (sf_context_new(&s, NULL, &ctx, &err) != SF_OK) return 1;
    double out[88];
    size_t count = 0;
    if (sf_features_file(ctx, images[0], out, 88, &count, &err) != SF_OK) return 1;
    /* errors: every path must release what it allocated */
    static const unsigned char garbage[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 2, 3, 4, 5};
    if (sf_features_memory(ctx, garbage, sizeof garbage, out, 88, &count, &err) == SF_OK) return 1;
    if (sf_features_memory(ctx, bytes[0], sizes[0] / 2, out, 88, &count, &err) == SF_OK) return 1;
    if (sf_features_file(ctx, "/nonexistent/x.png", out, 88, &count, &err) == SF_OK) return 1;
    if (sf_features_file(ctx, images[0], out, 10, &count, &err) != SF_ERR_BUFFER_TOO_SMALL) return 1;
    sf_context_free(ctx);
    sf_model *bad = NULL;
    if (sf_model_load_memory(NULL, "{\"format\": 1}", 13, &bad, &err) == SF_OK) return 1;
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s MODEL.json ITERATIONS IMAGE...\n", argv[0]);
        return 2;
    }
    int iterations = atoi(argv[2]);
    int nimages = argc - 3;
    char **images = argv + 3;
    unsigned char **bytes = calloc((size_t)nimages, sizeof *bytes);
    size_t *sizes = calloc((size_t)nimages, sizeof *sizes);
    for (int i = 0; i < nimages; i++) {
        bytes[i] = slurp(images[i], &sizes[i]);
        if (!bytes[i]) { fprintf(stderr, "cannot read %s\n", images[i]); return 2; }
    }
    sf_error err;
    sf_model *model = NULL;
    if (sf_model_load_file(NULL, argv[1], &model, &err) != SF_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 2;
    }
    int warmup = iterations / 10 > 0 ? iterations / 10 : 1;
    long base = 0;
    for (int it = 0; it < iterations; it++) {
        if (iteration(model, images, nimages, bytes, sizes) != 0) {
            fprintf(stderr, "iteration %d: unexpected status\n", it);
            return 1;
        }
        if (it + 1 == warmup) base = rss_kib();
    }
    long end = rss_kib();
    sf_model_free(model);
    for (int i = 0; i < nimages; i++) free(bytes[i]);
    free(bytes);
    free(sizes);
    long growth = end - base;
    double per1000 = (double)growth * 1000.0 / (double)(iterations - warmup > 0 ? iterations - warmup : 1);
    printf("iterations %d (x %d images, 2 scores each + batch + decode + context + 6 error paths): "
           "RSS after warm-up %ld KiB, at end %ld KiB, growth %ld KiB (%.1f KiB per 1000 iterations)\n",
           iterations, nimages, base, end, growth, per1000);
    if (getenv("SF_LEAKCHECK_NO_RSS")) return 0; /* under valgrind the RSS is valgrind's */
    return per1000 > 1024.0 ? 1 : 0;
}
