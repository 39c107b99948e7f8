// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The recursive-descent parser, one function per rule of the grammar in
 * Documentation/idl.md. Keywords are contextual: "call", "depth" or
 * "version" are keywords only where the grammar expects them, so they
 * remain usable as names.
 *
 * Error recovery: a syntax error abandons the member (field, enum member)
 * or declaration it occurs in; parsing resumes after its ';' or '}', so
 * that one run reports every independent syntax error once.
 */
#include <string.h>

#include "idlc.h"

struct parser {
	struct diag *d;
	struct arena *a;
	struct token *t;
	size_t n, i;
	int depth;		/* nesting of types and expressions */
};

static struct token *cur(struct parser *p)
{
	return &p->t[p->i];
}

static struct token *peek(struct parser *p, size_t ahead)
{
	return p->i + ahead < p->n ? &p->t[p->i + ahead] : &p->t[p->n - 1];
}

static struct token *next(struct parser *p)
{
	struct token *t = cur(p);

	if (t->kind != TK_EOF)
		p->i++;
	return t;
}

static bool is(struct parser *p, enum tok_kind k)
{
	return cur(p)->kind == k;
}

static bool tok_is_kw(const struct token *t, const char *kw)
{
	return t->kind == TK_IDENT && t->loc.len == strlen(kw) &&
	       !memcmp(t->text, kw, t->loc.len);
}

static bool is_kw(struct parser *p, const char *kw)
{
	return tok_is_kw(cur(p), kw);
}

static char *tok_str(struct parser *p, const struct token *t)
{
	return arena_strndup(p->a, t->text, t->loc.len);
}

/* Takes the doc comment of the token that starts a declaration. */
static const char *take_doc(struct parser *p)
{
	struct token *t = cur(p);

	t->doc_used = 1;
	return t->doc;
}

/* Just after the previous token: where a missing token belongs. */
static struct loc after_prev(struct parser *p)
{
	struct loc l = (p->i ? &p->t[p->i - 1] : cur(p))->loc;

	l.off += l.len;
	l.col += (unsigned int)l.len;
	l.len = 1;
	return l;
}

/* "expected X before Y", pointing at Y; at the end of the input, just
 * after the last token rather than on a line past the end. */
static void expected(struct parser *p, const char *what)
{
	struct token *t = cur(p);

	if (t->kind == TK_EOF)
		diag_error(p->d, after_prev(p), "expected %s at end of input",
			   what);
	else
		diag_error(p->d, t->loc, "expected %s before '%.*s'", what,
			   (int)t->loc.len, t->text);
}

static bool expect(struct parser *p, enum tok_kind k)
{
	if (is(p, k)) {
		next(p);
		return true;
	}
	expected(p, tok_kind_name(k));
	return false;
}

/* A missing ';' is shown just after the token it should follow, as gcc
 * does, rather than on the next line. */
static bool expect_semi(struct parser *p)
{
	struct token *t = cur(p);
	struct loc l = after_prev(p);

	if (is(p, TK_SEMI)) {
		next(p);
		return true;
	}
	if (t->kind == TK_EOF)
		diag_error(p->d, l, "expected ';' at end of input");
	else if (t->kind == TK_LBRACKET)
		diag_error(p->d, t->loc, "C-style arrays are not supported: "
			   "write array<T, N> or vector<T, N>");
	else
		diag_error(p->d, l, "expected ';' before '%.*s'",
			   (int)t->loc.len, t->text);
	return false;
}

static bool ident(struct parser *p, const char **name, struct loc *loc)
{
	if (!is(p, TK_IDENT)) {
		expected(p, "a name");
		return false;
	}
	*loc = cur(p)->loc;
	*name = tok_str(p, next(p));
	return true;
}

/* Bounds the recursion, and so the stack, whatever the input. */
static bool deeper(struct parser *p)
{
	if (p->depth < IDL_MAX_DEPTH) {
		p->depth++;
		return true;
	}
	diag_error(p->d, cur(p)->loc, "nested more than %d levels deep",
		   IDL_MAX_DEPTH);
	return false;
}

static struct expr *new_expr(struct parser *p, enum expr_kind k,
			     struct loc l)
{
	struct expr *e = arena_alloc(p->a, sizeof(*e));

