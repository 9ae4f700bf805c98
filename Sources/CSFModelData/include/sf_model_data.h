/* sf_model_data.h - the bytes of the built-in model (models/default-model.json),
 * compiled into the library. Internal: the sfc_ prefix keeps it unexported. */
#ifndef SF_MODEL_DATA_H
#define SF_MODEL_DATA_H

#include <stddef.h>

/* The model file's bytes (not NUL-terminated) and their number. */
const unsigned char *sfc_default_model_data(size_t *size);

#endif
