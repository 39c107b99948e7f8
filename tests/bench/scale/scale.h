/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * scale_bench's parts: common.c (figures, module parameters and
 * counters, messages, a server process), traffic.c (delivery, the event
 * loop, fan-in), connect.c (connect), memory.c (idle channels), main.c.
 */
#ifndef IPCSVC_SCALE_BENCH_H
#define IPCSVC_SCALE_BENCH_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/ipcsvc_netlink.h>
#include <linux/netlink.h>

#include "ipcsvc/ipcsvc.h"

#include "../../lib/thread_io.h"

#define T	ipcsvc_timeout_ms(20000)	/* upper bounds only */
#define SVC	"bench.scale"
#define ROUNDS	5		/* interleaved rounds of a timed figure */

extern bool quick;	/* -q */
extern FILE *json;	/* -j */

uint64_t now_ns(void);
void die(const char *what, int err);
/* The median of @n samples; sorts them. */
double median(double *v, size_t n);
double med(double *v);
/* One figure: printed, and added to the JSON report. */
void figure(const char *section, const char *name, double value,
	    const char *unit, const char *ref, double ref_value);
void pin_to(int cpu);
void unpin(void);

long param_get(const char *name);
void param_set(const char *name, long v);
/* WAKE calls the module has taken, from its statistics. */
uint64_t module_wakes(void);

/* The /proc/meminfo fields the memory section reads, in kB. */
enum { MI_AVAILABLE, MI_VMALLOC, MI_SLAB, MI_PAGETABLES, MI_ANON, MI_N };
extern const char *const mi_name[MI_N];
void meminfo(long kb[MI_N]);

void send_u64(struct ipcsvc_channel *ch, uint64_t v);
int take_u64(struct ipcsvc_channel *ch, uint64_t *v, bool wait);

/* What a server reports when it stops: messages served, its read()s. */
struct server_report {
	uint64_t msgs;
	uint64_t wakeups;	/* poll() returns with events */
	long reads;
};

struct server {
	pid_t pid;
	int fd;		/* its report comes here */
};

/* The event-loop server's body, in its own process */
void serve_loop(int ready, uint32_t max_handles, bool echo);
struct server server_spawn(void (*serve)(int ready, uint32_t max, bool echo),
			   uint32_t max_handles, bool echo, int cpu);
struct server server_start(uint32_t max_handles, bool echo, int cpu);
struct server_report server_stop(struct server srv);
struct ipcsvc_conn *connect_one(struct ipcsvc_port *port);

/* the sections */
void bench_delivery(void);
void bench_event_loop(void);
void bench_fanin(void);
void bench_connect(void);
void bench_memory(void);

#endif /* IPCSVC_SCALE_BENCH_H */
