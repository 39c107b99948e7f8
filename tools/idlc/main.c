// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ipcsvc-idlc: reads a protocol description (Documentation/idl.md),
 * checks it, reports the maximum size of every message and the size of
 * both buffer areas, and writes the C that speaks it.
 *
 * Exit status: 0 valid (warnings allowed), 1 errors in the file or the
 * file unreadable, 2 a bad command line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

#ifndef IPCSVC_LIB_RELEASE
#define IPCSVC_LIB_RELEASE "unknown"
#endif

/* Far above any protocol; keeps a mistaken argument from eating memory. */
#define MAX_INPUT	(64u << 20)

static const char usage_text[] =
	"usage: ipcsvc-idlc --check FILE\n"
	"       ipcsvc-idlc --sizes FILE\n"
	"       ipcsvc-idlc [-o DIR] [--header HFILE] [--source CFILE] FILE\n"
	"\n"
	"  --check          validate FILE; print only diagnostics\n"
	"  --sizes          validate FILE, then print every message's maximum\n"
	"                   size and both buffer areas' sizes, with the rule\n"
	"                   behind each\n"
	"  -o DIR           write the C header and source into DIR, named after\n"
	"                   the protocol: org.example.Counter gives counter.h\n"
	"                   and counter.c\n"
	"  --header HFILE   write the header to HFILE\n"
	"  --source CFILE   write the source to CFILE (it includes the header\n"
	"                   by its file name)\n"
	"  -h, --help       print this help\n"
	"  --version        print the version\n"
	"\n"
	"FILE '-' is standard input. Exit status: 0 valid, 1 errors, 2 bad usage.\n"
	"The language and the sizing rules: Documentation/idl.md, ipcsvc-idlc(1).\n";

static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("ipcsvc-idlc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'ipcsvc-idlc --help'.\n", stderr);
	return 2;
}

/* "DIR/NAME.EXT" */
static const char *path_join(struct arena *a, const char *dir,
			     const char *name, const char *ext)
{
	size_t n = strlen(dir) + strlen(name) + strlen(ext) + 2;
	char *s = arena_alloc(a, n);

	snprintf(s, n, "%s/%s%s", dir, name, ext);
	return s;
}

/* The whole input, NUL-terminated for safety; NULL with errno set. */
static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);

	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (got == 0)
			break;
		if (n == cap) {
			char *b;

			if (cap >= MAX_INPUT) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			cap *= 2;
			b = realloc(buf, cap + 1);
			if (!b)
				free(buf);
			buf = b;
		}
	}
	if (!buf)
		return NULL;
	if (ferror(f)) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	const char *mode = NULL, *file = NULL;
	const char *dir = NULL, *header = NULL, *source = NULL;
	struct protocol *p = NULL;
	struct sizes sizes;
	struct arena *a;
	struct diag d;
	bool opts = true;
	size_t len;
	char *src;
	FILE *f;
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (opts && (!strcmp(arg, "-h") || !strcmp(arg, "--help"))) {
			fputs(usage_text, stdout);
			return 0;
		} else if (opts && !strcmp(arg, "--version")) {
			printf("ipcsvc-idlc %s\n", IPCSVC_LIB_RELEASE);
			return 0;
		} else if (opts && (!strcmp(arg, "--check") ||
				    !strcmp(arg, "--sizes"))) {
			if (mode && strcmp(mode, arg))
				return usage_error("--check and --sizes exclude "
						   "each other");
			mode = arg;
		} else if (opts && (!strcmp(arg, "-o") ||
				    !strcmp(arg, "--header") ||
				    !strcmp(arg, "--source"))) {
			const char **to = arg[1] == 'o' ? &dir :
					  arg[2] == 'h' ? &header : &source;

			if (i + 1 == argc)
				return usage_error("%s needs an argument", arg);
			if (*to)
				return usage_error("%s given twice", arg);
			*to = argv[++i];
		} else if (opts && !strcmp(arg, "--")) {
			opts = false;
		} else if (opts && arg[0] == '-' && arg[1]) {
			return usage_error("unknown option '%s'", arg);
		} else if (file) {
			return usage_error("one FILE at a time; '%s' is a second",
					   arg);
		} else {
			file = arg;
		}
	}
	if (mode && (dir || header || source))
		return usage_error("%s writes no files: -o, --header and "
				   "--source go without it", mode);
	if (!mode && !dir && !header && !source)
		return usage_error("nothing to do: give --check, --sizes, or "
				   "-o DIR");
	if (!file)
		return usage_error("no input FILE");

	f = strcmp(file, "-") ? fopen(file, "rb") : stdin;
	src = f ? read_all(f, &len) : NULL;
	if (!src) {
		fprintf(stderr, "ipcsvc-idlc: error: %s: %s\n", file,
			strerror(errno));
		if (f && f != stdin)
			fclose(f);
		return 1;
	}
	if (f != stdin)
		fclose(f);

	a = arena_new();
	diag_init(&d, strcmp(file, "-") ? file : "<stdin>", src, len, stderr);
	rc = idlc_compile(&d, a, &p, &sizes);
	if (!rc && mode && !strcmp(mode, "--sizes"))
		print_sizes(stdout, p, &sizes);
	if (!rc && !mode) {
		const char *prefix = gen_prefix(a, p);

		/* -o names what --header and --source leave unnamed */
		if (dir && !header)
			header = path_join(a, dir, prefix, ".h");
		if (dir && !source)
			source = path_join(a, dir, prefix, ".c");
		rc = generate(&d, a, p, &sizes, file, header, source);
	}
	arena_free(a);
	free(src);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "ipcsvc-idlc: error: writing the output: %s\n",
			strerror(errno));
		return 1;
	}
	return rc ? 1 : 0;
}
