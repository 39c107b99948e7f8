// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The --sizes report: every type's inline size, every message's maximum
 * with its terms, and each area's size with the rule behind each number,
 * so that a reader can check the arithmetic line by line. Rows are built
 * first and printed after, to align columns to the longest name.
 */
#include <stdarg.h>
#include <string.h>

#include "idlc.h"

struct row {
	const char *label, *count, *rule;
	uint64_t value;
	bool has_value;
};

struct table {
	struct arena *a;
	struct row *rows;
	size_t n, cap;
};

static char *fmt(struct arena *a, const char *f, ...)
	__attribute__((format(printf, 2, 3)));

static char *fmt(struct arena *a, const char *f, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, f);
	n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	s = arena_alloc(a, (size_t)n + 1);
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

static void row(struct table *t, const char *label, const char *count,
		bool has_value, uint64_t value, const char *rule)
{
	struct row *r;

	if (t->n == t->cap) {
		struct row *v;

		t->cap = t->cap ? 2 * t->cap : 16;
		v = arena_alloc(t->a, t->cap * sizeof(*v));
		if (t->n)
			memcpy(v, t->rows, t->n * sizeof(*v));
		t->rows = v;
	}
	r = &t->rows[t->n++];
	r->label = label;
	r->count = count ? count : "";
	r->has_value = has_value;
	r->value = value;
	r->rule = rule ? rule : "";
}

/* Prints and empties @t: label, count, value right-aligned, rule. */
static void flush(FILE *out, struct table *t)
{
	int lw = 0, cw = 0;
	size_t i;

	for (i = 0; i < t->n; i++) {
		int l = (int)strlen(t->rows[i].label);
		int c = (int)strlen(t->rows[i].count);

		lw = l > lw ? l : lw;
		cw = c > cw ? c : cw;
	}
	for (i = 0; i < t->n; i++) {
		const struct row *r = &t->rows[i];

		if (!r->has_value) {
			fprintf(out, "  %s\n", r->label);
			continue;
		}
		fprintf(out, "  %-*s  %*s  %10llu", lw, r->label, cw, r->count,
			(unsigned long long)r->value);
		if (*r->rule)
			fprintf(out, "  %s", r->rule);
		fputc('\n', out);
	}
	t->n = 0;
}

/* A type as written, with its bounds evaluated. */
static const char *type_str(struct arena *a, const struct type *t)
{
	switch (t->kind) {
	case T_STRING:
	case T_BYTES:
		return fmt(a, "%s<%llu>", type_kind_name(t->kind),
			   (unsigned long long)t->n);
	case T_VECTOR:
	case T_ARRAY:
		return fmt(a, "%s<%s, %llu>", type_kind_name(t->kind),
			   type_str(a, t->elem), (unsigned long long)t->n);
	case T_NAMED:
		return t->name;
	default:
		return type_kind_name(t->kind);
	}
}

static const char *const kind_name[] = {
	[MSG_REQUEST] = "request", [MSG_REPLY] = "reply",
	[MSG_EVENT] = "event",
};

static const char *const dir_name[] = {
	[DIR_TO_SERVER] = "to_server", [DIR_TO_CLIENT] = "to_client",
};

static void types(FILE *out, struct table *t, const struct protocol *p)
{
	const struct decl *d;

	for (d = p->decls; d; d = d->next)
		if (d->kind == D_STRUCT || d->kind == D_ENUM)
			row(t, fmt(t->a, "%s %s", d->kind == D_STRUCT ?
				   "struct" : "enum", d->name), NULL, true,
			    d->size, d->kind == D_ENUM ?
			    fmt(t->a, "align %llu, %s",
				(unsigned long long)d->align,
				type_kind_name(d->underlying->kind)) :
			    fmt(t->a, "align %llu",
				(unsigned long long)d->align));
	if (!t->n)
		return;
	fprintf(out, "\ntypes (bytes inside a struct, array or vector)\n");
	flush(out, t);
}

