// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Generated code at work (tests/idl/runtime/kinds.idl): every kind of
 * type at its bounds through client stubs, the server's dispatch and
 * handlers and back; synchronous and asynchronous calls; events beside
 * calls; the caller's deadline as the server sees it; handler statuses;
 * the derived area sizes holding every queue at once; and the stubs
 * refusing arguments the protocol does not allow before sending anything.
 */
#include <float.h>
#include <math.h>

#include "idl_kinds.h"
#include "kselftest_harness.h"

FIXTURE(kinds) {
	struct kinds_pair pair;
	struct kinds_server srv;
};

FIXTURE_SETUP(kinds)
{
	memset(&self->srv, 0, sizeof(self->srv));
	ASSERT_EQ(0, pair_open(&self->pair));
	self->srv.ch = self->pair.server;
	self->srv.handlers = &echo_handlers;
	pthread_mutex_init(&self->srv.lock, NULL);
	pthread_cond_init(&self->srv.cond, NULL);
}

FIXTURE_TEARDOWN(kinds)
{
	server_stop(&self->srv);
	pair_close(&self->pair);
	pthread_cond_destroy(&self->srv.cond);
	pthread_mutex_destroy(&self->srv.lock);
}

#define T	ipcsvc_timeout_ms(10000)

TEST_F(kinds, constants)
{
	EXPECT_STREQ("org.ipcsvc.test.Kinds", KINDS_PROTOCOL_NAME);
	EXPECT_EQ(3u, KINDS_PROTOCOL_VERSION);
	EXPECT_EQ(16, KINDS_NAME);
	EXPECT_EQ(4096u, KINDS_MAX_TO_SERVER);
	EXPECT_EQ(4096u, KINDS_MAX_TO_CLIENT);
	/* what the library reserves for the largest of each message */
	EXPECT_EQ(ipcsvc_msg_space(IPCSVC_CALL_HEADER_SIZE + 16 + 8, 3),
		  KINDS_TEXT_REQUEST_MAX);
	EXPECT_EQ(ipcsvc_msg_space(8 + 1, 2), KINDS_TICKED_EVENT_MAX);
	EXPECT_EQ(ipcsvc_msg_space(IPCSVC_CALL_HEADER_SIZE, 1),
		  KINDS_PING_REQUEST_MAX);
	EXPECT_TRUE(kinds_color_valid(KINDS_COLOR_BLUE));
	EXPECT_FALSE(kinds_color_valid(2));
	EXPECT_TRUE(kinds_sign_valid(KINDS_SIGN_NEG));
	EXPECT_FALSE(kinds_sign_valid(-127));
	EXPECT_TRUE(kinds_huge_valid(INT64_MIN));
	EXPECT_FALSE(kinds_huge_valid(0));
}

