// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The C generator: the receiving side of the source, the server's
 * dispatch (a serve function per call) and the client's event dispatch
 * (a handle function per event). Every argument is checked before a
 * handler sees it, as gen_source.c describes; a request that breaks the
 * protocol is answered with an error status (services.md, section 4).
 */
#include <stdlib.h>
#include <string.h>

#include "gen.h"

/* One generated function's locals and exits. */
struct fn {
	bool malformed;		/* "goto malformed" was written */
	bool no_memory;
	bool failed;		/* a handler's status to answer with */
	bool bad_results;
	bool sync;		/* a caller waits: refusals are answered */
	const char *frees[64];	/* copies and buffers to free, in order */
	size_t nfrees;
};

static void add_free(struct fn *f, const char *name)
{
	if (f->nfrees < sizeof(f->frees) / sizeof(f->frees[0]))
		f->frees[f->nfrees++] = name;
}

/* ---- receiving: server dispatch and client events ---------------------- */

/* The locals that hold one received argument. */
static void receive_locals(struct gen *g, const struct field *a)
{
	for (; a; a = a->next) {
		const struct type *t = a->type;
		const char *n = a->name;

		switch (t->kind) {
		case T_STRING:
			out(g, "\tconst char *%s;\n\tsize_t %s_len;\n", n, n);
			break;
		case T_BYTES:
			out(g, "\tconst uint8_t *%s;\n\tsize_t %s_len;\n", n, n);
			break;
		case T_VECTOR:
			out(g, "\t%s%s;\n\tsize_t %s_count;\n",
			    ptr_decl(g, t->elem, copied(t) ? "" : "const ", n),
			    copied(t) ? " = NULL" : "", n);
			break;
		case T_ARRAY:
			out(g, "\t%s%s;\n", ptr_decl(g, t->elem, copied(t) ?
						     "" : "const ", n),
			    copied(t) ? " = NULL" : "");
			break;
		default:
			if (is_scalar(t))
				out(g, "\t%s;\n", decl(g, t, n));
			else
				out(g, "\t%s%s;\n", ptr_decl(g, t, copied(t) ?
							     "" : "const ", n),
				    copied(t) ? " = NULL" : "");
			break;
		}
	}
}

/* Take each argument out of args[], checking it; "goto malformed". */
static void receive_args(struct gen *g, struct fn *f, const struct field *a)
{
	const char *p = g->prefix;
	unsigned int i = 0;

	for (; a; a = a->next, i++) {
		const struct type *t = a->type;
		const char *n = a->name, *o = gfmt(g, "args[%u]", i);

		f->malformed = true;
		switch (t->kind) {
		case T_STRING:
			g->uses_utf8 = true;
			out(g, "\tif (%s.length > %lluU ||\n\t    !%s_utf8_valid("
			    "%s.data, %s.length))\n\t\tgoto malformed;\n", o,
			    (unsigned long long)t->n, p, o, o);
			out(g, "\t%s = (const char *)%s.data;\n\t%s_len = "
			    "%s.length;\n", n, o, n, o);
			break;
		case T_BYTES:
			out(g, "\tif (%s.length > %lluU)\n\t\tgoto malformed;\n",
			    o, (unsigned long long)t->n);
			out(g, "\t%s = (const uint8_t *)%s.data;\n\t%s_len = "
			    "%s.length;\n", n, o, n, o);
			break;
		case T_VECTOR:
			out(g, "\tif (%s.length %% sizeof(*%s) ||\n\t    %s.length "
			    "/ sizeof(*%s) > %lluU)\n\t\tgoto malformed;\n", o, n,
			    o, n, (unsigned long long)t->n);
			out(g, "\t%s_count = %s.length / sizeof(*%s);\n", n, o, n);
			/* fall through */
		case T_ARRAY:
			if (t->kind == T_ARRAY)
				out(g, "\tif (%s.length != %lluU * sizeof(*%s))\n"
				    "\t\tgoto malformed;\n", o,
				    (unsigned long long)t->n, n);
			if (!copied(t)) {
				out(g, "\t%s = (%s)%s.data;\n", n,
				    ptr_decl(g, t->elem, "const ", ""), o);
				break;
			}
			g->helpers |= H_COPY;
			f->no_memory = true;
			add_free(f, n);
			out(g, "\t%s = (%s)%s_copy_arg(&%s);\n\tif (!%s)\n\t\tgoto "
			    "no_memory;\n", n, ptr_decl(g, t->elem, "", ""), p,
			    o, n);
			if (t->kind == T_ARRAY)
				out(g, "\tif (!%s)\n\t\tgoto malformed;\n",
				    check_expr(g, t, n));
			else
				out(g, "\tfor (k = 0; k < %s_count; k++)\n\t\tif "
				    "(!%s)\n\t\t\tgoto malformed;\n", n,
				    check_expr(g, t->elem, gfmt(g, "%s[k]", n)));
			break;
		case T_BOOL:
			g->helpers |= H_GET_BOOL;
			out(g, "\tif (!%s_take_bool(&%s, &%s))\n\t\tgoto "
			    "malformed;\n", p, o, n);
			break;
		default:
			if (!is_scalar(t)) {	/* a struct */
				out(g, "\tif (%s.length != sizeof(*%s))\n\t\tgoto "
				    "malformed;\n", o, n);
				if (!copied(t)) {
					out(g, "\t%s = (%s)%s.data;\n", n,
					    ptr_decl(g, t, "const ", ""), o);
					break;
				}
				g->helpers |= H_COPY;
				f->no_memory = true;
				add_free(f, n);
				out(g, "\t%s = (%s)%s_copy_arg(&%s);\n\tif (!%s)\n"
				    "\t\tgoto no_memory;\n\tif (!%s)\n\t\tgoto "
				    "malformed;\n", n, ptr_decl(g, t, "", ""), p,
				    o, n, check_expr(g, t, gfmt(g, "*%s", n)));
				break;
			}
			g->helpers |= H_GET;
			out(g, "\tif (!%s_take(&%s, &%s, sizeof(%s))%s%s)\n\t\tgoto "
			    "malformed;\n", p, o, n, n,
			    t->kind == T_NAMED ? " ||\n\t    !" : "",
			    t->kind == T_NAMED ? check_expr(g, t, n) : "");
			break;
		}
	}
}