	e->kind = k;
	e->loc = l;
	return e;
}

static struct expr *expr(struct parser *p);

/* unary = "-" unary | integer | name | "(" expr ")" */
static struct expr *unary(struct parser *p)
{
	struct token *t = cur(p);
	struct expr *e = NULL;

	if (!deeper(p))
		return NULL;
	if (t->kind == TK_MINUS) {
		next(p);
		e = new_expr(p, E_NEG, t->loc);
		e->lhs = unary(p);
		if (!e->lhs)
			e = NULL;
	} else if (t->kind == TK_INT) {
		e = new_expr(p, E_INT, t->loc);
		e->value = next(p)->value;
	} else if (t->kind == TK_IDENT) {
		e = new_expr(p, E_NAME, t->loc);
		e->name = tok_str(p, next(p));
	} else if (t->kind == TK_LPAREN) {
		next(p);
		e = expr(p);
		if (e && !expect(p, TK_RPAREN))
			e = NULL;
	} else {
		expected(p, "a number or a constant");
	}
	p->depth--;
	return e;
}

static struct expr *binary(struct parser *p, struct expr *lhs, bool mul)
{
	while (lhs) {
		struct token *op = cur(p);
		enum expr_kind k;
		struct expr *e;

		if (mul && op->kind == TK_STAR)
			k = E_MUL;
		else if (mul && op->kind == TK_SLASH)
			k = E_DIV;
		else if (!mul && op->kind == TK_PLUS)
			k = E_ADD;
		else if (!mul && op->kind == TK_MINUS)
			k = E_SUB;
		else
			break;
		next(p);
		e = new_expr(p, k, op->loc);
		e->lhs = lhs;
		e->rhs = mul ? unary(p) : binary(p, unary(p), true);
		lhs = e->rhs ? e : NULL;
	}
	return lhs;
}

/* expr = term { ("+" | "-") term }; term = unary { ("*" | "/") unary } */
static struct expr *expr(struct parser *p)
{
	return binary(p, binary(p, unary(p), true), false);
}

static const struct { const char *name; enum type_kind k; } scalars[] = {
	{ "bool", T_BOOL }, { "int8", T_INT8 }, { "int16", T_INT16 },
	{ "int32", T_INT32 }, { "int64", T_INT64 }, { "uint8", T_UINT8 },
	{ "uint16", T_UINT16 }, { "uint32", T_UINT32 },
	{ "uint64", T_UINT64 }, { "float32", T_FLOAT32 },
	{ "float64", T_FLOAT64 },
};

static struct type *type(struct parser *p);

/* "<" expr ">" after string or bytes; "<" type "," expr ">" after vector
 * and array. */
static struct type *bounded(struct parser *p, struct type *ty)
{
	const char *kw = type_kind_name(ty->kind);
	bool elem = ty->kind == T_VECTOR || ty->kind == T_ARRAY;

	if (!is(p, TK_LT)) {
		if (ty->kind == T_ARRAY)
			diag_error(p->d, ty->loc, "array without an element "
				   "type and length: write array<T, N>");
		else
			diag_error(p->d, ty->loc, "unbounded %s: every type "
				   "needs a maximum size; write %s", kw,
				   elem ? "vector<T, N>, with N the most "
				   "elements" : ty->kind == T_STRING ?
				   "string<N>, with N the most bytes" :
				   "bytes<N>, with N the most bytes");
		return NULL;
	}
	next(p);
	if (elem) {
		ty->elem = type(p);
		if (!ty->elem)
			return NULL;
		if (is(p, TK_GT)) {
			if (ty->kind == T_ARRAY)
				diag_error(p->d, cur(p)->loc, "array without a "
					   "length: write array<T, N>");
			else
				diag_error(p->d, cur(p)->loc, "unbounded "
					   "vector: every type needs a maximum "
					   "size; write vector<T, N>, with N "
					   "the most elements");
			return NULL;
		}
		if (!expect(p, TK_COMMA))
			return NULL;
	}
	ty->bound = expr(p);
	if (!ty->bound || !expect(p, TK_GT))
		return NULL;
	return ty;
}

