// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host tests of the channel queue in one thread: message format, objects,
 * wrap-around, full and empty, NoQueue, growth, timeouts. Tests of a ring
 * of fixed size open their sending side with IPCSVC_CHANNEL_NO_AUTOGROW;
 * channel_grow_test.c covers auto-growth, channel_errors_test.c the error
 * path of every call.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "channel_pair.h"
#include "kselftest_harness.h"

/* Reopen side a with auto-growth off: its ring keeps its size. */
static int fixed_size(FIXTURE_DATA(pair) *self)
{
	struct ipcsvc_channel_attr attr = {
		.size = sizeof(attr), .flags = IPCSVC_CHANNEL_NO_AUTOGROW,
	};

	ipcsvc_channel_close(self->a);
	return ipcsvc_channel_open(self->a2b.mem, self->a2b.len, self->b2a.mem,
				   self->b2a.len, &attr, &self->a);
}

/* Objects go out and come back with ids, lengths and bytes intact, and the
 * ring holds them in the documented format. */
TEST_F(pair, objects_round_trip)
{
	static const char hello[] = "hello";
	uint8_t big[100];
	struct ipcsvc_msg *m;
	struct ipcsvc_msg_info info;
	struct ipcsvc_object o;
	struct ipcsvc_msg_header *h;
	void *space;

	pattern(big, sizeof(big), 3);
	/* 105 payload bytes in up to 3 objects: the library adds the
	 * objects' headers and the most padding 3 objects can need. */
	ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(self->a, 105, 0x1234, 3,
						      0, &m));
	ASSERT_EQ(0, ipcsvc_msg_add_object(m, 7, hello, 5));
	ASSERT_EQ(0, ipcsvc_msg_reserve_object(m, 8, sizeof(big), &space));
	memcpy(space, big, sizeof(big));
	ASSERT_EQ(0, ipcsvc_msg_add_object(m, 9, NULL, 0));
	ASSERT_EQ(0, ipcsvc_channel_send(self->a, m));

	/* The ring, as the seed lays it out. */
	h = (void *)area_data(&self->a2b);
	EXPECT_EQ(IPCSVC_MSG_MAGIC, h->magic);
	EXPECT_EQ(0x1234, h->id);
	EXPECT_EQ(IPCSVC_MSG_ALLOCATED | IPCSVC_MSG_WRITTEN, h->flags);
	/* header, 3 object headers, 3 + 12 blocks of 8: 5 + 100 + 0 bytes
	 * take 8 + 104 + 0 of them, so 8 bytes stay unused */
	EXPECT_EQ(40 + 3 * 16 + 8 * (3 + 102 / 8), h->length);
	EXPECT_EQ(ipcsvc_msg_space(105, 3), h->length);
	EXPECT_EQ(3, h->object_count);
	EXPECT_EQ(1, area_prod(&self->a2b)->published);
	EXPECT_EQ(h->length, area_prod(&self->a2b)->tail);

	ASSERT_EQ(0, ipcsvc_channel_receive(self->b, &m));
	ASSERT_EQ(0, ipcsvc_msg_info(m, &info));
	EXPECT_EQ(0x1234, info.id);
	EXPECT_EQ(3, info.object_count);
	EXPECT_EQ(208, info.length);
	memset(&o, 0, sizeof(o));
	ASSERT_EQ(1, ipcsvc_msg_next_object(m, &o));
	EXPECT_EQ(7, o.id);
	EXPECT_EQ(5, o.length);
	EXPECT_EQ(0, memcmp(o.data, hello, 5));
	ASSERT_EQ(1, ipcsvc_msg_next_object(m, &o));
	EXPECT_EQ(8, o.id);
	EXPECT_EQ(100, o.length);
	EXPECT_TRUE(pattern_ok(o.data, 100, 3));
	EXPECT_EQ(0, (uintptr_t)o.data % 8);
	ASSERT_EQ(1, ipcsvc_msg_next_object(m, &o));
	EXPECT_EQ(9, o.id);
	EXPECT_EQ(0, o.length);
	EXPECT_EQ(0, ipcsvc_msg_next_object(m, &o));
	EXPECT_EQ(0, ipcsvc_msg_next_object(m, &o));
	ASSERT_EQ(0, ipcsvc_channel_release(self->b, m));
	EXPECT_EQ(208, area_cons(&self->a2b)->head);
	EXPECT_EQ(1, area_cons(&self->a2b)->consumed);
	EXPECT_EQ(-EAGAIN, ipcsvc_channel_receive(self->b, &m));
	EXPECT_EQ(NULL, m);
}

