/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Diagnostics as gcc prints them:
 *
 *   file:line:col: error: message
 *      12 |     p: Pointt;
 *         |        ^~~~~~
 *
 * Columns count display columns (a tab advances to the next multiple of
 * 8), as gcc's do, and the source line is shown with tabs expanded.
 */
#ifndef IDLC_DIAG_H
#define IDLC_DIAG_H

#include <stdio.h>

#include "ast.h"

/* Errors shown before the compiler gives up. */
#define DIAG_MAX_ERRORS	50

struct diag {
	const char *file;
	const char *src;
	size_t len;
	FILE *out;		/* NULL: count, print nothing */
	unsigned int errors, warnings;
	int stopped;		/* DIAG_MAX_ERRORS reached: phases stop */
	int muted;		/* the last error was not shown: nor its notes */
};

void diag_init(struct diag *d, const char *file, const char *src,
	       size_t len, FILE *out);

void diag_error(struct diag *d, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_warning(struct diag *d, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A note belongs to the error or warning before it. */
void diag_note(struct diag *d, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
