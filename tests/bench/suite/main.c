// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ipcsvc-bench: ipcsvc against the hardware's floor and its peers, in one
 * run. It reports figures; it asserts nothing about speed.
 *
 * Every figure is measured in several rounds, and the rounds are
 * interleaved: each round measures every figure once, in an order that
 * rotates from round to round, so that a machine that slows down or
 * speeds up meanwhile moves all figures alike and their ratios hold. Each
 * sample is bracketed by a short run of the floor (the cache-line
 * ping-pong; see check_of()); a figure whose floor moved by more than the
 * tolerance around one of its samples is marked. A figure is the median
 * of its rounds. See Documentation/performance.md.
 */
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define MAX_FIGURES	512
#define MAX_ROUNDS	64
#define MAX_ITERS	5000000ULL
#define MIN_ITERS	20ULL

static const char usage[] =
	"usage: ipcsvc-bench [options]\n"
	"  -q            quick: 3 rounds of short samples\n"
	"  -n ROUNDS     rounds per figure (default 7; quick 3)\n"
	"  -T MS         milliseconds per sample (default 60; quick 15)\n"
	"  -m            ipcsvc cases through /dev/ipcsvc (-t module)\n"
	"  -t WHICH      memfd, module, both or auto (default: module if\n"
	"                /dev/ipcsvc can be opened, else memfd)\n"
	"  -c A,B        the CPUs of cross-core runs (default: the first two)\n"
	"  -P LIST       placements: cross,same,unpinned (default all)\n"
	"  -S SIZES      round-trip payload bytes (default 64,1024)\n"
	"  -s SIZES      stream payload bytes (default 64,1024,16384,1048576)\n"
	"  -f TEXT       only figures whose key contains TEXT (floors stay)\n"
	"  -j FILE       write every raw figure as JSON to FILE (- for stdout)\n"
	"  -p DIR        write chart data and a gnuplot script to DIR, and the\n"
	"                charts as PNG and SVG when gnuplot is installed\n";

struct options {
	int quick;
	unsigned int rounds;
	double sample_ms;
	int memfd, module;
	int place[PLACE_COUNT];
	uint64_t rt_size[16], st_size[16];
	unsigned int n_rt, n_st;
	const char *filter, *json, *plots;
};

static void die(const char *what)
{
	fprintf(stderr, "ipcsvc-bench: %s\n", what);
	exit(2);
}

static unsigned int parse_sizes(const char *arg, uint64_t *out)
{
	unsigned int n = 0;
	char *end;

	while (*arg && n < 16) {
		unsigned long long v = strtoull(arg, &end, 0);

		if (end == arg || !v || v > (64ULL << 20))
			die("a size is 1 to 64 MiB bytes");
		out[n++] = v;
		arg = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			die("sizes are numbers separated by commas");
	}
	return n;
}

/* The first two CPUs this process may run on, or -1. */
static void default_cpus(int *a, int *b)
{
	cpu_set_t set;

	*a = *b = -1;
	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	for (int i = 0; i < CPU_SETSIZE; i++) {
		if (!CPU_ISSET(i, &set))
			continue;
		if (*a < 0)
			*a = i;
		else if (*b < 0)
			*b = i;
	}
}

