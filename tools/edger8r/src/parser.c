#include "parser.h"

#include <string.h>

#include "check_attr.h"
#include "lexer.h"

struct parser {
	struct lexer lx;
	struct token tok;    /* current token */
	struct token next;   /* one token of lookahead */
	struct loc prev_end; /* end of the token before tok */
	struct arena *a;
	struct diag *d;
	struct edl *edl;
	size_t cap_inc, cap_tinc, cap_uinc, cap_comps, cap_ecalls, cap_ocalls, cap_imports;
};

static void advance(struct parser *p)
{
	p->prev_end = p->tok.end;
	p->tok = p->next;
	lexer_next(&p->lx, &p->next);
}

static int is_word(const struct token *t, const char *w)
{
	return t->kind == TK_IDENT && strcmp(t->text, w) == 0;
}

static int accept_word(struct parser *p, const char *w)
{
	if (!is_word(&p->tok, w))
		return 0;
	advance(p);
	return 1;
}

static _Noreturn void unexpected(struct parser *p, const char *what)
{
	diag_error(p->d, &p->tok.loc, "expected %s, got %s", what, tok_describe(p->a, &p->tok));
}

static void expect(struct parser *p, enum tok_kind k, const char *what)
{
	if (p->tok.kind == k) {
		advance(p);
		return;
	}
	/* A missing ';' is reported where it belongs: after the previous token. */
	if (k == TK_SEMI && p->prev_end.file)
		diag_error(p->d, &p->prev_end, "expected %s, got %s", what,
		           tok_describe(p->a, &p->tok));
	unexpected(p, what);
}

static void expect_word(struct parser *p, const char *w)
{
	if (!is_word(&p->tok, w))
		unexpected(p, arena_printf(p->a, "`%s'", w));
	advance(p);
}

/* An identifier that is not an EDL keyword (names of functions, params...). */
static const char *expect_name(struct parser *p, const char *what, struct loc *loc)
{
	const char *s;

	if (p->tok.kind != TK_IDENT)
		unexpected(p, what);
	if (lexer_is_keyword(p->tok.text))
		diag_error(p->d, &p->tok.loc,
		           "`%s' is a reserved EDL keyword and cannot be used as %s", p->tok.text,
		           what);
	s = p->tok.text;
	if (loc)
		*loc = p->tok.loc;
	advance(p);
	return s;
}

#define PUSH(p, arr, n, cap, val)                                                                  \
	do {                                                                                       \
		(arr) = arena_grow((p)->a, (arr), sizeof(*(arr)), (n), &(cap), (n) + 1);           \
		(arr)[(n)++] = (val);                                                              \
	} while (0)

/* ---- types ------------------------------------------------------------ */

static const struct {
	const char *word;
	enum base_kind kind;
} simple_types[] = {
    {"float", TY_FLOAT},     {"double", TY_DOUBLE},   {"int8_t", TY_INT8},
    {"int16_t", TY_INT16},   {"int32_t", TY_INT32},   {"int64_t", TY_INT64},
    {"uint8_t", TY_UINT8},   {"uint16_t", TY_UINT16}, {"uint32_t", TY_UINT32},
    {"uint64_t", TY_UINT64}, {"size_t", TY_SIZE_T},   {"wchar_t", TY_WCHAR},
    {"void", TY_VOID},       {"int", TY_INT},
};

static void parse_type_spec(struct parser *p, struct type *ty)
{
	memset(ty, 0, sizeof(*ty));
	if (accept_word(p, "unsigned")) {
		if (accept_word(p, "char")) {
			ty->kind = TY_UCHAR;
		} else if (accept_word(p, "short")) {
			ty->kind = TY_USHORT;
			accept_word(p, "int");
		} else if (accept_word(p, "long")) {
			ty->kind = accept_word(p, "long") ? TY_ULLONG : TY_ULONG;
			accept_word(p, "int");
		} else {
			ty->kind = TY_UINT;
			accept_word(p, "int");
		}
		return;
	}
	if (accept_word(p, "char")) {
		ty->kind = TY_CHAR;
		return;
	}
	if (accept_word(p, "short")) {
		ty->kind = TY_SHORT;
		accept_word(p, "int");
		return;
	}
	if (accept_word(p, "long")) {
		if (accept_word(p, "double")) {
			ty->kind = TY_LDOUBLE;
			return;
		}
		ty->kind = accept_word(p, "long") ? TY_LLONG : TY_LONG;
		accept_word(p, "int");
		return;
	}
	for (size_t i = 0; i < sizeof(simple_types) / sizeof(simple_types[0]); i++) {
		if (accept_word(p, simple_types[i].word)) {
			ty->kind = simple_types[i].kind;
			return;
		}
	}
	if (is_word(&p->tok, "struct") || is_word(&p->tok, "union") || is_word(&p->tok, "enum")) {
		ty->kind = is_word(&p->tok, "struct")  ? TY_STRUCT
		           : is_word(&p->tok, "union") ? TY_UNION
		                                       : TY_ENUM;
		advance(p);
		ty->name = expect_name(p, "a type tag", NULL);
		return;
	}
	if (p->tok.kind == TK_IDENT && !lexer_is_keyword(p->tok.text)) {
		ty->kind = TY_FOREIGN;
		ty->name = p->tok.text;
		advance(p);
		return;
	}
	unexpected(p, "a type");
}

