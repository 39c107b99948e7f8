// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for channel.c's connect: each of its errors, the events it
 * raises, what it charges and gives back, and the peer credentials it
 * records. The wait path and teardown are channel_wait_test.c.
 *
 * Every case has a server port and a client port of its own over a
 * private registry key (ipcsvc_kunit_ns()), and a service "kunit.chan"
 * with 4-page client-to-server and 8-page server-to-client areas.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include "channel_kunit.h"

/* ---- connect ---- */

/*
 * A connect installs both ends, raises ServiceConnected on the server's
 * port with the service's handle, the client's pid, uid and gid, and
 * grants the service's sizes when asked for 0.
 */
static void ipcsvc_channel_connect_event(struct kunit *test)
{
	struct cred *cred = ipcsvc_kunit_creds(test, 90301);
	struct ipcsvc_connect_params p = {
		.name = SVC_NAME,
		.name_len = strlen(SVC_NAME),
		.version = 3,
	};
	struct chan_fixture f;
	struct ipcsvc_endpoint *cep, *sep;
	const struct cred *old;
	struct ipcsvc_hobj *obj;
	struct ipcsvc_event ev;
	int ret;

	chan_service(test, &f, NULL);
	f.svc->mode = 0606;	/* let the client's uid in */
	old = override_creds(cred);
	ret = ipcsvc_connect(f.client, &p, &obj, &f.cch);
	revert_creds(old);
	KUNIT_ASSERT_EQ(test, ret, 0);
	f.cep = ipcsvc_to_ep(obj);
	KUNIT_EXPECT_EQ(test, f.cch, 1u);
	KUNIT_EXPECT_EQ(test, p.max_size[0], (u64)4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, p.max_size[1], (u64)8 * PAGE_SIZE);

	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 1u);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.client), 0u);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_open), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 1);
	memset(&ev, 0xcc, sizeof(ev));
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.server, &ev, 1), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev.type, (u32)IPCSVC_EVENT_SERVICE_CONNECTED);
	KUNIT_EXPECT_EQ(test, ev.a, (u64)f.svc_h |
			(u64)task_tgid_nr(current) << 32);
	KUNIT_EXPECT_EQ(test, ev.c, 90301ull | 90301ull << 32);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 0);
	f.sch = ev.b;
	/* The service has handle 1; the channel's server end is next. */
	KUNIT_EXPECT_EQ(test, f.sch, 2u);
	f.sep = chan_ep(test, f.server, f.sch);

	cep = f.cep;
	sep = f.sep;
	KUNIT_EXPECT_PTR_EQ(test, cep->chan, sep->chan);
	KUNIT_EXPECT_EQ(test, cep->side, (unsigned int)IPCSVC_SIDE_CLIENT);
	KUNIT_EXPECT_EQ(test, sep->side, (unsigned int)IPCSVC_SIDE_SERVER);
	KUNIT_EXPECT_PTR_EQ(test, cep->port, f.client);
	KUNIT_EXPECT_PTR_EQ(test, sep->port, f.server);
	KUNIT_EXPECT_PTR_EQ(test, cep->chan->svc, f.svc);
	KUNIT_EXPECT_EQ(test, cep->chan->version, 3ull);
	/* The client's TX area is the server's RX area, and the reverse. */
	KUNIT_EXPECT_PTR_EQ(test, ipcsvc_endpoint_area(cep, IPCSVC_DIR_TX),
			    ipcsvc_endpoint_area(sep, IPCSVC_DIR_RX));
	KUNIT_EXPECT_PTR_EQ(test, ipcsvc_endpoint_area(cep, IPCSVC_DIR_RX),
			    ipcsvc_endpoint_area(sep, IPCSVC_DIR_TX));
	KUNIT_EXPECT_EQ(test, ipcsvc_endpoint_area(cep, IPCSVC_DIR_TX)->max_size,
			(u64)4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_endpoint_area(sep, IPCSVC_DIR_TX)->max_size,
			(u64)8 * PAGE_SIZE);
	/* Two table references, ours twice, and none other. */
	KUNIT_EXPECT_EQ(test, kref_read(&cep->chan->ref), 4u);
	chan_teardown(&f);
	put_cred(cred);
}

