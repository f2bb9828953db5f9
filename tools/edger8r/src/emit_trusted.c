/* The enclave side: <name>_t.h and <name>_t.c.
 *
 * ECALL bridges (sgx_<f>) validate the marshalling struct, copy it once into
 * enclave memory, check every [in]/[out] pointer lies outside the enclave
 * (in the shared window) for its whole length, copy [in] data into enclave
 * heap buffers before the call, hand zeroed buffers for [out], and copy the
 * results back afterwards. OCALL proxies do the reverse with sgx_ocalloc()
 * buffers and sgx_ocall(). The tables at the end are what the trusted
 * runtime dispatches through. */
#include <string.h>

#include "check_attr.h"
#include "emit.h"

static const char *tref(struct gen *g, const char *prefix, const char *name)
{
	return arena_printf(g->a, "%s%s", prefix, name);
}

static const char *upper(struct gen *g, const char *s)
{
	char *u = arena_strdup(g->a, s);

	for (char *p = u; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	return u;
}

/* sgx_status_t SGX_CDECL f([R* retval,] params) */
static const char *tproxy_proto(struct gen *g, const struct func *f)
{
	const char *s = "";

	if (!is_void_ret(f))
		s = arena_printf(g->a, "%s* retval", c_type(g, &f->ret));
	for (size_t i = 0; i < f->nparams; i++)
		s = arena_printf(g->a, "%s%s%s", s, *s ? ", " : "", c_param(g, &f->params[i]));
	return arena_printf(g->a, "sgx_status_t SGX_CDECL %s(%s)", f->name, *s ? s : "void");
}

void emit_trusted_header(struct gen *g, struct out *o)
{
	const char *guard = arena_printf(g->a, "%s_T_H__", upper(g, g->name));

	emit_banner(o, "Trusted (enclave) side declarations of the enclave's edge calls.");
	out_printf(o, "#ifndef %s\n#define %s\n\n", guard, guard);
	out_printf(o, "#include <stdint.h>\n#include <wchar.h>\n#include <stddef.h>\n"
	              "#include \"sgx_edger8r.h\" /* for sgx_ocall etc. */\n\n");
	emit_includes(o, g->prog->includes, g->prog->nincludes);
	emit_includes(o, g->prog->t_includes, g->prog->nt_includes);
	out_printf(o, "\n#include <stdlib.h> /* for size_t */\n\n"
	              "#define SGX_CAST(type, item) ((type)(item))\n\n"
	              "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
	emit_composites(g, o);
	out_printf(o, "/* ECALLs: the enclave implements these. */\n");
	for (size_t i = 0; i < g->prog->necalls; i++) {
		const struct func *f = &g->prog->ecalls[i];

		out_printf(o, "%s %s(%s);\n", c_type(g, &f->ret), f->name, c_param_list(g, f));
	}
	out_printf(o, "\n/* OCALL proxies: OCALL n of the enclave is the n-th declared. */\n");
	for (size_t i = 0; i < g->prog->nocalls; i++)
		out_printf(o, "%s;\n", tproxy_proto(g, &g->prog->ocalls[i]));
	out_printf(o, "\n#ifdef __cplusplus\n}\n#endif /* __cplusplus */\n\n#endif\n");
}

static const char *dims_cast(struct gen *g, const struct decl *d)
{
	const char *dims = "";

	if (d->ndims <= 1)
		return "";
	for (int i = 1; i < d->ndims; i++)
		dims = arena_printf(g->a, "%s[%ld]", dims, d->dims[i]);
	return arena_printf(g->a, "(%s (*)%s)", c_elem_type(g, d), dims);
}

static const char *bridge_arg(struct gen *g, const struct decl *d)
{
	const char *v;

	if (!d->is_ptr)
		return arena_printf(g->a, "_tmp_%s", d->name);
	v = arena_printf(g->a, "%s_%s", is_copied(d) ? "_in" : "_tmp", d->name);
	if (d->attr.isary)
		return arena_printf(g->a, "(%s != NULL) ? (*%s) : NULL", v, v);
	return arena_printf(g->a, "%s%s", dims_cast(g, d), v);
}

static bool member_typed(const struct decl *m)
{
	return m->ty.ptr > 1 || (m->ty.kind != TY_VOID && m->ty.kind != TY_FOREIGN);
}

#define ERR(o, ind, code) out_printf(o, "%s\tstatus = %s;\n%s\tgoto err;\n", ind, code, ind)

/* ---- ECALL bridge: deep copy of struct members ------------------------------ */

static void deep_in(struct gen *g, struct out *o, const struct decl *d, const struct composite *s)
{
	bool inout = d->attr.dir == DIR_INOUT;
	const char *p = d->name;
	const char *el = arena_printf(g->a, "_in_%s[__i]", p);

	out_printf(o, "\t\tfor (size_t __i = 0; __i < _len_%s / sizeof(struct %s); __i++) {\n", p,
	           s->name);
	for (size_t j = 0; j < s->nmembers; j++) {
		const struct decl *m = &s->members[j];
		struct size_expr se;

		if (!m->attr.size.present && !m->attr.count.present)
			continue;
		member_size(g, m, el, &se);
		out_printf(o, "\t\t\tsize_t _de_l_%s = %s;\n\n", m->name, se.len);
		if (se.ovf) {
			out_printf(o, "\t\t\tif (%s) {\n", se.ovf);
			ERR(o, "\t\t\t", "SGX_ERROR_INVALID_PARAMETER");
			out_printf(o, "\t\t\t}\n");
		}
		if (inout) {
			out_printf(o,
			           "\t\t\tif (DE_EDGE_ADD_SIZE(_de_blksz_%s, "
			           "sizeof(de_edge_saved_t))) {\n",
			           p);
			ERR(o, "\t\t\t", "SGX_ERROR_INVALID_PARAMETER");
			out_printf(o, "\t\t\t}\n");
		}
		out_printf(o, "\t\t\tif (%s.%s != NULL && _de_l_%s != 0) {\n", el, m->name,
		           m->name);
		out_printf(o, "\t\t\t\tif (!sgx_is_outside_enclave(%s.%s, _de_l_%s)", el, m->name,
		           m->name);
		if (member_typed(m))
			out_printf(o, " ||\n\t\t\t\t    _de_l_%s %% sizeof(*%s.%s) != 0", m->name,
			           el, m->name);
		out_printf(o, " ||\n\t\t\t\t    DE_EDGE_ADD_SIZE(_de_blksz_%s, _de_l_%s)) {\n", p,
		           m->name);
		ERR(o, "\t\t\t\t", "SGX_ERROR_INVALID_PARAMETER");
		out_printf(o, "\t\t\t\t}\n\t\t\t}\n");
	}
	out_printf(o, "\t\t}\n");
	out_printf(
	    o,
	    "\t\t_de_blk_%s = (unsigned char*)de_edge_malloc(_de_blksz_%s ? _de_blksz_%s : 1);\n",
	    p, p, p);
	out_printf(o, "\t\tif (_de_blk_%s == NULL) {\n", p);
	ERR(o, "\t\t", "SGX_ERROR_OUT_OF_MEMORY");
	out_printf(o, "\t\t}\n\t\t_de_cur_%s = _de_blk_%s;\n", p, p);
	out_printf(o, "\t\tfor (size_t __i = 0; __i < _len_%s / sizeof(struct %s); __i++) {\n", p,
	           s->name);
	for (size_t j = 0; j < s->nmembers; j++) {
		const struct decl *m = &s->members[j];
		struct size_expr se;

		if (!m->attr.size.present && !m->attr.count.present)
			continue;
		member_size(g, m, el, &se);
		out_printf(o, "\t\t\tsize_t _de_l_%s = %s;\n\n", m->name, se.len);
		if (inout) {
			out_printf(o, "\t\t\t((de_edge_saved_t*)_de_cur_%s)->ptr = (void*)%s.%s;\n",
			           p, el, m->name);
			out_printf(o, "\t\t\t((de_edge_saved_t*)_de_cur_%s)->len = _de_l_%s;\n", p,
			           m->name);
			out_printf(
			    o, "\t\t\t_de_cur_%s += DE_EDGE_ALIGN(sizeof(de_edge_saved_t));\n", p);
		}
		out_printf(o, "\t\t\tif (%s.%s != NULL && _de_l_%s != 0) {\n", el, m->name,
		           m->name);
		out_printf(o, "\t\t\t\tmemcpy(_de_cur_%s, (const void*)%s.%s, _de_l_%s);\n", p, el,
		           m->name, m->name);
		out_printf(o, "\t\t\t\t%s.%s = (%s)_de_cur_%s;\n", el, m->name, c_type(g, &m->ty),
		           p);
		out_printf(o, "\t\t\t\t_de_cur_%s += DE_EDGE_ALIGN(_de_l_%s);\n", p, m->name);
		out_printf(o, "\t\t\t} else {\n\t\t\t\t%s.%s = NULL;\n\t\t\t}\n", el, m->name);
	}
	out_printf(o, "\t\t}\n");
}

static void deep_back(struct gen *g, struct out *o, const struct decl *d, const struct composite *s)
{
	const char *p = d->name;
	const char *el = arena_printf(g->a, "_in_%s[__i]", p);

	out_printf(o, "\tif (_in_%s != NULL && _de_blk_%s != NULL) {\n", p, p);
	out_printf(o, "\t\t_de_cur_%s = _de_blk_%s;\n", p, p);
	out_printf(o, "\t\tfor (size_t __i = 0; __i < _len_%s / sizeof(struct %s); __i++) {\n", p,
	           s->name);
	for (size_t j = 0; j < s->nmembers; j++) {
		const struct decl *m = &s->members[j];
		struct size_expr se;

		if (!m->attr.size.present && !m->attr.count.present)
			continue;
		member_size(g, m, el, &se);
		out_printf(o, "\t\t\tde_edge_saved_t _de_s_%s;\n\n", m->name);
		out_printf(o, "\t\t\tmemcpy(&_de_s_%s, _de_cur_%s, sizeof(_de_s_%s));\n", m->name,
		           p, m->name);
		out_printf(o, "\t\t\t_de_cur_%s += DE_EDGE_ALIGN(sizeof(de_edge_saved_t));\n", p);
		out_printf(o, "\t\t\tif (_de_s_%s.ptr != NULL && _de_s_%s.len != 0) {\n", m->name,
		           m->name);
		out_printf(o, "\t\t\t\tsize_t _de_l_%s = %s;\n\n", m->name, se.len);
		out_printf(o, "\t\t\t\tif (%s%s_de_l_%s > _de_s_%s.len) {\n", se.ovf ? se.ovf : "",
		           se.ovf ? " ||\n\t\t\t\t    " : "", m->name, m->name);
		ERR(o, "\t\t\t\t", "SGX_ERROR_INVALID_PARAMETER");
		out_printf(o, "\t\t\t\t}\n");
		out_printf(o, "\t\t\t\tif (%s.%s != NULL && _de_l_%s != 0) {\n", el, m->name,
		           m->name);
		out_printf(o, "\t\t\t\t\tif (!sgx_is_within_enclave(%s.%s, _de_l_%s)) {\n", el,
		           m->name, m->name);
		ERR(o, "\t\t\t\t\t", "SGX_ERROR_INVALID_PARAMETER");
		out_printf(o, "\t\t\t\t\t}\n");
		out_printf(o, "\t\t\t\t\tmemcpy(_de_s_%s.ptr, (const void*)%s.%s, _de_l_%s);\n",
		           m->name, el, m->name, m->name);
		out_printf(o, "\t\t\t\t}\n");
		out_printf(o, "\t\t\t\t_de_cur_%s += DE_EDGE_ALIGN(_de_s_%s.len);\n", p, m->name);
		out_printf(o, "\t\t\t}\n");
		out_printf(o, "\t\t\t%s.%s = (%s)_de_s_%s.ptr;\n", el, m->name, c_type(g, &m->ty),
		           m->name);
	}
	out_printf(o, "\t\t}\n\t}\n");
}

/* ---- ECALL bridge --------------------------------------------------------- */

static void emit_ecall_bridge(struct gen *g, struct out *o, const struct func *f)
{
	const char *call = "";
	bool any_copied = false, any_checked = false;

	for (size_t i = 0; i < f->nparams; i++) {
		call =
		    arena_printf(g->a, "%s%s%s", call, i ? ", " : "", bridge_arg(g, &f->params[i]));
		any_copied |= is_copied(&f->params[i]);
	}
	any_checked = any_copied;
	out_printf(o, "static sgx_status_t SGX_CDECL sgx_%s(void* pms)\n{\n", f->name);
	if (!has_ms(f)) {
		out_printf(o,
		           "\tsgx_status_t status = SGX_SUCCESS;\n\n"
		           "\tif (pms != NULL)\n\t\treturn SGX_ERROR_INVALID_PARAMETER;\n"
		           "\t%s();\n\treturn status;\n}\n\n",
		           f->name);
		return;
	}
	out_printf(o,
	           "\tCHECK_REF_POINTER(pms, sizeof(ms_%s_t));\n"
	           "\t//\n\t// fence after pointer checks\n\t//\n\tsgx_lfence();\n"
	           "\tms_%s_t* ms = SGX_CAST(ms_%s_t*, pms);\n"
	           "\tms_%s_t __in_ms;\n"
	           "\tsgx_status_t status = SGX_SUCCESS;\n\n"
	           "\t/* Read the marshalling struct once: no double fetch. */\n"
	           "\tmemcpy(&__in_ms, ms, sizeof(ms_%s_t));\n",
	           f->name, f->name, f->name, f->name, f->name);
	for (size_t i = 0; i < f->nparams; i++) {
		const struct decl *d = &f->params[i];

		out_printf(o, "\t%s _tmp_%s = __in_ms.ms_%s;\n", c_ms_type(g, d, true), d->name,
		           d->name);
	}
	for (size_t i = 0; i < f->nparams; i++) {
		const struct decl *d = &f->params[i];
		struct size_expr se;

		if (!is_copied(d))
			continue;
		if (d->attr.string || d->attr.wstring) {
			out_printf(o, "\tsize_t _len_%s = __in_ms.ms_%s_len;\n", d->name, d->name);
		} else {
			param_size(g, d, tref, "_tmp_", arena_printf(g->a, "_tmp_%s", d->name),
			           &se);
			out_printf(o, "\tsize_t _len_%s = %s;\n", d->name, se.len);
		}
		out_printf(o, "\t%s _in_%s = NULL;\n", c_ms_type(g, d, false), d->name);
		if (deep_struct(g, d))
			out_printf(o,
			           "\tunsigned char* _de_blk_%s = NULL;\n"
			           "\tunsigned char* _de_cur_%s = NULL;\n"
			           "\tsize_t _de_blksz_%s = 0;\n",
			           d->name, d->name, d->name);
	}
	out_printf(o, "\n");
	for (size_t i = 0; i < f->nparams; i++) {
		const struct decl *d = &f->params[i];
		struct size_expr se;

		if (!is_copied(d) || d->attr.string || d->attr.wstring)
			continue;
		param_size(g, d, tref, "_tmp_", arena_printf(g->a, "_tmp_%s", d->name), &se);
		if (se.ovf)
			out_printf(o, "\tif (%s)\n\t\treturn SGX_ERROR_INVALID_PARAMETER;\n",
			           se.ovf);
	}
	for (size_t i = 0; i < f->nparams; i++) {
		const struct decl *d = &f->params[i];

		if (is_copied(d))
			out_printf(o, "\tCHECK_UNIQUE_POINTER(_tmp_%s, _len_%s);\n", d->name,
			           d->name);
	}
	if (any_checked)
		out_printf(o, "\n\t//\n\t// fence after pointer checks\n\t//\n\tsgx_lfence();\n\n");
	for (size_t i = 0; i < f->nparams; i++) {
		const struct decl *d = &f->params[i];
		const char *n = d->name, *ty = c_ms_type(g, d, false);
		const struct composite *s;

		if (!is_copied(d))
			continue;
		out_printf(o, "\tif (_tmp_%s != NULL && _len_%s != 0) {\n", n, n);
		if (d->attr.size.present && elem_typed(d)) {
			out_printf(o, "\t\tif (_len_%s %% sizeof(*_tmp_%s) != 0) {\n", n, n);
			ERR(o, "\t\t", "SGX_ERROR_INVALID_PARAMETER");
			out_printf(o, "\t\t}\n");
		}
		if (d->attr.wstring) {
			out_printf(o, "\t\tif (_len_%s %% sizeof(wchar_t) != 0) {\n", n);
			ERR(o, "\t\t", "SGX_ERROR_INVALID_PARAMETER");
			out_printf(o, "\t\t}\n");
		}
		out_printf(o,
		           "\t\t_in_%s = (%s)de_edge_malloc(_len_%s);\n\t\tif (_in_%s == NULL) {\n",
		           n, ty, n, n);
		ERR(o, "\t\t", "SGX_ERROR_OUT_OF_MEMORY");
		out_printf(o, "\t\t}\n");
		if (d->attr.dir & DIR_IN)
			out_printf(o, "\t\tmemcpy((void*)_in_%s, (const void*)_tmp_%s, _len_%s);\n",
			           n, n, n);
		else
			out_printf(o, "\t\tmemset((void*)_in_%s, 0, _len_%s);\n", n, n);
		if (d->attr.string) {
			out_printf(o, "\t\t_in_%s[_len_%s - 1] = '\\0';\n", n, n);
			out_printf(o, "\t\tif (_len_%s != strlen((const char*)_in_%s) + 1) {\n", n,
			           n);
			ERR(o, "\t\t", "SGX_ERROR_UNEXPECTED");
			out_printf(o, "\t\t}\n");
		}
		if (d->attr.wstring) {
			out_printf(o,
			           "\t\t_in_%s[(_len_%s - sizeof(wchar_t)) / sizeof(wchar_t)] = "
			           "(wchar_t)0;\n",
			           n, n);
			out_printf(o,
			           "\t\tif (_len_%s / sizeof(wchar_t) != wcslen(_in_%s) + 1) {\n",
			           n, n);
			ERR(o, "\t\t", "SGX_ERROR_UNEXPECTED");
			out_printf(o, "\t\t}\n");
		}
		s = deep_struct(g, d);
		if (s)
			deep_in(g, o, d, s);
		out_printf(o, "\t}\n");
	}
	if (is_void_ret(f))
		out_printf(o, "\n\t%s(%s);\n", f->name, call);
	else
		/* Stored with memcpy: the application chooses where ms lies in
		 * the window, so it need not be aligned for the return type. */
		out_printf(o,
		           "\n\t{\n\t\t%s __retval = %s(%s);\n"
		           "\t\tmemcpy(&ms->ms_retval, &__retval, sizeof(__retval));\n\t}\n",
		           c_type(g, &f->ret), f->name, call);
	for (size_t i = 0; i < f->nparams; i++) {
		const struct decl *d = &f->params[i];
		const char *n = d->name;
		const struct composite *s;

		if (!is_copied(d) || !(d->attr.dir & DIR_OUT))
			continue;
		s = deep_struct(g, d);
		if (s)
			deep_back(g, o, d, s);
		out_printf(o, "\tif (_in_%s != NULL) {\n", n);
		if (d->attr.string) {
			out_printf(o, "\t\t_in_%s[_len_%s - 1] = '\\0';\n", n, n);
			out_printf(o, "\t\t_len_%s = strlen((const char*)_in_%s) + 1;\n", n, n);
		}
		if (d->attr.wstring) {
			out_printf(o,
			           "\t\t_in_%s[(_len_%s - sizeof(wchar_t)) / sizeof(wchar_t)] = "
			           "(wchar_t)0;\n",
			           n, n);
			out_printf(o, "\t\t_len_%s = (wcslen(_in_%s) + 1) * sizeof(wchar_t);\n", n,
			           n);
		}
		out_printf(o, "\t\tmemcpy((void*)_tmp_%s, (const void*)_in_%s, _len_%s);\n", n, n,
		           n);
		out_printf(o, "\t}\n");
	}
	if (any_copied) {
		out_printf(o, "\nerr:\n");
		for (size_t i = 0; i < f->nparams; i++) {
			const struct decl *d = &f->params[i];

			if (!is_copied(d))
				continue;
			if (deep_struct(g, d))
				out_printf(o, "\tif (_de_blk_%s)\n\t\tde_edge_free(_de_blk_%s);\n",
				           d->name, d->name);
			out_printf(o, "\tif (_in_%s)\n\t\tde_edge_free((void*)_in_%s);\n", d->name,
			           d->name);
		}
	}
	out_printf(o, "\treturn status;\n}\n\n");
}

static void emit_tables(struct gen *g, struct out *o)
{
	size_t ne = g->prog->necalls, no = g->prog->nocalls;

	out_printf(o,
	           "/* ECALL table: entry n is ECALL n (declaration order after import\n"
	           " * resolution), with its private and switchless flags. */\n"
	           "SGX_EXTERNC const struct {\n\tsize_t nr_ecall;\n"
	           "\tstruct {void* ecall_addr; uint8_t is_priv; uint8_t is_switchless;} "
	           "ecall_table[%zu];\n} g_ecall_table = {\n\t%zu,\n\t{\n",
	           ne ? ne : 1, ne);
	if (!ne)
		out_printf(o, "\t\t{NULL, 0, 0},\n");
	for (size_t i = 0; i < ne; i++) {
		const struct func *f = &g->prog->ecalls[i];

		out_printf(o, "\t\t{(void*)(uintptr_t)sgx_%s, %d, %d},\n", f->name, !f->is_public,
		           f->switchless);
	}
	out_printf(o, "\t}\n};\n\n");
	out_printf(o, "/* Dynamic entry table: entry_table[o][e] is 1 when ECALL e may be\n"
	              " * called while OCALL o is in progress (allow list). */\n"
	              "SGX_EXTERNC const struct {\n\tsize_t nr_ocall;\n");
	if (ne && no)
		out_printf(o, "\tuint8_t entry_table[%zu][%zu];\n", no, ne);
	out_printf(o, "} g_dyn_entry_table = {\n\t%zu,\n", no);
	if (ne && no) {
		out_printf(o, "\t{\n");
		for (size_t i = 0; i < no; i++) {
			const struct func *oc = &g->prog->ocalls[i];

			out_printf(o, "\t\t{");
			for (size_t j = 0; j < ne; j++) {
				int allowed = 0;

				for (size_t k = 0; k < oc->nallow; k++)
					if (strcmp(oc->allow[k], g->prog->ecalls[j].name) == 0)
						allowed = 1;
				out_printf(o, "%s%d", j ? ", " : "", allowed);
			}
			out_printf(o, "},\n");
		}
		out_printf(o, "\t}\n");
	}
	out_printf(o, "};\n\n");
}

/* ---- OCALL proxy ----------------------------------------------------------- */

static const char *pref(struct gen *g, const char *prefix, const char *name)
{
	(void)prefix;
	return arena_strdup(g->a, name);
}

#define FAIL(o, ind, code) out_printf(o, "%s\tsgx_ocfree();\n%s\treturn %s;\n", ind, ind, code)

static void ocall_deep_sizes(struct gen *g, struct out *o, const struct decl *d,
                             const struct composite *s)
{
	const char *el = arena_printf(g->a, "%s[__i]", d->name);

	out_printf(o, "\tif (%s != NULL) {\n", d->name);
	out_printf(o, "\t\tfor (size_t __i = 0; __i < _len_%s / sizeof(struct %s); __i++) {\n",
	           d->name, s->name);
	for (size_t j = 0; j < s->nmembers; j++) {
		const struct decl *m = &s->members[j];
		struct size_expr se;

		if (!m->attr.size.present && !m->attr.count.present)
			continue;
		member_size(g, m, el, &se);
		if (se.ovf)
			out_printf(o,
			           "\t\t\tif (%s)\n\t\t\t\treturn SGX_ERROR_INVALID_PARAMETER;\n",
			           se.ovf);
		out_printf(o,
		           "\t\t\tif (%s.%s != NULL && (!sgx_is_within_enclave(%s.%s, %s) ||\n"
		           "\t\t\t    DE_EDGE_ADD_SIZE(ocalloc_size, %s)))\n"
		           "\t\t\t\treturn SGX_ERROR_INVALID_PARAMETER;\n",
		           el, m->name, el, m->name, se.len, se.len);
	}
	out_printf(o, "\t\t}\n\t}\n");
}

static void ocall_deep_fill(struct gen *g, struct out *o, const struct decl *d,
                            const struct composite *s)
{
	const char *el = arena_printf(g->a, "%s[__i]", d->name);

	out_printf(o, "\t\tfor (size_t __i = 0; __i < _len_%s / sizeof(struct %s); __i++) {\n",
	           d->name, s->name);
	for (size_t j = 0; j < s->nmembers; j++) {
		const struct decl *m = &s->members[j];
		struct size_expr se;

		if (!m->attr.size.present && !m->attr.count.present)
			continue;
		member_size(g, m, el, &se);
		out_printf(o, "\t\t\tif (%s.%s != NULL) {\n", el, m->name);
		out_printf(o, "\t\t\t\tsize_t _de_l = %s;\n\n", se.len);
		out_printf(o, "\t\t\t\tif (%s_de_l > (size_t)(__end - __tmp)) {\n",
		           se.ovf ? arena_printf(g->a, "(%s) || ", se.ovf) : "");
		FAIL(o, "\t\t\t\t", "SGX_ERROR_INVALID_PARAMETER");
		out_printf(o, "\t\t\t\t}\n");
		out_printf(o, "\t\t\t\tmemcpy(__tmp, (const void*)%s.%s, _de_l);\n", el, m->name);
		out_printf(o, "\t\t\t\t((struct %s*)__tmp_%s)[__i].%s = (%s)__tmp;\n", s->name,
		           d->name, m->name, c_type(g, &m->ty));
		out_printf(o, "\t\t\t\t__tmp += DE_EDGE_ALIGN(_de_l);\n");
		out_printf(o,
		           "\t\t\t} else {\n\t\t\t\t((struct %s*)__tmp_%s)[__i].%s = NULL;\n"
		           "\t\t\t}\n",
		           s->name, d->name, m->name);
	}
	out_printf(o, "\t\t}\n");
}

static void ocall_deep_back(struct gen *g, struct out *o, const struct decl *d,
                            const struct composite *s)
{
	const char *p = d->name;
	const char *el = arena_printf(g->a, "%s[__i]", p);

	out_printf(o, "\t\tif (__tmp_%s != NULL) {\n", p);
	out_printf(o, "\t\t\tunsigned char* _de_c = __tmp_%s + DE_EDGE_ALIGN(_len_%s);\n\n", p, p);
	out_printf(o, "\t\t\tfor (size_t __i = 0; __i < _len_%s / sizeof(struct %s); __i++) {\n", p,
	           s->name);
	out_printf(o, "\t\t\t\tstruct %s _de_e;\n\n", s->name);
	out_printf(o, "\t\t\t\tmemcpy(&_de_e, (struct %s*)__tmp_%s + __i, sizeof(_de_e));\n",
	           s->name, p);
	for (size_t j = 0; j < s->nmembers; j++) {
		const struct decl *m = &s->members[j];
		struct size_expr old, nw;

		if (!m->attr.size.present && !m->attr.count.present)
			continue;
		member_size(g, m, el, &old);
		member_size(g, m, "_de_e", &nw);
		out_printf(o, "\t\t\t\tif (%s.%s != NULL) {\n", el, m->name);
		out_printf(o, "\t\t\t\t\tsize_t _de_l = %s;\n", old.len);
		out_printf(o, "\t\t\t\t\tsize_t _de_nl = %s;\n\n", nw.len);
		out_printf(
		    o, "\t\t\t\t\tif ((unsigned char*)_de_e.%s != _de_c || %s_de_nl > _de_l) {\n",
		    m->name, nw.ovf ? arena_printf(g->a, "(%s) || ", nw.ovf) : "");
		FAIL(o, "\t\t\t\t\t", "SGX_ERROR_INVALID_PARAMETER");
		out_printf(o, "\t\t\t\t\t}\n");
		out_printf(o, "\t\t\t\t\tmemcpy((void*)%s.%s, _de_c, _de_nl);\n", el, m->name);
		out_printf(o, "\t\t\t\t\t_de_c += DE_EDGE_ALIGN(_de_l);\n\t\t\t\t}\n");
		out_printf(o, "\t\t\t\t_de_e.%s = %s.%s;\n", m->name, el, m->name);
	}
	out_printf(o, "\t\t\t\tmemcpy(&%s, &_de_e, sizeof(_de_e));\n\t\t\t}\n\t\t}\n", el);
}

static void emit_ocall_proxy(struct gen *g, struct out *o, const struct func *f, size_t idx)
{
	bool any_deep = false;

	out_printf(o, "%s\n{\n\tsgx_status_t status = SGX_SUCCESS;\n", tproxy_proto(g, f));
	if (!has_ms(f)) {
		out_printf(o, "\n\tstatus = sgx_ocall(%zu, NULL);\n\treturn status;\n}\n\n", idx);
		return;
	}
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
			param_size(g, d, pref, "", d->name, &se);
			out_printf(o, "\tsize_t _len_%s = %s;\n", d->name, se.len);
		}
		if ((d->attr.dir & DIR_OUT) || deep_struct(g, d))
			out_printf(o, "\tunsigned char* __tmp_%s = NULL;\n", d->name);
	}
	out_printf(
	    o,
	    "\tms_%s_t* ms = NULL;\n\tsize_t ocalloc_size = DE_EDGE_ALIGN(sizeof(ms_%s_t));\n"
	    "\tunsigned char* __tmp = NULL;\n",
	    f->name, f->name);
	for (size_t i = 0; i < f->nparams; i++)
		any_deep |= deep_struct(g, &f->params[i]) != NULL;
	if (any_deep)
		out_printf(o, "\tunsigned char* __end = NULL;\n");
	out_printf(o, "\n");
	for (size_t i = 0; i < f->nparams; i++) {
		const struct decl *d = &f->params[i];
		struct size_expr se;
		const struct composite *s;

		if (!is_copied(d))
			continue;
		if (!d->attr.string && !d->attr.wstring) {
			param_size(g, d, pref, "", d->name, &se);
			if (se.ovf)
				out_printf(o,
				           "\tif (%s)\n\t\treturn SGX_ERROR_INVALID_PARAMETER;\n",
				           se.ovf);
			if (d->attr.size.present && elem_typed(d))
				out_printf(o,
				           "\tif (%s != NULL && _len_%s %% sizeof(*%s) != 0)\n"
				           "\t\treturn SGX_ERROR_INVALID_PARAMETER;\n",
				           d->name, d->name, d->name);
		}
		out_printf(o, "\tCHECK_ENCLAVE_POINTER(%s, _len_%s);\n", d->name, d->name);
		out_printf(o,
		           "\tif (%s != NULL && DE_EDGE_ADD_SIZE(ocalloc_size, _len_%s))\n"
		           "\t\treturn SGX_ERROR_INVALID_PARAMETER;\n",
		           d->name, d->name);
		s = deep_struct(g, d);
		if (s)
			ocall_deep_sizes(g, o, d, s);
	}
	out_printf(
	    o,
	    "\n\t__tmp = (unsigned char*)sgx_ocalloc(ocalloc_size);\n"
	    "\tif (__tmp == NULL) {\n\t\tsgx_ocfree();\n\t\treturn SGX_ERROR_UNEXPECTED;\n\t}\n");
	if (any_deep)
		out_printf(o, "\t__end = __tmp + ocalloc_size;\n");
	out_printf(o,
	           "\tms = (ms_%s_t*)__tmp;\n\tmemset(ms, 0, sizeof(ms_%s_t));\n"
	           "\t__tmp += DE_EDGE_ALIGN(sizeof(ms_%s_t));\n\n",
	           f->name, f->name, f->name);
	for (size_t i = 0; i < f->nparams; i++) {
		const struct decl *d = &f->params[i];
		const char *mt = c_ms_type(g, d, true), *n = d->name;
		const struct composite *s;

		if (!is_copied(d)) {
			if (d->is_ptr && (d->ndims || d->attr.isary))
				out_printf(o, "\tms->ms_%s = (%s)%s;\n", n, mt, n);
			else
				out_printf(o, "\tms->ms_%s = %s;\n", n, n);
			continue;
		}
		/* NULL or zero length: the application gets NULL, as ECALLs do. */
		out_printf(o, "\tif (%s != NULL && _len_%s != 0) {\n", n, n);
		if ((d->attr.dir & DIR_OUT) || deep_struct(g, d))
			out_printf(o, "\t\t__tmp_%s = __tmp;\n", n);
		if (d->attr.dir & DIR_IN)
			out_printf(o, "\t\tmemcpy(__tmp, (const void*)%s, _len_%s);\n", n, n);
		else
			out_printf(o, "\t\tmemset(__tmp, 0, _len_%s);\n", n);
		out_printf(o, "\t\tms->ms_%s = (%s)__tmp;\n", n, mt);
		out_printf(o, "\t\t__tmp += DE_EDGE_ALIGN(_len_%s);\n", n);
		s = deep_struct(g, d);
		if (s)
			ocall_deep_fill(g, o, d, s);
		out_printf(o, "\t} else {\n\t\tms->ms_%s = NULL;\n\t}\n", n);
	}
	out_printf(o, "\n\tstatus = sgx_ocall(%zu, ms);\n\n\tif (status == SGX_SUCCESS) {\n", idx);
	if (!is_void_ret(f))
		out_printf(o, "\t\tif (retval)\n\t\t\t*retval = ms->ms_retval;\n");
	for (size_t i = 0; i < f->nparams; i++) {
		const struct decl *d = &f->params[i];
		const char *n = d->name;
		const struct composite *s;

		if (!is_copied(d) || !(d->attr.dir & DIR_OUT))
			continue;
		s = deep_struct(g, d);
		if (s) {
			ocall_deep_back(g, o, d, s);
			continue;
		}
		out_printf(o, "\t\tif (__tmp_%s != NULL) {\n", n);
		out_printf(o, "\t\t\tmemcpy((void*)%s, __tmp_%s, _len_%s);\n", n, n, n);
		if (d->attr.string) {
			out_printf(o, "\t\t\t((char*)%s)[_len_%s - 1] = '\\0';\n", n, n);
			out_printf(o,
			           "\t\t\tmemset((char*)%s + strlen((const char*)%s) + 1, 0,\n"
			           "\t\t\t       _len_%s - (strlen((const char*)%s) + 1));\n",
			           n, n, n, n);
		}
		if (d->attr.wstring) {
			out_printf(o,
			           "\t\t\t%s[(_len_%s - sizeof(wchar_t)) / sizeof(wchar_t)] = "
			           "(wchar_t)0;\n",
			           n, n);
			out_printf(o,
			           "\t\t\tmemset(%s + wcslen(%s) + 1, 0,\n"
			           "\t\t\t       _len_%s - (wcslen(%s) + 1) * sizeof(wchar_t));\n",
			           n, n, n, n);
		}
		out_printf(o, "\t\t}\n");
	}
	if (f->propagate_errno)
		out_printf(o, "\t\terrno = ms->ocall_errno;\n");
	out_printf(o, "\t}\n\tsgx_ocfree();\n\treturn status;\n}\n\n");
}

