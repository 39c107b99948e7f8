// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Hostile peers against generated code (tests/idl/runtime/kinds.idl): a
 * client written by hand sends requests that break the protocol in one
 * way each (unknown ordinal, objects missing, extra or misnumbered,
 * lengths out of bounds, bad UTF-8, unknown enum values, bools that are
 * not 0 or 1, inline lengths and counts out of bounds); the generated
 * dispatch answers each with an error status and no handler ever sees
 * one. A server written by hand sends such events to the generated
 * client's event dispatch, which drops them.
 */
#include "idl_kinds.h"
#include "kselftest_harness.h"

#define T	ipcsvc_timeout_ms(10000)

FIXTURE(hostile) {
	struct kinds_pair pair;
	struct kinds_server srv;
	unsigned int sent;	/* requests dispatched so far */
};

FIXTURE_SETUP(hostile)
{
	memset(&self->srv, 0, sizeof(self->srv));
	self->sent = 0;
	ASSERT_EQ(0, pair_open(&self->pair));
	self->srv.ch = self->pair.server;
	self->srv.handlers = &echo_handlers;
	pthread_mutex_init(&self->srv.lock, NULL);
	pthread_cond_init(&self->srv.cond, NULL);
	ASSERT_EQ(0, server_start(&self->srv));
}

FIXTURE_TEARDOWN(hostile)
{
	server_stop(&self->srv);
	pair_close(&self->pair);
	pthread_cond_destroy(&self->srv.cond);
	pthread_mutex_destroy(&self->srv.lock);
}

/* One object as the hostile client writes it. */
struct obj {
	uint64_t id;
	const void *data;
	size_t len;
};

/*
 * A request of @method with the objects @o, after a call header, made
 * with the library alone; a call, unless @async. The status the call
 * returned.
 */
static int send_raw(struct ipcsvc_channel *ch, uint64_t method,
		    const struct obj *o, size_t n, bool async)
{
	struct ipcsvc_msg *req, *rep;
	size_t size = 0;
	int rc;

	for (size_t i = 0; i < n; i++)
		size += o[i].len;
	rc = ipcsvc_call_allocate(ch, method, size, n, &req, T);
	for (size_t i = 0; !rc && i < n; i++)
		rc = ipcsvc_msg_add_object(req, o[i].id, o[i].data, o[i].len);
	if (rc)
		return rc;
	if (async)
		return ipcsvc_channel_send(ch, req);
	rc = ipcsvc_channel_call(ch, req, &rep, T);
	if (!rc)
		ipcsvc_channel_release(ch, rep);
	return rc;
}

/* The status of a hostile call, checked against what the server's
 * dispatch returned for it. */
#define HOSTILE(want, method, objs, n) do { \
	EXPECT_EQ(want, send_raw(self->pair.client, method, objs, n, false)); \
	EXPECT_EQ(want, server_rc(&self->srv, self->sent++)); \
} while (0)

/* The 14 scalars of call scalars, valid. */
struct scalars {
	uint8_t b;
	int8_t i8;
	int16_t i16;
	int32_t i32;
	int64_t i64;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	float f32;
	double f64;
	uint8_t c, s;
	int64_t h;
};

static void scalars_objs(struct scalars *v, struct obj *o)
{
	memset(v, 0, sizeof(*v));
	v->b = 1;
	v->s = (uint8_t)KINDS_SIGN_NEG;
	v->h = KINDS_HUGE_HIGH;
	o[0] = (struct obj){ 1, &v->b, 1 };
	o[1] = (struct obj){ 2, &v->i8, 1 };
	o[2] = (struct obj){ 3, &v->i16, 2 };
	o[3] = (struct obj){ 4, &v->i32, 4 };
	o[4] = (struct obj){ 5, &v->i64, 8 };
	o[5] = (struct obj){ 6, &v->u8, 1 };
	o[6] = (struct obj){ 7, &v->u16, 2 };
	o[7] = (struct obj){ 8, &v->u32, 4 };
	o[8] = (struct obj){ 9, &v->u64, 8 };
	o[9] = (struct obj){ 10, &v->f32, 4 };
	o[10] = (struct obj){ 11, &v->f64, 8 };
	o[11] = (struct obj){ 12, &v->c, 1 };
	o[12] = (struct obj){ 13, &v->s, 1 };
	o[13] = (struct obj){ 14, &v->h, 8 };
}

