// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host tests of the channel queue against a hostile peer: the test writes
 * into the shared pages as a misbehaving process could, and every time the
 * library must answer -EBADMSG, mark the direction broken (privately and in
 * its own page), refuse further use, and never crash, read outside the
 * area or loop without end. The areas have a guard page behind them and
 * the committed size is the whole data region, so a stray read faults.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "channel_helpers.h"
#include "kselftest_harness.h"

#define HDR(a, off)	((struct ipcsvc_msg_header *)(area_data(a) + (off)))
#define OBJ(a, off)	((struct ipcsvc_obj_header *)(area_data(a) + (off)))

/* A corruption and where the library must notice it. */
typedef void (*corrupt_fn)(struct test_area *a);

/* Three messages are in the ring: at 0 (one 8-byte object), at 64 (one
 * 3-byte object) and at 128 (no object). */
static void c_magic(struct test_area *a) { HDR(a, 0)->magic ^= 1; }
static void c_wrap_at_zero(struct test_area *a) { HDR(a, 0)->magic = IPCSVC_WRAP_MAGIC; }
static void c_len_zero(struct test_area *a) { HDR(a, 0)->length = 0; }
static void c_len_short(struct test_area *a) { HDR(a, 0)->length = 32; }
static void c_len_unaligned(struct test_area *a) { HDR(a, 0)->length = 68; }
static void c_len_huge(struct test_area *a) { HDR(a, 0)->length = UINT64_MAX - 7; }
static void c_len_past_size(struct test_area *a) { HDR(a, 0)->length = area_id(a)->size; }
static void c_flag_unknown(struct test_area *a) { HDR(a, 0)->flags |= 1ULL << 40; }
static void c_flag_consumed(struct test_area *a) { HDR(a, 0)->flags |= IPCSVC_MSG_CONSUMED; }
static void c_not_written(struct test_area *a) { HDR(a, 0)->flags &= ~IPCSVC_MSG_WRITTEN; }
static void c_not_allocated(struct test_area *a) { HDR(a, 0)->flags &= ~IPCSVC_MSG_ALLOCATED; }
static void c_count_big(struct test_area *a) { HDR(a, 0)->object_count = 2; }
static void c_count_huge(struct test_area *a) { HDR(a, 0)->object_count = UINT64_MAX; }
static void c_obj_len_big(struct test_area *a) { OBJ(a, 40)->length = 1ULL << 40; }
static void c_obj_len_wraps(struct test_area *a) { OBJ(a, 40)->length = UINT64_MAX - 3; }
static void c_obj_pad_past_end(struct test_area *a) { OBJ(a, 40)->length = 9; }
static void c_published_jump(struct test_area *a) { area_prod(a)->published = 1ULL << 40; }
static void c_published_wraps(struct test_area *a) { area_prod(a)->published = UINT64_MAX; }
static void c_size_shrinks(struct test_area *a) { area_id(a)->size = 64; }
static void c_size_over_max(struct test_area *a) { area_id(a)->size = area_id(a)->max_size + page_size(); }
static void c_size_unaligned(struct test_area *a) { area_id(a)->size -= 4; }

FIXTURE(hostile) {
	struct test_area a;
	struct ipcsvc_channel *tx, *rx;
};

FIXTURE_VARIANT(hostile) {
	corrupt_fn corrupt;
};

#define CASE(name) \
	FIXTURE_VARIANT_ADD(hostile, name) { .corrupt = c_##name }
CASE(magic);
CASE(wrap_at_zero);
CASE(len_zero);
CASE(len_short);
CASE(len_unaligned);
CASE(len_huge);
CASE(len_past_size);
CASE(flag_unknown);
CASE(flag_consumed);
CASE(not_written);
CASE(not_allocated);
CASE(count_big);
CASE(count_huge);
CASE(obj_len_big);
CASE(obj_len_wraps);
CASE(obj_pad_past_end);
CASE(published_jump);
CASE(published_wraps);
CASE(size_shrinks);
CASE(size_over_max);
CASE(size_unaligned);

FIXTURE_SETUP(hostile)
{
	struct ipcsvc_msg *m;

	ASSERT_EQ(0, test_area_make(&self->a, page_size(), page_size()));
	ASSERT_EQ(0, ipcsvc_channel_open(self->a.mem, self->a.len, NULL, 0,
					 NULL, &self->tx));
	ASSERT_EQ(0, ipcsvc_channel_open(NULL, 0, self->a.mem, self->a.len,
					 NULL, &self->rx));
	ASSERT_EQ(0, send_blob(self->tx, 1, "12345678", 8, 0));
	ASSERT_EQ(0, send_blob(self->tx, 2, "abc", 3, 0));
	ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(self->tx, 0, 3, 0, 0, &m));
	ASSERT_EQ(0, ipcsvc_channel_send(self->tx, m));
	ASSERT_EQ(64, HDR(&self->a, 0)->length);
	ASSERT_EQ(64, HDR(&self->a, 64)->length);
	ASSERT_EQ(40, HDR(&self->a, 128)->length);
}

