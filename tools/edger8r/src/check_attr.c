#include "check_attr.h"

#include <string.h>

/* ---- type helpers ------------------------------------------------------- */

const char *base_type_name(const struct type *t)
{
	static const char *const names[] = {
	    [TY_CHAR] = "char",
	    [TY_UCHAR] = "unsigned char",
	    [TY_SHORT] = "short",
	    [TY_USHORT] = "unsigned short",
	    [TY_INT] = "int",
	    [TY_UINT] = "unsigned int",
	    [TY_LONG] = "long",
	    [TY_ULONG] = "unsigned long",
	    [TY_LLONG] = "long long",
	    [TY_ULLONG] = "unsigned long long",
	    [TY_FLOAT] = "float",
	    [TY_DOUBLE] = "double",
	    [TY_LDOUBLE] = "long double",
	    [TY_INT8] = "int8_t",
	    [TY_INT16] = "int16_t",
	    [TY_INT32] = "int32_t",
	    [TY_INT64] = "int64_t",
	    [TY_UINT8] = "uint8_t",
	    [TY_UINT16] = "uint16_t",
	    [TY_UINT32] = "uint32_t",
	    [TY_UINT64] = "uint64_t",
	    [TY_SIZE_T] = "size_t",
	    [TY_WCHAR] = "wchar_t",
	    [TY_VOID] = "void",
	};

	switch (t->kind) {
	case TY_STRUCT:
	case TY_UNION:
	case TY_ENUM:
	case TY_FOREIGN:
		return t->name;
	default:
		return names[t->kind];
	}
}

int type_is_integer(const struct type *t)
{
	if (t->ptr)
		return 0;
	switch (t->kind) {
	case TY_FLOAT:
	case TY_DOUBLE:
	case TY_LDOUBLE:
	case TY_VOID:
	case TY_STRUCT:
	case TY_UNION:
		return 0;
	default:
		return 1; /* integers, enums and foreign typedefs (assumed integral) */
	}
}

static const char *type_desc(struct arena *a, const struct type *t)
{
	const char *tag = t->kind == TY_STRUCT  ? "struct "
	                  : t->kind == TY_UNION ? "union "
	                  : t->kind == TY_ENUM  ? "enum "
	                                        : "";
	char stars[16] = "";
	int n = t->ptr < 15 ? t->ptr : 15;

	memset(stars, '*', (size_t)n);
	stars[n] = '\0';
	return arena_printf(a, "%s%s%s%s", t->is_const ? "const " : "", tag, base_type_name(t),
	                    stars);
}

/* ---- attribute lists ------------------------------------------------------- */

static void no_value(struct diag *d, const struct raw_attr *r)
{
	if (r->has_value)
		diag_error(d, &r->value_loc, "attribute `%s' does not take a value", r->key);
}

static void set_flag(struct diag *d, const struct raw_attr *r, bool *flag)
{
	no_value(d, r);
	if (*flag)
		diag_error(d, &r->loc, "duplicated attribute `%s'", r->key);
	*flag = true;
}

static void set_size(struct diag *d, const struct raw_attr *r, struct attr_val *v)
{
	if (!r->has_value)
		diag_error(d, &r->loc, "attribute `%s' needs a value: `%s=<number or name>'",
		           r->key, r->key);
	if (v->present)
		diag_error(d, &r->loc, "duplicated attribute `%s'", r->key);
	v->present = true;
	v->is_num = r->is_num;
	v->num = r->num;
	v->name = r->name;
	v->loc = r->value_loc;
}

static void interpret(struct diag *d, const struct raw_attrs *ra, struct ptr_attr *pa)
{
	memset(pa, 0, sizeof(*pa));
	if (!ra)
		return;
	pa->any = true;
	pa->loc = ra->loc;
	for (size_t i = 0; i < ra->n; i++) {
		const struct raw_attr *r = &ra->items[i];

		if (strcmp(r->key, "in") == 0 || strcmp(r->key, "out") == 0) {
			enum direction nd = r->key[0] == 'i' ? DIR_IN : DIR_OUT;

			no_value(d, r);
			if (pa->dir & nd)
				diag_error(d, &r->loc, "duplicated attribute `%s'", r->key);
			pa->dir = (enum direction)(pa->dir | nd);
		} else if (strcmp(r->key, "size") == 0) {
			set_size(d, r, &pa->size);
		} else if (strcmp(r->key, "count") == 0) {
			set_size(d, r, &pa->count);
		} else if (strcmp(r->key, "sizefunc") == 0) {
			diag_error(d, &r->loc,
			           "the attribute `sizefunc' is deprecated - use `size' instead");
		} else if (strcmp(r->key, "string") == 0) {
			set_flag(d, r, &pa->string);
		} else if (strcmp(r->key, "wstring") == 0) {
			set_flag(d, r, &pa->wstring);
		} else if (strcmp(r->key, "isptr") == 0) {
			set_flag(d, r, &pa->isptr);
		} else if (strcmp(r->key, "isary") == 0) {
			set_flag(d, r, &pa->isary);
		} else if (strcmp(r->key, "readonly") == 0) {
			set_flag(d, r, &pa->readonly);
		} else if (strcmp(r->key, "user_check") == 0) {
			set_flag(d, r, &pa->user_check);
		} else {
			diag_error(d, &r->loc, "unknown attribute `%s'", r->key);
		}
	}
}

