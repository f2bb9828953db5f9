/* Helpers shared by the untrusted and trusted emitters: an output buffer,
 * C spellings of EDL types, marshalling-structure layout and the size
 * expressions of pointer parameters. */
#ifndef DE_E8_EMIT_COMMON_H
#define DE_E8_EMIT_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "ast.h"

struct out {
	char *buf;
	size_t len, cap;
};

void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void out_free(struct out *o);
/* Write o to path; 0 on success, -errno on failure. */
int out_write_file(const struct out *o, const char *path);

struct gen {
	struct arena *a;
	const struct edl *prog;
	const char *name; /* enclave name: a C identifier derived from the file name */
	bool use_prefix;
};

/* "unsigned int", "struct foo", "char**" (no const). */
const char *c_type(struct gen *g, const struct type *t);
/* The element type of a pointer parameter (the type minus one '*', or the
 * base type of an array). */
const char *c_elem_type(struct gen *g, const struct decl *d);
/* The type of the marshalling-struct field that carries parameter d. */
const char *c_ms_type(struct gen *g, const struct decl *d, bool with_const);
/* "const char* s", "int a[4][5]" as written in prototypes. */
const char *c_param(struct gen *g, const struct decl *d);
/* "f(void)"-style parameter list "a, b" or "void". */
const char *c_param_list(struct gen *g, const struct func *f);
bool is_void_ret(const struct func *f);
bool is_naked(const struct func *f);
/* A marshalling struct is needed (f has a return value, params or errno). */
bool has_ms(const struct func *f);
/* Does this pointer parameter get copied (direction, not user_check)? */
bool is_copied(const struct decl *d);
/* Is the element type's size known, so that a length must be a multiple of it? */
bool elem_typed(const struct decl *d);
/* Deep-copy struct behind parameter d, or NULL. */
const struct composite *deep_struct(struct gen *g, const struct decl *d);

/* Size expressions. ref(name) spells how another parameter or member named
 * name is read at this place (e.g. "_tmp_n", "n", "p[__i].n"); self is how
 * the pointer itself is read (for sizeof(*p) of isptr types). */
typedef const char *(*ref_fn)(struct gen *g, const char *prefix, const char *name);
struct size_expr {
	const char *len; /* total byte length, size_t */
	const char *ovf; /* condition that is true when count*size overflows, or NULL */
};
void param_size(struct gen *g, const struct decl *d, ref_fn ref, const char *prefix,
                const char *self, struct size_expr *out);
/* Same for a size=/count= member m of a deep-copy struct element spelt elem. */
void member_size(struct gen *g, const struct decl *m, const char *elem, struct size_expr *out);

/* Emit the marshalling struct of f (nothing for a naked function). */
void emit_ms_struct(struct gen *g, struct out *o, const struct func *f);
/* typedefs for the EDL's struct/union/enum definitions. */
void emit_composites(struct gen *g, struct out *o);
void emit_includes(struct out *o, const char *const *v, size_t n);

/* Common file preamble/epilogue. */
void emit_banner(struct out *o, const char *what);

#endif