static void parse_pointers(struct parser *p, struct type *ty)
{
	while (p->tok.kind == TK_STAR) {
		ty->ptr++;
		advance(p);
	}
}

static void parse_dims(struct parser *p, struct decl *dc)
{
	while (p->tok.kind == TK_LBRACK) {
		struct loc l = p->tok.loc;

		advance(p);
		if (p->tok.kind == TK_RBRACK)
			diag_error(p->d, &l, "flexible array `%s[]' is not supported", dc->name);
		if (p->tok.kind != TK_NUMBER)
			diag_error(p->d, &p->tok.loc,
			           "array dimension of `%s' must be a decimal number, got %s",
			           dc->name, tok_describe(p->a, &p->tok));
		if (p->tok.num == 0)
			diag_error(p->d, &p->tok.loc, "zero-length array `%s[0]' is not supported",
			           dc->name);
		if (dc->ndims == MAX_DIMS)
			diag_error(p->d, &l, "array `%s' has more than %d dimensions", dc->name,
			           MAX_DIMS);
		dc->dims[dc->ndims++] = p->tok.num;
		advance(p);
		expect(p, TK_RBRACK, "`]'");
	}
}

/* ---- attribute blocks --------------------------------------------------- */

static void parse_attr_block(struct parser *p, struct raw_attrs *ra)
{
	size_t cap = 0;

	memset(ra, 0, sizeof(*ra));
	ra->loc = p->tok.loc;
	expect(p, TK_LBRACK, "`['");
	if (p->tok.kind == TK_RBRACK)
		diag_error(p->d, &ra->loc, "empty attribute list `[]': no attribute specified");
	for (;;) {
		struct raw_attr r;

		memset(&r, 0, sizeof(r));
		if (p->tok.kind != TK_IDENT)
			unexpected(p, "an attribute name");
		r.key = p->tok.text;
		r.loc = p->tok.loc;
		advance(p);
		if (p->tok.kind == TK_EQUAL) {
			advance(p);
			r.has_value = 1;
			r.value_loc = p->tok.loc;
			if (p->tok.kind == TK_NUMBER) {
				r.is_num = 1;
				r.num = p->tok.num;
			} else if (p->tok.kind == TK_IDENT) {
				r.name = p->tok.text;
			} else {
				unexpected(p, "a decimal number or a name after `='");
			}
			advance(p);
		}
		PUSH(p, ra->items, ra->n, cap, r);
		if (p->tok.kind == TK_COMMA) {
			advance(p);
			continue;
		}
		expect(p, TK_RBRACK, "`,' or `]' in attribute list");
		return;
	}
}

/* ---- declarations --------------------------------------------------------- */

/* A parameter or a struct member: [attrs] [const] type ptrs name dims */
static void parse_decl(struct parser *p, struct decl *dc, struct raw_attrs *ra, int *has_attrs)
{
	struct loc const_loc = {0};
	int is_const = 0;

	memset(dc, 0, sizeof(*dc));
	*has_attrs = 0;
	if (p->tok.kind == TK_LBRACK) {
		parse_attr_block(p, ra);
		*has_attrs = 1;
	}
	if (is_word(&p->tok, "const")) {
		const_loc = p->tok.loc;
		is_const = 1;
		advance(p);
	}
	parse_type_spec(p, &dc->ty);
	parse_pointers(p, &dc->ty);
	dc->ty.is_const = is_const;
	if (is_const && dc->ty.ptr == 0)
		diag_error(p->d, &const_loc,
		           "`const' is only allowed on pointer parameters (SGX EDL rule)");
	dc->name = expect_name(p, "a parameter or member name", &dc->loc);
	parse_dims(p, dc);
}

