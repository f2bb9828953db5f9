/* EDL lexer. Works on preprocessed text and honours the preprocessor's line
 * markers ('# 12 "file.edl"') so that locations point into the user's file. */
#ifndef DE_E8_LEXER_H
#define DE_E8_LEXER_H

#include <stddef.h>

#include "arena.h"
#include "diag.h"

enum tok_kind {
	TK_EOF,
	TK_IDENT, /* identifiers and keywords; see tok_is() */
	TK_NUMBER,
	TK_STRING,
	TK_LBRACE,
	TK_RBRACE,
	TK_LPAREN,
	TK_RPAREN,
	TK_LBRACK,
	TK_RBRACK,
	TK_STAR,
	TK_COMMA,
	TK_SEMI,
	TK_EQUAL,
	TK_DOT,
};

struct token {
	enum tok_kind kind;
	const char *text; /* identifier, number digits or string contents */
	long num;
	struct loc loc;
	struct loc end; /* just after the token's last character */
};

struct lexer {
	const char *src;
	size_t len;
	size_t pos;
	int line;
	size_t line_start;
	const char *file;
	struct arena *arena;
	struct diag *diag;
};

void lexer_init(struct lexer *lx, const char *src, size_t len, const char *file, struct arena *a,
                struct diag *d);
/* Next token; reports malformed input through diag_error(). */
void lexer_next(struct lexer *lx, struct token *t);
/* Printable description of a token for messages ("`foo'", "end of file"). */
const char *tok_describe(struct arena *a, const struct token *t);
/* Is the word reserved by EDL (a type name or a keyword)? */
int lexer_is_keyword(const char *word);

#endif
