/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ipcsvc-idlc's phases: lex (lex.h), parse, check, size, print. Each
 * reports to one struct diag and later phases run only on a file the
 * earlier ones accepted, so an error is never the echo of another.
 */
#ifndef IDLC_H
#define IDLC_H

#include <stdio.h>

#include "ast.h"
#include "diag.h"
#include "lex.h"

/* Bytes of the library's framing that every maximum includes
 * (Documentation/library.md, section 2; size.c checks them against
 * <ipcsvc/channel.h>). */
#define IDL_MSG_HEADER		40	/* struct ipcsvc_msg_header */
#define IDL_OBJ_HEADER		16	/* struct ipcsvc_obj_header */
/* struct ipcsvc_call_header: correlation id, deadline, status */
#define IDL_CALL_HEADER		24
/* A ring keeps room for two wrap markers: a message of L bytes always
 * fits an empty ring of 2 L + 16 bytes (max_message() in lib/channel.c). */
#define IDL_RING_RESERVE	16
#define IDL_PAGE		4096
#define IDL_AREA_LIMIT		(1ULL << 31)	/* IPCSVC_AREA_MAX_SIZE_LIMIT */
/* The largest message an area of IDL_AREA_LIMIT bytes can carry. */
#define IDL_MESSAGE_LIMIT	((IDL_AREA_LIMIT - IDL_RING_RESERVE) / 2)
/* Ordinals are 1..2^32-1; larger MessageIds belong to the library. */
#define IDL_ORDINAL_MAX		0xffffffffULL
/* Nesting of expressions and types in the source. */
#define IDL_MAX_DEPTH		64
/* Chains of constants defined by constants, of structs holding structs. */
#define IDL_MAX_CHAIN		1024

/* parse.c: the tree, or NULL if the file has syntax errors (reported). */
struct protocol *parse(struct diag *d, struct arena *a,
		       struct token *toks, size_t ntoks);

/* check.c: names, constants, types, calls and events. */
void check(struct diag *d, struct protocol *p);

enum msg_kind { MSG_REQUEST, MSG_REPLY, MSG_EVENT };

/*
 * One message's maximum size: what the library reserves for its largest
 * payload, ipcsvc_msg_space(payload, objects).
 */
struct msg {
	const struct decl *d;
	enum msg_kind kind;
	enum dir dir;
	struct field *args;		/* its objects, one per argument */
	uint64_t call_header;		/* IDL_CALL_HEADER, or 0 for events */
	uint64_t payload;		/* call header + each argument's most */
	uint64_t objects;		/* call header (calls) + arguments */
	uint64_t bytes;			/* ipcsvc_msg_space(payload, objects) */
};

/* One use of an area: count messages of at most bytes each. */
enum use_kind { USE_SYNC, USE_ASYNC, USE_EVENT };

struct use {
	enum use_kind kind;
	const struct msg *m;	/* USE_SYNC: the biggest of its messages */
	uint64_t count, bytes;
};

struct area {
	enum dir dir;
	struct use *uses;
	size_t nuses;
	const struct msg *biggest;	/* NULL: nothing travels this way */
	uint64_t content;	/* sum of count x bytes */
	uint64_t margin;	/* content / 10, rounded up */
	uint64_t wrap;		/* biggest message + IDL_RING_RESERVE */
	uint64_t needed;	/* content + margin + wrap */
	uint64_t derived;	/* needed rounded up to pages (one at least) */
	const struct decl *override;	/* "area ... = N;", or NULL */
	uint64_t size;		/* what the service declares */
};

struct sizes {
	struct msg *msgs;	/* in declaration order */
	size_t nmsgs;
	struct area area[2];	/* by enum dir */
};

/* size.c: type shapes, messages, areas; errors for what does not fit. */
void size_protocol(struct diag *d, struct arena *a, struct protocol *p,
		   struct sizes *s);

/*
 * gen.c: the C names the generated code would give everything; errors
 * for two things that would get one (so that every protocol the compiler
 * accepts can be generated).
 */
int gen_names(struct diag *d, struct arena *a, const struct protocol *p,
	      const struct sizes *s);

/* table.c: the --sizes report. */
void print_sizes(FILE *out, const struct protocol *p, const struct sizes *s);

/*
 * driver.c: every phase on @d's source. 0 if the file is valid, with *pp
 * and *s filled; -1 after errors.
 */
int idlc_compile(struct diag *d, struct arena *a, struct protocol **pp,
		 struct sizes *s);

/* Saturating arithmetic: every size above the area limit is "too large",
 * so sums and products stop at a bound far above it instead of
 * wrapping. */
#define IDL_SAT	(1ULL << 62)

static inline uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a >= IDL_SAT || b >= IDL_SAT || a + b >= IDL_SAT ? IDL_SAT : a + b;
}

static inline uint64_t sat_mul(uint64_t a, uint64_t b)
{
	if (a == 0 || b == 0)
		return 0;
	return a >= IDL_SAT / b ? IDL_SAT : a * b;
}

static inline uint64_t round_up(uint64_t v, uint64_t to)
{
	return v >= IDL_SAT ? IDL_SAT : (v + to - 1) / to * to;
}

#endif