/* ", a, b, b_len": a handler's arguments, then its results. */
static const char *call_args(struct gen *g, const struct field *a,
			     const struct field *r)
{
	const char *s = "";

	for (; a; a = a->next) {
		enum type_kind k = a->type->kind;

		/* a copy of arrays, handed over as const (see check_expr()) */
		if ((k == T_VECTOR || k == T_ARRAY) && copied(a->type) &&
		    a->type->elem->kind == T_ARRAY)
			s = gfmt(g, "%s, (%s)%s", s, ptr_decl(g, a->type->elem,
							    "const ", ""),
				 a->name);
		else
			s = gfmt(g, "%s, %s", s, a->name);
		if (k == T_STRING || k == T_BYTES)
			s = gfmt(g, "%s, %s_len", s, a->name);
		else if (k == T_VECTOR)
			s = gfmt(g, "%s, %s_count", s, a->name);
	}
	for (; r; r = r->next) {
		enum type_kind k = r->type->kind;

		if (k == T_BYTES)
			s = gfmt(g, "%s, %s, &%s_len", s, r->name, r->name);
		else if (k == T_VECTOR)
			s = gfmt(g, "%s, %s, &%s_count", s, r->name, r->name);
		else if (is_scalar(r->type))
			s = gfmt(g, "%s, &%s", s, r->name);
		else
			s = gfmt(g, "%s, %s", s, r->name);
	}
	return s;
}

/* The handler's results: zeroed locals, or zeroed buffers to free. */
static void result_locals(struct gen *g, struct fn *f, const struct field *r)
{
	for (; r; r = r->next) {
		const struct type *t = r->type;
		const char *n = r->name;

		if (is_scalar(t)) {
			out(g, "\t%s = %s;\n", decl(g, t, n),
			    t->kind == T_BOOL ? "false" : "0");
			continue;
		}
		add_free(f, n);
		if (t->kind == T_STRING)
			out(g, "\tchar *%s = NULL;\n\tsize_t %s_len;\n", n, n);
		else if (t->kind == T_BYTES)
			out(g, "\tuint8_t *%s = NULL;\n\tsize_t %s_len = 0;\n",
			    n, n);
		else if (t->kind == T_VECTOR)
			out(g, "\t%s = NULL;\n\tsize_t %s_count = 0;\n",
			    ptr_decl(g, t->elem, "", n), n);
		else if (t->kind == T_ARRAY)
			out(g, "\t%s = NULL;\n", ptr_decl(g, t->elem, "", n));
		else
			out(g, "\t%s = NULL;\n", ptr_decl(g, t, "", n));
	}
}

