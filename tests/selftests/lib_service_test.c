// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The library's service and client path over the module: create, connect,
 * accept, events, credentials, small and large messages, growth up to the
 * limit (explicit, and automatic on allocation), the per-user byte limit,
 * sync calls with several outstanding, and non-blocking calls after the
 * peer is gone. Peer death during blocking calls and several clients at
 * once are lib_peer_test.c.
 *
 * Timeouts here are upper bounds only: no verdict depends on timing.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcsvc/ipcsvc.h"
#include "kselftest_harness.h"
#include "lib_msgs.h"

/* Read or write a parameter of the module: 0 or -errno. */
static int param(const char *name, unsigned long *get, unsigned long set)
{
	char path[128];
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "/sys/module/ipcsvc/parameters/%s", name);
	f = fopen(path, get ? "r" : "w");
	if (!f)
		return -errno;
	if (get ? fscanf(f, "%lu", get) != 1 : fprintf(f, "%lu\n", set) <= 0)
		rc = -EIO;
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

/* Grow @ch's tx ring so that a message of @len object bytes fits. */
static int grow_for(struct ipcsvc_channel *ch, size_t len)
{
	uint64_t want = 2 * (IPCSVC_OBJECT_SPACE(len) +
			     sizeof(struct ipcsvc_msg_header)) + 16;

	want = (want + page() - 1) / page() * page();
	return ipcsvc_channel_grow(ch, want);
}

/* ---- one process, both ends --------------------------------------- */

FIXTURE(svc) {
	struct ipcsvc_port *sport, *cport;
	struct ipcsvc_service *svc;
	struct ipcsvc_conn *client, *server;
};

/* The fixture's service takes areas of up to SVC_MAX each way. */
#define SVC_MAX	(4ULL << 20)

FIXTURE_SETUP(svc)
{
	struct ipcsvc_service_attr sa = { .max_to_server = SVC_MAX,
					  .max_to_client = SVC_MAX };

	ASSERT_EQ(0, ipcsvc_port_open(NULL, &self->sport));
	ASSERT_EQ(0, ipcsvc_port_open(NULL, &self->cport));
	ASSERT_EQ(0, ipcsvc_service_create_attr(self->sport, "lib.svc", 3,
						0666, &sa, &self->svc));
}

FIXTURE_TEARDOWN(svc)
{
	ipcsvc_conn_close(self->client);
	ipcsvc_conn_close(self->server);
	ipcsvc_service_close(self->svc);
	ipcsvc_port_close(self->cport);
	ipcsvc_port_close(self->sport);
}

/* Connect and accept with the given sizes, wait mode and channel flags. */
static int pair_flags(FIXTURE_DATA(svc) *self, uint64_t max_send,
		      uint64_t max_recv, uint32_t mode, uint32_t flags)
{
	struct ipcsvc_channel_attr a = { .size = sizeof(a), .wait_mode = mode,
					 .flags = flags };
	struct ipcsvc_port_event ev;
	int rc;

	rc = ipcsvc_client_connect(self->cport, "lib.svc", 3, max_send,
				   max_recv, &a, &self->client);
	if (rc)
		return rc;
	rc = ipcsvc_port_wait_event(self->sport, &ev, ipcsvc_timeout_ns(LONG));
	if (rc)
		return rc;
	if (ev.type != IPCSVC_EVENT_SERVICE_CONNECTED)
		return -EPROTO;
	return ipcsvc_service_accept(self->svc, &ev, &a, &self->server);
}

static int pair(FIXTURE_DATA(svc) *self, uint64_t max_send, uint64_t max_recv,
		uint32_t mode)
{
	return pair_flags(self, max_send, max_recv, mode, 0);
}

