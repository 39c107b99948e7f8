// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host tests of the mailbox (struct ipc_queue): order, full and empty,
 * timeouts, the retry budget, many senders and receivers, two processes
 * over a memfd, a scribbled-over queue, and argument checks.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipcsvc/ipcsvc.h"
#include "kselftest_harness.h"

#define HANG_NS		(10 * 1000000000LL)

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static struct ipc_message msg(uint32_t type, uintptr_t a)
{
	struct ipc_message m = { .type = type, .a = a, .b = ~a, .c = a * 3 };

	return m;
}

/* The sign says what happened: moved, nothing moved, failed. */
TEST(status_values)
{
	EXPECT_EQ(1, IPC_STATUS_SUCCESS);
	EXPECT_EQ(0, IPC_STATUS_EMPTY);
	EXPECT_EQ(0, IPC_STATUS_FULL);
	EXPECT_EQ(-ETIMEDOUT, IPC_STATUS_TIMEOUT);
	EXPECT_EQ(-EINVAL, IPC_STATUS_INVALID);
	EXPECT_EQ(-EBADMSG, IPC_STATUS_CORRUPT);
	EXPECT_EQ(32, IPC_QUEUE_SIZE);
	EXPECT_STREQ("success", ipc_status_str(IPC_STATUS_SUCCESS));
	EXPECT_NE(NULL, strstr(ipc_status_str(IPC_STATUS_FULL), "full"));
	EXPECT_NE(NULL, strstr(ipc_status_str(IPC_STATUS_EMPTY), "empty"));
	EXPECT_STREQ("timed out", ipc_status_str(IPC_STATUS_TIMEOUT));
	EXPECT_STREQ(ipcsvc_strerror(-EBADMSG),
		     ipc_status_str(IPC_STATUS_CORRUPT));
}

/* The source design's polling idioms work as written: the loop runs
 * while nothing moved and stops once the message did. */
TEST(polling_idioms)
{
	struct ipc_queue q;
	struct ipc_message m = msg(3, 3), out;
	unsigned int tries = 0;

	ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_init(&q));
	while (!ipc_queue_send(&q, &m))
		tries++;
	EXPECT_EQ(0, tries);
	memset(&out, 0, sizeof(out));
	while (!ipc_queue_recv(&q, &out))
		tries++;
	EXPECT_EQ(0, tries);
	EXPECT_EQ(3, out.a);
	EXPECT_FALSE(ipc_queue_recv(&q, &out));	/* empty */
	for (int i = 0; i < IPC_QUEUE_SIZE; i++)
		ASSERT_TRUE(ipc_queue_send(&q, &m));
	EXPECT_FALSE(ipc_queue_send(&q, &m));	/* full */
	/* failures are negative, so `< 0' tells them from the rest */
	EXPECT_GT(0, ipc_queue_send(NULL, &m));
}

/* FIFO order, exactly IPC_QUEUE_SIZE messages fit, over several laps. */
TEST(fifo_full_empty)
{
	struct ipc_queue q;
	struct ipc_message m, out;

	ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_init(&q));
	EXPECT_EQ(IPC_STATUS_EMPTY, ipc_queue_recv(&q, &out));
	for (uintptr_t lap = 0; lap < 5; lap++) {
		for (uintptr_t i = 0; i < IPC_QUEUE_SIZE; i++) {
			m = msg(7, lap * 100 + i);
			ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_send(&q, &m));
		}
		m = msg(7, 999);
		EXPECT_EQ(IPC_STATUS_FULL, ipc_queue_send(&q, &m));
		for (uintptr_t i = 0; i < IPC_QUEUE_SIZE; i++) {
			memset(&out, 0xcc, sizeof(out));
			ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_recv(&q, &out));
			EXPECT_EQ(7, out.type);
			EXPECT_EQ(lap * 100 + i, out.a);
			EXPECT_EQ(~(lap * 100 + i), out.b);
			EXPECT_EQ((lap * 100 + i) * 3, out.c);
		}
		EXPECT_EQ(IPC_STATUS_EMPTY, ipc_queue_recv(&q, &out));
	}
}