static void parse(int argc, char **argv, struct options *o, struct suite *s)
{
	const char *transport = "auto";
	int c, places = 0;

	memset(o, 0, sizeof(*o));
	o->n_rt = parse_sizes("64,1024", o->rt_size);
	o->n_st = parse_sizes("64,1024,16384,1048576", o->st_size);
	default_cpus(&s->cpu_a, &s->cpu_b);
	while ((c = getopt(argc, argv, "qn:T:mt:c:P:S:s:f:j:p:h")) != -1) {
		switch (c) {
		case 'q':
			o->quick = 1;
			break;
		case 'n':
			o->rounds = (unsigned int)atoi(optarg);
			if (o->rounds < 1 || o->rounds > MAX_ROUNDS)
				die("-n: 1 to 64 rounds");
			break;
		case 'T':
			o->sample_ms = atof(optarg);
			if (!(o->sample_ms > 0))
				die("-T: a positive number of milliseconds");
			break;
		case 'm':
			transport = "module";
			break;
		case 't':
			transport = optarg;
			break;
		case 'c':
			if (sscanf(optarg, "%d,%d", &s->cpu_a, &s->cpu_b) != 2 ||
			    s->cpu_a < 0 || s->cpu_b < 0 || s->cpu_a == s->cpu_b)
				die("-c: two different CPUs, as in -c 0,1");
			break;
		case 'P':
			places = 1;
			o->place[PLACE_CROSS] = !!strstr(optarg, "cross");
			o->place[PLACE_SAME] = !!strstr(optarg, "same");
			o->place[PLACE_ANY] = !!strstr(optarg, "unpinned");
			break;
		case 'S':
			o->n_rt = parse_sizes(optarg, o->rt_size);
			break;
		case 's':
			o->n_st = parse_sizes(optarg, o->st_size);
			break;
		case 'f':
			o->filter = optarg;
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'p':
			o->plots = optarg;
			break;
		default:
			fputs(usage, c == 'h' ? stdout : stderr);
			exit(c == 'h' ? 0 : 2);
		}
	}
	if (optind < argc)
		die("unexpected arguments (-h for help)");
	if (!places)
		o->place[PLACE_CROSS] = o->place[PLACE_SAME] =
			o->place[PLACE_ANY] = 1;
	if (!o->rounds)
		o->rounds = o->quick ? 3 : 7;
	if (!o->sample_ms)
		o->sample_ms = o->quick ? 15 : 60;
	if (!strcmp(transport, "auto")) {
		o->module = xport_module_usable();
		o->memfd = !o->module;
	} else if (!strcmp(transport, "memfd") || !strcmp(transport, "both")) {
		o->memfd = 1;
		o->module = !strcmp(transport, "both");
	} else if (!strcmp(transport, "module")) {
		o->module = 1;
	} else {
		die("-t: memfd, module, both or auto");
	}
	if (o->module && !xport_module_usable())
		die("-t module: /dev/ipcsvc cannot be opened (is the module loaded?)");
	if (o->place[PLACE_CROSS] && s->cpu_b < 0) {
		printf("note: one CPU only: no cross-core figures\n");
		o->place[PLACE_CROSS] = 0;
	}
	s->transport = o->memfd && o->module ? "memfd+module" :
		       o->module ? "module" : "memfd";
	s->quick = o->quick;
	s->rounds = o->rounds;
	s->tolerance = 0.25;
}

static struct figure *add(struct suite *s, const struct options *o,
			  const struct bench_case *c, uint64_t size,
			  enum placement p, int module)
{
	static const char *const pn[PLACE_COUNT] = {
		[PLACE_CROSS] = "cross", [PLACE_SAME] = "same",
		[PLACE_ANY] = "unpinned",
	};
	struct figure *f;
	char key[96];

	if (c->flags & CASE_SIZELESS)
		size = 0;
	if (c->flags & CASE_FIXED)
		size = c->fixed_size;
	snprintf(key, sizeof(key), "%s.%s%s.%llu.%s",
		 c->section == SEC_RT ? "rt" : "stream", c->id,
		 !(c->flags & CASE_IPCSVC) ? "" : module ? "/module" : "/memfd",
		 (unsigned long long)size, pn[p]);
	if (o->filter && !(c->flags & CASE_FLOOR) && !strstr(key, o->filter))
		return NULL;
	if (s->nfig == MAX_FIGURES)
		die("too many figures");
	f = &s->fig[s->nfig++];
	memset(f, 0, sizeof(*f));
	f->c = c;
	f->size = size;
	f->place = p;
	f->module = module;
	f->ref = f->peer = -1;
	snprintf(f->key, sizeof(f->key), "%s", key);
	f->sample = calloc(3 * MAX_ROUNDS, sizeof(double));
	if (!f->sample)
		die("out of memory");
	f->floor_before = f->sample + MAX_ROUNDS;
	f->floor_after = f->sample + 2 * MAX_ROUNDS;
	return f;
}

static int find(const struct suite *s, const struct bench_case *c,
		uint64_t size, enum placement p, int module)
{
	for (unsigned int i = 0; i < s->nfig; i++) {
		const struct figure *f = &s->fig[i];

		if (f->c == c && f->place == p &&
		    (!(c->flags & CASE_IPCSVC) || f->module == module) &&
		    ((c->flags & (CASE_SIZELESS | CASE_FIXED)) ||
		     f->size == size))
			return (int)i;
	}
	return -1;
}