static void parse_params(struct parser *p, struct func *f)
{
	size_t cap = 0;

	expect(p, TK_LPAREN, "`('");
	if (p->tok.kind == TK_RPAREN) {
		advance(p);
		return;
	}
	if (is_word(&p->tok, "void") && p->next.kind == TK_RPAREN) {
		advance(p);
		advance(p);
		return;
	}
	for (;;) {
		struct decl dc;
		struct raw_attrs ra;
		int has_attrs;

		parse_decl(p, &dc, &ra, &has_attrs);
		check_param_decl(p->d, p->a, f, &dc, has_attrs ? &ra : NULL);
		PUSH(p, f->params, f->nparams, cap, dc);
		if (p->tok.kind == TK_COMMA) {
			advance(p);
			continue;
		}
		expect(p, TK_RPAREN, "`,' or `)' in parameter list");
		break;
	}
	check_func_params(p->d, f);
}

/* ret-type name ( params ) */
static void parse_func_head(struct parser *p, struct func *f)
{
	if (is_word(&p->tok, "const"))
		diag_error(p->d, &p->tok.loc, "a return type cannot be `const'");
	parse_type_spec(p, &f->ret);
	parse_pointers(p, &f->ret);
	if (p->tok.kind == TK_LBRACK)
		diag_error(p->d, &p->tok.loc,
		           "returning an array is not supported - use a pointer instead");
	f->name = expect_name(p, "a function name", &f->loc);
	if (p->tok.kind == TK_LBRACK)
		diag_error(p->d, &p->tok.loc,
		           "`%s': returning an array is not supported - use a pointer instead",
		           f->name);
	parse_params(p, f);
}

static void parse_trusted_func(struct parser *p, struct func *f)
{
	memset(f, 0, sizeof(*f));
	f->trusted = 1;
	f->origin = p->edl->path;
	if (p->tok.kind == TK_LBRACK)
		diag_error(p->d, &p->tok.loc,
		           "function attributes (cdecl, stdcall, fastcall, dllimport) are only "
		           "allowed on untrusted functions");
	if (accept_word(p, "public"))
		f->is_public = 1;
	parse_func_head(p, f);
	for (;;) {
		if (is_word(&p->tok, "transition_using_threads")) {
			if (f->switchless)
				diag_error(p->d, &p->tok.loc,
				           "duplicated `transition_using_threads' on `%s'",
				           f->name);
			f->switchless = 1;
			advance(p);
		} else if (is_word(&p->tok, "allow")) {
			diag_error(p->d, &p->tok.loc,
			           "`allow' is only valid on untrusted functions (OCALLs), not on "
			           "ECALL `%s'",
			           f->name);
		} else if (is_word(&p->tok, "propagate_errno")) {
			diag_error(
			    p->d, &p->tok.loc,
			    "`propagate_errno' is only valid on untrusted functions (OCALLs), "
			    "not on ECALL `%s'",
			    f->name);
		} else {
			break;
		}
	}
	expect(p, TK_SEMI, "`;' after trusted function declaration");
}

