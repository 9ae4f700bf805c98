/* model_data.c - embeds models/default-model.json (written by
 * `make default-model`, committed) into the library with C23 #embed. */
#include "sf_model_data.h"

static const unsigned char DEFAULT_MODEL[] = {
#embed "../../models/default-model.json"
};

const unsigned char *sfc_default_model_data(size_t *size) {
    *size = sizeof DEFAULT_MODEL;
    return DEFAULT_MODEL;
}