TEST(timeouts)
{
	struct ipc_queue q;
	struct ipc_message m = msg(1, 1), out;
	uint64_t t0, dt;

	ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_init(&q));
	t0 = mono_ns();
	EXPECT_EQ(IPC_STATUS_TIMEOUT, ipc_queue_recv_timeout(&q, &out, ipcsvc_timeout_ns(20000000)));
	dt = mono_ns() - t0;
	EXPECT_LE(20000000, dt);
	EXPECT_GT(5000000000ULL, dt);
	EXPECT_EQ(IPC_STATUS_TIMEOUT, ipc_queue_recv_timeout(&q, &out, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(IPC_STATUS_TIMEOUT, ipc_queue_recv_timeout(&q, &out, ipcsvc_timeout_at(ipcsvc_clock_now() - 1)));
	/* under 1 ms, the clock is read before the polls */
	t0 = mono_ns();
	EXPECT_EQ(IPC_STATUS_TIMEOUT, ipc_queue_recv_timeout(&q, &out, ipcsvc_timeout_ns(300000)));
	EXPECT_LE(300000, mono_ns() - t0);
	for (int i = 0; i < IPC_QUEUE_SIZE; i++)
		ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_send_timeout(&q, &m, ipcsvc_timeout_ns(0)));
	t0 = mono_ns();
	EXPECT_EQ(IPC_STATUS_TIMEOUT, ipc_queue_send_timeout(&q, &m, ipcsvc_timeout_ns(20000000)));
	dt = mono_ns() - t0;
	EXPECT_LE(20000000, dt);
	EXPECT_GT(5000000000ULL, dt);
	EXPECT_EQ(IPC_STATUS_SUCCESS, ipc_queue_recv_timeout(&q, &out, ipcsvc_timeout_ns(20000000)));
	EXPECT_EQ(IPC_STATUS_SUCCESS, ipc_queue_send_timeout(&q, &m, ipcsvc_timeout_ns(20000000)));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_queue_send_timeout(&q, &m, ipcsvc_timeout_ns(-1)));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_queue_recv_timeout(&q, &out, ipcsvc_timeout_ns(-1)));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_queue_recv_timeout(&q, &out,
			(ipcsvc_timeout_t){ 0, 1U << 7, 0 }));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_queue_recv_timeout(&q, &out,
			(ipcsvc_timeout_t){ 0, 0, 1 }));
	/* A deadline in the past looks once; one ahead waits until then. */
	EXPECT_EQ(IPC_STATUS_SUCCESS, ipc_queue_recv_timeout(&q, &out,
			ipcsvc_timeout_at(0)));
	EXPECT_EQ(IPC_STATUS_SUCCESS, ipc_queue_recv_timeout(&q, &out,
			ipcsvc_timeout_at(ipcsvc_clock_now() + 20000000)));
}

/* ipc_recv_t: a bounded number of polls, then IPC_STATUS_TIMEOUT. */
TEST(recv_retry_budget)
{
	struct ipc_queue q;
	struct ipc_message m = msg(2, 42), out;

	ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_init(&q));
	EXPECT_EQ(IPC_STATUS_TIMEOUT, ipc_recv_t(&q, &out, 0));
	EXPECT_EQ(IPC_STATUS_TIMEOUT, ipc_recv_t(&q, &out, 100));
	ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_send(&q, &m));
	EXPECT_EQ(IPC_STATUS_SUCCESS, ipc_recv_t(&q, &out, 0));
	EXPECT_EQ(42, out.a);
	ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_send(&q, &m));
	EXPECT_EQ(IPC_STATUS_SUCCESS, ipc_recv(&q, &out));
}

