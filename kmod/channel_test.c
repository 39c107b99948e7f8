// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for channel.c and the lifetime rules: connect, the events it
 * raises, wait/wake/arm, and teardown from either side in any order.
 */
#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include "ipcsvc.h"

struct chan_fixture {
	struct ipcsvc_port *server, *client;
	u32 svc, cch, sch;
};

static struct ipcsvc_port *chan_port(struct kunit *test)
{
	struct ipcsvc_port *port;

	port = ipcsvc_port_create(current->nsproxy->ipc_ns,
				  task_active_pid_ns(current), current_cred());
	KUNIT_ASSERT_NOT_NULL(test, port);
	return port;
}

/* Set up a service "kunit.chan" and one connected channel. */
static void chan_setup(struct kunit *test, struct chan_fixture *f)
{
	struct ipcsvc_event ev;

	f->server = chan_port(test);
	f->client = chan_port(test);
	KUNIT_ASSERT_EQ(test, ipcsvc_service_create(f->server, "kunit.chan", 10,
						    3, 0600, &f->svc), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_connect(f->client, "kunit.chan", 10, 3,
					     4 * PAGE_SIZE, 0, &f->cch), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f->server, &ev, 1), (size_t)1);
	KUNIT_ASSERT_EQ(test, ev.type, (u32)IPCSVC_EVENT_SERVICE_CONNECTED);
	f->sch = ev.b;
}

static void chan_teardown(struct chan_fixture *f)
{
	if (f->client) {
		ipcsvc_port_shutdown(f->client);
		ipcsvc_port_put(f->client);
	}
	if (f->server) {
		ipcsvc_port_shutdown(f->server);
		ipcsvc_port_put(f->server);
	}
}

static struct ipcsvc_endpoint *chan_ep(struct kunit *test,
				       struct ipcsvc_port *port, u32 handle)
{
	struct ipcsvc_hobj *h = ipcsvc_port_lookup(port, handle,
						   IPCSVC_H_CHANNEL);

	KUNIT_ASSERT_NOT_NULL(test, h);
	return ipcsvc_to_ep(h);
}

static void ipcsvc_channel_connect_event(struct kunit *test)
{
	struct chan_fixture f = { };
	struct ipcsvc_endpoint *cep, *sep;

	chan_setup(test, &f);
	cep = chan_ep(test, f.client, f.cch);
	sep = chan_ep(test, f.server, f.sch);
	KUNIT_EXPECT_PTR_EQ(test, cep->chan, sep->chan);
	KUNIT_EXPECT_EQ(test, cep->side, (unsigned int)IPCSVC_SIDE_CLIENT);
	KUNIT_EXPECT_EQ(test, sep->side, (unsigned int)IPCSVC_SIDE_SERVER);
	/* The client's TX area is the server's RX area. */
	KUNIT_EXPECT_PTR_EQ(test, ipcsvc_endpoint_area(cep, IPCSVC_DIR_TX),
			    ipcsvc_endpoint_area(sep, IPCSVC_DIR_RX));
	KUNIT_EXPECT_EQ(test, ipcsvc_endpoint_area(cep, IPCSVC_DIR_TX)->max_size,
			(u64)4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_endpoint_area(cep, IPCSVC_DIR_RX)->max_size,
			IPCSVC_DEFAULT_BUFFER_SIZE);
	ipcsvc_hobj_put(&cep->h);
	ipcsvc_hobj_put(&sep->h);
	chan_teardown(&f);
}

static void ipcsvc_channel_connect_errors(struct kunit *test)
{
	unsigned long cap = ipcsvc_max_buffer_size;
	struct chan_fixture f = { };
	u32 h;

	chan_setup(test, &f);
	KUNIT_EXPECT_EQ(test, ipcsvc_connect(f.client, "kunit.none", 10, 3, 0,
					     0, &h), -ENOENT);
	KUNIT_EXPECT_EQ(test, ipcsvc_connect(f.client, "kunit.chan", 10, 4, 0,
					     0, &h), -EPROTONOSUPPORT);
	KUNIT_EXPECT_EQ(test, ipcsvc_connect(f.client, "kunit.chan", 10, 3,
					     cap + 1, 0, &h), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_connect(f.client, "", 0, 3, 0, 0, &h),
			-EINVAL);
	/* None of these left an event or a handle behind. */
	KUNIT_EXPECT_FALSE(test, ipcsvc_event_pending(f.server));
	KUNIT_EXPECT_EQ(test, f.client->nr_handles, 1u);
	chan_teardown(&f);
}

