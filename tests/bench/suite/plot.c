// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Charts of a suite run: round-trip latency against message size and
 * stream throughput against message size, one chart per placement, every
 * case one line. The data (.dat) and the gnuplot script (bench.gp) are
 * always written; PNG and SVG only when gnuplot is installed.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define MAX_COLS	32
#define MAX_SIZES	32

static const char *const place_file[PLACE_COUNT] = {
	[PLACE_CROSS] = "cross", [PLACE_SAME] = "same", [PLACE_ANY] = "unpinned",
};

static int mkdir_p(const char *dir)
{
	char path[512];

	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(path, 0755) && errno != EEXIST ? -errno : 0;
}

/* A column: one case over one transport. */
struct col {
	const struct bench_case *c;
	int module;
};

static int same_col(const struct col *k, const struct figure *f)
{
	return k->c == f->c && k->module == f->module;
}

/* The value a chart shows: ns per round trip, or GiB/s. */
static double shown(const struct figure *f)
{
	if (f->err[0] || !isfinite(f->median) || f->median <= 0)
		return NAN;
	if (f->c->section == SEC_RT)
		return f->median;
	return 1e9 / f->median * (double)f->size / (double)(1ULL << 30);
}

/*
 * Write @dir/@name.dat for one section and placement: a header of quoted
 * column titles, then a row per size. 0 when there is nothing to chart.
 */
static int write_dat(const struct suite *s, const char *dir, const char *name,
		     enum section sec, enum placement place, int *ncols,
		     char *xtics, size_t xlen)
{
	struct col col[MAX_COLS];
	uint64_t size[MAX_SIZES];
	unsigned int nc = 0, ns = 0;
	size_t used = 0;
	char path[600];
	FILE *o;

	for (unsigned int i = 0; i < s->nfig; i++) {
		const struct figure *f = &s->fig[i];
		unsigned int k;

		if (f->c->section != sec || f->place != place ||
		    (f->c->flags & CASE_FIXED))
			continue;
		for (k = 0; k < nc && !same_col(&col[k], f); k++)
			;
		if (k == nc && nc < MAX_COLS)
			col[nc++] = (struct col){ f->c, f->module };
		if (f->c->flags & CASE_SIZELESS)
			continue;
		for (k = 0; k < ns && size[k] != f->size; k++)
			;
		if (k == ns && ns < MAX_SIZES)
			size[ns++] = f->size;
	}
	*ncols = (int)nc;
	if (!nc || !ns)
		return 0;
	/* a tic at each size measured, named as the table names it */
	used = (size_t)snprintf(xtics, xlen, "set xtics (");
	for (unsigned int z = 0; z < ns && used < xlen; z++) {
		uint64_t v = size[z];
		const char *unit = v >= (1 << 20) && !(v % (1 << 20)) ? "MiB" :
				   v >= 1024 && !(v % 1024) ? "KiB" : "B";

		v >>= unit[0] == 'M' ? 20 : unit[0] == 'K' ? 10 : 0;
		used += (size_t)snprintf(xtics + used, xlen - used,
					 "%s\"%llu %s\" %llu", z ? ", " : "",
					 (unsigned long long)v, unit,
					 (unsigned long long)size[z]);
	}
	if (used < xlen)
		snprintf(xtics + used, xlen - used, ")");
	snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
	o = fopen(path, "w");
	if (!o)
		return -errno;
	fprintf(o, "size");
	for (unsigned int k = 0; k < nc; k++)
		fprintf(o, " \"%s%s\"", col[k].c->label,
			!(col[k].c->flags & CASE_IPCSVC) ? "" :
			col[k].module ? " [module]" : " [memfd]");
	fputc('\n', o);
	for (unsigned int z = 0; z < ns; z++) {
		fprintf(o, "%llu", (unsigned long long)size[z]);
		for (unsigned int k = 0; k < nc; k++) {
			double v = NAN;

			for (unsigned int i = 0; i < s->nfig; i++) {
				const struct figure *f = &s->fig[i];

				if (f->c->section == sec && f->place == place &&
				    same_col(&col[k], f) &&
				    ((f->c->flags & CASE_SIZELESS) ||
				     f->size == size[z]))
					v = shown(f);
			}
			if (isfinite(v))
				fprintf(o, " %.6g", v);
			else
				fprintf(o, " ?");
		}
		fputc('\n', o);
	}
	return fclose(o) ? -errno : 1;
}

