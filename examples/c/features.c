/* features.c - print the spectral features of image files as CSV.
 *
 *   sf-features [--preset celeba|faces-hq|ffpp|upconv] [--threads N] [--] FILE...
 *
 * One line per file: the path, then the feature values. Files that fail are
 * reported on stderr with the library's message; the exit status is 1 if any
 * failed. Build: cc features.c $(pkg-config --cflags --libs spectralfake)
 */
#include <spectralfake.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    const char *preset_name = "celeba";
    unsigned threads = 0;
    int first = 1;
    while (first < argc && strncmp(argv[first], "--", 2) == 0) {
        if (strcmp(argv[first], "--") == 0) { /* end of options: file names follow */
            first++;
            break;
        }
        if (strcmp(argv[first], "--preset") == 0 && first + 1 < argc) {
            preset_name = argv[first + 1];
            first += 2;
        } else if (strcmp(argv[first], "--threads") == 0 && first + 1 < argc) {
            threads = (unsigned)strtoul(argv[first + 1], NULL, 10);
            first += 2;
        } else {
            fprintf(stderr, "unknown option %s\n", argv[first]);
            return 2;
        }
    }
    if (first >= argc) {
        fprintf(stderr, "usage: %s [--preset NAME] [--threads N] [--] FILE...\n", argv[0]);
        return 2;
    }
    if (sf_version_number() / 10000 != SF_VERSION_MAJOR) {
        fprintf(stderr, "libspectralfake %s does not match the header %s\n", sf_version_string(), SF_VERSION_STRING);
        return 2;
    }

    sf_error err;
    int preset;
    sf_settings settings;
    sf_context *ctx = NULL;
    if (sf_preset_from_name(preset_name, &preset, &err) != SF_OK ||
        sf_settings_init(&settings, sizeof settings, preset, &err) != SF_OK ||
        sf_context_new(&settings, NULL, &ctx, &err) != SF_OK) {
        fprintf(stderr, "error: %s\n", err.message);
        return 2;
    }

    size_t nfiles = (size_t)(argc - first);
    /* A raw-profile preset has a size-dependent length: leave room for the
     * largest image the default limits allow (32768 x 32768 -> 23169). */
    size_t row = settings.interpolate ? (size_t)settings.n : 23169;
    double *out = calloc(nfiles * row, sizeof(double));
    size_t *counts = calloc(nfiles, sizeof(size_t));
    sf_error *errors = calloc(nfiles, sizeof(sf_error));
    if (!out || !counts || !errors) {
        fprintf(stderr, "out of memory\n");
        return 2;
    }
    size_t failed = 0;
    sf_status st = sf_features_batch(ctx, (const char *const *)(argv + first), nfiles, threads, out, row, counts,
                                     errors, &failed, &err);
    if (st != SF_OK && st != SF_ERR_BATCH_PARTIAL) {
        fprintf(stderr, "error: %s (%s)\n", err.message, sf_status_name(st));
        return 2;
    }
    for (size_t i = 0; i < nfiles; i++) {
        if (errors[i].status != SF_OK) {
            fprintf(stderr, "%s: %s\n", sf_status_name(errors[i].status), errors[i].message);
            continue;
        }
        printf("%s", argv[first + (int)i]);
        for (size_t k = 0; k < counts[i]; k++) printf(",%.17g", out[i * row + k]);
        printf("\n");
    }
    free(out);
    free(counts);
    free(errors);
    sf_context_free(ctx);
    return failed ? 1 : 0;
}