TEST_F(svc, connect_accept_and_credentials)
{
	struct ipcsvc_peer_creds pc;
	struct ipcsvc_port_event ev;
	struct ipcsvc_msg *m;

	ASSERT_EQ(0, ipcsvc_client_connect(self->cport, "lib.svc", 3, 0, 0,
					   NULL, &self->client));
	EXPECT_LT(0, ipcsvc_conn_handle(self->client));
	EXPECT_EQ(ipcsvc_port_fd(self->cport), ipcsvc_conn_fd(self->client));
	EXPECT_EQ(ipcsvc_port_fd(self->sport), ipcsvc_service_fd(self->svc));

	ASSERT_EQ(0, ipcsvc_port_wait_event(self->sport, &ev, ipcsvc_timeout_ns(LONG)));
	ASSERT_EQ(IPCSVC_EVENT_SERVICE_CONNECTED, ev.type);
	EXPECT_EQ((uint32_t)ipcsvc_service_handle(self->svc),
		  ev.handle);
	/* the same on every word size */
	EXPECT_EQ((uint32_t)getpid(), ev.pid);
	EXPECT_EQ((uint32_t)geteuid(), ev.uid);
	EXPECT_EQ((uint32_t)getegid(), ev.gid);
	EXPECT_NE(0u, ev.channel);
	EXPECT_EQ(NULL, ev.cookie);
	/* Only the service's own events are accepted. */
	{
		struct ipcsvc_port_event bad = ev;

		bad.type = IPC_MSG_PEER_CLOSED;
		EXPECT_EQ(-EINVAL, ipcsvc_service_accept(self->svc, &bad, NULL,
							 &self->server));
		EXPECT_EQ(NULL, self->server);
	}
	ASSERT_EQ(0, ipcsvc_service_accept(self->svc, &ev, NULL,
					   &self->server));
	EXPECT_EQ(ev.channel,
		  (uint32_t)ipcsvc_conn_handle(self->server));

	ASSERT_EQ(0, ipcsvc_conn_peer_creds(self->server, &pc));
	EXPECT_EQ((uint32_t)getpid(), pc.pid);
	EXPECT_EQ(geteuid(), pc.uid);
	EXPECT_EQ(getegid(), pc.gid);
	EXPECT_EQ(3u, pc.version);
	ASSERT_EQ(0, ipcsvc_conn_peer_creds(self->client, &pc));
	EXPECT_EQ((uint32_t)getpid(), pc.pid);
	EXPECT_EQ(3u, pc.version);

	/* No other event is pending. */
	EXPECT_EQ(-EAGAIN, ipcsvc_port_read_event(self->sport, &ev));
	EXPECT_EQ(-ETIMEDOUT,
		  ipcsvc_port_wait_event(self->sport, &ev, ipcsvc_timeout_ns(0)));

	/* A round trip. */
	ASSERT_EQ(0, send_msg(ipcsvc_conn_channel(self->client), 11, 100, 5,
			      0, NULL));
	ASSERT_EQ(0, ipcsvc_channel_receive_timeout(
			ipcsvc_conn_channel(self->server), &m, ipcsvc_timeout_ns(LONG)));
	EXPECT_TRUE(msg_ok(m, 11, 100));
	ASSERT_EQ(0, echo(ipcsvc_conn_channel(self->server), m));
	ASSERT_EQ(0, ipcsvc_channel_receive_timeout(
			ipcsvc_conn_channel(self->client), &m, ipcsvc_timeout_ns(LONG)));
	EXPECT_TRUE(msg_ok(m, 11, 100));
	ASSERT_EQ(0, ipcsvc_channel_release(ipcsvc_conn_channel(self->client),
					    m));

	/* The client leaves: PeerClosed for the server, and its blocking
	 * receive returns at once with the PeerClosed status. */
	ASSERT_EQ(0, ipcsvc_conn_close(self->client));
	self->client = NULL;
	ASSERT_EQ(0, ipcsvc_port_wait_event(self->sport, &ev, ipcsvc_timeout_ns(LONG)));
	EXPECT_EQ(IPCSVC_EVENT_PEER_CLOSED, ev.type);
	EXPECT_EQ((uint32_t)ipcsvc_conn_handle(self->server),
		  ev.handle);
	EXPECT_EQ(IPC_STATUS_PEER_CLOSED, ipcsvc_channel_receive_timeout(
			ipcsvc_conn_channel(self->server), &m, ipcsvc_timeout_ns(LONG)));
}

TEST_F(svc, connect_errors)
{
	struct ipcsvc_channel_attr bad = {
		.size = sizeof(bad), .flags = IPCSVC_CHANNEL_NO_AUTOGROW << 1,
	};
	struct ipcsvc_service *dup = NULL;

	EXPECT_EQ(-EPROTONOSUPPORT, ipcsvc_client_connect(self->cport,
			"lib.svc", 4, 0, 0, NULL, &self->client));
	EXPECT_EQ(NULL, self->client);
	EXPECT_EQ(-ENOENT, ipcsvc_client_connect(self->cport, "lib.none", 3,
						 0, 0, NULL, &self->client));
	EXPECT_EQ(-EINVAL, ipcsvc_client_connect(self->cport, "", 3, 0, 0,
						 NULL, &self->client));
	EXPECT_EQ(-EINVAL, ipcsvc_client_connect(self->cport, "lib.svc", 3, 0,
						 0, &bad, &self->client));
	EXPECT_EQ(-EINVAL, ipcsvc_client_connect(NULL, "lib.svc", 3, 0, 0,
						 NULL, &self->client));
	EXPECT_EQ(-EADDRINUSE, ipcsvc_service_create(self->cport, "lib.svc", 3,
						 0666, &dup));
	EXPECT_EQ(NULL, dup);
	EXPECT_EQ(-EINVAL, ipcsvc_service_create(self->cport, "lib.x", 3,
						 01000, &dup));
	/* More than the service's maximum, in either direction. */
	EXPECT_EQ(-EMSGSIZE, ipcsvc_client_connect(self->cport, "lib.svc", 3,
			SVC_MAX + page(), 0, NULL, &self->client));
	EXPECT_EQ(-EMSGSIZE, ipcsvc_client_connect(self->cport, "lib.svc", 3,
			0, SVC_MAX + 1, NULL, &self->client));
	EXPECT_EQ(NULL, self->client);
}