TEST_F(kinds, scalars_at_their_bounds)
{
	struct ipcsvc_channel *c = self->pair.client;

	ASSERT_EQ(0, server_start(&self->srv));
	for (int round = 0; round < 2; round++) {
		bool hi = round, rb;
		int8_t ri8;
		int16_t ri16;
		int32_t ri32;
		int64_t ri64;
		uint8_t ru8;
		uint16_t ru16;
		uint32_t ru32;
		uint64_t ru64;
		float rf32, f32 = hi ? FLT_MAX : -INFINITY;
		double rf64, f64 = hi ? -DBL_MIN : NAN;
		kinds_color rc;
		kinds_sign rs;
		kinds_huge rh;

		ASSERT_EQ(0, kinds_scalars(c, hi, hi ? INT8_MAX : INT8_MIN,
				hi ? INT16_MAX : INT16_MIN,
				hi ? INT32_MAX : INT32_MIN,
				hi ? INT64_MAX : INT64_MIN, hi ? UINT8_MAX : 0,
				hi ? UINT16_MAX : 0, hi ? UINT32_MAX : 0,
				hi ? UINT64_MAX : 0, f32, f64,
				hi ? KINDS_COLOR_BLUE : KINDS_COLOR_RED,
				hi ? KINDS_SIGN_POS : KINDS_SIGN_NEG,
				hi ? KINDS_HUGE_HIGH : KINDS_HUGE_LOW, &rb, &ri8,
				&ri16, &ri32, &ri64, &ru8, &ru16, &ru32, &ru64,
				&rf32, &rf64, &rc, &rs, &rh, T));
		EXPECT_EQ(hi, rb);
		EXPECT_EQ(hi ? INT8_MAX : INT8_MIN, ri8);
		EXPECT_EQ(hi ? INT16_MAX : INT16_MIN, ri16);
		EXPECT_EQ(hi ? INT32_MAX : INT32_MIN, ri32);
		EXPECT_EQ(hi ? INT64_MAX : INT64_MIN, ri64);
		EXPECT_EQ(hi ? UINT8_MAX : 0, ru8);
		EXPECT_EQ(hi ? UINT16_MAX : 0, ru16);
		EXPECT_EQ(hi ? UINT32_MAX : 0, ru32);
		EXPECT_EQ(hi ? UINT64_MAX : 0, ru64);
		EXPECT_EQ(0, memcmp(&f32, &rf32, sizeof(f32)));
		EXPECT_EQ(0, memcmp(&f64, &rf64, sizeof(f64)));
		EXPECT_EQ(hi ? KINDS_COLOR_BLUE : KINDS_COLOR_RED, rc);
		EXPECT_EQ(hi ? KINDS_SIGN_POS : KINDS_SIGN_NEG, rs);
		EXPECT_EQ(hi ? KINDS_HUGE_HIGH : KINDS_HUGE_LOW, rh);
	}
	EXPECT_EQ(2u, self->srv.handled);
}

TEST_F(kinds, text_and_bytes)
{
	struct ipcsvc_channel *c = self->pair.client;
	/* 16 bytes exactly: 1-, 2-, 3- and 4-byte sequences */
	const char *full = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80xyz123";
	uint8_t raw[8] = { 0, 0xff, 0, 1, 2, 3, 4, 0 }, rraw[8];
	char rs[17];
	size_t rlen;

	ASSERT_EQ(16u, strlen(full));
	ASSERT_EQ(0, server_start(&self->srv));
	ASSERT_EQ(0, kinds_text(c, full, raw, 8, rs, rraw, &rlen, T));
	EXPECT_STREQ(full, rs);
	EXPECT_EQ(8u, rlen);
	EXPECT_EQ(0, memcmp(raw, rraw, 8));
	ASSERT_EQ(0, kinds_text(c, "", NULL, 0, rs, rraw, &rlen, T));
	EXPECT_STREQ("", rs);
	EXPECT_EQ(0u, rlen);
	/* refused by the stub: nothing is sent */
	EXPECT_EQ(-EINVAL, kinds_text(c, "0123456789abcdefX", raw, 8, rs, rraw,
				      &rlen, T));
	EXPECT_EQ(-EINVAL, kinds_text(c, "\xc3", raw, 8, rs, rraw, &rlen, T));
	EXPECT_EQ(-EINVAL, kinds_text(c, "\xed\xa0\x80", raw, 8, rs, rraw,
				      &rlen, T));
	EXPECT_EQ(-EINVAL, kinds_text(c, "ok", raw, 9, rs, rraw, &rlen, T));
	EXPECT_EQ(-EINVAL, kinds_text(c, "ok", NULL, 1, rs, rraw, &rlen, T));
	EXPECT_EQ(-EINVAL, kinds_text(c, NULL, raw, 1, rs, rraw, &rlen, T));
	EXPECT_EQ(2u, self->srv.handled);
}

