#include "emit_common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_attr.h"
#include "checker.h"

void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (o->len + (size_t)n + 1 > o->cap) {
		size_t ncap = o->cap ? o->cap : 4096;
		char *nb;

		while (ncap < o->len + (size_t)n + 1)
			ncap *= 2;
		nb = realloc(o->buf, ncap);
		if (!nb) {
			fputs("de_edger8r: out of memory\n", stderr);
			abort();
		}
		o->buf = nb;
		o->cap = ncap;
	}
	va_start(ap, fmt);
	vsnprintf(o->buf + o->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o->len += (size_t)n;
}

void out_free(struct out *o)
{
	free(o->buf);
	memset(o, 0, sizeof(*o));
}

int out_write_file(const struct out *o, const char *path)
{
	FILE *f = fopen(path, "wb");
	int err = 0;

	if (!f)
		return -errno;
	if (o->len && fwrite(o->buf, 1, o->len, f) != o->len)
		err = -errno;
	if (fclose(f) != 0 && !err)
		err = -errno;
	return err;
}

static const char *stars(int n)
{
	static const char s[] = "****************";

	if (n > 16)
		n = 16;
	return s + 16 - n;
}

static const char *c_base(struct gen *g, const struct type *t)
{
	switch (t->kind) {
	case TY_STRUCT:
		return arena_printf(g->a, "struct %s", t->name);
	case TY_UNION:
		return arena_printf(g->a, "union %s", t->name);
	case TY_ENUM:
		return arena_printf(g->a, "enum %s", t->name);
	default:
		return base_type_name(t);
	}
}

const char *c_type(struct gen *g, const struct type *t)
{
	return arena_printf(g->a, "%s%s", c_base(g, t), stars(t->ptr));
}

const char *c_elem_type(struct gen *g, const struct decl *d)
{
	if (d->ndims || d->ty.ptr == 0)
		return c_base(g, &d->ty);
	return arena_printf(g->a, "%s%s", c_base(g, &d->ty), stars(d->ty.ptr - 1));
}

const char *c_ms_type(struct gen *g, const struct decl *d, bool with_const)
{
	const char *c = with_const && d->ty.is_const ? "const " : "";

	if (d->is_ptr && (d->ndims || d->attr.isary))
		return arena_printf(g->a, "%s%s*", c, c_type(g, &d->ty));
	return arena_printf(g->a, "%s%s", c, c_type(g, &d->ty));
}

const char *c_param(struct gen *g, const struct decl *d)
{
	const char *s = arena_printf(g->a, "%s%s %s", d->ty.is_const ? "const " : "",
	                             c_type(g, &d->ty), d->name);

	for (int i = 0; i < d->ndims; i++)
		s = arena_printf(g->a, "%s[%ld]", s, d->dims[i]);
	return s;
}

const char *c_param_list(struct gen *g, const struct func *f)
{
	const char *s;

	if (f->nparams == 0)
		return "void";
	s = c_param(g, &f->params[0]);
	for (size_t i = 1; i < f->nparams; i++)
		s = arena_printf(g->a, "%s, %s", s, c_param(g, &f->params[i]));
	return s;
}

bool is_void_ret(const struct func *f)
{
	return f->ret.kind == TY_VOID && f->ret.ptr == 0;
}

bool is_naked(const struct func *f)
{
	return is_void_ret(f) && f->nparams == 0;
}

bool has_ms(const struct func *f)
{
	return !is_naked(f) || f->propagate_errno;
}

bool is_copied(const struct decl *d)
{
	return d->is_ptr && !d->attr.user_check && d->attr.dir != DIR_NONE;
}

bool elem_typed(const struct decl *d)
{
	const struct type *t = &d->ty;

	if (d->attr.isary || d->attr.isptr || d->attr.string || d->attr.wstring)
		return false;
	if (d->ndims)
		return true;
	if (t->ptr == 1 && (t->kind == TY_VOID || t->kind == TY_FOREIGN))
		return false;
	return true;
}

const struct composite *deep_struct(struct gen *g, const struct decl *d)
{
	const struct composite *s;

	if (!is_copied(d) || d->ty.kind != TY_STRUCT || d->ty.ptr != 1 || d->ndims)
		return NULL;
	s = find_struct(g->prog, d->ty.name);
	return s && s->deep_copy ? s : NULL;
}

static const char *val_expr(struct gen *g, const struct attr_val *v, ref_fn ref, const char *prefix)
{
	if (v->is_num)
		return arena_printf(g->a, "(size_t)%ld", v->num);
	return arena_printf(g->a, "(size_t)%s", ref(g, prefix, v->name));
}

