/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The syntax tree of one protocol file, as the parser builds it and the
 * checker and sizer annotate it. Every node lives in one arena that is
 * freed at once, so no phase frees anything and an error part-way through
 * leaks nothing.
 */
#ifndef IDLC_AST_H
#define IDLC_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A place in the source: 1-based line and byte column, the byte offset of
 * the first character and the length to underline. */
struct loc {
	unsigned int line;
	unsigned int col;
	size_t off;
	size_t len;
};

struct arena;
struct arena *arena_new(void);
void arena_free(struct arena *a);
/* Zeroed, 8-byte aligned; aborts when memory runs out. */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* Constant expressions: bounds, depths, enum values, the version, areas. */
enum expr_kind { E_INT, E_NAME, E_NEG, E_ADD, E_SUB, E_MUL, E_DIV };

struct expr {
	enum expr_kind kind;
	struct loc loc;
	int64_t value;		/* E_INT: the literal */
	const char *name;	/* E_NAME */
	struct expr *lhs, *rhs;	/* E_NEG uses lhs only */
};

enum type_kind {
	T_BOOL, T_INT8, T_INT16, T_INT32, T_INT64,
	T_UINT8, T_UINT16, T_UINT32, T_UINT64, T_FLOAT32, T_FLOAT64,
	T_STRING, T_BYTES, T_VECTOR, T_ARRAY,
	T_NAMED,		/* a struct or an enum, by name */
};

struct decl;

struct type {
	enum type_kind kind;
	struct loc loc;
	struct type *elem;	/* T_VECTOR, T_ARRAY */
	struct expr *bound;	/* T_STRING, T_BYTES, T_VECTOR, T_ARRAY */
	const char *name;	/* T_NAMED */
	/* set by the checker */
	uint64_t n;		/* the bound's value */
	struct decl *ref;	/* T_NAMED: the struct or enum */
	/* set by the sizer: the inline form (inside a struct, an array or a
	 * vector) and the most data the type takes as a whole argument */
	uint64_t size, align, arg_max;
};

/* A struct field, a parameter or a result. */
struct field {
	const char *name;
	struct loc loc;
	const char *doc;
	struct type *type;
	uint64_t offset;	/* sizer: offset in its struct */
	struct field *next;
};

struct member {
	const char *name;
	struct loc loc;
	const char *doc;
	struct expr *value;
	int64_t v;		/* checker */
	bool valid;		/* checker: v is known */
	struct member *next;
};

enum decl_kind { D_CONST, D_ENUM, D_STRUCT, D_CALL, D_EVENT, D_AREA };

/* Directions of a channel, as the module names its two maxima. */
enum dir { DIR_TO_SERVER, DIR_TO_CLIENT };

/* Cycle detection for constants and struct sizes. */
enum mark { M_NONE, M_BUSY, M_DONE };

struct decl {
	enum decl_kind kind;
	const char *name;	/* D_AREA: "to_server" or "to_client" */
	struct loc loc;		/* of the name */
	struct loc kw_loc;	/* of the first keyword */
	const char *doc;

	struct expr *value;	/* D_CONST, D_AREA */
	int64_t cval;		/* checker: the value of D_CONST and D_AREA */
	enum mark mark;
	bool invalid;		/* D_CONST: an error was reported in it */

	struct type *underlying; /* D_ENUM */
	struct member *members;	 /* D_ENUM */
	struct field *fields;	 /* D_STRUCT */
	uint64_t size, align;	 /* sizer: D_STRUCT, D_ENUM */

	/* D_CALL and D_EVENT */
	uint64_t ordinal;
	struct loc ordinal_loc;
	bool sync_kw;		/* "sync" written */
	struct loc sync_loc;
	bool has_results;	/* "->" written */
	struct field *params, *results;
	struct expr *depth;	/* NULL when not written */
	uint64_t depth_v;	/* checker */
	bool is_sync;		/* checker: results, or "sync" */

	enum dir dir;		/* D_AREA */

	struct decl *next;
};

struct protocol {
	const char *name;	/* dotted, as registered with the module */
	struct loc loc;
	struct loc kw_loc;
	const char *doc;
	struct expr *version;
	int64_t version_v;	/* checker */
	struct decl *decls;	/* in source order */
};

const char *type_kind_name(enum type_kind k);
bool type_is_integer(enum type_kind k);

#endif