FIXTURE_TEARDOWN(hostile)
{
	ipcsvc_channel_close(self->tx);
	ipcsvc_channel_close(self->rx);
	test_area_free(&self->a);
}

static void expect_rx_broken(struct __test_metadata *_metadata,
			     struct ipcsvc_channel *rx, struct test_area *a)
{
	struct ipcsvc_channel_info ci;
	struct ipcsvc_msg *m = (void *)1;

	EXPECT_EQ(IPCSVC_BROKEN_RX, ipcsvc_channel_info(rx, &ci) ? 0 : ci.broken);
	EXPECT_EQ(1, area_cons(a)->broken);
	/* Broken stays broken, whatever the peer does next. */
	EXPECT_EQ(-EBADMSG, ipcsvc_channel_receive(rx, &m));
	EXPECT_EQ(NULL, m);
	EXPECT_EQ(-EBADMSG, ipcsvc_channel_receive_timeout(rx, &m, ipcsvc_timeout_never()));
	/* Nothing was released on a bad message. */
	EXPECT_EQ(0, area_cons(a)->consumed);
}

/* The corruption is caught by the receive that meets it. */
TEST_F(hostile, receive_reports_ebadmsg)
{
	struct ipcsvc_msg *m = (void *)1;

	variant->corrupt(&self->a);
	EXPECT_EQ(-EBADMSG, ipcsvc_channel_receive(self->rx, &m));
	EXPECT_EQ(NULL, m);
	expect_rx_broken(_metadata, self->rx, &self->a);
}

/* Objects are re-checked as they are handed out: a peer that rewrites an
 * object after the receive is caught too, and the message is not read
 * past its end. */
TEST(object_rewritten_after_receive)
{
	struct test_area a;
	struct ipcsvc_channel *tx, *rx;
	struct ipcsvc_msg *m;
	struct ipcsvc_object o = { 0 };
	struct ipcsvc_channel_info ci;

	ASSERT_EQ(0, test_area_make(&a, page_size(), page_size()));
	ASSERT_EQ(0, ipcsvc_channel_open(a.mem, a.len, NULL, 0, NULL, &tx));
	ASSERT_EQ(0, ipcsvc_channel_open(NULL, 0, a.mem, a.len, NULL, &rx));
	ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(tx,
			2 * 8, 1, 2, 0, &m));
	ASSERT_EQ(0, ipcsvc_msg_add_object(m, 1, "abcdefgh", 8));
	ASSERT_EQ(0, ipcsvc_msg_add_object(m, 2, "ABCDEFGH", 8));
	ASSERT_EQ(0, ipcsvc_channel_send(tx, m));
	ASSERT_EQ(0, ipcsvc_channel_receive(rx, &m));
	ASSERT_EQ(1, ipcsvc_msg_next_object(m, &o));
	OBJ(&a, 64)->length = 4096;
	EXPECT_EQ(-EBADMSG, ipcsvc_msg_next_object(m, &o));
	ASSERT_EQ(0, ipcsvc_channel_info(rx, &ci));
	EXPECT_EQ(IPCSVC_BROKEN_RX, ci.broken);
	EXPECT_EQ(-EBADMSG, ipcsvc_msg_next_object(m, &o));
	ipcsvc_channel_close(tx);
	ipcsvc_channel_close(rx);
	test_area_free(&a);
}

/* A wrap marker anywhere but at 0 sends the receiver to 0; what it finds
 * there must be a message. */