/* Fewer objects than announced: ObjectCount says what was added. */
TEST_F(pair, fewer_objects_than_announced)
{
	struct ipcsvc_msg *m;
	struct ipcsvc_msg_info info;
	struct ipcsvc_object o = { 0 };

	ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(self->a, 64, 1, 4, 0, &m));
	ASSERT_EQ(0, ipcsvc_msg_add_object(m, 1, "x", 1));
	ASSERT_EQ(0, ipcsvc_channel_send(self->a, m));
	ASSERT_EQ(0, ipcsvc_channel_receive(self->b, &m));
	ASSERT_EQ(0, ipcsvc_msg_info(m, &info));
	EXPECT_EQ(1, info.object_count);
	EXPECT_EQ(1, ipcsvc_msg_next_object(m, &o));
	EXPECT_EQ(0, ipcsvc_msg_next_object(m, &o));
	ASSERT_EQ(0, ipcsvc_channel_release(self->b, m));
}

/* Both directions are independent. */
TEST_F(pair, full_duplex)
{

	ASSERT_EQ(0, send_blob(self->a, 1, "a", 1, 0));
	ASSERT_EQ(0, send_blob(self->b, 2, "b", 1, 0));
	EXPECT_EQ(2, take_id(self->a));
	EXPECT_EQ(1, take_id(self->b));
}

/* Many laps of differently sized messages through a one-page ring: order
 * and contents survive every wrap, and wrap markers are really written. */
TEST_F(pair, wrap_around)
{
	uint8_t buf[1500];
	uint64_t sent = 0, got = 0, wraps = 0, last_head = 0;

	ASSERT_EQ(0, fixed_size(self));
	for (int round = 0; round < 3000; round++) {
		size_t len = (size_t)(round * 37) % sizeof(buf);
		int rc;

		pattern(buf, len, sent);
		rc = send_blob(self->a, sent, buf, len, 0);
		if (rc == -EAGAIN) {
			/* Full: drain one and retry this round. */
			ASSERT_EQ(0, take_blob(self->b, got));
			got++;
			if (area_cons(&self->a2b)->head < last_head)
				wraps++;
			last_head = area_cons(&self->a2b)->head;
			round--;
			continue;
		}
		ASSERT_EQ(0, rc);
		sent++;
	}
	for (;;) {
		int rc = take_blob(self->b, got);

		if (rc == -EAGAIN)
			break;
		ASSERT_EQ(0, rc);
		got++;
	}
	EXPECT_EQ(sent, got);
	EXPECT_LT(100, wraps);
	EXPECT_EQ(page_size(), area_id(&self->a2b)->size);
	/* Ring empty again: tail and head meet. */
	EXPECT_EQ(area_prod(&self->a2b)->tail, area_cons(&self->a2b)->head);
}

/* A full ring refuses with -EAGAIN; one release makes room again. MessageCount
 * (published - consumed) follows. */
TEST_F(pair, full_then_room)
{
	struct ipcsvc_channel_info ci;
	struct ipcsvc_msg *m, *held[64];
	int n = 0, rc;

	ASSERT_EQ(0, fixed_size(self));
	while ((rc = send_blob(self->a, (uint64_t)n, "0123456789abcdef", 16, 0)) == 0)
		n++;
	EXPECT_EQ(-EAGAIN, rc);
	/* 4096 bytes, 72-byte messages, a gap of 8 kept: 56 fit. */
	EXPECT_EQ((page_size() - 8 - 1) / 72, n);
	ASSERT_EQ(0, ipcsvc_channel_info(self->a, &ci));
	EXPECT_EQ(n, ci.tx_queued);
	ASSERT_EQ(0, ipcsvc_channel_info(self->b, &ci));
	EXPECT_EQ(n, ci.rx_queued);
	EXPECT_EQ(-ETIMEDOUT, ipcsvc_channel_allocate_for_send_timeout(self->a,
			16, 0, 1, 0, &m, ipcsvc_timeout_ns(1000000)));

	/* Holding (not releasing) frees nothing. */
	ASSERT_EQ(0, ipcsvc_channel_receive(self->b, &held[0]));
	EXPECT_EQ(-EAGAIN, send_blob(self->a, 99, "x", 1, 0));
	ASSERT_EQ(0, ipcsvc_channel_release(self->b, held[0]));
	EXPECT_EQ(0, send_blob(self->a, 99, "x", 1, 0));
	ASSERT_EQ(0, ipcsvc_channel_info(self->a, &ci));
	EXPECT_EQ(n, ci.tx_queued);
}