/* A service's limits: 0 asks its maxima; more connections are EUSERS. */
TEST_F(svc, service_attr_limits)
{
	struct ipcsvc_service_attr sa = {
		.max_to_server = 64 * 1024, .max_to_client = 2 * page(),
		.max_connections = 1,
	};
	struct ipcsvc_service *small = NULL;
	struct ipcsvc_channel_info ci;
	struct ipcsvc_conn *second = NULL;
	unsigned long cap;

	ASSERT_EQ(0, ipcsvc_service_create_attr(self->sport, "lib.small", 3,
						0666, &sa, &small));
	ASSERT_EQ(0, ipcsvc_client_connect(self->cport, "lib.small", 3, 0, 0,
					   NULL, &self->client));
	ASSERT_EQ(0, ipcsvc_channel_info(ipcsvc_conn_channel(self->client),
					 &ci));
	EXPECT_EQ(64 * 1024u, ci.tx_max_size);
	EXPECT_EQ(2 * page(), ci.rx_max_size);
	EXPECT_EQ(0u, ci.tx_size);
	EXPECT_EQ(-EUSERS, ipcsvc_client_connect(self->cport, "lib.small", 3,
						 0, 0, NULL, &second));
	EXPECT_EQ(NULL, second);
	EXPECT_EQ(0, ipcsvc_service_close(small));

	/* max_pending above max_connections. */
	sa.max_pending = 2;
	EXPECT_EQ(-EINVAL, ipcsvc_service_create_attr(self->sport, "lib.bad",
						      3, 0666, &sa, &small));
	/* Sizes above the module's max_buffer_size. */
	sa.max_pending = 0;
	ASSERT_EQ(0, param("max_buffer_size", &cap, 0));
	sa.max_to_server = cap + page();
	EXPECT_EQ(-EMSGSIZE, ipcsvc_service_create_attr(self->sport,
						"lib.bad", 3, 0666, &sa, &small));
	sa.max_to_server = 1ULL << 40;
	EXPECT_EQ(-EMSGSIZE, ipcsvc_service_create_attr(self->sport,
						"lib.bad", 3, 0666, &sa, &small));
}

TEST_F(svc, reject_closes_the_client)
{
	struct ipcsvc_port_event ev;
	struct ipcsvc_msg *m;

	ASSERT_EQ(0, ipcsvc_client_connect(self->cport, "lib.svc", 3, 0, 0,
					   NULL, &self->client));
	ASSERT_EQ(0, ipcsvc_port_wait_event(self->sport, &ev, ipcsvc_timeout_ns(LONG)));
	ASSERT_EQ(0, ipcsvc_service_reject(self->svc, &ev));
	ASSERT_EQ(0, ipcsvc_port_wait_event(self->cport, &ev, ipcsvc_timeout_ns(LONG)));
	EXPECT_EQ(IPCSVC_EVENT_PEER_CLOSED, ev.type);
	EXPECT_EQ(IPC_STATUS_PEER_CLOSED, ipcsvc_channel_receive_timeout(
			ipcsvc_conn_channel(self->client), &m, ipcsvc_timeout_ns(LONG)));
}

TEST_F(svc, service_gone_event)
{
	struct ipcsvc_port_event ev;

	ASSERT_EQ(0, pair(self, 0, 0, IPCSVC_WAIT_ADAPTIVE));
	ASSERT_EQ(0, ipcsvc_service_close(self->svc));
	self->svc = NULL;
	ASSERT_EQ(0, ipcsvc_port_wait_event(self->cport, &ev, ipcsvc_timeout_ns(LONG)));
	EXPECT_EQ(IPCSVC_EVENT_SERVICE_GONE, ev.type);
	EXPECT_EQ((uint32_t)ipcsvc_conn_handle(self->client),
		  ev.handle);
}

/* Small messages of many sizes, in both directions, many laps of the ring. */
TEST_F(svc, small_messages)
{
	struct ipcsvc_channel *c, *s;
	struct ipcsvc_msg *m;

	ASSERT_EQ(0, pair(self, 0, 0, IPCSVC_WAIT_ADAPTIVE));
	c = ipcsvc_conn_channel(self->client);
	s = ipcsvc_conn_channel(self->server);
	for (uint64_t i = 0; i < 2000; i++) {
		size_t len = (size_t)(i * 37 % 500);

		ASSERT_EQ(0, send_msg(c, i, len, i, LONG, NULL));
		ASSERT_EQ(0, ipcsvc_channel_receive_timeout(s, &m, ipcsvc_timeout_ns(LONG)));
		ASSERT_TRUE(msg_ok(m, i, len));
		ASSERT_EQ(0, echo(s, m));
		ASSERT_EQ(0, ipcsvc_channel_receive_timeout(c, &m, ipcsvc_timeout_ns(LONG)));
		ASSERT_TRUE(msg_ok(m, i, len));
		ASSERT_EQ(0, ipcsvc_channel_release(c, m));
	}
}

struct rx_job {
	struct ipcsvc_channel *ch;
	int count;
	size_t len;
	int rc;
};

static void *receiver(void *arg)
{
	struct rx_job *j = arg;
	struct ipcsvc_msg *m;

	for (int i = 0; i < j->count; i++) {
		j->rc = ipcsvc_channel_receive_timeout(j->ch, &m, ipcsvc_timeout_ns(LONG));
		if (j->rc)
			return NULL;
		if (!msg_ok(m, (uint64_t)i, j->len)) {
			j->rc = -EBADMSG;
			return NULL;
		}
		j->rc = ipcsvc_channel_release(j->ch, m);
		if (j->rc)
			return NULL;
	}
	return NULL;
}

/* Messages larger than the first page need growth; with auto-growth off,
 * an explicit grow; a receiver follows. */
