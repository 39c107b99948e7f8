// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host tests of auto-growth: allocation grows the sending area by itself,
 * up to max_size, when a message is too large for the ring at its current
 * size or the ring has no room for it; the receiver follows identity.size.
 * Then: -EMSGSIZE decided from max_size, FULL at max_size, the
 * IPCSVC_CHANNEL_NO_AUTOGROW flag, NoQueue, growth while the consumer holds
 * messages across a wrap, a backend whose growth fails, and several sender
 * threads growing one ring at once.
 *
 * No verdict depends on timing: every wait has a generous bound that only
 * turns a hang into a failure.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "channel_helpers.h"
#include "../../lib/internal.h"
#include "kselftest_harness.h"

#define HANG_NS		(10 * 1000000000LL)
#define HDR		((uint64_t)sizeof(struct ipcsvc_msg_header))

/* The ring's bytes for a message of one object of @len data bytes. */
static uint64_t ring_len(uint64_t len)
{
	return HDR + IPCSVC_OBJECT_SPACE(len);
}

/* The largest data bytes of a one-object message in a ring of @size. */
static uint64_t biggest_object(uint64_t size)
{
	return (((size - 16) / 2) & ~7ULL) - HDR -
	       sizeof(struct ipcsvc_obj_header);
}

static uint64_t round_page(uint64_t v)
{
	return (v + page_size() - 1) / page_size() * page_size();
}

/* Receive one message and check it: id, one object of @len pattern bytes
 * seeded with the id. Returns the message (held) or NULL. */
static struct ipcsvc_msg *take(struct ipcsvc_channel *ch, uint64_t id,
			       uint64_t len)
{
	struct ipcsvc_object o = { 0 };
	struct ipcsvc_msg_info info;
	struct ipcsvc_msg *m;

	if (ipcsvc_channel_receive(ch, &m))
		return NULL;
	if (ipcsvc_msg_info(m, &info) || info.id != id || info.object_count != 1)
		return NULL;
	if (ipcsvc_msg_next_object(m, &o) != 1 || o.length != len ||
	    !pattern_ok(o.data, len, id))
		return NULL;
	return m;
}

/* Check a message still held: its object holds the pattern of @id. */
static int still_ok(const struct ipcsvc_msg *m, uint64_t id, uint64_t len)
{
	struct ipcsvc_object o = { 0 };

	return ipcsvc_msg_next_object(m, &o) == 1 && o.length == len &&
	       pattern_ok(o.data, len, id);
}

/* Send one message of @len pattern bytes seeded with @id. */
static int send_pat(struct ipcsvc_channel *ch, uint64_t id, uint64_t len,
		    uint64_t flags)
{
	uint8_t *buf = malloc(len ? len : 1);
	int rc;

	if (!buf)
		return -ENOMEM;
	pattern(buf, len, id);
	rc = send_blob(ch, id, buf, len, flags);
	free(buf);
	return rc;
}

FIXTURE(grow) {
	struct test_area area;
	struct ipcsvc_channel *tx, *rx;
	uint64_t max;
};

FIXTURE_SETUP(grow)
{
	self->max = 16 * page_size();
	ASSERT_EQ(0, test_area_make(&self->area, page_size(), self->max));
	ASSERT_EQ(0, ipcsvc_channel_open(self->area.mem, self->area.len, NULL,
					 0, NULL, &self->tx));
	ASSERT_EQ(0, ipcsvc_channel_open(NULL, 0, self->area.mem,
					 self->area.len, NULL, &self->rx));
}

FIXTURE_TEARDOWN(grow)
{
	ipcsvc_channel_close(self->tx);
	ipcsvc_channel_close(self->rx);
	test_area_free(&self->area);
}

/* A message over the first page's limit goes through without a grow call;
 * the area grows just enough (at least double, whole pages) and the
 * receiver sees the new size. */