TEST_F(hostile, objects_and_scalars)
{
	struct scalars v;
	struct obj o[15];
	uint8_t zero = 0;

	scalars_objs(&v, o);
	HOSTILE(0, KINDS_SCALARS_ORDINAL, o, 14);	/* as a stub sends it */
	HOSTILE(-EBADRQC, 99, o, 14);
	HOSTILE(-EBADRQC, KINDS_NAMED_ORDINAL, o, 14);	/* an event's */
	HOSTILE(-EPROTO, KINDS_SCALARS_ORDINAL, o, 13);	/* one missing */
	o[14] = (struct obj){ 15, &zero, 1 };
	HOSTILE(-EPROTO, KINDS_SCALARS_ORDINAL, o, 15);	/* one extra */
	o[3].id = 5, o[4].id = 4;			/* misnumbered */
	HOSTILE(-EPROTO, KINDS_SCALARS_ORDINAL, o, 14);
	scalars_objs(&v, o);
	o[3].len = 3;					/* a short int32 */
	HOSTILE(-EPROTO, KINDS_SCALARS_ORDINAL, o, 14);
	scalars_objs(&v, o);
	o[10].len = 0;					/* an empty float64 */
	HOSTILE(-EPROTO, KINDS_SCALARS_ORDINAL, o, 14);
	scalars_objs(&v, o);
	v.b = 2;					/* a bool of 2 */
	HOSTILE(-EPROTO, KINDS_SCALARS_ORDINAL, o, 14);
	scalars_objs(&v, o);
	v.c = 7;					/* no such Color */
	HOSTILE(-EPROTO, KINDS_SCALARS_ORDINAL, o, 14);
	scalars_objs(&v, o);
	v.s = 1;					/* no such Sign */
	HOSTILE(-EPROTO, KINDS_SCALARS_ORDINAL, o, 14);
	scalars_objs(&v, o);
	v.h = 0;					/* no such Huge */
	HOSTILE(-EPROTO, KINDS_SCALARS_ORDINAL, o, 14);
	/* a call that takes nothing, given something */
	HOSTILE(-EPROTO, KINDS_PING_ORDINAL, o, 1);
	HOSTILE(0, KINDS_PING_ORDINAL, NULL, 0);
	EXPECT_EQ(2u, self->srv.handled);
}

TEST_F(hostile, strings_and_bytes)
{
	static const char *const bad[] = {
		"0123456789abcdefX",	/* 17 bytes: over the bound */
		"\xff",			/* never in UTF-8 */
		"\x80",			/* a continuation alone */
		"\xc0\xaf",		/* overlong "/" */
		"\xe0\x80\xaf",		/* overlong, 3 bytes */
		"\xed\xa0\x80",		/* a surrogate, U+D800 */
		"\xf4\x90\x80\x80",	/* U+110000 */
		"\xe2\x82",		/* cut short */
		"a\0b",			/* a NUL */
	};
	static const size_t bad_len[] = { 17, 1, 1, 2, 3, 3, 4, 2, 3 };
	static const char *const good[] = {
		"", "\x7f", "\xc2\x80", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf",
		"0123456789abcdef",
	};
	uint8_t raw[9] = { 0 };
	struct obj o[2] = { { 1, NULL, 0 }, { 2, raw, 8 } };
	unsigned int good_calls = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o[0].data = bad[i];
		o[0].len = bad_len[i];
		HOSTILE(-EPROTO, KINDS_TEXT_ORDINAL, o, 2);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		o[0].data = good[i];
		o[0].len = strlen(good[i]);
		HOSTILE(0, KINDS_TEXT_ORDINAL, o, 2);
		good_calls++;
	}
	o[1].len = 9;					/* bytes<8> */
	HOSTILE(-EPROTO, KINDS_TEXT_ORDINAL, o, 2);
	EXPECT_EQ(good_calls, self->srv.handled);
}

/* The 6 arguments of call shapes, valid. */
struct shapes {
	struct kinds_outer o;
	struct kinds_inner list[2], arr[2];
	struct kinds_plain plain[4];
	int32_t parr[3];
	uint8_t nested[2][2];
};

static void shapes_objs(struct shapes *v, struct obj *o)
{
	memset(v, 0, sizeof(*v));
	outer_fill(&v->o, 1);
	inner_fill(&v->list[0], 1);
	inner_fill(&v->list[1], 2);
	inner_fill(&v->arr[0], 3);
	inner_fill(&v->arr[1], 4);
	v->nested[1][1] = 1;
	o[0] = (struct obj){ 1, &v->o, sizeof(v->o) };
	o[1] = (struct obj){ 2, v->list, sizeof(v->list) };
	o[2] = (struct obj){ 3, v->plain, sizeof(v->plain) };
	o[3] = (struct obj){ 4, v->arr, sizeof(v->arr) };
	o[4] = (struct obj){ 5, v->parr, sizeof(v->parr) };
	o[5] = (struct obj){ 6, v->nested, sizeof(v->nested) };
}

