// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What a suite run reports: each figure's statistics over its rounds, the
 * table on stdout and every raw figure as JSON.
 */
#include <math.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "bench.h"

const char *place_name(enum placement p)
{
	static const char *const name[PLACE_COUNT] = {
		[PLACE_CROSS] = "cross-core",
		[PLACE_SAME] = "same-core",
		[PLACE_ANY] = "unpinned",
	};

	return name[p];
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void figure_stats(struct figure *f)
{
	double sorted[64];
	unsigned int n = f->rounds < 64 ? f->rounds : 64;

	f->median = f->min = f->max = NAN;
	if (!n)
		return;
	memcpy(sorted, f->sample, n * sizeof(double));
	qsort(sorted, n, sizeof(double), cmp_double);
	f->min = sorted[0];
	f->max = sorted[n - 1];
	f->median = n & 1 ? sorted[n / 2] :
		    (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

static const char *transport_of(const struct figure *f)
{
	if (!(f->c->flags & CASE_IPCSVC))
		return "-";
	return f->module ? "module" : "memfd";
}

static void fmt_ns(char *buf, size_t len, double ns)
{
	if (!isfinite(ns))
		snprintf(buf, len, "-");
	else if (ns < 1e3)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.2f us", ns / 1e3);
	else
		snprintf(buf, len, "%.2f ms", ns / 1e6);
}

static void fmt_size(char *buf, size_t len, uint64_t size)
{
	if (size >= (1 << 20) && !(size % (1 << 20)))
		snprintf(buf, len, "%llu MiB", (unsigned long long)(size >> 20));
	else if (size >= 1024 && !(size % 1024))
		snprintf(buf, len, "%llu KiB", (unsigned long long)(size >> 10));
	else
		snprintf(buf, len, "%llu B", (unsigned long long)size);
}

static double msgs_per_s(double ns)
{
	return ns > 0 ? 1e9 / ns : NAN;
}

static double gib_per_s(const struct figure *f, double ns)
{
	return msgs_per_s(ns) * (double)f->size / (double)(1ULL << 30);
}

/*
 * The ratio of @f to figure @i: for round trips the time over the
 * reference's (the floor: 4.0 is four times slower); for streams the
 * throughput over the reference's (0.5 is half as fast).
 */
static double ratio(const struct suite *s, const struct figure *f, int i)
{
	const struct figure *g;

	if (i < 0)
		return NAN;
	g = &s->fig[i];
	if (!isfinite(f->median) || !isfinite(g->median) || g->median <= 0 ||
	    f->median <= 0)
		return NAN;
	return f->c->section == SEC_RT ? f->median / g->median :
					 g->median / f->median;
}

static void fmt_ratio(char *buf, size_t len, double r)
{
	if (!isfinite(r))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, r < 10 ? "%.2fx" : "%.0fx", r);
}

static void fmt_rate(char *buf, size_t len, double per_s)
{
	if (!isfinite(per_s))
		snprintf(buf, len, "-");
	else if (per_s >= 1e6)
		snprintf(buf, len, "%.2f M", per_s / 1e6);
	else if (per_s >= 1e3)
		snprintf(buf, len, "%.1f k", per_s / 1e3);
	else
		snprintf(buf, len, "%.0f", per_s);
}

static void cpu_words(const struct suite *s, enum placement p, char *buf,
		      size_t len)
{
	if (p == PLACE_CROSS)
		snprintf(buf, len, " (CPU%d/CPU%d)", s->cpu_a, s->cpu_b);
	else if (p == PLACE_SAME)
		snprintf(buf, len, " (CPU%d)", s->cpu_a);
	else
		buf[0] = '\0';
}

/* Print @line without its trailing blanks, and the floor's movement. */
static void emit(FILE *out, char *line, const struct figure *f)
{
	size_t n = strlen(line);

	while (n && line[n - 1] == ' ')
		line[--n] = '\0';
	fputs(line, out);
	if (f->moved)
		fprintf(out, "  floor moved %u/%u", f->moved, f->rounds);
	fputc('\n', out);
}

static void rt_line(const struct suite *s, const struct figure *f, FILE *out)
{
	char med[24], lo[24], hi[24], range[56], rf[16], pr[16], pv[24];
	char peer[48] = "", line[256];

	if (f->err[0]) {
		fprintf(out, "  %-30s %-7s failed: %s\n", f->c->label,
			transport_of(f), f->err);
		return;
	}
	fmt_ns(med, sizeof(med), f->median);
	if (f->moved)
		strcat(med, "*");
	fmt_ns(lo, sizeof(lo), f->min);
	fmt_ns(hi, sizeof(hi), f->max);
	snprintf(range, sizeof(range), "%s..%s", lo, hi);
	fmt_ratio(rf, sizeof(rf), ratio(s, f, f->ref));
	if (f->peer >= 0) {
		fmt_ns(pv, sizeof(pv), s->fig[f->peer].median);
		snprintf(peer, sizeof(peer), "%s %s", s->fig[f->peer].c->id, pv);
	}
	fmt_ratio(pr, sizeof(pr), ratio(s, f, f->peer));
	snprintf(line, sizeof(line), "  %-30s %-7s %10s  %-21s %7s  %-26s %7s",
		 f->c->label, transport_of(f), med, range,
		 f->ref >= 0 ? rf : "", peer, f->peer >= 0 ? pr : "");
	emit(out, line, f);
}

static void stream_line(const struct suite *s, const struct figure *f,
			FILE *out)
{
	char sz[24], rate[24], lo[24], hi[24], range[56], gib[24], rr[16],
	     pr[16], line[256];

	fmt_size(sz, sizeof(sz), f->size);
	if (f->err[0]) {
		fprintf(out, "  %-8s %-30s %-7s failed: %s\n", sz, f->c->label,
			transport_of(f), f->err);
		return;
	}
	fmt_rate(rate, sizeof(rate), msgs_per_s(f->median));
	if (f->moved)
		strcat(rate, "*");
	/* the fastest round is the one with the fewest ns per message */
	fmt_rate(lo, sizeof(lo), msgs_per_s(f->max));
	fmt_rate(hi, sizeof(hi), msgs_per_s(f->min));
	snprintf(range, sizeof(range), "%s..%s", lo, hi);
	snprintf(gib, sizeof(gib), "%.2f", gib_per_s(f, f->median));
	fmt_ratio(rr, sizeof(rr), ratio(s, f, f->ref));
	fmt_ratio(pr, sizeof(pr), ratio(s, f, f->peer));
	snprintf(line, sizeof(line), "  %-8s %-30s %-7s %10s  %-19s %8s  %7s  %8s",
		 sz, f->c->label, transport_of(f), rate, range, gib,
		 f->ref >= 0 ? rr : "", f->peer >= 0 ? pr : "");
	emit(out, line, f);
}

/* The figures the performance goals speak of, one line each. */
static void headlines(const struct suite *s, FILE *out)
{
	int any = 0;

	for (unsigned int i = 0; i < s->nfig; i++) {
		const struct figure *f = &s->fig[i];
		char v[24], r[24], sz[24], x[16];

		if (!(f->c->flags & CASE_IPCSVC) || f->place != PLACE_CROSS ||
		    f->err[0] || f->ref < 0 ||
		    (f->c->section == SEC_RT && f->size != 64) ||
		    (f->c->section == SEC_STREAM && f->size != 64 &&
		     f->size != (1 << 20)))
			continue;
		if (!any++)
			fprintf(out, "\nheadlines (cross-core)\n");
		fmt_size(sz, sizeof(sz), f->size);
		if (f->c->section == SEC_RT) {
			fmt_ns(v, sizeof(v), f->median);
			fmt_ns(r, sizeof(r), s->fig[f->ref].median);
			fmt_ratio(x, sizeof(x), ratio(s, f, f->ref));
			fprintf(out, "  %s %s round trip [%s]: %s, floor %s, %s",
				f->c->label, sz, transport_of(f), v, r, x);
			if (f->peer >= 0) {
				fmt_ns(r, sizeof(r), s->fig[f->peer].median);
				fmt_ratio(x, sizeof(x), ratio(s, f, f->peer));
				fprintf(out, "; %s %s, %s",
					s->fig[f->peer].c->id, r, x);
			}
		} else {
			fmt_rate(v, sizeof(v), msgs_per_s(f->median));
			fmt_rate(r, sizeof(r),
				 msgs_per_s(s->fig[f->ref].median));
			fprintf(out, "  %s %s stream [%s]: %s msg/s (%.2f GiB/s), SPSC ring %s msg/s, %.2fx",
				f->c->label, sz, transport_of(f), v,
				gib_per_s(f, f->median), r,
				ratio(s, f, f->ref));
			if (f->peer >= 0)
				fprintf(out, "; memcpy %.2f GiB/s, %.2fx",
					gib_per_s(&s->fig[f->peer],
						  s->fig[f->peer].median),
					ratio(s, f, f->peer));
		}
		fprintf(out, "%s\n", f->moved ? " *" : "");
	}
}

/* Is figure @i the reference of another round-trip figure? */
static int is_shown_floor(const struct suite *s, unsigned int i)
{
	for (unsigned int j = 0; j < s->nfig; j++)
		if (j != i && s->fig[j].c->section == SEC_RT &&
		    s->fig[j].ref == (int)i)
			return 1;
	return 0;
}

/*
 * Round trips by placement and size, each group under its own floor;
 * streams by placement.
 */
void report_table(const struct suite *s, FILE *out)
{
	char last[128] = "", head[128], sz[24], cpus[32];
	int moved = 0;

	for (unsigned int i = 0; i < s->nfig; i++) {
		const struct figure *f = &s->fig[i];
		int floor = f->c->flags & CASE_FLOOR;

		moved |= f->moved > 0;
		if (floor && is_shown_floor(s, i))
			continue;
		cpu_words(s, f->place, cpus, sizeof(cpus));
		fmt_size(sz, sizeof(sz), f->size);
		if (f->c->section == SEC_RT)
			snprintf(head, sizeof(head), "round trip, %s, %s%s",
				 floor ? "no payload" : sz,
				 place_name(f->place), cpus);
		else
			snprintf(head, sizeof(head), "one-way stream, %s%s",
				 place_name(f->place), cpus);
		if (strcmp(head, last)) {
			fprintf(out, "\n%s\n", head);
			if (f->c->section == SEC_RT)
				fprintf(out, "  %-30s %-7s %10s  %-21s %7s  %-26s %7s\n",
					"", "via", "median", "min..max",
					"x floor", "peer", "x peer");
			else
				fprintf(out, "  %-8s %-30s %-7s %10s  %-19s %8s  %7s  %8s\n",
					"size", "", "via", "msg/s", "min..max",
					"GiB/s", "x SPSC", "x memcpy");
			if (f->c->section == SEC_RT && !floor && f->ref >= 0)
				rt_line(s, &s->fig[f->ref], out);
			strcpy(last, head);
		}
		if (f->c->section == SEC_RT)
			rt_line(s, f, out);
		else
			stream_line(s, f, out);
	}
	headlines(s, out);
	if (moved)
		fprintf(out, "\n* the floor (cache-line ping-pong) moved by more than %.0f%% between just before and just after some rounds of this figure: noisy\n",
			s->tolerance * 100);
}

static void jstr(FILE *f, const char *key, const char *v)
{
	fprintf(f, "\"%s\": \"", key);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			fprintf(f, "\\%c", *v);
		else if ((unsigned char)*v < 0x20)
			fprintf(f, "\\u%04x", *v);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

static void jnum(FILE *f, const char *key, double v)
{
	if (isfinite(v))
		fprintf(f, "\"%s\": %.6g", key, v);
	else
		fprintf(f, "\"%s\": null", key);
}

static void jarray(FILE *f, const char *key, const double *v, unsigned int n)
{
	fprintf(f, "\"%s\": [", key);
	for (unsigned int i = 0; i < n; i++)
		fprintf(f, i ? ", %.6g" : "%.6g", v[i]);
	fputc(']', f);
}

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon += 1 + (colon[1] == ' ');
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(buf, len, "%s", colon);
		break;
	}
	fclose(f);
}

static void json_figure(FILE *o, const struct suite *s, const struct figure *f)
{
	fprintf(o, "    {");
	jstr(o, "key", f->key);
	fprintf(o, ", ");
	jstr(o, "section", f->c->section == SEC_RT ? "roundtrip" : "stream");
	fprintf(o, ", ");
	jstr(o, "case", f->c->id);
	fprintf(o, ", ");
	jstr(o, "label", f->c->label);
	fprintf(o, ", ");
	jstr(o, "transport", transport_of(f));
	fprintf(o, ", \"size\": %llu, ", (unsigned long long)f->size);
	jstr(o, "placement", place_name(f->place));
	fprintf(o, ",\n      \"unit\": \"ns per %s\", \"iterations\": %llu, \"warmup\": %llu, \"rounds\": %u, ",
		f->c->section == SEC_RT ? "round trip" : "message",
		(unsigned long long)f->iters, (unsigned long long)f->warmup,
		f->rounds);
	jnum(o, "median", f->median);
	fprintf(o, ", ");
	jnum(o, "min", f->min);
	fprintf(o, ", ");
	jnum(o, "max", f->max);
	if (f->c->section == SEC_STREAM) {
		fprintf(o, ", ");
		jnum(o, "msgs_per_s", msgs_per_s(f->median));
		fprintf(o, ", ");
		jnum(o, "gib_per_s", gib_per_s(f, f->median));
	}
	fprintf(o, ",\n      ");
	jarray(o, "samples", f->sample, f->rounds);
	fprintf(o, ", ");
	jarray(o, "floor_before", f->floor_before, f->rounds);
	fprintf(o, ", ");
	jarray(o, "floor_after", f->floor_after, f->rounds);
	fprintf(o, ",\n      \"floor_moved\": %s, \"floor_moved_rounds\": %u",
		f->moved ? "true" : "false", f->moved);
	if (f->ref >= 0) {
		fprintf(o, ", ");
		jstr(o, "ref", s->fig[f->ref].key);
		fprintf(o, ", ");
		jnum(o, "ref_ratio", ratio(s, f, f->ref));
	}
	if (f->peer >= 0) {
		fprintf(o, ", ");
		jstr(o, "peer", s->fig[f->peer].key);
		fprintf(o, ", ");
		jnum(o, "peer_ratio", ratio(s, f, f->peer));
	}
	if (f->err[0]) {
		fprintf(o, ", ");
		jstr(o, "error", f->err);
	}
	fprintf(o, "}");
}

int report_json(const struct suite *s, const char *path)
{
	FILE *o = strcmp(path, "-") ? fopen(path, "w") : stdout;
	char model[128], when[32];
	struct utsname u;
	time_t now = time(NULL);

	if (!o)
		return -errno;
	uname(&u);
	cpu_model(model, sizeof(model));
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	fprintf(o, "{\n  \"suite\": \"ipcsvc-bench\", ");
	jstr(o, "library", ipcsvc_library_version());
	fprintf(o, ", ");
	jstr(o, "kernel", u.release);
	fprintf(o, ", ");
	jstr(o, "cpu", model);
	fprintf(o, ",\n  \"cpus_online\": %ld, \"cpu_a\": %d, \"cpu_b\": %d, ",
		sysconf(_SC_NPROCESSORS_ONLN), s->cpu_a, s->cpu_b);
	jstr(o, "transport", s->transport);
	fprintf(o, ", ");
	jstr(o, "date", when);
	fprintf(o, ",\n  \"quick\": %s, \"rounds\": %u, ",
		s->quick ? "true" : "false", s->rounds);
	jnum(o, "floor_tolerance", s->tolerance);
	fprintf(o, ",\n  \"figures\": [\n");
	for (unsigned int i = 0; i < s->nfig; i++) {
		json_figure(o, s, &s->fig[i]);
		fprintf(o, i + 1 < s->nfig ? ",\n" : "\n");
	}
	fprintf(o, "  ]\n}\n");
	if (o == stdout)
		return fflush(o) ? -errno : 0;
	return fclose(o) ? -errno : 0;
}
