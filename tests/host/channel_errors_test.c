// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host tests of the error path of every channel call: null and bad
 * arguments, unknown flags and attributes, areas that are not formatted or
 * are formatted wrongly, growth that shrinks or passes max_size, and
 * message handles that are not the caller's to use (another channel's,
 * the other direction's, released, sent, or never handed out), before the
 * first message too. Each is refused with its documented errno.
 */
#include <errno.h>
#include <string.h>

#include "channel_pair.h"
#include "kselftest_harness.h"

TEST_F(pair, grow_errors)
{
	EXPECT_EQ(-EINVAL, ipcsvc_channel_grow(NULL, page_size()));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_grow(self->a, page_size() + 8));
	EXPECT_EQ(-EFBIG, ipcsvc_channel_grow(self->a, 5 * page_size()));
	EXPECT_EQ(0, ipcsvc_channel_grow(self->a, page_size()));
	EXPECT_EQ(0, ipcsvc_channel_grow(self->a, 2 * page_size()));
	/* Never shrinks. */
	EXPECT_EQ(-EINVAL, ipcsvc_channel_grow(self->a, page_size()));
	EXPECT_EQ(2 * page_size(), area_id(&self->a2b)->size);
}

TEST(area_format_errors)
{
	struct ipcsvc_area_params p = {
		.size = page_size(), .max_size = page_size(),
		.protocol_name = "p",
	};
	size_t len = 4 * page_size();
	void *mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct ipcsvc_channel *ch;
	char longname[80];

	ASSERT_NE(MAP_FAILED, mem);
	EXPECT_EQ((int64_t)len, ipcsvc_area_bytes(page_size()));
	EXPECT_EQ(-EINVAL, ipcsvc_area_bytes(0));
	EXPECT_EQ(-EINVAL, ipcsvc_area_bytes(page_size() + 1));
	EXPECT_EQ(-EINVAL, ipcsvc_area_bytes(IPCSVC_AREA_MAX_SIZE_LIMIT * 2));
	EXPECT_EQ(-EINVAL, ipcsvc_area_format(NULL, len, &p));
	EXPECT_EQ(-EINVAL, ipcsvc_area_format(mem, len, NULL));
	EXPECT_EQ(-EINVAL, ipcsvc_area_format((char *)mem + 8, len - 8, &p));
	EXPECT_EQ(-ENOSPC, ipcsvc_area_format(mem, len - 1, &p));
	p.size = 2 * page_size();
	EXPECT_EQ(-EINVAL, ipcsvc_area_format(mem, len, &p));
	p.size = page_size() / 2;
	EXPECT_EQ(-EINVAL, ipcsvc_area_format(mem, len, &p));
	p.size = page_size();
	p.protocol_name = "";
	EXPECT_EQ(-EINVAL, ipcsvc_area_format(mem, len, &p));
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	p.protocol_name = longname;
	EXPECT_EQ(-EINVAL, ipcsvc_area_format(mem, len, &p));
	p.protocol_name = NULL;
	EXPECT_EQ(-EINVAL, ipcsvc_area_format(mem, len, &p));
	/* Not formatted: the channel refuses it. */
	EXPECT_EQ(-EPROTO, ipcsvc_channel_open(mem, len, NULL, 0, NULL, &ch));
	EXPECT_EQ(NULL, ch);
	p.protocol_name = "proto";
	ASSERT_EQ(0, ipcsvc_area_format(mem, len, &p));
	EXPECT_EQ(5, area_id(&(struct test_area){ .mem = mem })->protocol_name_len);
	EXPECT_EQ(0, memcmp(((struct ipcsvc_area_identity *)mem)->protocol_name,
			    "proto", 5));
	EXPECT_EQ(0, ((struct ipcsvc_area_identity *)mem)->reserved_lock);
	EXPECT_EQ(IPCSVC_AREA_MAGIC, ((struct ipcsvc_area_identity *)mem)->magic);
	/* A mapping shorter than the identity page claims. */
	EXPECT_EQ(-EPROTO, ipcsvc_channel_open(mem, len - page_size(), NULL, 0,
					       NULL, &ch));
	EXPECT_EQ(0, ipcsvc_channel_open(mem, len, NULL, 0, NULL, &ch));
	ipcsvc_channel_close(ch);
	/* 0 is nothing committed yet, as the module starts an area. */
	p.size = 0;
	EXPECT_EQ(0, ipcsvc_area_format(mem, len, &p));
	EXPECT_EQ(0, ((struct ipcsvc_area_identity *)mem)->size);
	munmap(mem, len);
}

