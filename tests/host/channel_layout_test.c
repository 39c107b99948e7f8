// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host tests of the ABI v2 area layout and of empty areas:
 *  - ipcsvc_area_format() puts the producer words at IPCSVC_CONTROL_PRODUCER
 *    of the second page and the consumer words at IPCSVC_CONTROL_CONSUMER
 *    of the third, and the engine writes nothing else there;
 *  - a channel laid out as the module lays it out (one identity page with
 *    both identities, the server-to-client one at IPCSVC_IDENTITY_STRIDE;
 *    one control page per end holding its producer and consumer words),
 *    simulated with a memfd;
 *  - identity offsets that do not fit are refused;
 *  - areas that start with nothing committed (size 0, as the module
 *    starts them): the first send grows, an empty receive is empty, and a
 *    producer that publishes into no data at all is corruption;
 *  - the module backend's conversion of deadlines for IPCSVC_IOC_WAIT.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "channel_helpers.h"
#include "../../lib/internal.h"
#include "kselftest_harness.h"

#define HANG_NS		(10 * 1000000000LL)

static uint64_t round_page(uint64_t v)
{
	return (v + page_size() - 1) / page_size() * page_size();
}

static int all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i])
			return 0;
	return 1;
}

/*
 * Are a producer's or consumer's words (@words, 256 bytes, the two have
 * the same shape) zero from byte 16 on, but for the CPU hint, which is 0
 * or a CPU number plus one?
 */
static int words_zero_past_hot(const uint8_t *words)
{
	const size_t cpu = offsetof(struct ipcsvc_area_producer, cpu);
	uint64_t hint;

	memcpy(&hint, words + cpu, sizeof(hint));
	return all_zero(words + 16, cpu - 16) &&
	       all_zero(words + cpu + 8, 256 - cpu - 8) &&
	       hint <= (uint64_t)sysconf(_SC_NPROCESSORS_CONF);
}

/* ---- the shape of the shared structures --------------------------- */

TEST(struct_layout)
{
	EXPECT_EQ(256, sizeof(struct ipcsvc_area_producer));
	EXPECT_EQ(256, sizeof(struct ipcsvc_area_consumer));
	/* hot line and sleeper line 128 bytes apart */
	EXPECT_EQ(0, offsetof(struct ipcsvc_area_producer, tail));
	EXPECT_EQ(8, offsetof(struct ipcsvc_area_producer, published));
	EXPECT_EQ(128, offsetof(struct ipcsvc_area_producer, waiters));
	EXPECT_EQ(136, offsetof(struct ipcsvc_area_producer, broken));
	EXPECT_EQ(0, offsetof(struct ipcsvc_area_consumer, head));
	EXPECT_EQ(8, offsetof(struct ipcsvc_area_consumer, consumed));
	EXPECT_EQ(128, offsetof(struct ipcsvc_area_consumer, waiters));
	EXPECT_EQ(136, offsetof(struct ipcsvc_area_consumer, broken));
	EXPECT_GE(IPCSVC_IDENTITY_STRIDE, sizeof(struct ipcsvc_area_identity));
	EXPECT_GE(IPCSVC_CONTROL_CONSUMER, IPCSVC_CONTROL_PRODUCER +
		  sizeof(struct ipcsvc_area_producer));
}

/* ---- ipcsvc_area_format() ----------------------------------------- */