static struct type *type(struct parser *p)
{
	struct token *t = cur(p);
	struct type *ty;
	size_t i;

	if (t->kind != TK_IDENT) {
		expected(p, "a type");
		return NULL;
	}
	if (!deeper(p))
		return NULL;
	ty = arena_alloc(p->a, sizeof(*ty));
	ty->loc = t->loc;
	next(p);
	ty->kind = T_NAMED;
	for (i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++)
		if (tok_is_kw(t, scalars[i].name))
			ty->kind = scalars[i].k;
	if (tok_is_kw(t, "string"))
		ty->kind = T_STRING;
	else if (tok_is_kw(t, "bytes"))
		ty->kind = T_BYTES;
	else if (tok_is_kw(t, "vector"))
		ty->kind = T_VECTOR;
	else if (tok_is_kw(t, "array"))
		ty->kind = T_ARRAY;
	if (ty->kind >= T_STRING && ty->kind <= T_ARRAY)
		ty = bounded(p, ty);
	else if (ty->kind == T_NAMED)
		ty->name = tok_str(p, t);
	p->depth--;
	return ty;
}

/* name ":" type, for fields, parameters and results. */
static struct field *field(struct parser *p)
{
	struct field *f = arena_alloc(p->a, sizeof(*f));

	f->doc = take_doc(p);
	if (!ident(p, &f->name, &f->loc))
		return NULL;
	if (!is(p, TK_COLON)) {
		expected(p, "':' and a type");
		return NULL;
	}
	next(p);
	f->type = type(p);
	return f->type ? f : NULL;
}

/* Skips to the end of the current member: past its ';', or up to the
 * '}' that closes the body. */
static void sync_member(struct parser *p)
{
	while (!is(p, TK_EOF) && !is(p, TK_RBRACE))
		if (next(p)->kind == TK_SEMI)
			return;
}

/* "}" [";"] closing a struct or enum body. */
static bool close_body(struct parser *p)
{
	if (!expect(p, TK_RBRACE))
		return false;
	if (is(p, TK_SEMI))
		next(p);
	return true;
}

static bool struct_body(struct parser *p, struct decl *d)
{
	struct field **tail = &d->fields;

	if (!expect(p, TK_LBRACE))
		return false;
	while (!is(p, TK_RBRACE) && !is(p, TK_EOF) && !p->d->stopped) {
		struct field *f = field(p);

		if (!f || !expect_semi(p)) {
			sync_member(p);
			continue;
		}
		*tail = f;
		tail = &f->next;
	}
	return close_body(p);
}

static bool enum_body(struct parser *p, struct decl *d)
{
	struct member **tail = &d->members;

	if (!expect(p, TK_LBRACE))
		return false;
	while (!is(p, TK_RBRACE) && !is(p, TK_EOF) && !p->d->stopped) {
		struct member *m = arena_alloc(p->a, sizeof(*m));

		m->doc = take_doc(p);
		if (!ident(p, &m->name, &m->loc)) {
			sync_member(p);
			continue;
		}
		if (!is(p, TK_EQ)) {
			diag_error(p->d, cur(p)->loc, "expected '=' and a value "
				   "after '%s': enum members have explicit "
				   "values", m->name);
			sync_member(p);
			continue;
		}
		next(p);
		m->value = expr(p);
		if (!m->value || !expect_semi(p)) {
			sync_member(p);
			continue;
		}
		*tail = m;
		tail = &m->next;
	}
	return close_body(p);
}

/* "(" [ field { "," field } [ "," ] ] ")" */
static bool params(struct parser *p, struct field **list)
{
	struct field **tail = list;

	if (!expect(p, TK_LPAREN))
		return false;
	while (!is(p, TK_RPAREN)) {
		struct field *f = field(p);

		if (!f)
			return false;
		*tail = f;
		tail = &f->next;
		if (!is(p, TK_COMMA))
			break;
		next(p);
	}
	return expect(p, TK_RPAREN);
}

