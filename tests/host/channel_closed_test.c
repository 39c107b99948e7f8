// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host tests of identity.closed: the tests play the module's part, setting
 * the flag in both identity pages and waking every sleeper, as
 * ipcsvc_area_kill() does. Receive delivers what was published before the
 * close and then says -EPIPE; allocation on a full ring says -EPIPE; the
 * blocking calls end promptly with -EPIPE in every wait mode.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "channel_helpers.h"
#include "kselftest_harness.h"

FIXTURE(closed) {
	struct test_area a2b, b2a;
	struct ipcsvc_channel *a, *b;
};

FIXTURE_VARIANT(closed) {
	uint32_t mode;
};

FIXTURE_VARIANT_ADD(closed, adaptive) { .mode = IPCSVC_WAIT_ADAPTIVE };
FIXTURE_VARIANT_ADD(closed, busy_poll) { .mode = IPCSVC_WAIT_BUSY_POLL };
FIXTURE_VARIANT_ADD(closed, sleep) { .mode = IPCSVC_WAIT_SLEEP };

FIXTURE_SETUP(closed)
{
	/* Side a sends on a ring of fixed size; side b may grow its own. */
	struct ipcsvc_channel_attr fixed = {
		.size = sizeof(fixed), .flags = IPCSVC_CHANNEL_NO_AUTOGROW,
		.wait_mode = variant->mode,
	};
	struct ipcsvc_channel_attr grow = {
		.size = sizeof(grow), .wait_mode = variant->mode,
	};

	ASSERT_EQ(0, test_area_make(&self->a2b, page_size(), 4 * page_size()));
	ASSERT_EQ(0, test_area_make(&self->b2a, page_size(), 2 * page_size()));
	ASSERT_EQ(0, ipcsvc_channel_open(self->a2b.mem, self->a2b.len,
					 self->b2a.mem, self->b2a.len, &fixed,
					 &self->a));
	ASSERT_EQ(0, ipcsvc_channel_open(self->b2a.mem, self->b2a.len,
					 self->a2b.mem, self->a2b.len, &grow,
					 &self->b));
}

FIXTURE_TEARDOWN(closed)
{
	ipcsvc_channel_close(self->a);
	ipcsvc_channel_close(self->b);
	test_area_free(&self->a2b);
	test_area_free(&self->b2a);
}

/* The object space of every message these tests send: 8 bytes. */
#define SZ 8

/* Fill @ch's ring with such messages; returns how many were sent. */
static int fill(struct ipcsvc_channel *ch)
{
	static const char x[8] = "payload";
	int n = 0, rc;

	while ((rc = send_blob(ch, 1000 + n, x, sizeof(x), 0)) == 0)
		n++;
	return rc == -EAGAIN ? n : rc;
}

TEST_F(closed, flag_starts_clear)
{
	struct ipcsvc_msg *m;

	EXPECT_EQ(0, area_id(&self->a2b)->closed);
	EXPECT_EQ(0, area_id(&self->b2a)->closed);
	EXPECT_EQ(-EAGAIN, ipcsvc_channel_receive(self->b, &m));
	EXPECT_EQ(-ETIMEDOUT, ipcsvc_channel_receive_timeout(self->b, &m,
							     ipcsvc_timeout_ns(1000000)));
}

