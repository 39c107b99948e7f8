// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The C generator: the body of the source, in order the client's stubs,
 * its event dispatch, the server's dispatch and its event emitters; here
 * the sending side, gen_serve.c the receiving side.
 *
 * What the generated code trusts (Documentation/idl.md, section 8.4):
 * a received message lies in memory its peer can still write. Lengths
 * and counts are read once, by the library, before anything is sized by
 * them. Scalars are copied out once and checked in the copy. A string, a
 * byte buffer, and a vector, array or struct whose every byte pattern is
 * a value, are handed over in place, zero copy; one whose values are
 * constrained (bools, enums, inline lengths) is copied first and checked
 * in the copy, so that no rewrite after the check can take a handler out
 * of bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "gen.h"

size_t count_fields(const struct field *f)
{
	size_t n = 0;

	for (; f; f = f->next)
		n++;
	return n;
}

bool any_needs_loop(const struct field *f)
{
	for (; f; f = f->next)
		if (f->type->kind == T_VECTOR && needs_check(f->type->elem))
			return true;
	return false;
}

/*
 * A vector, array or struct argument whose bytes need checks: copied. (A
 * vector's count is its object's length, which the library read once:
 * only its elements may need checks.)
 */
bool copied(const struct type *t)
{
	if (t->kind == T_VECTOR || t->kind == T_ARRAY)
		return needs_check(t->elem);
	return !is_scalar(t) && t->kind != T_STRING && t->kind != T_BYTES &&
	       needs_check(t);
}

/* ---- sending: client stubs and emitters -------------------------------- */

/* Checks of the caller's arguments, before anything is allocated. */
static void send_checks(struct gen *g, const struct field *a)
{
	for (; a; a = a->next) {
		const struct type *t = a->type;
		const char *n = a->name;

		switch (t->kind) {
		case T_STRING:
			g->helpers |= H_LENGTH;
			g->uses_utf8 = true;
			out(g, "\tif (!%s)\n\t\treturn -EINVAL;\n", n);
			out(g, "\t%s_len = %s_string_length(%s, %lluU);\n", n, g->prefix,
			    n, (unsigned long long)t->n);
			out(g, "\tif (%s_len > %lluU || !%s_utf8_valid(%s, "
			    "%s_len))\n\t\treturn -EINVAL;\n", n,
			    (unsigned long long)t->n, g->prefix, n, n);
			break;
		case T_BYTES:
			out(g, "\tif ((!%s && %s_len) || %s_len > %lluU)\n"
			    "\t\treturn -EINVAL;\n", n, n, n,
			    (unsigned long long)t->n);
			break;
		case T_VECTOR:
			out(g, "\tif ((!%s && %s_count) || %s_count > %lluU)\n"
			    "\t\treturn -EINVAL;\n", n, n, n,
			    (unsigned long long)t->n);
			if (needs_check(t->elem))
				out(g, "\tfor (k = 0; k < %s_count; k++)\n\t\tif "
				    "(!%s)\n\t\t\treturn -EINVAL;\n", n,
				    check_expr(g, t->elem, gfmt(g, "%s[k]", n)));
			break;
		case T_ARRAY:
			out(g, "\tif (!%s%s%s)\n\t\treturn -EINVAL;\n", n,
			    needs_check(t) ? " || !" : "",
			    needs_check(t) ? check_expr(g, t, n) : "");
			break;
		default:
			if (!is_scalar(t))	/* a struct */
				out(g, "\tif (!%s%s%s)\n\t\treturn -EINVAL;\n", n,
				    needs_check(t) ? " || !" : "",
				    needs_check(t) ? check_expr(g, t,
						gfmt(g, "*%s", n)) : "");
			else if (t->kind == T_NAMED)	/* an enum */
				out(g, "\tif (!%s)\n\t\treturn -EINVAL;\n",
				    check_expr(g, t, n));
			break;
		}
	}
}

/* The data of one object: "pointer, length". Scalars are locals (or
 * by-value parameters); the rest are pointers. */
const char *object_data(struct gen *g, const struct field *a)
{
	const struct type *t = a->type;
	const char *n = a->name;

	switch (t->kind) {
	case T_STRING:
	case T_BYTES:
		return gfmt(g, "%s, %s_len", n, n);
	case T_VECTOR:
		return gfmt(g, "%s, %s_count * sizeof(*%s)", n, n, n);
	case T_ARRAY:
		return gfmt(g, "%s, %lluU * sizeof(*%s)", n,
			    (unsigned long long)t->n, n);
	default:
		if (!is_scalar(t))	/* a struct */
			return gfmt(g, "%s, sizeof(*%s)", n, n);
		return gfmt(g, "&%s, sizeof(%s)", n, n);
	}
}

/* "payload = a + b;" for the objects of @a, if there are any: on one
 * line if it fits, else a term a line. */