/* Sizes asked for are rounded up to pages; more than the service's is EMSGSIZE. */
static void ipcsvc_channel_connect_sizes(struct kunit *test)
{
	struct ipcsvc_connect_params p = {
		.name = SVC_NAME,
		.name_len = strlen(SVC_NAME),
		.version = 3,
		.max_size = { 1, 2 * PAGE_SIZE + 1 },
	};
	struct chan_fixture f;
	struct ipcsvc_hobj *obj;
	u32 h;

	chan_service(test, &f, NULL);
	KUNIT_ASSERT_EQ(test, ipcsvc_connect(f.client, &p, &obj, &h), 0);
	KUNIT_EXPECT_EQ(test, p.max_size[0], (u64)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, p.max_size[1], (u64)3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_to_ep(obj)->chan->area[0]->max_size,
			(u64)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_to_ep(obj)->chan->area[1]->max_size,
			(u64)3 * PAGE_SIZE);
	ipcsvc_hobj_put(obj);

	/* Exactly the maximum is fine, a byte more in either direction not. */
	p.max_size[0] = 4 * PAGE_SIZE;
	p.max_size[1] = 8 * PAGE_SIZE;
	KUNIT_ASSERT_EQ(test, ipcsvc_connect(f.client, &p, &obj, &h), 0);
	ipcsvc_hobj_put(obj);
	p.max_size[0] = 4 * PAGE_SIZE + 1;
	KUNIT_EXPECT_EQ(test, ipcsvc_connect(f.client, &p, &obj, &h),
			-EMSGSIZE);
	p.max_size[0] = 0;
	p.max_size[1] = 8 * PAGE_SIZE + 1;
	KUNIT_EXPECT_EQ(test, ipcsvc_connect(f.client, &p, &obj, &h),
			-EMSGSIZE);
	KUNIT_EXPECT_EQ(test, f.client->nr_handles, 2u);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 2u);
	chan_teardown(&f);
}

/*
 * Refused connects, in the order connect checks: each leaves no handle,
 * no event and no charge behind.
 */
static void ipcsvc_channel_connect_refused(struct kunit *test)
{
	struct cred *cred = ipcsvc_kunit_creds(test, 90302);
	struct ipcsvc_user *user = ipcsvc_user_get(cred);
	struct ipcsvc_port *elsewhere;
	struct chan_fixture f;
	const struct cred *old;
	struct ipcsvc_hobj *obj;
	u32 h;

	KUNIT_ASSERT_NOT_NULL(test, user);
	chan_service(test, &f, NULL);
	elsewhere = ipcsvc_kunit_port(test, ipcsvc_kunit_ns(test));
	old = override_creds(cred);
	KUNIT_EXPECT_EQ(test, chan_connect(f.client, "kunit.none", 3, 0, 0,
					   &h, &obj), -ENOENT);
	/* Another namespace's service is not found either. */
	KUNIT_EXPECT_EQ(test, chan_connect(elsewhere, SVC_NAME, 3, 0, 0, &h,
					   &obj), -ENOENT);
	/* Mode 0600 of another user, and no CAP_DAC_OVERRIDE. */
	KUNIT_EXPECT_EQ(test, chan_connect(f.client, SVC_NAME, 3, 0, 0, &h,
					   &obj), -EACCES);
	/* EACCES comes before a version or size mismatch. */
	KUNIT_EXPECT_EQ(test, chan_connect(f.client, SVC_NAME, 4, U64_MAX, 0,
					   &h, &obj), -EACCES);
	f.svc->mode = 0602;
	KUNIT_EXPECT_EQ(test, chan_connect(f.client, SVC_NAME, 4, 0, 0, &h,
					   &obj), -EPROTONOSUPPORT);
	KUNIT_EXPECT_EQ(test, chan_connect(f.client, SVC_NAME, 4, U64_MAX, 0,
					   &h, &obj), -EPROTONOSUPPORT);
	KUNIT_EXPECT_EQ(test, chan_connect(f.client, SVC_NAME, 3, U64_MAX, 0,
					   &h, &obj), -EMSGSIZE);
	revert_creds(old);

	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 0u);
	KUNIT_EXPECT_EQ(test, f.client->nr_handles, 0u);
	KUNIT_EXPECT_EQ(test, f.server->nr_handles, 1u);
	KUNIT_EXPECT_EQ(test, atomic_read(&user->channels), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&user->bytes), 0l);
	KUNIT_EXPECT_EQ(test, kref_read(&f.svc->ref), 2u);
	ipcsvc_kunit_port_done(elsewhere);
	chan_teardown(&f);
	ipcsvc_user_put(user);
	put_cred(cred);
}

