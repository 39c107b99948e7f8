// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What a server's event loop costs its clients. The loop arms
 * ChannelReadable, receives until the ring is empty and arms again; a
 * client makes a wake call only while an arming is pending (its count in
 * the server's consumer words differs from the count the kernel last
 * fired), so a client whose server is awake makes none. Counted with the
 * module's WAKE counter (generic netlink), not timed.
 *
 *  - an armed channel costs one wake call for a burst, not one per message;
 *  - a sleeping receiver is still woken, and ChannelWritable works the
 *    same way for a sender waiting for room;
 *  - messages published while the server re-arms, from a client pausing
 *    at random, all arrive: no ChannelReadable is lost;
 *  - the events of a wake-up cost one read(), however many there are,
 *    in one's own poll loop and in ipcsvc_port_wait_event() (the thread's
 *    read count, /proc/thread-self/io, where the kernel keeps it);
 *  - one loop serving 1,000 channels answers every request.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipcsvc/ipcsvc.h"
#include "kselftest_harness.h"
#include "ipcsvc_nl.h"
#include "../lib/thread_io.h"

#define T	ipcsvc_timeout_ms(10000)	/* an upper bound only */
#define AREA	(256 * 1024)

/* WAKE calls the module has taken, from its statistics. */
static uint64_t wakes(void)
{
	const struct nlattr *tb[IPCSVC_A_STATS_MAX + 1];
	struct st_nl_reply r;
	struct st_nl nl;
	uint64_t n = UINT64_MAX;

	if (st_nl_open(&nl))
		return n;
	st_nl_req(&nl, IPCSVC_CMD_STATS_GET, false);
	if (!st_nl_talk(&nl, &r)) {
		st_nl_attrs(st_nl_msg(&r, 0), tb, IPCSVC_A_STATS_MAX);
		n = st_nl_u64(tb[IPCSVC_A_STATS_WAKES]);
		st_nl_reply_free(&r);
	}
	st_nl_close(&nl);
	return n;
}

FIXTURE(loop) {
	struct ipcsvc_port *sport, *cport;
	struct ipcsvc_service *svc;
	struct ipcsvc_conn *server, *client;
	struct ipcsvc_channel *sch, *cch;
};

FIXTURE_SETUP(loop)
{
	struct ipcsvc_service_attr a = {
		.max_to_server = AREA, .max_to_client = AREA,
	};
	struct ipcsvc_port_event ev;

	ASSERT_EQ(0, ipcsvc_port_open(NULL, &self->sport));
	ASSERT_EQ(0, ipcsvc_port_open(NULL, &self->cport));
	ASSERT_EQ(0, ipcsvc_service_create_attr(self->sport, "loop.svc", 1,
						0600, &a, &self->svc));
	ASSERT_EQ(0, ipcsvc_client_connect(self->cport, "loop.svc", 1, AREA,
					   AREA, NULL, &self->client));
	ASSERT_EQ(0, ipcsvc_port_wait_event(self->sport, &ev, T));
	ASSERT_EQ(IPC_MSG_SERVICE_CONNECTED, ev.type);
	ASSERT_EQ(0, ipcsvc_service_accept(self->svc, &ev, NULL,
					   &self->server));
	self->sch = ipcsvc_conn_channel(self->server);
	self->cch = ipcsvc_conn_channel(self->client);
	/* the first pages, committed now rather than on the clock */
	ASSERT_EQ(0, ipcsvc_channel_grow(self->cch, AREA));
	ASSERT_EQ(0, ipcsvc_channel_grow(self->sch, AREA));
}

FIXTURE_TEARDOWN(loop)
{
	ipcsvc_conn_close(self->client);
	ipcsvc_conn_close(self->server);
	ipcsvc_service_close(self->svc);
	ipcsvc_port_close(self->cport);
	ipcsvc_port_close(self->sport);
}

