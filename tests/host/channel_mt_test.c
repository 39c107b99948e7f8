// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host tests of the channel queue under concurrency: a producer and a
 * consumer thread in every waiting mode, many producer threads on one
 * channel, many receiving threads releasing out of order, growth while
 * both run, and two processes over memfd pages.
 *
 * Verdicts never depend on timing: every wait has a generous bound that
 * only turns a hang into a failure.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "channel_helpers.h"
#include "kselftest_harness.h"

#define HANG_NS		(10 * 1000000000LL)

struct run {
	struct ipcsvc_channel *tx, *rx;
	uint64_t count;
	unsigned int nthreads;
	unsigned int index;
	bool grow;
	int err;			/* first failure, or 0 */
	char why[128];
};

static void fail(struct run *r, int err, const char *why)
{
	if (!r->err) {
		r->err = err ? err : -1;
		snprintf(r->why, sizeof(r->why), "%s: %d", why, err);
	}
}

/* Message i of producer p: id (p << 32 | i), one object of a length that
 * varies with i, filled with a pattern of the id. */
static size_t msg_len(uint64_t i)
{
	return (size_t)(i * 53 % 900);
}

static void *producer(void *arg)
{
	struct run *r = arg;
	uint8_t buf[3000];

	for (uint64_t i = 0; i < r->count && !r->err; i++) {
		uint64_t id = (uint64_t)r->index << 32 | i;
		size_t len = msg_len(i);
		struct ipcsvc_msg *m;
		void *p;
		int rc;

		/* Grow halfway, then send messages the old size refused. */
		if (r->grow && i == r->count / 2) {
			rc = ipcsvc_channel_grow(r->tx, 8 * page_size());
			if (rc)
				return fail(r, rc, "grow"), NULL;
		}
		if (r->grow && i >= r->count / 2)
			len = 2100 + i % 800;
		rc = ipcsvc_channel_allocate_for_send_timeout(r->tx,
				len, id, 1, 0, &m, ipcsvc_timeout_ns(HANG_NS));
		if (rc)
			return fail(r, rc, "allocate"), NULL;
		rc = ipcsvc_msg_reserve_object(m, 1, len, &p);
		if (rc)
			return fail(r, rc, "object"), NULL;
		pattern(p, len, id);
		(void)buf;
		rc = ipcsvc_channel_send(r->tx, m);
		if (rc)
			return fail(r, rc, "send"), NULL;
	}
	return NULL;
}

/* Receive nthreads * count messages; each producer's arrive in order. */
static void consume(struct run *r)
{
	uint64_t next[16] = { 0 };
	uint64_t total = (uint64_t)r->nthreads * r->count;

	for (uint64_t n = 0; n < total && !r->err; n++) {
		struct ipcsvc_msg *m;
		struct ipcsvc_msg_info info;
		struct ipcsvc_object o = { 0 };
		unsigned int p;
		uint64_t i;
		int rc = ipcsvc_channel_receive_timeout(r->rx, &m, ipcsvc_timeout_ns(HANG_NS));

		if (rc)
			{ fail(r, rc, "receive"); return; }
		if (ipcsvc_msg_info(m, &info))
			{ fail(r, 0, "info"); return; }
		p = (unsigned int)(info.id >> 32);
		i = (uint32_t)info.id;
		if (p >= r->nthreads || i != next[p])
			{ fail(r, (int)i, "order"); return; }
		next[p]++;
		if (ipcsvc_msg_next_object(m, &o) != 1)
			{ fail(r, 0, "object"); return; }
		if (o.length != (r->grow && i >= r->count / 2 ?
				 2100 + i % 800 : msg_len(i)))
			{ fail(r, (int)o.length, "length"); return; }
		if (!pattern_ok(o.data, o.length, info.id))
			{ fail(r, 0, "contents"); return; }
		rc = ipcsvc_channel_release(r->rx, m);
		if (rc)
			{ fail(r, rc, "release"); return; }
	}
}

FIXTURE(mt) {
	struct test_area area;
};

FIXTURE_VARIANT(mt) {
	uint32_t mode;
};

