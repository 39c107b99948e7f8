// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Benchmarks of the queue engine and the mailbox over plain shared memory
 * (memfd, futex waits), between two processes or two threads. They report
 * figures; they assert nothing about speed.
 *
 *   channel_bench [-q]      -q: fewer iterations, for a quick look
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "channel_helpers.h"

static unsigned int scale = 1;

static void die(const char *what, int err)
{
	fprintf(stderr, "channel_bench: %s: %s\n", what, ipcsvc_strerror(err));
	exit(1);
}

/* Two areas, one per direction, and a channel end on each side. */
struct pair {
	struct test_area ab, ba;
};

static void pair_make(struct pair *p, uint64_t max_size)
{
	int rc = test_area_make(&p->ab, max_size, max_size);

	if (!rc)
		rc = test_area_make(&p->ba, max_size, max_size);
	if (rc)
		die("area", rc);
}

static struct ipcsvc_channel *end_open(struct test_area *tx, struct test_area *rx,
				       uint32_t mode)
{
	struct ipcsvc_channel_attr attr = {
		.size = sizeof(attr),
		.wait_mode = mode,
		.spin_count = IPCSVC_SPIN_DEFAULT,
	};
	struct ipcsvc_channel *ch;
	int rc = ipcsvc_channel_open(tx->mem, tx->len, rx->mem, rx->len, &attr, &ch);

	if (rc)
		die("channel open", rc);
	return ch;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Receive one message, check its id, release it. */
static void take(struct ipcsvc_channel *ch, uint64_t want_id)
{
	struct ipcsvc_msg_info info;
	struct ipcsvc_msg *m;
	int rc = ipcsvc_channel_receive_timeout(ch, &m, ipcsvc_timeout_ns(10000000000LL));

	if (rc)
		die("receive", rc);
	rc = ipcsvc_msg_info(m, &info);
	if (rc || info.id != want_id)
		die("message id", rc ? rc : EBADMSG);
	rc = ipcsvc_channel_release(ch, m);
	if (rc)
		die("release", rc);
}

static void put(struct ipcsvc_channel *ch, uint64_t id, const uint8_t *buf,
		uint64_t len)
{
	struct ipcsvc_msg *m;
	int rc = ipcsvc_channel_allocate_for_send_timeout(ch, len,
							  id, 1, 0, &m, ipcsvc_timeout_ns(10000000000LL));

	if (!rc)
		rc = ipcsvc_msg_add_object(m, 1, buf, len);
	if (!rc)
		rc = ipcsvc_channel_send(ch, m);
	if (rc)
		die("send", rc);
}

static const char *mode_name(uint32_t mode)
{
	switch (mode) {
	case IPCSVC_WAIT_BUSY_POLL:
		return "busy-poll";
	case IPCSVC_WAIT_SLEEP:
		return "sleep";
	default:
		return "adaptive";
	}
}

/* Round trips of a 64-byte message between two processes. */
static void bench_pingpong(uint32_t mode, unsigned int rounds)
{
	uint8_t buf[64] = { 0 };
	struct pair p;
	uint64_t *lat;
	pid_t pid;
	int status;

	pair_make(&p, 1 << 16);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		struct ipcsvc_channel *ch = end_open(&p.ba, &p.ab, mode);

		for (unsigned int i = 0; i < rounds; i++) {
			take(ch, i);
			put(ch, i, buf, sizeof(buf));
		}
		_exit(0);
	}

	struct ipcsvc_channel *ch = end_open(&p.ab, &p.ba, mode);

	lat = calloc(rounds, sizeof(*lat));
	if (!lat)
		die("calloc", ENOMEM);
	for (unsigned int i = 0; i < rounds; i++) {
		uint64_t t0 = now_ns();

		put(ch, i, buf, sizeof(buf));
		take(ch, i);
		lat[i] = now_ns() - t0;
	}
	waitpid(pid, &status, 0);
	qsort(lat, rounds, sizeof(*lat), cmp_u64);
	printf("pingpong  %-9s    64 B %7u round trips: p50 %7.2f us  p99 %8.2f us\n",
	       mode_name(mode), rounds, lat[rounds / 2] / 1e3,
	       lat[rounds - rounds / 100 - 1] / 1e3);
	free(lat);
	ipcsvc_channel_close(ch);
	test_area_free(&p.ab);
	test_area_free(&p.ba);
}

