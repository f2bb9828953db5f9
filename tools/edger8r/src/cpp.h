/* Running the C preprocessor over an EDL file, as sgx_edger8r does. */
#ifndef DE_E8_CPP_H
#define DE_E8_CPP_H

#include <stddef.h>

#include "arena.h"
#include "diag.h"

/* Preprocess path with `cc -x c -E` (line markers kept so that messages point
 * at the user's lines) and return the text in the arena. When no compiler
 * can be run, warn and return the file's raw text. Errors via diag. */
char *cpp_read(struct arena *a, struct diag *d, const char *path, size_t *len);
/* Read a file verbatim (no preprocessing). NULL with errno on failure. */
char *read_file_raw(struct arena *a, const char *path, size_t *len);

#endif