TEST_F(pair, open_errors)
{
	struct ipcsvc_channel_attr attr = { .size = sizeof(attr) };
	struct ipcsvc_channel *ch = (void *)1;
	void *tx = self->a2b.mem, *rx = self->b2a.mem;
	size_t l = self->a2b.len;

	EXPECT_EQ(-EINVAL, ipcsvc_channel_open(tx, l, rx, l, NULL, NULL));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_open(NULL, 0, NULL, 0, NULL, &ch));
	EXPECT_EQ(NULL, ch);
	EXPECT_EQ(-EINVAL, ipcsvc_channel_open(tx, 0, NULL, 0, NULL, &ch));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_open(tx, l, tx, l, NULL, &ch));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_open((char *)tx + 1, l, NULL, 0, NULL, &ch));
	/* Unknown flags are refused; the known one is taken. */
	attr.flags = IPCSVC_CHANNEL_NO_AUTOGROW << 1;
	EXPECT_EQ(-EINVAL, ipcsvc_channel_open(tx, l, rx, l, &attr, &ch));
	attr.flags = ~(uint32_t)IPCSVC_CHANNEL_FLAGS;
	EXPECT_EQ(-EINVAL, ipcsvc_channel_open(tx, l, rx, l, &attr, &ch));
	attr.flags = 1U << 31 | IPCSVC_CHANNEL_NO_AUTOGROW;
	EXPECT_EQ(-EINVAL, ipcsvc_channel_open(tx, l, rx, l, &attr, &ch));
	attr.flags = IPCSVC_CHANNEL_NO_AUTOGROW;
	ASSERT_EQ(0, ipcsvc_channel_open(tx, l, rx, l, &attr, &ch));
	ipcsvc_channel_close(ch);
	attr.flags = 0;
	attr.wait_mode = 3;
	EXPECT_EQ(-EINVAL, ipcsvc_channel_open(tx, l, rx, l, &attr, &ch));
	attr.wait_mode = 0;
	attr.size = 4;
	EXPECT_EQ(-EINVAL, ipcsvc_channel_open(tx, l, rx, l, &attr, &ch));
	ipcsvc_channel_close(NULL);
}

/* Before its first message a channel has no descriptor tables: a handle
 * from elsewhere is refused all the same, and first use makes them. */
TEST_F(pair, handles_before_first_use)
{
	struct ipcsvc_msg *m = NULL, *r = NULL, *next;
	struct ipcsvc_msg_info info;
	static uint64_t fake[16];

	EXPECT_EQ(-EINVAL, ipcsvc_channel_release(self->b,
						  (struct ipcsvc_msg *)fake));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_send(self->a,
					       (struct ipcsvc_msg *)fake));
	EXPECT_EQ(-EAGAIN, ipcsvc_channel_receive(self->b, &r));
	ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(self->a, 8, 7, 1, 0, &m));
	/* a's descriptor is not b's, nor a received one */
	EXPECT_EQ(-EINVAL, ipcsvc_channel_release(self->b, m));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_release(self->a, m));
	ASSERT_EQ(0, ipcsvc_msg_add_object(m, 1, "12345678", 8));
	ASSERT_EQ(0, ipcsvc_channel_send(self->a, m));
	ASSERT_EQ(0, ipcsvc_channel_receive(self->b, &r));
	ASSERT_EQ(0, ipcsvc_msg_info(r, &info));
	EXPECT_EQ(7, info.id);
	/* the next descriptor of the table (a cache line each, in
	 * lib/queue.h): not handed out */
	next = (struct ipcsvc_msg *)((char *)r + 64);
	EXPECT_EQ(-EINVAL, ipcsvc_msg_info(next, &info));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_release(self->b, next));
	EXPECT_EQ(0, ipcsvc_channel_release(self->b, r));
}

