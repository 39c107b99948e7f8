// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The checker: everything the grammar cannot say. Names are declared once
 * and are usable in C and C++; constants evaluate without overflow or
 * cycles; every type name resolves and every bound is positive; enum
 * values fit their type; ordinals are unique; each call and event has
 * exactly the queue depth its kind needs. Declarations may be used before
 * they appear. Every problem is reported, not only the first.
 */
#include <string.h>

#include "idlc.h"

struct checker {
	struct diag *d;
	struct protocol *p;
	struct decl **tab;	/* open addressing, by top-level name */
	size_t cap;
};

static const char *const decl_what[] = {
	[D_CONST] = "constant", [D_ENUM] = "enum", [D_STRUCT] = "struct",
	[D_CALL] = "call", [D_EVENT] = "event", [D_AREA] = "area",
};

/* Keywords of C11 and C++20, and macros the C library or GNU C define,
 * that would break the generated code as names. */
static const char *const reserved[] = {
	"alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand",
	"bitor", "bool", "break", "case", "catch", "char", "char8_t",
	"char16_t", "char32_t", "class", "co_await", "co_return", "co_yield",
	"compl", "concept", "const", "const_cast", "consteval", "constexpr",
	"constinit", "continue", "decltype", "default", "delete", "do",
	"double", "dynamic_cast", "else", "enum", "errno", "explicit",
	"export", "extern", "false", "float", "for", "friend", "goto", "if",
	"inline", "int", "linux", "long", "mutable", "namespace", "new",
	"noexcept", "not", "not_eq", "nullptr", "NULL", "operator", "or",
	"or_eq", "private", "protected", "public", "register",
	"reinterpret_cast", "requires", "restrict", "return", "short",
	"signed", "sizeof", "static", "static_assert", "static_cast",
	"struct", "switch", "template", "this", "thread_local", "throw",
	"true", "try", "typedef", "typeid", "typename", "union", "unix",
	"unsigned", "using", "virtual", "void", "volatile", "wchar_t",
	"while", "xor", "xor_eq",
};

static const char *const builtin_types[] = {
	"bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
	"uint32", "uint64", "float32", "float64", "string", "bytes",
	"vector", "array",
};

static const char *a_what(enum decl_kind k)
{
	static const char *const what[] = {
		[D_CONST] = "a constant", [D_ENUM] = "an enum",
		[D_STRUCT] = "a struct", [D_CALL] = "a call",
		[D_EVENT] = "an event", [D_AREA] = "an area",
	};

	return what[k];
}

static bool in_list(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(name, list[i]))
			return true;
	return false;
}

/* Names become C identifiers in the generated code. */
static void check_name(struct checker *c, const char *name, struct loc loc,
		       bool is_type)
{
	if (name[0] == '_')
		diag_error(c->d, loc, "'%s' begins with '_': such names are "
			   "reserved in C", name);
	else if (strstr(name, "__"))
		diag_error(c->d, loc, "'%s' contains '__': such names are "
			   "reserved in C++", name);
	else if (is_type && in_list(name, builtin_types,
				    sizeof(builtin_types) / sizeof(*builtin_types)))
		diag_error(c->d, loc, "'%s' is a built-in type and cannot name "
			   "a declaration", name);
	else if (in_list(name, reserved, sizeof(reserved) / sizeof(*reserved)))
		diag_error(c->d, loc, "'%s' is reserved in C or C++ and cannot "
			   "be a name", name);
}

static size_t hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static struct decl **slot(struct checker *c, const char *name)
{
	size_t i = hash(name) & (c->cap - 1);

	while (c->tab[i] && strcmp(c->tab[i]->name, name))
		i = (i + 1) & (c->cap - 1);
	return &c->tab[i];
}

static struct decl *lookup(struct checker *c, const char *name)
{
	return *slot(c, name);
}

/* The first definition of each name goes in the table, so that names may
 * be used before their declaration; redefinitions are reported later, in
 * source order with everything else. */