/* CAP_DAC_OVERRIDE, in the service creator's user namespace, beats the mode. */
static void ipcsvc_channel_connect_dac_override(struct kunit *test)
{
	struct cred *cred = ipcsvc_kunit_creds(test, 90303);
	struct chan_fixture f;
	const struct cred *old;
	u32 h;
	int ret;

	chan_service(test, &f, NULL);
	f.svc->mode = 0;
	cap_raise(cred->cap_effective, CAP_DAC_OVERRIDE);
	old = override_creds(cred);
	ret = chan_connect_h(f.client, SVC_NAME, &h);
	revert_creds(old);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 1u);
	chan_teardown(&f);
	put_cred(cred);
}

/*
 * max_connections counts channels whose server end is open, whoever
 * closed the client end; max_pending counts channels whose
 * ServiceConnected the server has not read.
 */
static void ipcsvc_channel_connect_limits(struct kunit *test)
{
	struct ipcsvc_service_params p = ipcsvc_kunit_params(SVC_NAME);
	struct chan_fixture f;
	struct ipcsvc_event ev[4];
	u32 c1, c2, c3, s1;

	p.max_connections = 2;
	p.max_pending = 1;
	chan_service(test, &f, &p);

	KUNIT_ASSERT_EQ(test, chan_connect_h(f.client, SVC_NAME, &c1), 0);
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &c2), -EAGAIN);
	/* The client leaving does not accept its channel for the server. */
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(f.client, c1), 0);
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &c2), -EAGAIN);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 1);
	/* Reading ServiceConnected does (PeerClosed follows it). */
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.server, ev, 4), (size_t)2);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_SERVICE_CONNECTED);
	KUNIT_EXPECT_EQ(test, ev[1].type, (u32)IPCSVC_EVENT_PEER_CLOSED);
	s1 = ev[0].b;
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 0);

	KUNIT_ASSERT_EQ(test, chan_connect_h(f.client, SVC_NAME, &c2), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.server, ev, 4), (size_t)1);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_open), 2);
	/* Two server ends open: EUSERS, which is checked before EAGAIN. */
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &c3), -EUSERS);
	/* The server closing its end of the dead channel makes room. */
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(f.server, s1), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_open), 1);
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &c3), 0);
	KUNIT_EXPECT_EQ(test, f.client->nr_handles, 2u);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 1);
	/* The server's port going away un-counts all. */
	ipcsvc_kunit_port_done(f.server);
	f.server = NULL;
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_open), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 0);
	chan_teardown(&f);
}

/*
 * The per-user channel and byte limits (EDQUOT), the client's full handle
 * table (ENOSPC) and the server's (ECONNREFUSED): nothing is left behind.
 */
static void ipcsvc_channel_connect_quota_and_tables(struct kunit *test)
{
	unsigned int old_channels = ipcsvc_max_channels;
	struct ipcsvc_port_limits lim = { .flags = IPCSVC_PORT_LIMITS_SET };
	unsigned long old_bytes = ipcsvc_max_user_bytes;
	struct cred *cred = ipcsvc_kunit_creds(test, 90304);
	struct ipcsvc_user *user = ipcsvc_user_get(cred);
	struct chan_fixture f;
	const struct cred *old;
	u32 h, dummy;

	KUNIT_ASSERT_NOT_NULL(test, user);
	chan_service(test, &f, NULL);
	f.svc->mode = 0602;
	old = override_creds(cred);

	WRITE_ONCE(ipcsvc_max_channels, 0);
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &h), -EDQUOT);
	WRITE_ONCE(ipcsvc_max_channels, old_channels);
	/* The header's three pages do not fit two. */
	WRITE_ONCE(ipcsvc_max_user_bytes, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &h), -EDQUOT);
	WRITE_ONCE(ipcsvc_max_user_bytes, HDR_BYTES);
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &h), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&user->bytes), (long)HDR_BYTES);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(f.client, h), 0);
	WRITE_ONCE(ipcsvc_max_user_bytes, old_bytes);

	/* The client's table is full: ENOSPC. */
	KUNIT_ASSERT_EQ(test, ipcsvc_kunit_service(f.client, "kunit.dummy",
						   &dummy), 0);
	lim.max_handles = 1;
	KUNIT_ASSERT_EQ(test, ipcsvc_port_limits(f.client, &lim), 0);
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &h), -ENOSPC);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(f.client, dummy), 0);
	/* The server's (the service and the dead channel's end): refused. */
	lim.max_handles = 2;
	KUNIT_ASSERT_EQ(test, ipcsvc_port_limits(f.server, &lim), 0);
	KUNIT_EXPECT_EQ(test, f.server->nr_handles, 2u);
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &h),
			-ECONNREFUSED);
	lim.max_handles = ipcsvc_max_handles;
	KUNIT_ASSERT_EQ(test, ipcsvc_port_limits(f.client, &lim), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_port_limits(f.server, &lim), 0);
	revert_creds(old);

	/*
	 * Of all these, only the one channel that was made is left: its
	 * server end keeps it, and its charges, until the server closes it.
	 */
	KUNIT_EXPECT_EQ(test, f.client->nr_handles, 0u);
	KUNIT_EXPECT_EQ(test, f.server->nr_handles, 2u);
	KUNIT_EXPECT_EQ(test, atomic_read(&user->channels), 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&user->bytes), (long)HDR_BYTES);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_open), 1);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 2u);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.client), 0u);
	chan_teardown(&f);
	KUNIT_EXPECT_EQ(test, atomic_read(&user->channels), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&user->bytes), 0l);
	ipcsvc_user_put(user);
	put_cred(cred);
}

