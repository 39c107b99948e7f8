// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What every case uses: the clock, shared memory, the payload that is
 * written and read, waiting by spinning, pinning, and the run of one
 * case in two forked processes.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

/* A run that takes longer than this has hung; its processes are killed. */
#define RUN_LIMIT_S	120

uint64_t bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Which side this process is: 0 for A, 1 for B. */
static int this_side;

void bench_fail(struct run *r, const char *what, int err)
{
	snprintf(r->err[this_side], sizeof(r->err[0]), "%s: %s", what,
		 ipcsvc_strerror(err < 0 ? err : -err));
	_exit(1);
}

void *bench_shm(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void bench_shm_free(struct run *r)
{
	if (r->shm)
		munmap(r->shm, r->shm_len);
	r->shm = NULL;
	r->shm_len = 0;
}

/*
 * Every receiver reads every byte it receives, through this one function,
 * so that no case is credited for bytes nobody looked at. Out of line, so
 * that each case pays the same for it.
 */
__attribute__((noinline))
uint64_t payload_read(const void *p, uint64_t len)
{
	const uint8_t *b = p;
	uint64_t sum = 0, w, i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, b + i, 8);
		sum += w;
	}
	for (; i < len; i++)
		sum += b[i];
	return sum;
}

static uint8_t payload_byte(uint64_t i)
{
	return (uint8_t)(i * 7 + (i >> 8) + 1);
}

/* A sender's payload: @len bytes of a pattern both sides know. */
uint8_t *payload_make(struct run *r, uint64_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	if (!p)
		bench_fail(r, "payload", ENOMEM);
	for (uint64_t i = 0; i < len; i++)
		p[i] = payload_byte(i);
	return p;
}

/* What payload_read() returns for one message of @len bytes. */
uint64_t payload_expect(uint64_t len)
{
	uint8_t *p = malloc(len ? len : 1);
	uint64_t sum;

	if (!p)
		return 0;
	for (uint64_t i = 0; i < len; i++)
		p[i] = payload_byte(i);
	sum = payload_read(p, len);
	free(p);
	return sum;
}

/*
 * Data bytes of a stream case's ring: room for a few messages of @size
 * in flight, and at least 1 MiB, so that the smaller ones can be batched
 * as far as the consumer lets them. The SPSC ring and ipcsvc get the same.
 */
uint64_t stream_ring_bytes(uint64_t size)
{
	uint64_t want = 4 * (size + 256), b = 1 << 20;

	while (b < want)
		b <<= 1;
	return b;
}

/* The receiver read @msgs whole payloads, and they were the sender's. */
void bench_check(struct run *r, uint64_t sum, uint64_t msgs)
{
	r->check = sum;
	if (sum != msgs * payload_expect(r->size))
		bench_fail(r, "payload read back differs from the one sent",
			   EBADMSG);
}

/*
 * Spin until *@w is @v. Every 64 polls it yields the CPU, as ipcsvc's busy
 * poll does, so that a peer on the same CPU gets to run; on separate CPUs
 * the peer answers well within 64 polls and it never yields.
 */
void spin_wait_u32(_Atomic uint32_t *w, uint32_t v)
{
	unsigned int n = 0;

	while (atomic_load_explicit(w, memory_order_acquire) != v) {
		spin_pause();
		if (!(++n & 63))
			sched_yield();
	}
}

static cpu_set_t every_cpu;

/* Pin the calling process to @cpu, or let it run anywhere (-1). */
int bench_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		set = every_cpu;
	else {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
	}
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void side(struct run *r, int which, int cpu, void (*fn)(struct run *r))
{
	int rc;

	this_side = which;
	rc = bench_pin(cpu);

	if (rc)
		bench_fail(r, "pinning", rc);
	fn(r);
	_exit(0);
}

static void describe_exit(struct run *r, int which, int status)
{
	char *e = r->err[which];

	if (e[0])
		return;
	if (WIFSIGNALED(status))
		snprintf(e, sizeof(r->err[0]), "killed by signal %d",
			 WTERMSIG(status));
	else
		snprintf(e, sizeof(r->err[0]), "exited with %d",
			 WEXITSTATUS(status));
}

/*
 * Run @c once: side B (if any) pinned to @cpu_b, side A to @cpu_a, each
 * in a process of its own, so that the driver's own placement never
 * changes. 0 and the time per operation, or -errno and r->err.
 */
int bench_run(const struct bench_case *c, struct run *r, int cpu_a,
	      int cpu_b, double *ns_per_op)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	pid_t pid[2] = { -1, -1 };
	int failed = 0, left, status, rc;

	if (!CPU_COUNT(&every_cpu))
		sched_getaffinity(0, sizeof(every_cpu), &every_cpu);
	r->ns = 0;
	r->check = 0;
	r->err[0][0] = r->err[1][0] = '\0';
	atomic_store(&r->ready, 0);
	atomic_store(&r->done, 0);
	rc = c->setup ? c->setup(r) : 0;
	if (rc) {
		snprintf(r->err[0], sizeof(r->err[0]), "setup: %s",
			 ipcsvc_strerror(rc));
		return rc;
	}
	fflush(NULL);
	if (c->side_b) {
		pid[1] = fork();
		if (pid[1] == 0)
			side(r, 1, cpu_b, c->side_b);
	}
	pid[0] = fork();
	if (pid[0] == 0)
		side(r, 0, cpu_a, c->side_a);
	if (pid[0] < 0 || (c->side_b && pid[1] < 0)) {
		snprintf(r->err[0], sizeof(r->err[0]), "fork: %s",
			 strerror(errno));
		failed = 1;
	}
	/* no SA_RESTART: the alarm ends the waitpid() below */
	sigaction(SIGALRM, &sa, NULL);
	alarm(RUN_LIMIT_S);
	left = (pid[0] > 0) + (pid[1] > 0);
	while (left) {
		pid_t p = waitpid(-1, &status, 0);
		int i;

		if (p < 0) {
			if (errno != EINTR)
				break;
			snprintf(r->err[0], sizeof(r->err[0]),
				 "did not finish within %d s", RUN_LIMIT_S);
			failed = 1;
			for (i = 0; i < 2; i++)
				if (pid[i] > 0)
					kill(pid[i], SIGKILL);
			continue;
		}
		for (i = 0; i < 2 && pid[i] != p; i++)
			;
		if (i == 2)
			continue;
		pid[i] = -1;
		left--;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			describe_exit(r, i, status);
			failed = 1;
		}
		/* one side gone wrong: its peer would wait for it forever */
		if (failed && left && pid[!i] > 0)
			kill(pid[!i], SIGKILL);
	}
	alarm(0);
	if (c->teardown)
		c->teardown(r);
	if (failed)
		return -EPROTO;
	*ns_per_op = (double)r->ns / (double)(r->iters ? r->iters : 1);
	return 0;
}
