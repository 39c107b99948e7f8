// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The lexer: the whole file is split into tokens before parsing, so the
 * parser can look ahead freely and diagnostics can point at any token.
 * "///" comments are kept, attached to the token that follows them; the
 * parser hands them to the declaration that token starts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"

struct lexer {
	struct diag *d;
	struct arena *a;
	const char *s;
	size_t len, pos;
	unsigned int line, col;	/* col: 0-based display column */
	struct token *v;	/* malloc'd while lexing */
	size_t n, cap;
	/* the doc comment being collected */
	char *doc;
	size_t doc_len;
	struct loc doc_loc;
};

static int at(struct lexer *lx, size_t ahead)
{
	size_t p = lx->pos + ahead;

	return p < lx->len ? (unsigned char)lx->s[p] : -1;
}

static void step(struct lexer *lx)
{
	unsigned char c = (unsigned char)lx->s[lx->pos++];

	if (c == '\n') {
		lx->line++;
		lx->col = 0;
	} else if (c == '\t') {
		lx->col = (lx->col / 8 + 1) * 8;
	} else if ((c & 0xc0) != 0x80) {	/* not a UTF-8 continuation */
		lx->col++;
	}
}

static struct loc here(struct lexer *lx, size_t len)
{
	struct loc l = { lx->line, lx->col + 1, lx->pos, len };

	return l;
}

static struct token *push(struct lexer *lx, enum tok_kind k, struct loc l)
{
	struct token *t;

	if (lx->n == lx->cap) {
		size_t cap = lx->cap ? 2 * lx->cap : 256;
		struct token *v = realloc(lx->v, cap * sizeof(*v));

		if (!v) {
			fputs("ipcsvc-idlc: out of memory\n", stderr);
			abort();
		}
		lx->v = v;
		lx->cap = cap;
	}
	t = &lx->v[lx->n++];
	memset(t, 0, sizeof(*t));
	t->kind = k;
	t->loc = l;
	t->text = lx->s + l.off;
	if (lx->doc) {
		t->doc = lx->doc;
		t->doc_loc = lx->doc_loc;
		lx->doc = NULL;
	}
	return t;
}

/* "/// text": the text after the slashes and one space, appended. */
static void doc_line(struct lexer *lx, size_t from, size_t to)
{
	size_t n;
	char *p;

	if (from < to && lx->s[from] == ' ')
		from++;
	while (to > from && (lx->s[to - 1] == '\r' || lx->s[to - 1] == ' ' ||
			     lx->s[to - 1] == '\t'))
		to--;
	n = to - from;
	if (!lx->doc) {
		lx->doc = arena_strndup(lx->a, lx->s + from, n);
		lx->doc_len = n;
		return;
	}
	/* Doc comments are short: copying the text so far is fine. */
	p = arena_alloc(lx->a, lx->doc_len + n + 2);
	memcpy(p, lx->doc, lx->doc_len);
	p[lx->doc_len] = '\n';
	memcpy(p + lx->doc_len + 1, lx->s + from, n);
	lx->doc = p;
	lx->doc_len += n + 1;
}

static void line_comment(struct lexer *lx)
{
	size_t start = lx->pos;
	bool doc = at(lx, 2) == '/' && at(lx, 3) != '/';
	struct loc l = here(lx, 3);

	while (lx->pos < lx->len && lx->s[lx->pos] != '\n')
		step(lx);
	if (doc) {
		if (!lx->doc)
			lx->doc_loc = l;
		doc_line(lx, start + 3, lx->pos);
	}
}

static void block_comment(struct lexer *lx)
{
	struct loc l = here(lx, 2);

	step(lx);
	step(lx);
	while (lx->pos < lx->len) {
		if (at(lx, 0) == '*' && at(lx, 1) == '/') {
			step(lx);
			step(lx);
			return;
		}
		step(lx);
	}
	diag_error(lx->d, l, "unterminated comment");
}

static bool is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int digit_value(int c, int base)
{
	int v = -1;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	return v < base ? v : -1;
}

