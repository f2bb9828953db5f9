/* Code generation entry points. */
#ifndef DE_E8_EMIT_H
#define DE_E8_EMIT_H

#include "emit_common.h"

/* <name>_u.h and <name>_u.c for the application. */
void emit_untrusted_header(struct gen *g, struct out *o);
void emit_untrusted_source(struct gen *g, struct out *o);
/* <name>_t.h and <name>_t.c for the enclave. */
void emit_trusted_header(struct gen *g, struct out *o);
void emit_trusted_source(struct gen *g, struct out *o);

/* Shared snippets of both .c files (emit_common.c). */
void emit_edge_macros(struct out *o);

#endif
