// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The phases in order, shared by the command and the fuzz target. A phase
 * runs only if everything before it was clean: checking a tree that had
 * syntax errors, or sizing one with unknown types, would only repeat
 * them in other words.
 */
#include "idlc.h"

int idlc_compile(struct diag *d, struct arena *a, struct protocol **pp,
		 struct sizes *s)
{
	struct protocol *p;
	struct token *toks;
	size_t n;

	toks = lex(d, a, &n);
	p = parse(d, a, toks, n);
	if (!p || d->errors)
		return -1;
	check(d, p);
	if (d->errors)
		return -1;
	size_protocol(d, a, p, s);
	if (d->errors)
		return -1;
	gen_names(d, a, p, s);
	if (d->errors)
		return -1;
	*pp = p;
	return 0;
}
