// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for event.c: ordering, coalescing, the bound, and discarding
 * the events of a closed handle.
 */
#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>

#include "ipcsvc.h"

static int event_ns;

static struct ipcsvc_port *ev_port(struct kunit *test)
{
	struct ipcsvc_port *port;

	port = ipcsvc_port_create((void *)&event_ns,
				  task_active_pid_ns(current), current_cred());
	KUNIT_ASSERT_NOT_NULL(test, port);
	return port;
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
	KUNIT_EXPECT_FALSE(test, ipcsvc_event_pending(port));
	ipcsvc_event_post(port, &b, IPCSVC_EVB_READABLE);
	ipcsvc_event_post(port, &a, IPCSVC_EVB_PEER_CLOSED);
	KUNIT_EXPECT_TRUE(test, ipcsvc_event_pending(port));
	memset(ev, 0xcc, sizeof(ev));
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(port, ev, 4), (size_t)2);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_CHANNEL_READABLE);
	KUNIT_EXPECT_EQ(test, ev[0].a, 2ull);
	KUNIT_EXPECT_EQ(test, ev[0].b, 0ull);
	KUNIT_EXPECT_EQ(test, ev[0].c, 0ull);
	KUNIT_EXPECT_EQ(test, ev[0].__pad, 0u);
	KUNIT_EXPECT_EQ(test, ev[1].type, (u32)IPCSVC_EVENT_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, ev[1].a, 1ull);
	KUNIT_EXPECT_FALSE(test, ipcsvc_event_pending(port));
	KUNIT_EXPECT_EQ(test, ipcsvc_event_take(port, ev, 4), (size_t)0);
	ipcsvc_port_put(port);
}

/* The same event twice on one handle is one record. */
static void ipcsvc_event_coalesces_per_handle(struct kunit *test)
{
	struct ipcsvc_port *port = ev_port(test);
	struct ipcsvc_evsrc a;
	struct ipcsvc_event ev[8];
	int i;

	ev_src_init(&a, 5);
	for (i = 0; i < 1000; i++)
		ipcsvc_event_post(port, &a, IPCSVC_EVB_READABLE);
	ipcsvc_event_post(port, &a, IPCSVC_EVB_WRITABLE);
	ipcsvc_event_post(port, &a, IPCSVC_EVB_READABLE);
	KUNIT_EXPECT_EQ(test, port->ev_queued, 1u);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(port, ev, 8), (size_t)2);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_CHANNEL_READABLE);
	KUNIT_EXPECT_EQ(test, ev[1].type, (u32)IPCSVC_EVENT_CHANNEL_WRITABLE);
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
	int i, round, connected = 0, closed = 0;
	size_t got;

	src = kunit_kcalloc(test, n, sizeof(*src), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, src);
	for (i = 0; i < n; i++)
		ev_src_init(&src[i], i + 1);
	for (round = 0; round < 50; round++)
		for (i = 0; i < n; i++)
			ipcsvc_event_post(port, &src[i], IPCSVC_EVB_READABLE |
					  (round ? 0 : IPCSVC_EVB_CONNECTED));
	for (i = 0; i < n; i++)
		ipcsvc_event_post(port, &src[i], IPCSVC_EVB_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, port->ev_queued, (unsigned int)n);

	/* Read in small batches: a handle's bits may span two reads. */
	while ((got = ipcsvc_event_take(port, ev, ARRAY_SIZE(ev)))) {
		for (i = 0; i < got; i++) {
			if (ev[i].type == IPCSVC_EVENT_SERVICE_CONNECTED) {
				connected++;
				KUNIT_EXPECT_EQ(test, ev[i].b, (u64)connected);
			}
			closed += ev[i].type == IPCSVC_EVENT_PEER_CLOSED;
		}
	}
	KUNIT_EXPECT_EQ(test, connected, n);
	KUNIT_EXPECT_EQ(test, closed, n);
	KUNIT_EXPECT_EQ(test, port->ev_queued, 0u);
	ipcsvc_port_put(port);
}

static void ipcsvc_event_connected_payload(struct kunit *test)
{
	struct ipcsvc_port *port = ev_port(test);
	struct ipcsvc_evsrc a;
	struct ipcsvc_event ev;

	ev_src_init(&a, 9);
	a.connected_a = 3 | (1234ull << 32);
	a.connected_c = 1000 | (1001ull << 32);
	ipcsvc_event_post(port, &a, IPCSVC_EVB_CONNECTED);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(port, &ev, 1), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev.type, (u32)IPCSVC_EVENT_SERVICE_CONNECTED);
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
	ipcsvc_event_post(port, &a, IPCSVC_EVB_READABLE);
	ipcsvc_event_post(port, &b, IPCSVC_EVB_READABLE);
	ipcsvc_event_kill(port, &a);
	ipcsvc_event_post(port, &a, IPCSVC_EVB_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, port->ev_queued, 1u);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(port, ev, 4), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev[0].a, 2ull);
	ipcsvc_port_put(port);
}

static struct kunit_case ipcsvc_event_cases[] = {
	KUNIT_CASE(ipcsvc_event_fifo_by_handle),
	KUNIT_CASE(ipcsvc_event_coalesces_per_handle),
	KUNIT_CASE(ipcsvc_event_bounded_and_lossless),
	KUNIT_CASE(ipcsvc_event_connected_payload),
	KUNIT_CASE(ipcsvc_event_kill_discards),
	{}
};

static struct kunit_suite ipcsvc_event_suite = {
	.name = "ipcsvc_event",
	.test_cases = ipcsvc_event_cases,
};

kunit_test_suite(ipcsvc_event_suite);
