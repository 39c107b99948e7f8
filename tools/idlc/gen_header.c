// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The C generator: the header. Constants first (name, version, area
 * sizes, the protocol's constants, ordinals, message sizes), then the
 * types in an order C accepts (every struct after the types it holds),
 * then the client's functions and the server's, each documented with the
 * protocol's own doc comments.
 */
#include <string.h>

#include "gen.h"

/* A group of "#define NAME VALUE", the values lined up. */
struct defines {
	const char *name[32], *value[32];
	size_t n;
};

static void defines_flush(struct gen *g, struct defines *d)
{
	size_t w = 0;

	for (size_t i = 0; i < d->n; i++)
		if (strlen(d->name[i]) > w)
			w = strlen(d->name[i]);
	/* "#define " is 8 columns: the values at the tab stop after the
	 * longest name */
	w = (8 + w) / 8 * 8 + 8;
	for (size_t i = 0; i < d->n; i++) {
		size_t col = 8 + strlen(d->name[i]);

		out(g, "#define %s", d->name[i]);
		for (; col < w; col = col / 8 * 8 + 8)
			out(g, "\t");
		out(g, "%s\n", d->value[i]);
	}
	d->n = 0;
}

static void define(struct gen *g, struct defines *d, const char *name,
		   const char *value)
{
	if (d->n == sizeof(d->name) / sizeof(d->name[0]))
		defines_flush(g, d);
	d->name[d->n] = name;
	d->value[d->n++] = value;
}

/* An integer constant as C writes it, at its type. */
static const char *int_lit(struct gen *g, int64_t v)
{
	if (v == INT64_MIN)
		return "(-INT64_MAX - 1)";
	if (v >= -32767 && v <= 32767)	/* an int anywhere */
		return gfmt(g, "%lld", (long long)v);
	return gfmt(g, "INT64_C(%lld)", (long long)v);
}

static void emit_constants(struct gen *g)
{
	struct defines defs = { .n = 0 };
	bool any = false;

	for (const struct decl *d = g->p->decls; d; d = d->next) {
		if (d->kind != D_CONST)
			continue;
		if (!any)
			out(g, "\n/* Constants. */\n");
		any = true;
		if (d->doc) {
			defines_flush(g, &defs);
			emit_doc(g, 0, d->doc);
		}
		define(g, &defs, gfmt(g, "%s_%s", g->upper, d->name),
		       int_lit(g, d->cval));
	}
	defines_flush(g, &defs);
}

static void emit_ordinals(struct gen *g)
{
	struct defines defs = { .n = 0 };
	const char *P = g->upper;

	if (!g->has_calls && !g->has_events)
		return;
	out(g, "\n/*\n * Ordinals, the MessageId of each call and event, and "
	    "the most bytes each\n * message takes in its area (what the "
	    "library reserves for it).\n */\n");
	for (const struct decl *d = g->p->decls; d; d = d->next) {
		const char *N = upper(g, d->name);

		if (d->kind != D_CALL && d->kind != D_EVENT)
			continue;
		define(g, &defs, gfmt(g, "%s_%s_ORDINAL", P, N),
		       gfmt(g, "%lluU", (unsigned long long)d->ordinal));
		if (d->kind == D_EVENT) {
			define(g, &defs, gfmt(g, "%s_%s_EVENT_MAX", P, N),
			       gfmt(g, "%lluU", (unsigned long long)
				    msg_of(g, d, MSG_EVENT)->bytes));
			continue;
		}
		define(g, &defs, gfmt(g, "%s_%s_REQUEST_MAX", P, N),
		       gfmt(g, "%lluU", (unsigned long long)
			    msg_of(g, d, MSG_REQUEST)->bytes));
		if (d->is_sync)
			define(g, &defs, gfmt(g, "%s_%s_REPLY_MAX", P, N),
			       gfmt(g, "%lluU", (unsigned long long)
				    msg_of(g, d, MSG_REPLY)->bytes));
	}
	defines_flush(g, &defs);
}

static void define_type(struct gen *g, const struct type *t);

/* An 8-byte scalar, or an array of them: aligned by hand (see below). */
static bool align8(const struct type *t)
{
	while (t->kind == T_ARRAY)
		t = t->elem;
	return is_scalar(t) && t->size == 8;
}

/* A member of a struct the protocol lays out. */
static void member(struct gen *g, const struct type *t, const char *name)
{
	emit_line(g, 1, gfmt(g, "%s%s;", align8(t) ? gfmt(g, "%s_ALIGN8 ",
							    g->upper) : "",
			     decl(g, t, name)));
}