TEST(format_offsets)
{
	const uint64_t page = page_size();
	struct ipcsvc_channel *tx, *rx;
	struct test_area a;
	struct ipcsvc_area_identity *id;
	uint8_t *mem;

	ASSERT_EQ(0, test_area_make(&a, page, 4 * page));
	id = area_id(&a);
	mem = a.mem;
	EXPECT_EQ(IPCSVC_AREA_MAGIC, id->magic);
	EXPECT_EQ(page + IPCSVC_CONTROL_PRODUCER, id->producer_offset);
	EXPECT_EQ(page, id->producer_offset);
	EXPECT_EQ(2 * page + IPCSVC_CONTROL_CONSUMER, id->consumer_offset);
	EXPECT_EQ(2 * page + 256, id->consumer_offset);
	EXPECT_EQ(3 * page, id->data_offset);
	EXPECT_EQ(4 * page, id->max_size);
	EXPECT_EQ(7 * page, id->area_bytes);
	EXPECT_EQ(0, id->closed);
	EXPECT_TRUE(all_zero(id->__reserved, sizeof(id->__reserved)));

	/* The engine writes its words there and nowhere else in the
	 * header pages. */
	ASSERT_EQ(0, ipcsvc_channel_open(a.mem, a.len, NULL, 0, NULL, &tx));
	ASSERT_EQ(0, ipcsvc_channel_open(NULL, 0, a.mem, a.len, NULL, &rx));
	for (uint64_t i = 0; i < 3; i++)
		ASSERT_EQ(0, send_blob(tx, i, "abc", 3, 0));
	for (uint64_t i = 0; i < 3; i++)
		ASSERT_EQ((int64_t)i, take_id(rx));
	EXPECT_EQ(3, *(uint64_t *)(mem + page + 8));		/* published */
	EXPECT_NE(0, *(uint64_t *)(mem + page));		/* tail */
	EXPECT_EQ(3, *(uint64_t *)(mem + 2 * page + 256 + 8));	/* consumed */
	EXPECT_EQ(*(uint64_t *)(mem + page),
		  *(uint64_t *)(mem + 2 * page + 256));		/* head */
	EXPECT_TRUE(words_zero_past_hot(mem + page));
	EXPECT_TRUE(all_zero(mem + page + 256, page - 256));
	EXPECT_TRUE(all_zero(mem + 2 * page, 256));
	EXPECT_TRUE(words_zero_past_hot(mem + 2 * page + 256));
	EXPECT_TRUE(all_zero(mem + 2 * page + 512, page - 512));
	ipcsvc_channel_close(tx);
	ipcsvc_channel_close(rx);
	test_area_free(&a);
}

/* ---- a channel as the module lays it out ---------------------------- */

struct sleeper {
	struct ipcsvc_channel *ch;
	uint64_t id;
	int rc;
};

static void *sleep_receive(void *arg)
{
	struct sleeper *s = arg;
	struct ipcsvc_msg_info info;
	struct ipcsvc_msg *m;

	s->rc = ipcsvc_channel_receive_timeout(s->ch, &m, ipcsvc_timeout_ns(HANG_NS));
	if (s->rc)
		return NULL;
	s->rc = ipcsvc_msg_info(m, &info);
	s->id = info.id;
	if (!s->rc)
		s->rc = ipcsvc_channel_release(s->ch, m);
	return NULL;
}

/* The client uses one set of mappings, the server another, as two
 * processes would. */
FIXTURE(modlayout) {
	struct test_chan c, s;
	struct ipcsvc_channel *client, *server;
};

FIXTURE_SETUP(modlayout)
{
	struct ipcsvc_channel_attr attr = {
		.size = sizeof(attr), .wait_mode = IPCSVC_WAIT_SLEEP,
	};

	ASSERT_EQ(0, test_chan_make(&self->c, 0, 4 * page_size(),
				    8 * page_size()));
	ASSERT_EQ(0, test_chan_remap(&self->c, &self->s));
	ASSERT_EQ(0, ipcsvc__channel_open_ops(self->c.cs, self->c.cs_len, 0,
					      self->c.sc, self->c.sc_len,
					      IPCSVC_IDENTITY_STRIDE, &attr,
					      &ipcsvc__futex_ops, NULL,
					      &self->client));
	ASSERT_EQ(0, ipcsvc__channel_open_ops(self->s.sc, self->s.sc_len,
					      IPCSVC_IDENTITY_STRIDE,
					      self->s.cs, self->s.cs_len, 0,
					      &attr, &ipcsvc__futex_ops, NULL,
					      &self->server));
}

FIXTURE_TEARDOWN(modlayout)
{
	ipcsvc_channel_close(self->client);
	ipcsvc_channel_close(self->server);
	test_chan_free(&self->s);
	test_chan_free(&self->c);
}