FIXTURE_VARIANT_ADD(mt, adaptive) { .mode = IPCSVC_WAIT_ADAPTIVE };
FIXTURE_VARIANT_ADD(mt, busy_poll) { .mode = IPCSVC_WAIT_BUSY_POLL };
FIXTURE_VARIANT_ADD(mt, sleep) { .mode = IPCSVC_WAIT_SLEEP };

FIXTURE_SETUP(mt)
{
	ASSERT_EQ(0, test_area_make(&self->area, page_size(), 8 * page_size()));
}

FIXTURE_TEARDOWN(mt)
{
	test_area_free(&self->area);
}

static void run_threads(struct __test_metadata *_metadata,
			struct test_area *a, uint32_t mode, unsigned int nthreads,
			uint64_t count, bool grow)
{
	struct ipcsvc_channel_attr attr = { .size = sizeof(attr),
					    .wait_mode = mode };
	struct run prod[16], cons;
	pthread_t th[16];

	memset(&cons, 0, sizeof(cons));
	ASSERT_EQ(0, ipcsvc_channel_open(a->mem, a->len, NULL, 0, &attr, &cons.tx));
	ASSERT_EQ(0, ipcsvc_channel_open(NULL, 0, a->mem, a->len, &attr, &cons.rx));
	cons.count = count;
	cons.nthreads = nthreads;
	cons.grow = grow;
	for (unsigned int t = 0; t < nthreads; t++) {
		prod[t] = cons;
		prod[t].index = t;
		ASSERT_EQ(0, pthread_create(&th[t], NULL, producer, &prod[t]));
	}
	consume(&cons);
	for (unsigned int t = 0; t < nthreads; t++) {
		pthread_join(th[t], NULL);
		EXPECT_EQ(0, prod[t].err) TH_LOG("producer %u: %s", t, prod[t].why);
	}
	EXPECT_EQ(0, cons.err) TH_LOG("consumer: %s", cons.why);
	/* Everything released: tail and head meet, counts agree. */
	EXPECT_EQ(area_prod(a)->tail, area_cons(a)->head);
	EXPECT_EQ(nthreads * count, area_prod(a)->published);
	EXPECT_EQ(nthreads * count, area_cons(a)->consumed);
	EXPECT_EQ(0, area_prod(a)->waiters);
	EXPECT_EQ(0, area_cons(a)->waiters);
	ipcsvc_channel_close(cons.tx);
	ipcsvc_channel_close(cons.rx);
}

TEST_F(mt, one_producer)
{
	run_threads(_metadata, &self->area, variant->mode, 1, 4000, false);
}

TEST_F(mt, four_producers)
{
	run_threads(_metadata, &self->area, variant->mode, 4, 1500, false);
}

TEST_F(mt, grow_mid_flight)
{
	run_threads(_metadata, &self->area, variant->mode, 2, 1500, true);
}

/*
 * Several threads receive from one channel at once, each holding up to
 * three messages (fewer once no more come) and releasing them newest
 * first, so that receives race
 * for every message and releases hand the retiring of space from thread
 * to thread. Every message must arrive exactly once, intact, and each
 * thread must see the ids it takes in order.
 */
struct rcv {
	struct run *r;
	_Atomic uint64_t *taken;
	_Atomic uint8_t *seen;
	int err;
	char why[96];
};

/* Release, newest first, the messages @c holds. */
static void release_held(struct rcv *c, struct ipcsvc_msg **held,
			 unsigned int *nheld)
{
	while (*nheld) {
		int rc = ipcsvc_channel_release(c->r->rx, held[--*nheld]);

		if (rc && !c->err) {
			c->err = rc;
			snprintf(c->why, sizeof(c->why), "release: %d", rc);
		}
	}
}