static void parse_untrusted_func(struct parser *p, struct func *f)
{
	size_t cap = 0;

	memset(f, 0, sizeof(*f));
	f->origin = p->edl->path;
	if (p->tok.kind == TK_LBRACK) {
		struct raw_attrs ra;

		parse_attr_block(p, &ra);
		apply_func_attrs(p->d, f, &ra);
	}
	if (is_word(&p->tok, "public"))
		diag_error(p->d, &p->tok.loc,
		           "`public' is only valid on trusted functions (ECALLs)");
	parse_func_head(p, f);
	if (is_word(&p->tok, "allow")) {
		advance(p);
		expect(p, TK_LPAREN, "`(' after `allow'");
		if (p->tok.kind != TK_RPAREN) {
			for (;;) {
				struct loc l;
				const char *n = expect_name(p, "an ECALL name in allow()", &l);

				f->allow = arena_grow(p->a, f->allow, sizeof(*f->allow), f->nallow,
				                      &cap, f->nallow + 1);
				{
					size_t cap2 = f->nallow;

					f->allow_loc =
					    arena_grow(p->a, f->allow_loc, sizeof(*f->allow_loc),
					               f->nallow, &cap2, f->nallow + 1);
				}
				f->allow[f->nallow] = n;
				f->allow_loc[f->nallow] = l;
				f->nallow++;
				if (p->tok.kind == TK_COMMA) {
					advance(p);
					continue;
				}
				break;
			}
		}
		expect(p, TK_RPAREN, "`,' or `)' in allow list");
	}
	for (;;) {
		if (is_word(&p->tok, "propagate_errno")) {
			if (f->propagate_errno)
				diag_error(p->d, &p->tok.loc,
				           "duplicated `propagate_errno' on `%s'", f->name);
			f->propagate_errno = 1;
			advance(p);
		} else if (is_word(&p->tok, "transition_using_threads")) {
			if (f->switchless)
				diag_error(p->d, &p->tok.loc,
				           "duplicated `transition_using_threads' on `%s'",
				           f->name);
			f->switchless = 1;
			advance(p);
		} else if (is_word(&p->tok, "allow")) {
			diag_error(p->d, &p->tok.loc,
			           "`allow(...)' must come right after the parameter list of `%s' "
			           "and only once",
			           f->name);
		} else {
			break;
		}
	}
	expect(p, TK_SEMI, "`;' after untrusted function declaration");
}

static void parse_include(struct parser *p, const char ***arr, size_t *n, size_t *cap)
{
	expect_word(p, "include");
	if (p->tok.kind != TK_STRING)
		unexpected(p, "a quoted header name after `include'");
	if (p->tok.text[0] == '\0')
		diag_error(p->d, &p->tok.loc, "empty header name in `include'");
	PUSH(p, *arr, *n, *cap, p->tok.text);
	advance(p);
}

static void parse_func_block(struct parser *p, int trusted)
{
	expect(p, TK_LBRACE, "`{'");
	while (p->tok.kind != TK_RBRACE) {
		struct func f;

		if (p->tok.kind == TK_EOF)
			unexpected(p, "`}'");
		if (is_word(&p->tok, "include")) {
			if (trusted)
				parse_include(p, &p->edl->t_includes, &p->edl->nt_includes,
				              &p->cap_tinc);
			else
				parse_include(p, &p->edl->u_includes, &p->edl->nu_includes,
				              &p->cap_uinc);
			continue;
		}
		if (trusted) {
			parse_trusted_func(p, &f);
			PUSH(p, p->edl->ecalls, p->edl->necalls, p->cap_ecalls, f);
		} else {
			parse_untrusted_func(p, &f);
			PUSH(p, p->edl->ocalls, p->edl->nocalls, p->cap_ocalls, f);
		}
	}
	advance(p);
	expect(p, TK_SEMI,
	       trusted ? "`;' after `trusted { ... }'" : "`;' after `untrusted { ... }'");
}

/* ---- composite types ------------------------------------------------------ */

static void parse_struct_or_union(struct parser *p, struct composite *c)
{
	size_t cap = 0;
	const char *kw = c->kind == COMP_STRUCT ? "struct" : "union";

	expect(p, TK_LBRACE, "`{'");
	while (p->tok.kind != TK_RBRACE) {
		struct decl dc;
		struct raw_attrs ra;
		int has_attrs;

		if (p->tok.kind == TK_EOF)
			unexpected(p, "`}'");
		if (c->kind == COMP_UNION && p->tok.kind == TK_LBRACK)
			diag_error(p->d, &p->tok.loc,
			           "union members cannot have attributes (union `%s')", c->name);
		parse_decl(p, &dc, &ra, &has_attrs);
		check_member_decl(p->d, p->a, c, &dc, has_attrs ? &ra : NULL);
		PUSH(p, c->members, c->nmembers, cap, dc);
		expect(p, TK_SEMI, "`;' after member declaration");
	}
	if (c->nmembers == 0)
		diag_error(p->d, &c->loc, "%s `%s' has no members", kw, c->name);
	advance(p);
	check_composite_members(p->d, c);
}