TEST(wrap_marker_to_garbage)
{
	struct test_area a;
	struct ipcsvc_channel *tx, *rx;
	struct ipcsvc_msg *m;

	ASSERT_EQ(0, test_area_make(&a, page_size(), page_size()));
	ASSERT_EQ(0, ipcsvc_channel_open(a.mem, a.len, NULL, 0, NULL, &tx));
	ASSERT_EQ(0, ipcsvc_channel_open(NULL, 0, a.mem, a.len, NULL, &rx));
	ASSERT_EQ(0, send_blob(tx, 1, "x", 1, 0));
	ASSERT_EQ(0, send_blob(tx, 2, "y", 1, 0));
	ASSERT_EQ(0, ipcsvc_channel_receive(rx, &m));
	ASSERT_EQ(0, ipcsvc_channel_release(rx, m));
	/* The second message (at 64) becomes a marker; 0 holds a stale
	 * message, whose magic the peer then scribbles on. */
	HDR(&a, 64)->magic = IPCSVC_WRAP_MAGIC;
	HDR(&a, 0)->magic = 0;
	EXPECT_EQ(-EBADMSG, ipcsvc_channel_receive(rx, &m));
	ipcsvc_channel_close(tx);
	ipcsvc_channel_close(rx);
	test_area_free(&a);
}

/*
 * The producer checks the consumer page: a head that is not a position
 * breaks the sending side, without a write outside the area. It reads
 * head when its cached one no longer vouches for room, at the latest
 * when a message would cross into the ring's next page.
 */
static void hostile_head(struct __test_metadata *_metadata, uint64_t head)
{
	struct test_area a;
	struct ipcsvc_channel *tx;
	struct ipcsvc_channel_info ci;
	struct ipcsvc_msg *m = (void *)1;
	uint64_t sent = 0;
	int rc;

	ASSERT_EQ(0, test_area_make(&a, page_size(), page_size()));
	ASSERT_EQ(0, ipcsvc_channel_open(a.mem, a.len, NULL, 0, NULL, &tx));
	ASSERT_EQ(0, send_blob(tx, 1, "x", 1, 0));
	area_cons(&a)->head = head;
	/* each message takes at least 48 bytes of the page */
	while ((rc = send_blob(tx, 2, "x", 1, 0)) == 0 &&
	       ++sent < page_size() / 48)
		ASSERT_GE(page_size() - 8, area_prod(&a)->tail);
	EXPECT_EQ(-EBADMSG, rc) TH_LOG("%llu sends went through",
				       (unsigned long long)sent);
	ASSERT_EQ(0, ipcsvc_channel_info(tx, &ci));
	EXPECT_EQ(IPCSVC_BROKEN_TX, ci.broken);
	EXPECT_EQ(1, area_prod(&a)->broken);
	/* Even a correct head later does not revive it. */
	area_cons(&a)->head = 0;
	EXPECT_EQ(-EBADMSG, ipcsvc_channel_allocate_for_send_timeout(tx, 0, 0, 0,
			0, &m, ipcsvc_timeout_never()));
	EXPECT_EQ(NULL, m);
	EXPECT_EQ(-EBADMSG, ipcsvc_channel_grow(tx, page_size()));
	ipcsvc_channel_close(tx);
	test_area_free(&a);
}

TEST(head_unaligned) { hostile_head(_metadata, 3); }
TEST(head_past_size) { hostile_head(_metadata, page_size() + 64); }
TEST(head_in_wrap_room) { hostile_head(_metadata, page_size()); }
TEST(head_huge) { hostile_head(_metadata, UINT64_MAX & ~7ULL); }

/* A consumer that moves head wildly (but validly) can only hurt itself:
 * the producer keeps every write inside the data region. */
TEST(head_moved_validly_keeps_writes_inside)
{
	struct test_area a;
	struct ipcsvc_channel *tx;
	static uint8_t junk[1500];
	uint64_t seed = 1;

	ASSERT_EQ(0, test_area_make(&a, page_size(), page_size()));
	ASSERT_EQ(0, ipcsvc_channel_open(a.mem, a.len, NULL, 0, NULL, &tx));
	for (int i = 0; i < 20000; i++) {
		int rc;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		area_cons(&a)->head = ((seed >> 33) % (page_size() - 8)) & ~7ULL;
		rc = send_blob(tx, (uint64_t)i, junk, (seed >> 20) % 1500, 0);
		ASSERT_TRUE(rc == 0 || rc == -EAGAIN) TH_LOG("rc %d", rc);
		ASSERT_GE(page_size() - 8, area_prod(&a)->tail);
	}
	ipcsvc_channel_close(tx);
	test_area_free(&a);
}