static void *receiver(void *arg)
{
	struct rcv *c = arg;
	struct ipcsvc_msg *held[3];
	unsigned int nheld = 0;
	uint64_t last = 0;
	bool any = false;

	while (atomic_load(c->taken) < c->r->count && !c->err) {
		struct ipcsvc_msg_info info;
		struct ipcsvc_object o = { 0 };
		struct ipcsvc_msg *m;
		/* a short wait: another thread may take the last message */
		int rc = ipcsvc_channel_receive_timeout(c->r->rx, &m,
				ipcsvc_timeout_ns(10 * 1000000));

		if (rc == -ETIMEDOUT || rc == -ENOBUFS) {
			/* What we hold may be what the producer waits for
			 * (space is retired in order), or what holds 64
			 * received messages back from retiring. */
			release_held(c, held, &nheld);
			continue;
		}
		if (rc || ipcsvc_msg_info(m, &info) ||
		    ipcsvc_msg_next_object(m, &o) != 1 ||
		    o.length != msg_len(info.id) ||
		    !pattern_ok(o.data, o.length, info.id)) {
			c->err = rc ? rc : -1;
			snprintf(c->why, sizeof(c->why), "receive: %d", rc);
			break;
		}
		if ((any && info.id <= last) || info.id >= c->r->count ||
		    atomic_fetch_add(&c->seen[info.id], 1)) {
			c->err = -1;
			snprintf(c->why, sizeof(c->why), "id %llu after %llu",
				 (unsigned long long)info.id,
				 (unsigned long long)last);
			break;
		}
		last = info.id;
		any = true;
		atomic_fetch_add(c->taken, 1);
		held[nheld++] = m;
		if (nheld == 3 || atomic_load(c->taken) == c->r->count)
			release_held(c, held, &nheld);
	}
	release_held(c, held, &nheld);
	return NULL;
}

TEST_F(mt, four_receivers)
{
	struct ipcsvc_channel_attr attr = { .size = sizeof(attr),
					    .wait_mode = variant->mode };
	struct test_area *a = &self->area;
	const uint64_t count = 6000;
	_Atomic uint64_t taken = 0;
	uint64_t lost = 0;
	static _Atomic uint8_t seen[6000];
	struct rcv c[4];
	pthread_t th[4], pt;
	struct run prod;

	memset(&prod, 0, sizeof(prod));
	memset(seen, 0, sizeof(seen));
	ASSERT_EQ(0, ipcsvc_channel_open(a->mem, a->len, NULL, 0, &attr, &prod.tx));
	ASSERT_EQ(0, ipcsvc_channel_open(NULL, 0, a->mem, a->len, &attr, &prod.rx));
	prod.count = count;
	for (int t = 0; t < 4; t++) {
		c[t] = (struct rcv){ .r = &prod, .taken = &taken, .seen = seen };
		ASSERT_EQ(0, pthread_create(&th[t], NULL, receiver, &c[t]));
	}
	ASSERT_EQ(0, pthread_create(&pt, NULL, producer, &prod));
	pthread_join(pt, NULL);
	for (int t = 0; t < 4; t++) {
		pthread_join(th[t], NULL);
		EXPECT_EQ(0, c[t].err) TH_LOG("receiver %d: %s", t, c[t].why);
	}
	EXPECT_EQ(0, prod.err) TH_LOG("producer: %s", prod.why);
	EXPECT_EQ(count, atomic_load(&taken));
	for (uint64_t i = 0; i < count; i++)
		if (atomic_load(&seen[i]) != 1)
			lost++;
	EXPECT_EQ(0, lost) TH_LOG("ids not taken exactly once");
	/* Everything released: tail and head meet, counts agree. */
	EXPECT_EQ(area_prod(a)->tail, area_cons(a)->head);
	EXPECT_EQ(count, area_prod(a)->published);
	EXPECT_EQ(count, area_cons(a)->consumed);
	EXPECT_EQ(0, area_cons(a)->broken);
	ipcsvc_channel_close(prod.tx);
	ipcsvc_channel_close(prod.rx);
}

/*
 * Two processes, each with its own mapping of the memfd pages: the child
 * answers every request with the sum of its bytes. Sleeping and waking
 * cross the process boundary through shared futexes.
 */