static void ipcsvc_channel_close_wakes_peer(struct kunit *test)
{
	struct chan_fixture f = { };
	struct ipcsvc_endpoint *sep;
	struct ipcsvc_event ev;

	chan_setup(test, &f);
	sep = chan_ep(test, f.server, f.sch);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(sep, IPCSVC_DIR_RX,
						  PAGE_SIZE + 8, 0, 0),
			-ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(f.client, f.cch), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.server, &ev, 1), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev.type, (u32)IPCSVC_EVENT_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, ev.a, (u64)f.sch);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(sep, IPCSVC_DIR_RX,
						  PAGE_SIZE + 8, 0, -1),
			-EPIPE);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(sep, IPCSVC_DIR_TX), -EPIPE);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(sep, IPCSVC_DIR_RX,
						 PAGE_SIZE, 0), -EPIPE);
	ipcsvc_hobj_put(&sep->h);
	chan_teardown(&f);
}

static void ipcsvc_channel_wait_compares_word(struct kunit *test)
{
	struct chan_fixture f = { };
	struct ipcsvc_endpoint *cep, *sep;
	u64 *prod;

	chan_setup(test, &f);
	cep = chan_ep(test, f.client, f.cch);
	sep = chan_ep(test, f.server, f.sch);
	prod = page_address(ipcsvc_area_page(ipcsvc_endpoint_area(cep,
								  IPCSVC_DIR_TX),
					     IPCSVC_AREA_PRODUCER_PAGE));
	WRITE_ONCE(prod[1], 1);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(sep, IPCSVC_DIR_RX,
						  PAGE_SIZE + 8, 0, -1), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(sep, IPCSVC_DIR_RX,
						  PAGE_SIZE + 8, 1, 1000000),
			-ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(sep, IPCSVC_DIR_RX, 12, 1, 0),
			-EINVAL);
	ipcsvc_hobj_put(&cep->h);
	ipcsvc_hobj_put(&sep->h);
	chan_teardown(&f);
}

static void ipcsvc_channel_arm_one_shot(struct kunit *test)
{
	struct chan_fixture f = { };
	struct ipcsvc_endpoint *cep, *sep;
	struct ipcsvc_event ev[2];

	chan_setup(test, &f);
	cep = chan_ep(test, f.client, f.cch);
	sep = chan_ep(test, f.server, f.sch);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(cep, IPCSVC_DIR_TX), 0);
	KUNIT_EXPECT_FALSE(test, ipcsvc_event_pending(f.server));
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(sep, IPCSVC_DIR_RX,
						 PAGE_SIZE, 0), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(cep, IPCSVC_DIR_TX), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(cep, IPCSVC_DIR_TX), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.server, ev, 2), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_CHANNEL_READABLE);
	/* Writable is armed by the sender and fired by the receiver. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(cep, IPCSVC_DIR_TX,
						 2 * PAGE_SIZE, 0), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(sep, IPCSVC_DIR_RX), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.client, ev, 2), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_CHANNEL_WRITABLE);
	ipcsvc_hobj_put(&cep->h);
	ipcsvc_hobj_put(&sep->h);
	chan_teardown(&f);
}

static void ipcsvc_channel_service_gone(struct kunit *test)
{
	struct chan_fixture f = { };
	struct ipcsvc_endpoint *cep;
	struct ipcsvc_event ev[2];

	chan_setup(test, &f);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(f.server, f.svc), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.client, ev, 2), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_SERVICE_GONE);
	KUNIT_EXPECT_EQ(test, ev[0].a, (u64)f.cch);
	/* The channel outlives its service. */
	cep = chan_ep(test, f.client, f.cch);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(cep, IPCSVC_DIR_TX), 0);
	ipcsvc_hobj_put(&cep->h);
	chan_teardown(&f);
}