static void build(struct suite *s, const struct options *o)
{
	static const struct bench_case *const rt_base[] = {
		&case_shm_spin, &case_futex, &case_eventfd, &case_pipe,
		&case_unix,
	};
	static const struct bench_case *const rt_ipc[] = {
		&case_rt_busy, &case_rt_adaptive, &case_rt_sleep, &case_rt_call,
	};
	static const struct bench_case *const st_ipc[] = {
		&case_stream_busy, &case_stream_adaptive,
	};
	int mods[2], nmod = 0;

	if (o->memfd)
		mods[nmod++] = 0;
	if (o->module)
		mods[nmod++] = 1;
	s->fig = calloc(MAX_FIGURES, sizeof(*s->fig));
	if (!s->fig)
		die("out of memory");
	for (int p = 0; p < PLACE_COUNT; p++) {
		if (!o->place[p])
			continue;
		add(s, o, &case_floor, 0, (enum placement)p, 0);
		for (unsigned int z = 0; z < o->n_rt; z++) {
			for (unsigned int k = 0; k < 5; k++)
				add(s, o, rt_base[k], o->rt_size[z],
				    (enum placement)p, 0);
			for (int m = 0; m < nmod; m++)
				for (unsigned int k = 0; k < 4; k++)
					add(s, o, rt_ipc[k], o->rt_size[z],
					    (enum placement)p, mods[m]);
		}
	}
	for (int p = 0; p < PLACE_COUNT; p++) {
		if (!o->place[p])
			continue;
		for (unsigned int z = 0; z < o->n_st; z++) {
			add(s, o, &case_spsc, o->st_size[z], (enum placement)p, 0);
			add(s, o, &case_memcpy, o->st_size[z], (enum placement)p, 0);
			for (int m = 0; m < nmod; m++)
				for (unsigned int k = 0; k < 2; k++)
					add(s, o, st_ipc[k], o->st_size[z],
					    (enum placement)p, mods[m]);
		}
		add(s, o, &case_mailbox, 0, (enum placement)p, 0);
	}
}

/*
 * Each figure's reference (the floor; for streams the SPSC ring) and its
 * closest peer, what ipcsvc's goals compare it with.
 */
static void link_refs(struct suite *s, const struct options *o)
{
	uint64_t smallest = o->st_size[0];

	for (unsigned int i = 1; i < o->n_st; i++)
		if (o->st_size[i] < smallest)
			smallest = o->st_size[i];
	for (unsigned int i = 0; i < s->nfig; i++) {
		struct figure *f = &s->fig[i];
		const struct bench_case *c = f->c;

		if (c->section == SEC_RT) {
			if (!(c->flags & CASE_FLOOR))
				f->ref = find(s, &case_floor, 0, f->place, 0);
			if (c == &case_rt_busy || c == &case_rt_adaptive)
				f->peer = find(s, &case_shm_spin, f->size,
					       f->place, 0);
			else if (c == &case_rt_sleep)
				f->peer = find(s, f->module ? &case_eventfd :
						  &case_futex, f->size, f->place, 0);
			else if (c == &case_rt_call)
				f->peer = find(s, &case_rt_adaptive, f->size,
					       f->place, f->module);
		} else if (c == &case_mailbox) {
			f->ref = find(s, &case_spsc, smallest, f->place, 0);
		} else if (c != &case_memcpy) {
			if (c != &case_spsc)
				f->ref = find(s, &case_spsc, f->size, f->place, 0);
			f->peer = find(s, &case_memcpy, f->size, f->place, 0);
		}
	}
}

static void cpus_of(const struct suite *s, enum placement p, int *a, int *b)
{
	*a = p == PLACE_ANY ? -1 : s->cpu_a;
	*b = p == PLACE_CROSS ? s->cpu_b : *a;
}

/* One run of figure @f: ns per operation, or NAN and f->err. */
static double measure(struct suite *s, struct figure *f, struct run *r,
		      uint64_t iters, uint64_t warmup)
{
	double ns;
	int a, b;

	memset(r, 0, sizeof(*r));
	r->size = f->size;
	r->iters = iters;
	r->warmup = warmup;
	r->mode = f->c->mode;
	r->module = f->module;
	cpus_of(s, f->place, &a, &b);
	if (bench_run(f->c, r, a, b, &ns)) {
		/* a side killed because its peer failed has no words */
		snprintf(f->err, sizeof(f->err), "%s%s%s%s%s",
			 r->err[0][0] ? "side A: " : "", r->err[0],
			 r->err[0][0] && r->err[1][0] ? "; " : "",
			 r->err[1][0] ? "side B: " : "", r->err[1]);
		return NAN;
	}
	return ns;
}

