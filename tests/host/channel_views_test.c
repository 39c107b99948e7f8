// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host tests of a channel opened on its header pages alone, as the module
 * backend opens one (IPCSVC_MAP_HEADERS), with its data regions mapped by
 * the backend's map_data on first use:
 *  - nothing is mapped by opening, by an empty receive or by a look at
 *    the channel's state; the first allocation, or the first receive that
 *    finds a message, maps both areas once;
 *  - a failed mapping is that call's status, loses nothing, and the next
 *    call asks again;
 *  - the whole areas must be the ones the header pages described;
 *  - header pages must have the module's layout, and a backend that
 *    cannot map the rest cannot open them.
 * Each area here is a memfd: the header view is a second mapping of its
 * first three pages, so words and data reach the engine through different
 * mappings, as they do with the module.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "channel_helpers.h"
#include "../../lib/internal.h"
#include "kselftest_harness.h"

#define MAX_BYTES	(16 * 4096ULL)

/* The backend's state: the whole areas, handed out on demand. */
struct lazy {
	struct test_area *tx, *rx;	/* what map_data hands out */
	int err;			/* map_data fails with this, once */
	unsigned int calls;
};

static void whole(const struct test_area *a, struct ipcsvc__area_view *v)
{
	*v = (struct ipcsvc__area_view){ .area = a->mem, .len = a->len };
}

static int lazy_map_data(void *ctx, struct ipcsvc__area_view *tx,
			 struct ipcsvc__area_view *rx)
{
	struct lazy *l = ctx;
	int err = l->err;

	__atomic_fetch_add(&l->calls, 1, __ATOMIC_RELAXED);
	l->err = 0;
	if (err)
		return err;
	if (tx)
		whole(l->tx, tx);
	if (rx)
		whole(l->rx, rx);
	return 0;
}

/* The futex backend's calls (which ignore their context), and ours. */
static struct ipcsvc_wait_ops lazy_ops;

static void lazy_ops_make(void)
{
	lazy_ops = ipcsvc__futex_ops;
	lazy_ops.name = "lazy";
	lazy_ops.map_data = lazy_map_data;
}

/* A view of @a's header pages, mapped on their own at @hdr. */
static int header_view(const struct test_area *a, uint8_t **hdr,
		       struct ipcsvc__area_view *v)
{
	size_t p = page_size();
	void *m = mmap(NULL, 3 * p, PROT_READ | PROT_WRITE, MAP_SHARED, a->fd,
		       0);

	if (m == MAP_FAILED)
		return -errno;
	*hdr = m;
	*v = (struct ipcsvc__area_view){ .page = { *hdr, *hdr + p,
						   *hdr + 2 * p } };
	return 0;
}

FIXTURE(views) {
	struct test_area a, b;		/* a: we send; b: we receive */
	uint8_t *ha, *hb;		/* their header pages */
	struct ipcsvc__area_view va, vb;
	struct lazy lazy;
	struct ipcsvc_channel *ch;	/* ours, on header pages */
	struct ipcsvc_channel *peer;	/* the peer's, on whole areas */
};

FIXTURE_SETUP(views)
{
	ASSERT_EQ(0, test_area_make(&self->a, 0, MAX_BYTES));
	ASSERT_EQ(0, test_area_make(&self->b, 0, MAX_BYTES));
	ASSERT_EQ(0, header_view(&self->a, &self->ha, &self->va));
	ASSERT_EQ(0, header_view(&self->b, &self->hb, &self->vb));
	self->lazy.tx = &self->a;
	self->lazy.rx = &self->b;
	lazy_ops_make();
	ASSERT_EQ(0, ipcsvc__channel_open_views(&self->va, &self->vb, NULL,
						&lazy_ops, &self->lazy,
						&self->ch));
	ASSERT_EQ(0, ipcsvc_channel_open(self->b.mem, self->b.len,
					 self->a.mem, self->a.len, NULL,
					 &self->peer));
}

FIXTURE_TEARDOWN(views)
{
	ipcsvc_channel_close(self->ch);
	ipcsvc_channel_close(self->peer);
	munmap(self->ha, 3 * page_size());
	munmap(self->hb, 3 * page_size());
	test_area_free(&self->a);
	test_area_free(&self->b);
}