/* Requests and replies both ways; each growth lands in its own area's
 * identity, and each end's words in its own control page. */
TEST_F(modlayout, round_trips)
{
	const uint64_t page = page_size();
	struct ipcsvc_channel_info ci;
	struct ipcsvc_msg *m;
	uint8_t *client_ctl = self->c.cs + page;	/* = sc + 2 pages */
	uint8_t *server_ctl = self->c.sc + page;	/* = cs + 2 pages */

	/* Nothing committed, nothing to receive. */
	EXPECT_EQ(-EAGAIN, ipcsvc_channel_receive(self->client, &m));
	EXPECT_EQ(-EAGAIN, ipcsvc_channel_receive(self->server, &m));
	ASSERT_EQ(0, ipcsvc_channel_info(self->client, &ci));
	EXPECT_EQ(0, ci.tx_size);
	EXPECT_EQ(0, ci.rx_size);
	EXPECT_EQ(4 * page, ci.tx_max_size);
	EXPECT_EQ(8 * page, ci.rx_max_size);

	for (uint64_t i = 0; i < 20; i++) {
		uint8_t buf[300];

		pattern(buf, sizeof(buf), i);
		ASSERT_EQ(0, send_blob(self->client, i, buf, sizeof(buf), 0));
		ASSERT_EQ(0, take_blob(self->server, i));
		pattern(buf, sizeof(buf), i + 1000);
		ASSERT_EQ(0, send_blob(self->server, i + 1000, buf,
				       sizeof(buf), 0));
		ASSERT_EQ(0, take_blob(self->client, i + 1000));
	}
	/* One page each: the growth went to the identity of its area. */
	EXPECT_EQ(page, chan_id_cs(&self->c)->size);
	EXPECT_EQ(page, chan_id_sc(&self->c)->size);
	/* The client's control page: its producer words (c->s) at 0, its
	 * consumer words (s->c) at 256; the server's the other way. */
	EXPECT_EQ(20, ((struct ipcsvc_area_producer *)
		       (client_ctl + IPCSVC_CONTROL_PRODUCER))->published);
	EXPECT_EQ(20, ((struct ipcsvc_area_consumer *)
		       (client_ctl + IPCSVC_CONTROL_CONSUMER))->consumed);
	EXPECT_EQ(20, ((struct ipcsvc_area_producer *)
		       (server_ctl + IPCSVC_CONTROL_PRODUCER))->published);
	EXPECT_EQ(20, ((struct ipcsvc_area_consumer *)
		       (server_ctl + IPCSVC_CONTROL_CONSUMER))->consumed);
	EXPECT_TRUE(words_zero_past_hot(client_ctl));
	EXPECT_TRUE(words_zero_past_hot(client_ctl + 256));
	EXPECT_TRUE(all_zero(client_ctl + 512, page - 512));
	EXPECT_TRUE(words_zero_past_hot(server_ctl));
	EXPECT_TRUE(words_zero_past_hot(server_ctl + 256));
	EXPECT_TRUE(all_zero(server_ctl + 512, page - 512));

	/* A large reply grows only the server-to-client area. */
	{
		uint64_t len = 3 * page;
		uint8_t *buf = malloc(len);

		ASSERT_NE(NULL, buf);
		pattern(buf, len, 77);
		ASSERT_EQ(0, send_blob(self->server, 77, buf, len, 0));
		ASSERT_EQ(0, take_blob(self->client, 77));
		free(buf);
	}
	EXPECT_EQ(page, chan_id_cs(&self->c)->size);
	EXPECT_LT(page, chan_id_sc(&self->c)->size);
	EXPECT_GE(8 * page, chan_id_sc(&self->c)->size);
	/* Nothing else in the identity page was written. */
	EXPECT_TRUE(all_zero(self->c.cs + sizeof(struct ipcsvc_area_identity),
			     IPCSVC_IDENTITY_STRIDE -
			     sizeof(struct ipcsvc_area_identity)));
	EXPECT_TRUE(all_zero(self->c.cs + IPCSVC_IDENTITY_STRIDE +
			     sizeof(struct ipcsvc_area_identity),
			     page - IPCSVC_IDENTITY_STRIDE -
			     sizeof(struct ipcsvc_area_identity)));
}

