// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The C generator: the source around its body. The body (gen_source.c)
 * is written into memory first, noting which helpers and validators it
 * calls; the file then gets those, and the body after them, so that
 * nothing unused is defined: the generated code compiles with -Werror.
 */
#include <stdlib.h>
#include <string.h>

#include "gen.h"

/* ---- validators --------------------------------------------------------- */

static void emit_validators(struct gen *g)
{
	const char *p = g->prefix;
	const struct decl *d;
	bool again = true;

	for (d = g->p->decls; d; d = d->next) {
		const char *n = snake(g, d->name);

		if (d->kind == D_ENUM) {
			out(g, "\nbool %s_%s_valid(%s_%s v)\n{\n\tswitch (v) {\n",
			    p, n, p, n);
			for (const struct member *m = d->members; m; m = m->next)
				out(g, "\tcase %s_%s_%s:\n", g->upper,
				    upper(g, d->name), upper(g, m->name));
			out(g, "\t\treturn true;\n\tdefault:\n\t\treturn false;"
			    "\n\t}\n}\n");
		} else if (d->kind == D_STRUCT) {
			const char *sep = "\treturn ";
			bool any = false;

			out(g, "\nbool %s_%s_valid(const struct %s_%s *v)\n{\n",
			    p, n, p, n);
			for (const struct field *f = d->fields; f; f = f->next) {
				if (!needs_check(f->type))
					continue;
				out(g, "%s%s", sep, check_expr(g, f->type,
				    gfmt(g, "v->%s", f->name)));
				sep = " &&\n\t       ";
				any = true;
			}
			out(g, any ? ";\n}\n" : "\t(void)v;\n\treturn true;\n}\n");
		}
	}
	/* a validator may call others: until every one used is written */
	while (again) {
		again = false;
		for (struct shape *s = g->shapes; s; s = s->next) {
			const struct type *t = s->t;

			if (!s->checked || s->validated)
				continue;
			s->validated = again = true;
			if (t->kind == T_ARRAY) {
				out(g, "\nstatic bool %s_%s_valid(const %s)\n{\n"
				    "\tsize_t k;\n\n\tfor (k = 0; k < %lluU; k++)\n"
				    "\t\tif (!%s)\n\t\t\treturn false;\n\treturn "
				    "true;\n}\n", p, s->key, decl(g, t, "v"),
				    (unsigned long long)t->n,
				    check_expr(g, t->elem, "v[k]"));
				continue;
			}
			out(g, "\n");
			emit_line(g, 0, gfmt(g, "static bool %s_%s_valid(const "
					     "struct %s_%s *v)", p, s->key, p,
					     s->key));
			out(g, "{\n");
			if (t->kind == T_STRING)
				out(g, "\treturn v->length <= %lluU &&\n\t       "
				    "%s_utf8_valid(v->data, v->length);\n}\n",
				    (unsigned long long)t->n, p);
			else if (t->kind == T_BYTES)
				out(g, "\treturn v->length <= %lluU;\n}\n",
				    (unsigned long long)t->n);
			else if (!needs_check(t->elem))
				out(g, "\treturn v->count <= %lluU;\n}\n",
				    (unsigned long long)t->n);
			else
				out(g, "\tuint32_t k;\n\n\tif (v->count > %lluU)\n"
				    "\t\treturn false;\n\tfor (k = 0; k < v->count;"
				    " k++)\n\t\tif (!%s)\n\t\t\treturn false;\n"
				    "\treturn true;\n}\n", (unsigned long long)t->n,
				    check_expr(g, t->elem, "v->data[k]"));
		}
	}
}

/* ---- helpers ------------------------------------------------------------ */

/*
 * The helpers, each written where it is used. "@" stands for the
 * protocol's prefix. The signature goes through emit_line(), to wrap as
 * the rest of the generated code does.
 */