/* Messages may be released in any order; space returns in ring order. */
TEST_F(pair, release_out_of_order)
{
	struct ipcsvc_msg *m[3];
	uint64_t head0 = area_cons(&self->a2b)->head;

	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, send_blob(self->a, (uint64_t)i, "abc", 3, 0));
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, ipcsvc_channel_receive(self->b, &m[i]));
	ASSERT_EQ(0, ipcsvc_channel_release(self->b, m[2]));
	ASSERT_EQ(0, ipcsvc_channel_release(self->b, m[1]));
	EXPECT_EQ(head0, area_cons(&self->a2b)->head);
	EXPECT_EQ(0, area_cons(&self->a2b)->consumed);
	ASSERT_EQ(0, ipcsvc_channel_release(self->b, m[0]));
	EXPECT_EQ(3, area_cons(&self->a2b)->consumed);
	EXPECT_EQ(area_prod(&self->a2b)->tail, area_cons(&self->a2b)->head);
	/* A released handle is dead. */
	EXPECT_EQ(-EINVAL, ipcsvc_channel_release(self->b, m[0]));
}

/* A receiver may hold at most 64 messages; the 65th is -ENOBUFS. */
TEST_F(pair, hold_limit)
{
	struct ipcsvc_msg *m[65];
	int i;

	ASSERT_EQ(0, ipcsvc_channel_grow(self->b, 4 * page_size()));
	for (i = 0; i < 65; i++)
		ASSERT_EQ(0, send_blob(self->b, (uint64_t)i, NULL, 0, 0));
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0, ipcsvc_channel_receive(self->a, &m[i]));
	EXPECT_EQ(-ENOBUFS, ipcsvc_channel_receive(self->a, &m[64]));
	ASSERT_EQ(0, ipcsvc_channel_release(self->a, m[5]));
	EXPECT_EQ(-ENOBUFS, ipcsvc_channel_receive(self->a, &m[64]));
	ASSERT_EQ(0, ipcsvc_channel_release(self->a, m[0]));
	EXPECT_EQ(0, ipcsvc_channel_receive(self->a, &m[64]));
}

/* A sender may hold at most 64 unsent allocations. */
TEST_F(pair, allocation_limit)
{
	struct ipcsvc_msg *m[65];

	ASSERT_EQ(0, ipcsvc_channel_grow(self->a, 4 * page_size()));
	for (int i = 0; i < 64; i++)
		ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(self->a, 0, 0, 0, 0, &m[i]));
	EXPECT_EQ(-EAGAIN, ipcsvc_channel_allocate_for_send(self->a, 0, 0, 0, 0, &m[64]));
	EXPECT_EQ(-ETIMEDOUT, ipcsvc_channel_allocate_for_send_timeout(self->a,
			0, 0, 0, 0, &m[64], ipcsvc_timeout_ns(1000000)));
	/* Nothing is published until the oldest is sent. */
	for (int i = 63; i >= 1; i--)
		ASSERT_EQ(0, ipcsvc_channel_send(self->a, m[i]));
	EXPECT_EQ(0, area_prod(&self->a2b)->published);
	ASSERT_EQ(0, ipcsvc_channel_send(self->a, m[0]));
	EXPECT_EQ(64, area_prod(&self->a2b)->published);
	EXPECT_EQ(0, ipcsvc_channel_allocate_for_send(self->a, 0, 0, 0, 0, &m[64]));
	ASSERT_EQ(0, ipcsvc_channel_send(self->a, m[64]));
}