TEST_F(grow, large_message_grows_the_area)
{
	const uint64_t len = 3 * page_size();
	uint64_t want = round_page(2 * ring_len(len) + 16);
	struct ipcsvc_channel_info ci;
	struct ipcsvc_msg *m;

	ASSERT_GT(len, biggest_object(page_size()));
	ASSERT_EQ(0, ipcsvc_channel_info(self->rx, &ci));
	EXPECT_EQ(page_size(), ci.rx_size);

	ASSERT_EQ(0, send_pat(self->tx, 1, len, 0));
	EXPECT_EQ(want, area_id(&self->area)->size);
	ASSERT_EQ(0, ipcsvc_channel_info(self->tx, &ci));
	EXPECT_EQ(want, ci.tx_size);
	ASSERT_EQ(0, ipcsvc_channel_info(self->rx, &ci));
	EXPECT_EQ(want, ci.rx_size);
	m = take(self->rx, 1, len);
	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, ipcsvc_channel_release(self->rx, m));

	/* A small message does not grow it further. */
	ASSERT_EQ(0, send_pat(self->tx, 2, 100, 0));
	EXPECT_EQ(want, area_id(&self->area)->size);
	m = take(self->rx, 2, 100);
	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, ipcsvc_channel_release(self->rx, m));
}

/* The largest message for max_size fits, through the blocking call too;
 * one 8 bytes larger fails at once with -EMSGSIZE, before any growth. */
TEST_F(grow, message_size_is_decided_by_max_size)
{
	uint64_t big = biggest_object(self->max);
	struct ipcsvc_msg *m = (void *)1;

	/* Impossible: refused on a fresh ring, which does not grow. */
	EXPECT_EQ(-EMSGSIZE, ipcsvc_channel_allocate_for_send(self->tx,
			big + 8, 0, 1, 0, &m));
	EXPECT_EQ(NULL, m);
	EXPECT_EQ(-EMSGSIZE, ipcsvc_channel_allocate_for_send_timeout(self->tx,
			big + 8, 0, 1, 0, &m, ipcsvc_timeout_ns(HANG_NS)));
	EXPECT_EQ(-EMSGSIZE, ipcsvc_channel_allocate_for_send_timeout(self->tx,
			big + 8, 0, 1, 0, &m, ipcsvc_timeout_never()));
	EXPECT_EQ(page_size(), area_id(&self->area)->size);

	/* The largest possible one fits and grows the ring to max_size. */
	ASSERT_EQ(0, ipcsvc_channel_allocate_for_send_timeout(self->tx,
			big, 7, 1, 0, &m, ipcsvc_timeout_ns(HANG_NS)));
	{
		void *p;

		ASSERT_EQ(0, ipcsvc_msg_reserve_object(m, 1, big, &p));
		pattern(p, big, 7);
	}
	ASSERT_EQ(0, ipcsvc_channel_send(self->tx, m));
	EXPECT_EQ(self->max, area_id(&self->area)->size);
	m = take(self->rx, 7, big);
	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, ipcsvc_channel_release(self->rx, m));

	/* At max_size, wherever the head stands, it fits an empty ring. */
	for (uint64_t step = 0; step < 40; step++) {
		ASSERT_EQ(0, send_pat(self->tx, 100 + step, 8 * (step * 131 % 997), 0));
		m = take(self->rx, 100 + step, 8 * (step * 131 % 997));
		ASSERT_NE(NULL, m);
		ASSERT_EQ(0, ipcsvc_channel_release(self->rx, m));
		ASSERT_EQ(0, send_pat(self->tx, step, big, 0));
		m = take(self->rx, step, big);
		ASSERT_NE(NULL, m);
		ASSERT_EQ(0, ipcsvc_channel_release(self->rx, m));
	}
	EXPECT_EQ(-EMSGSIZE, send_pat(self->tx, 1, big + 8, 0));
}

/* A burst with nothing released grows the ring by doubling up to its
 * maximum, then is FULL: -EAGAIN, and -ETIMEDOUT when waiting. */
