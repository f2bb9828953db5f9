/* Human-readable dump of a signed enclave (sgx_sign "dump" format + layout). */
#ifndef DE_SIGN_DUMP_H
#define DE_SIGN_DUMP_H

#include <stdio.h>

#include "de/measure.h"

/* Write the dump of a parsed (and ideally verified) enclave. */
void de_dump_enclave(FILE *f, const struct de_enclave *enc, const uint8_t mrsigner[32],
                     const char *verdict);

#endif /* DE_SIGN_DUMP_H */