TEST_F(hostile, structs_vectors_arrays)
{
	struct kinds_plain five[5];
	struct shapes v;
	struct obj o[6];

	shapes_objs(&v, o);
	HOSTILE(0, KINDS_SHAPES_ORDINAL, o, 6);
	o[0].len--;					/* a short struct */
	HOSTILE(-EPROTO, KINDS_SHAPES_ORDINAL, o, 6);
	shapes_objs(&v, o);
	memset(&v.o.inner.flag, 2, 1);			/* a bool inside */
	HOSTILE(-EPROTO, KINDS_SHAPES_ORDINAL, o, 6);
	shapes_objs(&v, o);
	v.o.pts.count = 4;				/* an inline count */
	HOSTILE(-EPROTO, KINDS_SHAPES_ORDINAL, o, 6);
	shapes_objs(&v, o);
	v.o.blob.length = 6;				/* an inline length */
	HOSTILE(-EPROTO, KINDS_SHAPES_ORDINAL, o, 6);
	shapes_objs(&v, o);
	v.o.names[1].length = 4;			/* in an array */
	HOSTILE(-EPROTO, KINDS_SHAPES_ORDINAL, o, 6);
	shapes_objs(&v, o);
	memcpy(v.o.names[0].data, "a\xff", 2);		/* inline UTF-8 */
	HOSTILE(-EPROTO, KINDS_SHAPES_ORDINAL, o, 6);
	shapes_objs(&v, o);
	v.o.huge = 1;					/* an inline enum */
	HOSTILE(-EPROTO, KINDS_SHAPES_ORDINAL, o, 6);
	shapes_objs(&v, o);
	v.list[1].color = 3;				/* in a vector */
	HOSTILE(-EPROTO, KINDS_SHAPES_ORDINAL, o, 6);
	shapes_objs(&v, o);
	o[1].len = sizeof(v.list[0]) + 1;		/* not whole elements */
	HOSTILE(-EPROTO, KINDS_SHAPES_ORDINAL, o, 6);
	shapes_objs(&v, o);
	memset(five, 0, sizeof(five));
	o[2] = (struct obj){ 3, five, sizeof(five) };	/* 5 of vector<, 4> */
	HOSTILE(-EPROTO, KINDS_SHAPES_ORDINAL, o, 6);
	shapes_objs(&v, o);
	v.arr[1].tag.length = 5;			/* in an array */
	HOSTILE(-EPROTO, KINDS_SHAPES_ORDINAL, o, 6);
	shapes_objs(&v, o);
	o[4].len = 8;					/* 2 of array<, 3> */
	HOSTILE(-EPROTO, KINDS_SHAPES_ORDINAL, o, 6);
	shapes_objs(&v, o);
	v.nested[0][1] = 3;				/* nested bools */
	HOSTILE(-EPROTO, KINDS_SHAPES_ORDINAL, o, 6);
	shapes_objs(&v, o);
	o[1].len = 0, o[2].len = 0, o[5].len = 0;	/* empty vectors */
	HOSTILE(0, KINDS_SHAPES_ORDINAL, o, 6);
	EXPECT_EQ(2u, self->srv.handled);
}

/* Nothing a caller could wait for is answered: no reply at all. */
TEST_F(hostile, unanswerable)
{
	struct ipcsvc_channel *c = self->pair.client;
	struct obj bad_note = { 1, "\xc3", 1 }, note = { 1, "fine", 4 };
	struct ipcsvc_msg *m;

	/* no call header */
	ASSERT_EQ(0, send_blob(c, KINDS_PING_ORDINAL, "x", 1, 0));
	EXPECT_EQ(-EPROTO, server_rc(&self->srv, 0));
	/* an asynchronous call that breaks the protocol */
	ASSERT_EQ(0, send_raw(c, KINDS_NOTE_ORDINAL, &bad_note, 1, true));
	EXPECT_EQ(-EPROTO, server_rc(&self->srv, 1));
	ASSERT_EQ(0, send_raw(c, KINDS_NOTE_ORDINAL, &note, 1, true));
	EXPECT_EQ(0, server_rc(&self->srv, 2));
	EXPECT_EQ(-EAGAIN, ipcsvc_channel_receive(c, &m));
	EXPECT_EQ(1u, self->srv.nnotes);
	EXPECT_STREQ("fine", self->srv.notes[0]);
}

static void count_event(void *ctx, uint64_t n, kinds_color c)
{
	(void)n;
	(void)c;
	(*(unsigned int *)ctx)++;
}

