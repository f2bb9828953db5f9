#include "diag.h"

#include <stdarg.h>

__attribute__((format(printf, 4, 0))) static void
vreport(struct diag *d, const struct loc *loc, const char *kind, const char *fmt, va_list ap)
{
	if (!d->out)
		return;
	if (loc && loc->file)
		fprintf(d->out, "%s:%d:%d: %s: ", loc->file, loc->line, loc->col, kind);
	else
		fprintf(d->out, "de_edger8r: %s: ", kind);
	vfprintf(d->out, fmt, ap);
	fputc('\n', d->out);
}

void diag_error(struct diag *d, const struct loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(d, loc, "error", fmt, ap);
	va_end(ap);
	d->errors++;
	longjmp(d->env, 1);
}

void diag_warning(struct diag *d, const struct loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(d, loc, "warning", fmt, ap);
	va_end(ap);
	d->warnings++;
}
