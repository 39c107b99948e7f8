/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The C generator (Documentation/idl.md, section 8): gen.c names things
 * and renders C types, gen_header.c writes the header, gen_support.c the
 * source around the body that gen_source.c (sending) and gen_serve.c
 * (receiving) write. All walk a protocol the checker and sizer accepted.
 */
#ifndef IDLC_GEN_H
#define IDLC_GEN_H

#include <stdbool.h>
#include <stdio.h>

#include "idlc.h"

/*
 * A type the generated code names by a key of its shape ("string_64",
 * "vector_point_4", "array_bool_3"): an inline string, byte buffer or
 * vector is a C struct of that name; any of them, and an array, may need
 * a validator.
 */
struct shape {
	const char *key;
	const struct type *t;
	bool claimed;		/* its names are recorded */
	bool defined;		/* header: its struct was written */
	bool checked;		/* source: its validator is used */
	bool validated;		/* source: its validator was written */
	struct shape *next;
};

/* The static helpers of the source, written only where used. */
enum {
	H_OBJECTS = 1 << 0,	/* a message's objects, counted and numbered */
	H_GET = 1 << 1,		/* a fixed-size argument, copied */
	H_GET_BOOL = 1 << 2,
	H_GET_STRING = 1 << 3,	/* results, copied into the caller's buffer */
	H_GET_BYTES = 1 << 4,
	H_GET_VECTOR = 1 << 5,
	H_LENGTH = 1 << 6,	/* a string to send: its length, bounded */
	H_COPY = 1 << 7,	/* an argument that must be checked in a copy */
	H_REFUSE = 1 << 8,	/* answer a request with an error */
	H_ANSWER = 1 << 9,	/* answer with a handler's status */
};

/* A generated identifier, to find two things that would share one. */
struct gname {
	const char *name;
	const char *what;	/* "the ordinal of call 'add'" */
	struct loc loc;
	struct gname *next;
};

struct gen {
	struct diag *d;
	struct arena *a;
	const struct protocol *p;
	const struct sizes *s;
	const char *prefix;	/* "counter": functions and types */
	const char *upper;	/* "COUNTER": macros */
	const char *header;	/* the header's file name, as included */
	const char *input;	/* the protocol file, for the banner */
	struct shape *shapes;
	struct gname *names;
	bool uses_utf8;		/* a string is checked somewhere */
	bool uses_bool;		/* a bool inside a struct or array */
	unsigned int helpers;	/* H_* */
	bool has_calls, has_events;
	FILE *out;
};

/* printf into the file being written. */
void out(struct gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *gfmt(struct gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Names: "Point" -> "point", "HTTPServer" -> "http_server"; upper case. */
char *snake(struct gen *g, const char *name);
char *upper(struct gen *g, const char *name);

/* The message of a call or event, as the sizer made them. */
const struct msg *msg_of(const struct gen *g, const struct decl *d,
			 enum msg_kind k);

bool is_scalar(const struct type *t);	/* integers, floats, bool, enum */
/* Some byte patterns of @t are not values: it must be validated. */
bool needs_check(const struct type *t);
/* The shape of an inline string, byte buffer, vector or array. */
struct shape *shape_of(struct gen *g, const struct type *t);

/*
 * C declarations. ctype(t) is the type's name and suffix(t) its array
 * bounds, so that a declaration is "ctype name suffix"; decl() writes
 * one, ptr_decl() a pointer to one of @t (to an element, for a vector or
 * an array argument: "const int8_t (*name)[3]").
 */
const char *ctype(struct gen *g, const struct type *t);
const char *suffix(struct gen *g, const struct type *t);
const char *decl(struct gen *g, const struct type *t, const char *name);
const char *ptr_decl(struct gen *g, const struct type *t, const char *cv,
		     const char *name);

/*
 * The expression that is true when the object @x (an lvalue of type @t)
 * holds a value; marks the validators it calls as used.
 */
const char *check_expr(struct gen *g, const struct type *t, const char *x);

/* The parameters of a call's stub, of a handler or an emitter: one
 * argument's, after a comma. */
enum arg_role { ARG_SEND, ARG_RECEIVE, ARG_RESULT };
const char *arg_params(struct gen *g, const struct field *f, enum arg_role r);

/* A doc comment, indented by @tabs, and @extra as its last paragraph
 * (either may be NULL). */
void emit_doc(struct gen *g, int tabs, const char *doc);
void emit_doc2(struct gen *g, int tabs, const char *doc, const char *extra);

/* One statement or declaration, wrapped after commas at 80 columns. */
void emit_line(struct gen *g, int tabs, const char *text);

/* The lines of a doc comment, " * text", without its start and end. */
void doc_lines(struct gen *g, int tabs, const char *doc);

/* gen_header.c: the header. */
void emit_header(struct gen *g);

/* gen_source.c: the body of the source (stubs, emitters, and the
 * receiving side below), and what both sides share. */
void emit_body(struct gen *g);
size_t count_fields(const struct field *f);
/* A vector argument whose elements need checks: a loop over "k". */
bool any_needs_loop(const struct field *f);
/* A vector, array or struct argument received as a checked copy. */
bool copied(const struct type *t);
/* The data of one argument's object: "pointer, length". */
const char *object_data(struct gen *g, const struct field *a);
/* "payload = a + b;" for the objects of @a. */
void emit_payload(struct gen *g, const struct field *a);
/* ipcsvc_msg_add_object() of each of @a into @msg. */
void add_objects(struct gen *g, const char *msg, const struct field *a);

/* gen_serve.c: the server's serve functions and dispatch, the client's
 * event handling and dispatch. */
void emit_serve(struct gen *g, const struct decl *d);
void emit_dispatch(struct gen *g);
void emit_handle(struct gen *g, const struct decl *d);
void emit_receive_event(struct gen *g);

/* gen_support.c: the source, the body's helpers and validators first. */
void emit_source(struct gen *g);

/*
 * Writes the header to @header and the source to @source, either may be
 * NULL (the source then includes the header as <prefix>.h): 0, or -1
 * after reporting what went wrong.
 */
int generate(struct diag *d, struct arena *a, const struct protocol *p,
	     const struct sizes *s, const char *input, const char *header,
	     const char *source);

/* The same into open streams (the fuzz target's). */
int generate_to(struct diag *d, struct arena *a, const struct protocol *p,
		const struct sizes *s, const char *input, FILE *header,
		FILE *source);

/* What -o DIR names the files: DIR/<prefix>.h and DIR/<prefix>.c. */
const char *gen_prefix(struct arena *a, const struct protocol *p);

#endif