TEST(argument_checks)
{
	struct ipc_queue q;
	struct ipc_message m = msg(0, 0);

	EXPECT_EQ(IPC_STATUS_INVALID, ipc_queue_init(NULL));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_queue_init_shared(NULL));
	/* Not initialised. */
	memset(&q, 0, sizeof(q));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_queue_send(&q, &m));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_queue_recv(&q, &m));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_send(&q, &m));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_recv(&q, &m));
	ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_init(&q));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_queue_send(NULL, &m));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_queue_send(&q, NULL));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_queue_recv(NULL, &m));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_queue_recv(&q, NULL));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_queue_send_blocking(&q, NULL));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_queue_recv_blocking(NULL, &m));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_queue_send_timeout(NULL, &m, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_queue_recv_timeout(&q, NULL, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_send(NULL, &m));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_recv(&q, NULL));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_recv_t(NULL, &m, 1));
	EXPECT_EQ(IPC_STATUS_INVALID, ipc_recv_t(&q, NULL, 1));
}

/* A peer that scribbles over the queue gets IPC_STATUS_CORRUPT, not a hang
 * or a read outside the queue. */
TEST(corrupt_queue)
{
	struct ipc_queue q;
	struct ipc_message m = msg(3, 3), out;

	ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_init(&q));
	q.slot[0].seq = 12345;	/* ahead of the tail that points at it */
	EXPECT_EQ(IPC_STATUS_CORRUPT, ipc_queue_send(&q, &m));
	EXPECT_EQ(IPC_STATUS_CORRUPT, ipc_queue_send_timeout(&q, &m, ipcsvc_timeout_ns(HANG_NS)));
	EXPECT_EQ(IPC_STATUS_CORRUPT, ipc_queue_recv(&q, &out));
	EXPECT_EQ(IPC_STATUS_CORRUPT, ipc_queue_recv_blocking(&q, &out));

	ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_init(&q));
	q.slot[0].seq = (uint64_t)-5;	/* far behind */
	EXPECT_EQ(IPC_STATUS_CORRUPT, ipc_queue_send(&q, &m));
	EXPECT_EQ(IPC_STATUS_CORRUPT, ipc_queue_recv(&q, &out));

	ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_init(&q));
	q.head = 1000;		/* head beyond tail: nothing there */
	EXPECT_EQ(IPC_STATUS_CORRUPT, ipc_queue_recv(&q, &out));
	EXPECT_EQ(IPC_STATUS_CORRUPT, ipc_recv_t(&q, &out, 5));

	/* A wild tail still lands in a slot of the queue. */
	ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_init(&q));
	q.tail = UINT64_MAX;
	EXPECT_EQ(IPC_STATUS_CORRUPT, ipc_queue_send(&q, &m));
}

struct mt {
	struct ipc_queue *q;
	unsigned int id;
	unsigned int per_sender;
	_Atomic uint64_t *sum;
	_Atomic unsigned int *got;
	unsigned int total;
	int err;
};

static void *sender(void *arg)
{
	struct mt *t = arg;

	for (unsigned int i = 0; i < t->per_sender; i++) {
		struct ipc_message m = msg(t->id, (uintptr_t)i + 1);

		if (ipc_queue_send_timeout(t->q, &m, ipcsvc_timeout_ns(HANG_NS)) != IPC_STATUS_SUCCESS) {
			t->err = 1;
			break;
		}
	}
	return NULL;
}

static void *receiver(void *arg)
{
	struct mt *t = arg;
	uintptr_t last[8] = { 0 };

	for (;;) {
		struct ipc_message m;
		ipc_status_t rc;

		if (atomic_load(t->got) >= t->total)
			break;
		rc = ipc_queue_recv_timeout(t->q, &m, ipcsvc_timeout_ns(2000000));
		if (rc == IPC_STATUS_TIMEOUT)
			continue;
		if (rc != IPC_STATUS_SUCCESS || m.type >= 8 || m.b != ~m.a ||
		    m.c != m.a * 3 || m.a <= last[m.type]) {
			/* each sender's messages come in order per receiver */
			t->err = 2;
			atomic_fetch_add(t->got, t->total);
			break;
		}
		last[m.type] = m.a;
		atomic_fetch_add(t->sum, m.a);
		atomic_fetch_add(t->got, 1);
	}
	return NULL;
}

