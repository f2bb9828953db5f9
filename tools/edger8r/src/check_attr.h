/* The EDL rules about attributes that can be decided from one declaration
 * (a parameter, a struct member, a function's attribute list) or from one
 * function's parameter list. Each violated rule is one diag_error() naming
 * the rule. Program-wide rules live in checker.h. */
#ifndef DE_E8_CHECK_ATTR_H
#define DE_E8_CHECK_ATTR_H

#include "arena.h"
#include "ast.h"
#include "diag.h"

struct raw_attr {
	const char *key;
	struct loc loc;
	int has_value;
	int is_num;
	long num;
	const char *name;
	struct loc value_loc;
};

struct raw_attrs {
	struct raw_attr *items;
	size_t n;
	struct loc loc; /* of '[' */
};

/* Interpret the attribute list of parameter dc of function f, decide
 * whether it is passed by address, and apply the SGX parameter rules. */
void check_param_decl(struct diag *d, struct arena *a, const struct func *f, struct decl *dc,
                      const struct raw_attrs *ra);
/* Same for a member of struct/union c. */
void check_member_decl(struct diag *d, struct arena *a, const struct composite *c, struct decl *dc,
                       const struct raw_attrs *ra);
/* Rules across the members of one struct (size=/count= naming members). */
void check_composite_members(struct diag *d, struct composite *c);
/* Rules across one function's parameters (size=/count= names, duplicates,
 * names reserved by the generated code). */
void check_func_params(struct diag *d, const struct func *f);
/* cdecl/stdcall/fastcall/dllimport on an untrusted function. */
void apply_func_attrs(struct diag *d, struct func *f, const struct raw_attrs *ra);

/* Helpers shared with the checker and the emitters. */
int type_is_integer(const struct type *t);
const char *base_type_name(const struct type *t);

#endif