static int send_u64(struct ipcsvc_channel *ch, uint64_t v,
		    ipcsvc_timeout_t t)
{
	struct ipcsvc_msg *m;
	int rc = ipcsvc_channel_allocate_for_send_timeout(ch, sizeof(v), 1, 1,
							   0, &m, t);

	if (!rc)
		rc = ipcsvc_msg_add_object(m, 1, &v, sizeof(v));
	return rc ? rc : ipcsvc_channel_send(ch, m);
}

/*
 * Receive one message carrying a u64: waiting until *@t, or with @t NULL
 * not at all (-EAGAIN when the ring is empty).
 */
static int recv_u64_within(struct ipcsvc_channel *ch, uint64_t *v,
			   const ipcsvc_timeout_t *t)
{
	struct ipcsvc_object o = { 0 };
	struct ipcsvc_msg *m;
	int rc = t ? ipcsvc_channel_receive_timeout(ch, &m, *t) :
		     ipcsvc_channel_receive(ch, &m);

	if (rc)
		return rc;
	if (ipcsvc_msg_next_object(m, &o) != 1 || o.length != sizeof(*v))
		rc = -EBADMSG;
	else
		memcpy(v, o.data, sizeof(*v));
	ipcsvc_channel_release(ch, m);
	return rc;
}

static int recv_u64(struct ipcsvc_channel *ch, uint64_t *v)
{
	return recv_u64_within(ch, v, NULL);
}

TEST_F(loop, awake_server_costs_no_wake_calls)
{
	const uint64_t n = 500;
	struct ipcsvc_port_event ev;
	uint64_t w0, w1, w2, v, got = 0;

	ASSERT_EQ(0, ipcsvc_conn_arm(self->server, IPCSVC_DIR_RX));
	w0 = wakes();
	ASSERT_NE(UINT64_MAX, w0);
	/* A burst while the server has not looked yet: the first message
	 * fires the arming, and the rest find nothing pending. */
	for (uint64_t i = 0; i < n; i++)
		ASSERT_EQ(0, send_u64(self->cch, i, T));
	w1 = wakes();
	EXPECT_EQ(1, w1 - w0);
	ASSERT_EQ(0, ipcsvc_port_wait_event(self->sport, &ev, T));
	ASSERT_EQ(IPC_MSG_CHANNEL_READABLE, ev.type);
	while (!recv_u64(self->sch, &v)) {
		ASSERT_EQ(got, v);
		got++;
	}
	ASSERT_EQ(n, got);
	/* one ChannelReadable for the whole burst */
	EXPECT_EQ(-EAGAIN, ipcsvc_port_read_event(self->sport, &ev));
	/* Drained: armed again, the next message costs one wake again. */
	ASSERT_EQ(0, ipcsvc_conn_arm(self->server, IPCSVC_DIR_RX));
	ASSERT_EQ(0, send_u64(self->cch, n, T));
	w2 = wakes();
	EXPECT_EQ(1, w2 - w1);
	ASSERT_EQ(0, ipcsvc_port_wait_event(self->sport, &ev, T));
	ASSERT_EQ(IPC_MSG_CHANNEL_READABLE, ev.type);
	TH_LOG("%llu messages to an armed channel: %llu wake calls",
	       (unsigned long long)n + 1, (unsigned long long)(w2 - w0));
}

/* A receiver blocked in receive is woken, armed channel or not. */
struct blocked {
	struct ipcsvc_channel *ch;
	uint64_t v;
	int rc;
};

static void *receive_blocked(void *arg)
{
	struct blocked *b = arg;
	const ipcsvc_timeout_t t = T;

	b->rc = recv_u64_within(b->ch, &b->v, &t);
	return NULL;
}

