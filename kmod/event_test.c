// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for event.c: ordering, coalescing, record counting, the
 * bound, discarding the events of a closed handle, and the unaccepted
 * count that ServiceConnected keeps for its service.
 *
 * The event sources here are bare struct ipcsvc_evsrc, as the handle of a
 * service or channel end carries one; nothing is installed in the port.
 */
#include <kunit/test.h>

#include "ipcsvc_kunit.h"

static struct ipcsvc_port *ev_port(struct kunit *test)
{
	return ipcsvc_kunit_port(test, ipcsvc_kunit_ns(test));
}

static void ev_src_init(struct ipcsvc_evsrc *src, u32 handle)
{
	memset(src, 0, sizeof(*src));
	INIT_LIST_HEAD(&src->node);
	src->handle = handle;
}

static void ipcsvc_event_fifo_by_handle(struct kunit *test)
{
	struct ipcsvc_port *port = ev_port(test);
	struct ipcsvc_evsrc a, b;
	struct ipcsvc_event ev[4];

	ev_src_init(&a, 1);
	ev_src_init(&b, 2);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 0u);
	ipcsvc_event_post(port, &b, IPCSVC_EVB_READABLE);
	ipcsvc_event_post(port, &a, IPCSVC_EVB_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 2u);
	memset(ev, 0xcc, sizeof(ev));
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(port, ev, 4), (size_t)2);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_CHANNEL_READABLE);
	KUNIT_EXPECT_EQ(test, ev[0].a, 2ull);
	KUNIT_EXPECT_EQ(test, ev[0].b, 0ull);
	KUNIT_EXPECT_EQ(test, ev[0].c, 0ull);
	KUNIT_EXPECT_EQ(test, ev[0].__pad, 0u);
	KUNIT_EXPECT_EQ(test, ev[1].type, (u32)IPCSVC_EVENT_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, ev[1].a, 1ull);
	/* Only the records returned were written. */
	KUNIT_EXPECT_EQ(test, ev[2].type, 0xccccccccu);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 0u);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_take(port, ev, 4), (size_t)0);
	ipcsvc_port_put(port);
}

/*
 * The same event twice on one handle is one record; the count is of
 * records (pending bits), not of handles queued.
 */
static void ipcsvc_event_coalesces_and_counts_records(struct kunit *test)
{
	struct ipcsvc_port *port = ev_port(test);
	struct ipcsvc_evsrc a, b;
	struct ipcsvc_event ev[8];
	int i;

	ev_src_init(&a, 5);
	ev_src_init(&b, 6);
	for (i = 0; i < 1000; i++)
		ipcsvc_event_post(port, &a, IPCSVC_EVB_READABLE);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 1u);
	ipcsvc_event_post(port, &a, IPCSVC_EVB_WRITABLE);
	ipcsvc_event_post(port, &a, IPCSVC_EVB_READABLE |
			  IPCSVC_EVB_PEER_CLOSED);
	ipcsvc_event_post(port, &b, IPCSVC_EVB_SERVICE_GONE);
	KUNIT_EXPECT_EQ(test, port->ev_queued, 2u);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 4u);

	/* A read of one record takes one bit and leaves the handle queued. */
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(port, ev, 1), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_CHANNEL_READABLE);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 3u);
	KUNIT_EXPECT_EQ(test, port->ev_queued, 2u);
	/* A bit taken is raised again: the handle keeps its place in line. */
	ipcsvc_event_post(port, &a, IPCSVC_EVB_READABLE);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 4u);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(port, ev, 8), (size_t)4);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_CHANNEL_READABLE);
	KUNIT_EXPECT_EQ(test, ev[1].type, (u32)IPCSVC_EVENT_CHANNEL_WRITABLE);
	KUNIT_EXPECT_EQ(test, ev[2].type, (u32)IPCSVC_EVENT_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, ev[3].type, (u32)IPCSVC_EVENT_SERVICE_GONE);
	KUNIT_EXPECT_EQ(test, ev[3].a, 6ull);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 0u);
	KUNIT_EXPECT_EQ(test, port->ev_queued, 0u);
	ipcsvc_port_put(port);
}

/*
 * Overflow cannot happen: the queue never holds more entries than there
 * are handles, however many events are raised, and every handle's
 * ServiceConnected and PeerClosed come out, in that order.
 */