/* Pass by address or by value? (SGX: PTPtr vs PTVal) */
static void decide_by_address(struct diag *d, struct arena *a, const char *owner, struct decl *dc)
{
	const struct ptr_attr *pa = &dc->attr;

	if (dc->ty.ptr > 0) {
		dc->is_ptr = true;
	} else if (pa->any) {
		if (dc->ty.kind == TY_FOREIGN) {
			if (pa->isptr || pa->isary || dc->ndims)
				dc->is_ptr = true;
			else
				diag_error(
				    d, &dc->loc,
				    "`%s': `%s' is considered a plain type but decorated with "
				    "pointer attributes (add `isptr' or `isary')",
				    owner, dc->ty.name);
		} else if (dc->ndims) {
			dc->is_ptr = true;
		} else {
			diag_error(d, &dc->loc,
			           "`%s': unexpected pointer attributes for `%s' (`%s' is not a "
			           "pointer or an array)",
			           owner, type_desc(a, &dc->ty), dc->name);
		}
	} else {
		dc->is_ptr = dc->ndims > 0;
	}
	if (dc->ty.kind == TY_VOID && dc->ty.ptr == 0)
		diag_error(d, &dc->loc, "`%s': `%s' has `void' type", owner, dc->name);
}

void check_param_decl(struct diag *d, struct arena *a, const struct func *f, struct decl *dc,
                      const struct raw_attrs *ra)
{
	struct ptr_attr *pa = &dc->attr;
	const char *fn = f->name, *id;
	bool has_size, is_foreign_bare, is_ary, is_p;

	interpret(d, ra, pa);
	decide_by_address(d, a, fn, dc);
	if (!dc->is_ptr)
		return;
	id = dc->name;
	has_size = pa->size.present || pa->count.present;
	is_foreign_bare = dc->ty.kind == TY_FOREIGN && dc->ty.ptr == 0;

	if (pa->dir != DIR_NONE && pa->user_check)
		diag_error(d, &pa->loc,
		           "`%s': pointer direction and `user_check' are mutually exclusive (`%s')",
		           fn, id);
	if (pa->isary) {
		if (has_size)
			diag_error(d, &pa->loc,
			           "`%s': size attributes cannot be used with foreign array `%s' "
			           "(`isary')",
			           fn, id);
		if (pa->isptr)
			diag_error(d, &pa->loc, "`%s': `isary' cannot be used with `isptr' (`%s')",
			           fn, id);
		if (pa->string || pa->wstring)
			diag_error(d, &pa->loc,
			           "`%s': `isary' cannot be used with `string'/`wstring' (`%s')",
			           fn, id);
	} else {
		if (pa->string && pa->wstring)
			diag_error(d, &pa->loc,
			           "`%s': `string' and `wstring' are mutually exclusive (`%s')", fn,
			           id);
		if (has_size && (pa->string || pa->wstring))
			diag_error(d, &pa->loc,
			           "`%s': size attributes are mutually exclusive with `(w)string' "
			           "(`%s')",
			           fn, id);
		if ((has_size || pa->string || pa->wstring) && pa->dir == DIR_NONE)
			diag_error(d, &pa->loc,
			           "`%s': size/count/string attributes must be used with a pointer "
			           "direction [in] or [out] (`%s')",
			           fn, id);
	}
	if (pa->dir == DIR_NONE && !pa->user_check)
		diag_error(d, &dc->loc,
		           "`%s': pointer/array parameter `%s' needs a direction attribute ([in], "
		           "[out]) or [user_check]",
		           fn, id);
	if (pa->dir == DIR_OUT && (pa->string || pa->wstring))
		diag_error(d, &pa->loc,
		           "`%s': `string'/`wstring' must be used with an `in' direction (`%s' is "
		           "[out] only)",
		           fn, id);
	if (pa->isptr && !is_foreign_bare)
		diag_error(d, &pa->loc,
		           "`%s': `isptr' is only for user-defined types, not for `%s' (`%s')", fn,
		           type_desc(a, &dc->ty), id);
	if (pa->isary && !is_foreign_bare)
		diag_error(d, &pa->loc,
		           "`%s': `isary' is only for user-defined types, not for `%s' (`%s')", fn,
		           type_desc(a, &dc->ty), id);
	if (pa->readonly && dc->ty.kind != TY_FOREIGN)
		diag_error(d, &pa->loc,
		           "`%s': `readonly' is only for user-defined types, not for `%s' (`%s')",
		           fn, type_desc(a, &dc->ty), id);
	if (pa->readonly && !pa->isptr)
		diag_error(d, &pa->loc,
		           "`%s': `readonly' is only used with the `isptr' attribute (`%s')", fn,
		           id);
	if (dc->ty.kind == TY_VOID && dc->ty.ptr == 1 && !pa->user_check && !pa->size.present)
		diag_error(d, &dc->loc,
		           "`%s': void pointer `%s' - buffer size unknown (use `size=' or "
		           "`user_check')",
		           fn, id);
	is_ary = dc->ndims > 0 || pa->isary;
	is_p = dc->ty.ptr > 0 || pa->isptr;
	if (is_ary && is_p)
		diag_error(d, &dc->loc, "`%s': pointer array not allowed - `%s' is a pointer array",
		           fn, id);
	if ((pa->readonly || dc->ty.is_const) && (pa->dir & DIR_OUT))
		diag_error(d, &pa->loc, "`%s': `%s' is readonly - cannot be used with `out'", fn,
		           id);
	if (pa->string && !((dc->ty.kind == TY_CHAR || dc->ty.kind == TY_UCHAR) && dc->ty.ptr == 1))
		diag_error(d, &pa->loc,
		           "`%s': invalid `string' attribute - `%s' is not a char pointer", fn, id);
	if (pa->wstring && !(dc->ty.kind == TY_WCHAR && dc->ty.ptr == 1))
		diag_error(d, &pa->loc,
		           "`%s': invalid `wstring' attribute - `%s' is not a wchar_t pointer", fn,
		           id);
	if (dc->ndims) {
		if (pa->size.present)
			diag_error(d, &pa->loc,
			           "`%s': invalid `size' attribute - `%s' is explicitly declared "
			           "array",
			           fn, id);
		if (pa->count.present)
			diag_error(d, &pa->loc,
			           "`%s': invalid `count' attribute - `%s' is explicitly declared "
			           "array",
			           fn, id);
		if (pa->isary)
			diag_error(d, &pa->loc,
			           "`%s': invalid `isary' attribute - `%s' is explicitly declared "
			           "array",
			           fn, id);
	}
}