/* Identity pages that do not describe the mapping are refused at open. */
TEST(bad_identity_refused)
{
	struct test_area a;
	struct ipcsvc_channel *ch = (void *)1;
	struct ipcsvc_area_identity saved;

	ASSERT_EQ(0, test_area_make(&a, page_size(), 2 * page_size()));
	saved = *area_id(&a);
#define TRY(field, value) do { \
		*area_id(&a) = saved; \
		area_id(&a)->field = (value); \
		EXPECT_EQ(-EPROTO, ipcsvc_channel_open(NULL, 0, a.mem, a.len, \
						       NULL, &ch)) \
			TH_LOG(#field " = " #value); \
		EXPECT_EQ(NULL, ch); \
		EXPECT_EQ(-EPROTO, ipcsvc_channel_open(a.mem, a.len, NULL, 0, \
						       NULL, &ch)); \
	} while (0)
	TRY(magic, 0);
	TRY(size, 3 * page_size());
	TRY(size, 8);
	TRY(max_size, 4 * page_size());
	TRY(max_size, 1ULL << 40);
	TRY(producer_offset, 8);
	TRY(producer_offset, 4 * page_size());
	TRY(consumer_offset, page_size());
	TRY(data_offset, a.len);
	TRY(data_offset, UINT64_MAX - 7);
	TRY(area_bytes, a.len + 1);
	*area_id(&a) = saved;
	area_prod(&a)->tail = 5;
	EXPECT_EQ(-EPROTO, ipcsvc_channel_open(a.mem, a.len, NULL, 0, NULL, &ch));
	area_prod(&a)->tail = 0;
	area_cons(&a)->head = page_size() * 3;
	EXPECT_EQ(-EPROTO, ipcsvc_channel_open(NULL, 0, a.mem, a.len, NULL, &ch));
	area_cons(&a)->head = 0;
	EXPECT_EQ(0, ipcsvc_channel_open(a.mem, a.len, NULL,
					 0, NULL, &ch));
	ipcsvc_channel_close(ch);
	test_area_free(&a);
#undef TRY
}

/*
 * Offsets close to 2^64 are negative offsets in disguise. A check that
 * adds a size to one before comparing wraps round and lets it pass, and
 * the words would then sit before the mapping. The page before the area
 * is PROT_NONE (test_area_make()), so any such access faults.
 */
TEST(wrapping_offsets_refused)
{
	const uint64_t page = page_size();
	struct test_area a;
	struct ipcsvc_channel *ch;
	struct ipcsvc_area_identity saved;
	const struct {
		const char *what;
		uint64_t poff, coff, doff;
	} bad[] = {
		{ "producer words before the area", -256ULL, 2 * page + 256,
		  3 * page },
		{ "consumer words before the area", page, -256ULL, 3 * page },
		{ "both before the area", -512ULL, -256ULL, 3 * page },
		{ "data region before the area", page, 2 * page + 256, -page },
		{ "everything before the area", -3 * page, -2 * page, -page },
		{ "consumer words and data wrap", page, -256ULL, 0 },
	};

	ASSERT_EQ(0, test_area_make(&a, page, page));
	saved = *area_id(&a);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		*area_id(&a) = saved;
		area_id(&a)->producer_offset = bad[i].poff;
		area_id(&a)->consumer_offset = bad[i].coff;
		area_id(&a)->data_offset = bad[i].doff;
		/* as it would be: the check of area_bytes is not the one
		 * that must catch it */
		area_id(&a)->area_bytes = bad[i].doff + saved.max_size;
		ch = (void *)1;
		EXPECT_EQ(-EPROTO, ipcsvc_channel_open(NULL, 0, a.mem, a.len,
						       NULL, &ch))
			TH_LOG("rx: %s", bad[i].what);
		EXPECT_EQ(NULL, ch);
		ipcsvc_channel_close(ch == (void *)1 ? NULL : ch);
		ch = (void *)1;
		EXPECT_EQ(-EPROTO, ipcsvc_channel_open(a.mem, a.len, NULL, 0,
						       NULL, &ch))
			TH_LOG("tx: %s", bad[i].what);
		EXPECT_EQ(NULL, ch);
		ipcsvc_channel_close(ch == (void *)1 ? NULL : ch);
	}
	*area_id(&a) = saved;
	ASSERT_EQ(0, ipcsvc_channel_open(a.mem, a.len, NULL, 0, NULL, &ch));
	ipcsvc_channel_close(ch);
	test_area_free(&a);
}