/*
 * The server closed and the kernel took the server-to-client data pages
 * back: the client finds zeroes where a published reply was. With revoked
 * set that is a closed channel (-EPIPE), not corruption; without it, the
 * same zeroes are corruption (-EBADMSG).
 */
static void revoke_replies(struct test_chan *c, bool flag)
{
	struct ipcsvc_area_identity *id = chan_id_sc(c);

	memset(c->sc + id->data_offset, 0, id->size);
	id->closed = 1;
	id->revoked = flag;
}

TEST_F(modlayout, revoked_area_reads_as_closed)
{
	struct ipcsvc_msg *m;
	uint8_t buf[64];

	pattern(buf, sizeof(buf), 5);
	ASSERT_EQ(0, send_blob(self->server, 5, buf, sizeof(buf), 0));
	ASSERT_EQ(0, send_blob(self->server, 6, buf, sizeof(buf), 0));
	ASSERT_EQ(0, take_blob(self->client, 5));
	revoke_replies(&self->c, true);
	EXPECT_EQ(-EPIPE, ipcsvc_channel_receive(self->client, &m));
	EXPECT_EQ(-EPIPE, ipcsvc_channel_receive_timeout(self->client,
							  &m, ipcsvc_timeout_ns(HANG_NS)));
}

TEST_F(modlayout, zeroed_area_without_revoked_is_corrupt)
{
	struct ipcsvc_msg *m;
	uint8_t buf[64];

	pattern(buf, sizeof(buf), 5);
	ASSERT_EQ(0, send_blob(self->server, 5, buf, sizeof(buf), 0));
	revoke_replies(&self->c, false);
	EXPECT_EQ(-EBADMSG, ipcsvc_channel_receive(self->client, &m));
}

/* A sleeper in one process's mapping is woken by a publish through the
 * other's: the futex backend meets on the shared page however it is
 * mapped. */
TEST_F(modlayout, sleeper_woken_across_mappings)
{
	struct sleeper s = { .ch = self->server, .rc = 1 };
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, sleep_receive, &s));
	nanosleep(&ts, NULL);
	ASSERT_EQ(0, send_blob(self->client, 9, "wake", 4, 0));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, s.rc);
	EXPECT_EQ(9, s.id);
}

/* Identity offsets that do not describe an identity in the first page,
 * before the producer words, are refused. */
TEST_F(modlayout, identity_offset_checked)
{
	const uint64_t page = page_size();
	const uint64_t idsz = sizeof(struct ipcsvc_area_identity);
	struct ipcsvc_channel *ch = (void *)1;
	uint8_t *sc = self->c.sc;
	size_t len = self->c.sc_len;
	uint64_t bad[] = { IPCSVC_IDENTITY_STRIDE + 4, IPCSVC_IDENTITY_STRIDE + 8,
			   page - idsz + 8, page, len, UINT64_MAX - 7 };

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EPROTO, ipcsvc__channel_open_ops(NULL, 0, 0, sc, len,
				bad[i], NULL, &ipcsvc__futex_ops, NULL, &ch))
			TH_LOG("identity offset %llu", (unsigned long long)bad[i]);
		EXPECT_EQ(NULL, ch);
		EXPECT_EQ(-EPROTO, ipcsvc__channel_open_ops(sc, len, bad[i],
				NULL, 0, 0, NULL, &ipcsvc__futex_ops, NULL, &ch));
	}
	/* An identity at the end of the page: fits, opens. */
	test_identity_write((void *)(sc + page - idsz), 0, 8 * page, page,
			    "test");
	EXPECT_EQ(0, ipcsvc__channel_open_ops(NULL, 0, 0, sc, len, page - idsz,
					      NULL, &ipcsvc__futex_ops, NULL,
					      &ch));
	ipcsvc_channel_close(ch);
	/* One whose producer words would overlap it. */
	((struct ipcsvc_area_identity *)(sc + page - idsz))->producer_offset =
		page - 8;
	EXPECT_EQ(-EPROTO, ipcsvc__channel_open_ops(NULL, 0, 0, sc, len,
						    page - idsz, NULL,
						    &ipcsvc__futex_ops, NULL,
						    &ch));
	/* The other identity of the page describes the other area; here
	 * it claims more data than the mapping has. */
	EXPECT_EQ(-EPROTO, ipcsvc__channel_open_ops(NULL, 0, 0, self->c.cs,
						    self->c.cs_len,
						    IPCSVC_IDENTITY_STRIDE,
						    NULL, &ipcsvc__futex_ops,
						    NULL, &ch));
}