TEST_F(svc, large_messages)
{
	const size_t len = 300 * 1024;
	struct rx_job j;
	struct ipcsvc_channel_info info;
	pthread_t t;

	ASSERT_EQ(0, pair_flags(self, 1 << 20, 0, IPCSVC_WAIT_SLEEP,
				IPCSVC_CHANNEL_NO_AUTOGROW));
	j.ch = ipcsvc_conn_channel(self->server);
	j.count = 20;
	j.len = len;
	j.rc = 0;
	EXPECT_EQ(-EMSGSIZE, send_msg(ipcsvc_conn_channel(self->client), 0,
				      len, 0, 0, NULL));
	ASSERT_EQ(0, grow_for(ipcsvc_conn_channel(self->client), len));
	ASSERT_EQ(0, ipcsvc_channel_info(ipcsvc_conn_channel(self->server),
					 &info));
	EXPECT_LE(2 * len, info.rx_size);
	ASSERT_EQ(0, pthread_create(&t, NULL, receiver, &j));
	for (int i = 0; i < j.count; i++)
		ASSERT_EQ(0, send_msg(ipcsvc_conn_channel(self->client),
				      (uint64_t)i, len, (uint64_t)i, LONG,
				      NULL));
	pthread_join(t, NULL);
	EXPECT_EQ(0, j.rc);
}

/* The largest data bytes of a one-object message for a ring of @size. */
static uint64_t biggest_object(uint64_t size)
{
	return (((size - 16) / 2) & ~7ULL) - sizeof(struct ipcsvc_msg_header) -
	       sizeof(struct ipcsvc_obj_header);
}

/*
 * No grow call: a message close to the channel's maximum goes through at
 * once (the area grows on allocation, the receiver follows), one that can
 * never fit fails at once with -EMSGSIZE, and messages of every size then
 * flow both ways while a receiver thread takes them.
 */
TEST_F(svc, auto_growth_near_max)
{
	const uint64_t max = 1 << 20;
	const size_t big = biggest_object(max);
	struct ipcsvc_channel_info ci;
	struct ipcsvc_channel *c, *s;
	struct ipcsvc_msg *m;
	struct rx_job j;
	pthread_t t;

	ASSERT_EQ(0, pair(self, max, max, IPCSVC_WAIT_SLEEP));
	c = ipcsvc_conn_channel(self->client);
	s = ipcsvc_conn_channel(self->server);

	/* Impossible: refused before any growth, also by the timed call. */
	EXPECT_EQ(-EMSGSIZE, send_msg(c, 1, big + 8, 1, 0, NULL));
	EXPECT_EQ(-EMSGSIZE, send_msg(c, 1, big + 8, 1, LONG, NULL));
	ASSERT_EQ(0, ipcsvc_channel_info(c, &ci));
	EXPECT_EQ(0u, ci.tx_size);	/* nothing committed before a send */

	/* The largest possible message, without waiting. */
	ASSERT_EQ(0, send_msg(c, 2, big, 2, 0, NULL));
	ASSERT_EQ(0, ipcsvc_channel_info(c, &ci));
	EXPECT_EQ(max, ci.tx_size);
	ASSERT_EQ(0, ipcsvc_channel_info(s, &ci));
	EXPECT_EQ(max, ci.rx_size);
	ASSERT_EQ(0, ipcsvc_channel_receive_timeout(s, &m, ipcsvc_timeout_ns(LONG)));
	EXPECT_TRUE(msg_ok(m, 2, big));
	/* The echo grows the other direction the same way. */
	ASSERT_EQ(0, echo(s, m));
	ASSERT_EQ(0, ipcsvc_channel_receive_timeout(c, &m, ipcsvc_timeout_ns(LONG)));
	EXPECT_TRUE(msg_ok(m, 2, big));
	ASSERT_EQ(0, ipcsvc_channel_release(c, m));
	ASSERT_EQ(0, ipcsvc_channel_info(c, &ci));
	EXPECT_EQ(max, ci.rx_size);

	/* Near the maximum, back to back, with a receiver thread. */
	j.ch = s;
	j.count = 12;
	j.len = big - 4096;
	j.rc = 0;
	ASSERT_EQ(0, pthread_create(&t, NULL, receiver, &j));
	for (int i = 0; i < j.count; i++)
		ASSERT_EQ(0, send_msg(c, (uint64_t)i, j.len, (uint64_t)i, LONG,
				      NULL));
	pthread_join(t, NULL);
	EXPECT_EQ(0, j.rc);
}

/*
 * Auto-growth beyond the per-user byte limit: the allocation fails with
 * the module's -EDQUOT, at once, in both calls; what fits the budget still
 * goes through.
 */
