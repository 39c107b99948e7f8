// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Printing diagnostics with their source line and a caret, gcc's way: a
 * gutter with the line number, the line with tabs expanded, then a caret
 * under the first character and '~' under the rest of the range.
 */
#include <stdarg.h>
#include <string.h>

#include "diag.h"

void diag_init(struct diag *d, const char *file, const char *src,
	       size_t len, FILE *out)
{
	memset(d, 0, sizeof(*d));
	d->file = file;
	d->src = src;
	d->len = len;
	d->out = out;
}

/* The display width of the byte at @p, given the column before it. */
static unsigned int advance(unsigned char c, unsigned int col)
{
	if (c == '\t')
		return (col / 8 + 1) * 8;
	if ((c & 0xc0) == 0x80)	/* UTF-8 continuation: no width of its own */
		return col;
	return col + 1;
}

static void show_line(struct diag *d, struct loc loc)
{
	size_t start = loc.off > d->len ? d->len : loc.off, end, i;
	unsigned int col = 0, from = 0, to = 0;
	char gutter[24];
	int w;

	while (start > 0 && d->src[start - 1] != '\n')
		start--;
	end = start;
	while (end < d->len && d->src[end] != '\n')
		end++;
	/* gcc's gutter: at least five columns wide */
	w = snprintf(gutter, sizeof(gutter), "%u", loc.line);
	w = w < 4 ? 4 : w;
	fprintf(d->out, " %*u | ", w, loc.line);
	for (i = start; i < end; i++) {
		unsigned char c = (unsigned char)d->src[i];
		unsigned int next = advance(c, col);

		if (i == loc.off)
			from = col;
		if (i < loc.off + (loc.len ? loc.len : 1))
			to = next;
		if (c == '\t' || c == '\r')
			fprintf(d->out, "%*s", (int)(next - col), "");
		else if (c < 0x20 || c == 0x7f)
			fputc(' ', d->out);	/* keep control bytes off the terminal */
		else
			fputc(c, d->out);
		col = next;
	}
	if (loc.off >= end) {	/* at the end of the line or of the input */
		from = col;
		to = col + 1;
	}
	if (to <= from)
		to = from + 1;
	fprintf(d->out, "\n %*s | %*s^", w, "", (int)from, "");
	for (col = from + 1; col < to; col++)
		fputc('~', d->out);
	fputc('\n', d->out);
}

static void emit(struct diag *d, const char *kind, struct loc loc,
		 const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static void emit(struct diag *d, const char *kind, struct loc loc,
		 const char *fmt, va_list ap)
{
	if (!d->out)
		return;
	fprintf(d->out, "%s:%u:%u: %s: ", d->file, loc.line, loc.col, kind);
	vfprintf(d->out, fmt, ap);
	fputc('\n', d->out);
	show_line(d, loc);
}

void diag_error(struct diag *d, struct loc loc, const char *fmt, ...)
{
	va_list ap;

	d->errors++;
	if (!d->stopped && d->errors > DIAG_MAX_ERRORS) {
		d->stopped = 1;
		if (d->out)
			fprintf(d->out, "%s: too many errors, stopping\n",
				d->file);
	}
	d->muted = d->stopped;
	if (d->stopped)
		return;
	va_start(ap, fmt);
	emit(d, "error", loc, fmt, ap);
	va_end(ap);
}

void diag_warning(struct diag *d, struct loc loc, const char *fmt, ...)
{
	va_list ap;

	d->warnings++;
	d->muted = d->stopped;
	if (d->stopped)
		return;
	va_start(ap, fmt);
	emit(d, "warning", loc, fmt, ap);
	va_end(ap);
}

void diag_note(struct diag *d, struct loc loc, const char *fmt, ...)
{
	va_list ap;

	if (d->muted)
		return;
	va_start(ap, fmt);
	emit(d, "note", loc, fmt, ap);
	va_end(ap);
}
