// SPDX-License-Identifier: GPL-2.0
/*
 * ipcsvcctl: a small streaming JSON writer. Compact by default, one value
 * per line, so that `monitor -j` prints one object per line; indented
 * with -p. Strings are escaped as RFC 8259 requires; bytes that are not
 * valid UTF-8 cannot occur, since protocol names are checked by the
 * kernel.
 */
#include <string.h>

#include "ipcsvcctl.h"

#define JSON_DEPTH	16

static FILE *out;
static bool pretty;
static int depth;
static bool first[JSON_DEPTH];	/* nothing written yet at this level */

void json_init(FILE *f, bool p)
{
	out = f;
	pretty = p;
	depth = 0;
	first[0] = true;
}

static void indent(void)
{
	if (!pretty)
		return;
	fputc('\n', out);
	for (int i = 0; i < depth; i++)
		fputs("    ", out);
}

static void put_string(const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* The separator and key before a value at the current level. */
static void member(const char *key)
{
	if (depth > 0) {
		if (!first[depth])
			fputc(',', out);
		indent();
	}
	first[depth] = false;
	if (key) {
		put_string(key);
		fputs(pretty ? ": " : ":", out);
	}
}

static void open_level(const char *key, char c)
{
	member(key);
	fputc(c, out);
	if (depth < JSON_DEPTH - 1)
		depth++;
	first[depth] = true;
}

static void close_level(char c)
{
	bool empty = first[depth];

	if (depth > 0)
		depth--;
	if (!empty)
		indent();
	fputc(c, out);
}

void json_begin_object(const char *key)
{
	open_level(key, '{');
}

void json_end_object(void)
{
	close_level('}');
}

void json_begin_array(const char *key)
{
	open_level(key, '[');
}

void json_end_array(void)
{
	close_level(']');
}

void json_u64(const char *key, uint64_t v)
{
	member(key);
	fprintf(out, "%llu", (unsigned long long)v);
}

void json_str(const char *key, const char *v)
{
	member(key);
	put_string(v);
}

void json_bool(const char *key, bool v)
{
	member(key);
	fputs(v ? "true" : "false", out);
}

void json_null(const char *key)
{
	member(key);
	fputs("null", out);
}

void json_flush(void)
{
	fputc('\n', out);
	fflush(out);
	first[0] = true;
}
