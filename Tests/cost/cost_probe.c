/* cost_probe.c - one input through the C ABI, for the cost tests (issue 13).
 *
 *   cost-probe [--limits-off] [--memory] [--model] [--ms N] [--trim] FILE
 *
 * Computes the celeba features of FILE (sf_features_file, or
 * sf_features_memory with --memory), or loads it as a model (--model), and
 * prints one JSON line: {"status": "SF_OK" | "SF_ERR_...", "message": ...,
 * "ms": wall milliseconds of the call, "count": features}. --limits-off
 * disables every limit; --ms sets max_milliseconds. --trim calls
 * sf_trim_caches after the call and reports the RSS before and after it.
 * The caller measures the process (time, peak RSS, signals). Exit status 0
 * when the line was printed, whatever the status; 2 on bad usage.
 */
#define _POSIX_C_SOURCE 200809L
#include <spectralfake.h>

#include <stdio.h>
#include <stdlib.h>

/* weak: the probe also runs against libraries older than 1.3 (before/after tables) */
#pragma weak sf_trim_caches
#include <string.h>
#include <time.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        fclose(f);
    }
    return resident * 4;
}

static void json_string(const char *s) {
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

int main(int argc, char **argv) {
    int limits_off = 0, memory = 0, model = 0, trim = 0;
    unsigned ms = 0;
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--limits-off") == 0) limits_off = 1;
        else if (strcmp(argv[i], "--memory") == 0) memory = 1;
        else if (strcmp(argv[i], "--model") == 0) model = 1;
        else if (strcmp(argv[i], "--trim") == 0) trim = 1;
        else if (strcmp(argv[i], "--ms") == 0 && i + 1 < argc) ms = (unsigned)strtoul(argv[++i], NULL, 10);
        else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
    }
    if (i != argc - 1) {
        fprintf(stderr, "usage: %s [--limits-off] [--memory] [--model] [--ms N] [--trim] FILE\n", argv[0]);
        return 2;
    }
    const char *path = argv[i];
    sf_error err = {0};
    sf_limits lim;
    memset(&lim, 0, sizeof lim);
    if (sf_limits_init(&lim, sizeof lim, &err) != SF_OK) { fprintf(stderr, "%s\n", err.message); return 2; }
    if (limits_off) {
        lim.max_pixels = 0; lim.max_width = 0; lim.max_height = 0; lim.max_jpeg_scans = 0;
        lim.max_input_bytes = 0; lim.max_model_bytes = 0; lim.max_ancillary_bytes = 0;
        lim.max_decode_memory = 0; lim.max_jpeg_passes = 0;
    }
    lim.max_milliseconds = ms;

    sf_status st;
    size_t count = 0;
    double t0 = 0, t1 = 0;
    if (model) {
        sf_model *m = NULL;
        t0 = now_ms();
        st = sf_model_load_file(&lim, path, &m, &err);
        t1 = now_ms();
        if (st == SF_OK) { count = sf_model_feature_count(m); sf_model_free(m); }
    } else {
        sf_settings s;
        sf_context *ctx = NULL;
        if (sf_settings_init(&s, sizeof s, SF_PRESET_CELEBA, &err) != SF_OK ||
            sf_context_new(&s, &lim, &ctx, &err) != SF_OK) {
            fprintf(stderr, "%s\n", err.message);
            return 2;
        }
        double out[256];
        unsigned char *data = NULL;
        size_t size = 0;
        if (memory) {
            FILE *f = fopen(path, "rb");
            if (!f) { perror(path); return 2; }
            fseek(f, 0, SEEK_END);
            size = (size_t)ftell(f);
            fseek(f, 0, SEEK_SET);
            data = malloc(size ? size : 1);
            if (!data || fread(data, 1, size, f) != size) { fprintf(stderr, "cannot read %s\n", path); return 2; }
            fclose(f);
        }
        t0 = now_ms();
        st = memory ? sf_features_memory(ctx, data, size, out, 256, &count, &err)
                    : sf_features_file(ctx, path, out, 256, &count, &err);
        t1 = now_ms();
        for (size_t k = 0; st == SF_OK && k < count; k++) {
            if (out[k] != out[k]) { st = SF_ERR_NON_FINITE; snprintf(err.message, sizeof err.message, "NaN feature"); }
        }
        free(data);
        sf_context_free(ctx);
    }
    long before = rss_kb(), after = before;
    if (trim && sf_trim_caches) {
        sf_trim_caches();
        after = rss_kb();
    }
    printf("{\"status\": ");
    json_string(sf_status_name(st));
    printf(", \"message\": ");
    json_string(st == SF_OK ? "" : err.message);
    printf(", \"ms\": %.1f, \"count\": %zu, \"rss_kb\": %ld, \"rss_after_trim_kb\": %ld}\n", t1 - t0, count, before,
           after);
    fflush(stdout);
    return 0;
}
