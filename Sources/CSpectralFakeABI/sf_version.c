/* sf_version.c - the version functions of the C ABI, plus compile-time
 * checks that the public structs keep their frozen layout. (Every other
 * string of the ABI comes from the core's enums.) */
#include "spectralfake.h"

#include <stddef.h>

_Static_assert(sizeof(sf_settings) == 48, "sf_settings v1 layout changed");
_Static_assert(offsetof(sf_settings, n) == 16, "sf_settings v1 layout changed");
_Static_assert(offsetof(sf_limits, max_ancillary_bytes) == 48, "sf_limits v1 layout changed (1.3 fields must follow it)");
_Static_assert(sizeof(sf_limits) == 80, "sf_limits v2 layout changed");
_Static_assert(offsetof(sf_limits, fft_planning) == 28, "sf_limits v1 layout changed");
_Static_assert(sizeof(sf_error) == 4 + SF_MESSAGE_MAX, "sf_error layout changed");
_Static_assert(offsetof(sf_score, verdict) == 40, "sf_score v1 layout changed (1.2 fields must follow it)");
_Static_assert(sizeof(sf_score) == 56, "sf_score v2 layout changed");
_Static_assert(sizeof(sf_image_info) == 56, "sf_image_info v1 layout changed");

const char *sf_version_string(void) { return SF_VERSION_STRING; }
unsigned sf_version_number(void) { return SF_VERSION_NUMBER; }
