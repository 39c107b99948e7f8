// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Generated code over the module (tests/idl/runtime/kinds.idl): the
 * service created and the client connected with the protocol's derived
 * sizes and version, which the module checks; calls, an asynchronous
 * call, events, the deadline and a request that breaks the protocol, as
 * tests/host/idl_*_test.c check them between threads. The host tests'
 * echoing server is reused as it is.
 */
#include "../host/idl_kinds.h"
#include "kselftest_harness.h"

#define T	ipcsvc_timeout_ms(20000)

FIXTURE(idl) {
	struct ipcsvc_port *sport, *cport;
	struct ipcsvc_service *svc;
	struct ipcsvc_conn *client, *server;
	struct kinds_server srv;
};

FIXTURE_SETUP(idl)
{
	struct ipcsvc_port_event ev;

	memset(&self->srv, 0, sizeof(self->srv));
	pthread_mutex_init(&self->srv.lock, NULL);
	pthread_cond_init(&self->srv.cond, NULL);
	ASSERT_EQ(0, ipcsvc_port_open(NULL, &self->sport));
	ASSERT_EQ(0, ipcsvc_port_open(NULL, &self->cport));
	ASSERT_EQ(0, kinds_service_create(self->sport, 0600, &self->svc));
	ASSERT_EQ(0, kinds_connect(self->cport, NULL, &self->client));
	ASSERT_EQ(0, ipcsvc_port_wait_event(self->sport, &ev, T));
	ASSERT_EQ(IPC_MSG_SERVICE_CONNECTED, ev.type);
	ASSERT_EQ(0, ipcsvc_service_accept(self->svc, &ev, NULL,
					   &self->server));
	self->srv.ch = ipcsvc_conn_channel(self->server);
	self->srv.handlers = &echo_handlers;
	ASSERT_EQ(0, server_start(&self->srv));
}

FIXTURE_TEARDOWN(idl)
{
	server_stop(&self->srv);
	ipcsvc_conn_close(self->client);
	ipcsvc_conn_close(self->server);
	ipcsvc_service_close(self->svc);
	ipcsvc_port_close(self->cport);
	ipcsvc_port_close(self->sport);
	pthread_cond_destroy(&self->srv.cond);
	pthread_mutex_destroy(&self->srv.lock);
}

/* The module holds clients to the protocol's version and sizes. */
TEST_F(idl, version_and_sizes_checked_at_connect)
{
	struct ipcsvc_peer_creds pc;
	struct ipcsvc_conn *c = NULL;

	ASSERT_EQ(0, ipcsvc_conn_peer_creds(self->client, &pc));
	EXPECT_EQ(KINDS_PROTOCOL_VERSION, pc.version);
	EXPECT_EQ(-EPROTONOSUPPORT,
		  ipcsvc_client_connect(self->cport, KINDS_PROTOCOL_NAME,
					KINDS_PROTOCOL_VERSION + 1, 0, 0, NULL,
					&c));
	EXPECT_EQ(-EMSGSIZE,
		  ipcsvc_client_connect(self->cport, KINDS_PROTOCOL_NAME,
					KINDS_PROTOCOL_VERSION,
					KINDS_MAX_TO_SERVER + page_size(), 0,
					NULL, &c));
	EXPECT_EQ(NULL, c);
}