static int child_echo(struct test_area *req, struct test_area *rsp, int n)
{
	void *rq = test_area_remap(req), *rs = test_area_remap(rsp);
	struct ipcsvc_channel_attr attr = { .size = sizeof(attr),
					    .wait_mode = IPCSVC_WAIT_SLEEP };
	struct ipcsvc_channel *ch;

	if (!rq || !rs || ipcsvc_channel_open(rs, rsp->len, rq, req->len,
					      &attr, &ch))
		return 10;
	for (int i = 0; i < n; i++) {
		struct ipcsvc_msg *m;
		struct ipcsvc_msg_info info;
		struct ipcsvc_object o = { 0 };
		uint64_t sum = 0;

		if (ipcsvc_channel_receive_timeout(ch, &m, ipcsvc_timeout_ns(HANG_NS)))
			return 11;
		if (ipcsvc_msg_info(m, &info) || info.id != (uint64_t)i)
			return 12;
		if (ipcsvc_msg_next_object(m, &o) != 1)
			return 13;
		for (uint64_t k = 0; k < o.length; k++)
			sum += ((const uint8_t *)o.data)[k];
		if (ipcsvc_channel_release(ch, m))
			return 14;
		if (send_blob(ch, info.id, &sum, sizeof(sum), 0) == -EAGAIN)
			return 15;
	}
	ipcsvc_channel_close(ch);
	return 0;
}

TEST(two_processes_over_memfd)
{
	struct test_area req, rsp;
	struct ipcsvc_channel_attr attr = { .size = sizeof(attr),
					    .wait_mode = IPCSVC_WAIT_SLEEP };
	struct ipcsvc_channel *ch;
	const int n = 500;
	uint8_t buf[1000];
	int status;
	pid_t pid;

	ASSERT_EQ(0, test_area_make(&req, page_size(), page_size()));
	ASSERT_EQ(0, test_area_make(&rsp, page_size(), page_size()));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(child_echo(&req, &rsp, n));
	ASSERT_EQ(0, ipcsvc_channel_open(req.mem, req.len, rsp.mem, rsp.len,
					 &attr, &ch));
	for (int i = 0; i < n; i++) {
		size_t len = (size_t)(i * 97) % sizeof(buf);
		struct ipcsvc_msg *m;
		struct ipcsvc_object o = { 0 };
		uint64_t sum = 0, got;

		pattern(buf, len, (uint64_t)i);
		for (size_t k = 0; k < len; k++)
			sum += buf[k];
		ASSERT_EQ(0, ipcsvc_channel_allocate_for_send_timeout(ch,
				len, (uint64_t)i, 1, 0,
				&m, ipcsvc_timeout_ns(HANG_NS)));
		ASSERT_EQ(0, ipcsvc_msg_add_object(m, 0, buf, len));
		ASSERT_EQ(0, ipcsvc_channel_send(ch, m));
		ASSERT_EQ(0, ipcsvc_channel_receive_timeout(ch, &m, ipcsvc_timeout_ns(HANG_NS)));
		ASSERT_EQ(1, ipcsvc_msg_next_object(m, &o));
		ASSERT_EQ(sizeof(got), o.length);
		memcpy(&got, o.data, sizeof(got));
		ASSERT_EQ(sum, got);
		ASSERT_EQ(0, ipcsvc_channel_release(ch, m));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ipcsvc_channel_close(ch);
	test_area_free(&req);
	test_area_free(&rsp);
}

/* A stream from a child process into a small ring: the parent sees every
 * message in order, across many wraps, with the child often blocked on a
 * full ring. */
TEST(stream_from_child_process)
{
	struct test_area a;
	struct run r;
	int status;
	pid_t pid;

	ASSERT_EQ(0, test_area_make(&a, page_size(), page_size()));
	memset(&r, 0, sizeof(r));
	r.count = 5000;
	r.nthreads = 1;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		void *m = test_area_remap(&a);

		if (!m || ipcsvc_channel_open(m, a.len, NULL, 0, NULL, &r.tx))
			_exit(10);
		producer(&r);
		_exit(r.err ? 11 : 0);
	}
	ASSERT_EQ(0, ipcsvc_channel_open(NULL, 0, a.mem, a.len, NULL, &r.rx));
	consume(&r);
	EXPECT_EQ(0, r.err) TH_LOG("consumer: %s", r.why);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(5000, area_cons(&a)->consumed);
	ipcsvc_channel_close(r.rx);
	test_area_free(&a);
}

TEST_HARNESS_MAIN