/*
 * A message magic where a wrap marker stands at the very end of the ring.
 * The producer fills the ring so that its tail ends @back bytes before
 * the committed size (8: the last position a marker may take), the
 * consumer catches up, and the next message wraps, leaving a marker
 * there. The peer then overwrites the marker with a message magic: the
 * rest of that "header" would lie past the committed size, where the
 * module has no page (SIGBUS). Here those pages are PROT_NONE. The
 * receiver must say -EBADMSG without reading them.
 */
FIXTURE(magic_at_end) {
	struct test_area a;
	struct ipcsvc_channel *tx, *rx;
};

FIXTURE_VARIANT(magic_at_end) {
	uint64_t back;
};

FIXTURE_VARIANT_ADD(magic_at_end, back8) { .back = 8 };
FIXTURE_VARIANT_ADD(magic_at_end, back16) { .back = 16 };
FIXTURE_VARIANT_ADD(magic_at_end, back24) { .back = 24 };
FIXTURE_VARIANT_ADD(magic_at_end, back32) { .back = 32 };

FIXTURE_SETUP(magic_at_end)
{
	const uint64_t page = page_size();
	/* the producer never grows into the PROT_NONE pages */
	struct ipcsvc_channel_attr attr = {
		.size = sizeof(attr), .flags = IPCSVC_CHANNEL_NO_AUTOGROW,
	};
	uint64_t end = page - variant->back, l1 = (end / 3) & ~7ULL;
	uint64_t lens[3] = { l1, l1, end - 2 * l1 };
	struct ipcsvc_msg *m;

	/* one page committed, one reserved behind it */
	ASSERT_EQ(0, test_area_make(&self->a, page, 2 * page));
	ASSERT_EQ(0, mprotect(area_data(&self->a) + page, page, PROT_NONE));
	ASSERT_EQ(0, ipcsvc_channel_open(self->a.mem, self->a.len, NULL, 0,
					 &attr, &self->tx));
	ASSERT_EQ(0, ipcsvc_channel_open(NULL, 0, self->a.mem, self->a.len,
					 NULL, &self->rx));
	/* Messages without objects, ending at page - back; all in flight
	 * at once, since a producer that finds the ring empty starts again
	 * at 0. */
	for (uint64_t i = 0; i < 3; i++) {
		ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(self->tx,
				lens[i] - sizeof(struct ipcsvc_msg_header),
				i, 0, 0, &m));
		ASSERT_EQ(0, ipcsvc_channel_send(self->tx, m));
	}
	for (uint64_t i = 0; i < 3; i++)
		ASSERT_EQ((int64_t)i, take_id(self->rx));
	ASSERT_EQ(end, area_prod(&self->a)->tail);
	ASSERT_EQ(end, area_cons(&self->a)->head);
	/* No room after the tail: a marker there, the message at 0. */
	ASSERT_EQ(0, send_blob(self->tx, 3, "wrap", 4, 0));
	ASSERT_EQ(IPCSVC_WRAP_MAGIC, HDR(&self->a, end)->magic);
	ASSERT_EQ(IPCSVC_MSG_MAGIC, HDR(&self->a, 0)->magic);
}

FIXTURE_TEARDOWN(magic_at_end)
{
	ipcsvc_channel_close(self->tx);
	ipcsvc_channel_close(self->rx);
	test_area_free(&self->a);
}

TEST_F(magic_at_end, receive_reports_ebadmsg)
{
	const uint64_t end = page_size() - variant->back;
	struct ipcsvc_channel_info ci;
	struct ipcsvc_msg *m = (void *)1;

	HDR(&self->a, end)->magic = IPCSVC_MSG_MAGIC;
	EXPECT_EQ(-EBADMSG, ipcsvc_channel_receive(self->rx, &m));
	EXPECT_EQ(NULL, m);
	ASSERT_EQ(0, ipcsvc_channel_info(self->rx, &ci));
	EXPECT_EQ(IPCSVC_BROKEN_RX, ci.broken);
	EXPECT_EQ(1, area_cons(&self->a)->broken);
	/* Nothing more was released, and broken stays broken, even when
	 * the peer puts its marker back. */
	EXPECT_EQ(3, area_cons(&self->a)->consumed);
	HDR(&self->a, end)->magic = IPCSVC_WRAP_MAGIC;
	EXPECT_EQ(-EBADMSG, ipcsvc_channel_receive(self->rx, &m));
	EXPECT_EQ(-EBADMSG, ipcsvc_channel_receive_timeout(self->rx, &m, ipcsvc_timeout_never()));
}

