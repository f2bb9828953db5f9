/* Recursive-descent parser for one EDL file. Syntax errors and the
 * attribute rules that depend on one declaration only (see check_attr.h)
 * are reported while parsing, at the offending token. */
#ifndef DE_E8_PARSER_H
#define DE_E8_PARSER_H

#include <stddef.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"

/* Parse src (already preprocessed) into out. file names the source in
 * messages until a line marker says otherwise. Unwinds via diag_error(). */
void parse_edl(struct arena *a, struct diag *d, const char *src, size_t len, const char *file,
               struct edl *out);

#endif