/* Structs are marked in the shapes too, under a key no shape has. */
static struct shape *struct_mark(struct gen *g, const struct decl *s)
{
	struct type *t = arena_alloc(g->a, sizeof(*t));

	t->kind = T_NAMED;
	t->name = gfmt(g, "struct %s", s->name);
	return shape_of(g, t);
}

static void define_struct(struct gen *g, const struct decl *s)
{
	struct shape *sh = struct_mark(g, s);
	const char *n = snake(g, s->name);

	if (sh->defined)
		return;
	sh->defined = true;
	for (const struct field *f = s->fields; f; f = f->next)
		define_type(g, f->type);
	out(g, "\n");
	emit_doc(g, 0, s->doc);
	out(g, "struct %s_%s {\n", g->prefix, n);
	for (const struct field *f = s->fields; f; f = f->next) {
		emit_doc(g, 1, f->doc);
		member(g, f->type, f->name);
	}
	out(g, "};\n\n");
	out(g, "bool %s_%s_valid(const struct %s_%s *v);\n", g->prefix, n,
	    g->prefix, n);
}

/* The C struct of an inline string, byte buffer or vector, after the
 * types it holds. */
static void define_type(struct gen *g, const struct type *t)
{
	struct shape *s;

	if (t->kind == T_ARRAY) {
		define_type(g, t->elem);
		return;
	}
	if (t->kind == T_NAMED) {
		if (t->ref->kind == D_STRUCT)
			define_struct(g, t->ref);
		return;
	}
	if (t->kind != T_STRING && t->kind != T_BYTES && t->kind != T_VECTOR)
		return;
	s = shape_of(g, t);
	if (s->defined)
		return;
	s->defined = true;
	if (t->kind == T_VECTOR) {
		define_type(g, t->elem);
		out(g, "\n/* A vector of up to %llu elements inside a struct, "
		    "an array or a vector. */\n", (unsigned long long)t->n);
		out(g, "struct %s_%s {\n\tuint32_t count;\n", g->prefix, s->key);
		member(g, t->elem, gfmt(g, "data[%llu]",
					(unsigned long long)t->n));
		out(g, "};\n");
		return;
	}
	if (t->kind == T_STRING)
		out(g, "\n/*\n * string<%llu> inside a struct, an array or a "
		    "vector: UTF-8 without NUL,\n * not terminated.\n */\n",
		    (unsigned long long)t->n);
	else
		out(g, "\n/* bytes<%llu> inside a struct, an array or a "
		    "vector. */\n", (unsigned long long)t->n);
	out(g, "struct %s_%s {\n\tuint32_t length;\n\t%s data[%llu];\n};\n",
	    g->prefix, s->key, t->kind == T_STRING ? "char" : "uint8_t",
	    (unsigned long long)t->n);
}

/* Whether some struct the header defines holds an 8-byte scalar. */
static bool any_align8(struct gen *g)
{
	for (const struct shape *s = g->shapes; s; s = s->next)
		if (s->t->kind == T_VECTOR && align8(s->t->elem))
			return true;
	for (const struct decl *d = g->p->decls; d; d = d->next)
		if (d->kind == D_STRUCT)
			for (const struct field *f = d->fields; f; f = f->next)
				if (align8(f->type))
					return true;
	return false;
}

static void emit_types(struct gen *g)
{
	const struct decl *d;

	if (any_align8(g))
		out(g, "\n/*\n * The protocol aligns 8-byte values to 8 bytes in "
		    "its structs, as most\n * ABIs do, but not all (i386 aligns "
		    "them to 4): so that every ABI\n * lays them out alike, "
		    "they say so.\n */\n#ifdef __cplusplus\n#define "
		    "%s_ALIGN8\talignas(8)\n#else\n#define %s_ALIGN8\t"
		    "_Alignas(8)\n#endif\n", g->upper, g->upper);

	for (d = g->p->decls; d; d = d->next) {
		struct defines defs = { .n = 0 };
		const char *n = snake(g, d->name), *N = upper(g, d->name);

		if (d->kind != D_ENUM)
			continue;
		out(g, "\n");
		emit_doc(g, 0, d->doc);
		out(g, "typedef %s %s_%s;\n", ctype(g, d->underlying), g->prefix,
		    n);
		for (const struct member *m = d->members; m; m = m->next) {
			if (m->doc) {
				defines_flush(g, &defs);
				emit_doc(g, 0, m->doc);
			}
			define(g, &defs, gfmt(g, "%s_%s_%s", g->upper, N,
					      upper(g, m->name)),
			       gfmt(g, "((%s_%s)%s)", g->prefix, n,
				    int_lit(g, m->v)));
		}
		defines_flush(g, &defs);
		out(g, "bool %s_%s_valid(%s_%s v);\n", g->prefix, n, g->prefix,
		    n);
	}
	for (d = g->p->decls; d; d = d->next)
		if (d->kind == D_STRUCT)
			define_struct(g, d);
	/* what only arguments use: the elements of vectors and arrays */
	for (d = g->p->decls; d; d = d->next) {
		const struct field *lists[2] = { d->params, d->results };

		if (d->kind != D_CALL && d->kind != D_EVENT)
			continue;
		for (int l = 0; l < 2; l++)
			for (const struct field *f = lists[l]; f; f = f->next)
				if (f->type->kind == T_VECTOR ||
				    f->type->kind == T_ARRAY)
					define_type(g, f->type->elem);
	}
}