TEST_F(svc, auto_growth_over_byte_limit)
{
	const size_t len = 900 * 1024;
	struct ipcsvc_channel_info ci;
	struct ipcsvc_channel *c, *s;
	struct ipcsvc_msg *m;
	unsigned long old;

	if (param("max_user_bytes", &old, 0))
		SKIP(return, "no max_user_bytes parameter");
	ASSERT_EQ(0, pair(self, SVC_MAX, 0, IPCSVC_WAIT_SLEEP));
	c = ipcsvc_conn_channel(self->client);
	s = ipcsvc_conn_channel(self->server);
	if (param("max_user_bytes", NULL, 1 << 20))
		SKIP(return, "cannot set max_user_bytes");
	/* A 900 KiB message needs a ring of about 2 MiB. */
	EXPECT_EQ(-EDQUOT, send_msg(c, 1, len, 1, 0, NULL));
	EXPECT_EQ(-EDQUOT, send_msg(c, 1, len, 1, LONG, NULL));
	EXPECT_EQ(0, ipcsvc_channel_info(c, &ci));
	EXPECT_EQ(0u, ci.tx_size);
	/* 100 KiB needs about 256 KiB: within the budget. */
	EXPECT_EQ(0, send_msg(c, 2, 100 * 1024, 2, 0, NULL));
	EXPECT_EQ(0, ipcsvc_channel_info(c, &ci));
	EXPECT_GT(1 << 20, ci.tx_size);
	EXPECT_LT(page(), ci.tx_size);
	ASSERT_EQ(0, param("max_user_bytes", NULL, old));
	ASSERT_EQ(0, ipcsvc_channel_receive_timeout(s, &m, ipcsvc_timeout_ns(LONG)));
	EXPECT_TRUE(msg_ok(m, 2, 100 * 1024));
	ASSERT_EQ(0, ipcsvc_channel_release(s, m));
	/* With the budget back, the large one goes through. */
	EXPECT_EQ(0, send_msg(c, 3, len, 3, 0, NULL));
	ASSERT_EQ(0, ipcsvc_channel_receive_timeout(s, &m, ipcsvc_timeout_ns(LONG)));
	EXPECT_TRUE(msg_ok(m, 3, len));
	ASSERT_EQ(0, ipcsvc_channel_release(s, m));
}

/* Grow page by page doubling up to max_size; then too-big and FULL. */
TEST_F(svc, growth_to_max_then_full_or_too_big)
{
	const uint64_t max = 64 * 1024;
	struct ipcsvc_channel *c, *s;
	struct ipcsvc_channel_info ci, si;
	struct ipcsvc_msg *m, *held[64];
	uint64_t size, biggest;
	int n = 0, rc;

	ASSERT_EQ(0, pair(self, max, 0, IPCSVC_WAIT_ADAPTIVE));
	c = ipcsvc_conn_channel(self->client);
	s = ipcsvc_conn_channel(self->server);
	ASSERT_EQ(0, ipcsvc_channel_info(c, &ci));
	EXPECT_EQ(0u, ci.tx_size);
	EXPECT_EQ(max, ci.tx_max_size);

	/* Messages in flight stay valid while the ring grows under them. */
	ASSERT_EQ(0, send_msg(c, 1000, 100, 1, 0, NULL));
	for (size = 2 * page(); size <= max; size *= 2) {
		ASSERT_EQ(0, ipcsvc_channel_grow(c, size));
		ASSERT_EQ(0, ipcsvc_channel_info(c, &ci));
		EXPECT_EQ(size, ci.tx_size);
		ASSERT_EQ(0, ipcsvc_channel_info(s, &si));
		EXPECT_EQ(size, si.rx_size);
	}
	ASSERT_EQ(0, ipcsvc_channel_receive(s, &m));
	EXPECT_TRUE(msg_ok(m, 1000, 100));
	ASSERT_EQ(0, ipcsvc_channel_release(s, m));

	/* Past the maximum: refused, nothing changes. */
	EXPECT_EQ(-EFBIG, ipcsvc_channel_grow(c, max + page()));
	ASSERT_EQ(0, ipcsvc_channel_info(c, &ci));
	EXPECT_EQ(max, ci.tx_size);

	/* Too big for the ring at its maximum: -EMSGSIZE at once. */
	biggest = (max - 16) / 2 - sizeof(struct ipcsvc_msg_header) -
		  sizeof(struct ipcsvc_obj_header);
	biggest &= ~7ULL;
	EXPECT_EQ(-EMSGSIZE, send_msg(c, 1, biggest + 8, 1, 0, NULL));
	EXPECT_EQ(-EMSGSIZE, send_msg(c, 1, biggest + 8, 1, SEC, NULL));

	/* Fill it: FULL (-EAGAIN) without waiting, -ETIMEDOUT with. */
	for (;;) {
		rc = send_msg(c, (uint64_t)n, 4000, (uint64_t)n, 0, NULL);
		if (rc)
			break;
		n++;
		ASSERT_GT(64, n);
	}
	EXPECT_EQ(-EAGAIN, rc);
	EXPECT_LE(8, n);
	EXPECT_EQ(-ETIMEDOUT, send_msg(c, 99, 4000, 1, SEC / 100, NULL));
	ASSERT_EQ(0, ipcsvc_channel_info(c, &ci));
	EXPECT_EQ((uint64_t)n, ci.tx_queued);

	/* Receiving alone frees nothing; releasing does. */
	for (int i = 0; i < n; i++) {
		ASSERT_EQ(0, ipcsvc_channel_receive(s, &held[i]));
		EXPECT_TRUE(msg_ok(held[i], (uint64_t)i, 4000));
	}
	EXPECT_EQ(-EAGAIN, send_msg(c, 99, 4000, 1, 0, NULL));
	for (int i = 0; i < n; i++)
		ASSERT_EQ(0, ipcsvc_channel_release(s, held[i]));
	EXPECT_EQ(0, send_msg(c, 99, 4000, 99, 0, NULL));
	ASSERT_EQ(0, ipcsvc_channel_receive(s, &m));
	EXPECT_TRUE(msg_ok(m, 99, 4000));
	ASSERT_EQ(0, ipcsvc_channel_release(s, m));
}