static int send_one(struct ipcsvc_channel *ch, uint64_t id, const char *s)
{
	struct ipcsvc_msg *m;
	int rc = ipcsvc_channel_allocate_for_send(ch, strlen(s), id, 1, 0, &m);

	if (!rc)
		rc = ipcsvc_msg_add_object(m, 1, s, strlen(s));
	if (!rc)
		rc = ipcsvc_channel_send(ch, m);
	return rc;
}

/* Receive one message whose object should read @s. 0 or the status. */
static int recv_one(struct ipcsvc_channel *ch, const char *s)
{
	struct ipcsvc_object o = { 0 };
	struct ipcsvc_msg *m;
	int rc = ipcsvc_channel_receive(ch, &m);

	if (rc)
		return rc;
	rc = ipcsvc_msg_next_object(m, &o) == 1 && o.length == strlen(s) &&
	     !memcmp(o.data, s, o.length) ? 0 : -EBADMSG;
	ipcsvc_channel_release(ch, m);
	return rc;
}

TEST_F(views, nothing_mapped_until_used)
{
	struct ipcsvc_channel_info info;
	struct ipcsvc_msg *m = (void *)1;

	EXPECT_EQ(0, ipcsvc_channel_info(self->ch, &info));
	EXPECT_EQ(MAX_BYTES, info.tx_max_size);
	EXPECT_EQ(-EAGAIN, ipcsvc_channel_receive(self->ch, &m));
	EXPECT_EQ(-ETIMEDOUT, ipcsvc_channel_receive_timeout(self->ch, &m,
			ipcsvc_timeout_ns(1000)));
	EXPECT_EQ(0, self->lazy.calls);
	/* growing commits, and touches no data */
	EXPECT_EQ(0, ipcsvc_channel_grow(self->ch, 2 * page_size()));
	EXPECT_EQ(0, self->lazy.calls);
}

TEST_F(views, first_send_maps_both_once)
{
	EXPECT_EQ(0, send_one(self->ch, 1, "hello"));
	EXPECT_EQ(1, self->lazy.calls);
	EXPECT_EQ(0, recv_one(self->peer, "hello"));
	EXPECT_EQ(0, send_one(self->peer, 2, "world"));
	EXPECT_EQ(0, recv_one(self->ch, "world"));
	EXPECT_EQ(0, send_one(self->ch, 3, "again"));
	EXPECT_EQ(0, recv_one(self->peer, "again"));
	EXPECT_EQ(1, self->lazy.calls);
	/* the words went through the header pages, where the peer reads */
	EXPECT_EQ(2, area_prod(&self->a)->published);
	EXPECT_EQ(1, area_cons(&self->b)->consumed);
}

TEST_F(views, first_receive_maps)
{
	EXPECT_EQ(0, send_one(self->peer, 7, "first"));
	EXPECT_EQ(0, self->lazy.calls);
	EXPECT_EQ(0, recv_one(self->ch, "first"));
	EXPECT_EQ(1, self->lazy.calls);
}

TEST_F(views, failed_mapping_loses_nothing)
{
	struct ipcsvc_msg *m = (void *)1;

	self->lazy.err = -ENOMEM;
	EXPECT_EQ(-ENOMEM, ipcsvc_channel_allocate_for_send(self->ch, 8, 1, 1,
							    0, &m));
	EXPECT_EQ(NULL, m);
	EXPECT_EQ(0, area_prod(&self->a)->published);
	/* a message waiting for us stays there through a failed receive */
	EXPECT_EQ(0, send_one(self->peer, 9, "kept"));
	self->lazy.err = -EBADSLT;
	EXPECT_EQ(-EBADSLT, ipcsvc_channel_receive(self->ch, &m));
	EXPECT_EQ(2, self->lazy.calls);
	EXPECT_EQ(0, recv_one(self->ch, "kept"));
	EXPECT_EQ(3, self->lazy.calls);
	EXPECT_EQ(0, send_one(self->ch, 2, "sent"));
	EXPECT_EQ(0, recv_one(self->peer, "sent"));
	EXPECT_EQ(3, self->lazy.calls);
}

