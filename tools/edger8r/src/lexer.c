#include "lexer.h"

#include <ctype.h>
#include <limits.h>
#include <string.h>

/* Words the SGX EDL lexer reserves: they cannot name a type, a function or
 * a parameter. Attribute names (in, out, size, ...) are not reserved. */
static const char *const keywords[] = {
    "char",     "short",
    "unsigned", "int",
    "float",    "double",
    "int8_t",   "int16_t",
    "int32_t",  "int64_t",
    "uint8_t",  "uint16_t",
    "uint32_t", "uint64_t",
    "size_t",   "wchar_t",
    "long",     "void",
    "struct",   "union",
    "enum",     "enclave",
    "trusted",  "untrusted",
    "from",     "import",
    "allow",    "public",
    "include",  "propagate_errno",
    "const",    "transition_using_threads",
};

int lexer_is_keyword(const char *word)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strcmp(word, keywords[i]) == 0)
			return 1;
	return 0;
}

void lexer_init(struct lexer *lx, const char *src, size_t len, const char *file, struct arena *a,
                struct diag *d)
{
	memset(lx, 0, sizeof(*lx));
	lx->src = src;
	lx->len = len;
	lx->line = 1;
	lx->file = file;
	lx->arena = a;
	lx->diag = d;
}

static struct loc here(const struct lexer *lx)
{
	struct loc l = {lx->file, lx->line, (int)(lx->pos - lx->line_start) + 1};

	return l;
}

static int peekc(const struct lexer *lx, size_t off)
{
	return lx->pos + off < lx->len ? (unsigned char)lx->src[lx->pos + off] : -1;
}

static void newline(struct lexer *lx)
{
	lx->pos++;
	lx->line++;
	lx->line_start = lx->pos;
}

/* A line that starts with '#': a preprocessor line marker
 * ('# 12 "f.edl" 2' or '#line 12 "f.edl"') or some other directive left
 * by the preprocessor (#pragma), which is ignored. */
static void line_marker(struct lexer *lx)
{
	size_t p = lx->pos + 1, end;
	long line = -1;
	const char *file = NULL;

	for (end = lx->pos; end < lx->len && lx->src[end] != '\n'; end++)
		;
	while (p < end && (lx->src[p] == ' ' || lx->src[p] == '\t'))
		p++;
	if (end - p >= 4 && strncmp(lx->src + p, "line", 4) == 0) {
		p += 4;
		while (p < end && (lx->src[p] == ' ' || lx->src[p] == '\t'))
			p++;
	}
	if (p < end && isdigit((unsigned char)lx->src[p])) {
		line = 0;
		while (p < end && isdigit((unsigned char)lx->src[p]) && line < INT_MAX / 10)
			line = line * 10 + (lx->src[p++] - '0');
		while (p < end && (lx->src[p] == ' ' || lx->src[p] == '\t'))
			p++;
		if (p < end && lx->src[p] == '"') {
			size_t q = p + 1;

			while (q < end && lx->src[q] != '"')
				q++;
			if (q < end)
				file = arena_strndup(lx->arena, lx->src + p + 1, q - p - 1);
		}
	}
	lx->pos = end;
	if (lx->pos < lx->len) {
		newline(lx);
		if (line >= 0) {
			lx->line = (int)line;
			if (file && file[0] != '<')
				lx->file = file;
		}
	}
}

static void skip_space(struct lexer *lx)
{
	for (;;) {
		int c = peekc(lx, 0);

		if (c == '\n') {
			newline(lx);
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			lx->pos++;
		} else if (c == '#' && lx->pos == lx->line_start) {
			line_marker(lx);
		} else if (c == '/' && peekc(lx, 1) == '/') {
			while (lx->pos < lx->len && lx->src[lx->pos] != '\n')
				lx->pos++;
		} else if (c == '/' && peekc(lx, 1) == '*') {
			struct loc start = here(lx);

			lx->pos += 2;
			for (;;) {
				if (lx->pos >= lx->len)
					diag_error(lx->diag, &start, "unterminated comment");
				if (lx->src[lx->pos] == '*' && peekc(lx, 1) == '/') {
					lx->pos += 2;
					break;
				}
				if (lx->src[lx->pos] == '\n')
					newline(lx);
				else
					lx->pos++;
			}
		} else {
			return;
		}
	}
}