/* ---- empty areas: size 0 --------------------------------------------- */

struct counting {
	unsigned int calls;
	uint64_t last;
	int err;
};

static int counting_grow(void *ctx, struct ipcsvc_area_identity *id,
			 uint64_t new_size)
{
	struct counting *c = ctx;

	c->calls++;
	c->last = new_size;
	if (c->err)
		return c->err;
	return ipcsvc__futex_ops.grow(NULL, id, new_size);
}

static int counting_wait(void *ctx, uint32_t dir, __u64 *word, uint64_t off,
			 uint64_t val, const struct ipcsvc_deadline *d)
{
	(void)ctx;
	return ipcsvc__futex_ops.wait(NULL, dir, word, off, val, d);
}

static int counting_wake(void *ctx, uint32_t dir, __u64 *word, uint64_t off)
{
	(void)ctx;
	return ipcsvc__futex_ops.wake(NULL, dir, word, off);
}

static const struct ipcsvc_wait_ops counting_ops = {
	.name = "counting",
	.wait = counting_wait,
	.wake = counting_wake,
	.grow = counting_grow,
};

FIXTURE(empty) {
	struct test_area a;
	struct ipcsvc_channel *rx;
	struct counting cnt;
};

FIXTURE_SETUP(empty)
{
	ASSERT_EQ(0, test_area_make(&self->a, 0, 16 * page_size()));
	ASSERT_EQ(0, area_id(&self->a)->size);
	ASSERT_EQ(0, ipcsvc_channel_open(NULL, 0, self->a.mem, self->a.len,
					 NULL, &self->rx));
	memset(&self->cnt, 0, sizeof(self->cnt));
}

FIXTURE_TEARDOWN(empty)
{
	ipcsvc_channel_close(self->rx);
	test_area_free(&self->a);
}

static struct ipcsvc_channel *open_tx(struct __test_metadata *_metadata,
				      struct test_area *a, struct counting *c,
				      uint32_t flags)
{
	struct ipcsvc_channel_attr attr = { .size = sizeof(attr),
					    .flags = flags };
	struct ipcsvc_channel *ch = NULL;

	EXPECT_EQ(0, ipcsvc__channel_open_ops(a->mem, a->len, 0, NULL, 0, 0,
					      &attr, &counting_ops, c, &ch));
	return ch;
}

/* Receiving from an area with nothing committed finds nothing, with or
 * without a timeout, and touches no data. */
TEST_F(empty, receive_is_empty)
{
	struct ipcsvc_channel_info ci;
	struct ipcsvc_msg *m = (void *)1;
	uint64_t t0 = now_ns();

	/* Nothing behind the data offset may be read. */
	ASSERT_EQ(0, mprotect(area_data(&self->a), 16 * page_size(),
			      PROT_NONE));
	EXPECT_EQ(-EAGAIN, ipcsvc_channel_receive(self->rx, &m));
	EXPECT_EQ(NULL, m);
	EXPECT_EQ(-ETIMEDOUT, ipcsvc_channel_receive_timeout(self->rx,
							     &m, ipcsvc_timeout_ns(20000000)));
	EXPECT_LE(20000000, now_ns() - t0);
	ASSERT_EQ(0, ipcsvc_channel_info(self->rx, &ci));
	EXPECT_EQ(0, ci.rx_size);
	EXPECT_EQ(0, ci.rx_queued);
	EXPECT_EQ(0, ci.broken);
}