TEST_F(loop, sleepers_still_woken)
{
	struct blocked b = { .ch = self->sch };
	struct ipcsvc_port_event ev;
	struct ipcsvc_msg *m;
	pthread_t th;
	uint64_t i = 0;

	/* an arming fired and spent, then a sleeper */
	ASSERT_EQ(0, ipcsvc_conn_arm(self->server, IPCSVC_DIR_RX));
	ASSERT_EQ(0, send_u64(self->cch, 7, T));
	ASSERT_EQ(0, ipcsvc_port_wait_event(self->sport, &ev, T));
	ASSERT_EQ(0, recv_u64(self->sch, &i));
	ASSERT_EQ(0, pthread_create(&th, NULL, receive_blocked, &b));
	usleep(100000);		/* most likely asleep by now; either way works */
	ASSERT_EQ(0, send_u64(self->cch, 8, T));
	pthread_join(th, NULL);
	ASSERT_EQ(0, b.rc);
	EXPECT_EQ(8, b.v);

	/* ChannelWritable: the client fills its ring, arms, the server
	 * releases one message, and the client hears of the room. */
	while (!(i = (uint64_t)ipcsvc_channel_allocate_for_send_timeout(
			self->cch, 4096, 1, 0, 0, &m, ipcsvc_timeout_ns(0))))
		ASSERT_EQ(0, ipcsvc_channel_send(self->cch, m));
	ASSERT_EQ(-ETIMEDOUT, (int)i);
	ASSERT_EQ(0, ipcsvc_conn_arm(self->client, IPCSVC_DIR_TX));
	ASSERT_EQ(0, ipcsvc_channel_receive(self->sch, &m));
	ASSERT_EQ(0, ipcsvc_channel_release(self->sch, m));
	ASSERT_EQ(0, ipcsvc_port_wait_event(self->cport, &ev, T));
	EXPECT_EQ(IPC_MSG_CHANNEL_WRITABLE, ev.type);
}

/* ---- publish racing re-arm ---- */

struct streamer {
	struct ipcsvc_channel *ch;
	uint64_t n;
	int rc;
};

static void *stream(void *arg)
{
	struct streamer *s = arg;
	uint64_t r = 0x9e3779b97f4a7c15ULL;

	for (uint64_t i = 0; i < s->n && !s->rc; i++) {
		/* pause at random, so the server's re-arming falls before,
		 * during and after each publish */
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		for (volatile uint64_t k = r % 3000; k; k--)
			;
		s->rc = send_u64(s->ch, i, T);
	}
	return NULL;
}

TEST_F(loop, publish_races_rearm)
{
	struct streamer s = { .ch = self->cch, .n = 20000 };
	uint64_t got = 0, v, w0, events = 0;
	pthread_t th;

	ASSERT_EQ(0, ipcsvc_conn_arm(self->server, IPCSVC_DIR_RX));
	w0 = wakes();
	ASSERT_EQ(0, pthread_create(&th, NULL, stream, &s));
	while (got < s.n) {
		struct ipcsvc_port_event ev;
		int rc;

		/* a lost ChannelReadable ends here, after T */
		rc = ipcsvc_port_wait_event(self->sport, &ev, T);
		ASSERT_EQ(0, rc) {
			TH_LOG("no ChannelReadable after %llu messages",
			       (unsigned long long)got);
		}
		ASSERT_EQ(IPC_MSG_CHANNEL_READABLE, ev.type);
		events++;
		while (!(rc = recv_u64(self->sch, &v))) {
			ASSERT_EQ(got, v);
			got++;
		}
		ASSERT_EQ(-EAGAIN, rc);
		ASSERT_EQ(0, ipcsvc_conn_arm(self->server, IPCSVC_DIR_RX));
	}
	pthread_join(th, NULL);
	EXPECT_EQ(0, s.rc);
	TH_LOG("%llu messages, %llu ChannelReadable, %llu wake calls",
	       (unsigned long long)got, (unsigned long long)events,
	       (unsigned long long)(wakes() - w0));
}