/*
 * A connect whose result cannot be written back is undone: the client's
 * handle is closed and, while the server has not read ServiceConnected,
 * the server's end too, so that neither side ever hears of the channel.
 * Once the server has read it, its end stays and learns of the close.
 */
static void ipcsvc_channel_connect_undo(struct kunit *test)
{
	struct chan_fixture f;
	struct ipcsvc_hobj *obj;
	struct ipcsvc_event ev[2];
	u32 h, sh;

	chan_service(test, &f, NULL);
	KUNIT_ASSERT_EQ(test, chan_connect(f.client, SVC_NAME, 3, 0, 0, &h,
					   &obj), 0);
	ipcsvc_connect_undo(f.client, h, obj);
	KUNIT_EXPECT_EQ(test, f.client->nr_handles, 0u);
	KUNIT_EXPECT_EQ(test, f.server->nr_handles, 1u);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 0u);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.client), 0u);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_open), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 0);
	KUNIT_EXPECT_TRUE(test, ipcsvc_to_ep(obj)->closed);
	KUNIT_EXPECT_TRUE(test, ipcsvc_to_ep(obj)->chan->ep[1].closed);
	ipcsvc_hobj_put(obj);

	/* The server was quicker: its end stays, and gets PeerClosed. */
	KUNIT_ASSERT_EQ(test, chan_connect(f.client, SVC_NAME, 3, 0, 0, &h,
					   &obj), 0);
	sh = chan_accept(test, &f);
	ipcsvc_connect_undo(f.client, h, obj);
	KUNIT_EXPECT_EQ(test, f.client->nr_handles, 0u);
	KUNIT_EXPECT_EQ(test, f.server->nr_handles, 2u);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_open), 1);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.server, ev, 2), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, ev[0].a, (u64)sh);

	/* A handle number reused meanwhile is left alone. */
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &h), 0);
	KUNIT_EXPECT_EQ(test, h, 1u);
	ipcsvc_connect_undo(f.client, h, obj);
	KUNIT_EXPECT_EQ(test, f.client->nr_handles, 1u);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 1u);
	ipcsvc_hobj_put(obj);
	chan_teardown(&f);
}

/*
 * What a channel charges: one channel and the three header pages to the
 * connecting user, data pages to the user of the side that produces
 * them. A mapping's area reference keeps the area after both ports are
 * gone, but not the server's data: closing the server's end revokes the
 * area it produces, and its pages are uncharged at once, even while the
 * client maps them. What the client sent stays until the last reference.
 */
