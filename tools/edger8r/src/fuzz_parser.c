/* libFuzzer target: the EDL lexer, parser, attribute rules and checker on
 * arbitrary bytes, then all four emitters on whatever is accepted. Must
 * never crash, hang or leak. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "checker.h"
#include "diag.h"
#include "emit.h"
#include "parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a = {0};
	struct diag d = {.out = NULL};
	struct edl e;
	struct gen g;
	struct out o = {0};

	if (setjmp(d.env) == 0) {
		parse_edl(&a, &d, (const char *)data, size, "fuzz.edl", &e);
		check_program(&d, &e, "fuzz", false);
		memset(&g, 0, sizeof(g));
		g.a = &a;
		g.prog = &e;
		g.name = "fuzz";
		emit_untrusted_header(&g, &o);
		emit_untrusted_source(&g, &o);
		emit_trusted_header(&g, &o);
		emit_trusted_source(&g, &o);
	}
	out_free(&o);
	arena_free(&a);
	return 0;
}