/* Everything published before the close comes out first, then -EPIPE. */
TEST_F(closed, receive_drains_then_epipe)
{
	static const char x[4] = "abc";
	struct ipcsvc_msg *m;

	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, send_blob(self->a, 10 + i, x, sizeof(x), 0));
	test_close_channel(&self->a2b, &self->b2a);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(10 + i, take_id(self->b));
	EXPECT_EQ(-EPIPE, ipcsvc_channel_receive(self->b, &m));
	EXPECT_EQ(NULL, m);
	EXPECT_EQ(-EPIPE, ipcsvc_channel_receive(self->b, &m));
	EXPECT_EQ(-EPIPE, ipcsvc_channel_receive_timeout(self->b, &m, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(-EPIPE, ipcsvc_channel_receive_timeout(self->b, &m, ipcsvc_timeout_never()));
	/* The other direction too: a's rx area is b2a. */
	EXPECT_EQ(-EPIPE, ipcsvc_channel_receive(self->a, &m));
}

/* A message held at the close can still be released; nothing breaks. */
TEST_F(closed, release_after_close)
{
	static const char x[4] = "abc";
	struct ipcsvc_channel_info info;
	struct ipcsvc_msg *m;

	ASSERT_EQ(0, send_blob(self->a, 5, x, sizeof(x), 0));
	ASSERT_EQ(0, ipcsvc_channel_receive(self->b, &m));
	test_close_channel(&self->a2b, &self->b2a);
	EXPECT_EQ(0, ipcsvc_channel_release(self->b, m));
	EXPECT_EQ(-EPIPE, ipcsvc_channel_receive(self->b, &m));
	ASSERT_EQ(0, ipcsvc_channel_info(self->b, &info));
	EXPECT_EQ(0u, info.broken);
}

/* A full ring of fixed size: -EAGAIN while open, -EPIPE once closed. */
TEST_F(closed, allocate_full_fixed)
{
	struct ipcsvc_msg *m;

	ASSERT_LT(0, fill(self->a));
	EXPECT_EQ(-EAGAIN, ipcsvc_channel_allocate_for_send(self->a, SZ, 1, 1,
							    0, &m));
	test_close_channel(&self->a2b, &self->b2a);
	EXPECT_EQ(-EPIPE, ipcsvc_channel_allocate_for_send(self->a, SZ, 1, 1,
							   0, &m));
	EXPECT_EQ(NULL, m);
	EXPECT_EQ(-EPIPE, ipcsvc_channel_allocate_for_send_timeout(self->a, SZ,
								   1, 1, 0, &m,
								   ipcsvc_timeout_ns(0)));
	EXPECT_EQ(-EPIPE, ipcsvc_channel_allocate_for_send_timeout(self->a, SZ,
								   1, 1, 0, &m,
								   ipcsvc_timeout_never()));
}

/* With auto-growth, a ring grown to max_size and full: -EPIPE too. */
TEST_F(closed, allocate_full_grown)
{
	struct ipcsvc_channel_info info;
	struct ipcsvc_msg *m;

	ASSERT_LT(0, fill(self->b));
	ASSERT_EQ(0, ipcsvc_channel_info(self->b, &info));
	EXPECT_EQ(info.tx_max_size, info.tx_size);
	test_close_channel(&self->a2b, &self->b2a);
	EXPECT_EQ(-EPIPE, ipcsvc_channel_allocate_for_send(self->b, SZ, 1, 1,
							   0, &m));
	EXPECT_EQ(-EPIPE, ipcsvc_channel_allocate_for_send_timeout(self->b, SZ,
								   1, 1, 0, &m,
								   ipcsvc_timeout_never()));
}

/* Allocation with room left still succeeds: the close costs no load on
 * that path, and the message is simply never read. */
TEST_F(closed, allocate_with_room)
{
	struct ipcsvc_msg *m;

	test_close_channel(&self->a2b, &self->b2a);
	ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(self->a, SZ, 1, 1, 0,
						      &m));
	EXPECT_EQ(0, ipcsvc_msg_add_object(m, 1, "12345678", 8));
	EXPECT_EQ(0, ipcsvc_channel_send(self->a, m));
}

struct blocked {
	struct ipcsvc_channel *ch;
	bool send;
	int rc;
	_Atomic bool done;
};

static void *blocked_call(void *arg)
{
	struct blocked *b = arg;
	struct ipcsvc_msg *m;

	if (b->send)
		b->rc = ipcsvc_channel_allocate_for_send_timeout(b->ch, SZ, 1,
								 1, 0, &m, ipcsvc_timeout_never());
	else
		b->rc = ipcsvc_channel_receive_timeout(b->ch, &m, ipcsvc_timeout_never());
	atomic_store(&b->done, true);
	return NULL;
}

/* Run a call that waits for ever, close the channel under it, and expect
 * it back with -EPIPE within two seconds. */
static void close_under(struct __test_metadata *_metadata,
			FIXTURE_DATA(closed) *self, struct blocked *b)
{
	uint64_t until;
	pthread_t th;

	atomic_init(&b->done, false);
	ASSERT_EQ(0, pthread_create(&th, NULL, blocked_call, b));
	usleep(20000);
	EXPECT_FALSE(atomic_load(&b->done));
	test_close_channel(&self->a2b, &self->b2a);
	until = now_ns() + 2000000000ULL;
	while (!atomic_load(&b->done) && now_ns() < until)
		usleep(1000);
	EXPECT_TRUE(atomic_load(&b->done));
	if (!atomic_load(&b->done)) {
		/* Release it so that the test can end. */
		pthread_cancel(th);
	}
	pthread_join(th, NULL);
	EXPECT_EQ(-EPIPE, b->rc);
}

TEST_F(closed, blocked_receive_returns)
{
	struct blocked b = { .ch = self->b, .send = false };

	close_under(_metadata, self, &b);
}

TEST_F(closed, blocked_allocate_returns)
{
	struct blocked b = { .ch = self->a, .send = true };

	ASSERT_LT(0, fill(self->a));
	close_under(_metadata, self, &b);
}

TEST_HARNESS_MAIN