TEST_F(kinds, structs_vectors_arrays)
{
	struct ipcsvc_channel *c = self->pair.client;
	struct kinds_outer o, ro;
	struct kinds_inner list[2], rlist[2], arr[2], rarr[2];
	struct kinds_plain plain[4], rplain[4];
	int32_t parr[3] = { INT32_MIN, 0, INT32_MAX }, rparr[3];
	bool nested[2][2] = { { true, false }, { false, true } }, rnested[2][2];
	size_t nl, np, nn;
	uint8_t two = 2;

	outer_fill(&o, 7);
	for (unsigned int i = 0; i < 2; i++) {
		inner_fill(&list[i], i + 3);
		inner_fill(&arr[i], i + 1);
	}
	memset(plain, 0, sizeof(plain));
	for (int i = 0; i < 4; i++) {
		plain[i].x = INT32_MIN + i;
		plain[i].y = -i * 0.25;
	}
	ASSERT_EQ(0, server_start(&self->srv));
	memset(&ro, 0, sizeof(ro));
	memset(rlist, 0, sizeof(rlist));
	memset(rarr, 0, sizeof(rarr));
	memset(rplain, 0, sizeof(rplain));
	ASSERT_EQ(0, kinds_shapes(c, &o, list, 2, plain, 4, arr, parr,
				  (const bool (*)[2])nested, 2, &ro, rlist, &nl,
				  rplain, &np, rarr, rparr, rnested, &nn, T));
	EXPECT_EQ(0, memcmp(&o, &ro, sizeof(o)));
	EXPECT_EQ(2u, nl);
	EXPECT_EQ(0, memcmp(list, rlist, sizeof(list)));
	EXPECT_EQ(4u, np);
	EXPECT_EQ(0, memcmp(plain, rplain, sizeof(plain)));
	EXPECT_EQ(0, memcmp(arr, rarr, sizeof(arr)));
	EXPECT_EQ(0, memcmp(parr, rparr, sizeof(parr)));
	EXPECT_EQ(2u, nn);
	EXPECT_EQ(0, memcmp(nested, rnested, sizeof(nested)));
	/* empty vectors */
	ASSERT_EQ(0, kinds_shapes(c, &o, NULL, 0, NULL, 0, arr, parr, NULL, 0,
				  &ro, rlist, &nl, rplain, &np, rarr, rparr,
				  rnested, &nn, T));
	EXPECT_EQ(0u, nl + np + nn);

	/* refused by the stub, each for one value out of the protocol */
	EXPECT_EQ(-EINVAL, kinds_shapes(c, &o, list, 3, plain, 4, arr, parr,
			NULL, 0, &ro, rlist, &nl, rplain, &np, rarr, rparr,
			rnested, &nn, T));
	memcpy(&list[1].flag, &two, 1);		/* a bool of 2 */
	EXPECT_EQ(-EINVAL, kinds_shapes(c, &o, list, 2, plain, 4, arr, parr,
			NULL, 0, &ro, rlist, &nl, rplain, &np, rarr, rparr,
			rnested, &nn, T));
	inner_fill(&list[1], 4);
	o.inner.tag.length = 5;
	EXPECT_EQ(-EINVAL, kinds_shapes(c, &o, list, 2, plain, 4, arr, parr,
			NULL, 0, &ro, rlist, &nl, rplain, &np, rarr, rparr,
			rnested, &nn, T));
	outer_fill(&o, 7);
	arr[0].color = 7;
	EXPECT_EQ(-EINVAL, kinds_shapes(c, &o, list, 2, plain, 4, arr, parr,
			NULL, 0, &ro, rlist, &nl, rplain, &np, rarr, rparr,
			rnested, &nn, T));
	EXPECT_EQ(2u, self->srv.handled);
}

TEST_F(kinds, the_server_sees_the_deadline)
{
	struct ipcsvc_channel *c = self->pair.client;
	int64_t before, after, ns = 0;

	ASSERT_EQ(0, server_start(&self->srv));
	before = ipcsvc_clock_now();
	ASSERT_EQ(0, kinds_deadline(c, &ns, ipcsvc_timeout_ms(5000)));
	after = ipcsvc_clock_now();
	EXPECT_LE(before + 5 * SEC, ns);
	EXPECT_GE(after + 5 * SEC, ns);
	/* an absolute deadline goes as it is; none is none */
	ASSERT_EQ(0, kinds_deadline(c, &ns, ipcsvc_timeout_at(after + 7 * SEC)));
	EXPECT_EQ(after + 7 * SEC, ns);
	ASSERT_EQ(0, kinds_deadline(c, &ns, ipcsvc_timeout_never()));
	EXPECT_EQ(IPCSVC_CALL_NO_DEADLINE, ns);
	EXPECT_EQ(3u, self->srv.handled);
	/* The server has released the last request (its record comes after
	 * the release), so the next one has room in this small area and
	 * reaches the server, though its deadline has passed. */
	EXPECT_EQ(0, server_rc(&self->srv, 2));
	/* passed before the server took it: answered, not served */
	EXPECT_EQ(-ETIMEDOUT, kinds_deadline(c, &ns, ipcsvc_timeout_at(before)));
	EXPECT_EQ(-ETIMEDOUT, server_rc(&self->srv, 3));
	EXPECT_EQ(3u, self->srv.handled);
	/* the late refusal was dropped: the next call gets its own reply */
	ASSERT_EQ(0, kinds_ping(c, T));
	EXPECT_EQ(0, server_rc(&self->srv, 4));
}