static void lex_one(struct lexer *lx, struct token *t)
{
	int c;

	skip_space(lx);
	memset(t, 0, sizeof(*t));
	t->loc = here(lx);
	c = peekc(lx, 0);
	if (c < 0) {
		t->kind = TK_EOF;
		t->text = "";
		return;
	}
	if (isalpha(c) || c == '_') {
		size_t s = lx->pos;

		while (lx->pos < lx->len &&
		       (isalnum((unsigned char)lx->src[lx->pos]) || lx->src[lx->pos] == '_'))
			lx->pos++;
		t->kind = TK_IDENT;
		t->text = arena_strndup(lx->arena, lx->src + s, lx->pos - s);
		return;
	}
	if (isdigit(c)) {
		size_t s = lx->pos;
		long v = 0;
		int all_digits = 1;

		while (lx->pos < lx->len &&
		       (isalnum((unsigned char)lx->src[lx->pos]) || lx->src[lx->pos] == '_')) {
			if (!isdigit((unsigned char)lx->src[lx->pos]))
				all_digits = 0;
			lx->pos++;
		}
		t->text = arena_strndup(lx->arena, lx->src + s, lx->pos - s);
		if (!all_digits)
			diag_error(lx->diag, &t->loc,
			           "invalid number `%s': EDL numbers are decimal digits only",
			           t->text);
		for (size_t i = 0; t->text[i]; i++) {
			if (v > (INT_MAX - 9) / 10)
				diag_error(lx->diag, &t->loc, "number `%s' is too large (limit %d)",
				           t->text, INT_MAX);
			v = v * 10 + (t->text[i] - '0');
		}
		t->kind = TK_NUMBER;
		t->num = v;
		return;
	}
	if (c == '"') {
		size_t s = ++lx->pos;

		while (lx->pos < lx->len && lx->src[lx->pos] != '"' && lx->src[lx->pos] != '\n')
			lx->pos++;
		if (lx->pos >= lx->len || lx->src[lx->pos] != '"')
			diag_error(lx->diag, &t->loc, "unterminated string");
		t->kind = TK_STRING;
		t->text = arena_strndup(lx->arena, lx->src + s, lx->pos - s);
		lx->pos++;
		return;
	}
	lx->pos++;
	switch (c) {
	case '{':
		t->kind = TK_LBRACE;
		break;
	case '}':
		t->kind = TK_RBRACE;
		break;
	case '(':
		t->kind = TK_LPAREN;
		break;
	case ')':
		t->kind = TK_RPAREN;
		break;
	case '[':
		t->kind = TK_LBRACK;
		break;
	case ']':
		t->kind = TK_RBRACK;
		break;
	case '*':
		t->kind = TK_STAR;
		break;
	case ',':
		t->kind = TK_COMMA;
		break;
	case ';':
		t->kind = TK_SEMI;
		break;
	case '=':
		t->kind = TK_EQUAL;
		break;
	case '.':
		t->kind = TK_DOT;
		break;
	default:
		if (isprint(c))
			diag_error(lx->diag, &t->loc, "invalid character `%c'", c);
		diag_error(lx->diag, &t->loc, "invalid character (byte 0x%02x)", (unsigned)c);
	}
	t->text = arena_strndup(lx->arena, lx->src + lx->pos - 1, 1);
}

void lexer_next(struct lexer *lx, struct token *t)
{
	lex_one(lx, t);
	t->end = here(lx);
}

const char *tok_describe(struct arena *a, const struct token *t)
{
	switch (t->kind) {
	case TK_EOF:
		return "end of file";
	case TK_STRING:
		return arena_printf(a, "string \"%s\"", t->text);
	default:
		return arena_printf(a, "`%s'", t->text);
	}
}