/* Unharmed, the same ring wraps as it should. */
TEST_F(magic_at_end, marker_followed)
{
	EXPECT_EQ(3, take_id(self->rx));
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Random damage: fill the ring with a few messages, flip a few random bits
 * in the data region or the producer page, then receive and walk
 * everything. Each call must give a valid message, -EAGAIN or -EBADMSG,
 * and once -EBADMSG, always -EBADMSG. ASan and the guard page catch any
 * stray read.
 */
TEST(random_bit_flips)
{
	struct test_area a;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int broken = 0, clean = 0;

	ASSERT_EQ(0, test_area_make(&a, page_size(), page_size()));
	for (int iter = 0; iter < 3000; iter++) {
		struct ipcsvc_area_params p = {
			.size = page_size(), .max_size = page_size(),
			.protocol_name = "fuzz",
		};
		struct ipcsvc_channel *tx, *rx;
		int nmsg = 1 + (int)(xorshift(&seed) % 6), rc, flips;
		bool was_broken = false;

		ASSERT_EQ(0, ipcsvc_area_format(a.mem, a.len, &p));
		memset(area_data(&a), 0, page_size());
		ASSERT_EQ(0, ipcsvc_channel_open(a.mem, a.len, NULL, 0, NULL, &tx));
		ASSERT_EQ(0, ipcsvc_channel_open(NULL, 0, a.mem, a.len, NULL, &rx));
		for (int i = 0; i < nmsg; i++) {
			struct ipcsvc_msg *m;
			int nobj = (int)(xorshift(&seed) % 4);

			ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(tx,
					(uint64_t)nobj * 100,
					(uint64_t)i, (uint64_t)nobj, 0, &m));
			for (int k = 0; k < nobj; k++)
				ASSERT_EQ(0, ipcsvc_msg_add_object(m, (uint64_t)k,
						"0123456789", xorshift(&seed) % 11));
			ASSERT_EQ(0, ipcsvc_channel_send(tx, m));
		}
		flips = 1 + (int)(xorshift(&seed) % 4);
		for (int f = 0; f < flips; f++) {
			uint64_t r = xorshift(&seed);

			if (r % 8 == 0) {
				/* producer page: tail, published */
				uint8_t *pp = (uint8_t *)area_prod(&a);

				pp[(r >> 8) % 16] ^= (uint8_t)(1u << ((r >> 4) % 8));
			} else {
				/* mostly near the messages, sometimes anywhere */
				uint64_t span = (r & 16) ? page_size() : 512;

				area_data(&a)[(r >> 8) % span] ^=
					(uint8_t)(1u << ((r >> 5) % 8));
			}
		}
		for (int n = 0; n < 64; n++) {
			struct ipcsvc_msg *m;
			struct ipcsvc_object o = { 0 };

			rc = ipcsvc_channel_receive(rx, &m);
			if (rc == -EAGAIN)
				break;
			if (was_broken)
				ASSERT_EQ(-EBADMSG, rc);
			if (rc == -EBADMSG) {
				was_broken = true;
				continue;
			}
			ASSERT_EQ(0, rc);
			while ((rc = ipcsvc_msg_next_object(m, &o)) == 1) {
				volatile uint8_t sink = 0;

				for (uint64_t k = 0; k < o.length; k++)
					sink ^= ((const uint8_t *)o.data)[k];
				(void)sink;
			}
			ASSERT_TRUE(rc == 0 || rc == -EBADMSG);
			ASSERT_EQ(0, ipcsvc_channel_release(rx, m));
		}
		if (was_broken) {
			broken++;
			EXPECT_EQ(1, area_cons(&a)->broken);
		} else {
			clean++;
		}
		ipcsvc_channel_close(tx);
		ipcsvc_channel_close(rx);
	}
	/* The damage is really seen most of the time (not all: a flipped id
	 * or data byte is not corruption the queue can know about). */
	EXPECT_LT(500, broken);
	EXPECT_LT(100, clean);
	test_area_free(&a);
}

TEST_HARNESS_MAIN
