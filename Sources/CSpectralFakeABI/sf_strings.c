/* sf_strings.c - the static strings of the C ABI (status names and
 * summaries, version, preset names), plus compile-time checks that the
 * public structs keep their frozen layout. */
#include "spectralfake.h"

#include <stddef.h>

_Static_assert(sizeof(sf_settings) == 48, "sf_settings v1 layout changed");
_Static_assert(offsetof(sf_settings, n) == 16, "sf_settings v1 layout changed");
_Static_assert(sizeof(sf_limits) == 48, "sf_limits v1 layout changed");
_Static_assert(offsetof(sf_limits, fft_planning) == 28, "sf_limits v1 layout changed");
_Static_assert(sizeof(sf_error) == 4 + SF_MESSAGE_MAX, "sf_error layout changed");
_Static_assert(sizeof(sf_score) == 40, "sf_score v1 layout changed");

const char *sf_version_string(void) { return SF_VERSION_STRING; }
unsigned sf_version_number(void) { return SF_VERSION_NUMBER; }

struct status_text { int status; const char *name; const char *summary; };

static const struct status_text STATUS[] = {
    {SF_OK, "SF_OK", "success"},
    {SF_ERR_INVALID_ARGUMENT, "SF_ERR_INVALID_ARGUMENT", "invalid argument"},
    {SF_ERR_BUFFER_TOO_SMALL, "SF_ERR_BUFFER_TOO_SMALL", "output buffer too small"},
    {SF_ERR_IO, "SF_ERR_IO", "cannot read the input"},
    {SF_ERR_UNKNOWN_FORMAT, "SF_ERR_UNKNOWN_FORMAT", "not a JPEG or PNG image"},
    {SF_ERR_UNSUPPORTED, "SF_ERR_UNSUPPORTED", "unsupported image format or feature"},
    {SF_ERR_CORRUPT, "SF_ERR_CORRUPT", "corrupt image data"},
    {SF_ERR_TRUNCATED, "SF_ERR_TRUNCATED", "image data ends early"},
    {SF_ERR_LIMIT_PIXELS, "SF_ERR_LIMIT_PIXELS", "image has more pixels than allowed"},
    {SF_ERR_LIMIT_DIMENSION, "SF_ERR_LIMIT_DIMENSION", "image side longer than allowed"},
    {SF_ERR_LIMIT_SCANS, "SF_ERR_LIMIT_SCANS", "progressive JPEG has too many scans"},
    {SF_ERR_LIMIT_INPUT_SIZE, "SF_ERR_LIMIT_INPUT_SIZE", "input larger than allowed"},
    {SF_ERR_IMAGE_TOO_SMALL, "SF_ERR_IMAGE_TOO_SMALL", "image too small for the feature settings"},
    {SF_ERR_CONSTANT_IMAGE, "SF_ERR_CONSTANT_IMAGE", "image is constant"},
    {SF_ERR_NON_FINITE, "SF_ERR_NON_FINITE", "features would not be finite"},
    {SF_ERR_OUT_OF_MEMORY, "SF_ERR_OUT_OF_MEMORY", "out of memory"},
    {SF_ERR_MODEL_INVALID, "SF_ERR_MODEL_INVALID", "malformed model file"},
    {SF_ERR_MODEL_VERSION, "SF_ERR_MODEL_VERSION", "unsupported model format version"},
    {SF_ERR_FEATURE_MISMATCH, "SF_ERR_FEATURE_MISMATCH", "feature vector does not fit the model"},
    {SF_ERR_LIMIT_MODEL_SIZE, "SF_ERR_LIMIT_MODEL_SIZE", "model file larger than allowed"},
    {SF_ERR_EMPTY_INPUT, "SF_ERR_EMPTY_INPUT", "empty input"},
    {SF_ERR_BATCH_PARTIAL, "SF_ERR_BATCH_PARTIAL", "some items of the batch failed"},
    {SF_ERR_INTERNAL, "SF_ERR_INTERNAL", "internal error"},
};

static const struct status_text *find_status(int status) {
    for (size_t i = 0; i < sizeof STATUS / sizeof STATUS[0]; i++)
        if (STATUS[i].status == status) return &STATUS[i];
    return NULL;
}

const char *sf_status_name(int status) {
    const struct status_text *t = find_status(status);
    return t ? t->name : "SF_ERR_UNKNOWN_STATUS";
}

const char *sf_status_summary(int status) {
    const struct status_text *t = find_status(status);
    return t ? t->summary : "unknown status";
}

static const char *const PRESETS[] = {"celeba", "faces-hq", "ffpp", "upconv"};

const char *sf_preset_name(int preset) {
    if (preset < 0 || preset >= (int)(sizeof PRESETS / sizeof PRESETS[0])) return NULL;
    return PRESETS[preset];
}
