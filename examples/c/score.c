/* score.c - score image files with an exported model or the built-in one.
 *
 *   sf-score [--threads N] [--] MODEL.json|--default FILE...
 *
 * One tab-separated line per file: path, verdict (real/fake/uncertain, under
 * the model's verdict policy), probability of fake (or "-" when the model
 * has none), decision value, class label; notes on the model's scope go to
 * stderr.
 * Unreadable files are reported on stderr and do not stop the run; the exit
 * status is 1 if any failed. Build: cc score.c $(pkg-config --cflags --libs spectralfake)
 */
#include <spectralfake.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    unsigned threads = 0;
    int a = 1;
    if (a + 1 < argc && strcmp(argv[a], "--threads") == 0) {
        threads = (unsigned)strtoul(argv[a + 1], NULL, 10);
        a += 2;
    }
    if (a < argc && strcmp(argv[a], "--") == 0) a++; /* end of options */
    if (argc - a < 2) {
        fprintf(stderr, "usage: %s [--threads N] MODEL.json FILE...\n", argv[0]);
        return 2;
    }
    sf_error err;
    sf_model *model = NULL;
    const sf_model *builtin = NULL;
    if (strcmp(argv[a], "--default") == 0) {
        builtin = sf_model_default();  /* shared, never freed */
        if (!builtin) {
            fprintf(stderr, "this library has no usable built-in model\n");
            return 2;
        }
    } else if (sf_model_load_file(NULL, argv[a], &model, &err) != SF_OK) {
        fprintf(stderr, "%s: %s\n", sf_status_name(err.status), err.message);
        return 2;
    }
    const sf_model *m = builtin ? builtin : model;
    char labels[2][128];
    for (size_t c = 0; c < 2; c++) {
        if (sf_model_class_label(m, c, labels[c], sizeof labels[c], NULL, &err) != SF_OK) {
            fprintf(stderr, "%s\n", err.message);
            return 2;
        }
    }
    sf_settings settings;
    sf_settings_init(&settings, sizeof settings, SF_PRESET_CELEBA, NULL);
    sf_model_settings(m, &settings, NULL);
    fprintf(stderr, "model: %s on %zu features (preset %s), fake = class %s\n", sf_model_classifier(m),
            sf_model_feature_count(m), sf_preset_name(settings.preset), labels[sf_model_fake_class(m)]);

    const char *const *paths = (const char *const *)(argv + a + 1);
    size_t n = (size_t)(argc - a - 1);
    sf_score *scores = calloc(n, sizeof *scores);
    sf_error *errors = calloc(n, sizeof *errors);
    if (!scores || !errors) return 2;
    for (size_t i = 0; i < n; i++) sf_score_init(&scores[i], sizeof scores[i], NULL);
    size_t failed = 0;
    sf_status st = sf_model_score_batch(m, NULL, paths, n, threads, scores, errors, &failed, &err);
    if (st != SF_OK && st != SF_ERR_BATCH_PARTIAL) {
        fprintf(stderr, "%s: %s\n", sf_status_name(st), err.message);
        return 2;
    }
    for (size_t i = 0; i < n; i++) {
        if (errors[i].status != SF_OK) {
            fprintf(stderr, "%s: %s\n", sf_status_name(errors[i].status), errors[i].message);
            continue;
        }
        const sf_score *s = &scores[i];
        if (s->has_probability)
            printf("%s\t%s\t%.17g\t%.17g\t%s\n", paths[i], sf_verdict_name(s->verdict), s->probability_fake,
                   s->decision, labels[s->class_index]);
        else
            printf("%s\t%s\t-\t%.17g\t%s\n", paths[i], sf_verdict_name(s->verdict), s->decision,
                   labels[s->class_index]);
        for (int bit = 1; bit <= SF_NOTE_UNLIKE_TRAINING; bit <<= 1)
            if (s->notes & (unsigned)bit) fprintf(stderr, "%s: note: %s\n", paths[i], sf_note_summary(bit));
    }
    free(scores);
    free(errors);
    sf_model_free(model);
    return failed ? 1 : 0;
}