static void messages(FILE *out, struct table *t, const struct sizes *s)
{
	size_t i;

	fprintf(out, "\nmessages: most bytes = what the library reserves, "
		"ipcsvc_msg_space(payload, objects)\n"
		"  = %d header + %d x objects + 8 x (objects + (payload - "
		"objects) / 8)\n"
		"  payload: %d call header (calls only) + each argument's most "
		"data; one object each\n", IDL_MSG_HEADER, IDL_OBJ_HEADER,
		IDL_CALL_HEADER);
	for (i = 0; i < s->nmsgs; i++) {
		const struct msg *m = &s->msgs[i];
		const struct field *f;
		char *terms = NULL;

		if (m->call_header)
			terms = fmt(t->a, "%llu call header",
				    (unsigned long long)m->call_header);
		for (f = m->args; f; f = f->next) {
			char *arg = fmt(t->a, "%llu %s (%s)",
					(unsigned long long)f->type->arg_max,
					f->name, type_str(t->a, f->type));

			terms = terms ? fmt(t->a, "%s + %s", terms, arg) : arg;
		}
		if (!m->objects)
			terms = fmt(t->a, "space(0, 0) = %d: no objects",
				    IDL_MSG_HEADER);
		else
			terms = fmt(t->a, "space(%llu, %llu) = %d + %llu + 8 x "
				    "(%llu + %llu / 8); payload %s",
				    (unsigned long long)m->payload,
				    (unsigned long long)m->objects,
				    IDL_MSG_HEADER,
				    (unsigned long long)(IDL_OBJ_HEADER *
							 m->objects),
				    (unsigned long long)m->objects,
				    (unsigned long long)(m->payload -
							 m->objects), terms);
		row(t, fmt(t->a, "%s %s", m->d->name, kind_name[m->kind]),
		    fmt(t->a, "@%llu %s", (unsigned long long)m->d->ordinal,
			dir_name[m->dir]), true, m->bytes, terms);
	}
	if (!s->nmsgs)
		row(t, "none: the protocol has no calls or events", NULL,
		    false, 0, NULL);
	flush(out, t);
}

static void area(FILE *out, struct table *t, const struct area *ar)
{
	const struct decl *o = ar->override;
	size_t i;

	fprintf(out, "\narea %s (%s)\n", dir_name[ar->dir],
		ar->dir == DIR_TO_SERVER ? "client to server" :
					   "server to client");
	for (i = 0; i < ar->nuses; i++) {
		const struct use *u = &ar->uses[i];
		const char *count = fmt(t->a, "%llu x %llu",
					(unsigned long long)u->count,
					(unsigned long long)u->bytes);

		if (u->kind == USE_SYNC)
			row(t, "sync calls", count, true, u->count * u->bytes,
			    fmt(t->a, "one call in flight: the biggest %s (%s)",
				kind_name[u->m->kind], u->m->d->name));
		else
			row(t, fmt(t->a, "%s %s", u->kind == USE_EVENT ?
				   "event" : "async", u->m->d->name), count,
			    true, u->count * u->bytes,
			    fmt(t->a, "depth %llu", (unsigned long long)u->count));
	}
	if (ar->biggest) {
		row(t, "content", NULL, true, ar->content, "sum of the above");
		row(t, "margin", NULL, true, ar->margin,
		    "10% of content, rounded up");
		row(t, "wrap room", NULL, true, ar->wrap,
		    fmt(t->a, "biggest message (%s %s, %llu) + %d",
			ar->biggest->d->name, kind_name[ar->biggest->kind],
			(unsigned long long)ar->biggest->bytes,
			IDL_RING_RESERVE));
		row(t, "needed", NULL, true, ar->needed,
		    "content + margin + wrap room");
		row(t, o ? "derived" : "size", NULL, true, ar->derived,
		    fmt(t->a, "needed, rounded up to %d", IDL_PAGE));
	} else {
		row(t, "nothing travels this way", NULL, false, 0, NULL);
		row(t, o ? "derived" : "size", NULL, true, ar->derived,
		    "one page, the smallest area");
	}
	if (o)
		row(t, "size", NULL, true, ar->size,
		    fmt(t->a, "set by 'area %s = %lld;' (line %u)%s", o->name,
			(long long)o->cval, o->kw_loc.line,
			(uint64_t)o->cval == ar->size ? "" :
			fmt(t->a, ", rounded up to %d", IDL_PAGE)));
	flush(out, t);
}

void print_sizes(FILE *out, const struct protocol *p, const struct sizes *s)
{
	struct table t = { .a = arena_new() };

	fprintf(out, "protocol %s version %lld\n", p->name,
		(long long)p->version_v);
	types(out, &t, p);
	messages(out, &t, s);
	area(out, &t, &s->area[DIR_TO_SERVER]);
	area(out, &t, &s->area[DIR_TO_CLIENT]);
	fprintf(out, "\nservice maxima: max_to_server %llu, max_to_client "
		"%llu\n", (unsigned long long)s->area[DIR_TO_SERVER].size,
		(unsigned long long)s->area[DIR_TO_CLIENT].size);
	arena_free(t.a);
}