/* The first send grows one page through the backend, once. */
TEST_F(empty, first_send_grows)
{
	struct ipcsvc_channel *tx = open_tx(_metadata, &self->a, &self->cnt, 0);
	struct ipcsvc_channel_info ci;

	ASSERT_NE(NULL, tx);
	EXPECT_EQ(0, self->cnt.calls);
	ASSERT_EQ(0, ipcsvc_channel_info(tx, &ci));
	EXPECT_EQ(0, ci.tx_size);
	ASSERT_EQ(0, send_blob(tx, 1, "first", 5, 0));
	EXPECT_EQ(1, self->cnt.calls);
	EXPECT_EQ(page_size(), self->cnt.last);
	EXPECT_EQ(page_size(), area_id(&self->a)->size);
	ASSERT_EQ(0, send_blob(tx, 2, "second", 6, 0));
	EXPECT_EQ(1, self->cnt.calls);
	EXPECT_EQ(1, take_id(self->rx));
	EXPECT_EQ(2, take_id(self->rx));
	ipcsvc_channel_close(tx);
}

/* The blocking allocation grows the same way, and a first message larger
 * than a page grows straight to what it needs. */
TEST_F(empty, first_send_large)
{
	struct ipcsvc_channel *tx = open_tx(_metadata, &self->a, &self->cnt, 0);
	const uint64_t len = 3 * page_size();
	uint8_t *buf = malloc(len);
	struct ipcsvc_msg *m;

	ASSERT_NE(NULL, tx);
	ASSERT_NE(NULL, buf);
	pattern(buf, len, 5);
	ASSERT_EQ(0, ipcsvc_channel_allocate_for_send_timeout(tx,
			len, 5, 1, 0, &m, ipcsvc_timeout_ns(HANG_NS)));
	EXPECT_EQ(1, self->cnt.calls);
	EXPECT_EQ(round_page(2 * (sizeof(struct ipcsvc_msg_header) +
				  IPCSVC_OBJECT_SPACE(len)) + 16),
		  area_id(&self->a)->size);
	ASSERT_EQ(0, ipcsvc_msg_add_object(m, 0x0b, buf, len));
	ASSERT_EQ(0, ipcsvc_channel_send(tx, m));
	EXPECT_EQ(0, take_blob(self->rx, 5));
	/* Too large for max_size: refused before any growth. */
	EXPECT_EQ(-EMSGSIZE, ipcsvc_channel_allocate_for_send(tx,
			16 * page_size(), 6, 0, 0, &m));
	EXPECT_EQ(1, self->cnt.calls);
	free(buf);
	ipcsvc_channel_close(tx);
}

/* Without auto-growth nothing would commit the first page: opening does,
 * and a refused growth fails the open. */
TEST_F(empty, no_autogrow_commits_at_open)
{
	struct ipcsvc_channel_attr attr = {
		.size = sizeof(attr), .flags = IPCSVC_CHANNEL_NO_AUTOGROW,
	};
	struct ipcsvc_channel *tx = (void *)1;

	self->cnt.err = -EDQUOT;
	EXPECT_EQ(-EDQUOT, ipcsvc__channel_open_ops(self->a.mem, self->a.len,
						    0, NULL, 0, 0, &attr,
						    &counting_ops, &self->cnt,
						    &tx));
	EXPECT_EQ(NULL, tx);
	EXPECT_EQ(1, self->cnt.calls);
	EXPECT_EQ(0, area_id(&self->a)->size);

	self->cnt.err = 0;
	tx = open_tx(_metadata, &self->a, &self->cnt,
		     IPCSVC_CHANNEL_NO_AUTOGROW);
	ASSERT_NE(NULL, tx);
	EXPECT_EQ(2, self->cnt.calls);
	EXPECT_EQ(page_size(), self->cnt.last);
	EXPECT_EQ(page_size(), area_id(&self->a)->size);
	ASSERT_EQ(0, send_blob(tx, 3, "x", 1, 0));
	EXPECT_EQ(2, self->cnt.calls);
	EXPECT_EQ(3, take_id(self->rx));
	/* A second opener finds the page committed and grows nothing. */
	ipcsvc_channel_close(tx);
	tx = open_tx(_metadata, &self->a, &self->cnt,
		     IPCSVC_CHANNEL_NO_AUTOGROW);
	ASSERT_NE(NULL, tx);
	EXPECT_EQ(2, self->cnt.calls);
	ipcsvc_channel_close(tx);
}

