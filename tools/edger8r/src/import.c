#include "import.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpp.h"
#include "parser.h"

#define PUSH(ld, arr, n, cap, val)                                                                 \
	do {                                                                                       \
		(arr) = arena_grow((ld)->a, (arr), sizeof(*(arr)), (n), &(cap), (n) + 1);          \
		(arr)[(n)++] = (val);                                                              \
	} while (0)

static int exists(const char *p)
{
	return access(p, R_OK) == 0;
}

const char *loader_find(struct loader *ld, const char *name)
{
	if (name[0] == '/')
		return exists(name) ? name : NULL;
	for (size_t i = 0; i < ld->nsearch; i++) {
		const char *p = arena_printf(ld->a, "%s/%s", ld->search[i], name);

		if (exists(p))
			return p;
	}
	return exists(name) ? name : NULL;
}

static const char *real_of(struct loader *ld, const char *path)
{
	char buf[PATH_MAX];

	if (!realpath(path, buf))
		return path;
	return arena_strdup(ld->a, buf);
}

static struct edl *parse_file(struct loader *ld, const char *path, const char *real)
{
	struct edl *e;
	char *text;
	size_t len;
	struct cached c;

	for (size_t i = 0; i < ld->ncache; i++)
		if (strcmp(ld->cache[i].real, real) == 0)
			return ld->cache[i].edl;
	if (ld->no_cpp) {
		text = read_file_raw(ld->a, path, &len);
		if (!text)
			diag_error(ld->d, NULL, "cannot read `%s'", path);
	} else {
		text = cpp_read(ld->a, ld->d, path, &len);
	}
	e = arena_alloc(ld->a, sizeof(*e));
	parse_edl(ld->a, ld->d, text, len, path, e);
	e->path = real;
	for (size_t i = 0; i < e->necalls; i++)
		e->ecalls[i].origin = real;
	for (size_t i = 0; i < e->nocalls; i++)
		e->ocalls[i].origin = real;
	c.real = real;
	c.edl = e;
	PUSH(ld, ld->cache, ld->ncache, ld->cap_cache, c);
	return e;
}

static int on_list(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

static void append_strs(struct loader *ld, const char ***dst, size_t *n, const char **src, size_t m)
{
	size_t cap = *n;

	for (size_t i = 0; i < m; i++)
		if (!on_list(*dst, *n, src[i]))
			PUSH(ld, *dst, *n, cap, src[i]);
}

/* Merge the includes and type definitions of e once. */
static void merge_decls(struct loader *ld, struct edl *prog, const struct edl *e)
{
	size_t cap = prog->ncomps;

	if (on_list(ld->merged, ld->nmerged, e->path))
		return;
	PUSH(ld, ld->merged, ld->nmerged, ld->cap_merged, e->path);
	append_strs(ld, &prog->includes, &prog->nincludes, e->includes, e->nincludes);
	append_strs(ld, &prog->t_includes, &prog->nt_includes, e->t_includes, e->nt_includes);
	append_strs(ld, &prog->u_includes, &prog->nu_includes, e->u_includes, e->nu_includes);
	for (size_t i = 0; i < e->ncomps; i++)
		PUSH(ld, prog->comps, prog->ncomps, cap, e->comps[i]);
}

static int have_func(const struct func *v, size_t n, const struct func *f)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, f->name) == 0 && strcmp(v[i].origin, f->origin) == 0)
			return 1;
	return 0;
}

static void take_funcs(struct loader *ld, struct edl *prog, const struct edl *e, bool all,
                       const char **names, size_t nnames, bool *found)
{
	size_t cap_e = prog->necalls, cap_o = prog->nocalls;

	for (size_t i = 0; i < e->necalls; i++) {
		const struct func *f = &e->ecalls[i];

		for (size_t k = 0; k < nnames; k++)
			if (strcmp(names[k], f->name) == 0)
				found[k] = true;
		if ((all || on_list(names, nnames, f->name)) &&
		    !have_func(prog->ecalls, prog->necalls, f))
			PUSH(ld, prog->ecalls, prog->necalls, cap_e, *f);
	}
	for (size_t i = 0; i < e->nocalls; i++) {
		const struct func *f = &e->ocalls[i];

		for (size_t k = 0; k < nnames; k++)
			if (strcmp(names[k], f->name) == 0)
				found[k] = true;
		if ((all || on_list(names, nnames, f->name)) &&
		    !have_func(prog->ocalls, prog->nocalls, f))
			PUSH(ld, prog->ocalls, prog->nocalls, cap_o, *f);
	}
}

