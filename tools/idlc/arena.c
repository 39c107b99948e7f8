// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One arena per compilation: the tree, its strings and the sizer's tables
 * are allocated here and released together, so that no error path has to
 * free a half-built structure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

#define CHUNK	(64 * 1024)

struct chunk {
	struct chunk *next;
	size_t used, cap;
	_Alignas(8) unsigned char data[];
};

struct arena {
	struct chunk *head;
};

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		fputs("ipcsvc-idlc: out of memory\n", stderr);
		abort();
	}
	return p;
}

struct arena *arena_new(void)
{
	struct arena *a = xmalloc(sizeof(*a));

	a->head = NULL;
	return a;
}

void arena_free(struct arena *a)
{
	struct chunk *c, *next;

	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct chunk *c = a->head;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > CHUNK ? n : CHUNK;

		c = xmalloc(sizeof(*c) + cap);
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

const char *type_kind_name(enum type_kind k)
{
	static const char *const names[] = {
		[T_BOOL] = "bool", [T_INT8] = "int8", [T_INT16] = "int16",
		[T_INT32] = "int32", [T_INT64] = "int64", [T_UINT8] = "uint8",
		[T_UINT16] = "uint16", [T_UINT32] = "uint32",
		[T_UINT64] = "uint64", [T_FLOAT32] = "float32",
		[T_FLOAT64] = "float64", [T_STRING] = "string",
		[T_BYTES] = "bytes", [T_VECTOR] = "vector", [T_ARRAY] = "array",
		[T_NAMED] = "named type",
	};

	return names[k];
}

bool type_is_integer(enum type_kind k)
{
	return k >= T_INT8 && k <= T_UINT64;
}