/* Explicit growth of an empty area. */
TEST_F(empty, explicit_grow)
{
	struct ipcsvc_channel *tx = open_tx(_metadata, &self->a, &self->cnt, 0);

	ASSERT_NE(NULL, tx);
	EXPECT_EQ(0, ipcsvc_channel_grow(tx, 0));
	EXPECT_EQ(0, self->cnt.calls);
	EXPECT_EQ(0, ipcsvc_channel_grow(tx, 2 * page_size()));
	EXPECT_EQ(2 * page_size(), area_id(&self->a)->size);
	ASSERT_EQ(0, send_blob(tx, 4, "y", 1, 0));
	EXPECT_EQ(1, self->cnt.calls);
	EXPECT_EQ(4, take_id(self->rx));
	ipcsvc_channel_close(tx);
}

/*
 * A hostile producer publishes while nothing is committed: corruption,
 * -EBADMSG for good, and not one byte of the data region read (it is
 * PROT_NONE in the receiver's mapping, and the guard page follows).
 */
TEST_F(empty, publish_without_size_is_corrupt)
{
	struct ipcsvc_channel_info ci;
	struct ipcsvc_msg *m = (void *)1;

	ASSERT_EQ(0, mprotect(area_data(&self->a), 16 * page_size(),
			      PROT_NONE));
	area_prod(&self->a)->tail = 64;
	area_prod(&self->a)->published = 1;
	EXPECT_EQ(-EBADMSG, ipcsvc_channel_receive(self->rx, &m));
	EXPECT_EQ(NULL, m);
	EXPECT_EQ(1, area_cons(&self->a)->broken);
	EXPECT_EQ(0, area_cons(&self->a)->head);
	EXPECT_EQ(0, area_cons(&self->a)->consumed);
	/* Once broken, always broken, even when the size shows up. */
	area_id(&self->a)->size = page_size();
	EXPECT_EQ(-EBADMSG, ipcsvc_channel_receive(self->rx, &m));
	EXPECT_EQ(-EBADMSG, ipcsvc_channel_receive_timeout(self->rx, &m, ipcsvc_timeout_ns(1000)));
	ASSERT_EQ(0, ipcsvc_channel_info(self->rx, &ci));
	EXPECT_EQ(IPCSVC_BROKEN_RX, ci.broken);
}

/* The same through the blocking receive, from a sleeping start. */
TEST_F(empty, publish_without_size_wakes_to_ebadmsg)
{
	struct ipcsvc_channel_attr attr = {
		.size = sizeof(attr), .wait_mode = IPCSVC_WAIT_SLEEP,
	};
	struct sleeper s = { .rc = 1 };
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	pthread_t t;

	ASSERT_EQ(0, ipcsvc_channel_open(NULL, 0, self->a.mem, self->a.len,
					 &attr, &s.ch));
	ASSERT_EQ(0, pthread_create(&t, NULL, sleep_receive, &s));
	nanosleep(&ts, NULL);
	__atomic_store_n(&area_prod(&self->a)->published, 1, __ATOMIC_SEQ_CST);
	ipcsvc__futex_ops.wake(NULL, IPCSVC_DIR_RX,
			       &area_prod(&self->a)->published,
			       area_id(&self->a)->producer_offset +
			       offsetof(struct ipcsvc_area_producer, published));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-EBADMSG, s.rc);
	ipcsvc_channel_close(s.ch);
}

/* A size that appears too small to hold a ring is corruption too. */
TEST_F(empty, tiny_size_is_corrupt)
{
	struct ipcsvc_msg *m;

	area_id(&self->a)->size = 8;
	area_prod(&self->a)->published = 1;
	EXPECT_EQ(-EBADMSG, ipcsvc_channel_receive(self->rx, &m));
}