/* Publication is in allocation order, whatever the order of sends. */
TEST_F(pair, publish_in_allocation_order)
{
	struct ipcsvc_msg *m1, *m2, *r;

	ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(self->a, 0, 1, 0, 0, &m1));
	ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(self->a, 0, 2, 0, 0, &m2));
	ASSERT_EQ(0, ipcsvc_channel_send(self->a, m2));
	EXPECT_EQ(-EAGAIN, ipcsvc_channel_receive(self->b, &r));
	ASSERT_EQ(0, ipcsvc_channel_send(self->a, m1));
	EXPECT_EQ(1, take_id(self->b));
	EXPECT_EQ(2, take_id(self->b));
}

/* NoQueue: accepted only into an empty queue, refused with -EBUSY (not
 * -EAGAIN) otherwise, even by the blocking call; the receiver sees the flag. */
TEST_F(pair, noqueue)
{
	struct ipcsvc_msg *m, *r;
	struct ipcsvc_msg_info info;

	ASSERT_EQ(0, send_blob(self->a, 1, "urgent", 6, IPCSVC_MSG_NOQUEUE));
	/* One message waits now: a second NoQueue message is refused. */
	EXPECT_EQ(-EBUSY, send_blob(self->a, 2, "urgent", 6, IPCSVC_MSG_NOQUEUE));
	EXPECT_EQ(-EBUSY, ipcsvc_channel_allocate_for_send_timeout(self->a, 0, 2, 0,
			IPCSVC_MSG_NOQUEUE, &m, ipcsvc_timeout_ns(1000000000)));
	EXPECT_EQ(NULL, m);
	/* Ordinary messages still queue. */
	EXPECT_EQ(0, send_blob(self->a, 3, "normal", 6, 0));
	ASSERT_EQ(0, ipcsvc_channel_receive(self->b, &r));
	ASSERT_EQ(0, ipcsvc_msg_info(r, &info));
	EXPECT_EQ(1, info.id);
	EXPECT_TRUE(info.flags & IPCSVC_MSG_NOQUEUE);
	/* Received is not enough: the queue empties on release. */
	ASSERT_EQ(0, ipcsvc_channel_release(self->b, r));
	EXPECT_EQ(-EBUSY, send_blob(self->a, 4, "u", 1, IPCSVC_MSG_NOQUEUE));
	ASSERT_EQ(0, ipcsvc_channel_receive(self->b, &r));
	ASSERT_EQ(0, ipcsvc_msg_info(r, &info));
	EXPECT_EQ(3, info.id);
	EXPECT_FALSE(info.flags & IPCSVC_MSG_NOQUEUE);
	/* An unsent allocation also counts as queued. */
	ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(self->a, 0, 5, 0, 0, &m));
	ASSERT_EQ(0, ipcsvc_channel_release(self->b, r));
	EXPECT_EQ(-EBUSY, send_blob(self->a, 6, "u", 1, IPCSVC_MSG_NOQUEUE));
	ASSERT_EQ(0, ipcsvc_channel_send(self->a, m));
	ASSERT_EQ(0, ipcsvc_channel_receive(self->b, &r));
	ASSERT_EQ(0, ipcsvc_channel_release(self->b, r));
	EXPECT_EQ(0, send_blob(self->a, 7, "u", 1, IPCSVC_MSG_NOQUEUE));
}

/*
 * @size is the payload: one object of @size bytes always fits what
 * allocate_for_send(size, 1) reserved, up to the largest message the ring
 * takes, and so does any split of @size bytes into at most @count objects.
 * An object past @size's padding, or one object more, does not.
 */