/* ---- sync calls: several outstanding on one channel ---------------- */

#define NCALLERS 6

struct caller {
	struct ipcsvc_channel *ch;
	uint64_t id;
	int rc;
	bool ok;
};

static void *do_call(void *arg)
{
	struct caller *c = arg;
	struct ipcsvc_msg *req, *rep;

	c->rc = send_msg(c->ch, c->id, 64 + c->id, c->id, LONG, &req);
	if (c->rc)
		return NULL;
	c->rc = ipcsvc_channel_call(c->ch, req, &rep, ipcsvc_timeout_ns(LONG));
	if (c->rc)
		return NULL;
	c->ok = msg_ok(rep, c->id, 64 + c->id);
	ipcsvc_channel_release(c->ch, rep);
	return NULL;
}

/* The server waits for every request, then answers in reverse order. */
TEST_F(svc, calls_matched_by_id)
{
	struct caller callers[NCALLERS];
	pthread_t t[NCALLERS];
	struct ipcsvc_msg *req[NCALLERS];
	struct ipcsvc_channel *s;

	ASSERT_EQ(0, pair(self, 0, 0, IPCSVC_WAIT_ADAPTIVE));
	s = ipcsvc_conn_channel(self->server);
	for (int i = 0; i < NCALLERS; i++) {
		callers[i] = (struct caller){
			.ch = ipcsvc_conn_channel(self->client),
			.id = 100 + (uint64_t)i,
		};
		ASSERT_EQ(0, pthread_create(&t[i], NULL, do_call, &callers[i]));
	}
	for (int i = 0; i < NCALLERS; i++)
		ASSERT_EQ(0, ipcsvc_channel_receive_timeout(s, &req[i], ipcsvc_timeout_ns(LONG)));
	for (int i = NCALLERS - 1; i >= 0; i--)
		ASSERT_EQ(0, echo(s, req[i]));
	for (int i = 0; i < NCALLERS; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, callers[i].rc);
		EXPECT_TRUE(callers[i].ok);
	}
}

TEST_F(svc, call_times_out_and_drops_late_reply)
{
	struct ipcsvc_channel *c, *s;
	struct ipcsvc_msg *req, *rep, *m;
	struct ipcsvc_call_header h;
	void *p;

	ASSERT_EQ(0, pair(self, 0, 0, IPCSVC_WAIT_SLEEP));
	c = ipcsvc_conn_channel(self->client);
	s = ipcsvc_conn_channel(self->server);
	ASSERT_EQ(0, send_msg(c, 1, 8, 1, LONG, &req));
	EXPECT_EQ(-ETIMEDOUT, ipcsvc_channel_call(c, req, &rep, ipcsvc_timeout_ns(SEC / 100)));
	EXPECT_EQ(NULL, rep);
	/* Answer the first call late, then a second call gets its own. */
	ASSERT_EQ(0, ipcsvc_channel_receive_timeout(s, &req, ipcsvc_timeout_ns(LONG)));
	ASSERT_EQ(0, echo(s, req));
	ASSERT_EQ(0, send_msg(c, 2, 16, 2, LONG, &req));
	/* its reply, queued before the call looks */
	ASSERT_EQ(0, ipcsvc_call_header(req, &h));
	ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(s, sizeof(h) + 16, 2, 2,
						      0, &m));
	ASSERT_EQ(0, ipcsvc_msg_add_object(m, IPCSVC_CALL_HEADER_ID, &h,
					   sizeof(h)));
	ASSERT_EQ(0, ipcsvc_msg_reserve_object(m, 2, 16, &p));
	pattern(p, 16, 2);
	ASSERT_EQ(0, ipcsvc_channel_send(s, m));
	ASSERT_EQ(0, ipcsvc_channel_call(c, req, &rep, ipcsvc_timeout_ns(LONG)));
	EXPECT_TRUE(msg_ok(rep, 2, 16));
	ASSERT_EQ(0, ipcsvc_channel_release(c, rep));
}

/* ---- non-blocking calls after the peer is gone -------------------- */

#define NQUEUED	3

/* Receive the @n messages queued with ids 100.. without waiting. */
static int drain(struct ipcsvc_channel *ch, int n)
{
	struct ipcsvc_msg *m;
	int rc;

	for (int i = 0; i < n; i++) {
		rc = ipcsvc_channel_receive(ch, &m);
		if (rc)
			return rc;
		if (!msg_ok(m, 100 + (uint64_t)i, 64))
			return -EBADMSG;
		rc = ipcsvc_channel_release(ch, m);
		if (rc)
			return rc;
	}
	return 0;
}

/* Fill @ch (opened without auto-growth) until it has no room. */
static int fill_ring(struct ipcsvc_channel *ch)
{
	int rc, n = 0;

	while (!(rc = send_msg(ch, 1, 1000, 1, 0, NULL)))
		n++;
	return rc == -EAGAIN && n ? 0 : rc;
}

/*
 * The server closes its end. The client reads identity.closed: its
 * non-blocking allocation on a full ring says PeerClosed. The area the
 * server sent on is revoked (its pages are taken back), so replies the
 * client had not received are lost: its receive says PeerClosed at once.
 */