/* Iterations of a sample of @ms milliseconds, from a short run. */
static void calibrate(struct suite *s, struct figure *f, struct run *r,
		      double ms)
{
	double ns = measure(s, f, r, 64, 16), want;

	if (!isfinite(ns))
		return;
	want = ms * 1e6 / (ns > 1 ? ns : 1);
	f->iters = want < MIN_ITERS ? MIN_ITERS :
		   want > MAX_ITERS ? MAX_ITERS : (uint64_t)want;
	f->warmup = f->iters / 8 + 8;
}

/*
 * The floor check of each placement: a run of the floor figure of @p, or,
 * unpinned, of the cross-core one, since where the scheduler puts the two
 * processes moves the unpinned floor by itself.
 */
static int check_of(const struct suite *s, enum placement p)
{
	int i = -1;

	if (p == PLACE_ANY)
		i = find(s, &case_floor, 0, PLACE_CROSS, 0);
	return i >= 0 ? i : find(s, &case_floor, 0, p, 0);
}

/* One sample of every figure of placement @p, each between floor checks. */
static void round_of(struct suite *s, struct run *r, enum placement p,
		     unsigned int round)
{
	static unsigned int order[MAX_FIGURES];
	int ci = check_of(s, p);
	struct figure *fl = ci >= 0 ? &s->fig[ci] : NULL;
	/* a floor check is short: a tenth of a sample */
	uint64_t fi = fl ? fl->iters / 10 + 10 : 0;
	unsigned int n = 0;
	double floor;

	for (unsigned int i = 0; i < s->nfig; i++)
		if (s->fig[i].place == p && !s->fig[i].err[0])
			order[n++] = i;
	if (!n || !fl || fl->err[0])
		return;
	floor = measure(s, fl, r, fi, fi / 8);
	for (unsigned int k = 0; k < n; k++) {
		struct figure *f = &s->fig[order[(k + round) % n]];
		double v, lo, hi;

		if (f->err[0])
			continue;
		v = measure(s, f, r, f->iters, f->warmup);
		if (!isfinite(v))
			continue;
		f->floor_before[f->rounds] = floor;
		floor = measure(s, fl, r, fi, fi / 8);
		f->floor_after[f->rounds] = floor;
		f->sample[f->rounds++] = v;
		lo = fmin(f->floor_before[f->rounds - 1], floor);
		hi = fmax(f->floor_before[f->rounds - 1], floor);
		if (!(hi <= lo * (1 + s->tolerance)))
			f->moved++;
	}
}

int main(int argc, char **argv)
{
	struct suite s = { 0 };
	struct options o;
	struct run *r;
	uint64_t t_start = bench_now();
	int failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse(argc, argv, &o, &s);
	build(&s, &o);
	link_refs(&s, &o);
	r = bench_shm(sizeof(*r));
	if (!r)
		die("out of memory");
	printf("ipcsvc-bench: library %s, %ld CPUs online, ipcsvc over %s, %u rounds of %.0f ms samples, %u figures\n",
	       ipcsvc_library_version(), sysconf(_SC_NPROCESSORS_ONLN),
	       s.transport, s.rounds, o.sample_ms, s.nfig);

	for (unsigned int i = 0; i < s.nfig; i++)
		calibrate(&s, &s.fig[i], r, o.sample_ms);
	for (unsigned int round = 0; round < s.rounds; round++) {
		fprintf(stderr, "ipcsvc-bench: round %u of %u\n", round + 1,
			s.rounds);
		/* the placements take turns at going first, too */
		for (int k = 0; k < PLACE_COUNT; k++)
			round_of(&s, r, (enum placement)((k + round) % PLACE_COUNT),
				 round);
	}
	for (unsigned int i = 0; i < s.nfig; i++) {
		figure_stats(&s.fig[i]);
		if (s.fig[i].err[0]) {
			fprintf(stderr, "ipcsvc-bench: %s: %s\n", s.fig[i].key,
				s.fig[i].err);
			failed = 1;
		}
	}
	report_table(&s, stdout);
	printf("\n%u figures in %.0f s\n", s.nfig,
	       (double)(bench_now() - t_start) / 1e9);
	if (o.json) {
		int rc = report_json(&s, o.json);

		if (rc) {
			fprintf(stderr, "ipcsvc-bench: %s: %s\n", o.json,
				strerror(-rc));
			failed = 1;
		} else if (strcmp(o.json, "-")) {
			printf("JSON: %s\n", o.json);
		}
	}
	if (o.plots) {
		int rc = report_plots(&s, o.plots);

		if (rc) {
			fprintf(stderr, "ipcsvc-bench: plots in %s: %s\n",
				o.plots, strerror(-rc));
			failed = 1;
		}
	}
	return failed;
}
