/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ipcsvc-bench: what the suite's files share. A case is one way of moving
 * messages (a baseline or ipcsvc); a figure is a case at one size, one
 * placement and one transport, measured over several interleaved rounds.
 * See Documentation/performance.md.
 */
#ifndef IPCSVC_BENCH_H
#define IPCSVC_BENCH_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "channel_helpers.h"

/* How long a side waits for its peer before it calls the run failed. */
#define BENCH_WAIT_NS	(10 * 1000000000LL)

enum section {
	SEC_RT,		/* round trips: ns per round trip */
	SEC_STREAM,	/* one-way stream: ns per message */
};

enum placement {
	PLACE_CROSS,	/* side A on cpu_a, side B on cpu_b */
	PLACE_SAME,	/* both on cpu_a */
	PLACE_ANY,	/* both on every CPU: the scheduler decides */
	PLACE_COUNT,
};

/* Flags of struct bench_case. */
#define CASE_IPCSVC	(1U << 0)	/* goes through the chosen transport */
#define CASE_FLOOR	(1U << 1)	/* the cache-line ping-pong */
#define CASE_SIZELESS	(1U << 2)	/* moves no payload: one figure per placement */
#define CASE_FIXED	(1U << 3)	/* moves a payload of its own size */

/*
 * One run of a case: shared (MAP_SHARED) between the driver and the two
 * processes it forks, side A (which measures) and side B (its peer).
 */
struct run {
	/* set by the driver before the fork */
	uint64_t size;		/* payload bytes per message */
	uint64_t iters;		/* timed operations */
	uint64_t warmup;	/* untimed operations before them */
	uint32_t mode;		/* ipcsvc wait mode */
	int module;		/* ipcsvc cases: through /dev/ipcsvc */
	char service[64];	/* module: the service's name */
	uint64_t max_ab, max_ba;	/* ipcsvc: area bytes, A to B, B to A */
	/* what the case's setup prepared, inherited by both sides */
	void *shm;
	size_t shm_len;
	int fd[4];
	struct test_area area[2];	/* memfd: A to B, B to A */
	_Atomic uint32_t ready;	/* module: side B's service exists */
	_Atomic uint32_t done;	/* side A has read all it will */
	/* written by side A */
	uint64_t ns;		/* time of the timed operations */
	uint64_t check;		/* payload sum: the reads cannot be elided */
	char err[2][160];	/* why side A, side B failed */
};

struct bench_case {
	const char *id;		/* short name, in keys and JSON */
	const char *label;	/* what the table says */
	enum section section;
	uint32_t flags;		/* CASE_* */
	uint32_t mode;		/* ipcsvc wait mode */
	uint64_t fixed_size;	/* CASE_FIXED: its payload bytes */
	/* in the driver, before the fork: 0 or -errno */
	int (*setup)(struct run *r);
	/* the measuring side; fills r->ns and r->check */
	void (*side_a)(struct run *r);
	/* its peer; NULL for a one-process case */
	void (*side_b)(struct run *r);
	/* in the driver, after both sides exited */
	void (*teardown)(struct run *r);
};

/* Baselines (baselines.c, stream_baselines.c). */
extern const struct bench_case case_floor, case_shm_spin, case_futex,
	case_eventfd, case_pipe, case_unix;
extern const struct bench_case case_spsc, case_memcpy;
/* ipcsvc (ipcsvc_cases.c). */
extern const struct bench_case case_rt_busy, case_rt_adaptive, case_rt_sleep,
	case_rt_call, case_stream_busy, case_stream_adaptive, case_mailbox;

/* common.c */
uint64_t bench_now(void);
void bench_fail(struct run *r, const char *what, int err)
	__attribute__((noreturn));
void *bench_shm(size_t len);
void bench_shm_free(struct run *r);
uint64_t payload_read(const void *p, uint64_t len);
uint8_t *payload_make(struct run *r, uint64_t len);
uint64_t payload_expect(uint64_t len);
void bench_check(struct run *r, uint64_t sum, uint64_t msgs);
uint64_t stream_ring_bytes(uint64_t size);
void spin_wait_u32(_Atomic uint32_t *w, uint32_t v);
int bench_pin(int cpu);
int bench_run(const struct bench_case *c, struct run *r, int cpu_a,
	      int cpu_b, double *ns_per_op);

/* transport.c: the channel of an ipcsvc case, over memfd or the module. */
struct xport_end {
	struct ipcsvc_port *port;
	struct ipcsvc_service *svc;
	struct ipcsvc_conn *conn;
	struct ipcsvc_channel *ch;
};

int xport_prepare(struct run *r, uint64_t max_ab, uint64_t max_ba);
struct ipcsvc_channel *xport_open_a(struct run *r, struct xport_end *e);
struct ipcsvc_channel *xport_open_b(struct run *r, struct xport_end *e);
void xport_close_a(struct run *r, struct xport_end *e);
void xport_close_b(struct run *r, struct xport_end *e);
void xport_release(struct run *r);
int xport_module_usable(void);

/* One figure: a case at one size, placement and transport. */
struct figure {
	const struct bench_case *c;
	uint64_t size;
	enum placement place;
	int module;
	int ref;		/* index of its reference figure, or -1 */
	int peer;		/* index of its closest peer, or -1 */
	char key[96];
	uint64_t iters, warmup;
	unsigned int rounds;	/* samples taken */
	unsigned int moved;	/* of them, taken while the floor moved */
	double *sample;		/* ns per operation, one per round */
	double *floor_before, *floor_after;
	double median, min, max;
	char err[400];		/* the run failed: why */
};

struct suite {
	struct figure *fig;
	unsigned int nfig;
	unsigned int rounds;
	int cpu_a, cpu_b;
	int quick;
	double tolerance;	/* floor movement that marks a figure */
	const char *transport;	/* "memfd", "module" or "memfd+module" */
};

/* report.c */
const char *place_name(enum placement p);
void figure_stats(struct figure *f);
void report_table(const struct suite *s, FILE *out);
int report_json(const struct suite *s, const char *path);

/* plot.c */
int report_plots(const struct suite *s, const char *dir);

#endif /* IPCSVC_BENCH_H */
