/* Loading EDL files through the search path and resolving
 * `from "f.edl" import a, b;' / `import *' into one enclave description. */
#ifndef DE_E8_IMPORT_H
#define DE_E8_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"

struct loader {
	struct arena *a;
	struct diag *d;
	const char **search; /* in lookup order; "." is always tried last */
	size_t nsearch;
	bool no_cpp; /* read files verbatim (tests) */
	/* internal state */
	const char **stack;
	size_t nstack, cap_stack;
	const char **merged; /* files whose includes/types were merged */
	size_t nmerged, cap_merged;
	struct cached {
		const char *real;
		struct edl *edl;
	} * cache;
	size_t ncache, cap_cache;
};

/* Find name in the search path (absolute names as is). NULL if absent. */
const char *loader_find(struct loader *ld, const char *name);
/* Parse the top-level file and everything it imports into prog. The ECALL
 * and OCALL order (= call IDs) is: the file's own declarations in order,
 * then each import in order, depth first. */
void loader_load(struct loader *ld, const char *path, struct edl *prog);

#endif