static void ipcsvc_channel_charges(struct kunit *test)
{
	struct cred *server_cred = ipcsvc_kunit_creds(test, 90401);
	struct cred *client_cred = ipcsvc_kunit_creds(test, 90402);
	struct ipcsvc_user *su = ipcsvc_user_get(server_cred);
	struct ipcsvc_user *cu = ipcsvc_user_get(client_cred);
	struct ipcsvc_service_params p = ipcsvc_kunit_params(SVC_NAME);
	struct ipcsvc_area *client_map, *server_map;
	struct chan_fixture f = { };
	struct ipcsvc_hobj *obj;
	const struct cred *old;
	struct page *page;

	KUNIT_ASSERT_NOT_NULL(test, su);
	KUNIT_ASSERT_NOT_NULL(test, cu);
	p.mode = 0666;
	f.ns = ipcsvc_kunit_ns(test);
	f.server = ipcsvc_kunit_port(test, f.ns);
	f.client = ipcsvc_kunit_port(test, f.ns);
	old = override_creds(server_cred);
	KUNIT_ASSERT_EQ(test, ipcsvc_service_create(f.server, &p, &f.svc,
						    &f.svc_h), 0);
	revert_creds(old);
	old = override_creds(client_cred);
	KUNIT_ASSERT_EQ(test, chan_connect(f.client, SVC_NAME, 3, 0, 0,
					   &f.cch, &obj), 0);
	revert_creds(old);
	f.cep = ipcsvc_to_ep(obj);
	f.sch = chan_accept(test, &f);
	f.sep = chan_ep(test, f.server, f.sch);

	KUNIT_EXPECT_EQ(test, atomic_read(&su->services), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&su->channels), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&su->bytes), 0l);
	KUNIT_EXPECT_EQ(test, atomic_read(&cu->channels), 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&cu->bytes), (long)HDR_BYTES);

	/* Each producer grows its TX area, as GROW does. */
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(ipcsvc_endpoint_area(f.cep,
								    IPCSVC_DIR_TX),
					       2 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(ipcsvc_endpoint_area(f.sep,
								    IPCSVC_DIR_TX),
					       PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&cu->bytes),
			(long)(HDR_BYTES + 2 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&su->bytes), (long)PAGE_SIZE);

	/* Each side maps what it receives. */
	client_map = ipcsvc_endpoint_area(f.cep, IPCSVC_DIR_RX);
	server_map = ipcsvc_endpoint_area(f.sep, IPCSVC_DIR_RX);
	ipcsvc_area_get(client_map);
	ipcsvc_area_get(server_map);
	ipcsvc_hobj_put(&f.cep->h);
	ipcsvc_hobj_put(&f.sep->h);
	f.cep = NULL;
	f.sep = NULL;

	/* The client goes: nothing is revoked, the channel lives on. */
	ipcsvc_kunit_port_done(f.client);
	f.client = NULL;
	KUNIT_EXPECT_EQ(test, atomic_read(&cu->channels), 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&cu->bytes),
			(long)(HDR_BYTES + 2 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&su->bytes), (long)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_identity(server_map)->revoked, 0ull);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_identity(client_map)->revoked, 0ull);

	/* The server goes: its data is taken back from the client's map. */
	ipcsvc_kunit_port_done(f.server);
	f.server = NULL;
	KUNIT_EXPECT_EQ(test, atomic_long_read(&su->bytes), 0l);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_identity(client_map)->closed, 1ull);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_identity(client_map)->revoked, 1ull);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_identity(client_map)->magic,
			IPCSVC_AREA_MAGIC);
	page = ipcsvc_area_page(client_map, IPCSVC_AREA_HEADER_PAGES);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_NULL(test, memchr_inv(page_address(page), 0, PAGE_SIZE));
	/* The channel is gone; what the client sent is still mapped. */
	KUNIT_EXPECT_EQ(test, atomic_read(&cu->channels), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_identity(server_map)->revoked, 0ull);
	KUNIT_EXPECT_NOT_NULL(test, ipcsvc_area_page(server_map,
						     IPCSVC_AREA_HEADER_PAGES + 1));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&cu->bytes),
			(long)(HDR_BYTES + 2 * PAGE_SIZE));

	ipcsvc_area_put(server_map);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&cu->bytes), (long)HDR_BYTES);
	ipcsvc_area_put(client_map);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&cu->bytes), 0l);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&su->bytes), 0l);
	/*
	 * The service's charge is for its name: the server port's shutdown
	 * withdrew it, although this test still holds the object.
	 */
	KUNIT_EXPECT_EQ(test, atomic_read(&su->services), 0);
	chan_teardown(&f);
	KUNIT_EXPECT_EQ(test, atomic_read(&su->services), 0);
	ipcsvc_user_put(su);
	ipcsvc_user_put(cu);
	put_cred(server_cred);
	put_cred(client_cred);
}

