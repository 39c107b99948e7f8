/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tokens of the protocol language (Documentation/idl.md, "Lexical"). */
#ifndef IDLC_LEX_H
#define IDLC_LEX_H

#include "ast.h"
#include "diag.h"

enum tok_kind {
	TK_EOF, TK_IDENT, TK_INT,
	TK_SEMI, TK_COLON, TK_COMMA, TK_DOT, TK_EQ, TK_AT,
	TK_LPAREN, TK_RPAREN, TK_LBRACE, TK_RBRACE, TK_LT, TK_GT,
	TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH, TK_ARROW,
	/* only to say that C-style arrays are written array<T, N> */
	TK_LBRACKET, TK_RBRACKET,
};

struct token {
	enum tok_kind kind;
	struct loc loc;
	const char *text;	/* in the source, loc.len bytes */
	int64_t value;		/* TK_INT */
	const char *doc;	/* the "///" lines just before, or NULL */
	struct loc doc_loc;
	int doc_used;		/* the parser attached it to a declaration */
};

/*
 * Splits the whole source into tokens, reporting bad characters, bad
 * literals and unterminated comments to @d. The array (from @a) always
 * ends with one TK_EOF; *count includes it.
 */
struct token *lex(struct diag *d, struct arena *a, size_t *count);

/* How a token kind is named in messages: "';'", "identifier". */
const char *tok_kind_name(enum tok_kind k);

#endif