TEST_F(grow, burst_grows_to_max_then_full)
{
	const uint64_t msg = ring_len(16);
	uint64_t size = page_size(), n = 0, expect;
	struct ipcsvc_channel_info ci;
	struct ipcsvc_msg *m;
	int rc;

	while ((rc = send_pat(self->tx, n, 16, 0)) == 0) {
		uint64_t now = area_id(&self->area)->size;

		/* Each growth doubles (the last may stop at max_size). */
		if (now != size) {
			ASSERT_EQ(now, 2 * size < self->max ? 2 * size : self->max);
			size = now;
		}
		n++;
		ASSERT_GT(self->max, n * msg);
	}
	EXPECT_EQ(-EAGAIN, rc);
	EXPECT_EQ(self->max, size);
	/* Exactly what a ring of max_size holds, less the 8 bytes kept. */
	expect = (self->max - 8) / msg;
	EXPECT_EQ(expect, n);
	EXPECT_EQ(-ETIMEDOUT, ipcsvc_channel_allocate_for_send_timeout(self->tx,
			16, 0, 1, 0, &m, ipcsvc_timeout_ns(1000000)));
	EXPECT_EQ(-EAGAIN, ipcsvc_channel_allocate_for_send(self->tx,
			16, 0, 1, 0, &m));
	ASSERT_EQ(0, ipcsvc_channel_info(self->tx, &ci));
	EXPECT_EQ(n, ci.tx_queued);
	EXPECT_EQ(self->max, ci.tx_size);

	/* Releases make room again (the producer wraps: the ring is at its
	 * maximum); every message arrives, in order. */
	for (uint64_t i = 0; i < 2; i++) {
		m = take(self->rx, i, 16);
		ASSERT_NE(NULL, m);
		ASSERT_EQ(0, ipcsvc_channel_release(self->rx, m));
	}
	ASSERT_EQ(0, send_pat(self->tx, n, 16, 0));
	EXPECT_EQ(msg, area_prod(&self->area)->tail);
	for (uint64_t i = 2; i <= n; i++) {
		m = take(self->rx, i, 16);
		ASSERT_NE(NULL, m) TH_LOG("message %llu", (unsigned long long)i);
		ASSERT_EQ(0, ipcsvc_channel_release(self->rx, m));
	}
	ASSERT_EQ(0, ipcsvc_channel_info(self->rx, &ci));
	EXPECT_EQ(self->max, ci.rx_size);
	EXPECT_EQ(area_prod(&self->area)->tail, area_cons(&self->area)->head);
}

/* A consumer that keeps up does not make the ring grow: the producer wraps
 * instead. */
TEST_F(grow, consumer_keeping_up_keeps_the_size)
{
	struct ipcsvc_msg *m;

	for (uint64_t i = 0; i < 3000; i++) {
		uint64_t len = i * 37 % 1500;

		ASSERT_EQ(0, send_pat(self->tx, i, len, 0));
		m = take(self->rx, i, len);
		ASSERT_NE(NULL, m);
		ASSERT_EQ(0, ipcsvc_channel_release(self->rx, m));
	}
	EXPECT_EQ(page_size(), area_id(&self->area)->size);
}

/* A consumer that lags by more than half the ring makes it grow at the end
 * of the ring, where the producer would otherwise wrap into the little
 * room the consumer freed and soon be blocked. */
TEST_F(grow, lagging_consumer_grows_instead_of_wrapping)
{
	const uint64_t msg = ring_len(16);
	uint64_t n = 0, w;
	struct ipcsvc_msg *m;

	while ((n + 1) * msg <= page_size() - 8)
		ASSERT_EQ(0, send_pat(self->tx, n++, 16, 0));
	w = n * msg;
	/* Free a few at the front: room to wrap into, but most of the ring
	 * is still in flight. */
	for (uint64_t i = 0; i < 4; i++) {
		m = take(self->rx, i, 16);
		ASSERT_NE(NULL, m);
		ASSERT_EQ(0, ipcsvc_channel_release(self->rx, m));
	}
	ASSERT_LT(msg, area_cons(&self->area)->head);
	ASSERT_EQ(0, send_pat(self->tx, n, 16, 0));
	EXPECT_EQ(2 * page_size(), area_id(&self->area)->size);
	EXPECT_EQ(w + msg, area_prod(&self->area)->tail);
	for (uint64_t i = 4; i <= n; i++) {
		m = take(self->rx, i, 16);
		ASSERT_NE(NULL, m);
		ASSERT_EQ(0, ipcsvc_channel_release(self->rx, m));
	}
}