TEST_F(svc, nonblocking_after_server_close)
{
	struct ipcsvc_msg *m;
	struct ipcsvc_channel *c, *s;

	ASSERT_EQ(0, pair_flags(self, 8 * page(), 0, IPCSVC_WAIT_ADAPTIVE,
				IPCSVC_CHANNEL_NO_AUTOGROW));
	c = ipcsvc_conn_channel(self->client);
	s = ipcsvc_conn_channel(self->server);
	for (int i = 0; i < NQUEUED; i++)
		ASSERT_EQ(0, send_msg(s, 100 + (uint64_t)i, 64, 5, 0, NULL));
	ASSERT_EQ(0, fill_ring(c));
	EXPECT_EQ(-EAGAIN, send_msg(c, 2, 1000, 2, 0, NULL));

	ASSERT_EQ(0, ipcsvc_conn_close(self->server));
	self->server = NULL;

	EXPECT_EQ(IPC_STATUS_PEER_CLOSED, ipcsvc_channel_receive(c, &m));
	EXPECT_EQ(IPC_STATUS_PEER_CLOSED, ipcsvc_channel_receive(c, &m));
	EXPECT_EQ(IPC_STATUS_PEER_CLOSED, send_msg(c, 2, 1000, 2, 0, NULL));
	EXPECT_EQ(IPC_STATUS_PEER_CLOSED, send_msg(c, 2, 1000, 2, LONG, NULL));
	EXPECT_EQ(IPC_STATUS_PEER_CLOSED,
		  ipcsvc_channel_receive_timeout(c, &m, ipcsvc_timeout_ns(LONG)));
}

/*
 * The client's handle closed with IPCSVC_IOC_CLOSE on the port's fd, not
 * with ipcsvc_conn_close(): growth, which names the handle, reports the
 * module's -EBADSLT (documented), not -EPROTO, and an allocation that
 * needs the ring to grow does the same.
 */
TEST_F(svc, handle_closed_behind_the_library)
{
	struct ipcsvc_handle_arg a = { .size = sizeof(a) };
	struct ipcsvc_channel *c;

	ASSERT_EQ(0, pair(self, 64 * 1024, 0, IPCSVC_WAIT_ADAPTIVE));
	c = ipcsvc_conn_channel(self->client);
	a.handle = (uint32_t)ipcsvc_conn_handle(self->client);
	ASSERT_EQ(0, ioctl(ipcsvc_conn_fd(self->client), IPCSVC_IOC_CLOSE, &a));
	EXPECT_EQ(-EBADSLT, ipcsvc_channel_grow(c, 2 * page()));
	EXPECT_EQ(-EBADSLT, send_msg(c, 1, 100, 1, 0, NULL));
}

/*
 * The mappings of the module's channels in this process, from
 * /proc/self/maps: how many of @pages pages (*@headers) and how many
 * larger (*@whole).
 */
static int count_maps(size_t pages, int *headers, int *whole)
{
	unsigned long start, end;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -errno;
	*headers = *whole = 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "ipcsvc-area") ||
		    sscanf(line, "%lx-%lx", &start, &end) != 2)
			continue;
		if (end - start == pages * page())
			++*headers;
		else if (end - start > pages * page())
			++*whole;
	}
	fclose(f);
	return 0;
}

/*
 * An idle channel maps its three header pages at each end, and nothing
 * else: each end maps its data regions when it first sends, or first
 * receives a message, and then keeps them.
 */
TEST_F(svc, data_mapped_on_first_use)
{
	struct ipcsvc_channel *c, *s;
	struct ipcsvc_msg *m;
	int h, w;

	ASSERT_EQ(0, pair(self, 1 << 20, 1 << 20, IPCSVC_WAIT_ADAPTIVE));
	c = ipcsvc_conn_channel(self->client);
	s = ipcsvc_conn_channel(self->server);
	ASSERT_EQ(0, count_maps(3, &h, &w));
	EXPECT_EQ(2, h);
	EXPECT_EQ(0, w);
	/* an empty receive, arming, a look at the state: still nothing */
	EXPECT_EQ(-EAGAIN, ipcsvc_channel_receive(s, &m));
	EXPECT_EQ(0, ipcsvc_conn_arm(self->server, IPCSVC_DIR_RX));
	ASSERT_EQ(0, count_maps(3, &h, &w));
	EXPECT_EQ(0, w);
	/* the client's first send maps its end */
	ASSERT_EQ(0, send_msg(c, 1, 100, 1, 0, NULL));
	ASSERT_EQ(0, count_maps(3, &h, &w));
	EXPECT_EQ(2, h);
	EXPECT_EQ(1, w);
	/* the server's first receive maps its own */
	ASSERT_EQ(0, ipcsvc_channel_receive(s, &m));
	EXPECT_EQ(0, ipcsvc_channel_release(s, m));
	ASSERT_EQ(0, count_maps(3, &h, &w));
	EXPECT_EQ(2, w);
	ASSERT_EQ(0, send_msg(s, 2, 100, 1, 0, NULL));
	ASSERT_EQ(0, ipcsvc_channel_receive(c, &m));
	EXPECT_EQ(0, ipcsvc_channel_release(c, m));
	ASSERT_EQ(0, count_maps(3, &h, &w));
	EXPECT_EQ(2, h);
	EXPECT_EQ(2, w);
	/* and closing unmaps both */
	EXPECT_EQ(0, ipcsvc_conn_close(self->client));
	self->client = NULL;
	ASSERT_EQ(0, count_maps(3, &h, &w));
	EXPECT_EQ(1, h);
	EXPECT_EQ(1, w);
}