void emit_payload(struct gen *g, const struct field *a)
{
	const char *line = NULL, *lines = NULL;

	for (; a; a = a->next) {
		const char *term = strstr(object_data(g, a), ", ") + 2;

		line = line ? gfmt(g, "%s + %s", line, term) : term;
		lines = lines ? gfmt(g, "%s +\n\t\t  %s", lines, term) : term;
	}
	if (line)
		out(g, "\tpayload = %s;\n", strlen(line) + 19 <= 80 ? line :
		    lines);
}

void add_objects(struct gen *g, const char *msg, const struct field *a)
{
	unsigned int i = 1;

	if (a)
		out(g, "\t/* room for every object was reserved: adding "
		    "cannot fail */\n");
	for (; a; a = a->next, i++)
		emit_line(g, 1, gfmt(g, "ipcsvc_msg_add_object(%s, %u, %s);",
				     msg, i, object_data(g, a)));
}

/* Locals of the sending side: the lengths of the strings it measures. */
static void send_locals(struct gen *g, const struct field *a)
{
	for (; a; a = a->next)
		if (a->type->kind == T_STRING)
			out(g, "\tsize_t %s_len;\n", a->name);
}

/* Copy the results of the reply out of objs[], checking each copy. */
static void get_results(struct gen *g, const struct field *r)
{
	const char *p = g->prefix;
	unsigned int i = 0;

	for (; r; r = r->next, i++) {
		const struct type *t = r->type;
		const char *n = r->name, *cond;

		switch (t->kind) {
		case T_STRING:
			g->helpers |= H_GET_STRING;
			g->uses_utf8 = true;
			cond = gfmt(g, "%s_take_string(&objs[%u], %s, %lluU)", p,
				    i, n, (unsigned long long)t->n);
			break;
		case T_BYTES:
			g->helpers |= H_GET_BYTES;
			cond = gfmt(g, "%s_take_bytes(&objs[%u], %s, %lluU, "
				    "%s_len)", p, i, n,
				    (unsigned long long)t->n, n);
			break;
		case T_VECTOR:
			g->helpers |= H_GET_VECTOR;
			cond = gfmt(g, "%s_take_vector(&objs[%u], %s, sizeof(*%s), "
				    "%lluU, %s_count)", p, i, n, n,
				    (unsigned long long)t->n, n);
			break;
		case T_ARRAY:
			g->helpers |= H_GET;
			cond = gfmt(g, "%s_take(&objs[%u], %s, %lluU * sizeof(*%s))",
				    p, i, n, (unsigned long long)t->n, n);
			if (needs_check(t))
				cond = gfmt(g, "%s &&\n\t      %s", cond,
					    check_expr(g, t, n));
			break;
		case T_BOOL:
			g->helpers |= H_GET_BOOL;
			cond = gfmt(g, "%s_take_bool(&objs[%u], %s)", p, i, n);
			break;
		default:
			g->helpers |= H_GET;
			cond = gfmt(g, "%s_take(&objs[%u], %s, sizeof(*%s))", p, i,
				    n, n);
			if (needs_check(t))
				cond = gfmt(g, "%s &&\n\t      %s", cond,
					    check_expr(g, t, gfmt(g, "*%s", n)));
			break;
		}
		emit_line(g, 1, gfmt(g, strstr(cond, "&&") ?
				     "if (!rc && !(%s))" : "if (!rc && !%s)",
				     cond));
		out(g, "\t\trc = -EPROTO;\n");
		if (t->kind == T_VECTOR && needs_check(t->elem))
			out(g, "\tfor (k = 0; !rc && k < *%s_count; k++)\n"
			    "\t\tif (!%s)\n\t\t\trc = -EPROTO;\n", n,
			    check_expr(g, t->elem, gfmt(g, "%s[k]", n)));
	}
}

static const char *stub_params(struct gen *g, const struct decl *d,
			       const char *first, enum arg_role rp,
			       const struct field *results)
{
	const char *s = first;

	for (const struct field *f = d->params; f; f = f->next)
		s = gfmt(g, "%s, %s", s, arg_params(g, f, rp));
	for (const struct field *f = results; f; f = f->next)
		s = gfmt(g, "%s, %s", s, arg_params(g, f, ARG_RESULT));
	return gfmt(g, "%s, ipcsvc_timeout_t timeout)", s);
}

