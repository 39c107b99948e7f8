// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Sync calls over plain shared memory (the futex backend): replies are
 * matched to calls by MessageId, with several calls outstanding from
 * several threads, replies out of order, timeouts and late replies.
 */
#include <pthread.h>
#include <stdbool.h>

#include "channel_helpers.h"
#include "kselftest_harness.h"

#define SEC	1000000000LL

FIXTURE(call) {
	struct test_area up, down;	/* client->server, server->client */
	struct ipcsvc_channel *client, *server;
};

FIXTURE_SETUP(call)
{
	ASSERT_EQ(0, test_area_make(&self->up, page_size(), 16 * page_size()));
	ASSERT_EQ(0, test_area_make(&self->down, page_size(),
				    16 * page_size()));
	ASSERT_EQ(0, ipcsvc_channel_open(self->up.mem, self->up.len,
					 self->down.mem, self->down.len, NULL,
					 &self->client));
	ASSERT_EQ(0, ipcsvc_channel_open(self->down.mem, self->down.len,
					 self->up.mem, self->up.len, NULL,
					 &self->server));
}

FIXTURE_TEARDOWN(call)
{
	ipcsvc_channel_close(self->client);
	ipcsvc_channel_close(self->server);
	test_area_free(&self->up);
	test_area_free(&self->down);
}

/* A request or reply: one object of @len pattern bytes seeded by @id. */
static int prepare(struct ipcsvc_channel *ch, uint64_t id, size_t len,
		   struct ipcsvc_msg **mp)
{
	uint8_t buf[512];
	int rc;

	pattern(buf, len, id);
	rc = ipcsvc_channel_allocate_for_send_timeout(ch,
			len, id, 1, 0, mp, ipcsvc_timeout_ns(10 * SEC));
	if (!rc)
		rc = ipcsvc_msg_add_object(*mp, id, buf, len);
	return rc;
}

static bool reply_ok(const struct ipcsvc_msg *m, uint64_t id, size_t len)
{
	struct ipcsvc_object o = { 0 };
	struct ipcsvc_msg_info info;

	return !ipcsvc_msg_info(m, &info) && info.id == id &&
	       ipcsvc_msg_next_object(m, &o) == 1 && o.length == len &&
	       pattern_ok(o.data, len, id);
}

static int answer(struct ipcsvc_channel *server, struct ipcsvc_msg *req)
{
	struct ipcsvc_msg_info info;
	struct ipcsvc_msg *rep;
	int rc = ipcsvc_msg_info(req, &info);

	if (!rc)
		rc = prepare(server, info.id, (size_t)(info.id % 300), &rep);
	if (!rc)
		rc = ipcsvc_channel_send(server, rep);
	ipcsvc_channel_release(server, req);
	return rc;
}

TEST_F(call, arguments)
{
	struct ipcsvc_msg *req, *rep = (void *)1;

	EXPECT_EQ(-EINVAL, ipcsvc_channel_call(self->client, NULL, &rep, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(NULL, rep);
	EXPECT_EQ(-EINVAL, ipcsvc_channel_call(NULL, NULL, &rep, ipcsvc_timeout_ns(0)));
	ASSERT_EQ(0, prepare(self->client, 1, 8, &req));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_call(self->client, req, NULL, ipcsvc_timeout_ns(0)));
	/* A message of another channel is refused. */
	EXPECT_EQ(-EINVAL, ipcsvc_channel_call(self->server, req, &rep, ipcsvc_timeout_ns(0)));
	ASSERT_EQ(0, ipcsvc_channel_send(self->client, req));
}

TEST_F(call, one_call)
{
	struct ipcsvc_msg *req, *rep;

	ASSERT_EQ(0, prepare(self->client, 42, 42, &req));
	/* The reply is queued before the call looks: it is still found. */
	ASSERT_EQ(0, prepare(self->server, 42, 42, &rep));
	ASSERT_EQ(0, ipcsvc_channel_send(self->server, rep));
	ASSERT_EQ(0, ipcsvc_channel_call(self->client, req, &rep, ipcsvc_timeout_ns(10 * SEC)));
	EXPECT_TRUE(reply_ok(rep, 42, 42));
	EXPECT_EQ(0, ipcsvc_channel_release(self->client, rep));
}

TEST_F(call, timeout_then_late_reply_is_dropped)
{
	struct ipcsvc_msg *req, *rep;

	ASSERT_EQ(0, prepare(self->client, 1, 8, &req));
	EXPECT_EQ(-ETIMEDOUT, ipcsvc_channel_call(self->client, req, &rep, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(NULL, rep);
	ASSERT_EQ(0, ipcsvc_channel_receive(self->server, &req));
	ASSERT_EQ(0, answer(self->server, req));	/* late: id 1 */
	ASSERT_EQ(0, prepare(self->server, 2, 2, &rep));
	ASSERT_EQ(0, ipcsvc_channel_send(self->server, rep));
	ASSERT_EQ(0, prepare(self->client, 2, 2, &req));
	ASSERT_EQ(0, ipcsvc_channel_call(self->client, req, &rep, ipcsvc_timeout_ns(10 * SEC)));
	EXPECT_TRUE(reply_ok(rep, 2, 2));
	EXPECT_EQ(0, ipcsvc_channel_release(self->client, rep));
	/* Nothing else is left: the late reply was released. */
	EXPECT_EQ(-EAGAIN, ipcsvc_channel_receive(self->client, &rep));
}

#define NTHREADS	8
#define NROUNDS		200

struct caller {
	struct ipcsvc_channel *ch;
	unsigned int index;
	int rc;
	int good;
};

static void *caller_main(void *arg)
{
	struct caller *c = arg;

	for (unsigned int r = 0; r < NROUNDS; r++) {
		uint64_t id = (uint64_t)r * NTHREADS + c->index + 1;
		struct ipcsvc_msg *req, *rep;

		c->rc = prepare(c->ch, id, (size_t)(id % 100), &req);
		if (!c->rc)
			c->rc = ipcsvc_channel_call(c->ch, req, &rep, ipcsvc_timeout_ns(30 * SEC));
		if (c->rc)
			return NULL;
		c->good += reply_ok(rep, id, (size_t)(id % 300));
		ipcsvc_channel_release(c->ch, rep);
	}
	return NULL;
}

/*
 * Several threads call at once; the server takes every request it can get
 * and answers each batch in reverse order, so replies overtake each other.
 */
TEST_F(call, many_threads_out_of_order)
{
	struct caller c[NTHREADS];
	pthread_t t[NTHREADS];
	struct ipcsvc_msg *batch[NTHREADS];
	unsigned int done = 0;

	for (unsigned int i = 0; i < NTHREADS; i++) {
		c[i] = (struct caller){ .ch = self->client, .index = i };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, caller_main, &c[i]));
	}
	while (done < NTHREADS * NROUNDS) {
		unsigned int n = 0;

		ASSERT_EQ(0, ipcsvc_channel_receive_timeout(self->server,
							    &batch[n],
							    ipcsvc_timeout_ns(30 * SEC)));
		n++;
		while (n < NTHREADS &&
		       !ipcsvc_channel_receive(self->server, &batch[n]))
			n++;
		done += n;
		while (n)
			ASSERT_EQ(0, answer(self->server, batch[--n]));
	}
	for (unsigned int i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, c[i].rc);
		EXPECT_EQ(NROUNDS, c[i].good);
	}
}

TEST_HARNESS_MAIN