/* IPCSVC_CHANNEL_NO_AUTOGROW: the old fixed-size behaviour. */
TEST_F(grow, no_autogrow_flag)
{
	struct ipcsvc_channel_attr attr = {
		.size = sizeof(attr), .flags = IPCSVC_CHANNEL_NO_AUTOGROW,
	};
	const uint64_t msg = ring_len(16);
	struct ipcsvc_channel *fixed;
	struct ipcsvc_msg *m;
	uint64_t n = 0;
	int rc;

	ASSERT_EQ(0, ipcsvc_channel_open(self->area.mem, self->area.len, NULL,
					 0, &attr, &fixed));
	/* Too big for the ring at its size, though not for max_size. */
	EXPECT_EQ(-EMSGSIZE, send_pat(fixed, 0, biggest_object(page_size()) + 8, 0));
	EXPECT_EQ(-EMSGSIZE, ipcsvc_channel_allocate_for_send_timeout(fixed,
			biggest_object(page_size()) + 8,
			0, 1, 0, &m, ipcsvc_timeout_ns(HANG_NS)));
	ASSERT_EQ(0, send_pat(fixed, n++, biggest_object(page_size()), 0));
	while ((rc = send_pat(fixed, n, 16, 0)) == 0)
		n++;
	EXPECT_EQ(-EAGAIN, rc);
	EXPECT_EQ(1 + (page_size() - 8 - ring_len(biggest_object(page_size()))) / msg, n);
	EXPECT_EQ(-ETIMEDOUT, ipcsvc_channel_allocate_for_send_timeout(fixed,
			16, 0, 1, 0, &m, ipcsvc_timeout_ns(1000000)));
	EXPECT_EQ(page_size(), area_id(&self->area)->size);

	/* An explicit grow still works and raises the limits. */
	ASSERT_EQ(0, ipcsvc_channel_grow(fixed, 4 * page_size()));
	EXPECT_EQ(0, send_pat(fixed, n++, biggest_object(page_size()) + 8, 0));
	EXPECT_EQ(4 * page_size(), area_id(&self->area)->size);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t len = i == 0 ? biggest_object(page_size()) :
			       i == n - 1 ? biggest_object(page_size()) + 8 : 16;

		m = take(self->rx, i, len);
		ASSERT_NE(NULL, m) TH_LOG("message %llu", (unsigned long long)i);
		ASSERT_EQ(0, ipcsvc_channel_release(self->rx, m));
	}
	ipcsvc_channel_close(fixed);
}

/* NoQueue: a message into an empty queue grows the ring if it must; into a
 * non-empty one it is refused with -EBUSY and nothing grows. */
TEST_F(grow, noqueue_and_growth)
{
	const uint64_t len = 2 * page_size();
	struct ipcsvc_msg *m;
	uint64_t size;

	ASSERT_EQ(0, send_pat(self->tx, 1, 8, 0));
	EXPECT_EQ(-EBUSY, send_pat(self->tx, 2, len, IPCSVC_MSG_NOQUEUE));
	EXPECT_EQ(-EBUSY, ipcsvc_channel_allocate_for_send_timeout(self->tx,
			len, 2, 1, IPCSVC_MSG_NOQUEUE,
			&m, ipcsvc_timeout_ns(HANG_NS)));
	EXPECT_EQ(page_size(), area_id(&self->area)->size);
	m = take(self->rx, 1, 8);
	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, ipcsvc_channel_release(self->rx, m));

	ASSERT_EQ(0, send_pat(self->tx, 3, len, IPCSVC_MSG_NOQUEUE));
	size = area_id(&self->area)->size;
	EXPECT_EQ(round_page(2 * ring_len(len) + 16), size);
	/* Impossible for max_size: -EMSGSIZE comes first. */
	EXPECT_EQ(-EMSGSIZE, send_pat(self->tx, 4, biggest_object(self->max) + 8,
				      IPCSVC_MSG_NOQUEUE));
	m = take(self->rx, 3, len);
	ASSERT_NE(NULL, m);
	{
		struct ipcsvc_msg_info info;

		ASSERT_EQ(0, ipcsvc_msg_info(m, &info));
		EXPECT_TRUE(info.flags & IPCSVC_MSG_NOQUEUE);
	}
	ASSERT_EQ(0, ipcsvc_channel_release(self->rx, m));
}

/*
 * The consumer holds one message before a wrap marker and one after it
 * while the ring grows. The grown room is usable only once the consumer
 * has passed the marker: until then the wrapped ring is full, though below
 * max_size. The held messages stay intact, the marker stays where it was,
 * and later messages run past the old end.
 */