/* call and event: name "@" ordinal params [ "->" params ] [ depth ] ";" */
static bool method(struct parser *p, struct decl *d)
{
	bool event = d->kind == D_EVENT;

	if (!ident(p, &d->name, &d->loc))
		return false;
	if (!is(p, TK_AT) || peek(p, 1)->kind != TK_INT) {
		diag_error(p->d, cur(p)->loc, "expected '@' and an ordinal after "
			   "'%s', as in '%s %s @1 (...)'", d->name,
			   event ? "event" : "call", d->name);
		return false;
	}
	next(p);
	d->ordinal_loc = cur(p)->loc;
	d->ordinal = (uint64_t)next(p)->value;
	if (!params(p, &d->params))
		return false;
	if (is(p, TK_ARROW)) {
		struct token *arrow = next(p);

		if (event) {
			diag_error(p->d, arrow->loc, "an event has no results: "
				   "it goes from server to client and is not "
				   "answered");
			return false;
		}
		d->has_results = true;
		if (is(p, TK_LPAREN) && peek(p, 1)->kind == TK_RPAREN) {
			diag_error(p->d, peek(p, 1)->loc, "empty results: a "
				   "call without results is asynchronous; "
				   "write 'sync call' to make it wait for a "
				   "reply");
			return false;
		}
		if (!params(p, &d->results))
			return false;
	}
	if (is_kw(p, "depth")) {
		next(p);
		d->depth = expr(p);
		if (!d->depth)
			return false;
	}
	return expect_semi(p);
}

static bool is_decl_kw(const struct token *t)
{
	static const char *const kws[] = {
		"protocol", "const", "enum", "struct", "sync", "call",
		"event", "area",
	};
	size_t i;

	for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (tok_is_kw(t, kws[i]))
			return true;
	return false;
}

/* Does @t start a declaration: a keyword first on its line or after the
 * end of another declaration? */
static bool starts_decl(struct parser *p, const struct token *t)
{
	const struct token *prev = p->i ? &p->t[p->i - 1] : NULL;

	return is_decl_kw(t) &&
	       (!prev || prev->kind == TK_SEMI || prev->kind == TK_RBRACE ||
		prev->loc.line < t->loc.line);
}

/* After an error in a declaration: skip past its ';' or its body's '}',
 * or up to what looks like the start of the next declaration. */
static void sync_decl(struct parser *p)
{
	int braces = 0;

	while (!is(p, TK_EOF)) {
		struct token *t = cur(p);

		if (braces == 0 && starts_decl(p, t))
			return;
		next(p);
		if (t->kind == TK_LBRACE) {
			braces++;
		} else if (t->kind == TK_RBRACE && braces > 0 && --braces == 0) {
			if (is(p, TK_SEMI))
				next(p);
			return;
		} else if (t->kind == TK_SEMI && braces == 0) {
			return;
		}
	}
}

static struct decl *declaration(struct parser *p)
{
	struct decl *d = arena_alloc(p->a, sizeof(*d));
	struct token *t = cur(p);
	bool ok;

