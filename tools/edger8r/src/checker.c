#include "checker.h"

#include <string.h>

#include "check_attr.h"

const struct composite *find_struct(const struct edl *prog, const char *tag)
{
	for (size_t i = 0; i < prog->ncomps; i++)
		if (prog->comps[i].kind == COMP_STRUCT && strcmp(prog->comps[i].name, tag) == 0)
			return &prog->comps[i];
	return NULL;
}

static const char *const comp_kw[] = {"struct", "union", "enum"};

static void check_composites(struct diag *d, const struct edl *prog)
{
	for (size_t i = 0; i < prog->ncomps; i++) {
		const struct composite *c = &prog->comps[i];

		if (c->name[0] == '\0')
			continue;
		for (size_t j = 0; j < i; j++) {
			const struct composite *o = &prog->comps[j];

			if (o->kind == c->kind && strcmp(o->name, c->name) == 0)
				diag_error(d, &c->loc,
				           "duplicated %s definition `%s' (first defined at %s:%d)",
				           comp_kw[c->kind], c->name, o->loc.file, o->loc.line);
		}
	}
}

static void check_unique_funcs(struct diag *d, const struct edl *prog)
{
	size_t n = prog->necalls + prog->nocalls;

	for (size_t i = 0; i < n; i++) {
		const struct func *f =
		    i < prog->necalls ? &prog->ecalls[i] : &prog->ocalls[i - prog->necalls];

		for (size_t j = 0; j < i; j++) {
			const struct func *o =
			    j < prog->necalls ? &prog->ecalls[j] : &prog->ocalls[j - prog->necalls];

			if (strcmp(o->name, f->name) == 0)
				diag_error(
				    d, &f->loc,
				    "multiple definition of function `%s' (first declared at "
				    "%s:%d)",
				    f->name, o->loc.file, o->loc.line);
		}
	}
}

static const struct func *find_ecall(const struct edl *prog, const char *name)
{
	for (size_t i = 0; i < prog->necalls; i++)
		if (strcmp(prog->ecalls[i].name, name) == 0)
			return &prog->ecalls[i];
	return NULL;
}

static void check_allow(struct diag *d, const struct edl *prog)
{
	for (size_t i = 0; i < prog->nocalls; i++) {
		const struct func *f = &prog->ocalls[i];

		for (size_t j = 0; j < f->nallow; j++)
			if (!find_ecall(prog, f->allow[j]))
				diag_error(d, &f->allow_loc[j],
				           "`%s' declared to allow unknown function `%s' (allow() "
				           "must name ECALLs of this enclave)",
				           f->name, f->allow[j]);
	}
}

static void check_deep_copy_use(struct diag *d, const struct edl *prog, const struct func *f)
{
	const struct composite *s;

	if (f->ret.kind == TY_STRUCT && f->ret.ptr == 0) {
		s = find_struct(prog, f->ret.name);
		if (s && s->deep_copy)
			diag_error(
			    d, &f->loc,
			    "`%s': structure `%s' specifies a deep copy and cannot be returned "
			    "by value",
			    f->name, s->name);
	}
	for (size_t i = 0; i < f->nparams; i++) {
		const struct decl *p = &f->params[i];

		if (p->ty.kind != TY_STRUCT)
			continue;
		s = find_struct(prog, p->ty.name);
		if (!s || !s->deep_copy)
			continue;
		if (!p->is_ptr)
			diag_error(
			    d, &p->loc,
			    "`%s': structure `%s' specifies a deep copy and cannot be passed "
			    "by value (`%s')",
			    f->name, s->name, p->name);
		if (p->attr.dir == DIR_OUT)
			diag_error(d, &p->attr.loc,
			           "`%s': structure `%s' specifies a deep copy and cannot be used "
			           "with [out] only (`%s'); use [in] or [in, out]",
			           f->name, s->name, p->name);
		if (p->ty.ptr > 1 && !p->attr.user_check)
			diag_error(
			    d, &p->loc,
			    "`%s': a pointer to pointer to deep-copy structure `%s' cannot be "
			    "marshalled (`%s'); use [user_check]",
			    f->name, s->name, p->name);
		if (p->ndims && !p->attr.user_check)
			diag_error(d, &p->loc,
			           "`%s': arrays of deep-copy structure `%s' are not supported "
			           "(`%s'); use a pointer with count=",
			           f->name, s->name, p->name);
	}
}

void check_program(struct diag *d, struct edl *prog, const char *enclave_name, bool header_only)
{
	int has_public = 0;

	check_composites(d, prog);
	check_unique_funcs(d, prog);
	check_allow(d, prog);
	for (size_t i = 0; i < prog->necalls; i++)
		check_deep_copy_use(d, prog, &prog->ecalls[i]);
	for (size_t i = 0; i < prog->nocalls; i++)
		check_deep_copy_use(d, prog, &prog->ocalls[i]);
	/* A deep-copy struct nested by value in another struct would be copied
	 * shallowly; refuse it rather than leak pointers across. */
	for (size_t i = 0; i < prog->ncomps; i++) {
		const struct composite *c = &prog->comps[i];

		for (size_t j = 0; j < c->nmembers; j++) {
			const struct decl *m = &c->members[j];
			const struct composite *s;

			if (m->ty.kind != TY_STRUCT || m->ty.ptr)
				continue;
			s = find_struct(prog, m->ty.name);
			if (s && s->deep_copy)
				diag_error(d, &m->loc,
				           "`%s': member `%s' embeds deep-copy structure `%s' by "
				           "value; nested deep copy is not supported",
				           c->name, m->name, s->name);
		}
	}
	for (size_t i = 0; i < prog->necalls; i++)
		has_public |= prog->ecalls[i].is_public;
	if (!header_only && !has_public) {
		struct loc l = {prog->path, 1, 1};

		diag_error(d, &l,
		           "the enclave `%s' contains no public root ECALL (declare at least one "
		           "`public' function in a trusted block)",
		           enclave_name);
	}
	for (size_t i = 0; i < prog->necalls; i++) {
		const struct func *e = &prog->ecalls[i];
		int used = 0;

		if (e->is_public)
			continue;
		for (size_t j = 0; j < prog->nocalls && !used; j++)
			for (size_t k = 0; k < prog->ocalls[j].nallow; k++)
				if (strcmp(prog->ocalls[j].allow[k], e->name) == 0)
					used = 1;
		if (!used)
			diag_warning(d, &e->loc,
			             "private ECALL `%s' is not used by any OCALL's allow() and "
			             "cannot be called",
			             e->name);
	}
}
