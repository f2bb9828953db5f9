/* de_edger8r command line: option parsing, orchestration, file output. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arena.h"
#include "checker.h"
#include "diag.h"
#include "emit.h"
#include "import.h"

static const char usage_text[] =
    "NAME\n"
    "    de_edger8r, sgx_edger8r - generate enclave edge routines from EDL files\n"
    "\n"
    "SYNOPSIS\n"
    "    de_edger8r [--trusted] [--untrusted] [--trusted-dir DIR] [--untrusted-dir DIR]\n"
    "               [--search-path PATH[:PATH...]]... [--header-only] [--use-prefix]\n"
    "               FILE.edl...\n"
    "    de_edger8r --help\n"
    "\n"
    "DESCRIPTION\n"
    "    Reads an Enclave Definition Language file, source-compatible with the Intel SGX\n"
    "    SDK's sgx_edger8r, and writes the code that carries ECALLs into the enclave and\n"
    "    OCALLs out of it:\n"
    "\n"
    "        NAME_u.h, NAME_u.c   untrusted side, compiled into the application\n"
    "        NAME_t.h, NAME_t.c   trusted side, compiled into the enclave\n"
    "\n"
    "    where NAME is the EDL file name without its extension. Each input is first run\n"
    "    through the C preprocessor (cc -x c -E), so #define, #include and #if work as\n"
    "    with sgx_edger8r. Imports (from \"f.edl\" import a, b; / import *;) are resolved\n"
    "    recursively through the search path. ECALL and OCALL numbers are the declaration\n"
    "    order after import resolution.\n"
    "\n"
    "    On DE Enclave, the untrusted proxies place the marshalling data and every\n"
    "    [in]/[out] buffer in the application's shared window (de_window_alloc), and\n"
    "    [user_check] pointers must point into that window.\n"
    "\n"
    "OPTIONS\n"
    "    --trusted            Generate the trusted files (NAME_t.h, NAME_t.c).\n"
    "    --untrusted          Generate the untrusted files (NAME_u.h, NAME_u.c).\n"
    "                         With neither option, both sides are generated.\n"
    "    --trusted-dir DIR    Write the trusted files into DIR (created if needed;\n"
    "                         default: the current directory).\n"
    "    --untrusted-dir DIR  Write the untrusted files into DIR (same rules).\n"
    "    --search-path PATH   Directories, separated by ':', where EDL files named on the\n"
    "                         command line or in imports are looked up. May be repeated;\n"
    "                         a later option is searched before an earlier one, and the\n"
    "                         current directory is searched last.\n"
    "    --header-only        Only generate the header files (no .c files). Allows an\n"
    "                         EDL without a public ECALL, e.g. a library EDL.\n"
    "    --use-prefix         Name the untrusted ECALL proxies NAME_function instead of\n"
    "                         function.\n"
    "    --help               Show this help and exit.\n"
    "\n"
    "DIAGNOSTICS\n"
    "    Errors are printed as FILE:LINE:COL: error: MESSAGE, naming the EDL rule that is\n"
    "    broken; processing stops at the first error.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 on success, 1 when an EDL file is invalid or a file cannot be written,\n"
    "    2 on a command-line error.\n"
    "\n"
    "ENVIRONMENT\n"
    "    DE_EDGER8R_CPP   The C compiler used as preprocessor (default: cc).\n"
    "\n"
    "EXAMPLES\n"
    "    de_edger8r --untrusted --untrusted-dir App --search-path /opt/teesdk/desdk/include \\\n"
    "               Enclave/Enclave.edl\n"
    "    de_edger8r --trusted --trusted-dir Enclave Enclave/Enclave.edl\n";

struct options {
	bool trusted, untrusted, header_only, use_prefix;
	const char *trusted_dir, *untrusted_dir;
	const char **search;
	size_t nsearch, cap_search;
	const char **files;
	size_t nfiles, cap_files;
};

static _Noreturn void usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "de_edger8r: %s%s%s (see de_edger8r --help).\n", msg, arg ? " " : "",
	        arg ? arg : "");
	exit(2);
}

static void parse_args(struct arena *a, int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->trusted_dir = ".";
	o->untrusted_dir = ".";
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			fputs(usage_text, stdout);
			exit(0);
		} else if (strcmp(arg, "--trusted") == 0) {
			o->trusted = true;
		} else if (strcmp(arg, "--untrusted") == 0) {
			o->untrusted = true;
		} else if (strcmp(arg, "--header-only") == 0) {
			o->header_only = true;
		} else if (strcmp(arg, "--use-prefix") == 0) {
			o->use_prefix = true;
		} else if (strcmp(arg, "--trusted-dir") == 0 ||
		           strcmp(arg, "--untrusted-dir") == 0 ||
		           strcmp(arg, "--search-path") == 0) {
			const char *val;

			if (i + 1 >= argc || argv[i + 1][0] == '\0')
				usage_error("missing value after option", arg);
			val = argv[++i];
			if (strcmp(arg, "--trusted-dir") == 0) {
				o->trusted_dir = val;
			} else if (strcmp(arg, "--untrusted-dir") == 0) {
				o->untrusted_dir = val;
			} else {
				/* Later options are searched first, as sgx_edger8r does. */
				const char **parts = NULL;
				size_t n = 0, cap = 0;
				char *copy = arena_strdup(a, val), *save = NULL;

				for (char *t = strtok_r(copy, ":", &save); t;
				     t = strtok_r(NULL, ":", &save)) {
					parts =
					    arena_grow(a, parts, sizeof(*parts), n, &cap, n + 1);
					parts[n++] = t;
				}
				{
					const char **merged =
					    arena_alloc(a, (n + o->nsearch + 1) * sizeof(*merged));

					memcpy(merged, parts, n * sizeof(*merged));
					if (o->nsearch)
						memcpy(merged + n, o->search,
						       o->nsearch * sizeof(*merged));
					o->search = merged;
					o->nsearch += n;
					o->cap_search = o->nsearch;
				}
			}
		} else if (arg[0] == '-' && arg[1] != '\0') {
			usage_error("unknown option", arg);
		} else {
			o->files = arena_grow(a, o->files, sizeof(*o->files), o->nfiles,
			                      &o->cap_files, o->nfiles + 1);
			o->files[o->nfiles++] = arg;
		}
	}
	if (o->nfiles == 0)
		usage_error("no EDL file given", NULL);
	if (!o->trusted && !o->untrusted)
		o->trusted = o->untrusted = true;
}