TEST_F(pair, allocation_counts_payload)
{
	uint64_t max = ((page_size() - 16) / 2) & ~7ULL;
	static const uint8_t zero[4096];
	struct ipcsvc_msg *m;
	void *p;

	ASSERT_EQ(0, fixed_size(self));
	for (uint64_t size = 0; size <= max - 56; size++) {
		ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(self->a, size, 1,
							      1, 0, &m))
			TH_LOG("size %llu", (unsigned long long)size);
		/* past the padding of @size: no room */
		EXPECT_EQ(-EMSGSIZE, ipcsvc_msg_add_object(m, 0, zero,
							   ((size + 7) & ~7ULL) + 1));
		ASSERT_EQ(0, ipcsvc_msg_reserve_object(m, 0, size, &p));
		EXPECT_EQ(-E2BIG, ipcsvc_msg_add_object(m, 0, NULL, 0));
		ASSERT_EQ(0, ipcsvc_channel_send(self->a, m));
		ASSERT_EQ(0, ipcsvc_channel_receive(self->b, &m));
		ASSERT_EQ(0, ipcsvc_channel_release(self->b, m));
	}
	/* The largest payload of one object in this ring, and one past it. */
	EXPECT_EQ(-EMSGSIZE, ipcsvc_channel_allocate_for_send(self->a,
			max - 56 + 1, 1, 1, 0, &m));
	/* Splits: every object one byte past a multiple of 8 takes the most
	 * padding; the reservation has room for exactly that. */
	for (uint64_t count = 1; count <= 8; count++) {
		uint64_t size = count * 9;

		ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(self->a, size, 2,
							      count, 0, &m));
		for (uint64_t k = 0; k < count; k++)
			ASSERT_EQ(0, ipcsvc_msg_add_object(m, k, zero, 9));
		EXPECT_EQ(-E2BIG, ipcsvc_msg_add_object(m, 0, NULL, 0));
		ASSERT_EQ(0, ipcsvc_channel_send(self->a, m));
		ASSERT_EQ(0, ipcsvc_channel_receive(self->b, &m));
		ASSERT_EQ(0, ipcsvc_channel_release(self->b, m));
		/* count - 1 one-byte objects and the rest in one */
		ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(self->a, size, 3,
							      count, 0, &m));
		for (uint64_t k = 0; k + 1 < count; k++)
			ASSERT_EQ(0, ipcsvc_msg_add_object(m, k, zero, 1));
		ASSERT_EQ(0, ipcsvc_msg_add_object(m, 9, zero,
						   size - (count - 1)));
		ASSERT_EQ(0, ipcsvc_channel_send(self->a, m));
		ASSERT_EQ(0, ipcsvc_channel_receive(self->b, &m));
		ASSERT_EQ(0, ipcsvc_channel_release(self->b, m));
	}
	/* What the reservation takes is ipcsvc_msg_space(). */
	EXPECT_EQ(40 + 16 + 8, ipcsvc_msg_space(1, 1));
	EXPECT_EQ(40 + 16 + 8, ipcsvc_msg_space(8, 1));
	EXPECT_EQ(40 + 16 + 16, ipcsvc_msg_space(9, 1));
	EXPECT_EQ(40 + 32 + 16, ipcsvc_msg_space(9, 2));	/* 1 + 8 */
	EXPECT_EQ(40 + 48 + 16, ipcsvc_msg_space(2, 3));	/* 1 + 1 + 0 */
	EXPECT_EQ(40, ipcsvc_msg_space(0, 0));
	EXPECT_EQ(48, ipcsvc_msg_space(3, 0));
}

/* The largest message is half the committed ring (less the wrap room), and
 * always fits an empty ring wherever its head stands. */
TEST_F(pair, max_message_size)
{
	uint64_t max = ((page_size() - 16) / 2) & ~7ULL;
	struct ipcsvc_msg *m;

	ASSERT_EQ(0, fixed_size(self));
	EXPECT_EQ(-EMSGSIZE, ipcsvc_channel_allocate_for_send(self->a,
			max - 40 + 8, 0, 0, 0, &m));
	EXPECT_EQ(-EMSGSIZE, ipcsvc_channel_allocate_for_send(self->a,
			UINT64_MAX - 3, 0, 0, 0, &m));
	/* Move the empty ring's head about with fillers of varying size; a
	 * largest message must fit wherever it stands. */
	for (uint64_t step = 0; step < 600; step++) {
		ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(self->a,
				8 * (step * 7 % 97), 0, 0, 0, &m));
		ASSERT_EQ(0, ipcsvc_channel_send(self->a, m));
		ASSERT_EQ(0, ipcsvc_channel_receive(self->b, &m));
		ASSERT_EQ(0, ipcsvc_channel_release(self->b, m));
		ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(self->a, max - 40,
							      step, 0, 0, &m));
		ASSERT_EQ(0, ipcsvc_channel_send(self->a, m));
		ASSERT_EQ(0, ipcsvc_channel_receive(self->b, &m));
		ASSERT_EQ(0, ipcsvc_channel_release(self->b, m));
	}
	/* After growth the limit grows too. */
	ASSERT_EQ(0, ipcsvc_channel_grow(self->a, 2 * page_size()));
	EXPECT_EQ(0, ipcsvc_channel_allocate_for_send(self->a, max, 0, 0, 0, &m));
	ASSERT_EQ(0, ipcsvc_channel_send(self->a, m));
}