TEST_F(pair, call_errors)
{
	struct ipcsvc_msg *m = (void *)1, *r, *other;
	struct ipcsvc_msg_info info;
	struct ipcsvc_object o = { 0 };
	struct ipcsvc_channel_info ci;
	struct ipcsvc_channel *rxonly;
	void *p;

	/* allocate */
	EXPECT_EQ(-EINVAL, ipcsvc_channel_allocate_for_send(NULL, 0, 0, 0, 0, &m));
	EXPECT_EQ(NULL, m);
	EXPECT_EQ(-EINVAL, ipcsvc_channel_allocate_for_send(self->a, 0, 0, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_allocate_for_send(self->a, 0, 0, 0, 1ULL << 4, &m));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_allocate_for_send(self->a, 0, 0, 0,
			IPCSVC_MSG_WRITTEN, &m));
	EXPECT_EQ(-EMSGSIZE, ipcsvc_channel_allocate_for_send(self->a, 32, 0,
			UINT64_MAX, 0, &m));
	EXPECT_EQ(-EMSGSIZE, ipcsvc_channel_allocate_for_send(self->a, 32, 0,
			IPCSVC_AREA_MAX_SIZE_LIMIT / 23 + 1, 0, &m));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_allocate_for_send_timeout(self->a, 0, 0, 0,
			1ULL << 63, &m, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_allocate_for_send_timeout(NULL, 0, 0, 0,
			0, &m, ipcsvc_timeout_ns(0)));
	ASSERT_EQ(0, ipcsvc_channel_open(NULL, 0, self->a2b.mem, self->a2b.len,
					 NULL, &rxonly));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_allocate_for_send(rxonly, 0, 0, 0, 0, &m));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_grow(rxonly, page_size()));

	/* objects */
	ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(self->a,
			8, 1, 1, 0, &m));
	EXPECT_EQ(-EINVAL, ipcsvc_msg_add_object(NULL, 0, "x", 1));
	EXPECT_EQ(-EINVAL, ipcsvc_msg_add_object(m, 0, NULL, 1));
	EXPECT_EQ(-EINVAL, ipcsvc_msg_reserve_object(m, 0, 1, NULL));
	EXPECT_EQ(-EMSGSIZE, ipcsvc_msg_add_object(m, 0, "0123456789", 9));
	EXPECT_EQ(-EMSGSIZE, ipcsvc_msg_reserve_object(m, 0, UINT64_MAX, &p));
	EXPECT_EQ(-EMSGSIZE, ipcsvc_msg_reserve_object(m, 0, UINT64_MAX - 20, &p));
	EXPECT_EQ(0, ipcsvc_msg_add_object(m, 0, "01234567", 8));
	EXPECT_EQ(-E2BIG, ipcsvc_msg_add_object(m, 0, NULL, 0));
	/* a message being written: its objects so far */
	EXPECT_EQ(1, ipcsvc_msg_next_object(m, &o));
	EXPECT_EQ(8u, o.length);
	EXPECT_EQ(0, memcmp(o.data, "01234567", 8));
	EXPECT_EQ(0, ipcsvc_msg_next_object(m, &o));
	memset(&o, 0, sizeof(o));
	EXPECT_EQ(0, ipcsvc_msg_info(m, &info));
	EXPECT_EQ(-EINVAL, ipcsvc_msg_info(m, NULL));
	EXPECT_EQ(-EINVAL, ipcsvc_msg_info(NULL, &info));

	/* send */
	EXPECT_EQ(-EINVAL, ipcsvc_channel_send(NULL, m));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_send(self->a, NULL));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_send(self->b, m));	/* other channel */
	EXPECT_EQ(-EINVAL, ipcsvc_channel_send(rxonly, m));
	ASSERT_EQ(0, ipcsvc_channel_send(self->a, m));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_send(self->a, m));	/* twice */
	EXPECT_EQ(-EINVAL, ipcsvc_msg_add_object(m, 0, NULL, 0));	/* after send */

	/* receive */
	EXPECT_EQ(-EINVAL, ipcsvc_channel_receive(NULL, &r));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_receive(self->b, NULL));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_receive_timeout(NULL, &r, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_receive_timeout(self->b, NULL, ipcsvc_timeout_ns(0)));
	ASSERT_EQ(0, ipcsvc_channel_receive(self->b, &r));
	EXPECT_EQ(-EINVAL, ipcsvc_msg_next_object(r, NULL));
	EXPECT_EQ(-EINVAL, ipcsvc_msg_next_object(NULL, &o));
	EXPECT_EQ(-EINVAL, ipcsvc_msg_add_object(r, 0, NULL, 0));	/* received */
	EXPECT_EQ(-EINVAL, ipcsvc_channel_send(self->b, r));
	/* a cursor that we did not hand out */
	o.index = 5;
	EXPECT_EQ(-EINVAL, ipcsvc_msg_next_object(r, &o));

	/* release */
	EXPECT_EQ(-EINVAL, ipcsvc_channel_release(NULL, r));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_release(self->b, NULL));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_release(self->a, r));	/* other channel */
	EXPECT_EQ(-EINVAL, ipcsvc_channel_release(rxonly, r));
	ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(self->b, 0, 0, 0, 0, &other));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_release(self->b, other));	/* a tx handle */
	ASSERT_EQ(0, ipcsvc_channel_send(self->b, other));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_release(self->b, (struct ipcsvc_msg *)((char *)r + 1)));
	ASSERT_EQ(0, ipcsvc_channel_release(self->b, r));
	EXPECT_EQ(-EINVAL, ipcsvc_msg_info(r, &info));	/* released */

	/* info */
	EXPECT_EQ(-EINVAL, ipcsvc_channel_info(NULL, &ci));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_info(self->a, NULL));
	ASSERT_EQ(0, ipcsvc_channel_info(self->a, &ci));
	EXPECT_EQ(page_size(), ci.tx_size);
	EXPECT_EQ(4 * page_size(), ci.tx_max_size);
	EXPECT_EQ(0, ci.broken);
	ipcsvc_channel_close(rxonly);
}

TEST_HARNESS_MAIN