static const struct helper {
	unsigned int mask;	/* H_*; 0: see emit_helpers() */
	const char *comment, *signature, *body;
} helpers[] = {
	{ 0,
	  "UTF-8 without NUL (RFC 3629): no overlong form, no surrogate,\n"
	  "nothing above U+10FFFF.",
	  "static bool @_utf8_valid(const void *data, size_t len)",
	  "\tconst uint8_t *s = (const uint8_t *)data;\n"
	  "\tsize_t i = 0;\n"
	  "\n"
	  "\twhile (i < len) {\n"
	  "\t\tuint32_t c = s[i], min;\n"
	  "\t\tsize_t n, k;\n"
	  "\n"
	  "\t\tif (c == 0)\n"
	  "\t\t\treturn false;\n"
	  "\t\tif (c < 0x80) {\n"
	  "\t\t\ti++;\n"
	  "\t\t\tcontinue;\n"
	  "\t\t}\n"
	  "\t\tif ((c & 0xe0) == 0xc0) {\n"
	  "\t\t\tn = 1, c &= 0x1f, min = 0x80;\n"
	  "\t\t} else if ((c & 0xf0) == 0xe0) {\n"
	  "\t\t\tn = 2, c &= 0x0f, min = 0x800;\n"
	  "\t\t} else if ((c & 0xf8) == 0xf0) {\n"
	  "\t\t\tn = 3, c &= 0x07, min = 0x10000;\n"
	  "\t\t} else {\n"
	  "\t\t\treturn false;\n"
	  "\t\t}\n"
	  "\t\tif (len - i <= n)\n"
	  "\t\t\treturn false;\n"
	  "\t\tfor (k = 1; k <= n; k++) {\n"
	  "\t\t\tif ((s[i + k] & 0xc0) != 0x80)\n"
	  "\t\t\t\treturn false;\n"
	  "\t\t\tc = c << 6 | (s[i + k] & 0x3f);\n"
	  "\t\t}\n"
	  "\t\tif (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))\n"
	  "\t\t\treturn false;\n"
	  "\t\ti += n + 1;\n"
	  "\t}\n"
	  "\treturn true;\n" },
	{ 0,
	  "A bool holds 0 or 1: look at its byte as a byte, before it is\n"
	  "read as a bool.",
	  "static bool @_bool_valid(const bool *v)",
	  "\tuint8_t b;\n"
	  "\n"
	  "\tmemcpy(&b, v, 1);\n"
	  "\treturn b <= 1;\n" },
	{ H_LENGTH,
	  "The length of the string @s, or more than @max if it is longer.",
	  "static size_t @_string_length(const char *s, size_t max)",
	  "\tsize_t n = 0;\n"
	  "\n"
	  "\twhile (n <= max && s[n])\n"
	  "\t\tn++;\n"
	  "\treturn n;\n" },
	{ H_OBJECTS,
	  "The objects of the received message @m: with @call, its call\n"
	  "header first (the library read it), then exactly @n arguments,\n"
	  "ObjectIds 1 to @n, into @objs. 0, -EPROTO, or the library's status.",
	  "static int @_read_objects(const struct ipcsvc_msg *m, bool call, "
	  "struct ipcsvc_object *objs, size_t n)",
	  "\tstruct ipcsvc_msg_info info;\n"
	  "\tstruct ipcsvc_object o;\n"
	  "\tsize_t i;\n"
	  "\tint rc = ipcsvc_msg_info(m, &info);\n"
	  "\n"
	  "\tif (rc)\n"
	  "\t\treturn rc;\n"
	  "\tif (info.object_count != n + (call ? 1 : 0))\n"
	  "\t\treturn -EPROTO;\n"
	  "\tmemset(&o, 0, sizeof(o));\n"
	  "\tif (call) {\n"
	  "\t\trc = ipcsvc_msg_next_object(m, &o);\n"
	  "\t\tif (rc != 1)\n"
	  "\t\t\treturn rc < 0 ? rc : -EPROTO;\n"
	  "\t}\n"
	  "\tfor (i = 0; i < n; i++) {\n"
	  "\t\trc = ipcsvc_msg_next_object(m, &o);\n"
	  "\t\tif (rc < 0)\n"
	  "\t\t\treturn rc;\n"
	  "\t\tif (rc == 0 || o.id != i + 1)\n"
	  "\t\t\treturn -EPROTO;\n"
	  "\t\tobjs[i] = o;\n"
	  "\t}\n"
	  "\treturn 0;\n" },
	{ H_GET | H_GET_BOOL,
	  "A fixed-size argument: exactly @size bytes, copied once out of the\n"
	  "message.",
	  "static bool @_take(const struct ipcsvc_object *o, void *v, "
	  "size_t size)",
	  "\tif (o->length != size)\n"
	  "\t\treturn false;\n"
	  "\tmemcpy(v, o->data, size);\n"
	  "\treturn true;\n" },
	{ H_GET_BOOL,
	  NULL,
	  "static bool @_take_bool(const struct ipcsvc_object *o, bool *v)",
	  "\tuint8_t b;\n"
	  "\n"
	  "\tif (!@_take(o, &b, 1) || b > 1)\n"
	  "\t\treturn false;\n"
	  "\t*v = b != 0;\n"
	  "\treturn true;\n" },
	{ H_GET_STRING,
	  "A string result, into @s (room for @max + 1), NUL-terminated,\n"
	  "checked in the copy.",
	  "static bool @_take_string(const struct ipcsvc_object *o, char *s, "
	  "size_t max)",
	  "\tsize_t len = o->length;\n"
	  "\n"
	  "\tif (len > max)\n"
	  "\t\treturn false;\n"
	  "\tmemcpy(s, o->data, len);\n"
	  "\ts[len] = '\\0';\n"
	  "\treturn @_utf8_valid(s, len);\n" },
	{ H_GET_BYTES,
	  NULL,
	  "static bool @_take_bytes(const struct ipcsvc_object *o, uint8_t *b, "
	  "size_t max, size_t *len)",
	  "\tif (o->length > max)\n"
	  "\t\treturn false;\n"
	  "\tmemcpy(b, o->data, o->length);\n"
	  "\t*len = o->length;\n"
	  "\treturn true;\n" },
	{ H_GET_VECTOR,
	  NULL,
	  "static bool @_take_vector(const struct ipcsvc_object *o, void *v, "
	  "size_t size, size_t max, size_t *count)",
	  "\tif (o->length % size || o->length / size > max)\n"
	  "\t\treturn false;\n"
	  "\tmemcpy(v, o->data, o->length);\n"
	  "\t*count = o->length / size;\n"
	  "\treturn true;\n" },
	{ H_COPY,
	  "An argument whose values are constrained, copied out of the message\n"
	  "before it is checked: NULL when out of memory.",
	  "static void *@_copy_arg(const struct ipcsvc_object *o)",
	  "\tvoid *v = malloc(o->length ? o->length : 1);\n"
	  "\n"
	  "\tif (v)\n"
	  "\t\tmemcpy(v, o->data, o->length);\n"
	  "\treturn v;\n" },
	{ H_REFUSE | H_ANSWER,
	  "Answer @req with @status, if it has a call header to answer:\n"
	  "@status, or the error of answering.",
	  "static int @_refuse_call(struct ipcsvc_channel *ch, "
	  "const struct ipcsvc_msg *req, int status, "
	  "ipcsvc_timeout_t timeout)",
	  "\tint rc = ipcsvc_call_fail(ch, req, status, timeout);\n"
	  "\n"
	  "\treturn rc && rc != -EPROTO ? rc : status;\n" },
	{ H_ANSWER,
	  "Answer @req with its handler's @status: 0, or -EIO (answered so)\n"
	  "if @status is no errno value, or the error of answering.",
	  "static int @_answer_call(struct ipcsvc_channel *ch, "
	  "const struct ipcsvc_msg *req, int status, "
	  "ipcsvc_timeout_t timeout)",
	  "\tif (status > 0 || status < IPCSVC_CALL_STATUS_MIN)\n"
	  "\t\treturn @_refuse_call(ch, req, -EIO, timeout);\n"
	  "\treturn ipcsvc_call_fail(ch, req, status, timeout);\n" },
};