static void parse_enum_body(struct parser *p, struct composite *c)
{
	size_t cap = 0;

	expect(p, TK_LBRACE, "`{'");
	while (p->tok.kind != TK_RBRACE) {
		struct enum_item it = {0};

		it.name = expect_name(p, "an enumerator name", NULL);
		if (p->tok.kind == TK_EQUAL) {
			advance(p);
			if (p->tok.kind != TK_NUMBER && p->tok.kind != TK_IDENT)
				unexpected(p, "a decimal number or a name after `='");
			it.value = p->tok.text;
			advance(p);
		}
		PUSH(p, c->items, c->nitems, cap, it);
		if (p->tok.kind == TK_COMMA) {
			advance(p);
			if (p->tok.kind == TK_RBRACE)
				unexpected(p, "an enumerator name (no trailing comma in EDL)");
			continue;
		}
		if (p->tok.kind != TK_RBRACE)
			unexpected(p, "`,' or `}' in enum");
	}
	advance(p);
}

static void parse_composite(struct parser *p)
{
	struct composite c;

	memset(&c, 0, sizeof(c));
	c.loc = p->tok.loc;
	if (accept_word(p, "enum")) {
		c.kind = COMP_ENUM;
		c.name = "";
		if (p->tok.kind == TK_IDENT)
			c.name = expect_name(p, "an enum name", &c.loc);
		parse_enum_body(p, &c);
	} else {
		c.kind = is_word(&p->tok, "struct") ? COMP_STRUCT : COMP_UNION;
		advance(p);
		c.name = expect_name(p, c.kind == COMP_STRUCT ? "a struct name" : "a union name",
		                     &c.loc);
		parse_struct_or_union(p, &c);
	}
	expect(p, TK_SEMI, "`;' after type definition");
	PUSH(p, p->edl->comps, p->edl->ncomps, p->cap_comps, c);
}

/* ---- imports --------------------------------------------------------- */

static void parse_import(struct parser *p)
{
	struct import im;
	size_t cap = 0, cap2 = 0;

	memset(&im, 0, sizeof(im));
	im.loc = p->tok.loc;
	expect_word(p, "from");
	if (p->tok.kind != TK_STRING)
		unexpected(p, "a quoted EDL file name after `from'");
	if (p->tok.text[0] == '\0')
		diag_error(p->d, &p->tok.loc, "empty file name in `from ... import'");
	im.file = p->tok.text;
	advance(p);
	expect_word(p, "import");
	if (p->tok.kind == TK_STAR) {
		im.all = 1;
		advance(p);
	} else {
		for (;;) {
			struct loc l;
			const char *n = expect_name(p, "a function name or `*' to import", &l);

			PUSH(p, im.names, im.nnames, cap, n);
			im.name_locs = arena_grow(p->a, im.name_locs, sizeof(*im.name_locs),
			                          im.nnames - 1, &cap2, im.nnames);
			im.name_locs[im.nnames - 1] = l;
			if (p->tok.kind != TK_COMMA)
				break;
			advance(p);
		}
	}
	expect(p, TK_SEMI, "`;' after import declaration");
	PUSH(p, p->edl->imports, p->edl->nimports, p->cap_imports, im);
}

/* ---- top level ---------------------------------------------------------- */

void parse_edl(struct arena *a, struct diag *d, const char *src, size_t len, const char *file,
               struct edl *out)
{
	struct parser p;

	memset(&p, 0, sizeof(p));
	memset(out, 0, sizeof(*out));
	out->path = file;
	p.a = a;
	p.d = d;
	p.edl = out;
	lexer_init(&p.lx, src, len, file, a, d);
	lexer_next(&p.lx, &p.next);
	advance(&p);

	expect_word(&p, "enclave");
	expect(&p, TK_LBRACE, "`{' after `enclave'");
	while (p.tok.kind != TK_RBRACE) {
		if (is_word(&p.tok, "include"))
			parse_include(&p, &out->includes, &out->nincludes, &p.cap_inc);
		else if (is_word(&p.tok, "from"))
			parse_import(&p);
		else if (is_word(&p.tok, "struct") || is_word(&p.tok, "union") ||
		         is_word(&p.tok, "enum"))
			parse_composite(&p);
		else if (accept_word(&p, "trusted"))
			parse_func_block(&p, 1);
		else if (accept_word(&p, "untrusted"))
			parse_func_block(&p, 0);
		else
			unexpected(&p, "`trusted', `untrusted', `include', `from', `struct', "
			               "`union', `enum' or `}'");
	}
	advance(&p);
	expect(&p, TK_SEMI, "`;' after `enclave { ... }'");
	if (p.tok.kind != TK_EOF)
		unexpected(&p, "end of file after `enclave { ... };'");
}