void check_member_decl(struct diag *d, struct arena *a, const struct composite *c, struct decl *dc,
                       const struct raw_attrs *ra)
{
	struct ptr_attr *pa = &dc->attr;
	const char *owner = c->name;
	static const struct {
		const char *name;
		size_t off;
	} banned[] = {
	    {"isptr", offsetof(struct ptr_attr, isptr)},
	    {"isary", offsetof(struct ptr_attr, isary)},
	    {"readonly", offsetof(struct ptr_attr, readonly)},
	    {"string", offsetof(struct ptr_attr, string)},
	    {"wstring", offsetof(struct ptr_attr, wstring)},
	    {"user_check", offsetof(struct ptr_attr, user_check)},
	};

	interpret(d, ra, pa);
	if (dc->ty.is_const)
		diag_error(d, &dc->loc, "`const' is not allowed on structure member `%s' (in `%s')",
		           dc->name, owner);
	if (pa->any) {
		if (pa->dir != DIR_NONE)
			diag_error(d, &pa->loc,
			           "direction attribute is not allowed for structure member `%s' "
			           "(in `%s')",
			           dc->name, owner);
		if (!pa->size.present && !pa->count.present)
			diag_error(
			    d, &pa->loc,
			    "structure member `%s' has attributes but no `size=' or `count='",
			    dc->name);
		for (size_t i = 0; i < sizeof(banned) / sizeof(banned[0]); i++)
			if (*(const bool *)((const char *)pa + banned[i].off))
				diag_error(
				    d, &pa->loc,
				    "`%s' attribute is not allowed for structure member `%s' "
				    "(in `%s')",
				    banned[i].name, dc->name, owner);
	}
	decide_by_address(d, a, owner, dc);
	if (pa->any && dc->ndims)
		diag_error(
		    d, &pa->loc,
		    "`%s': invalid size attribute - member `%s' is explicitly declared array",
		    owner, dc->name);
	if (pa->any && dc->ty.kind == TY_VOID && dc->ty.ptr == 1 && !pa->size.present)
		diag_error(d, &dc->loc,
		           "`%s': void pointer member `%s' - buffer size unknown (use `size=')",
		           owner, dc->name);
}