TEST_F(loop, events_of_a_wakeup_cost_one_read)
{
	struct ipcsvc_port_event ev, evs[64];
	struct ipcsvc_conn *more[20];
	long r0, r1;
	int n = 0, rc;

	if (thread_reads() < 0)
		SKIP(return, "no per-thread read count in this kernel");
	for (int i = 0; i < 20; i++)
		ASSERT_EQ(0, ipcsvc_client_connect(self->cport, "loop.svc", 1,
						   0, 0, NULL, &more[i]));
	/* In one's own poll loop: everything in one read(). */
	r0 = thread_reads();
	n = ipcsvc_port_read_events(self->sport, evs, 64);
	r1 = thread_reads();
	ASSERT_EQ(20, n);
	for (int i = 0; i < n; i++)
		EXPECT_EQ(IPC_MSG_SERVICE_CONNECTED, evs[i].type);
	/* that read, and thread_reads() itself */
	EXPECT_EQ(2, r1 - r0);
	TH_LOG("ipcsvc_port_read_events(): %d events, %ld read() calls", n,
	       r1 - r0 - 1);
	EXPECT_EQ(0, ipcsvc_port_read_events(self->sport, evs, 64));

	/* In a loop of ipcsvc_port_wait_event(): one read per wake-up. */
	for (int i = 0; i < 20; i++)
		ipcsvc_conn_close(more[i]);
	r0 = thread_reads();
	for (n = 0; n < 20; n++) {
		ASSERT_EQ(0, ipcsvc_port_wait_event(self->sport, &ev, T));
		ASSERT_EQ(IPC_MSG_PEER_CLOSED, ev.type);
	}
	/* with nothing left, it polls instead of reading again */
	EXPECT_EQ(-ETIMEDOUT, ipcsvc_port_wait_event(self->sport, &ev,
						     ipcsvc_timeout_ms(10)));
	r1 = thread_reads();
	EXPECT_EQ(2, r1 - r0);
	TH_LOG("ipcsvc_port_wait_event(): %d events, %ld read() calls", n,
	       r1 - r0 - 1);
	while (!(rc = ipcsvc_port_read_event(self->sport, &ev)))
		;
	/* A service closed with connections read but not returned: the
	 * library closes those channels, as the module does unread ones. */
	for (int i = 0; i < 20; i++)
		ASSERT_EQ(0, ipcsvc_client_connect(self->cport, "loop.svc", 1,
						   0, 0, NULL, &more[i]));
	ASSERT_EQ(0, ipcsvc_port_wait_event(self->sport, &ev, T));
	ASSERT_EQ(0, ipcsvc_service_reject(self->svc, &ev));
	ASSERT_EQ(0, ipcsvc_service_close(self->svc));
	self->svc = NULL;
	EXPECT_EQ(-EAGAIN, ipcsvc_port_read_event(self->sport, &ev));
	for (int i = 0; i < 20; i++) {
		/* every client hears that its channel closed */
		ASSERT_EQ(-EPIPE, ipcsvc_channel_receive_timeout(
			ipcsvc_conn_channel(more[i]), &(struct ipcsvc_msg *){0}, T));
		ipcsvc_conn_close(more[i]);
	}
}

/* ---- one loop, a thousand channels ------------------------------- */

#define NCHAN		1000
#define SMALL		16384	/* areas of 1,000 channels in one process */

struct thousand {
	struct ipcsvc_port *port;
	struct ipcsvc_service *svc;
	struct ipcsvc_conn *conns[NCHAN];
	int accepted, answered, rc;
};

/* Accept, arm, and answer each request with its value plus one, until
 * NCHAN requests are answered. */