TEST_F(kinds, handler_statuses)
{
	struct ipcsvc_channel *c = self->pair.client;
	struct kinds_handlers h = echo_handlers;
	int32_t x = 0;

	h.ping = NULL;
	self->srv.handlers = &h;
	ASSERT_EQ(0, server_start(&self->srv));
	EXPECT_EQ(0, kinds_fail(c, 0, &x, T));
	EXPECT_EQ(42, x);
	EXPECT_EQ(-ENOENT, kinds_fail(c, -ENOENT, &x, T));
	EXPECT_EQ(0, server_rc(&self->srv, 1));	/* served, with a status */
	/* a status that is no errno value is the server's bug: -EIO */
	EXPECT_EQ(-EIO, kinds_fail(c, 5, &x, T));
	EXPECT_EQ(-EIO, kinds_fail(c, -5000, &x, T));
	EXPECT_EQ(-EIO, server_rc(&self->srv, 3));
	EXPECT_EQ(-ENOSYS, kinds_ping(c, T));
	EXPECT_EQ(-ENOSYS, server_rc(&self->srv, 4));
}

/* Asynchronous calls return once queued, and arrive in order. */
TEST_F(kinds, async_calls)
{
	struct ipcsvc_channel *c = self->pair.client;
	char line[40];

	for (int i = 0; i < 8; i++) {
		snprintf(line, sizeof(line), "%02d-%s", i,
			 "0123456789012345678901234567890");
		line[32] = '\0';	/* the most a note holds */
		ASSERT_EQ(0, kinds_note(c, line, ipcsvc_timeout_ns(0)));
	}
	EXPECT_EQ(-EINVAL, kinds_note(c, "0123456789012345678901234567890123",
				      ipcsvc_timeout_ns(0)));
	ASSERT_EQ(0, server_start(&self->srv));
	ASSERT_EQ(0, kinds_ping(c, T));	/* served after the notes */
	EXPECT_EQ(0, server_rc(&self->srv, 8));
	ASSERT_EQ(9u, self->srv.handled);
	for (int i = 0; i < 8; i++) {
		snprintf(line, sizeof(line), "%02d-", i);
		EXPECT_EQ(0, strncmp(self->srv.notes[i], line, 3));
		EXPECT_EQ(32u, strlen(self->srv.notes[i]));
	}
}

struct seen {
	uint64_t ticks[8];
	unsigned int nticks;
	char names[4][17];
	size_t counts[4];
	unsigned int nnames;
};

static void on_ticked(void *ctx, uint64_t n, kinds_color c)
{
	struct seen *s = ctx;

	if (s->nticks < 8 && c == KINDS_COLOR_GREEN)
		s->ticks[s->nticks++] = n;
}

static void on_named(void *ctx, const char *name, size_t name_len,
		     const struct kinds_inner *list, size_t list_count)
{
	struct seen *s = ctx;

	if (s->nnames < 4 && list_count <= 2 &&
	    (!list_count || kinds_inner_valid(&list[list_count - 1]))) {
		memcpy(s->names[s->nnames], name, name_len);
		s->names[s->nnames][name_len] = '\0';
		s->counts[s->nnames++] = list_count;
	}
}

/*
 * Events, as many as their depths, queue while the client calls: the
 * calls take their replies from among them, and the events wait for the
 * client's event dispatch, in order.
 */