static void emit_stub(struct gen *g, const struct decl *d)
{
	const char *n = snake(g, d->name), *N = upper(g, d->name);
	size_t nres = count_fields(d->results);

	out(g, "\n");
	emit_line(g, 0, gfmt(g, "int %s_%s%s", g->prefix, n,
			     stub_params(g, d, "(struct ipcsvc_channel *ch",
					 ARG_SEND, d->results)));
	out(g, "{\n");
	if (nres)
		out(g, "\tstruct ipcsvc_object objs[%zu];\n", nres);
	out(g, "\tstruct ipcsvc_msg *req%s;\n", d->is_sync ? ", *rep" : "");
	if (d->params)
		out(g, "\tuint64_t payload;\n");
	send_locals(g, d->params);
	if (any_needs_loop(d->params) || any_needs_loop(d->results))
		out(g, "\tsize_t k;\n");
	out(g, "\tint rc;\n\n");
	send_checks(g, d->params);
	emit_payload(g, d->params);
	out(g, "\t/* one deadline for the whole call, which the server sees */"
	    "\n\ttimeout = ipcsvc_timeout_deadline(timeout);\n");
	emit_line(g, 1, gfmt(g, "rc = ipcsvc_call_allocate(ch, %s_%s_ORDINAL, "
			     "%s, %zu, &req, timeout);", g->upper, N,
			     d->params ? "payload" : "0", count_fields(d->params)));
	out(g, "\tif (rc)\n\t\treturn rc;\n");
	add_objects(g, "req", d->params);
	if (!d->is_sync) {
		out(g, "\treturn ipcsvc_channel_send(ch, req);\n}\n");
		return;
	}
	out(g, "\trc = ipcsvc_channel_call(ch, req, &rep, timeout);\n"
	    "\tif (rc)\n\t\treturn rc;\n");
	g->helpers |= H_OBJECTS;
	out(g, "\trc = %s_read_objects(rep, true, %s, %zu);\n", g->prefix,
	    nres ? "objs" : "NULL", nres);
	get_results(g, d->results);
	out(g, "\tipcsvc_channel_release(ch, rep);\n\treturn rc;\n}\n");
}

static void emit_emitter(struct gen *g, const struct decl *d)
{
	const char *n = snake(g, d->name), *N = upper(g, d->name);

	out(g, "\n");
	emit_line(g, 0, gfmt(g, "int %s_emit_%s%s", g->prefix, n,
			     stub_params(g, d, "(struct ipcsvc_channel *ch",
					 ARG_SEND, NULL)));
	out(g, "{\n");
	out(g, "\tstruct ipcsvc_msg *msg;\n");
	if (d->params)
		out(g, "\tuint64_t payload;\n");
	send_locals(g, d->params);
	if (any_needs_loop(d->params))
		out(g, "\tsize_t k;\n");
	out(g, "\tint rc;\n\n");
	send_checks(g, d->params);
	emit_payload(g, d->params);
	emit_line(g, 1, gfmt(g, "rc = ipcsvc_channel_allocate_for_send_timeout("
			     "ch, %s, %s_%s_ORDINAL, %zu, 0, &msg, timeout);",
			     d->params ? "payload" : "0", g->upper, N,
			     count_fields(d->params)));
	out(g, "\tif (rc)\n\t\treturn rc;\n");
	add_objects(g, "msg", d->params);
	out(g, "\treturn ipcsvc_channel_send(ch, msg);\n}\n");
}

void emit_body(struct gen *g)
{
	const char *p = g->prefix;
	const struct decl *d;

	out(g, "\n/* ---- client ---- */\n\n");
	emit_line(g, 0, gfmt(g, "int %s_connect(struct ipcsvc_port *port, "
			     "const struct ipcsvc_channel_attr *attr, struct "
			     "ipcsvc_conn **connp)", p));
	out(g, "{\n");
	emit_line(g, 1, gfmt(g, "return ipcsvc_client_connect(port, "
			     "%s_PROTOCOL_NAME, %s_PROTOCOL_VERSION, "
			     "%s_MAX_TO_SERVER, %s_MAX_TO_CLIENT, attr, connp);",
			     g->upper, g->upper, g->upper, g->upper));
	out(g, "}\n");
	for (d = g->p->decls; d; d = d->next)
		if (d->kind == D_CALL)
			emit_stub(g, d);
	if (g->has_events) {
		for (d = g->p->decls; d; d = d->next)
			if (d->kind == D_EVENT)
				emit_handle(g, d);
		emit_receive_event(g);
	}
	out(g, "\n/* ---- server ---- */\n\n");
	emit_line(g, 0, gfmt(g, "int %s_service_create(struct ipcsvc_port "
			     "*port, uint32_t mode, struct ipcsvc_service "
			     "**svcp)", p));
	out(g, "{\n\tstruct ipcsvc_service_attr attr;\n\n\tmemset(&attr, 0, "
	    "sizeof(attr));\n\tattr.max_to_server = %s_MAX_TO_SERVER;\n"
	    "\tattr.max_to_client = %s_MAX_TO_CLIENT;\n", g->upper, g->upper);
	emit_line(g, 1, gfmt(g, "return ipcsvc_service_create_attr(port, "
			     "%s_PROTOCOL_NAME, %s_PROTOCOL_VERSION, mode, "
			     "&attr, svcp);", g->upper, g->upper));
	out(g, "}\n");
	if (g->has_calls) {
		for (d = g->p->decls; d; d = d->next)
			if (d->kind == D_CALL)
				emit_serve(g, d);
		emit_dispatch(g);
	}
	for (d = g->p->decls; d; d = d->next)
		if (d->kind == D_EVENT)
			emit_emitter(g, d);
}