static void *thousand_server(void *arg)
{
	struct thousand *t = arg;

	while (t->answered < NCHAN) {
		struct ipcsvc_port_event ev;
		struct ipcsvc_conn *conn;
		struct ipcsvc_channel *ch;
		uint64_t v;

		t->rc = ipcsvc_port_wait_event(t->port, &ev, T);
		if (t->rc)
			return NULL;
		if (ev.type == IPC_MSG_SERVICE_CONNECTED) {
			struct ipcsvc_conn **slot = &t->conns[t->accepted];

			if (t->accepted == NCHAN) {
				t->rc = -EPROTO;
				return NULL;
			}
			t->rc = ipcsvc_service_accept(t->svc, &ev, NULL, slot);
			if (!t->rc)
				t->rc = ipcsvc_conn_set_cookie(*slot, slot);
			if (!t->rc)
				t->rc = ipcsvc_conn_arm(*slot, IPCSVC_DIR_RX);
			if (t->rc)
				return NULL;
			t->accepted++;
			continue;
		}
		if (ev.type != IPC_MSG_CHANNEL_READABLE || !ev.cookie) {
			t->rc = -EPROTO;
			return NULL;
		}
		conn = *(struct ipcsvc_conn **)ev.cookie;
		ch = ipcsvc_conn_channel(conn);
		while (!(t->rc = recv_u64(ch, &v))) {
			t->rc = send_u64(ch, v + 1, T);
			if (t->rc)
				return NULL;
			t->answered++;
		}
		if (t->rc != -EAGAIN)
			return NULL;
		t->rc = ipcsvc_conn_arm(conn, IPCSVC_DIR_RX);
		if (t->rc)
			return NULL;
	}
	return NULL;
}

FIXTURE(thousand) {
	struct thousand t;
	struct ipcsvc_port *cport;
	struct ipcsvc_conn *clients[NCHAN];
};

FIXTURE_SETUP(thousand)
{
	struct ipcsvc_service_attr a = {
		.max_to_server = SMALL, .max_to_client = SMALL,
		.max_connections = NCHAN, .max_pending = NCHAN,
	};

	memset(&self->t, 0, sizeof(self->t));
	memset(self->clients, 0, sizeof(self->clients));
	ASSERT_EQ(0, ipcsvc_port_open(NULL, &self->t.port));
	ASSERT_EQ(0, ipcsvc_port_open(NULL, &self->cport));
	ASSERT_EQ(0, ipcsvc_service_create_attr(self->t.port, "loop.many", 1,
						0600, &a, &self->t.svc));
}

FIXTURE_TEARDOWN(thousand)
{
	for (int i = 0; i < NCHAN; i++) {
		ipcsvc_conn_close(self->clients[i]);
		ipcsvc_conn_close(self->t.conns[i]);
	}
	ipcsvc_service_close(self->t.svc);
	ipcsvc_port_close(self->cport);
	ipcsvc_port_close(self->t.port);
}

/* Every client connects, then all send at once: the loop sees requests
 * of many channels pending together, and answers each exactly once. */
TEST_F_TIMEOUT(thousand, one_loop_answers_every_channel, 600)
{
	ipcsvc_timeout_t t = T;
	int answered = 0, wrong = 0;
	pthread_t st;

	ASSERT_EQ(0, pthread_create(&st, NULL, thousand_server, &self->t));
	for (int c = 0; c < NCHAN; c++) {
		ASSERT_EQ(0, ipcsvc_client_connect(self->cport, "loop.many", 1,
						   SMALL, SMALL, NULL,
						   &self->clients[c]))
			TH_LOG("connection %d", c);
	}
	for (int c = 0; c < NCHAN; c++) {
		ASSERT_EQ(0, send_u64(ipcsvc_conn_channel(self->clients[c]),
				      2 * (uint64_t)c, T));
	}
	for (int c = 0; c < NCHAN; c++) {
		uint64_t v = 0;

		if (!recv_u64_within(ipcsvc_conn_channel(self->clients[c]),
				     &v, &t))
			answered++;
		wrong += v != 2 * (uint64_t)c + 1;
	}
	pthread_join(st, NULL);
	EXPECT_EQ(0, self->t.rc);
	EXPECT_EQ(NCHAN, self->t.accepted);
	EXPECT_EQ(NCHAN, self->t.answered);
	EXPECT_EQ(NCHAN, answered);
	EXPECT_EQ(0, wrong);
	/* and nothing more than one answer each */
	for (int c = 0; c < NCHAN; c++) {
		uint64_t v;

		EXPECT_EQ(-EAGAIN, recv_u64(ipcsvc_conn_channel(self->clients[c]),
					    &v));
	}
}

TEST_HARNESS_MAIN