/*
 * The client closes its end: what it sent stays (its area is not
 * revoked), so the server's non-blocking receive drains it and then says
 * PeerClosed, as does its allocation on a full ring.
 */
TEST_F(svc, nonblocking_after_client_close)
{
	struct ipcsvc_msg *m;
	struct ipcsvc_channel *c, *s;

	ASSERT_EQ(0, pair_flags(self, 0, 8 * page(), IPCSVC_WAIT_ADAPTIVE,
				IPCSVC_CHANNEL_NO_AUTOGROW));
	c = ipcsvc_conn_channel(self->client);
	s = ipcsvc_conn_channel(self->server);
	for (int i = 0; i < NQUEUED; i++)
		ASSERT_EQ(0, send_msg(c, 100 + (uint64_t)i, 64, 5, 0, NULL));
	ASSERT_EQ(0, fill_ring(s));
	EXPECT_EQ(-EAGAIN, send_msg(s, 2, 1000, 2, 0, NULL));

	ASSERT_EQ(0, ipcsvc_conn_close(self->client));
	self->client = NULL;

	EXPECT_EQ(0, drain(s, NQUEUED));
	EXPECT_EQ(IPC_STATUS_PEER_CLOSED, ipcsvc_channel_receive(s, &m));
	EXPECT_EQ(IPC_STATUS_PEER_CLOSED, ipcsvc_channel_receive(s, &m));
	EXPECT_EQ(IPC_STATUS_PEER_CLOSED, send_msg(s, 2, 1000, 2, 0, NULL));
	EXPECT_EQ(IPC_STATUS_PEER_CLOSED, send_msg(s, 2, 1000, 2, LONG, NULL));
	EXPECT_EQ(IPC_STATUS_PEER_CLOSED,
		  ipcsvc_channel_receive_timeout(s, &m, ipcsvc_timeout_ns(LONG)));
}

/* The client child for the test below: connect, queue NQUEUED messages,
 * say so on @busy, hang until killed. */
static void client_queue_and_hang(int ready, int busy)
{
	struct ipcsvc_channel_attr a = {
		.size = sizeof(a), .flags = IPCSVC_CHANNEL_NO_AUTOGROW,
	};
	struct ipcsvc_port *port;
	struct ipcsvc_conn *conn;
	char b = 1;

	if (read(ready, &b, 1) != 1 || ipcsvc_port_open(NULL, &port) ||
	    ipcsvc_client_connect(port, "lib.killed", 1, 0, 8 * page(), &a,
				  &conn))
		_exit(1);
	for (int i = 0; i < NQUEUED; i++)
		if (send_msg(ipcsvc_conn_channel(conn), 100 + (uint64_t)i, 64,
			     5, 0, NULL))
			_exit(1);
	if (write(busy, &b, 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

/*
 * The same when the client is SIGKILLed: no close call ever ran there,
 * and the server still drains what it had sent.
 */
TEST(nonblocking_after_client_killed)
{
	struct ipcsvc_channel_attr a = {
		.size = sizeof(a), .flags = IPCSVC_CHANNEL_NO_AUTOGROW,
	};
	struct ipcsvc_service *svc;
	struct ipcsvc_port *port;
	struct ipcsvc_conn *conn;
	struct ipcsvc_channel *s;
	struct ipcsvc_port_event ev;
	struct ipcsvc_msg *m;
	int ready[2], busy[2], status;
	pid_t child;
	char b = 1;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(busy));
	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		client_queue_and_hang(ready[0], busy[1]);
	ASSERT_EQ(0, ipcsvc_port_open(NULL, &port));
	ASSERT_EQ(0, ipcsvc_service_create(port, "lib.killed", 1, 0666, &svc));
	ASSERT_EQ(1, write(ready[1], &b, 1));
	ASSERT_EQ(0, ipcsvc_port_wait_event(port, &ev, ipcsvc_timeout_ns(LONG)));
	ASSERT_EQ(0, ipcsvc_service_accept(svc, &ev, &a, &conn));
	s = ipcsvc_conn_channel(conn);
	ASSERT_EQ(1, read(busy[0], &b, 1));
	ASSERT_EQ(0, fill_ring(s));
	EXPECT_EQ(-EAGAIN, send_msg(s, 2, 1000, 2, 0, NULL));

	kill(child, SIGKILL);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));

	EXPECT_EQ(0, drain(s, NQUEUED));
	EXPECT_EQ(IPC_STATUS_PEER_CLOSED, ipcsvc_channel_receive(s, &m));
	EXPECT_EQ(IPC_STATUS_PEER_CLOSED, send_msg(s, 2, 1000, 2, 0, NULL));
	EXPECT_EQ(0, ipcsvc_conn_close(conn));
	EXPECT_EQ(0, ipcsvc_service_close(svc));
	ipcsvc_port_close(port);
	close(ready[0]);
	close(ready[1]);
	close(busy[0]);
	close(busy[1]);
}

TEST_HARNESS_MAIN