TEST_F(grow, growth_while_consumer_holds_across_wrap)
{
	const uint64_t small = 700, big = 3000;
	const uint64_t sl = ring_len(small), bl = ring_len(big);
	uint64_t old = page_size(), marker, size, id;
	struct ipcsvc_msg *m, *before, *after, *third;
	struct ipcsvc_channel_info ci;

	if (old != 4096)
		SKIP(return, "the message sizes suit 4 KiB pages");
	/* Fill up to the end of the first page, keep all but the last
	 * released, and hold the last: its end is where the marker goes. */
	for (id = 0; (id + 1) * sl <= old - 8; id++)
		ASSERT_EQ(0, send_pat(self->tx, id, small, 0));
	marker = id * sl;
	for (uint64_t i = 0; i + 1 < id; i++) {
		m = take(self->rx, i, small);
		ASSERT_NE(NULL, m);
		ASSERT_EQ(0, ipcsvc_channel_release(self->rx, m));
	}
	before = take(self->rx, id - 1, small);
	ASSERT_NE(NULL, before);
	EXPECT_EQ(old, area_id(&self->area)->size);

	/* Less than half the ring in flight: the next two wrap to 0. */
	ASSERT_EQ(0, send_pat(self->tx, id, small, 0));
	ASSERT_EQ(0, send_pat(self->tx, id + 1, small, 0));
	EXPECT_EQ(IPCSVC_WRAP_MAGIC, *(uint64_t *)(area_data(&self->area) + marker));
	EXPECT_EQ(2 * sl, area_prod(&self->area)->tail);
	EXPECT_EQ(old, area_id(&self->area)->size);
	after = take(self->rx, id, small);
	ASSERT_NE(NULL, after);

	/* Too big for the page: the ring grows, but the room is past the
	 * marker the consumer has not passed yet. */
	EXPECT_EQ(-EAGAIN, send_pat(self->tx, id + 2, big, 0));
	size = area_id(&self->area)->size;
	EXPECT_EQ(round_page(2 * bl + 16 > 2 * old ? 2 * bl + 16 : 2 * old), size);
	EXPECT_EQ(-ETIMEDOUT, ipcsvc_channel_allocate_for_send_timeout(self->tx,
			big, id + 2, 1, 0, &m, ipcsvc_timeout_ns(1000000)));
	EXPECT_EQ(size, area_id(&self->area)->size);
	ASSERT_EQ(0, ipcsvc_channel_info(self->rx, &ci));
	EXPECT_EQ(size, ci.rx_size);
	EXPECT_TRUE(still_ok(before, id - 1, small));
	EXPECT_TRUE(still_ok(after, id, small));

	/* Released out of order: space returns when the older one goes. */
	ASSERT_EQ(0, ipcsvc_channel_release(self->rx, after));
	EXPECT_EQ(-EAGAIN, send_pat(self->tx, id + 2, big, 0));
	ASSERT_EQ(0, ipcsvc_channel_release(self->rx, before));
	EXPECT_EQ(sl, area_cons(&self->area)->head);
	third = take(self->rx, id + 1, small);
	ASSERT_NE(NULL, third);

	/* Past the marker: the big one goes right after the held third
	 * message, across the old end of the ring. */
	ASSERT_EQ(0, send_pat(self->tx, id + 2, big, 0));
	EXPECT_EQ(2 * sl + bl, area_prod(&self->area)->tail);
	EXPECT_LT(old, area_prod(&self->area)->tail);
	EXPECT_EQ(size, area_id(&self->area)->size);
	for (uint64_t i = 3; i < 8; i++)
		ASSERT_EQ(0, send_pat(self->tx, id + i, small, 0));
	EXPECT_TRUE(still_ok(third, id + 1, small));
	ASSERT_EQ(0, ipcsvc_channel_release(self->rx, third));
	m = take(self->rx, id + 2, big);
	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, ipcsvc_channel_release(self->rx, m));
	for (uint64_t i = 3; i < 8; i++) {
		m = take(self->rx, id + i, small);
		ASSERT_NE(NULL, m);
		ASSERT_EQ(0, ipcsvc_channel_release(self->rx, m));
	}
	EXPECT_EQ(-EAGAIN, ipcsvc_channel_receive(self->rx, &m));
	EXPECT_EQ(area_prod(&self->area)->tail, area_cons(&self->area)->head);
}

/* ---- a backend whose growth fails ---------------------------------- */

struct failing {
	int err;		/* what grow returns; 0: grow */
	unsigned int calls;
	uint64_t last;		/* the last size asked for */
};

static struct failing failing_state;

static int failing_grow(void *ctx, struct ipcsvc_area_identity *id,
			uint64_t new_size)
{
	struct failing *f = ctx;

	f->calls++;
	f->last = new_size;
	if (f->err)
		return f->err;
	return ipcsvc__futex_ops.grow(NULL, id, new_size);
}

static int failing_wait(void *ctx, uint32_t dir, __u64 *word, uint64_t off,
			uint64_t val, const struct ipcsvc_deadline *d)
{
	(void)ctx;
	return ipcsvc__futex_ops.wait(NULL, dir, word, off, val, d);
}