static void ipcsvc_event_bounded_and_lossless(struct kunit *test)
{
	struct ipcsvc_port *port = ev_port(test);
	const int n = 64;
	struct ipcsvc_evsrc *src;
	struct ipcsvc_event ev[8];
	int i, round, connected = 0, closed = 0, readable = 0;
	atomic_t unaccepted = ATOMIC_INIT(0);
	size_t got;

	src = kunit_kcalloc(test, n, sizeof(*src), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, src);
	for (i = 0; i < n; i++) {
		ev_src_init(&src[i], i + 1);
		KUNIT_EXPECT_TRUE(test, ipcsvc_event_post_connected(port,
								    &src[i], 0, &unaccepted));
	}
	for (round = 0; round < 50; round++)
		for (i = 0; i < n; i++)
			ipcsvc_event_post(port, &src[i], IPCSVC_EVB_READABLE);
	for (i = 0; i < n; i++)
		ipcsvc_event_post(port, &src[i], IPCSVC_EVB_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, port->ev_queued, (unsigned int)n);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 3u * n);
	KUNIT_EXPECT_EQ(test, atomic_read(&unaccepted), n);

	/* Read in small batches: a handle's bits may span two reads. */
	while ((got = ipcsvc_event_take(port, ev, ARRAY_SIZE(ev)))) {
		for (i = 0; i < got; i++) {
			if (ev[i].type == IPCSVC_EVENT_SERVICE_CONNECTED) {
				connected++;
				KUNIT_EXPECT_EQ(test, ev[i].b, (u64)connected);
			}
			readable += ev[i].type == IPCSVC_EVENT_CHANNEL_READABLE;
			closed += ev[i].type == IPCSVC_EVENT_PEER_CLOSED;
		}
	}
	KUNIT_EXPECT_EQ(test, connected, n);
	KUNIT_EXPECT_EQ(test, readable, n);
	KUNIT_EXPECT_EQ(test, closed, n);
	KUNIT_EXPECT_EQ(test, atomic_read(&unaccepted), 0);
	KUNIT_EXPECT_EQ(test, port->ev_queued, 0u);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 0u);
	ipcsvc_port_put(port);
}

static void ipcsvc_event_connected_payload(struct kunit *test)
{
	struct ipcsvc_port *port = ev_port(test);
	atomic_t unaccepted = ATOMIC_INIT(0);
	struct ipcsvc_evsrc a;
	struct ipcsvc_event ev;

	ev_src_init(&a, 9);
	a.connected_a = 3 | (1234ull << 32);
	a.connected_c = 1000 | (1001ull << 32);
	KUNIT_EXPECT_TRUE(test, ipcsvc_event_post_connected(port, &a, 0,
							    &unaccepted));
	memset(&ev, 0xcc, sizeof(ev));
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(port, &ev, 1), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev.type, (u32)IPCSVC_EVENT_SERVICE_CONNECTED);
	KUNIT_EXPECT_EQ(test, ev.__pad, 0u);
	KUNIT_EXPECT_EQ(test, ev.a, a.connected_a);
	KUNIT_EXPECT_EQ(test, ev.b, 9ull);
	KUNIT_EXPECT_EQ(test, ev.c, a.connected_c);
	ipcsvc_port_put(port);
}

/* A closed handle's events vanish, and it raises no new ones. */
static void ipcsvc_event_kill_discards(struct kunit *test)
{
	struct ipcsvc_port *port = ev_port(test);
	struct ipcsvc_evsrc a, b;
	struct ipcsvc_event ev[4];

	ev_src_init(&a, 1);
	ev_src_init(&b, 2);
	ipcsvc_event_post(port, &a, IPCSVC_EVB_READABLE | IPCSVC_EVB_WRITABLE);
	ipcsvc_event_post(port, &b, IPCSVC_EVB_READABLE);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 3u);
	ipcsvc_event_kill(port, &a);
	KUNIT_EXPECT_TRUE(test, a.dead);
	KUNIT_EXPECT_EQ(test, a.pending, 0u);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 1u);
	ipcsvc_event_post(port, &a, IPCSVC_EVB_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 1u);
	KUNIT_EXPECT_EQ(test, port->ev_queued, 1u);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(port, ev, 4), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev[0].a, 2ull);
	/* Killing a handle with nothing pending is harmless, and repeatable. */
	ipcsvc_event_kill(port, &b);
	ipcsvc_event_kill(port, &b);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 0u);
	ipcsvc_port_put(port);
}

/*
 * ServiceConnected counts against its service until the server reads it:
 * posting it increments the count, reading the record or closing the
 * handle decrements it, and a closed handle can no longer be counted.
 */