/* "first, A, B, last": one argument list. */
static const char *params(struct gen *g, const char *first,
			  const struct field *a, enum arg_role ra,
			  const struct field *b, enum arg_role rb,
			  const char *last)
{
	const char *s = first;

	for (; a; a = a->next)
		s = gfmt(g, "%s, %s", s, arg_params(g, a, ra));
	for (; b; b = b->next)
		s = gfmt(g, "%s, %s", s, arg_params(g, b, rb));
	return last ? gfmt(g, "%s, %s", s, last) : s;
}

static void emit_client(struct gen *g)
{
	const char *p = g->prefix;

	out(g, "\n/*\n * Client\n * ======\n *\n * Connect to the service, "
	    "asking for the protocol's version and area\n * sizes: the module "
	    "refuses a service that speaks another version\n * "
	    "(-EPROTONOSUPPORT) or allows smaller areas (-EMSGSIZE).\n */\n");
	emit_line(g, 0, gfmt(g, "int %s_connect(struct ipcsvc_port *port, "
			     "const struct ipcsvc_channel_attr *attr, struct "
			     "ipcsvc_conn **connp);", p));
	for (const struct decl *d = g->p->decls; d; d = d->next) {
		if (d->kind != D_CALL)
			continue;
		out(g, "\n");
		emit_doc2(g, 0, d->doc, d->is_sync ?
			  "Waits for the reply: 0 with the results set, or the "
			  "library's or the\nserver's status." :
			  "Returns once the request is queued: 0, or the "
			  "library's status.");
		emit_line(g, 0, gfmt(g, "int %s_%s(%s);", p, snake(g, d->name),
				     params(g, "struct ipcsvc_channel *ch",
					    d->params, ARG_SEND, d->results,
					    ARG_RESULT,
					    "ipcsvc_timeout_t timeout")));
	}
	if (!g->has_events)
		return;
	out(g, "\n/* The events, as the client receives them: a NULL handler "
	    "ignores its event. */\nstruct %s_events {\n", p);
	for (const struct decl *d = g->p->decls; d; d = d->next) {
		if (d->kind != D_EVENT)
			continue;
		emit_doc(g, 1, d->doc);
		emit_line(g, 1, gfmt(g, "void (*%s)(%s);", d->name,
				     params(g, "void *ctx", d->params,
					    ARG_RECEIVE, NULL, ARG_RECEIVE,
					    NULL)));
	}
	out(g, "};\n\n");
	out(g, "/*\n * Receive one event (ipcsvc_call_receive_event(), beside "
	    "the calls), check\n * it against the protocol and hand it to its "
	    "handler: 0, -EPROTO if it\n * breaks the protocol, -EBADRQC if "
	    "the protocol has no such event (both\n * dropped), or the "
	    "library's status.\n */\n");
	emit_line(g, 0, gfmt(g, "int %s_receive_event(struct ipcsvc_channel "
			     "*ch, const struct %s_events *events, void *ctx, "
			     "ipcsvc_timeout_t timeout);", p, p));
}