static void result_buffers(struct gen *g, struct fn *f, const struct field *r)
{
	for (; r; r = r->next) {
		const struct type *t = r->type;
		const char *n = r->name, *cast, *nmemb;

		if (is_scalar(t))
			continue;
		f->no_memory = true;
		switch (t->kind) {
		case T_STRING:
			cast = "char *";
			nmemb = gfmt(g, "%lluU + 1", (unsigned long long)t->n);
			break;
		case T_BYTES:
			cast = "uint8_t *";
			nmemb = gfmt(g, "%lluU", (unsigned long long)t->n);
			break;
		case T_VECTOR:
		case T_ARRAY:
			cast = ptr_decl(g, t->elem, "", "");
			nmemb = gfmt(g, "%lluU", (unsigned long long)t->n);
			break;
		default:
			cast = ptr_decl(g, t, "", "");
			nmemb = "1";
			break;
		}
		out(g, "\t%s = (%s)calloc(%s, sizeof(*%s));\n\tif (!%s)\n"
		    "\t\tgoto no_memory;\n", n, cast, nmemb, n, n);
	}
}

/* What the handler gave must fit the protocol too: "goto bad_results". */
static void check_results(struct gen *g, struct fn *f, const struct field *r)
{
	for (; r; r = r->next) {
		const struct type *t = r->type;
		const char *n = r->name, *cond = NULL;

		switch (t->kind) {
		case T_STRING:
			g->helpers |= H_LENGTH;
			g->uses_utf8 = true;
			out(g, "\t%s_len = %s_string_length(%s, %lluU);\n", n, g->prefix,
			    n, (unsigned long long)t->n);
			cond = gfmt(g, "%s_len > %lluU || !%s_utf8_valid(%s, "
				    "%s_len)", n, (unsigned long long)t->n,
				    g->prefix, n, n);
			break;
		case T_BYTES:
			cond = gfmt(g, "%s_len > %lluU", n,
				    (unsigned long long)t->n);
			break;
		case T_VECTOR:
			cond = gfmt(g, "%s_count > %lluU", n,
				    (unsigned long long)t->n);
			break;
		case T_ARRAY:
			if (needs_check(t))
				cond = gfmt(g, "!%s", check_expr(g, t, n));
			break;
		default:
			if (needs_check(t))
				cond = gfmt(g, "!%s", check_expr(g, t,
					    is_scalar(t) ? n : gfmt(g, "*%s", n)));
			break;
		}
		if (cond) {
			f->bad_results = true;
			out(g, "\tif (%s)\n\t\tgoto bad_results;\n", cond);
		}
		if (t->kind == T_VECTOR && needs_check(t->elem))
			out(g, "\tfor (k = 0; k < %s_count; k++)\n\t\tif (!%s)\n"
			    "\t\t\tgoto bad_results;\n", n,
			    check_expr(g, t->elem, gfmt(g, "%s[k]", n)));
	}
}

/* The exits of a serve or handle function, then its frees. */
static void emit_exits(struct gen *g, struct fn *f)
{
	const char *p = g->prefix;
	const char *labels[4], *actions[4];
	size_t n = 0;

	if (f->malformed) {
		labels[n] = "malformed";
		actions[n++] = f->sync ? gfmt(g, "%s_refuse_call(ch, req, -EPROTO, "
					      "timeout)", p) : "-EPROTO";
	}
	if (f->no_memory) {
		labels[n] = "no_memory";
		actions[n++] = f->sync ? gfmt(g, "%s_refuse_call(ch, req, -ENOMEM, "
					      "timeout)", p) : "-ENOMEM";
	}
	if (f->failed) {
		labels[n] = "failed";
		actions[n++] = gfmt(g, "%s_answer_call(ch, req, rc, timeout)", p);
	}
	if (f->bad_results) {
		labels[n] = "bad_results";
		actions[n++] = gfmt(g, "%s_refuse_call(ch, req, -EIO, timeout)", p);
	}
	if (!f->nfrees) {
		/* nothing to free: every exit returns */
		out(g, "\treturn %s;\n", f->sync ? "rc" : "0");
		for (size_t i = 0; i < n; i++)
			out(g, "%s:\n\treturn %s;\n", labels[i], actions[i]);
		out(g, "}\n");
		return;
	}
	if (n)
		out(g, "\tgoto out;\n");
	for (size_t i = 0; i < n; i++)
		out(g, "%s:\n\trc = %s;\n%s", labels[i], actions[i],
		    i + 1 < n ? "\tgoto out;\n" : "");
	if (n)
		out(g, "out:\n");
	for (size_t i = 0; i < f->nfrees; i++)
		out(g, "\tfree(%s);\n", f->frees[i]);
	out(g, "\treturn rc;\n}\n");
}