/*
 * PEER_CREDS: each end sees the other's pid and effective ids as of the
 * connect, and pid 0 once the peer process is gone.
 */
static void ipcsvc_channel_peer_creds_as_connected(struct kunit *test)
{
	struct cred *cred = ipcsvc_kunit_creds(test, 90501);
	struct chan_thread *maker = chan_thread_new(test);
	struct ipcsvc_peer_creds pc;
	struct chan_fixture f = { };
	unsigned long end = jiffies + 10 * HZ;
	const struct cred *old;
	struct ipcsvc_hobj *obj;
	bool gone;
	int ret;

	/* The service is made by a thread that is gone by the connect. */
	f.ns = ipcsvc_kunit_ns(test);
	f.server = ipcsvc_kunit_port(test, f.ns);
	f.client = ipcsvc_kunit_port(test, f.ns);
	maker->port = f.server;
	chan_thread_start(test, maker, chan_service_maker);
	KUNIT_ASSERT_TRUE(test, chan_thread_join(maker));
	KUNIT_ASSERT_EQ(test, maker->ret, 0);
	f.svc_h = maker->handle;
	chan_thread_free(maker);
	f.svc = ipcsvc_service_lookup(f.ns, SVC_NAME, strlen(SVC_NAME));
	KUNIT_ASSERT_NOT_NULL(test, f.svc);
	f.svc->mode = 0606;
	/* Reaped, not just exited: its pid has no task. */
	for (;;) {
		rcu_read_lock();
		gone = !pid_has_task(f.svc->pid, PIDTYPE_TGID);
		rcu_read_unlock();
		if (gone || time_after(jiffies, end))
			break;
		usleep_range(1000, 2000);
	}
	KUNIT_EXPECT_TRUE(test, gone);

	old = override_creds(cred);
	ret = chan_connect(f.client, SVC_NAME, 3, 0, 0, &f.cch, &obj);
	revert_creds(old);
	KUNIT_ASSERT_EQ(test, ret, 0);
	f.cep = ipcsvc_to_ep(obj);
	f.sch = chan_accept(test, &f);
	f.sep = chan_ep(test, f.server, f.sch);

	memset(&pc, 0xcc, sizeof(pc));
	ipcsvc_channel_peer_creds(f.sep, f.server, &pc);
	KUNIT_EXPECT_EQ(test, pc.pid, (u32)task_tgid_nr(current));
	KUNIT_EXPECT_EQ(test, pc.uid, 90501u);
	KUNIT_EXPECT_EQ(test, pc.gid, 90501u);
	KUNIT_EXPECT_EQ(test, pc.version, 3ull);

	memset(&pc, 0xcc, sizeof(pc));
	ipcsvc_channel_peer_creds(f.cep, f.client, &pc);
	KUNIT_EXPECT_EQ(test, pc.pid, 0u);
	KUNIT_EXPECT_EQ(test, pc.uid, 0u);
	KUNIT_EXPECT_EQ(test, pc.gid, 0u);
	KUNIT_EXPECT_EQ(test, pc.version, 3ull);
	chan_teardown(&f);
	put_cred(cred);
}

static struct kunit_case ipcsvc_channel_cases[] = {
	KUNIT_CASE(ipcsvc_channel_connect_event),
	KUNIT_CASE(ipcsvc_channel_connect_sizes),
	KUNIT_CASE(ipcsvc_channel_connect_refused),
	KUNIT_CASE(ipcsvc_channel_connect_dac_override),
	KUNIT_CASE(ipcsvc_channel_connect_limits),
	KUNIT_CASE(ipcsvc_channel_connect_quota_and_tables),
	KUNIT_CASE(ipcsvc_channel_connect_undo),
	KUNIT_CASE(ipcsvc_channel_charges),
	KUNIT_CASE(ipcsvc_channel_peer_creds_as_connected),
	{}
};

static struct kunit_suite ipcsvc_channel_suite = {
	.name = "ipcsvc_channel",
	.suite_init = ipcsvc_kunit_suite_init,
	.suite_exit = ipcsvc_kunit_suite_exit,
	.test_cases = ipcsvc_channel_cases,
};

kunit_test_suite(ipcsvc_channel_suite);