TEST_F(kinds, events_beside_calls)
{
	static const struct kinds_events ev = {
		.ticked = on_ticked, .named = on_named,
	};
	struct ipcsvc_channel *c = self->pair.client, *s = self->pair.server;
	struct kinds_inner list[2];
	struct seen seen;

	memset(&seen, 0, sizeof(seen));
	inner_fill(&list[0], 1);
	inner_fill(&list[1], 2);
	ASSERT_EQ(0, server_start(&self->srv));
	for (uint64_t i = 0; i < 4; i++)
		ASSERT_EQ(0, kinds_emit_ticked(s, UINT64_MAX - i,
					       KINDS_COLOR_GREEN,
					       ipcsvc_timeout_ns(0)));
	ASSERT_EQ(0, kinds_ping(c, T));
	ASSERT_EQ(0, kinds_emit_named(s, "0123456789abcdef", list, 2,
				      ipcsvc_timeout_ns(0)));
	ASSERT_EQ(0, kinds_emit_named(s, "", NULL, 0, ipcsvc_timeout_ns(0)));
	ASSERT_EQ(0, kinds_ping(c, T));
	EXPECT_EQ(-EINVAL, kinds_emit_ticked(s, 1, 9, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(-EINVAL, kinds_emit_named(s, "x", list, 3,
					    ipcsvc_timeout_ns(0)));
	for (int i = 0; i < 6; i++)
		ASSERT_EQ(0, kinds_receive_event(c, &ev, &seen, T));
	EXPECT_EQ(-ETIMEDOUT, kinds_receive_event(c, &ev, &seen,
						  ipcsvc_timeout_ns(0)));
	ASSERT_EQ(4u, seen.nticks);
	for (unsigned int i = 0; i < 4; i++)
		EXPECT_EQ(UINT64_MAX - i, seen.ticks[i]);
	ASSERT_EQ(2u, seen.nnames);
	EXPECT_STREQ("0123456789abcdef", seen.names[0]);
	EXPECT_EQ(2u, seen.counts[0]);
	EXPECT_STREQ("", seen.names[1]);
	EXPECT_EQ(0u, seen.counts[1]);
	/* a NULL handler ignores its event */
	ASSERT_EQ(0, kinds_emit_ticked(s, 5, KINDS_COLOR_RED, T));
	ASSERT_EQ(0, kinds_receive_event(c, &(struct kinds_events){ 0 }, NULL,
					 T));
}

/*
 * The derived sizes hold what the generated code allocates: with nobody
 * reading, each direction takes, at once and without waiting, every
 * queue at its depth with messages of the largest size, and the largest
 * synchronous message.
 */
/* The data of the 14 scalars of call scalars, and of its results. */
#define SCALARS	(1 + 1 + 2 + 4 + 8 + 1 + 2 + 4 + 8 + 4 + 8 + 1 + 1 + 8)

TEST_F(kinds, areas_hold_every_queue)
{
	struct ipcsvc_channel *c = self->pair.client, *s = self->pair.server;
	const char *line = "0123456789abcdef0123456789abcdef";
	struct kinds_inner list[2];
	struct ipcsvc_msg *m;

	for (int i = 0; i < 8; i++)
		ASSERT_EQ(0, kinds_note(c, line, ipcsvc_timeout_ns(0)));
	/* the largest request, as the stub allocates it */
	ASSERT_EQ(KINDS_SCALARS_REQUEST_MAX,
		  ipcsvc_msg_space(IPCSVC_CALL_HEADER_SIZE + SCALARS, 15));
	ASSERT_EQ(0, ipcsvc_call_allocate(c, KINDS_SCALARS_ORDINAL, SCALARS,
					  14, &m, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(0, ipcsvc_channel_send(c, m));

	inner_fill(&list[0], 4);
	inner_fill(&list[1], 4);
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(0, kinds_emit_ticked(s, 1, KINDS_COLOR_RED,
					       ipcsvc_timeout_ns(0)));
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, kinds_emit_named(s, "0123456789abcdef", list, 2,
					      ipcsvc_timeout_ns(0)));
	ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(s,
			IPCSVC_CALL_HEADER_SIZE + SCALARS, 1, 15, 0, &m));
	EXPECT_EQ(0, ipcsvc_channel_send(s, m));
}

TEST_HARNESS_MAIN