/* A server written by hand sends events the protocol does not allow. */
TEST_F(hostile, events)
{
	static const struct kinds_events ev = { .ticked = count_event };
	struct ipcsvc_channel *c = self->pair.client, *s = self->pair.server;
	uint64_t n = 1;
	uint8_t color = 9, green = KINDS_COLOR_GREEN;
	unsigned int seen = 0;
	struct ipcsvc_msg *m;

	server_stop(&self->srv);
	/* an unknown ordinal, a missing object, no such Color, a valid one */
	ASSERT_EQ(0, send_blob(s, 77, &n, sizeof(n), 0));
	ASSERT_EQ(0, send_blob(s, KINDS_TICKED_ORDINAL, &n, sizeof(n), 0));
	ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(s, 9,
			KINDS_TICKED_ORDINAL, 2, 0, &m));
	ASSERT_EQ(0, ipcsvc_msg_add_object(m, 1, &n, sizeof(n)));
	ASSERT_EQ(0, ipcsvc_msg_add_object(m, 2, &color, 1));
	ASSERT_EQ(0, ipcsvc_channel_send(s, m));
	ASSERT_EQ(0, kinds_emit_ticked(s, 1, green, T));
	EXPECT_EQ(-EBADRQC, kinds_receive_event(c, &ev, &seen, T));
	EXPECT_EQ(-EPROTO, kinds_receive_event(c, &ev, &seen, T));
	EXPECT_EQ(-EPROTO, kinds_receive_event(c, &ev, &seen, T));
	EXPECT_EQ(0, kinds_receive_event(c, &ev, &seen, T));
	EXPECT_EQ(1u, seen);
	EXPECT_EQ(-ETIMEDOUT, kinds_receive_event(c, &ev, &seen,
						  ipcsvc_timeout_ns(0)));
}

/* A server written by hand: it answers one request with @objs. */
struct bad_server {
	struct ipcsvc_channel *ch;
	const struct obj *objs;
	size_t n;
	int rc;
};

static void *bad_server_main(void *arg)
{
	struct bad_server *b = arg;
	struct ipcsvc_msg *req, *rep;
	size_t size = 0;

	for (size_t i = 0; i < b->n; i++)
		size += b->objs[i].len;
	b->rc = ipcsvc_channel_receive_timeout(b->ch, &req, T);
	if (b->rc)
		return NULL;
	b->rc = ipcsvc_call_allocate_reply(b->ch, req, size, b->n, &rep, T);
	for (size_t i = 0; !b->rc && i < b->n; i++)
		b->rc = ipcsvc_msg_add_object(rep, b->objs[i].id,
					      b->objs[i].data, b->objs[i].len);
	if (!b->rc)
		b->rc = ipcsvc_channel_send(b->ch, rep);
	ipcsvc_channel_release(b->ch, req);
	return NULL;
}

/* The status of call fail when the reply is @objs. */
static int fail_with_reply(struct kinds_pair *p, const struct obj *objs,
			   size_t n)
{
	struct bad_server b = { .ch = p->server, .objs = objs, .n = n };
	int32_t x;
	pthread_t t;
	int rc;

	if (pthread_create(&t, NULL, bad_server_main, &b))
		return -1;
	rc = kinds_fail(p->client, 0, &x, T);
	pthread_join(t, NULL);
	return b.rc ? b.rc : rc;
}

/* A reply that breaks the protocol reaches the stub as -EPROTO. */
TEST_F(hostile, replies)
{
	int32_t x = 1;
	uint16_t short_x = 1;
	struct obj good = { 1, &x, 4 };
	struct obj too_short = { 1, &short_x, 2 };
	struct obj two[2] = { { 1, &x, 4 }, { 2, &x, 4 } };
	struct obj misnumbered = { 2, &x, 4 };
	char rs[17];
	uint8_t rraw[8];
	size_t rlen;

	server_stop(&self->srv);
	EXPECT_EQ(0, fail_with_reply(&self->pair, &good, 1));
	EXPECT_EQ(-EPROTO, fail_with_reply(&self->pair, &too_short, 1));
	EXPECT_EQ(-EPROTO, fail_with_reply(&self->pair, two, 2));
	EXPECT_EQ(-EPROTO, fail_with_reply(&self->pair, &misnumbered, 1));
	EXPECT_EQ(-EPROTO, fail_with_reply(&self->pair, NULL, 0));
	/* a string result that is not UTF-8 */
	{
		struct obj text[2] = { { 1, "\xc3(", 2 }, { 2, "", 0 } };
		struct bad_server b = { .ch = self->pair.server, .objs = text,
					.n = 2 };
		pthread_t t;

		ASSERT_EQ(0, pthread_create(&t, NULL, bad_server_main, &b));
		EXPECT_EQ(-EPROTO, kinds_text(self->pair.client, "x", NULL, 0,
					      rs, rraw, &rlen, T));
		pthread_join(t, NULL);
		EXPECT_EQ(0, b.rc);
	}
}

TEST_HARNESS_MAIN