TEST_F(idl, calls)
{
	struct ipcsvc_channel *c = ipcsvc_conn_channel(self->client);
	bool rb;
	int8_t ri8;
	int16_t ri16;
	int32_t ri32, x;
	int64_t ri64, before, ns;
	uint8_t ru8, rraw[8];
	uint16_t ru16;
	uint32_t ru32;
	uint64_t ru64;
	float rf32;
	double rf64;
	kinds_color rc;
	kinds_sign rs;
	kinds_huge rh;
	char text[17];
	size_t len;

	ASSERT_EQ(0, kinds_scalars(c, true, INT8_MIN, INT16_MAX, INT32_MIN,
				   INT64_MAX, UINT8_MAX, 0, UINT32_MAX,
				   UINT64_MAX, 0.5f, -2.25, KINDS_COLOR_BLUE,
				   KINDS_SIGN_NEG, KINDS_HUGE_LOW, &rb, &ri8,
				   &ri16, &ri32, &ri64, &ru8, &ru16, &ru32,
				   &ru64, &rf32, &rf64, &rc, &rs, &rh, T));
	EXPECT_TRUE(rb);
	EXPECT_EQ(INT8_MIN, ri8);
	EXPECT_EQ(INT16_MAX, ri16);
	EXPECT_EQ(INT32_MIN, ri32);
	EXPECT_EQ(INT64_MAX, ri64);
	EXPECT_EQ(UINT8_MAX, ru8);
	EXPECT_EQ(0, ru16);
	EXPECT_EQ(UINT32_MAX, ru32);
	EXPECT_EQ(UINT64_MAX, ru64);
	EXPECT_TRUE(rf32 == 0.5f && rf64 == -2.25);
	EXPECT_EQ(KINDS_COLOR_BLUE, rc);
	EXPECT_EQ(KINDS_SIGN_NEG, rs);
	EXPECT_EQ(KINDS_HUGE_LOW, rh);

	ASSERT_EQ(0, kinds_text(c, "0123456789abcdef", "\0\1", 2, text, rraw,
				&len, T));
	EXPECT_STREQ("0123456789abcdef", text);
	EXPECT_EQ(2u, len);

	before = ipcsvc_clock_now();
	ASSERT_EQ(0, kinds_deadline(c, &ns, ipcsvc_timeout_ms(3000)));
	EXPECT_LE(before + 3 * SEC, ns);
	EXPECT_GE(ipcsvc_clock_now() + 3 * SEC, ns);
	EXPECT_EQ(-ETIMEDOUT, kinds_deadline(c, &ns, ipcsvc_timeout_at(before)));

	EXPECT_EQ(-EACCES, kinds_fail(c, -EACCES, &x, T));
	ASSERT_EQ(0, kinds_note(c, "over the module", T));
	ASSERT_EQ(0, kinds_ping(c, T));		/* after the note */
	EXPECT_EQ(1u, self->srv.nnotes);
	EXPECT_STREQ("over the module", self->srv.notes[0]);
}

static void on_ticked(void *ctx, uint64_t n, kinds_color c)
{
	if (c == KINDS_COLOR_GREEN)
		*(uint64_t *)ctx += n;
}

TEST_F(idl, events_beside_calls)
{
	static const struct kinds_events ev = { .ticked = on_ticked };
	struct ipcsvc_channel *c = ipcsvc_conn_channel(self->client);
	struct ipcsvc_channel *s = ipcsvc_conn_channel(self->server);
	uint64_t sum = 0;

	for (uint64_t i = 1; i <= 4; i++)
		ASSERT_EQ(0, kinds_emit_ticked(s, i, KINDS_COLOR_GREEN, T));
	ASSERT_EQ(0, kinds_ping(c, T));		/* keeps the events */
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(0, kinds_receive_event(c, &ev, &sum, T));
	EXPECT_EQ(10u, sum);
}

/* A request that breaks the protocol is answered -EPROTO, unserved. */
TEST_F(idl, malformed_request)
{
	struct ipcsvc_channel *c = ipcsvc_conn_channel(self->client);
	struct ipcsvc_msg *req, *rep;

	/* call fail takes an int32: two bytes break it */
	ASSERT_EQ(0, ipcsvc_call_allocate(c, KINDS_FAIL_ORDINAL, 2, 1, &req, T));
	ASSERT_EQ(0, ipcsvc_msg_add_object(req, 1, "xy", 2));
	EXPECT_EQ(-EPROTO, ipcsvc_channel_call(c, req, &rep, T));
	EXPECT_EQ(-EPROTO, server_rc(&self->srv, 0));
	EXPECT_EQ(0u, self->srv.handled);
}

TEST_HARNESS_MAIN