void emit_serve(struct gen *g, const struct decl *d)
{
	const char *p = g->prefix, *n = snake(g, d->name);
	size_t nargs = count_fields(d->params), nres = count_fields(d->results);
	struct fn f = { .sync = d->is_sync };

	/* an asynchronous call is never answered: no channel to answer on */
	out(g, "\n");
	emit_line(g, 0, gfmt(g, "static int %s_serve_%s(%sconst struct "
			     "ipcsvc_msg *req, const struct ipcsvc_call_header "
			     "*call, const struct %s_handlers *handlers, void "
			     "*ctx%s)", p, n, d->is_sync ?
			     "struct ipcsvc_channel *ch, " : "", p,
			     d->is_sync ? ", ipcsvc_timeout_t timeout" : ""));
	out(g, "{\n");
	if (nargs)
		out(g, "\tstruct ipcsvc_object args[%zu];\n", nargs);
	receive_locals(g, d->params);
	result_locals(g, &f, d->results);
	if (d->is_sync)
		out(g, "\tstruct ipcsvc_msg *rep;\n");
	if (d->results)
		out(g, "\tuint64_t payload;\n");
	if (any_needs_loop(d->params) || any_needs_loop(d->results))
		out(g, "\tsize_t k;\n");
	out(g, "\tint rc;\n\n");
	if (d->is_sync) {
		g->helpers |= H_REFUSE;
		out(g, "\t/* the caller has given up: not served */\n\tif "
		    "(ipcsvc_call_expired(call))\n\t\treturn %s_refuse_call(ch, "
		    "req, -ETIMEDOUT, timeout);\n", p);
		out(g, "\tif (!handlers->%s)\n\t\treturn %s_refuse_call(ch, req, "
		    "-ENOSYS, timeout);\n", d->name, p);
	} else {
		out(g, "\tif (!handlers->%s)\n\t\treturn -ENOSYS;\n", d->name);
	}
	g->helpers |= H_OBJECTS;
	out(g, "\trc = %s_read_objects(req, true, %s, %zu);\n\tif (rc)\n", p,
	    nargs ? "args" : "NULL", nargs);
	if (d->is_sync)
		out(g, "\t\treturn rc == -EPROTO ? %s_refuse_call(ch, req, rc, "
		    "timeout) : rc;\n", p);
	else
		out(g, "\t\treturn rc;\n");
	receive_args(g, &f, d->params);
	result_buffers(g, &f, d->results);
	if (!d->is_sync) {
		out(g, "\t/* nobody waits for its status */\n");
		emit_line(g, 1, gfmt(g, "(void)handlers->%s(ctx, call%s);",
				     d->name, call_args(g, d->params, NULL)));
		if (f.nfrees)
			out(g, "\trc = 0;\n");
		emit_exits(g, &f);
		return;
	}
	emit_line(g, 1, gfmt(g, "rc = handlers->%s(ctx, call%s);", d->name,
			     call_args(g, d->params, d->results)));
	out(g, "\tif (rc)\n\t\tgoto failed;\n");
	f.failed = true;
	g->helpers |= H_ANSWER;
	check_results(g, &f, d->results);
	emit_payload(g, d->results);
	emit_line(g, 1, gfmt(g, "rc = ipcsvc_call_allocate_reply(ch, req, %s, "
			     "%zu, &rep, timeout);",
			     d->results ? "payload" : "0", nres));
	/* no reply without room for it (the "out" of emit_exits()) */
	if (d->results)
		out(g, f.nfrees ? "\tif (rc)\n\t\tgoto out;\n" :
		    "\tif (rc)\n\t\treturn rc;\n");
	add_objects(g, "rep", d->results);
	out(g, d->results ? "\trc = ipcsvc_channel_send(ch, rep);\n" :
	    "\tif (!rc)\n\t\trc = ipcsvc_channel_send(ch, rep);\n");
	emit_exits(g, &f);
}