/* Whole areas other than the ones the header pages described. */
TEST_F(views, other_areas_refused)
{
	struct test_area c;
	struct ipcsvc_msg *m;

	ASSERT_EQ(0, test_area_make(&c, 0, 2 * MAX_BYTES));
	self->lazy.tx = &c;
	EXPECT_EQ(-EPROTO, ipcsvc_channel_allocate_for_send(self->ch, 8, 1, 1,
							    0, &m));
	/* the same size, another name */
	test_area_free(&c);
	ASSERT_EQ(0, test_area_make(&c, 0, MAX_BYTES));
	area_id(&c)->protocol_name[0] ^= 1;
	EXPECT_EQ(-EPROTO, ipcsvc_channel_allocate_for_send(self->ch, 8, 1, 1,
							    0, &m));
	/* too short a mapping for the data region */
	area_id(&c)->protocol_name[0] ^= 1;
	c.len -= page_size();
	EXPECT_EQ(-EPROTO, ipcsvc_channel_allocate_for_send(self->ch, 8, 1, 1,
							    0, &m));
	c.len += page_size();
	/* the right ones, at last */
	self->lazy.tx = &self->a;
	EXPECT_EQ(0, send_one(self->ch, 1, "right"));
	EXPECT_EQ(0, recv_one(self->peer, "right"));
	test_area_free(&c);
}

/* Both sides' first use at once: one mapping. */
static void *first_receive(void *arg)
{
	struct ipcsvc_channel *ch = arg;
	struct ipcsvc_msg *m;
	intptr_t rc = ipcsvc_channel_receive_timeout(ch, &m,
			ipcsvc_timeout_ns(10 * 1000000000LL));

	if (!rc)
		rc = ipcsvc_channel_release(ch, m);
	return (void *)rc;
}

TEST_F(views, concurrent_first_use)
{
	pthread_t t;
	void *rc;

	ASSERT_EQ(0, pthread_create(&t, NULL, first_receive, self->ch));
	EXPECT_EQ(0, send_one(self->peer, 1, "to you"));
	EXPECT_EQ(0, send_one(self->ch, 2, "from me"));
	ASSERT_EQ(0, pthread_join(t, &rc));
	EXPECT_EQ(0, (intptr_t)rc);
	EXPECT_EQ(0, recv_one(self->peer, "from me"));
	EXPECT_EQ(1, self->lazy.calls);
}

/* Header pages alone need a backend that maps the rest. */
TEST_F(views, header_pages_need_map_data)
{
	struct ipcsvc_wait_ops ops = lazy_ops;
	struct ipcsvc_channel *ch = (void *)1;

	ops.map_data = NULL;
	EXPECT_EQ(-EINVAL, ipcsvc__channel_open_views(&self->va, NULL, NULL,
						      &ops, &self->lazy, &ch));
	EXPECT_EQ(NULL, ch);
}

/*
 * Words in other pages than the module's (producer words in the third
 * page) open as a whole area, where the identity's offsets say where
 * each is, but not as header pages, which assume the module's pages.
 */
TEST_F(views, header_pages_in_the_module_layout_only)
{
	struct ipcsvc_area_identity *id = area_id(&self->a);
	uint64_t poff = id->producer_offset, coff = id->consumer_offset;
	struct ipcsvc_channel *ch = (void *)1;

	id->producer_offset = 2 * page_size();
	id->consumer_offset = 2 * page_size() + 512;
	EXPECT_EQ(-EPROTO, ipcsvc__channel_open_views(&self->va, NULL, NULL,
						      &lazy_ops, &self->lazy,
						      &ch));
	EXPECT_EQ(NULL, ch);
	EXPECT_EQ(0, ipcsvc_channel_open(self->a.mem, self->a.len, NULL, 0,
					 NULL, &ch));
	ipcsvc_channel_close(ch);
	id->producer_offset = poff;
	id->consumer_offset = coff;
}

TEST_HARNESS_MAIN