/*
 * One process streams messages of @len bytes to another. The sender copies
 * the payload in; the receiver reads it in place, as a zero-copy consumer
 * would, and touches only the header.
 */
static void bench_stream(uint32_t mode, uint64_t len, unsigned int count)
{
	uint8_t *buf = calloc(1, len);
	struct pair p;
	uint64_t t0, ns;
	pid_t pid;
	int status;

	if (!buf)
		die("calloc", ENOMEM);
	pair_make(&p, 1 << 20);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		struct ipcsvc_channel *ch = end_open(&p.ba, &p.ab, mode);

		for (unsigned int i = 0; i < count; i++)
			take(ch, i);
		_exit(0);
	}

	struct ipcsvc_channel *ch = end_open(&p.ab, &p.ba, mode);

	t0 = now_ns();
	for (unsigned int i = 0; i < count; i++)
		put(ch, i, buf, len);
	waitpid(pid, &status, 0);
	ns = now_ns() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("receiver", EPROTO);
	printf("stream    %-9s %5llu B %7u messages: %9.0f msg/s  %8.1f MiB/s\n",
	       mode_name(mode), (unsigned long long)len, count,
	       count / (ns / 1e9), count * (double)len / (ns / 1e9) / (1 << 20));
	free(buf);
	ipcsvc_channel_close(ch);
	test_area_free(&p.ab);
	test_area_free(&p.ba);
}

static void *mailbox_sender(void *arg)
{
	struct ipc_queue *q = arg;
	struct ipc_message m = { .type = 1 };
	unsigned int n = 1000000 / scale;

	for (unsigned int i = 0; i < n; i++) {
		m.a = i;
		if (ipc_queue_send_blocking(q, &m) != IPC_STATUS_SUCCESS)
			die("ipc_queue_send_blocking", EPROTO);
	}
	return NULL;
}

/* The mailbox between two threads, blocking calls. */
static void bench_mailbox(void)
{
	struct ipc_queue q;
	struct ipc_message m;
	unsigned int n = 1000000 / scale;
	pthread_t t;
	uint64_t t0, ns;

	ipc_queue_init(&q);
	t0 = now_ns();
	if (pthread_create(&t, NULL, mailbox_sender, &q))
		die("pthread_create", EAGAIN);
	for (unsigned int i = 0; i < n; i++) {
		if (ipc_queue_recv_blocking(&q, &m) != IPC_STATUS_SUCCESS || m.a != i)
			die("ipc_queue_recv_blocking", EPROTO);
	}
	pthread_join(t, NULL);
	ns = now_ns() - t0;
	printf("mailbox   blocking  32 slot %7u messages: %9.0f msg/s\n", n,
	       n / (ns / 1e9));
}

int main(int argc, char **argv)
{
	static const uint32_t modes[] = {
		IPCSVC_WAIT_BUSY_POLL, IPCSVC_WAIT_ADAPTIVE, IPCSVC_WAIT_SLEEP,
	};

	if (argc > 1 && !strcmp(argv[1], "-q"))
		scale = 10;
	printf("ipcsvc %s, %ld CPUs online\n", ipcsvc_library_version(),
	       sysconf(_SC_NPROCESSORS_ONLN));
	for (unsigned int i = 0; i < 3; i++)
		bench_pingpong(modes[i], 20000 / scale);
	for (unsigned int i = 0; i < 3; i++) {
		bench_stream(modes[i], 64, 500000 / scale);
		bench_stream(modes[i], 1024, 200000 / scale);
		bench_stream(modes[i], 16384, 20000 / scale);
	}
	bench_mailbox();
	return 0;
}
