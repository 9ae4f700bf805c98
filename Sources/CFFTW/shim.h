#include <fftw3.h>

/* FFTW's version string ("fftw-3.3.10-sse2-avx"): an array of unknown size,
 * which Swift does not import as such. */
static inline const char *sf_fftw_version(void) { return fftw_version; }