void param_size(struct gen *g, const struct decl *d, ref_fn ref, const char *prefix,
                const char *self, struct size_expr *out)
{
	const struct ptr_attr *pa = &d->attr;
	const char *elem, *count = NULL;

	out->ovf = NULL;
	if (pa->isary) {
		out->len = arena_printf(g->a, "sizeof(%s)", c_type(g, &d->ty));
		return;
	}
	if (d->ndims) {
		long n = 1;

		for (int i = 0; i < d->ndims; i++)
			n *= d->dims[i];
		out->len = arena_printf(g->a, "%ld * sizeof(%s)", n, c_elem_type(g, d));
		return;
	}
	if (pa->size.present)
		elem = val_expr(g, &pa->size, ref, prefix);
	else if (d->ty.ptr > 0)
		elem = arena_printf(g->a, "sizeof(%s)", c_elem_type(g, d));
	else
		elem = arena_printf(g->a, "sizeof(*%s)", self);
	if (pa->count.present)
		count = val_expr(g, &pa->count, ref, prefix);
	if (!count) {
		out->len = elem;
		return;
	}
	out->len = arena_printf(g->a, "%s * %s", count, elem);
	out->ovf = arena_printf(g->a, "de_edge_mul_overflow(%s, %s)", count, elem);
}

void member_size(struct gen *g, const struct decl *m, const char *elem_s, struct size_expr *out)
{
	const struct ptr_attr *pa = &m->attr;
	const char *elem, *count = NULL;

	out->ovf = NULL;
	if (pa->size.present)
		elem = pa->size.is_num ? arena_printf(g->a, "(size_t)%ld", pa->size.num)
		                       : arena_printf(g->a, "(size_t)%s.%s", elem_s, pa->size.name);
	else
		elem = arena_printf(g->a, "sizeof(%s)", c_elem_type(g, m));
	if (pa->count.present)
		count = pa->count.is_num
		            ? arena_printf(g->a, "(size_t)%ld", pa->count.num)
		            : arena_printf(g->a, "(size_t)%s.%s", elem_s, pa->count.name);
	if (!count) {
		out->len = elem;
		return;
	}
	out->len = arena_printf(g->a, "%s * %s", count, elem);
	out->ovf = arena_printf(g->a, "de_edge_mul_overflow(%s, %s)", count, elem);
}

void emit_ms_struct(struct gen *g, struct out *o, const struct func *f)
{
	if (!has_ms(f))
		return;
	out_printf(o, "typedef struct ms_%s_t {\n", f->name);
	if (!is_void_ret(f))
		out_printf(o, "\t%s ms_retval;\n", c_type(g, &f->ret));
	if (f->propagate_errno)
		out_printf(o, "\tint ocall_errno;\n");
	for (size_t i = 0; i < f->nparams; i++) {
		const struct decl *d = &f->params[i];

		out_printf(o, "\t%s ms_%s;\n", c_ms_type(g, d, true), d->name);
		if (f->trusted && is_copied(d) && (d->attr.string || d->attr.wstring))
			out_printf(o, "\tsize_t ms_%s_len;\n", d->name);
	}
	out_printf(o, "} ms_%s_t;\n\n", f->name);
}

void emit_composites(struct gen *g, struct out *o)
{
	for (size_t i = 0; i < g->prog->ncomps; i++) {
		const struct composite *c = &g->prog->comps[i];

		if (c->kind == COMP_ENUM) {
			if (c->name[0])
				out_printf(o, "typedef enum %s {\n", c->name);
			else
				out_printf(o, "enum {\n");
			for (size_t j = 0; j < c->nitems; j++) {
				if (c->items[j].value)
					out_printf(o, "\t%s = %s,\n", c->items[j].name,
					           c->items[j].value);
				else
					out_printf(o, "\t%s,\n", c->items[j].name);
			}
			if (c->name[0])
				out_printf(o, "} %s;\n\n", c->name);
			else
				out_printf(o, "};\n\n");
			continue;
		}
		out_printf(o, "#ifndef DE_EDL_TYPE_%s_DEFINED\n#define DE_EDL_TYPE_%s_DEFINED\n",
		           c->name, c->name);
		out_printf(o, "typedef %s %s {\n", c->kind == COMP_STRUCT ? "struct" : "union",
		           c->name);
		for (size_t j = 0; j < c->nmembers; j++)
			out_printf(o, "\t%s;\n", c_param(g, &c->members[j]));
		out_printf(o, "} %s;\n#endif\n\n", c->name);
	}
}

void emit_includes(struct out *o, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out_printf(o, "#include \"%s\"\n", v[i]);
}

void emit_banner(struct out *o, const char *what)
{
	out_printf(o,
	           "/*\n * %s\n *\n * Generated by de_edger8r from the enclave's EDL file. Do not "
	           "edit:\n * changes are lost when the file is generated again.\n */\n\n",
	           what);
}

void emit_edge_macros(struct out *o)
{
	out_printf(
	    o, "/* Buffers placed in shared memory are 16-byte aligned. */\n"
	       "#define DE_EDGE_ALIGN(n) (((n) + 15) & ~(size_t)15)\n\n"
	       "/* total += DE_EDGE_ALIGN(n); true when that overflows. */\n"
	       "#define DE_EDGE_ADD_SIZE(total, n) \\\n"
	       "\t((n) > SIZE_MAX - 15 || ((total) += DE_EDGE_ALIGN(n)) < DE_EDGE_ALIGN(n))\n\n"
	       "/* True when count * size does not fit in size_t. */\n"
	       "static inline __attribute__((unused)) int de_edge_mul_overflow(size_t count,\n"
	       "                                                                 size_t size)\n{\n"
	       "\treturn size != 0 && count > SIZE_MAX / size;\n}\n\n");
}