/* Growth while messages sit in a wrapped ring: nothing is lost, later
 * messages use the new room, and the receiver follows identity.size. */
TEST_F(pair, grow_with_messages_in_flight)
{
	uint8_t buf[2100];
	struct ipcsvc_channel_info ci;
	struct ipcsvc_msg *m;
	uint64_t sent = 0, got = 0;
	int rc;

	ASSERT_EQ(0, fixed_size(self));
	/* Wrap once, and leave messages on both sides of the wrap. */
	for (int i = 0; i < 5; i++) {
		pattern(buf, 700, sent);
		ASSERT_EQ(0, send_blob(self->a, sent++, buf, 700, 0));
	}
	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(0, ipcsvc_channel_receive(self->b, &m));
		ASSERT_EQ(0, ipcsvc_channel_release(self->b, m));
		got++;
	}
	for (int i = 0; i < 3; i++) {
		pattern(buf, 700, sent);
		ASSERT_EQ(0, send_blob(self->a, sent++, buf, 700, 0));
	}
	ASSERT_LT(area_prod(&self->a2b)->tail, area_cons(&self->a2b)->head);
	pattern(buf, 2100, sent);
	EXPECT_EQ(-EMSGSIZE, send_blob(self->a, sent, buf, 2100, 0));

	ASSERT_EQ(0, ipcsvc_channel_grow(self->a, 4 * page_size()));
	EXPECT_EQ(4 * page_size(), area_id(&self->a2b)->size);
	/* Still behind the consumer until it passes the old wrap marker. */
	for (int i = 0; i < 40; i++) {
		pattern(buf, 2100, sent);
		rc = send_blob(self->a, sent, buf, 2100, 0);

		if (rc == -EAGAIN) {
			ASSERT_EQ(0, take_blob(self->b, got));
			got++;
			continue;
		}
		ASSERT_EQ(0, rc);
		sent++;
	}
	ASSERT_EQ(0, ipcsvc_channel_info(self->b, &ci));
	EXPECT_EQ(4 * page_size(), ci.rx_size);
	while ((rc = take_blob(self->b, got)) == 0)
		got++;
	ASSERT_EQ(-EAGAIN, rc);
	EXPECT_EQ(sent, got);
	EXPECT_LT(10, sent);
}

/* Blocking calls give up at their deadline, not before, in every mode. */
TEST_F(pair, receive_timeout_on_empty)
{
	static const uint32_t modes[] = {
		IPCSVC_WAIT_ADAPTIVE, IPCSVC_WAIT_BUSY_POLL, IPCSVC_WAIT_SLEEP,
	};

	for (unsigned int i = 0; i < 3; i++) {
		struct ipcsvc_channel_attr attr = {
			.size = sizeof(attr), .wait_mode = modes[i],
		};
		struct ipcsvc_channel *ch;
		struct ipcsvc_msg *m = (void *)1;
		uint64_t t0, dt;

		ASSERT_EQ(0, ipcsvc_channel_open(NULL, 0, self->a2b.mem,
						 self->a2b.len, &attr, &ch));
		t0 = now_ns();
		EXPECT_EQ(-ETIMEDOUT, ipcsvc_channel_receive_timeout(ch, &m, ipcsvc_timeout_ns(20000000)));
		dt = now_ns() - t0;
		EXPECT_EQ(NULL, m);
		EXPECT_LE(20000000, dt);
		EXPECT_GT(5000000000ULL, dt);
		/* Zero: one look, no wait. */
		EXPECT_EQ(-ETIMEDOUT, ipcsvc_channel_receive_timeout(ch, &m, ipcsvc_timeout_ns(0)));
		/* Below 1 ms the clock is read before any spin; the limit
		 * holds all the same. */
		t0 = now_ns();
		EXPECT_EQ(-ETIMEDOUT, ipcsvc_channel_receive_timeout(ch, &m, ipcsvc_timeout_ns(300000)));
		EXPECT_LE(300000, now_ns() - t0);
		/* A deadline that has passed: one look, whatever the mode. */
		EXPECT_EQ(-ETIMEDOUT, ipcsvc_channel_receive_timeout(ch, &m, ipcsvc_timeout_at(ipcsvc_clock_now() - 1)));
		ASSERT_EQ(0, send_blob(self->a, 7, "x", 1, 0));
		EXPECT_EQ(0, ipcsvc_channel_receive_timeout(ch, &m, ipcsvc_timeout_at(0)));
		EXPECT_EQ(0, ipcsvc_channel_release(ch, m));
		ipcsvc_channel_close(ch);
	}
}

