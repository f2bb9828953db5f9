/* Diagnostics: "file:line:col: error: message". The first error ends the
 * compilation: diag_error() prints it and unwinds to the diag_try() point
 * with longjmp; everything allocated meanwhile lives in the arena. */
#ifndef DE_E8_DIAG_H
#define DE_E8_DIAG_H

#include <setjmp.h>
#include <stdio.h>

struct loc {
	const char *file; /* name as the user spelt it (after line markers) */
	int line;
	int col;
};

struct diag {
	jmp_buf env;
	FILE *out; /* where messages go; NULL = silent (fuzzing) */
	int errors;
	int warnings;
};

/* Report an error at loc (loc may be NULL for errors without a place) and unwind. */
_Noreturn void diag_error(struct diag *d, const struct loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_warning(struct diag *d, const struct loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