static void emit_server(struct gen *g)
{
	const char *p = g->prefix;

	out(g, "\n/*\n * Server\n * ======\n *\n * Create the service, "
	    "declaring the protocol's version and area sizes.\n */\n");
	emit_line(g, 0, gfmt(g, "int %s_service_create(struct ipcsvc_port "
			     "*port, uint32_t mode, struct ipcsvc_service "
			     "**svcp);", p));
	if (g->has_calls) {
		out(g, "\n/*\n * The calls, as the server serves them. A handler "
		    "returns 0, with its\n * results set (they start zeroed), "
		    "or a negative errno value the caller\n * receives as the "
		    "call's status. @call holds the caller's deadline\n * "
		    "(ipcsvc_call_deadline()). Arguments lie in the request, "
		    "valid until\n * the handler returns; a string is not "
		    "NUL-terminated. A NULL handler\n * answers -ENOSYS.\n */\n"
		    "struct %s_handlers {\n", p);
		for (const struct decl *d = g->p->decls; d; d = d->next) {
			if (d->kind != D_CALL)
				continue;
			emit_doc(g, 1, d->doc);
			emit_line(g, 1, gfmt(g, "int (*%s)(%s);", d->name,
					     params(g, "void *ctx, const struct "
						    "ipcsvc_call_header *call",
						    d->params, ARG_RECEIVE,
						    d->results, ARG_RESULT,
						    NULL)));
		}
		out(g, "};\n\n");
		out(g, "/*\n * Serve the received request @req: check it "
		    "against the protocol, call its\n * handler, send the "
		    "reply (waiting for room until @timeout), and release\n"
		    " * @req. 0 when it was served, or answered with its "
		    "handler's status.\n * Otherwise it was answered (if a "
		    "caller waits) with the status returned:\n * -EPROTO "
		    "it breaks the protocol, -EBADRQC no call has its ordinal,"
		    "\n * -ENOSYS no handler, -ETIMEDOUT its deadline had "
		    "passed, -EIO its\n * handler's status or results break "
		    "the protocol, -ENOMEM; or it could\n * not be answered: "
		    "the library's status.\n */\n");
		emit_line(g, 0, gfmt(g, "int %s_dispatch(struct ipcsvc_channel "
				     "*ch, struct ipcsvc_msg *req, const struct "
				     "%s_handlers *handlers, void *ctx, "
				     "ipcsvc_timeout_t timeout);", p, p));
	}
	for (const struct decl *d = g->p->decls; d; d = d->next) {
		if (d->kind != D_EVENT)
			continue;
		out(g, "\n");
		emit_doc2(g, 0, d->doc, "Sends the event, waiting for room "
			  "until @timeout.");
		emit_line(g, 0, gfmt(g, "int %s_emit_%s(%s);", p,
				     snake(g, d->name),
				     params(g, "struct ipcsvc_channel *ch",
					    d->params, ARG_SEND, NULL, ARG_SEND,
					    "ipcsvc_timeout_t timeout")));
	}
}

void emit_header(struct gen *g)
{
	struct defines defs = { .n = 0 };
	const char *P = g->upper;

	out(g, "/* Generated by ipcsvc-idlc from %s: do not edit. */\n",
	    g->input);
	out(g, "/*\n * %s, version %lld\n", g->p->name,
	    (long long)g->p->version_v);
	if (g->p->doc) {
		out(g, " *\n");
		doc_lines(g, 0, g->p->doc);
	}
	out(g, " */\n#ifndef %s_IDL_H\n#define %s_IDL_H\n\n", P, P);
	out(g, "#include <stdbool.h>\n#include <stddef.h>\n#include "
	    "<stdint.h>\n\n#include <ipcsvc/ipcsvc.h>\n\n");
	out(g, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
	out(g, "/* The service's name and version; the largest data region "
	    "of each area. */\n");
	define(g, &defs, gfmt(g, "%s_PROTOCOL_NAME", P),
	       gfmt(g, "\"%s\"", g->p->name));
	define(g, &defs, gfmt(g, "%s_PROTOCOL_VERSION", P),
	       gfmt(g, "UINT64_C(%lld)", (long long)g->p->version_v));
	define(g, &defs, gfmt(g, "%s_MAX_TO_SERVER", P),
	       gfmt(g, "UINT64_C(%llu)",
		    (unsigned long long)g->s->area[DIR_TO_SERVER].size));
	define(g, &defs, gfmt(g, "%s_MAX_TO_CLIENT", P),
	       gfmt(g, "UINT64_C(%llu)",
		    (unsigned long long)g->s->area[DIR_TO_CLIENT].size));
	defines_flush(g, &defs);
	emit_constants(g);
	emit_ordinals(g);
	emit_types(g);
	emit_client(g);
	emit_server(g);
	out(g, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* %s_IDL_H */\n",
	    P);
}