/* Positions other than 0 in an empty area are refused at open; a consumer
 * that moves its head while nothing is committed breaks the sender. */
TEST_F(empty, positions_checked)
{
	struct ipcsvc_channel *ch = (void *)1;
	struct ipcsvc_msg *m;

	area_prod(&self->a)->tail = 8;
	EXPECT_EQ(-EPROTO, ipcsvc_channel_open(self->a.mem, self->a.len, NULL,
					       0, NULL, &ch));
	EXPECT_EQ(NULL, ch);
	area_prod(&self->a)->tail = 0;
	area_cons(&self->a)->head = 8;
	EXPECT_EQ(-EPROTO, ipcsvc_channel_open(NULL, 0, self->a.mem,
					       self->a.len, NULL, &ch));
	area_cons(&self->a)->head = 0;

	ch = open_tx(_metadata, &self->a, &self->cnt, 0);
	ASSERT_NE(NULL, ch);
	area_cons(&self->a)->head = 16;
	EXPECT_EQ(-EBADMSG, ipcsvc_channel_allocate_for_send(ch, 16, 1, 0, 0,
							     &m));
	EXPECT_EQ(0, self->cnt.calls);
	EXPECT_EQ(1, area_prod(&self->a)->broken);
	EXPECT_EQ(0, area_id(&self->a)->size);
	ipcsvc_channel_close(ch);
}

/* ---- the module backend's deadlines ------------------------------- */

/* ipcsvc__now_ns() is CLOCK_MONOTONIC, the clock IPCSVC_WAIT_ABSTIME
 * means. */
TEST(now_is_monotonic)
{
	uint64_t before = now_ns(), now = ipcsvc__now_ns(), after = now_ns();

	EXPECT_LE(before, now);
	EXPECT_GE(after, now);
}

TEST(module_wait_timeout)
{
	struct ipcsvc_deadline d;
	uint64_t now = ipcsvc__now_ns();
	uint32_t flags = 0xcc;

	EXPECT_EQ(0, ipcsvc__deadline_init(&d, ipcsvc_timeout_never()));
	EXPECT_EQ(-1, ipcsvc__module_wait_timeout(&d, now, &flags));
	EXPECT_EQ(0, flags);

	EXPECT_EQ(0, ipcsvc__deadline_init(&d, ipcsvc_timeout_ns(1000000000)));
	flags = 0xcc;
	EXPECT_EQ((int64_t)d.at_ns, ipcsvc__module_wait_timeout(&d, now,
								&flags));
	EXPECT_EQ(IPCSVC_WAIT_ABSTIME, flags);
	EXPECT_LE(now + 1000000000, d.at_ns);

	/* passed, or due now: look without sleeping, relative 0 */
	flags = 0xcc;
	EXPECT_EQ(0, ipcsvc__module_wait_timeout(&d, d.at_ns, &flags));
	EXPECT_EQ(0, flags);
	flags = 0xcc;
	EXPECT_EQ(0, ipcsvc__module_wait_timeout(&d, d.at_ns + 1, &flags));
	EXPECT_EQ(0, flags);
	EXPECT_EQ(0, ipcsvc__deadline_init(&d, ipcsvc_timeout_ns(0)));
	flags = 0xcc;
	EXPECT_EQ(0, ipcsvc__module_wait_timeout(&d, ipcsvc__now_ns(),
						 &flags));
	EXPECT_EQ(0, flags);

	/* beyond what an __s64 deadline holds: no deadline */
	d.forever = false;
	d.at_ns = (uint64_t)INT64_MAX + 1;
	flags = 0xcc;
	EXPECT_EQ(-1, ipcsvc__module_wait_timeout(&d, now, &flags));
	EXPECT_EQ(0, flags);
	EXPECT_EQ(0, ipcsvc__deadline_init(&d, ipcsvc_timeout_ns(INT64_MAX)));
	flags = 0xcc;
	EXPECT_EQ(-1, ipcsvc__module_wait_timeout(&d, now, &flags));
	EXPECT_EQ(0, flags);
}

TEST_HARNESS_MAIN