static void import_file(struct loader *ld, struct edl *prog, const struct import *im, bool all,
                        const char **names, const struct loc *name_locs, size_t nnames,
                        bool *found);

/* Resolve the imports written in e (already merged into prog). When all is
 * false, only the names not yet found are looked up in e's imports. */
static void resolve_imports(struct loader *ld, struct edl *prog, const struct edl *e, bool all,
                            const char **names, const struct loc *name_locs, size_t nnames,
                            bool *found)
{
	for (size_t i = 0; i < e->nimports; i++) {
		const struct import *im = &e->imports[i];

		if (all) {
			bool *f2 = arena_alloc(ld->a, im->nnames + 1);

			import_file(ld, prog, im, im->all, im->names, im->name_locs, im->nnames,
			            f2);
			continue;
		}
		{
			const char **missing = arena_alloc(ld->a, (nnames + 1) * sizeof(*missing));
			struct loc *mlocs = arena_alloc(ld->a, (nnames + 1) * sizeof(*mlocs));
			size_t *idx = arena_alloc(ld->a, (nnames + 1) * sizeof(*idx));
			bool *f2 = arena_alloc(ld->a, nnames + 1);
			size_t m = 0;

			for (size_t k = 0; k < nnames; k++)
				if (!found[k]) {
					idx[m] = k;
					mlocs[m] = name_locs[k];
					missing[m++] = names[k];
				}
			if (m == 0)
				continue;
			import_file(ld, prog, im, false, missing, mlocs, m, f2);
			for (size_t k = 0; k < m; k++)
				if (f2[k])
					found[idx[k]] = true;
		}
	}
}

static void import_file(struct loader *ld, struct edl *prog, const struct import *im, bool all,
                        const char **names, const struct loc *name_locs, size_t nnames, bool *found)
{
	const char *path = loader_find(ld, im->file), *real;
	struct edl *e;

	if (!path)
		diag_error(ld->d, &im->loc, "file not found within search paths: `%s'", im->file);
	real = real_of(ld, path);
	if (on_list(ld->stack, ld->nstack, real))
		diag_error(ld->d, &im->loc, "detected circular import of `%s'", im->file);
	PUSH(ld, ld->stack, ld->nstack, ld->cap_stack, real);
	e = parse_file(ld, path, real);
	merge_decls(ld, prog, e);
	take_funcs(ld, prog, e, all, names, nnames, found);
	resolve_imports(ld, prog, e, all, names, name_locs, nnames, found);
	ld->nstack--;
	/* Only the importer that asked reports names found nowhere below it. */
	if (!all && ld->nstack >= 1) {
		for (size_t k = 0; k < nnames; k++)
			if (!found[k] && im->names == names)
				diag_error(ld->d, &name_locs[k],
				           "import failed - function `%s' not found in `%s' or the "
				           "files it imports",
				           names[k], im->file);
	}
}

void loader_load(struct loader *ld, const char *path, struct edl *prog)
{
	const char *real = real_of(ld, path);
	struct edl *root;

	PUSH(ld, ld->stack, ld->nstack, ld->cap_stack, real);
	root = parse_file(ld, path, real);
	memset(prog, 0, sizeof(*prog));
	prog->path = path;
	merge_decls(ld, prog, root);
	take_funcs(ld, prog, root, true, NULL, 0, NULL);
	resolve_imports(ld, prog, root, true, NULL, NULL, 0, NULL);
	ld->nstack--;
}
