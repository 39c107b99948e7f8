// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The C generator, part one: the names the generated code gives to
 * everything, the C form of every type, and the header. The layout of the
 * generated code is described in Documentation/idl.md, section 8.
 *
 * Every identifier the generated code declares at file scope is recorded
 * with what it names, so that two things that would get one name (a
 * constant MODE_OFF beside an enum Mode's member OFF, say) are reported
 * at the protocol's source instead of as a C compiler's redefinition.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

void out(struct gen *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(g->out, fmt, ap);
	va_end(ap);
}

char *gfmt(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = arena_alloc(g->a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

char *snake(struct gen *g, const char *name)
{
	size_t n = strlen(name), j = 0;
	char *s = arena_alloc(g->a, 2 * n + 1);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (isupper(c) && i > 0 && name[i - 1] != '_' &&
		    (islower((unsigned char)name[i - 1]) ||
		     isdigit((unsigned char)name[i - 1]) ||
		     (i + 1 < n && islower((unsigned char)name[i + 1]))))
			s[j++] = '_';
		s[j++] = (char)tolower(c);
	}
	s[j] = '\0';
	return s;
}

char *upper(struct gen *g, const char *name)
{
	char *s = snake(g, name);

	for (char *p = s; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return s;
}

const char *gen_prefix(struct arena *a, const struct protocol *p)
{
	struct gen g = { .a = a };
	const char *last = strrchr(p->name, '.');

	return snake(&g, last ? last + 1 : p->name);
}

const struct msg *msg_of(const struct gen *g, const struct decl *d,
			 enum msg_kind k)
{
	for (size_t i = 0; i < g->s->nmsgs; i++)
		if (g->s->msgs[i].d == d && g->s->msgs[i].kind == k)
			return &g->s->msgs[i];
	return NULL;
}

/* ---- names ------------------------------------------------------------- */

/* Record @name; an error if something else has it already. */
static void claim(struct gen *g, const char *name, struct loc loc,
		  const char *what)
{
	struct gname *n;

	for (n = g->names; n; n = n->next) {
		if (strcmp(n->name, name))
			continue;
		/* the generated code's own names have no place in the file */
		diag_error(g->d, loc, "the generated name '%s' of %s is also "
			   "%s%s", name, what, n->loc.line ? "that of " : "",
			   n->what);
		if (n->loc.line)
			diag_note(g->d, n->loc, "the other is declared here");
		return;
	}
	n = arena_alloc(g->a, sizeof(*n));
	n->name = name;
	n->what = what;
	n->loc = loc;
	n->next = g->names;
	g->names = n;
}

/* Names the generated functions of a call or an event give their own
 * parameters and locals, beside its arguments. */
static const char *const call_names[] = {
	"ch", "timeout", "ctx", "call", "handlers", "req", "rep", "objs",
	"args", "rc", "payload",
};
static const char *const event_names[] = {
	"ch", "timeout", "ctx", "events", "msg", "args", "rc", "payload",
};

/* A vector whose elements need checks takes a loop, over "k". */
static bool loops(const struct field *f)
{
	for (; f; f = f->next)
		if (f->type->kind == T_VECTOR && needs_check(f->type->elem))
			return true;
	return false;
}

/* Per call or event: its arguments' names and the ones derived from them
 * (x_len, x_count) against each other and against own_names. */
static void claim_args(struct gen *g, const struct decl *d)
{
	struct gname *saved = g->names;
	const struct field *lists[2] = { d->params, d->results };
	const char *kind = d->kind == D_EVENT ? "event" : "call";
	const char *const *own = d->kind == D_EVENT ? event_names : call_names;
	size_t nown = d->kind == D_EVENT ?
		      sizeof(event_names) / sizeof(event_names[0]) :
		      sizeof(call_names) / sizeof(call_names[0]);
	const char *own_what = gfmt(g, "a name the generated code of %s '%s' "
				    "declares itself", kind, d->name);

	g->names = NULL;
	for (size_t i = 0; i < nown; i++)
		claim(g, own[i], (struct loc){ 0 }, own_what);
	if (loops(d->params) || loops(d->results))
		claim(g, "k", (struct loc){ 0 }, own_what);
	for (int l = 0; l < 2; l++) {
		for (const struct field *f = lists[l]; f; f = f->next) {
			const char *what = gfmt(g, "%s '%s' of %s '%s'", l ?
						"result" : "parameter", f->name,
						kind, d->name);
			enum type_kind k = f->type->kind;

			claim(g, f->name, f->loc, what);
			if (k == T_STRING || k == T_BYTES)
				claim(g, gfmt(g, "%s_len", f->name), f->loc,
				      gfmt(g, "the length of %s", what));
			else if (k == T_VECTOR)
				claim(g, gfmt(g, "%s_count", f->name), f->loc,
				      gfmt(g, "the count of %s", what));
		}
	}
	g->names = saved;
}

/* A type as the protocol writes it, bounds evaluated. */
static const char *type_text(struct gen *g, const struct type *t)
{
	switch (t->kind) {
	case T_STRING:
	case T_BYTES:
		return gfmt(g, "%s<%llu>", type_kind_name(t->kind),
			    (unsigned long long)t->n);
	case T_VECTOR:
	case T_ARRAY:
		return gfmt(g, "%s<%s, %llu>", type_kind_name(t->kind),
			    type_text(g, t->elem), (unsigned long long)t->n);
	case T_NAMED:
		return t->name;
	default:
		return type_kind_name(t->kind);
	}
}

/* The generated names of @t's inline strings, buffers, vectors, arrays. */
static void claim_shapes(struct gen *g, const struct type *t, struct loc loc)
{
	struct shape *s;

	if (t->kind != T_STRING && t->kind != T_BYTES &&
	    t->kind != T_VECTOR && t->kind != T_ARRAY)
		return;
	if (t->kind == T_VECTOR || t->kind == T_ARRAY)
		claim_shapes(g, t->elem, loc);
	s = shape_of(g, t);
	if (s->claimed)
		return;
	s->claimed = true;
	if (t->kind != T_ARRAY)
		claim(g, gfmt(g, "%s_%s", g->prefix, s->key), loc,
		      gfmt(g, "the struct of %s", type_text(g, t)));
	claim(g, gfmt(g, "%s_%s_valid", g->prefix, s->key), loc,
	      gfmt(g, "the validator of %s", type_text(g, t)));
}

/* The static helpers of the source (gen_source.c). */
static const char *const helpers[] = {
	"read_objects", "take", "take_bool", "take_string", "take_bytes",
	"take_vector", "string_length", "copy_arg", "refuse_call",
	"answer_call", "bool_valid", "utf8_valid",
};

static void claim_all(struct gen *g)
{
	const struct decl *d;
	const char *P = g->upper, *p = g->prefix;
	struct loc at = g->p->loc;

	claim(g, gfmt(g, "%s_IDL_H", P), at, "the header's guard");
	claim(g, gfmt(g, "%s_PROTOCOL_NAME", P), at, "the protocol's name");
	claim(g, gfmt(g, "%s_PROTOCOL_VERSION", P), at,
	      "the protocol's version");
	claim(g, gfmt(g, "%s_MAX_TO_SERVER", P), at, "the to_server area");
	claim(g, gfmt(g, "%s_MAX_TO_CLIENT", P), at, "the to_client area");
	claim(g, gfmt(g, "%s_ALIGN8", P), at, "the alignment of 8-byte values");
	claim(g, gfmt(g, "%s_connect", p), at, "the connect helper");
	claim(g, gfmt(g, "%s_service_create", p), at, "the service helper");
	claim(g, gfmt(g, "%s_handlers", p), at, "the server's handlers");
	claim(g, gfmt(g, "%s_dispatch", p), at, "the server's dispatch");
	claim(g, gfmt(g, "%s_events", p), at, "the client's event handlers");
	claim(g, gfmt(g, "%s_receive_event", p), at, "the event dispatch");
	for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++)
		claim(g, gfmt(g, "%s_%s", p, helpers[i]), at,
		      "a generated helper");
	for (d = g->p->decls; d; d = d->next) {
		const char *n = snake(g, d->name), *N = upper(g, d->name);

		switch (d->kind) {
		case D_CONST:
			claim(g, gfmt(g, "%s_%s", P, d->name), d->loc,
			      gfmt(g, "constant '%s'", d->name));
			break;
		case D_ENUM:
			claim(g, gfmt(g, "%s_%s", p, n), d->loc,
			      gfmt(g, "enum '%s'", d->name));
			claim(g, gfmt(g, "%s_%s_valid", p, n), d->loc,
			      gfmt(g, "the validator of enum '%s'", d->name));
			for (const struct member *m = d->members; m; m = m->next)
				claim(g, gfmt(g, "%s_%s_%s", P, N,
					      upper(g, m->name)), m->loc,
				      gfmt(g, "member '%s' of enum '%s'",
					   m->name, d->name));
			break;
		case D_STRUCT:
			claim(g, gfmt(g, "%s_%s", p, n), d->loc,
			      gfmt(g, "struct '%s'", d->name));
			claim(g, gfmt(g, "%s_%s_valid", p, n), d->loc,
			      gfmt(g, "the validator of struct '%s'", d->name));
			for (const struct field *f = d->fields; f; f = f->next)
				claim_shapes(g, f->type, f->loc);
			break;
		case D_CALL:
		case D_EVENT: {
			const char *k = d->kind == D_CALL ? "call" : "event";

			claim(g, gfmt(g, "%s_%s_ORDINAL", P, N), d->loc,
			      gfmt(g, "the ordinal of %s '%s'", k, d->name));
			if (d->kind == D_EVENT) {
				claim(g, gfmt(g, "%s_%s_EVENT_MAX", P, N), d->loc,
				      gfmt(g, "the size of event '%s'", d->name));
				claim(g, gfmt(g, "%s_emit_%s", p, n), d->loc,
				      gfmt(g, "the emitter of event '%s'",
					   d->name));
				claim(g, gfmt(g, "%s_handle_%s", p, n), d->loc,
				      gfmt(g, "the handler of event '%s'",
					   d->name));
			} else {
				claim(g, gfmt(g, "%s_%s_REQUEST_MAX", P, N),
				      d->loc, gfmt(g, "the size of call '%s'",
						   d->name));
				if (d->is_sync)
					claim(g, gfmt(g, "%s_%s_REPLY_MAX", P, N),
					      d->loc, gfmt(g, "the reply size "
							   "of call '%s'",
							   d->name));
				claim(g, gfmt(g, "%s_%s", p, n), d->loc,
				      gfmt(g, "the stub of call '%s'", d->name));
				claim(g, gfmt(g, "%s_serve_%s", p, n), d->loc,
				      gfmt(g, "the server side of call '%s'",
					   d->name));
			}
			claim_args(g, d);
			for (const struct field *f = d->params; f; f = f->next)
				if (f->type->kind == T_VECTOR ||
				    f->type->kind == T_ARRAY)
					claim_shapes(g, f->type->elem, f->loc);
			for (const struct field *f = d->results; f; f = f->next)
				if (f->type->kind == T_VECTOR ||
				    f->type->kind == T_ARRAY)
					claim_shapes(g, f->type->elem, f->loc);
			break;
		}
		default:
			break;
		}
	}
}

/* ---- types ------------------------------------------------------------- */

bool is_scalar(const struct type *t)
{
	return t->kind <= T_FLOAT64 ||
	       (t->kind == T_NAMED && t->ref->kind == D_ENUM);
}

bool needs_check(const struct type *t)
{
	switch (t->kind) {
	case T_BOOL:
	case T_STRING:
	case T_BYTES:
	case T_VECTOR:
		return true;
	case T_ARRAY:
		return needs_check(t->elem);
	case T_NAMED:
		if (t->ref->kind == D_ENUM)
			return true;
		for (const struct field *f = t->ref->fields; f; f = f->next)
			if (needs_check(f->type))
				return true;
		return false;
	default:
		return false;
	}
}

static const char *key(struct gen *g, const struct type *t)
{
	switch (t->kind) {
	case T_NAMED:
		return snake(g, t->name);
	case T_STRING:
	case T_BYTES:
		return gfmt(g, "%s_%llu", type_kind_name(t->kind),
			    (unsigned long long)t->n);
	case T_VECTOR:
	case T_ARRAY:
		return gfmt(g, "%s_%s_%llu", type_kind_name(t->kind),
			    key(g, t->elem), (unsigned long long)t->n);
	default:
		return type_kind_name(t->kind);
	}
}

struct shape *shape_of(struct gen *g, const struct type *t)
{
	const char *k = key(g, t);
	struct shape *s, **tail = &g->shapes;

	for (s = g->shapes; s; s = s->next) {
		if (!strcmp(s->key, k))
			return s;
		tail = &s->next;
	}
	/* kept in order of first use, which is the order of the source */
	s = arena_alloc(g->a, sizeof(*s));
	s->key = k;
	s->t = t;
	*tail = s;
	return s;
}

static const char *const scalar_ctype[] = {
	[T_BOOL] = "bool", [T_INT8] = "int8_t", [T_INT16] = "int16_t",
	[T_INT32] = "int32_t", [T_INT64] = "int64_t", [T_UINT8] = "uint8_t",
	[T_UINT16] = "uint16_t", [T_UINT32] = "uint32_t",
	[T_UINT64] = "uint64_t", [T_FLOAT32] = "float", [T_FLOAT64] = "double",
};

const char *ctype(struct gen *g, const struct type *t)
{
	switch (t->kind) {
	case T_NAMED:
		return gfmt(g, "%s%s_%s", t->ref->kind == D_STRUCT ?
			    "struct " : "", g->prefix, snake(g, t->name));
	case T_STRING:
	case T_BYTES:
	case T_VECTOR:
		return gfmt(g, "struct %s_%s", g->prefix, shape_of(g, t)->key);
	case T_ARRAY:
		return ctype(g, t->elem);
	default:
		return scalar_ctype[t->kind];
	}
}

const char *suffix(struct gen *g, const struct type *t)
{
	if (t->kind != T_ARRAY)
		return "";
	return gfmt(g, "[%llu]%s", (unsigned long long)t->n,
		    suffix(g, t->elem));
}

const char *decl(struct gen *g, const struct type *t, const char *name)
{
	return gfmt(g, "%s %s%s", ctype(g, t), name, suffix(g, t));
}

const char *ptr_decl(struct gen *g, const struct type *t, const char *cv,
		     const char *name)
{
	if (t->kind == T_ARRAY)
		return gfmt(g, "%s%s (*%s)%s", cv, ctype(g, t), name,
			    suffix(g, t));
	return gfmt(g, "%s%s *%s", cv, ctype(g, t), name);
}

const char *check_expr(struct gen *g, const struct type *t, const char *x)
{
	struct shape *s;

	switch (t->kind) {
	case T_BOOL:
		g->uses_bool = true;
		return gfmt(g, "%s_bool_valid(&%s)", g->prefix, x);
	case T_NAMED:
		/* "&*p" is "p" */
		if (t->ref->kind == D_STRUCT && x[0] == '*')
			return gfmt(g, "%s_%s_valid(%s)", g->prefix,
				    snake(g, t->name), x + 1);
		return gfmt(g, t->ref->kind == D_ENUM ? "%s_%s_valid(%s)" :
			    "%s_%s_valid(&%s)", g->prefix, snake(g, t->name),
			    x);
	default:
		s = shape_of(g, t);
		s->checked = true;
		if (t->kind == T_STRING)
			g->uses_utf8 = true;
		/* C before C23 converts no pointer to an array to one to
		 * const arrays by itself */
		if (t->kind == T_ARRAY && t->elem->kind == T_ARRAY)
			return gfmt(g, "%s_%s_valid((%s)%s)", g->prefix, s->key,
				    ptr_decl(g, t->elem, "const ", ""), x);
		return gfmt(g, t->kind == T_ARRAY ? "%s_%s_valid(%s)" :
			    "%s_%s_valid(&%s)", g->prefix, s->key, x);
	}
}

const char *arg_params(struct gen *g, const struct field *f, enum arg_role r)
{
	const struct type *t = f->type;
	const char *n = f->name;

	switch (t->kind) {
	case T_STRING:
		if (r == ARG_SEND)
			return gfmt(g, "const char *%s", n);
		if (r == ARG_RECEIVE)
			return gfmt(g, "const char *%s, size_t %s_len", n, n);
		return gfmt(g, "char %s[%llu]", n,
			    (unsigned long long)t->n + 1);
	case T_BYTES:
		if (r == ARG_RESULT)
			return gfmt(g, "uint8_t %s[%llu], size_t *%s_len", n,
				    (unsigned long long)t->n, n);
		return gfmt(g, "const %s *%s, size_t %s_len",
			    r == ARG_SEND ? "void" : "uint8_t", n, n);
	case T_VECTOR:
		if (r == ARG_RESULT)
			return gfmt(g, "%s %s[%llu]%s, size_t *%s_count",
				    ctype(g, t->elem), n,
				    (unsigned long long)t->n,
				    suffix(g, t->elem), n);
		return gfmt(g, "%s, size_t %s_count",
			    ptr_decl(g, t->elem, "const ", n), n);
	case T_ARRAY:
		return r == ARG_RESULT ? decl(g, t, n) :
					 gfmt(g, "const %s", decl(g, t, n));
	default:
		if (!is_scalar(t))	/* a struct */
			return gfmt(g, "%s%s *%s", r == ARG_RESULT ? "" :
				    "const ", ctype(g, t), n);
		return r == ARG_RESULT ? gfmt(g, "%s *%s", ctype(g, t), n) :
					 decl(g, t, n);
	}
}

/* ---- text -------------------------------------------------------------- */

/* The lines of a doc comment, " * text", without its opening and end. */
void doc_lines(struct gen *g, int tabs, const char *doc)
{
	const char *p = doc;

	while (*p) {
		size_t n = strcspn(p, "\n");

		out(g, "%.*s *%s", tabs, "\t\t\t\t", n ? " " : "");
		/* nothing in a doc comment may end ours, or be a trigraph */
		for (size_t i = 0; i < n; i++) {
			if ((p[i] == '*' && i + 1 < n && p[i + 1] == '/') ||
			    (p[i] == '?' && i + 1 < n && p[i + 1] == '?'))
				out(g, "%c ", p[i]);
			else
				out(g, "%c", p[i]);
		}
		out(g, "\n");
		p += n;
		if (*p)
			p++;
	}
}


/*
 * @text, one statement or declaration, at @tabs, broken after commas to
 * stay within 80 columns; continuation lines line up after the first
 * opening parenthesis, as a careful hand aligns them.
 */
void emit_line(struct gen *g, int tabs, const char *text)
{
	size_t len = strlen(text), col = (size_t)tabs * 8, start = 0;
	const char *paren = strchr(text, '(');
	size_t align;

	/* a function pointer's parameters are in its second parentheses */
	if (paren && paren[1] == '*' && strchr(paren + 1, '('))
		paren = strchr(paren + 1, '(');
	align = paren ? col + (size_t)(paren - text) + 1 : col + 16;

	if (align > 56)
		align = col + 16;
	out(g, "%.*s", tabs, "\t\t\t\t\t\t");
	while (len - start > 80 - col) {
		size_t cut = 0;

		/* the last ", " that keeps the line within 80 columns */
		for (size_t i = start; i < len && col + (i - start) + 1 <= 80;
		     i++)
			if (text[i] == ',' && text[i + 1] == ' ')
				cut = i + 1;
		if (!cut && start == 0 && paren) {
			/* one long parameter: it goes on a line of its own */
			cut = (size_t)(paren - text);
			out(g, "%.*s\n", (int)(cut + 1), text);
			start = cut + 1;
			align = col + 16;
			out(g, "%.*s", (int)(align / 8), "\t\t\t\t\t\t\t");
			col = align;
			continue;
		}
		if (!cut)
			break;
		out(g, "%.*s\n", (int)(cut - start), text + start);
		start = cut + 1;
		out(g, "%.*s%*s", (int)(align / 8), "\t\t\t\t\t\t\t",
		    (int)(align % 8), "");
		col = align;
	}
	out(g, "%s\n", text + start);
}

void emit_doc2(struct gen *g, int tabs, const char *doc, const char *extra)
{
	if (!doc && !extra)
		return;
	out(g, "%.*s/*\n", tabs, "\t\t\t\t");
	if (doc)
		doc_lines(g, tabs, doc);
	if (doc && extra)
		out(g, "%.*s *\n", tabs, "\t\t\t\t");
	if (extra)
		doc_lines(g, tabs, extra);
	out(g, "%.*s */\n", tabs, "\t\t\t\t");
}

void emit_doc(struct gen *g, int tabs, const char *doc)
{
	emit_doc2(g, tabs, doc, NULL);
}

/* ---- files ------------------------------------------------------------- */

/* Write @path through a temporary file renamed into place, so that an
 * interrupted run never leaves a half-written file for make to trust. */
static int write_file(struct gen *g, const char *path,
		      void (*emit)(struct gen *g))
{
	char *tmp = gfmt(g, "%s.tmp", path);
	int err = 0;

	g->out = fopen(tmp, "w");
	if (!g->out) {
		fprintf(stderr, "ipcsvc-idlc: error: %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	emit(g);
	if (ferror(g->out))
		err = EIO;
	if (fclose(g->out) && !err)
		err = errno;
	g->out = NULL;
	if (!err && rename(tmp, path))
		err = errno;
	if (err) {
		fprintf(stderr, "ipcsvc-idlc: error: %s: %s\n", path,
			strerror(err));
		remove(tmp);
		return -1;
	}
	return 0;
}

/* The names of everything; -1 if two things would share one. */
static int setup(struct gen *g, struct diag *d, struct arena *a,
		 const struct protocol *p, const struct sizes *s,
		 const char *input, const char *header)
{
	const char *base = strrchr(input, '/');

	memset(g, 0, sizeof(*g));
	g->d = d;
	g->a = a;
	g->p = p;
	g->s = s;
	g->prefix = gen_prefix(a, p);
	g->upper = upper(g, g->prefix);
	g->input = !strcmp(input, "-") ? "<stdin>" : base ? base + 1 : input;
	base = header ? strrchr(header, '/') : NULL;
	g->header = !header ? gfmt(g, "%s.h", g->prefix) :
		    base ? base + 1 : header;
	for (const struct decl *k = p->decls; k; k = k->next) {
		g->has_calls |= k->kind == D_CALL;
		g->has_events |= k->kind == D_EVENT;
	}
	claim_all(g);
	return d->errors ? -1 : 0;
}

int gen_names(struct diag *d, struct arena *a, const struct protocol *p,
	      const struct sizes *s)
{
	struct gen g;

	return setup(&g, d, a, p, s, "-", NULL);
}

int generate(struct diag *d, struct arena *a, const struct protocol *p,
	     const struct sizes *s, const char *input, const char *header,
	     const char *source)
{
	struct gen g;

	if (setup(&g, d, a, p, s, input, header))
		return -1;
	if (header && write_file(&g, header, emit_header))
		return -1;
	if (source && write_file(&g, source, emit_source))
		return -1;
	return 0;
}

int generate_to(struct diag *d, struct arena *a, const struct protocol *p,
		const struct sizes *s, const char *input, FILE *header,
		FILE *source)
{
	struct gen g;

	if (setup(&g, d, a, p, s, input, NULL))
		return -1;
	g.out = header;
	emit_header(&g);
	g.out = source;
	emit_source(&g);
	return 0;
}