static int failing_wake(void *ctx, uint32_t dir, __u64 *word, uint64_t off)
{
	(void)ctx;
	return ipcsvc__futex_ops.wake(NULL, dir, word, off);
}

static const struct ipcsvc_wait_ops failing_ops = {
	.name = "failing",
	.wait = failing_wait,
	.wake = failing_wake,
	.grow = failing_grow,
};

/* A failed growth is the allocation's result, at once, whether the
 * message is too big for the ring's size or the ring is out of room;
 * nothing is allocated, and the channel works on. */
TEST_F(grow, failed_growth_is_reported)
{
	struct failing *f = &failing_state;
	const uint64_t msg = ring_len(16);
	struct ipcsvc_channel *ch;
	struct ipcsvc_msg *m = (void *)1;
	uint64_t n = 0, fit;
	int rc;

	memset(f, 0, sizeof(*f));
	f->err = -EDQUOT;
	ASSERT_EQ(0, ipcsvc__channel_open_ops(self->area.mem, self->area.len,
					      0, NULL, 0, 0, NULL, &failing_ops, f,
					      &ch));
	/* Too big for the first page. */
	EXPECT_EQ(-EDQUOT, send_pat(ch, 0, 2 * page_size(), 0));
	EXPECT_EQ(-EDQUOT, ipcsvc_channel_allocate_for_send_timeout(ch,
			2 * page_size(), 0, 1, 0, &m, ipcsvc_timeout_never()));
	EXPECT_EQ(NULL, m);
	EXPECT_EQ(2, f->calls);
	EXPECT_EQ(round_page(2 * ring_len(2 * page_size()) + 16), f->last);
	EXPECT_EQ(page_size(), area_id(&self->area)->size);

	/* Out of room: a burst fills the page, then growth is refused. */
	fit = (page_size() - 8) / msg;
	while ((rc = send_pat(ch, n, 16, 0)) == 0)
		n++;
	EXPECT_EQ(-EDQUOT, rc);
	EXPECT_EQ(fit, n);
	EXPECT_EQ(2 * page_size(), f->last);
	f->err = -ENOMEM;
	EXPECT_EQ(-ENOMEM, ipcsvc_channel_allocate_for_send_timeout(ch,
			16, n, 1, 0, &m, ipcsvc_timeout_never()));
	EXPECT_EQ(page_size(), area_id(&self->area)->size);
	EXPECT_EQ(n, area_prod(&self->area)->published);

	/* Growth allowed again: the same calls go through. */
	f->err = 0;
	ASSERT_EQ(0, send_pat(ch, n, 16, 0));
	EXPECT_EQ(2 * page_size(), area_id(&self->area)->size);
	ASSERT_EQ(0, send_pat(ch, n + 1, 2 * page_size(), 0));
	for (uint64_t i = 0; i <= n; i++) {
		m = take(self->rx, i, 16);
		ASSERT_NE(NULL, m) TH_LOG("message %llu", (unsigned long long)i);
		ASSERT_EQ(0, ipcsvc_channel_release(self->rx, m));
	}
	m = take(self->rx, n + 1, 2 * page_size());
	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, ipcsvc_channel_release(self->rx, m));
	ipcsvc_channel_close(ch);
}

/* ---- several sender threads ----------------------------------------- */

#define NSENDERS	4

struct sender {
	struct ipcsvc_channel *tx;
	unsigned int index;
	uint64_t count;
	pthread_barrier_t *barrier;	/* lockstep rounds, or NULL */
	uint64_t fixed_len;		/* with barrier: every message's */
	int err;
	char why[96];
};

/* Message i of sender p: id (p << 32 | i); lengths from a few bytes to
 * well over the first page's limit. */
static uint64_t mt_len(unsigned int p, uint64_t i)
{
	return (i * 1237 + p * 301) % (i % 5 ? 900 : 12000);
}

static void *sender_thread(void *arg)
{
	struct sender *s = arg;

	for (uint64_t i = 0; i < s->count && !s->err; i++) {
		uint64_t id = (uint64_t)s->index << 32 | i;
		uint64_t len = s->barrier ? s->fixed_len : mt_len(s->index, i);
		struct ipcsvc_msg *m;
		void *p;
		int rc;

		if (s->barrier)
			pthread_barrier_wait(s->barrier);
		rc = ipcsvc_channel_allocate_for_send_timeout(s->tx,
				len, id, 1, 0, &m, ipcsvc_timeout_ns(HANG_NS));
		if (!rc)
			rc = ipcsvc_msg_reserve_object(m, 1, len, &p);
		if (rc) {
			s->err = rc;
			snprintf(s->why, sizeof(s->why), "message %llu: %d",
				 (unsigned long long)i, rc);
			break;
		}
		pattern(p, len, id);
		/* With the barrier: every thread allocates before any sends. */
		if (s->barrier)
			pthread_barrier_wait(s->barrier);
		rc = ipcsvc_channel_send(s->tx, m);
		if (rc) {
			s->err = rc;
			snprintf(s->why, sizeof(s->why), "send %llu: %d",
				 (unsigned long long)i, rc);
			break;
		}
	}
	return NULL;
}