static void declare_all(struct checker *c, struct arena *a)
{
	struct decl *d;
	size_t n = 0;

	for (d = c->p->decls; d; d = d->next)
		n++;
	for (c->cap = 16; c->cap < 2 * n; c->cap *= 2)
		;
	c->tab = arena_alloc(a, c->cap * sizeof(*c->tab));
	for (d = c->p->decls; d; d = d->next) {
		struct decl **s;

		if (d->kind == D_AREA)
			continue;
		s = slot(c, d->name);
		if (!*s)
			*s = d;
	}
}

/* False for a redefinition, which is reported. */
static bool check_decl_name(struct checker *c, struct decl *d)
{
	struct decl *first = lookup(c, d->name);

	check_name(c, d->name, d->loc, d->kind == D_ENUM || d->kind == D_STRUCT);
	if (first == d)
		return true;
	diag_error(c->d, d->loc, "redefinition of '%s'", d->name);
	diag_note(c->d, first->loc, "previous definition of '%s' was here",
		  d->name);
	return false;
}

/* The whole extent of an expression, for underlining it. */
static struct loc span(const struct expr *e)
{
	struct loc l = e->loc, r;

	if (e->kind == E_NEG || e->kind >= E_ADD) {
		if (e->kind != E_NEG)
			l = span(e->lhs);
		r = span(e->kind == E_NEG ? e->lhs : e->rhs);
		if (r.off + r.len > l.off && r.line == l.line)
			l.len = r.off + r.len - l.off;
	}
	return l;
}

static bool eval_const(struct checker *c, struct decl *k, int depth);

/* @depth counts every level of the recursion, through operators and
 * constants alike, so that the stack stays bounded whatever the input. */
static bool eval(struct checker *c, const struct expr *e, int64_t *v,
		 int depth)
{
	int64_t l, r;
	struct decl *k;
	bool ok;

	if (depth > IDL_MAX_CHAIN) {
		diag_error(c->d, e->loc, "constants nested more than %d levels "
			   "deep (counting operators)", IDL_MAX_CHAIN);
		return false;
	}
	switch (e->kind) {
	case E_INT:
		*v = e->value;
		return true;
	case E_NAME:
		k = lookup(c, e->name);
		if (!k) {
			diag_error(c->d, e->loc, "unknown constant '%s'", e->name);
			return false;
		}
		if (k->kind != D_CONST) {
			diag_error(c->d, e->loc, "'%s' is %s, not a constant",
				   e->name, a_what(k->kind));
			return false;
		}
		if (k->mark == M_BUSY) {
			diag_error(c->d, e->loc, "constant '%s' depends on "
				   "itself", e->name);
			return false;
		}
		if (!eval_const(c, k, depth + 1))
			return false;
		*v = k->cval;
		return true;
	case E_NEG:
		if (!eval(c, e->lhs, &l, depth + 1))
			return false;
		ok = l != INT64_MIN;
		*v = ok ? -l : 0;
		break;
	default:
		if (!eval(c, e->lhs, &l, depth + 1) ||
		    !eval(c, e->rhs, &r, depth + 1))
			return false;
		if (e->kind == E_DIV && r == 0) {
			diag_error(c->d, e->loc, "division by zero");
			return false;
		}
		if (e->kind == E_ADD)
			ok = !__builtin_add_overflow(l, r, v);
		else if (e->kind == E_SUB)
			ok = !__builtin_sub_overflow(l, r, v);
		else if (e->kind == E_MUL)
			ok = !__builtin_mul_overflow(l, r, v);
		else if ((ok = !(l == INT64_MIN && r == -1)))
			*v = l / r;
		break;
	}
	if (!ok)
		diag_error(c->d, e->loc, "integer overflow: constants are "
			   "64-bit signed integers");
	return ok;
}

static bool eval_const(struct checker *c, struct decl *k, int depth)
{
	if (k->mark == M_DONE)
		return !k->invalid;
	k->mark = M_BUSY;
	k->invalid = !eval(c, k->value, &k->cval, depth);
	k->mark = M_DONE;
	return !k->invalid;
}

/* A bound, depth or size: at least 1, at most @max. */
static bool eval_count(struct checker *c, const struct expr *e,
		       const char *what, uint64_t max, uint64_t *out)
{
	int64_t v;

	if (!eval(c, e, &v, 0))
		return false;
	if (v < 1) {
		diag_error(c->d, span(e), "%s must be at least 1, not %lld",
			   what, (long long)v);
		return false;
	}
	if ((uint64_t)v > max) {
		diag_error(c->d, span(e), "%s must be at most %llu, not %lld",
			   what, (unsigned long long)max, (long long)v);
		return false;
	}
	*out = (uint64_t)v;
	return true;
}

