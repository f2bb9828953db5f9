/* The application side: <name>_u.h and <name>_u.c.
 *
 * ECALL proxies marshal the call into the application's shared window (the
 * only memory the enclave can see): the marshalling struct and every
 * [in]/[out] buffer are allocated there with de_window_alloc(), [in] data is
 * copied in, [out] areas are zeroed, and after sgx_ecall() the [out] data is
 * copied back to the caller's buffers. OCALL bridges call the application's
 * implementation with the arguments the enclave placed in the window. */
#include <string.h>

#include "check_attr.h"
#include "emit.h"

static const char *upper(struct gen *g, const char *s)
{
	char *u = arena_strdup(g->a, s);

	for (char *p = u; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	return u;
}

static const char *proxy_name(struct gen *g, const struct func *f)
{
	return g->use_prefix ? arena_printf(g->a, "%s_%s", g->name, f->name) : f->name;
}

/* sgx_status_t f(sgx_enclave_id_t eid[, R* retval], params...) */
static const char *uproxy_proto(struct gen *g, const struct func *f)
{
	const char *s =
	    arena_printf(g->a, "sgx_status_t %s(sgx_enclave_id_t eid", proxy_name(g, f));

	if (!is_void_ret(f))
		s = arena_printf(g->a, "%s, %s* retval", s, c_type(g, &f->ret));
	for (size_t i = 0; i < f->nparams; i++)
		s = arena_printf(g->a, "%s, %s", s, c_param(g, &f->params[i]));
	return arena_printf(g->a, "%s)", s);
}

static const char *const cc_macro[] = {"SGX_NOCONVENTION", "SGX_CDECL", "SGX_STDCALL",
                                       "SGX_FASTCALL"};

void emit_untrusted_header(struct gen *g, struct out *o)
{
	const char *guard = arena_printf(g->a, "%s_U_H__", upper(g, g->name));

	emit_banner(o, "Untrusted (application) side declarations of the enclave's edge calls.");
	out_printf(o, "#ifndef %s\n#define %s\n\n", guard, guard);
	out_printf(
	    o, "#include <stdint.h>\n#include <wchar.h>\n#include <stddef.h>\n"
	       "#include <string.h>\n#include \"sgx_edger8r.h\" /* for sgx_status_t etc. */\n\n");
	emit_includes(o, g->prog->includes, g->prog->nincludes);
	emit_includes(o, g->prog->u_includes, g->prog->nu_includes);
	out_printf(o, "\n#include <stdlib.h> /* for size_t */\n\n"
	              "#define SGX_CAST(type, item) ((type)(item))\n\n"
	              "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
	emit_composites(g, o);
	out_printf(o, "/* OCALLs: the application implements these. */\n");
	for (size_t i = 0; i < g->prog->nocalls; i++) {
		const struct func *f = &g->prog->ocalls[i];
		const char *fg = arena_printf(g->a, "%s_DEFINED__", upper(g, f->name));

		out_printf(o, "#ifndef %s\n#define %s\n%s%s SGX_UBRIDGE(%s, %s, (%s));\n#endif\n",
		           fg, fg, f->dllimport ? "SGX_DLLIMPORT " : "", c_type(g, &f->ret),
		           cc_macro[f->cc], f->name, c_param_list(g, f));
	}
	out_printf(o, "\n/* ECALL proxies: ECALL n of the enclave is the n-th declared. */\n");
	for (size_t i = 0; i < g->prog->necalls; i++)
		out_printf(o, "%s;\n", uproxy_proto(g, &g->prog->ecalls[i]));
	out_printf(o, "\n#ifdef __cplusplus\n}\n#endif /* __cplusplus */\n\n#endif\n");
}

/* ---- OCALL bridges ------------------------------------------------------- */

static const char *ubridge_arg(struct gen *g, const struct decl *d)
{
	const char *acc = arena_printf(g->a, "ms->ms_%s", d->name);

	if (d->is_ptr && d->attr.isary)
		return arena_printf(g->a, "(%s != NULL) ? (*%s) : NULL", acc, acc);
	if (d->ndims > 1) {
		const char *dims = "";

		for (int i = 1; i < d->ndims; i++)
			dims = arena_printf(g->a, "%s[%ld]", dims, d->dims[i]);
		return arena_printf(g->a, "(%s (*)%s)%s", c_elem_type(g, d), dims, acc);
	}
	return acc;
}

static void emit_ocall_bridge(struct gen *g, struct out *o, const struct func *f)
{
	const char *call = "";

	for (size_t i = 0; i < f->nparams; i++)
		call = arena_printf(g->a, "%s%s%s", call, i ? ", " : "",
		                    ubridge_arg(g, &f->params[i]));
	out_printf(o, "static sgx_status_t SGX_CDECL %s_%s(void* pms)\n{\n", g->name, f->name);
	if (!has_ms(f)) {
		out_printf(o, "\tif (pms != NULL)\n\t\treturn SGX_ERROR_INVALID_PARAMETER;\n");
		out_printf(o, "\t%s();\n\treturn SGX_SUCCESS;\n}\n\n", f->name);
		return;
	}
	out_printf(o, "\tms_%s_t* ms = SGX_CAST(ms_%s_t*, pms);\n\n", f->name, f->name);
	if (is_void_ret(f))
		out_printf(o, "\t%s(%s);\n", f->name, call);
	else
		out_printf(o, "\tms->ms_retval = %s(%s);\n", f->name, call);
	if (f->propagate_errno)
		out_printf(o, "\tms->ocall_errno = errno;\n");
	out_printf(o, "\treturn SGX_SUCCESS;\n}\n\n");
}

static void emit_ocall_table(struct gen *g, struct out *o)
{
	size_t n = g->prog->nocalls;

	out_printf(o,
	           "/* OCALL table handed to sgx_ecall(): entry n serves OCALL n. */\n"
	           "static const struct {\n\tsize_t nr_ocall;\n\tvoid* table[%zu];\n} "
	           "ocall_table_%s = {\n\t%zu,\n\t{\n",
	           n ? n : 1, g->name, n);
	if (n == 0)
		out_printf(o, "\t\tNULL,\n");
	for (size_t i = 0; i < n; i++)
		out_printf(o, "\t\t(void*)%s_%s,\n", g->name, g->prog->ocalls[i].name);
	out_printf(o, "\t}\n};\n\n");
}

/* ---- ECALL proxies -------------------------------------------------------- */

static const char *uref(struct gen *g, const char *prefix, const char *name)
{
	(void)prefix;
	return arena_strdup(g->a, name);
}

static void emit_deep_sizes(struct gen *g, struct out *o, const struct decl *d,
                            const struct composite *s)
{
	out_printf(o, "\tif (%s != NULL) {\n", d->name);
	out_printf(o, "\t\tfor (size_t __i = 0; __i < _len_%s / sizeof(struct %s); __i++) {\n",
	           d->name, s->name);
	for (size_t j = 0; j < s->nmembers; j++) {
		const struct decl *m = &s->members[j];
		const char *el = arena_printf(g->a, "%s[__i]", d->name);
		struct size_expr se;

		if (!m->attr.size.present && !m->attr.count.present)
			continue;
		member_size(g, m, el, &se);
		if (se.ovf)
			out_printf(o,
			           "\t\t\tif (%s)\n\t\t\t\treturn SGX_ERROR_INVALID_PARAMETER;\n",
			           se.ovf);
		out_printf(o,
		           "\t\t\tif (%s.%s != NULL && DE_EDGE_ADD_SIZE(_de_size, %s))\n"
		           "\t\t\t\treturn SGX_ERROR_INVALID_PARAMETER;\n",
		           el, m->name, se.len);
	}
	out_printf(o, "\t\t}\n\t}\n");
}

static void emit_deep_fill(struct gen *g, struct out *o, const struct decl *d,
                           const struct composite *s)
{
	out_printf(o, "\t\tfor (size_t __i = 0; __i < _len_%s / sizeof(struct %s); __i++) {\n",
	           d->name, s->name);
	for (size_t j = 0; j < s->nmembers; j++) {
		const struct decl *m = &s->members[j];
		const char *el = arena_printf(g->a, "%s[__i]", d->name);
		struct size_expr se;

		if (!m->attr.size.present && !m->attr.count.present)
			continue;
		member_size(g, m, el, &se);
		out_printf(o, "\t\t\tif (%s.%s != NULL) {\n", el, m->name);
		out_printf(o, "\t\t\t\tsize_t _de_mlen = %s;\n\n", se.len);
		out_printf(
		    o,
		    "\t\t\t\tif ((%s) || _de_mlen > (size_t)(_de_win + _de_size - _de_cur)) {\n"
		    "\t\t\t\t\tstatus = SGX_ERROR_INVALID_PARAMETER; /* changed meanwhile */\n"
		    "\t\t\t\t\tgoto out;\n\t\t\t\t}\n",
		    se.ovf ? se.ovf : "0");
		out_printf(o, "\t\t\t\tmemcpy(_de_cur, %s.%s, _de_mlen);\n", el, m->name);
		out_printf(o, "\t\t\t\t((struct %s*)_de_%s)[__i].%s = (%s)_de_cur;\n", s->name,
		           d->name, m->name, c_type(g, &m->ty));
		out_printf(o, "\t\t\t\t_de_cur += DE_EDGE_ALIGN(_de_mlen);\n\t\t\t}\n");
	}
	out_printf(o, "\t\t}\n");
}

static void emit_deep_copy_back(struct gen *g, struct out *o, const struct decl *d,
                                const struct composite *s)
{
	out_printf(o, "\t\tif (_de_%s != NULL) {\n", d->name);
	out_printf(o, "\t\t\tfor (size_t __i = 0; __i < _len_%s / sizeof(struct %s); __i++) {\n",
	           d->name, s->name);
	out_printf(o, "\t\t\t\tstruct %s _de_e;\n\n", s->name);
	out_printf(o, "\t\t\t\tmemcpy(&_de_e, (struct %s*)_de_%s + __i, sizeof(_de_e));\n", s->name,
	           d->name);
	for (size_t j = 0; j < s->nmembers; j++) {
		const struct decl *m = &s->members[j];
		const char *el = arena_printf(g->a, "%s[__i]", d->name);
		struct size_expr se;

		if (!m->attr.size.present && !m->attr.count.present)
			continue;
		member_size(g, m, el, &se);
		out_printf(o, "\t\t\t\tif (%s.%s != NULL && _de_e.%s != NULL)\n", el, m->name,
		           m->name);
		out_printf(o, "\t\t\t\t\tmemcpy((void*)%s.%s, (const void*)_de_e.%s, %s);\n", el,
		           m->name, m->name, se.len);
		out_printf(o, "\t\t\t\t_de_e.%s = %s.%s;\n", m->name, el, m->name);
	}
	out_printf(o, "\t\t\t\t%s[__i] = _de_e;\n\t\t\t}\n\t\t}\n", d->name);
}

static void emit_ecall_proxy(struct gen *g, struct out *o, const struct func *f, size_t idx)
{
	bool any_copied = false;

	out_printf(o, "%s\n{\n\tsgx_status_t status;\n", uproxy_proto(g, f));
	if (!has_ms(f)) {
		out_printf(o, "\n\tstatus = sgx_ecall(eid, %zu, &ocall_table_%s, NULL);\n", idx,
		           g->name);
		out_printf(o, "\treturn status;\n}\n\n");
		return;
	}
	out_printf(o, "\tms_%s_t* ms;\n\tunsigned char* _de_win;\n", f->name);
	for (size_t i = 0; i < f->nparams; i++)
		any_copied |= is_copied(&f->params[i]);
	if (any_copied)
		out_printf(o, "\tunsigned char* _de_cur;\n");
	out_printf(o, "\tsize_t _de_size = DE_EDGE_ALIGN(sizeof(ms_%s_t));\n", f->name);
	for (size_t i = 0; i < f->nparams; i++) {
		const struct decl *d = &f->params[i];
		struct size_expr se;

		if (!is_copied(d))
			continue;
		if (d->attr.string)
			out_printf(o, "\tsize_t _len_%s = %s ? strlen((const char*)%s) + 1 : 0;\n",
			           d->name, d->name, d->name);
		else if (d->attr.wstring)
			out_printf(o,
			           "\tsize_t _len_%s = %s ? (wcslen(%s) + 1) * sizeof(wchar_t) : "
			           "0;\n",
			           d->name, d->name, d->name);
		else {
			param_size(g, d, uref, "", d->name, &se);
			out_printf(o, "\tsize_t _len_%s = %s;\n", d->name, se.len);
		}
		if (d->attr.dir & DIR_OUT)
			out_printf(o, "\tunsigned char* _de_%s = NULL;\n", d->name);
	}
	out_printf(o, "\n");
	for (size_t i = 0; i < f->nparams; i++) {
		const struct decl *d = &f->params[i];
		const struct composite *s;
		struct size_expr se;

		if (!is_copied(d))
			continue;
		if (!d->attr.string && !d->attr.wstring) {
			param_size(g, d, uref, "", d->name, &se);
			if (se.ovf)
				out_printf(o,
				           "\tif (%s)\n\t\treturn SGX_ERROR_INVALID_PARAMETER;\n",
				           se.ovf);
		}
		out_printf(o,
		           "\tif (%s != NULL && DE_EDGE_ADD_SIZE(_de_size, _len_%s))\n"
		           "\t\treturn SGX_ERROR_INVALID_PARAMETER;\n",
		           d->name, d->name);
		s = deep_struct(g, d);
		if (s)
			emit_deep_sizes(g, o, d, s);
	}
	out_printf(o,
	           "\n\t_de_win = (unsigned char*)de_window_alloc(eid, _de_size);\n"
	           "\tif (_de_win == NULL)\n\t\treturn de_window_status(eid); /* why: full, or no "
	           "such enclave */\n"
	           "\tmemset(_de_win, 0, sizeof(ms_%s_t));\n"
	           "\tms = (ms_%s_t*)_de_win;\n",
	           f->name, f->name);
	if (any_copied)
		out_printf(o, "\t_de_cur = _de_win + DE_EDGE_ALIGN(sizeof(ms_%s_t));\n", f->name);
	out_printf(o, "\n");
	for (size_t i = 0; i < f->nparams; i++) {
		const struct decl *d = &f->params[i];
		const char *mt = c_ms_type(g, d, true);
		const struct composite *s;

		if (!is_copied(d)) {
			if (d->is_ptr && (d->ndims || d->attr.isary))
				out_printf(o, "\tms->ms_%s = (%s)%s;\n", d->name, mt, d->name);
			else
				out_printf(o, "\tms->ms_%s = %s;\n", d->name, d->name);
			continue;
		}
		out_printf(o, "\tif (%s != NULL) {\n", d->name);
		if (d->attr.dir & DIR_IN)
			out_printf(o, "\t\tmemcpy(_de_cur, (const void*)%s, _len_%s);\n", d->name,
			           d->name);
		else
			out_printf(o, "\t\tmemset(_de_cur, 0, _len_%s);\n", d->name);
		out_printf(o, "\t\tms->ms_%s = (%s)_de_cur;\n", d->name, mt);
		if (d->attr.dir & DIR_OUT)
			out_printf(o, "\t\t_de_%s = _de_cur;\n", d->name);
		out_printf(o, "\t\t_de_cur += DE_EDGE_ALIGN(_len_%s);\n", d->name);
		s = deep_struct(g, d);
		if (s) {
			if (!(d->attr.dir & DIR_OUT))
				out_printf(o,
				           "\t\tunsigned char* _de_%s = _de_cur - "
				           "DE_EDGE_ALIGN(_len_%s);\n\n",
				           d->name, d->name);
			emit_deep_fill(g, o, d, s);
		}
		out_printf(o, "\t} else {\n\t\tms->ms_%s = NULL;\n\t}\n", d->name);
		if (f->trusted && (d->attr.string || d->attr.wstring))
			out_printf(o, "\tms->ms_%s_len = _len_%s;\n", d->name, d->name);
	}
	out_printf(o, "\n\tstatus = sgx_ecall(eid, %zu, &ocall_table_%s, ms);\n", idx, g->name);
	out_printf(o, "\tif (status == SGX_SUCCESS) {\n");
	if (!is_void_ret(f))
		out_printf(o, "\t\tif (retval)\n\t\t\t*retval = ms->ms_retval;\n");
	for (size_t i = 0; i < f->nparams; i++) {
		const struct decl *d = &f->params[i];
		const struct composite *s;

		if (!is_copied(d) || !(d->attr.dir & DIR_OUT))
			continue;
		s = deep_struct(g, d);
		if (s) {
			emit_deep_copy_back(g, o, d, s);
			continue;
		}
		out_printf(o,
		           "\t\tif (_de_%s != NULL)\n\t\t\tmemcpy((void*)%s, _de_%s, _len_%s);\n",
		           d->name, d->name, d->name, d->name);
	}
	out_printf(o, "\t}\n");
	for (size_t i = 0; i < f->nparams; i++)
		if (deep_struct(g, &f->params[i])) {
			out_printf(o, "out:\n");
			break;
		}
	out_printf(o, "\tde_window_free(eid, _de_win);\n\treturn status;\n}\n\n");
}

void emit_untrusted_source(struct gen *g, struct out *o)
{
	emit_banner(o, "Untrusted (application) side of the enclave's edge calls.");
	out_printf(o,
	           "#include \"%s_u.h\"\n#include <errno.h>\n#include \"de_window.h\" /* for "
	           "de_window_alloc, de_window_free */\n\n",
	           g->name);
	emit_edge_macros(o);
	for (size_t i = 0; i < g->prog->necalls; i++)
		emit_ms_struct(g, o, &g->prog->ecalls[i]);
	for (size_t i = 0; i < g->prog->nocalls; i++)
		emit_ms_struct(g, o, &g->prog->ocalls[i]);
	for (size_t i = 0; i < g->prog->nocalls; i++)
		emit_ocall_bridge(g, o, &g->prog->ocalls[i]);
	emit_ocall_table(g, o);
	for (size_t i = 0; i < g->prog->necalls; i++)
		emit_ecall_proxy(g, o, &g->prog->ecalls[i], i);
}