static void ipcsvc_event_unaccepted_count(struct kunit *test)
{
	struct ipcsvc_port *port = ev_port(test);
	atomic_t unaccepted = ATOMIC_INIT(0);
	struct ipcsvc_evsrc a, b, c;
	struct ipcsvc_event ev[2];

	ev_src_init(&a, 1);
	ev_src_init(&b, 2);
	ev_src_init(&c, 3);
	/* A peer that closed before the server heard: both bits at once. */
	KUNIT_EXPECT_TRUE(test, ipcsvc_event_post_connected(port, &a,
							    IPCSVC_EVB_PEER_CLOSED, &unaccepted));
	KUNIT_EXPECT_TRUE(test, ipcsvc_event_post_connected(port, &b, 0,
							    &unaccepted));
	KUNIT_EXPECT_EQ(test, atomic_read(&unaccepted), 2);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 3u);

	/* Reading ServiceConnected accepts; the PeerClosed behind it stays. */
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(port, ev, 1), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_SERVICE_CONNECTED);
	KUNIT_EXPECT_EQ(test, ev[0].b, 1ull);
	KUNIT_EXPECT_EQ(test, atomic_read(&unaccepted), 1);
	KUNIT_EXPECT_NULL(test, a.unaccepted);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(port, ev, 1), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, atomic_read(&unaccepted), 1);

	/* Closing a handle whose ServiceConnected is unread un-counts it. */
	ipcsvc_event_kill(port, &b);
	KUNIT_EXPECT_EQ(test, atomic_read(&unaccepted), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 0u);
	/* A closed handle is not counted: its ServiceConnected is refused. */
	KUNIT_EXPECT_FALSE(test, ipcsvc_event_post_connected(port, &b, 0,
							     &unaccepted));
	KUNIT_EXPECT_EQ(test, atomic_read(&unaccepted), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 0u);

	/* Killing an accepted handle leaves the count alone. */
	KUNIT_EXPECT_TRUE(test, ipcsvc_event_post_connected(port, &c, 0,
							    &unaccepted));
	KUNIT_EXPECT_EQ(test, atomic_read(&unaccepted), 1);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(port, ev, 2), (size_t)1);
	KUNIT_EXPECT_EQ(test, atomic_read(&unaccepted), 0);
	ipcsvc_event_kill(port, &c);
	ipcsvc_event_kill(port, &a);
	KUNIT_EXPECT_EQ(test, atomic_read(&unaccepted), 0);
	ipcsvc_port_put(port);
}

/*
 * A closing service withdraws the channels the server has not accepted:
 * that works only while ServiceConnected is pending, and discards every
 * event of the handle.
 */
static void ipcsvc_event_withdraw_only_while_pending(struct kunit *test)
{
	struct ipcsvc_port *port = ev_port(test);
	atomic_t unaccepted = ATOMIC_INIT(0);
	struct ipcsvc_evsrc a, b, c;
	struct ipcsvc_event ev[2];

	ev_src_init(&a, 1);
	ev_src_init(&b, 2);
	ev_src_init(&c, 3);

	/* Never connected: nothing to withdraw. */
	KUNIT_EXPECT_FALSE(test, ipcsvc_event_withdraw_connected(port, &c));
	ipcsvc_event_post(port, &c, IPCSVC_EVB_READABLE);
	KUNIT_EXPECT_FALSE(test, ipcsvc_event_withdraw_connected(port, &c));
	KUNIT_EXPECT_FALSE(test, c.dead);

	/* Pending: withdrawn with whatever else was pending on the handle. */
	KUNIT_EXPECT_TRUE(test, ipcsvc_event_post_connected(port, &a, 0,
							    &unaccepted));
	ipcsvc_event_post(port, &a, IPCSVC_EVB_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 3u);
	KUNIT_EXPECT_TRUE(test, ipcsvc_event_withdraw_connected(port, &a));
	KUNIT_EXPECT_TRUE(test, a.dead);
	KUNIT_EXPECT_EQ(test, atomic_read(&unaccepted), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 1u);
	/* Once: the handle is dead and raises nothing more. */
	KUNIT_EXPECT_FALSE(test, ipcsvc_event_withdraw_connected(port, &a));
	ipcsvc_event_post(port, &a, IPCSVC_EVB_READABLE);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 1u);

	/* Accepted: the server knows the channel, so it stays. */
	KUNIT_EXPECT_TRUE(test, ipcsvc_event_post_connected(port, &b, 0,
							    &unaccepted));
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(port, ev, 2), (size_t)2);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_CHANNEL_READABLE);
	KUNIT_EXPECT_EQ(test, ev[1].type, (u32)IPCSVC_EVENT_SERVICE_CONNECTED);
	KUNIT_EXPECT_EQ(test, atomic_read(&unaccepted), 0);
	KUNIT_EXPECT_FALSE(test, ipcsvc_event_withdraw_connected(port, &b));
	KUNIT_EXPECT_FALSE(test, b.dead);
	ipcsvc_event_post(port, &b, IPCSVC_EVB_SERVICE_GONE);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(port), 1u);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(port, ev, 2), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_SERVICE_GONE);
	KUNIT_EXPECT_EQ(test, ev[0].a, 2ull);
	ipcsvc_port_put(port);
}

static struct kunit_case ipcsvc_event_cases[] = {
	KUNIT_CASE(ipcsvc_event_fifo_by_handle),
	KUNIT_CASE(ipcsvc_event_coalesces_and_counts_records),
	KUNIT_CASE(ipcsvc_event_bounded_and_lossless),
	KUNIT_CASE(ipcsvc_event_connected_payload),
	KUNIT_CASE(ipcsvc_event_kill_discards),
	KUNIT_CASE(ipcsvc_event_unaccepted_count),
	KUNIT_CASE(ipcsvc_event_withdraw_only_while_pending),
	{}
};

static struct kunit_suite ipcsvc_event_suite = {
	.name = "ipcsvc_event",
	.test_cases = ipcsvc_event_cases,
};

kunit_test_suite(ipcsvc_event_suite);