/* Four senders and three receivers; each message arrives exactly once. */
TEST(many_senders_many_receivers)
{
	struct ipc_queue q;
	_Atomic uint64_t sum = 0;
	_Atomic unsigned int got = 0;
	struct mt t[7];
	pthread_t th[7];
	const unsigned int per = 5000, ns = 4, nr = 3;

	ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_init(&q));
	for (unsigned int i = 0; i < ns + nr; i++) {
		t[i] = (struct mt){ .q = &q, .id = i, .per_sender = per,
				    .sum = &sum, .got = &got,
				    .total = per * ns };
		ASSERT_EQ(0, pthread_create(&th[i], NULL,
					    i < ns ? sender : receiver, &t[i]));
	}
	for (unsigned int i = 0; i < ns + nr; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, t[i].err) TH_LOG("thread %u", i);
	}
	EXPECT_EQ(per * ns, atomic_load(&got));
	EXPECT_EQ((uint64_t)ns * per * (per + 1) / 2, atomic_load(&sum));
	EXPECT_EQ(0, q.recv_waiters);
	EXPECT_EQ(0, q.send_waiters);
}

/* Blocking calls sleep until the other thread acts. */
static void *late_sender(void *arg)
{
	struct ipc_queue *q = arg;
	struct ipc_message m = msg(9, 9);
	struct timespec ts = { 0, 20000000 };

	nanosleep(&ts, NULL);
	ipc_send(q, &m);
	return NULL;
}

TEST(blocking_receive_wakes)
{
	struct ipc_queue q;
	struct ipc_message out;
	pthread_t th;

	ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_init(&q));
	ASSERT_EQ(0, pthread_create(&th, NULL, late_sender, &q));
	EXPECT_EQ(IPC_STATUS_SUCCESS, ipc_recv(&q, &out));
	EXPECT_EQ(9, out.a);
	pthread_join(th, NULL);
}

/* Two processes share a mailbox in a memfd mapping (shared futexes). */
TEST(two_processes_over_memfd)
{
	int fd = memfd_create("mbox", MFD_CLOEXEC);
	struct ipc_queue *q, *back;
	const unsigned int n = 20000;
	uint64_t sum = 0;
	int status;
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 2 * sizeof(*q)));
	q = mmap(NULL, 2 * sizeof(*q), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, q);
	back = q + 1;
	ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_init_shared(q));
	ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_init_shared(back));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The child maps the memfd again, at an address of its own. */
		struct ipc_queue *cq = mmap(NULL, 2 * sizeof(*q),
					    PROT_READ | PROT_WRITE, MAP_SHARED,
					    fd, 0);
		uint64_t csum = 0;

		if (cq == MAP_FAILED)
			_exit(10);
		for (unsigned int i = 0; i < n; i++) {
			struct ipc_message m;

			if (ipc_queue_recv_timeout(cq, &m, ipcsvc_timeout_ns(HANG_NS)) !=
			    IPC_STATUS_SUCCESS)
				_exit(11);
			if (m.a != i)
				_exit(12);
			csum += m.a;
		}
		{
			struct ipc_message r = msg(5, (uintptr_t)csum);

			if (ipc_queue_send_timeout(cq + 1, &r, ipcsvc_timeout_ns(HANG_NS)) !=
			    IPC_STATUS_SUCCESS)
				_exit(13);
		}
		_exit(0);
	}
	for (unsigned int i = 0; i < n; i++) {
		struct ipc_message m = msg(4, i);

		ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_send_timeout(q, &m, ipcsvc_timeout_ns(HANG_NS)));
		sum += i;
	}
	{
		struct ipc_message r;

		ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_recv_timeout(back, &r, ipcsvc_timeout_ns(HANG_NS)));
		EXPECT_EQ(sum, r.a);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	munmap(q, 2 * sizeof(*q));
	close(fd);
}

TEST_HARNESS_MAIN
