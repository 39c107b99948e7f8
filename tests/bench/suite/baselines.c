// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Round-trip baselines: what moving a message there and back costs
 * without ipcsvc. Side A sends, side B answers with a payload of the same
 * size, and each reads every byte it receives.
 *
 *   floor     two atomics on separate cache lines of a shared page: the
 *             hardware's round trip, no payload
 *   shm spin  the same, with the payload copied into shared memory and
 *             read out: the least any shared-memory queue can do
 *   futex     the payload in shared memory, each side asleep on a futex
 *   eventfd   the same with two eventfds
 *   pipe      the payload written to a pipe and read from it
 *   unix      the same over an AF_UNIX stream socketpair
 */
#include <fcntl.h>
#include <linux/futex.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

/* The shared page of the floor, shm spin, futex and eventfd cases. */
struct pp {
	_Alignas(64) _Atomic uint32_t ping;	/* A to B: round number */
	_Alignas(64) _Atomic uint32_t pong;	/* B to A */
	_Alignas(64) uint8_t data[];		/* A's payload, then B's */
};

static uint64_t line_up(uint64_t n)
{
	return (n + 63) & ~63ULL;
}

static uint8_t *pp_ab(struct run *r)
{
	return ((struct pp *)r->shm)->data;
}

static uint8_t *pp_ba(struct run *r)
{
	return ((struct pp *)r->shm)->data + line_up(r->size);
}

static int pp_setup(struct run *r)
{
	size_t page = page_size();

	for (int i = 0; i < 4; i++)
		r->fd[i] = -1;
	r->shm_len = (sizeof(struct pp) + 2 * line_up(r->size) + page - 1) &
		     ~(page - 1);
	r->shm = bench_shm(r->shm_len);
	return r->shm ? 0 : -ENOMEM;
}

static void pp_teardown(struct run *r)
{
	for (int i = 0; i < 4; i++) {
		if (r->fd[i] >= 0)
			close(r->fd[i]);
		r->fd[i] = -1;
	}
	bench_shm_free(r);
}

/* A sum no compiler may drop: side B's reads are not checked. */
static volatile uint64_t sink;

static void floor_a(struct run *r)
{
	struct pp *s = r->shm;
	uint64_t n = r->warmup + r->iters, t0 = 0;

	for (uint64_t i = 0; i < n; i++) {
		if (i == r->warmup)
			t0 = bench_now();
		atomic_store_explicit(&s->ping, (uint32_t)i + 1,
				      memory_order_release);
		spin_wait_u32(&s->pong, (uint32_t)i + 1);
	}
	r->ns = bench_now() - t0;
}

static void floor_b(struct run *r)
{
	struct pp *s = r->shm;
	uint64_t n = r->warmup + r->iters;

	for (uint64_t i = 0; i < n; i++) {
		spin_wait_u32(&s->ping, (uint32_t)i + 1);
		atomic_store_explicit(&s->pong, (uint32_t)i + 1,
				      memory_order_release);
	}
}

static void spin_a(struct run *r)
{
	struct pp *s = r->shm;
	uint8_t *src = payload_make(r, r->size);
	uint64_t n = r->warmup + r->iters, t0 = 0, sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		if (i == r->warmup)
			t0 = bench_now();
		memcpy(pp_ab(r), src, r->size);
		atomic_store_explicit(&s->ping, (uint32_t)i + 1,
				      memory_order_release);
		spin_wait_u32(&s->pong, (uint32_t)i + 1);
		sum += payload_read(pp_ba(r), r->size);
	}
	r->ns = bench_now() - t0;
	bench_check(r, sum, n);
}

static void spin_b(struct run *r)
{
	struct pp *s = r->shm;
	uint8_t *src = payload_make(r, r->size);
	uint64_t n = r->warmup + r->iters, sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		spin_wait_u32(&s->ping, (uint32_t)i + 1);
		sum += payload_read(pp_ab(r), r->size);
		memcpy(pp_ba(r), src, r->size);
		atomic_store_explicit(&s->pong, (uint32_t)i + 1,
				      memory_order_release);
	}
	sink = sum;
}

static void futex_post(_Atomic uint32_t *w, uint32_t v)
{
	atomic_store_explicit(w, v, memory_order_release);
	/* process-shared: the page is shared between two processes */
	syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static void futex_until(_Atomic uint32_t *w, uint32_t v)
{
	uint32_t cur;

	while ((cur = atomic_load_explicit(w, memory_order_acquire)) != v)
		syscall(SYS_futex, w, FUTEX_WAIT, cur, NULL, NULL, 0);
}

static void futex_a(struct run *r)
{
	struct pp *s = r->shm;
	uint8_t *src = payload_make(r, r->size);
	uint64_t n = r->warmup + r->iters, t0 = 0, sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		if (i == r->warmup)
			t0 = bench_now();
		memcpy(pp_ab(r), src, r->size);
		futex_post(&s->ping, (uint32_t)i + 1);
		futex_until(&s->pong, (uint32_t)i + 1);
		sum += payload_read(pp_ba(r), r->size);
	}
	r->ns = bench_now() - t0;
	bench_check(r, sum, n);
}

static void futex_b(struct run *r)
{
	struct pp *s = r->shm;
	uint8_t *src = payload_make(r, r->size);
	uint64_t n = r->warmup + r->iters, sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		futex_until(&s->ping, (uint32_t)i + 1);
		sum += payload_read(pp_ab(r), r->size);
		memcpy(pp_ba(r), src, r->size);
		futex_post(&s->pong, (uint32_t)i + 1);
	}
	sink = sum;
}