FIXTURE(mtgrow) {
	struct test_area area;
};

FIXTURE_VARIANT(mtgrow) {
	uint32_t mode;
};

FIXTURE_VARIANT_ADD(mtgrow, adaptive) { .mode = IPCSVC_WAIT_ADAPTIVE };
FIXTURE_VARIANT_ADD(mtgrow, busy_poll) { .mode = IPCSVC_WAIT_BUSY_POLL };
FIXTURE_VARIANT_ADD(mtgrow, sleep) { .mode = IPCSVC_WAIT_SLEEP };

FIXTURE_SETUP(mtgrow)
{
	ASSERT_EQ(0, test_area_make(&self->area, page_size(),
				    64 * page_size()));
}

FIXTURE_TEARDOWN(mtgrow)
{
	test_area_free(&self->area);
}

/*
 * Four sender threads on one channel, messages up to three pages, the
 * ring starting at one page; the consumer holds batches of messages and
 * releases them last first, so that the ring is often wrapped and full
 * while it grows. Each sender's messages arrive in order and intact.
 */
TEST_F(mtgrow, concurrent_senders_grow)
{
	struct ipcsvc_channel_attr attr = { .size = sizeof(attr),
					    .wait_mode = variant->mode };
	const uint64_t count = 600;
	struct ipcsvc_channel *tx, *rx;
	struct sender s[NSENDERS];
	pthread_t th[NSENDERS];
	uint64_t next[NSENDERS] = { 0 }, size;
	struct ipcsvc_msg *held[8];
	unsigned int nheld = 0;

	ASSERT_EQ(0, ipcsvc_channel_open(self->area.mem, self->area.len, NULL,
					 0, &attr, &tx));
	ASSERT_EQ(0, ipcsvc_channel_open(NULL, 0, self->area.mem,
					 self->area.len, &attr, &rx));
	for (unsigned int t = 0; t < NSENDERS; t++) {
		s[t] = (struct sender){ .tx = tx, .index = t, .count = count };
		ASSERT_EQ(0, pthread_create(&th[t], NULL, sender_thread, &s[t]));
	}
	for (uint64_t n = 0; n < NSENDERS * count; n++) {
		struct ipcsvc_object o = { 0 };
		struct ipcsvc_msg_info info;
		struct ipcsvc_msg *m;
		unsigned int p;
		uint64_t i;
		int rc;

		/* Hold messages while more are there; before waiting for
		 * more, release them all, so the senders always get room
		 * back eventually. */
		rc = ipcsvc_channel_receive(rx, &m);
		if (rc == -EAGAIN) {
			while (nheld)
				ASSERT_EQ(0, ipcsvc_channel_release(rx,
							held[--nheld]));
			rc = ipcsvc_channel_receive_timeout(rx, &m, ipcsvc_timeout_ns(HANG_NS));
		}
		ASSERT_EQ(0, rc);
		ASSERT_EQ(0, ipcsvc_msg_info(m, &info));
		p = (unsigned int)(info.id >> 32);
		i = (uint32_t)info.id;
		ASSERT_GT(NSENDERS, p);
		ASSERT_EQ(next[p], i) TH_LOG("sender %u", p);
		next[p]++;
		ASSERT_EQ(1, ipcsvc_msg_next_object(m, &o));
		ASSERT_EQ(mt_len(p, i), o.length);
		ASSERT_TRUE(pattern_ok(o.data, o.length, info.id));
		/* A batch of 8 is released last first. */
		held[nheld++] = m;
		if (nheld == 8)
			while (nheld)
				ASSERT_EQ(0, ipcsvc_channel_release(rx,
							held[--nheld]));
	}
	while (nheld)
		ASSERT_EQ(0, ipcsvc_channel_release(rx, held[--nheld]));
	for (unsigned int t = 0; t < NSENDERS; t++) {
		pthread_join(th[t], NULL);
		EXPECT_EQ(0, s[t].err) TH_LOG("sender %u: %s", t, s[t].why);
		EXPECT_EQ(count, next[t]);
	}
	size = area_id(&self->area)->size;
	/* The largest message needed more than the first page. */
	EXPECT_LE(round_page(2 * ring_len(11999) + 16), size);
	EXPECT_GE(64 * page_size(), size);
	EXPECT_EQ(0, size % page_size());
	EXPECT_EQ(area_prod(&self->area)->tail, area_cons(&self->area)->head);
	EXPECT_EQ(NSENDERS * count, area_prod(&self->area)->published);
	EXPECT_EQ(0, area_prod(&self->area)->waiters);
	EXPECT_EQ(0, area_cons(&self->area)->waiters);
	ipcsvc_channel_close(tx);
	ipcsvc_channel_close(rx);
}