/* @text with every "@" replaced by the prefix. */
static const char *prefixed(struct gen *g, const char *text)
{
	const char *s = "";

	for (const char *at; (at = strchr(text, '@')); text = at + 1)
		s = gfmt(g, "%s%.*s%s", s, (int)(at - text), text, g->prefix);
	return gfmt(g, "%s%s", s, text);
}

static void emit_helpers(struct gen *g)
{
	for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++) {
		const struct helper *h = &helpers[i];
		bool used = h->mask ? (g->helpers & h->mask) != 0 :
			    i == 0 ? g->uses_utf8 : g->uses_bool;

		if (!used)
			continue;
		out(g, "\n");
		if (h->comment) {
			/* "@" here is the kernel-doc "@name", not a prefix */
			if (!strchr(h->comment, '\n') &&
			    strlen(h->comment) <= 74)
				out(g, "/* %s */\n", h->comment);
			else
				emit_doc(g, 0, h->comment);
		}
		emit_line(g, 0, prefixed(g, h->signature));
		out(g, "{\n%s}\n", prefixed(g, h->body));
	}
}

/* What the generated C assumes of the compiler: the sizer's layouts. */
static void emit_asserts(struct gen *g)
{
	const char *p = g->prefix;

	out(g, "\n/*\n * The wire is little-endian, and these are the layouts "
	    "ipcsvc-idlc\n * computed.\n */\n#if defined(__BYTE_ORDER__) && "
	    "__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__\n#error \"the "
	    "protocol's integers are little-endian\"\n#endif\n");
	out(g, "static_assert(sizeof(bool) == 1, \"a bool is one byte\");\n");
	for (const struct decl *d = g->p->decls; d; d = d->next)
		if (d->kind == D_STRUCT)
			emit_line(g, 0, gfmt(g, "static_assert(sizeof(struct "
					     "%s_%s) == %lluU, \"struct %s: "
					     "%llu bytes\");", p,
					     snake(g, d->name),
					     (unsigned long long)d->size,
					     d->name,
					     (unsigned long long)d->size));
	/* every inline string, buffer and vector has its struct */
	for (struct shape *s = g->shapes; s; s = s->next)
		if (s->t->kind == T_STRING || s->t->kind == T_BYTES ||
		    s->t->kind == T_VECTOR)
			emit_line(g, 0, gfmt(g, "static_assert(sizeof(struct "
					     "%s_%s) == %lluU, \"%s: %llu "
					     "bytes\");", p, s->key,
					     (unsigned long long)s->t->size,
					     s->key, (unsigned long long)
					     s->t->size));
}