void emit_dispatch(struct gen *g)
{
	const char *p = g->prefix;

	g->helpers |= H_REFUSE;
	out(g, "\n");
	emit_line(g, 0, gfmt(g, "int %s_dispatch(struct ipcsvc_channel *ch, "
			     "struct ipcsvc_msg *req, const struct %s_handlers "
			     "*handlers, void *ctx, ipcsvc_timeout_t timeout)",
			     p, p));
	out(g, "{\n");
	out(g, "\tstruct ipcsvc_call_header call;\n\tstruct ipcsvc_msg_info "
	    "info;\n\tint rc = ipcsvc_msg_info(req, &info);\n\n\tif (rc)\n"
	    "\t\treturn rc;\n\ttimeout = ipcsvc_timeout_deadline(timeout);\n");
	out(g, "\t/* without a call header it cannot even be answered */\n"
	    "\trc = ipcsvc_call_header(req, &call);\n\tif (!rc) {\n"
	    "\t\tswitch (info.id) {\n");
	for (const struct decl *d = g->p->decls; d; d = d->next) {
		if (d->kind == D_CALL) {
			out(g, "\t\tcase %s_%s_ORDINAL:\n", g->upper,
			    upper(g, d->name));
			emit_line(g, 3, gfmt(g, "rc = %s_serve_%s(%sreq, &call, "
					     "handlers, ctx%s);", p,
					     snake(g, d->name), d->is_sync ?
					     "ch, " : "", d->is_sync ?
					     ", timeout" : ""));
			out(g, "\t\t\tbreak;\n");
		}
	}
	out(g, "\t\tdefault:\n\t\t\trc = %s_refuse_call(ch, req, -EBADRQC, "
	    "timeout);\n\t\t\tbreak;\n\t\t}\n\t}\n", p);
	out(g, "\tipcsvc_channel_release(ch, req);\n\treturn rc;\n}\n");
}

void emit_handle(struct gen *g, const struct decl *d)
{
	const char *p = g->prefix, *n = snake(g, d->name);
	size_t nargs = count_fields(d->params);
	struct fn f = { .sync = false };

	out(g, "\n");
	emit_line(g, 0, gfmt(g, "static int %s_handle_%s(const struct "
			     "ipcsvc_msg *msg, const struct %s_events *events, "
			     "void *ctx)", p, n, p));
	out(g, "{\n");
	if (nargs)
		out(g, "\tstruct ipcsvc_object args[%zu];\n", nargs);
	receive_locals(g, d->params);
	if (any_needs_loop(d->params))
		out(g, "\tsize_t k;\n");
	out(g, "\tint rc;\n\n\tif (!events->%s)\n\t\treturn 0;\n", d->name);
	g->helpers |= H_OBJECTS;
	out(g, "\trc = %s_read_objects(msg, false, %s, %zu);\n\tif (rc)\n\t\treturn "
	    "rc;\n", p, nargs ? "args" : "NULL", nargs);
	receive_args(g, &f, d->params);
	emit_line(g, 1, gfmt(g, "events->%s(ctx%s);", d->name,
			     call_args(g, d->params, NULL)));
	emit_exits(g, &f);
}

void emit_receive_event(struct gen *g)
{
	const char *p = g->prefix;

	out(g, "\n");
	emit_line(g, 0, gfmt(g, "int %s_receive_event(struct ipcsvc_channel "
			     "*ch, const struct %s_events *events, void *ctx, "
			     "ipcsvc_timeout_t timeout)", p, p));
	out(g, "{\n");
	out(g, "\tstruct ipcsvc_msg_info info;\n\tstruct ipcsvc_msg *msg;\n"
	    "\tint rc = ipcsvc_call_receive_event(ch, &msg, timeout);\n\n"
	    "\tif (rc)\n\t\treturn rc;\n\trc = ipcsvc_msg_info(msg, &info);\n"
	    "\tif (!rc) {\n\t\tswitch (info.id) {\n");
	for (const struct decl *d = g->p->decls; d; d = d->next)
		if (d->kind == D_EVENT)
			out(g, "\t\tcase %s_%s_ORDINAL:\n\t\t\trc = %s_handle_%s("
			    "msg, events, ctx);\n\t\t\tbreak;\n", g->upper,
			    upper(g, d->name), p, snake(g, d->name));
	out(g, "\t\tdefault:\n\t\t\trc = -EBADRQC;\n\t\t\tbreak;\n\t\t}\n\t}\n"
	    "\tipcsvc_channel_release(ch, msg);\n\treturn rc;\n}\n");
}