static int eventfd_setup(struct run *r)
{
	int rc = pp_setup(r);

	if (rc)
		return rc;
	r->fd[0] = eventfd(0, EFD_CLOEXEC);	/* A to B */
	r->fd[1] = eventfd(0, EFD_CLOEXEC);	/* B to A */
	return r->fd[0] < 0 || r->fd[1] < 0 ? -errno : 0;
}

static void efd_post(struct run *r, int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		bench_fail(r, "eventfd write", errno);
}

static void efd_wait(struct run *r, int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		bench_fail(r, "eventfd read", errno);
}

static void eventfd_a(struct run *r)
{
	uint8_t *src = payload_make(r, r->size);
	uint64_t n = r->warmup + r->iters, t0 = 0, sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		if (i == r->warmup)
			t0 = bench_now();
		memcpy(pp_ab(r), src, r->size);
		efd_post(r, r->fd[0]);
		efd_wait(r, r->fd[1]);
		sum += payload_read(pp_ba(r), r->size);
	}
	r->ns = bench_now() - t0;
	bench_check(r, sum, n);
}

static void eventfd_b(struct run *r)
{
	uint8_t *src = payload_make(r, r->size);
	uint64_t n = r->warmup + r->iters, sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		efd_wait(r, r->fd[0]);
		sum += payload_read(pp_ab(r), r->size);
		memcpy(pp_ba(r), src, r->size);
		efd_post(r, r->fd[1]);
	}
	sink = sum;
}

/*
 * Pipes and sockets: fd[0] and fd[1] are side A's ends (read, write),
 * fd[2] and fd[3] side B's.
 */
static int pipe_setup(struct run *r)
{
	int ab[2], ba[2];

	for (int i = 0; i < 4; i++)
		r->fd[i] = -1;
	r->shm = NULL;
	if (pipe2(ab, O_CLOEXEC))
		return -errno;
	if (pipe2(ba, O_CLOEXEC)) {
		close(ab[0]);
		close(ab[1]);
		return -errno;
	}
	r->fd[0] = ba[0];
	r->fd[1] = ab[1];
	r->fd[2] = ab[0];
	r->fd[3] = ba[1];
	return 0;
}

static int unix_setup(struct run *r)
{
	int sv[2];

	for (int i = 0; i < 4; i++)
		r->fd[i] = -1;
	r->shm = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	r->fd[0] = sv[0];
	r->fd[1] = dup(sv[0]);
	r->fd[2] = sv[1];
	r->fd[3] = dup(sv[1]);
	return r->fd[1] < 0 || r->fd[3] < 0 ? -errno : 0;
}

static void write_all(struct run *r, int fd, const uint8_t *p, uint64_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0)
			bench_fail(r, "write", n ? errno : EPIPE);
		p += n;
		len -= (uint64_t)n;
	}
}

static void read_all(struct run *r, int fd, uint8_t *p, uint64_t len)
{
	while (len) {
		ssize_t n = read(fd, p, len);

		if (n <= 0)
			bench_fail(r, "read", n ? errno : EPIPE);
		p += n;
		len -= (uint64_t)n;
	}
}

static void fd_a(struct run *r)
{
	uint8_t *src = payload_make(r, r->size), *buf = payload_make(r, r->size);
	uint64_t n = r->warmup + r->iters, t0 = 0, sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		if (i == r->warmup)
			t0 = bench_now();
		write_all(r, r->fd[1], src, r->size);
		read_all(r, r->fd[0], buf, r->size);
		sum += payload_read(buf, r->size);
	}
	r->ns = bench_now() - t0;
	bench_check(r, sum, n);
}

static void fd_b(struct run *r)
{
	uint8_t *src = payload_make(r, r->size), *buf = payload_make(r, r->size);
	uint64_t n = r->warmup + r->iters, sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		read_all(r, r->fd[2], buf, r->size);
		sum += payload_read(buf, r->size);
		write_all(r, r->fd[3], src, r->size);
	}
	sink = sum;
}

const struct bench_case case_floor = {
	.id = "floor", .label = "cache-line ping-pong (floor)",
	.section = SEC_RT, .flags = CASE_FLOOR | CASE_SIZELESS,
	.setup = pp_setup, .side_a = floor_a, .side_b = floor_b,
	.teardown = pp_teardown,
};

const struct bench_case case_shm_spin = {
	.id = "shm-spin", .label = "shm spin, payload copied",
	.section = SEC_RT,
	.setup = pp_setup, .side_a = spin_a, .side_b = spin_b,
	.teardown = pp_teardown,
};

const struct bench_case case_futex = {
	.id = "futex", .label = "futex",
	.section = SEC_RT,
	.setup = pp_setup, .side_a = futex_a, .side_b = futex_b,
	.teardown = pp_teardown,
};

const struct bench_case case_eventfd = {
	.id = "eventfd", .label = "eventfd",
	.section = SEC_RT,
	.setup = eventfd_setup, .side_a = eventfd_a, .side_b = eventfd_b,
	.teardown = pp_teardown,
};

const struct bench_case case_pipe = {
	.id = "pipe", .label = "pipe",
	.section = SEC_RT,
	.setup = pipe_setup, .side_a = fd_a, .side_b = fd_b,
	.teardown = pp_teardown,
};

const struct bench_case case_unix = {
	.id = "unix", .label = "AF_UNIX socketpair",
	.section = SEC_RT,
	.setup = unix_setup, .side_a = fd_a, .side_b = fd_b,
	.teardown = pp_teardown,
};