static void number(struct lexer *lx)
{
	struct loc l = here(lx, 0);
	size_t start = lx->pos, first, end;
	int base = 10, v;
	uint64_t value = 0;
	bool big = false;
	struct token *t;

	if (at(lx, 0) == '0' && (at(lx, 1) == 'x' || at(lx, 1) == 'X')) {
		base = 16;
		step(lx);
		step(lx);
	}
	first = lx->pos;
	while ((v = digit_value(at(lx, 0), base)) >= 0) {
		if (value > ((uint64_t)INT64_MAX - (uint64_t)v) / (uint64_t)base)
			big = true;
		else
			value = value * (uint64_t)base + (uint64_t)v;
		step(lx);
	}
	end = lx->pos;
	while (is_ident(at(lx, 0)))	/* a suffix: part of the bad token */
		step(lx);
	l.len = lx->pos - start;
	t = push(lx, TK_INT, l);
	if (end == first)
		diag_error(lx->d, l, "hexadecimal literal without digits");
	else if (end != lx->pos)
		diag_error(lx->d, l, "invalid suffix '%.*s' on integer literal",
			   (int)(lx->pos - end), lx->s + end);
	else if (base == 10 && end - first > 1 && lx->s[first] == '0')
		diag_error(lx->d, l, "integer literal with a leading zero: "
			   "octal is not supported");
	else if (big)
		diag_error(lx->d, l, "integer literal is too large (at most "
			   "9223372036854775807)");
	else
		t->value = (int64_t)value;
}

static void stray(struct lexer *lx)
{
	unsigned char c = (unsigned char)lx->s[lx->pos];
	struct loc l = here(lx, 1);

	if (c >= 0x80) {
		/* one error for a whole run, not one per UTF-8 byte */
		while (at(lx, 0) >= 0x80)
			step(lx);
		l.len = lx->pos - l.off;
		diag_error(lx->d, l, "non-ASCII text outside a comment");
		return;
	}
	if (c > 0x20 && c < 0x7f)
		diag_error(lx->d, l, "stray '%c' in input", c);
	else
		diag_error(lx->d, l, "stray '\\%o' in input", c);
	step(lx);
}

static const struct { char c; enum tok_kind k; } punct[] = {
	{ ';', TK_SEMI }, { ':', TK_COLON }, { ',', TK_COMMA },
	{ '.', TK_DOT }, { '=', TK_EQ }, { '@', TK_AT },
	{ '(', TK_LPAREN }, { ')', TK_RPAREN }, { '{', TK_LBRACE },
	{ '}', TK_RBRACE }, { '<', TK_LT }, { '>', TK_GT },
	{ '+', TK_PLUS }, { '-', TK_MINUS }, { '*', TK_STAR },
	{ '/', TK_SLASH }, { '[', TK_LBRACKET }, { ']', TK_RBRACKET },
};

struct token *lex(struct diag *d, struct arena *a, size_t *count)
{
	struct lexer lx = { .d = d, .a = a, .s = d->src, .len = d->len,
			    .line = 1 };
	struct token *out;
	size_t i;

	while (lx.pos < lx.len) {
		int c = at(&lx, 0);
		struct loc l;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v') {
			step(&lx);
			continue;
		}
		if (c == '/' && at(&lx, 1) == '/') {
			line_comment(&lx);
			continue;
		}
		if (c == '/' && at(&lx, 1) == '*') {
			block_comment(&lx);
			continue;
		}
		if (is_ident_start(c)) {
			l = here(&lx, 0);
			while (is_ident(at(&lx, 0)))
				step(&lx);
			l.len = lx.pos - l.off;
			push(&lx, TK_IDENT, l);
			continue;
		}
		if (c >= '0' && c <= '9') {
			number(&lx);
			continue;
		}
		if (c == '-' && at(&lx, 1) == '>') {
			push(&lx, TK_ARROW, here(&lx, 2));
			step(&lx);
			step(&lx);
			continue;
		}
		for (i = 0; i < sizeof(punct) / sizeof(punct[0]); i++)
			if (punct[i].c == c)
				break;
		if (i == sizeof(punct) / sizeof(punct[0])) {
			stray(&lx);
			continue;
		}
		push(&lx, punct[i].k, here(&lx, 1));
		step(&lx);
	}
	push(&lx, TK_EOF, here(&lx, 0));
	out = arena_alloc(a, lx.n * sizeof(*out));
	memcpy(out, lx.v, lx.n * sizeof(*out));
	free(lx.v);
	*count = lx.n;
	return out;
}

const char *tok_kind_name(enum tok_kind k)
{
	static const char *const names[] = {
		[TK_EOF] = "end of input", [TK_IDENT] = "identifier",
		[TK_INT] = "integer", [TK_SEMI] = "';'", [TK_COLON] = "':'",
		[TK_COMMA] = "','", [TK_DOT] = "'.'", [TK_EQ] = "'='",
		[TK_AT] = "'@'", [TK_LPAREN] = "'('", [TK_RPAREN] = "')'",
		[TK_LBRACE] = "'{'", [TK_RBRACE] = "'}'", [TK_LT] = "'<'",
		[TK_GT] = "'>'", [TK_PLUS] = "'+'", [TK_MINUS] = "'-'",
		[TK_STAR] = "'*'", [TK_SLASH] = "'/'", [TK_ARROW] = "'->'",
		[TK_LBRACKET] = "'['", [TK_RBRACKET] = "']'",
	};

	return names[k];
}