/* A port going away (file release) closes its ends: peers learn it. */
static void ipcsvc_channel_server_port_release(struct kunit *test)
{
	struct chan_fixture f = { };
	struct ipcsvc_event ev[2];

	chan_setup(test, &f);
	ipcsvc_port_shutdown(f.server);
	ipcsvc_port_put(f.server);
	f.server = NULL;
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.client, ev, 2), (size_t)2);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, ev[1].type, (u32)IPCSVC_EVENT_SERVICE_GONE);
	chan_teardown(&f);
}

/*
 * An area reference (what a mapping holds) keeps the pages after both
 * ports are gone; everything is uncharged once the last one goes.
 */
static void ipcsvc_channel_area_outlives_ports(struct kunit *test)
{
	struct ipcsvc_user *user = ipcsvc_user_get(current_euid());
	long bytes0, chans0;
	struct chan_fixture f = { };
	struct ipcsvc_endpoint *cep;
	struct ipcsvc_area *area;

	KUNIT_ASSERT_NOT_NULL(test, user);
	bytes0 = atomic_long_read(&user->bytes);
	chans0 = atomic_read(&user->channels);
	chan_setup(test, &f);
	KUNIT_EXPECT_EQ(test, atomic_read(&user->channels), chans0 + 1);
	cep = chan_ep(test, f.client, f.cch);
	area = ipcsvc_endpoint_area(cep, IPCSVC_DIR_TX);
	ipcsvc_area_get(area);
	ipcsvc_hobj_put(&cep->h);
	chan_teardown(&f);

	KUNIT_EXPECT_EQ(test, atomic_read(&user->channels), chans0);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_identity(area, 8),
			IPCSVC_AREA_MAGIC);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&user->bytes),
			bytes0 + (long)(IPCSVC_AREA_HEADER_PAGES + 1) *
				 PAGE_SIZE);
	ipcsvc_area_put(area);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&user->bytes), bytes0);
	ipcsvc_user_put(user);
}

#define CLOSED_FIELD offsetof(struct ipcsvc_area_identity, closed)

/* identity.closed of both areas: 0 while open, set by closing either end. */
static void ipcsvc_channel_closed_flag(struct kunit *test)
{
	struct ipcsvc_area *area[2][2];
	struct chan_fixture f = { };
	struct ipcsvc_endpoint *cep;
	int round, s;

	for (round = 0; round < 2; round++) {
		chan_setup(test, &f);
		cep = chan_ep(test, f.client, f.cch);
		for (s = 0; s < 2; s++) {
			area[round][s] = cep->chan->area[s];
			ipcsvc_area_get(area[round][s]);
			KUNIT_EXPECT_EQ(test,
					ipcsvc_area_read_identity(area[round][s],
								  CLOSED_FIELD),
					0ull);
		}
		ipcsvc_hobj_put(&cep->h);
		if (round == 0) {
			/* The client closes its handle. */
			KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(f.client,
								       f.cch),
					0);
		} else {
			/* The server's port goes away, as when it dies. */
			ipcsvc_port_shutdown(f.server);
			ipcsvc_port_put(f.server);
			f.server = NULL;
		}
		for (s = 0; s < 2; s++)
			KUNIT_EXPECT_EQ(test,
					ipcsvc_area_read_identity(area[round][s],
								  CLOSED_FIELD),
					1ull);
		chan_teardown(&f);
		memset(&f, 0, sizeof(f));
		for (s = 0; s < 2; s++)
			ipcsvc_area_put(area[round][s]);
	}
}

static struct kunit_case ipcsvc_channel_cases[] = {
	KUNIT_CASE(ipcsvc_channel_connect_event),
	KUNIT_CASE(ipcsvc_channel_connect_errors),
	KUNIT_CASE(ipcsvc_channel_close_wakes_peer),
	KUNIT_CASE(ipcsvc_channel_wait_compares_word),
	KUNIT_CASE(ipcsvc_channel_arm_one_shot),
	KUNIT_CASE(ipcsvc_channel_service_gone),
	KUNIT_CASE(ipcsvc_channel_server_port_release),
	KUNIT_CASE(ipcsvc_channel_area_outlives_ports),
	KUNIT_CASE(ipcsvc_channel_closed_flag),
	{}
};

static struct kunit_suite ipcsvc_channel_suite = {
	.name = "ipcsvc_channel",
	.test_cases = ipcsvc_channel_cases,
};

kunit_test_suite(ipcsvc_channel_suite);
