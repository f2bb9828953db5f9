/* Program-wide EDL rules, checked on the enclave after import resolution:
 * unique names, allow() targets, deep-copy structures, public ECALLs. */
#ifndef DE_E8_CHECKER_H
#define DE_E8_CHECKER_H

#include <stdbool.h>

#include "ast.h"
#include "diag.h"

void check_program(struct diag *d, struct edl *prog, const char *enclave_name, bool header_only);
/* The struct definition named tag in prog, or NULL. */
const struct composite *find_struct(const struct edl *prog, const char *tag);

#endif