static int mkdir_p(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* "dir/Enclave.edl" -> "Enclave" */
static const char *short_name(struct arena *a, const char *path)
{
	const char *b = strrchr(path, '/'), *dot;

	b = b ? b + 1 : path;
	dot = strrchr(b, '.');
	return dot && dot != b ? arena_strndup(a, b, (size_t)(dot - b)) : arena_strdup(a, b);
}

static const char *c_identifier(struct arena *a, const char *s)
{
	char *id = arena_strdup(a, s);

	for (char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			*p = '_';
	if (id[0] >= '0' && id[0] <= '9')
		id[0] = '_';
	return id;
}

typedef void (*emit_fn)(struct gen *, struct out *);

static void write_one(struct diag *d, struct gen *g, emit_fn fn, const char *dir,
                      const char *shortnm, const char *suffix)
{
	struct out o = {0};
	const char *path = arena_printf(g->a, "%s/%s%s", dir, shortnm, suffix);
	int rc;

	fn(g, &o);
	rc = out_write_file(&o, path);
	out_free(&o);
	if (rc)
		diag_error(d, NULL, "cannot write `%s': %s", path, strerror(-rc));
}

static int process(struct options *opt, const char *file)
{
	struct arena a = {0};
	struct diag d = {.out = stderr};
	struct loader ld = {0};
	struct edl prog;
	struct gen g;
	const char *path, *shortnm;
	volatile int rc = 0; /* survives the longjmp from diag_error() */

	ld.a = &a;
	ld.d = &d;
	ld.search = opt->search;
	ld.nsearch = opt->nsearch;
	if (setjmp(d.env)) {
		rc = 1;
		goto out;
	}
	path = loader_find(&ld, file);
	if (!path)
		diag_error(&d, NULL,
		           "EDL file `%s' not found (looked in the search path and the "
		           "current directory)",
		           file);
	shortnm = short_name(&a, file);
	if (shortnm[0] == '\0')
		diag_error(&d, NULL, "`%s': the file's short name is empty", file);
	memset(&g, 0, sizeof(g));
	g.a = &a;
	g.prog = &prog;
	g.name = c_identifier(&a, shortnm);
	g.use_prefix = opt->use_prefix;
	if (strcmp(g.name, shortnm) != 0) {
		struct loc l = {file, 1, 1};

		diag_warning(&d, &l,
		             "file short name `%s' is not a valid C identifier; using `%s' in "
		             "generated symbols",
		             shortnm, g.name);
	}
	loader_load(&ld, path, &prog);
	check_program(&d, &prog, shortnm, opt->header_only);
	if (opt->untrusted) {
		char *dir = arena_strdup(&a, opt->untrusted_dir);

		if (mkdir_p(dir) != 0)
			diag_error(&d, NULL, "cannot create directory `%s': %s", dir,
			           strerror(errno));
		write_one(&d, &g, emit_untrusted_header, dir, shortnm, "_u.h");
		if (!opt->header_only)
			write_one(&d, &g, emit_untrusted_source, dir, shortnm, "_u.c");
	}
	if (opt->trusted) {
		char *dir = arena_strdup(&a, opt->trusted_dir);

		if (mkdir_p(dir) != 0)
			diag_error(&d, NULL, "cannot create directory `%s': %s", dir,
			           strerror(errno));
		write_one(&d, &g, emit_trusted_header, dir, shortnm, "_t.h");
		if (!opt->header_only)
			write_one(&d, &g, emit_trusted_source, dir, shortnm, "_t.c");
	}
out:
	arena_free(&a);
	return rc;
}

int main(int argc, char **argv)
{
	struct arena a = {0};
	struct options opt;
	int rc = 0;

	parse_args(&a, argc, argv, &opt);
	for (size_t i = 0; i < opt.nfiles && rc == 0; i++)
		rc = process(&opt, opt.files[i]);
	arena_free(&a);
	return rc;
}