static void check_type(struct checker *c, struct type *t)
{
	struct decl *k;

	switch (t->kind) {
	case T_STRING:
	case T_BYTES:
		/* the length travels as a uint32 inside structs */
		eval_count(c, t->bound, "a length bound", 0xffffffffULL, &t->n);
		return;
	case T_VECTOR:
	case T_ARRAY:
		check_type(c, t->elem);
		eval_count(c, t->bound, t->kind == T_ARRAY ? "an array length" :
			   "a vector bound", 0xffffffffULL, &t->n);
		return;
	case T_NAMED:
		k = lookup(c, t->name);
		if (!k)
			diag_error(c->d, t->loc, "unknown type '%s'", t->name);
		else if (k->kind != D_STRUCT && k->kind != D_ENUM)
			diag_error(c->d, t->loc, "'%s' is %s, not a type",
				   t->name, a_what(k->kind));
		else
			t->ref = k;
		return;
	default:
		return;
	}
}

/* Fields of a struct, or the parameters and results of a call: names
 * unique among @a and @b together (both become C parameters). */
static void check_fields(struct checker *c, struct field *a, struct field *b)
{
	struct field *lists[2] = { a, b }, *f, *g;
	int i, j;

	for (i = 0; i < 2; i++)
		for (f = lists[i]; f; f = f->next) {
			bool dup = false;

			check_name(c, f->name, f->loc, false);
			check_type(c, f->type);
			for (j = 0; j <= i && !dup; j++)
				for (g = lists[j]; g && g != f && !dup; g = g->next)
					if (!strcmp(f->name, g->name)) {
						diag_error(c->d, f->loc, "redefinition "
							   "of '%s'", f->name);
						diag_note(c->d, g->loc, "previous "
							  "definition of '%s' was "
							  "here", f->name);
						dup = true;
					}
		}
}

static void enum_range(enum type_kind k, int64_t *lo, int64_t *hi)
{
	static const int bits[] = {
		[T_INT8] = 8, [T_INT16] = 16, [T_INT32] = 32, [T_INT64] = 64,
		[T_UINT8] = 8, [T_UINT16] = 16, [T_UINT32] = 32,
		[T_UINT64] = 64,
	};
	int b = bits[k];

	if (k <= T_INT64) {
		*hi = b == 64 ? INT64_MAX : (int64_t)((1ULL << (b - 1)) - 1);
		*lo = -*hi - 1;
	} else {
		/* uint64: constants stop at INT64_MAX */
		*hi = b == 64 ? INT64_MAX : (int64_t)((1ULL << b) - 1);
		*lo = 0;
	}
}

static void check_enum(struct checker *c, struct decl *e)
{
	enum type_kind k = e->underlying->kind;
	struct member *m, *o;
	int64_t lo, hi;

	if (!type_is_integer(k)) {
		diag_error(c->d, e->underlying->loc, "the underlying type of "
			   "enum '%s' must be an integer type such as uint8, "
			   "not '%s'", e->name, k == T_NAMED ?
			   e->underlying->name : type_kind_name(k));
		return;
	}
	if (!e->members) {
		diag_error(c->d, e->loc, "enum '%s' has no members", e->name);
		return;
	}
	enum_range(k, &lo, &hi);
	for (m = e->members; m; m = m->next) {
		check_name(c, m->name, m->loc, false);
		for (o = e->members; o != m; o = o->next)
			if (!strcmp(o->name, m->name)) {
				diag_error(c->d, m->loc, "redefinition of '%s'",
					   m->name);
				diag_note(c->d, o->loc, "previous definition of "
					  "'%s' was here", m->name);
				break;
			}
		if (!eval(c, m->value, &m->v, 0))
			continue;
		if (m->v < lo || m->v > hi) {
			diag_error(c->d, span(m->value), "value %lld of '%s' does "
				   "not fit %s (%lld to %lld)", (long long)m->v,
				   m->name, type_kind_name(k), (long long)lo,
				   (long long)hi);
			continue;
		}
		m->valid = true;
		/* one meaning per value: decoding must not be ambiguous */
		for (o = e->members; o != m; o = o->next)
			if (o->valid && o->v == m->v) {
				diag_error(c->d, span(m->value), "'%s' has the "
					   "value %lld of '%s'", m->name,
					   (long long)m->v, o->name);
				diag_note(c->d, o->loc, "'%s' declared here",
					  o->name);
				break;
			}
	}
}