/* A message that is there is taken without waiting. */
TEST_F(pair, receive_timeout_with_message)
{
	struct ipcsvc_msg *m;

	ASSERT_EQ(0, send_blob(self->a, 5, "x", 1, 0));
	ASSERT_EQ(0, ipcsvc_channel_receive_timeout(self->b, &m, ipcsvc_timeout_never()));
	ASSERT_EQ(0, ipcsvc_channel_release(self->b, m));
}

/* A second opener of the same areas resumes where the first stopped. */
TEST_F(pair, reopen_resumes)
{
	struct ipcsvc_msg *m;

	ASSERT_EQ(0, send_blob(self->a, 1, "x", 1, 0));
	ASSERT_EQ(0, send_blob(self->a, 2, "y", 1, 0));
	ASSERT_EQ(0, ipcsvc_channel_receive(self->b, &m));
	ASSERT_EQ(0, ipcsvc_channel_release(self->b, m));
	ipcsvc_channel_close(self->a);
	ipcsvc_channel_close(self->b);
	ASSERT_EQ(0, test_ends_open(&self->a2b, &self->b2a, &self->a,
				    &self->b));
	ASSERT_EQ(0, send_blob(self->a, 3, "z", 1, 0));
	EXPECT_EQ(2, take_id(self->b));
	EXPECT_EQ(3, take_id(self->b));
}

/*
 * A channel with one message in flight at a time keeps using the first
 * bytes of its ring, whatever its maximum: the producer starts again at 0
 * whenever it finds the ring empty, so the other pages are never touched
 * and never become resident (mincore() of the memfd's pages).
 */
TEST(one_in_flight_stays_in_first_pages)
{
	const uint64_t page = page_size(), max = 256 * page;
	static const uint8_t buf[1024];
	struct ipcsvc_channel *tx, *rx;
	struct test_area a;
	unsigned char *vec;
	size_t resident = 0, npages = max / page;

	/* all of it committed, so that only the producer's choice of
	 * offsets decides which pages are touched */
	ASSERT_EQ(0, test_area_make(&a, max, max));
	ASSERT_EQ(0, ipcsvc_channel_open(a.mem, a.len, NULL, 0, NULL, &tx));
	ASSERT_EQ(0, ipcsvc_channel_open(NULL, 0, a.mem, a.len, NULL, &rx));
	for (int i = 0; i < 10000; i++) {
		uint64_t len = i % 2 ? 64 : sizeof(buf);

		ASSERT_EQ(0, send_blob(tx, (uint64_t)i, buf, len, 0));
		ASSERT_EQ(i, take_id(rx));
	}
	vec = calloc(npages, 1);
	ASSERT_NE(NULL, vec);
	ASSERT_EQ(0, mincore(area_data(&a), max, vec));
	for (size_t i = 0; i < npages; i++)
		resident += vec[i] & 1;
	/* two messages of 1 KiB and a marker: the first page */
	EXPECT_GE(1, resident) TH_LOG("%zu of %zu data pages resident",
				     resident, npages);
	free(vec);
	ipcsvc_channel_close(tx);
	ipcsvc_channel_close(rx);
	test_area_free(&a);
}

TEST_HARNESS_MAIN