static void gp_chart(FILE *gp, const char *name, const char *title,
		     const char *ylabel, int ncols, const char *xtics)
{
	fprintf(gp, "\nset title \"%s\"\nset ylabel \"%s\"\n%s\n", title,
		ylabel, xtics);
	fprintf(gp, "call \"chart.gp\" \"%s\" %d\n", name, ncols + 1);
}

/* The commands every chart shares, and one chart as PNG and SVG. */
static int write_chart_gp(const char *dir)
{
	char path[600];
	FILE *o;

	snprintf(path, sizeof(path), "%s/chart.gp", dir);
	o = fopen(path, "w");
	if (!o)
		return -errno;
	fprintf(o,
		"# call \"chart.gp\" NAME COLUMNS: NAME.dat as NAME.png and NAME.svg\n"
		"if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
		"\tset terminal pngcairo size 1100,650 noenhanced\n"
		"} else {\n"
		"\tset terminal png size 1100,650 noenhanced\n"
		"}\n"
		"set output ARG1.\".png\"\n"
		"plot for [i=2:ARG2] ARG1.\".dat\" using 1:i with linespoints title columnheader(i)\n"
		"set terminal svg size 1100,650 noenhanced\n"
		"set output ARG1.\".svg\"\n"
		"replot\n"
		"unset output\n");
	return fclose(o) ? -errno : 0;
}

static int gnuplot_found(void)
{
	const char *path = getenv("PATH");
	char buf[512];

	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/gnuplot", (int)n, path);
		if (n && !access(buf, X_OK))
			return 1;
		path += n + (path[n] == ':');
	}
	return 0;
}

static int run_gnuplot(const char *dir)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		if (chdir(dir))
			_exit(127);
		execlp("gnuplot", "gnuplot", "bench.gp", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EPROTO;
}

/* The charts of each placement: one per section. */
static const struct {
	const char *file, *title, *unit;
	enum section section;
} kinds[] = {
	{ "rt", "round trip", "ns per round trip", SEC_RT },
	{ "stream", "one-way stream", "GiB/s of payload", SEC_STREAM },
};

int report_plots(const struct suite *s, const char *dir)
{
	char path[600], name[64], title[128], xtics[512];
	int rc = mkdir_p(dir), ncols, charts = 0;
	FILE *gp;

	if (rc)
		return rc;
	rc = write_chart_gp(dir);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s/bench.gp", dir);
	gp = fopen(path, "w");
	if (!gp)
		return -errno;
	fprintf(gp, "# ipcsvc-bench charts: gnuplot bench.gp, in this directory\n"
		"set datafile missing \"?\"\nset key outside right top\n"
		"set logscale x 2\nset logscale y\nset grid\n"
		"set xlabel \"message size\"\n");
	for (int p = 0; p < PLACE_COUNT && rc >= 0; p++) {
		for (size_t c = 0; c < sizeof(kinds) / sizeof(kinds[0]); c++) {
			snprintf(name, sizeof(name), "%s-%s", kinds[c].file,
				 place_file[p]);
			rc = write_dat(s, dir, name, kinds[c].section,
				       (enum placement)p, &ncols, xtics,
				       sizeof(xtics));
			if (rc < 0)
				break;
			if (rc == 0)
				continue;
			snprintf(title, sizeof(title),
				 "%s, %s (median of rounds)", kinds[c].title,
				 place_name((enum placement)p));
			gp_chart(gp, name, title, kinds[c].unit, ncols, xtics);
			charts++;
		}
	}
	if (fclose(gp) && rc >= 0)
		rc = -errno;
	if (rc < 0)
		return rc;
	if (!charts) {
		printf("plots: nothing to chart\n");
		return 0;
	}
	if (!gnuplot_found()) {
		printf("plots: gnuplot is not installed: wrote the data and %s/bench.gp, no charts\n",
		       dir);
		return 0;
	}
	rc = run_gnuplot(dir);
	if (!rc)
		printf("plots: %d charts (PNG and SVG) in %s\n", charts, dir);
	return rc;
}