static void check_method(struct checker *c, struct decl *m)
{
	struct decl *o;

	if (m->ordinal < 1 || m->ordinal > IDL_ORDINAL_MAX) {
		diag_error(c->d, m->ordinal_loc, "ordinal %llu is out of range: "
			   "ordinals are 1 to %llu", (unsigned long long)m->ordinal,
			   IDL_ORDINAL_MAX);
	} else {
		for (o = c->p->decls; o != m; o = o->next)
			if ((o->kind == D_CALL || o->kind == D_EVENT) &&
			    o->ordinal == m->ordinal) {
				diag_error(c->d, m->ordinal_loc, "ordinal %llu is "
					   "already used by %s '%s'",
					   (unsigned long long)m->ordinal,
					   decl_what[o->kind], o->name);
				diag_note(c->d, o->ordinal_loc, "'%s' has ordinal "
					  "%llu here", o->name,
					  (unsigned long long)o->ordinal);
				break;
			}
	}
	check_fields(c, m->params, m->results);
	m->is_sync = m->has_results || m->sync_kw;
	if (m->sync_kw && m->has_results)
		diag_warning(c->d, m->sync_loc, "'sync' is redundant: a call "
			     "with results is synchronous");
	if (m->is_sync && m->depth) {
		diag_error(c->d, span(m->depth), "a synchronous call has no "
			   "queue depth: its caller waits for each reply");
	} else if (!m->is_sync && !m->depth) {
		if (m->kind == D_EVENT)
			diag_error(c->d, m->loc, "event '%s' needs a queue "
				   "depth: add 'depth N', the most that may "
				   "wait unread", m->name);
		else
			diag_error(c->d, m->loc, "asynchronous call '%s' needs "
				   "a queue depth: add 'depth N', the most that "
				   "may wait unread, or write 'sync call' to wait "
				   "for a reply", m->name);
	} else if (m->depth) {
		eval_count(c, m->depth, "a queue depth", 0xffffffffULL,
			   &m->depth_v);
	}
}

static void check_area(struct checker *c, struct decl *a)
{
	struct decl *o;
	uint64_t v;

	for (o = c->p->decls; o != a; o = o->next)
		if (o->kind == D_AREA && o->dir == a->dir) {
			diag_error(c->d, a->loc, "area %s is set twice", a->name);
			diag_note(c->d, o->loc, "previous setting was here");
			return;
		}
	if (eval_count(c, a->value, "an area size", IDL_AREA_LIMIT, &v))
		a->cval = (int64_t)v;
}

void check(struct diag *d, struct protocol *p)
{
	struct arena *a = arena_new();
	struct checker c = { .d = d, .p = p };
	struct decl *k;
	int64_t v;

	declare_all(&c, a);	/* first: the version may name a constant */
	if (strlen(p->name) > 64)
		diag_error(d, p->loc, "the protocol name is %zu bytes long; "
			   "the module takes at most 64", strlen(p->name));
	if (eval(&c, p->version, &v, 0)) {
		if (v < 0)
			diag_error(d, span(p->version), "the version must not "
				   "be negative");
		p->version_v = v;
	}
	for (k = p->decls; k && !d->stopped; k = k->next) {
		if (k->kind != D_AREA && !check_decl_name(&c, k))
			continue;
		switch (k->kind) {
		case D_CONST:
			eval_const(&c, k, 0);
			break;
		case D_ENUM:
			check_enum(&c, k);
			break;
		case D_STRUCT:
			if (!k->fields)
				diag_error(d, k->loc, "struct '%s' has no fields",
					   k->name);
			check_fields(&c, k->fields, NULL);
			break;
		case D_CALL:
		case D_EVENT:
			check_method(&c, k);
			break;
		case D_AREA:
			check_area(&c, k);
			break;
		}
	}
	arena_free(a);
}