/*
 * All threads allocate a message too big for the ring at once: one grows,
 * the others find the size grown and retry. The ring ends up exactly as
 * large as when one thread makes the same allocations, and every message
 * arrives intact.
 */
TEST(racing_growers)
{
	const uint64_t len = 3000, rounds = 30;

	for (uint64_t r = 0; r < rounds; r++) {
		struct test_area a, ref;
		struct ipcsvc_channel *tx, *rx, *rtx;
		struct ipcsvc_msg *m[NSENDERS];
		struct sender s[NSENDERS];
		pthread_t th[NSENDERS];
		pthread_barrier_t barrier;
		uint64_t seen[NSENDERS] = { 0 };

		ASSERT_EQ(0, test_area_make(&a, page_size(), 16 * page_size()));
		ASSERT_EQ(0, test_area_make(&ref, page_size(), 16 * page_size()));
		ASSERT_EQ(0, ipcsvc_channel_open(a.mem, a.len, NULL, 0, NULL, &tx));
		ASSERT_EQ(0, ipcsvc_channel_open(NULL, 0, a.mem, a.len, NULL, &rx));
		ASSERT_EQ(0, ipcsvc_channel_open(ref.mem, ref.len, NULL, 0,
						 NULL, &rtx));
		ASSERT_EQ(0, pthread_barrier_init(&barrier, NULL, NSENDERS));
		for (unsigned int t = 0; t < NSENDERS; t++) {
			s[t] = (struct sender){ .tx = tx, .index = t, .count = 1,
						.barrier = &barrier,
						.fixed_len = len };
			ASSERT_EQ(0, pthread_create(&th[t], NULL, sender_thread,
						    &s[t]));
		}
		for (unsigned int t = 0; t < NSENDERS; t++) {
			pthread_join(th[t], NULL);
			EXPECT_EQ(0, s[t].err) TH_LOG("sender %u: %s", t, s[t].why);
		}
		pthread_barrier_destroy(&barrier);

		/* The same allocations from one thread. */
		for (unsigned int t = 0; t < NSENDERS; t++)
			ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(rtx,
					len, t, 1, 0, &m[t]));
		for (unsigned int t = 0; t < NSENDERS; t++)
			ASSERT_EQ(0, ipcsvc_channel_send(rtx, m[t]));
		EXPECT_EQ(area_id(&ref)->size, area_id(&a)->size);
		EXPECT_LT(page_size(), area_id(&a)->size);

		for (unsigned int t = 0; t < NSENDERS; t++) {
			struct ipcsvc_object o = { 0 };
			struct ipcsvc_msg_info info;
			struct ipcsvc_msg *got;

			ASSERT_EQ(0, ipcsvc_channel_receive(rx, &got));
			ASSERT_EQ(0, ipcsvc_msg_info(got, &info));
			ASSERT_GT(NSENDERS, info.id >> 32);
			seen[info.id >> 32]++;
			ASSERT_EQ(1, ipcsvc_msg_next_object(got, &o));
			ASSERT_EQ(len, o.length);
			ASSERT_TRUE(pattern_ok(o.data, len, info.id));
			ASSERT_EQ(0, ipcsvc_channel_release(rx, got));
		}
		for (unsigned int t = 0; t < NSENDERS; t++)
			EXPECT_EQ(1, seen[t]);
		ipcsvc_channel_close(tx);
		ipcsvc_channel_close(rx);
		ipcsvc_channel_close(rtx);
		test_area_free(&a);
		test_area_free(&ref);
	}
}

TEST_HARNESS_MAIN