static const struct decl *find_decl(const struct decl *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

static void check_size_ref(struct diag *d, const char *owner, const char *what,
                           const struct decl *v, size_t n, const struct decl *dc,
                           const struct attr_val *av, const char *key)
{
	const struct decl *ref;

	if (!av->present || av->is_num)
		return;
	ref = find_decl(v, n, av->name);
	if (!ref)
		diag_error(d, &av->loc, "`%s': `%s=%s' of `%s' refers to unknown %s `%s'", owner,
		           key, av->name, dc->name, what, av->name);
	if (ref == dc)
		diag_error(d, &av->loc, "`%s': `%s=%s' of `%s' refers to itself", owner, key,
		           av->name, dc->name);
	if (ref->is_ptr || !type_is_integer(&ref->ty))
		diag_error(d, &av->loc,
		           "`%s': `%s=%s' of `%s' must name an integer %s passed by value", owner,
		           key, av->name, dc->name, what);
}

void check_composite_members(struct diag *d, struct composite *c)
{
	for (size_t i = 0; i < c->nmembers; i++) {
		const struct decl *m = &c->members[i];

		for (size_t j = 0; j < i; j++)
			if (strcmp(c->members[j].name, m->name) == 0)
				diag_error(d, &m->loc, "`%s': duplicated member name `%s'", c->name,
				           m->name);
		check_size_ref(d, c->name, "member", c->members, c->nmembers, m, &m->attr.size,
		               "size");
		check_size_ref(d, c->name, "member", c->members, c->nmembers, m, &m->attr.count,
		               "count");
		if (m->attr.size.present || m->attr.count.present)
			c->deep_copy = true;
	}
}

/* Names that the generated code declares next to the parameters. */
static const char *const reserved_names[] = {
    "ms",
    "pms",
    "status",
    "ocalloc_size",
};
static const char *const reserved_prefixes[] = {"_tmp_", "_len_", "_in_", "__", "_de_"};

void check_func_params(struct diag *d, const struct func *f)
{
	for (size_t i = 0; i < f->nparams; i++) {
		const struct decl *p = &f->params[i];

		for (size_t j = 0; j < i; j++)
			if (strcmp(f->params[j].name, p->name) == 0)
				diag_error(d, &p->loc, "`%s': duplicated parameter name `%s'",
				           f->name, p->name);
		for (size_t j = 0; j < sizeof(reserved_names) / sizeof(reserved_names[0]); j++)
			if (strcmp(p->name, reserved_names[j]) == 0)
				diag_error(d, &p->loc,
				           "`%s': parameter name `%s' is reserved by the generated "
				           "code",
				           f->name, p->name);
		for (size_t j = 0; j < sizeof(reserved_prefixes) / sizeof(reserved_prefixes[0]);
		     j++)
			if (strncmp(p->name, reserved_prefixes[j], strlen(reserved_prefixes[j])) ==
			    0)
				diag_error(
				    d, &p->loc,
				    "`%s': parameter name `%s' uses the prefix `%s' reserved "
				    "by the generated code",
				    f->name, p->name, reserved_prefixes[j]);
		if (strcmp(p->name, "retval") == 0 && !(f->ret.kind == TY_VOID && f->ret.ptr == 0))
			diag_error(d, &p->loc,
			           "`%s': parameter name `retval' is reserved for the return value",
			           f->name);
		if (f->trusted && strcmp(p->name, "eid") == 0)
			diag_error(
			    d, &p->loc,
			    "`%s': parameter name `eid' is reserved for the enclave id of the "
			    "ECALL proxy",
			    f->name);
		check_size_ref(d, f->name, "parameter", f->params, f->nparams, p, &p->attr.size,
		               "size");
		check_size_ref(d, f->name, "parameter", f->params, f->nparams, p, &p->attr.count,
		               "count");
	}
}

void apply_func_attrs(struct diag *d, struct func *f, const struct raw_attrs *ra)
{
	static const char *const cc_names[] = {"", "cdecl", "stdcall", "fastcall"};

	for (size_t i = 0; i < ra->n; i++) {
		const struct raw_attr *r = &ra->items[i];
		enum call_conv cc = CC_NONE;

		no_value(d, r);
		if (strcmp(r->key, "cdecl") == 0)
			cc = CC_CDECL;
		else if (strcmp(r->key, "stdcall") == 0)
			cc = CC_STDCALL;
		else if (strcmp(r->key, "fastcall") == 0)
			cc = CC_FASTCALL;
		if (cc != CC_NONE) {
			if (f->cc != CC_NONE)
				diag_error(d, &r->loc, "unexpected `%s', conflicts with `%s'",
				           r->key, cc_names[f->cc]);
			f->cc = cc;
		} else if (strcmp(r->key, "dllimport") == 0) {
			if (f->dllimport)
				diag_error(d, &r->loc, "duplicated attribute `dllimport'");
			f->dllimport = true;
		} else {
			diag_error(d, &r->loc,
			           "invalid function attribute `%s' (allowed: cdecl, stdcall, "
			           "fastcall, dllimport)",
			           r->key);
		}
	}
}