static const char trusted_macros[] = "#define CHECK_REF_POINTER(ptr, siz) do {\t\\\n"
                                     "\tif (!(ptr) || ! sgx_is_outside_enclave((ptr), (siz)))\t\\\n"
                                     "\t\treturn SGX_ERROR_INVALID_PARAMETER;\\\n"
                                     "} while (0)\n\n"
                                     "#define CHECK_UNIQUE_POINTER(ptr, siz) do {\t\\\n"
                                     "\tif ((ptr) && ! sgx_is_outside_enclave((ptr), (siz)))\t\\\n"
                                     "\t\treturn SGX_ERROR_INVALID_PARAMETER;\\\n"
                                     "} while (0)\n\n"
                                     "#define CHECK_ENCLAVE_POINTER(ptr, siz) do {\t\\\n"
                                     "\tif ((ptr) && ! sgx_is_within_enclave((ptr), (siz)))\t\\\n"
                                     "\t\treturn SGX_ERROR_INVALID_PARAMETER;\\\n"
                                     "} while (0)\n\n";

void emit_trusted_source(struct gen *g, struct out *o)
{
	bool need_saved = false;

	emit_banner(o, "Trusted (enclave) side of the enclave's edge calls.");
	out_printf(o,
	           "#include \"%s_t.h\"\n\n"
	           "#include \"sgx_trts.h\" /* for sgx_ocalloc, sgx_is_outside_enclave */\n"
	           "#include \"sgx_lfence.h\" /* for sgx_lfence */\n\n"
	           "#include <errno.h>\n#include <string.h> /* for memcpy etc */\n"
	           "#include <stdlib.h> /* for malloc/free etc */\n\n",
	           g->name);
	out_printf(o, "%s", trusted_macros);
	emit_edge_macros(o);
	for (size_t i = 0; i < g->prog->necalls; i++)
		for (size_t j = 0; j < g->prog->ecalls[i].nparams; j++)
			if (deep_struct(g, &g->prog->ecalls[i].params[j]) &&
			    g->prog->ecalls[i].params[j].attr.dir == DIR_INOUT)
				need_saved = true;
	if (need_saved)
		out_printf(o, "/* Where a deep-copied member pointed before the call. */\n"
		              "typedef struct de_edge_saved {\n\tvoid* ptr;\n\tsize_t len;\n"
		              "} de_edge_saved_t;\n\n");
	for (size_t i = 0; i < g->prog->necalls; i++)
		emit_ms_struct(g, o, &g->prog->ecalls[i]);
	for (size_t i = 0; i < g->prog->nocalls; i++)
		emit_ms_struct(g, o, &g->prog->ocalls[i]);
	for (size_t i = 0; i < g->prog->necalls; i++)
		emit_ecall_bridge(g, o, &g->prog->ecalls[i]);
	emit_tables(g, o);
	for (size_t i = 0; i < g->prog->nocalls; i++)
		emit_ocall_proxy(g, o, &g->prog->ocalls[i], i);
}