/* Runs @emit into memory: its text, NUL-terminated. */
static char *capture(struct gen *g, void (*emit)(struct gen *g))
{
	FILE *saved = g->out;
	char *text = NULL;
	size_t len = 0;

	g->out = open_memstream(&text, &len);
	if (!g->out) {
		fputs("ipcsvc-idlc: out of memory\n", stderr);
		abort();
	}
	emit(g);
	if (fclose(g->out) || !text) {
		fputs("ipcsvc-idlc: out of memory\n", stderr);
		abort();
	}
	g->out = saved;
	return text;
}

void emit_source(struct gen *g)
{
	char *body = capture(g, emit_body);
	char *valid = capture(g, emit_validators);

	out(g, "/* Generated by ipcsvc-idlc from %s: do not edit. */\n",
	    g->input);
	out(g, "#include <assert.h>\n#include <errno.h>\n#include <stdlib.h>\n"
	    "#include <string.h>\n\n#include \"%s\"\n", g->header);
	emit_asserts(g);
	emit_helpers(g);
	/* the shapes' validators call each other in any order */
	for (struct shape *s = g->shapes; s; s = s->next)
		if (s->checked) {
			out(g, "\n");
			break;
		}
	for (struct shape *s = g->shapes; s; s = s->next) {
		if (!s->checked)
			continue;
		if (s->t->kind == T_ARRAY)
			emit_line(g, 0, gfmt(g, "static bool %s_%s_valid(const "
					     "%s);", g->prefix, s->key,
					     decl(g, s->t, "v")));
		else
			emit_line(g, 0, gfmt(g, "static bool %s_%s_valid(const "
					     "struct %s_%s *v);", g->prefix,
					     s->key, g->prefix, s->key));
	}
	fputs(valid, g->out);
	fputs(body, g->out);
	free(valid);
	free(body);
}