	d->doc = take_doc(p);
	d->kw_loc = t->loc;
	if (tok_is_kw(t, "sync")) {
		d->sync_kw = true;
		d->sync_loc = t->loc;
		next(p);
		if (!is_kw(p, "call")) {
			diag_error(p->d, cur(p)->loc, "'sync' must be followed "
				   "by 'call': only calls can be synchronous");
			return NULL;
		}
		t = cur(p);
	}
	if (tok_is_kw(t, "const")) {
		next(p);
		d->kind = D_CONST;
		ok = ident(p, &d->name, &d->loc) && expect(p, TK_EQ) &&
		     (d->value = expr(p)) && expect_semi(p);
	} else if (tok_is_kw(t, "enum")) {
		next(p);
		d->kind = D_ENUM;
		ok = ident(p, &d->name, &d->loc);
		if (ok && !is(p, TK_COLON)) {
			diag_error(p->d, cur(p)->loc, "expected ':' and an "
				   "integer type after '%s', as in 'enum %s : "
				   "uint8 {'", d->name, d->name);
			ok = false;
		}
		ok = ok && expect(p, TK_COLON) &&
		     (d->underlying = type(p)) && enum_body(p, d);
	} else if (tok_is_kw(t, "struct")) {
		next(p);
		d->kind = D_STRUCT;
		ok = ident(p, &d->name, &d->loc) && struct_body(p, d);
	} else if (tok_is_kw(t, "call") || tok_is_kw(t, "event")) {
		next(p);
		d->kind = tok_is_kw(t, "call") ? D_CALL : D_EVENT;
		ok = method(p, d);
	} else if (tok_is_kw(t, "area")) {
		next(p);
		d->kind = D_AREA;
		d->loc = cur(p)->loc;
		if (is_kw(p, "to_server") || is_kw(p, "to_client")) {
			d->dir = is_kw(p, "to_server") ? DIR_TO_SERVER :
							 DIR_TO_CLIENT;
			d->name = tok_str(p, next(p));
			ok = expect(p, TK_EQ) && (d->value = expr(p)) &&
			     expect_semi(p);
		} else {
			expected(p, "'to_server' or 'to_client'");
			ok = false;
		}
	} else if (tok_is_kw(t, "protocol")) {
		diag_error(p->d, t->loc, "a file describes one protocol: "
			   "'protocol' may appear only once, first");
		ok = false;
	} else if (t->kind == TK_IDENT) {
		diag_error(p->d, t->loc, "unknown declaration '%.*s': expected "
			   "const, enum, struct, call, event or area",
			   (int)t->loc.len, t->text);
		ok = false;
	} else {
		expected(p, "a declaration");
		ok = false;
	}
	return ok ? d : NULL;
}

/* "protocol" name { "." name } "version" expr ";" */
static bool protocol_decl(struct parser *p, struct protocol *proto)
{
	struct token *first;
	size_t end;

	proto->doc = take_doc(p);
	proto->kw_loc = cur(p)->loc;
	if (!is_kw(p, "protocol")) {
		diag_error(p->d, cur(p)->loc, "a file starts with its protocol, "
			   "as in 'protocol org.example.Name version 1;'");
		return false;
	}
	next(p);
	first = cur(p);
	if (!is(p, TK_IDENT)) {
		expected(p, "the protocol's name");
		return false;
	}
	next(p);
	/* "org.example. version 1": the dot's name is missing, "version" is
	 * not the last part of the name */
	while (is(p, TK_DOT) && peek(p, 1)->kind == TK_IDENT &&
	       !(tok_is_kw(peek(p, 1), "version") &&
		 peek(p, 2)->kind != TK_DOT &&
		 !tok_is_kw(peek(p, 2), "version"))) {
		next(p);
		next(p);
	}
	if (is(p, TK_DOT)) {
		next(p);
		diag_error(p->d, cur(p)->loc, "expected a name after '.'");
		return false;
	}
	end = p->t[p->i - 1].loc.off + p->t[p->i - 1].loc.len;
	proto->loc = first->loc;
	proto->loc.len = end - first->loc.off;
	proto->name = arena_strndup(p->a, first->text, proto->loc.len);
	if (!is_kw(p, "version")) {
		diag_error(p->d, cur(p)->loc, "expected 'version' and a number "
			   "after the protocol's name");
		return false;
	}
	next(p);
	proto->version = expr(p);
	return proto->version && expect_semi(p);
}

struct protocol *parse(struct diag *d, struct arena *a,
		       struct token *toks, size_t ntoks)
{
	struct parser p = { .d = d, .a = a, .t = toks, .n = ntoks };
	struct protocol *proto = arena_alloc(a, sizeof(*proto));
	struct decl **tail = &proto->decls;
	unsigned int errors = d->errors;
	size_t i;

	if (!protocol_decl(&p, proto))
		sync_decl(&p);
	while (!is(&p, TK_EOF) && !d->stopped) {
		size_t start = p.i;
		struct decl *decl = declaration(&p);

		if (!decl) {
			if (p.i == start)	/* always make progress */
				next(&p);
			sync_decl(&p);
			continue;
		}
		*tail = decl;
		tail = &decl->next;
	}
	for (i = 0; i < ntoks; i++)
		if (toks[i].doc && !toks[i].doc_used)
			diag_warning(d, toks[i].doc_loc, "doc comment documents "
				     "nothing: it must come just before a "
				     "declaration, member, field or parameter");
	return d->errors == errors ? proto : NULL;
}
