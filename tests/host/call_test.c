// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Calls over plain shared memory (the futex backend): replies are matched
 * to calls by the correlation id of their call header, with several calls
 * outstanding from several threads, replies out of order, timeouts and
 * late replies, error statuses, deadlines, events kept for their
 * receiver while calls run, and the receiver role passing from one call
 * to the next on a reply, a timeout and a close.
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
	ASSERT_EQ(0, test_ends_open(&self->up, &self->down, &self->client,
				    &self->server));
}

FIXTURE_TEARDOWN(call)
{
	ipcsvc_channel_close(self->client);
	ipcsvc_channel_close(self->server);
	test_area_free(&self->up);
	test_area_free(&self->down);
}

/* A request of method @method: one object of @len pattern bytes. */
static int request(struct ipcsvc_channel *ch, uint64_t method, size_t len,
		   struct ipcsvc_msg **mp)
{
	uint8_t buf[512];
	int rc;

	pattern(buf, len, method);
	rc = ipcsvc_call_allocate(ch, method, len, 1, mp,
				  ipcsvc_timeout_ns(10 * SEC));
	if (!rc)
		rc = ipcsvc_msg_add_object(*mp, 1, buf, len);
	return rc;
}

/* A message whose call header is written by hand. */
static int handmade(struct ipcsvc_channel *ch, uint64_t method, uint64_t id,
		    int64_t status, struct ipcsvc_msg **mp)
{
	struct ipcsvc_call_header h = {
		.id = id, .deadline = IPCSVC_CALL_NO_DEADLINE, .status = status,
	};
	int rc = ipcsvc_channel_allocate_for_send(ch, sizeof(h), method, 1, 0,
						  mp);

	if (!rc)
		rc = ipcsvc_msg_add_object(*mp, IPCSVC_CALL_HEADER_ID, &h,
					   sizeof(h));
	return rc;
}

/* The reply is the request's method, and one object of method % 300
 * pattern bytes. */
static bool reply_ok(const struct ipcsvc_msg *m, uint64_t method)
{
	struct ipcsvc_object o = { 0 };
	struct ipcsvc_msg_info info;
	size_t len = (size_t)(method % 300);

	return !ipcsvc_msg_info(m, &info) && info.id == method &&
	       info.object_count == 2 &&
	       ipcsvc_msg_next_object(m, &o) == 1 &&
	       o.id == IPCSVC_CALL_HEADER_ID &&
	       ipcsvc_msg_next_object(m, &o) == 1 && o.id == 1 &&
	       o.length == len && pattern_ok(o.data, len, method);
}

static int answer(struct ipcsvc_channel *server, struct ipcsvc_msg *req)
{
	struct ipcsvc_msg_info info;
	struct ipcsvc_msg *rep;
	uint8_t buf[512];
	size_t len;
	int rc = ipcsvc_msg_info(req, &info);

	len = (size_t)(info.id % 300);
	pattern(buf, len, info.id);
	if (!rc)
		rc = ipcsvc_call_allocate_reply(server, req, len, 1, &rep,
						ipcsvc_timeout_ns(10 * SEC));
	if (!rc)
		rc = ipcsvc_msg_add_object(rep, 1, buf, len);
	if (!rc)
		rc = ipcsvc_channel_send(server, rep);
	ipcsvc_channel_release(server, req);
	return rc;
}

/* An event: a message without a call header. */
static int event(struct ipcsvc_channel *ch, uint64_t n)
{
	struct ipcsvc_msg *m;
	int rc = ipcsvc_channel_allocate_for_send_timeout(ch, sizeof(n),
			1000 + n, 1, 0, &m, ipcsvc_timeout_ns(30 * SEC));

	if (!rc)
		rc = ipcsvc_msg_add_object(m, 1, &n, sizeof(n));
	return rc ? rc : ipcsvc_channel_send(ch, m);
}

TEST_F(call, arguments)
{
	struct ipcsvc_msg *req, *rep = (void *)1, *plain;
	struct ipcsvc_call_header h;

	EXPECT_EQ(-EINVAL, ipcsvc_channel_call(self->client, NULL, &rep, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(NULL, rep);
	EXPECT_EQ(-EINVAL, ipcsvc_channel_call(NULL, NULL, &rep, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(-EINVAL, ipcsvc_call_allocate(self->client, 1, 0, 0, NULL, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(-EINVAL, ipcsvc_call_allocate(NULL, 1, 0, 0, &req, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(-EINVAL, ipcsvc_call_allocate(self->client, 1, 0, 0, &req, ipcsvc_timeout_ns(-1)));
	EXPECT_EQ(-EMSGSIZE, ipcsvc_call_allocate(self->client, 1, UINT64_MAX, 0, &req, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(-EMSGSIZE, ipcsvc_call_allocate(self->client, 1, 0, UINT64_MAX, &req, ipcsvc_timeout_ns(0)));
	ASSERT_EQ(0, request(self->client, 1, 8, &req));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_call(self->client, req, NULL, ipcsvc_timeout_ns(0)));
	/* A message of another channel is refused. */
	EXPECT_EQ(-EINVAL, ipcsvc_channel_call(self->server, req, &rep, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(-EINVAL, ipcsvc_call_header(req, NULL));
	/* A request being written shows its header. */
	ASSERT_EQ(0, ipcsvc_call_header(req, &h));
	EXPECT_EQ(0, h.status);
	ASSERT_EQ(0, ipcsvc_channel_send(self->client, req));

	/* A request must start with a call header. */
	ASSERT_EQ(0, ipcsvc_channel_allocate_for_send(self->client, 8, 2, 1, 0, &plain));
	ASSERT_EQ(0, ipcsvc_msg_add_object(plain, 1, "12345678", 8));
	EXPECT_EQ(-EINVAL, ipcsvc_channel_call(self->client, plain, &rep, ipcsvc_timeout_ns(0)));
	ASSERT_EQ(0, ipcsvc_channel_send(self->client, plain));

	/* The server cannot answer a message that is not a call. */
	ASSERT_EQ(0, ipcsvc_channel_receive(self->server, &req));
	ASSERT_EQ(0, ipcsvc_channel_receive(self->server, &plain));
	EXPECT_EQ(-EPROTO, ipcsvc_call_header(plain, &h));
	EXPECT_EQ(-EPROTO, ipcsvc_call_allocate_reply(self->server, plain, 0, 0, &rep, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(NULL, rep);
	EXPECT_EQ(-EPROTO, ipcsvc_call_fail(self->server, plain, -EIO, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(-EINVAL, ipcsvc_call_fail(self->server, req, 0, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(-EINVAL, ipcsvc_call_fail(self->server, req, 1, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(-EINVAL, ipcsvc_call_fail(self->server, req, -4096, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(-EINVAL, ipcsvc_call_fail(NULL, req, -EIO, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(-EINVAL, ipcsvc_call_allocate_reply(self->server, req, 0, 0, NULL, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(0, ipcsvc_channel_release(self->server, plain));
	EXPECT_EQ(0, ipcsvc_channel_release(self->server, req));
	EXPECT_EQ(-EINVAL, ipcsvc_call_receive_event(self->client, NULL, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(-EINVAL, ipcsvc_call_receive_event(NULL, &rep, ipcsvc_timeout_ns(0)));
}

TEST_F(call, one_call)
{
	struct ipcsvc_msg *req, *rep;
	struct ipcsvc_call_header h;

	ASSERT_EQ(0, request(self->client, 42, 42, &req));
	ASSERT_EQ(0, ipcsvc_call_header(req, &h));
	/* The reply is queued before the call looks: it is still found. */
	ASSERT_EQ(0, handmade(self->server, 42, h.id, 0, &rep));
	ASSERT_EQ(0, ipcsvc_channel_send(self->server, rep));
	ASSERT_EQ(0, ipcsvc_channel_call(self->client, req, &rep, ipcsvc_timeout_ns(10 * SEC)));
	EXPECT_EQ(0, ipcsvc_call_header(rep, &h));
	EXPECT_EQ(0, ipcsvc_channel_release(self->client, rep));
	/* The request is still there for the server, with 42 bytes. */
	ASSERT_EQ(0, ipcsvc_channel_receive(self->server, &req));
	ASSERT_EQ(0, answer(self->server, req));	/* late: dropped */
	EXPECT_EQ(-ETIMEDOUT, ipcsvc_call_receive_event(self->client, &rep, ipcsvc_timeout_ns(0)));
}

/* Each call gets its own correlation id; MessageId plays no part. */
TEST_F(call, correlation_ids)
{
	struct ipcsvc_msg *r1, *r2, *rep;
	struct ipcsvc_call_header h1, h2;

	ASSERT_EQ(0, request(self->client, 7, 1, &r1));
	ASSERT_EQ(0, request(self->client, 7, 2, &r2));
	ASSERT_EQ(0, ipcsvc_call_header(r1, &h1));
	ASSERT_EQ(0, ipcsvc_call_header(r2, &h2));
	EXPECT_NE(h1.id, h2.id);
	/* the second request's reply first, then one with the same
	 * MessageId but the first's correlation id */
	ASSERT_EQ(0, handmade(self->server, 7, h2.id, -ENOENT, &rep));
	ASSERT_EQ(0, ipcsvc_channel_send(self->server, rep));
	ASSERT_EQ(0, handmade(self->server, 7, h1.id, 0, &rep));
	ASSERT_EQ(0, ipcsvc_channel_send(self->server, rep));
	ASSERT_EQ(0, ipcsvc_channel_call(self->client, r1, &rep, ipcsvc_timeout_ns(10 * SEC)));
	EXPECT_EQ(0, ipcsvc_channel_release(self->client, rep));
	/* the reply to the second was dropped as late: nobody waited */
	EXPECT_EQ(-ETIMEDOUT, ipcsvc_channel_call(self->client, r2, &rep, ipcsvc_timeout_ns(0)));
}

TEST_F(call, timeout_then_late_reply_is_dropped)
{
	struct ipcsvc_msg *req, *rep;
	struct ipcsvc_call_header h;

	ASSERT_EQ(0, request(self->client, 1, 8, &req));
	EXPECT_EQ(-ETIMEDOUT, ipcsvc_channel_call(self->client, req, &rep, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(NULL, rep);
	ASSERT_EQ(0, ipcsvc_channel_receive(self->server, &req));
	ASSERT_EQ(0, answer(self->server, req));	/* late */
	/* the next call's reply, queued behind the late one */
	ASSERT_EQ(0, request(self->client, 2, 2, &req));
	ASSERT_EQ(0, ipcsvc_call_header(req, &h));
	ASSERT_EQ(0, handmade(self->server, 2, h.id, 0, &rep));
	ASSERT_EQ(0, ipcsvc_channel_send(self->server, rep));
	ASSERT_EQ(0, ipcsvc_channel_call(self->client, req, &rep, ipcsvc_timeout_ns(10 * SEC)));
	EXPECT_EQ(0, ipcsvc_channel_release(self->client, rep));
	ASSERT_EQ(0, ipcsvc_channel_receive(self->server, &req));
	EXPECT_EQ(0, ipcsvc_channel_release(self->server, req));
	/* Nothing else is left: the late reply was released. */
	EXPECT_EQ(-EAGAIN, ipcsvc_channel_receive(self->client, &rep));
}

/* The server answers with an error status: the call returns it. */
TEST_F(call, status)
{
	struct ipcsvc_msg *req, *rep;
	struct ipcsvc_call_header h;

	ASSERT_EQ(0, request(self->client, 5, 5, &req));
	ASSERT_EQ(0, ipcsvc_channel_send(self->client, req));
	ASSERT_EQ(0, ipcsvc_channel_receive(self->server, &req));
	ASSERT_EQ(0, ipcsvc_call_fail(self->server, req, -ENOENT, ipcsvc_timeout_ns(0)));
	ASSERT_EQ(0, ipcsvc_channel_receive(self->client, &rep));
	ASSERT_EQ(0, ipcsvc_call_header(rep, &h));
	EXPECT_EQ(-ENOENT, h.status);
	EXPECT_EQ(0, ipcsvc_channel_release(self->client, rep));
	EXPECT_EQ(0, ipcsvc_channel_release(self->server, req));

	ASSERT_EQ(0, request(self->client, 6, 6, &req));
	ASSERT_EQ(0, ipcsvc_call_header(req, &h));
	ASSERT_EQ(0, handmade(self->server, 6, h.id, -EACCES, &rep));
	ASSERT_EQ(0, ipcsvc_channel_send(self->server, rep));
	EXPECT_EQ(-EACCES, ipcsvc_channel_call(self->client, req, &rep, ipcsvc_timeout_ns(10 * SEC)));
	EXPECT_EQ(NULL, rep);
	/* a status no errno value has breaks the convention */
	ASSERT_EQ(0, request(self->client, 6, 6, &req));
	ASSERT_EQ(0, ipcsvc_call_header(req, &h));
	ASSERT_EQ(0, handmade(self->server, 6, h.id, 3, &rep));
	ASSERT_EQ(0, ipcsvc_channel_send(self->server, rep));
	EXPECT_EQ(-EPROTO, ipcsvc_channel_call(self->client, req, &rep, ipcsvc_timeout_ns(10 * SEC)));
	/* the failed replies were released */
	EXPECT_EQ(-EAGAIN, ipcsvc_channel_receive(self->client, &rep));
}

/* The server sees the caller's deadline, and can tell it has passed. */
TEST_F(call, deadline)
{
	struct ipcsvc_msg *req, *rep;
	struct ipcsvc_call_header h;
	int64_t before = ipcsvc_clock_now(), t;

	ASSERT_EQ(0, request(self->client, 1, 1, &req));
	ASSERT_EQ(0, ipcsvc_channel_send(self->client, req));
	ASSERT_EQ(0, ipcsvc_channel_receive(self->server, &req));
	ASSERT_EQ(0, ipcsvc_call_header(req, &h));
	EXPECT_LE(before + 10 * SEC, h.deadline);
	EXPECT_GE(ipcsvc_clock_now() + 10 * SEC, h.deadline);
	EXPECT_FALSE(ipcsvc_call_expired(&h));
	t = ipcsvc_call_deadline(&h).ns;
	EXPECT_EQ(h.deadline, t);
	EXPECT_EQ(IPCSVC_TIMEOUT_ABSOLUTE, ipcsvc_call_deadline(&h).flags);
	/* the reply echoes the id and the deadline */
	ASSERT_EQ(0, ipcsvc_call_allocate_reply(self->server, req, 0, 0, &rep, ipcsvc_timeout_ns(0)));
	ASSERT_EQ(0, ipcsvc_channel_send(self->server, rep));
	ASSERT_EQ(0, ipcsvc_channel_release(self->server, req));
	ASSERT_EQ(0, ipcsvc_channel_receive(self->client, &rep));
	{
		struct ipcsvc_call_header r;

		ASSERT_EQ(0, ipcsvc_call_header(rep, &r));
		EXPECT_EQ(h.id, r.id);
		EXPECT_EQ(h.deadline, r.deadline);
		EXPECT_EQ(0, r.status);
	}
	ASSERT_EQ(0, ipcsvc_channel_release(self->client, rep));

	/* no limit, and a deadline already passed */
	ASSERT_EQ(0, ipcsvc_call_allocate(self->client, 1, 0, 0, &req, ipcsvc_timeout_never()));
	ASSERT_EQ(0, ipcsvc_channel_send(self->client, req));
	ASSERT_EQ(0, ipcsvc_channel_receive(self->server, &req));
	ASSERT_EQ(0, ipcsvc_call_header(req, &h));
	EXPECT_EQ(IPCSVC_CALL_NO_DEADLINE, h.deadline);
	EXPECT_FALSE(ipcsvc_call_expired(&h));
	EXPECT_EQ(IPCSVC_TIMEOUT_NEVER, ipcsvc_call_deadline(&h).flags);
	ASSERT_EQ(0, ipcsvc_channel_release(self->server, req));
	/* (the allocation itself only looks once: the ring has room) */
	ASSERT_EQ(0, ipcsvc_call_allocate(self->client, 1, 0, 0, &req, ipcsvc_timeout_at(before)));
	ASSERT_EQ(0, ipcsvc_channel_send(self->client, req));
	ASSERT_EQ(0, ipcsvc_channel_receive(self->server, &req));
	ASSERT_EQ(0, ipcsvc_call_header(req, &h));
	EXPECT_EQ(before, h.deadline);
	EXPECT_TRUE(ipcsvc_call_expired(&h));
	ASSERT_EQ(0, ipcsvc_channel_release(self->server, req));
}

/*
 * A call whose first receive brings something else (an event) before
 * the clock was read goes on waiting under its limit all the same: it
 * gives up after 20 ms, and keeps the event.
 */
TEST_F(call, deadline_holds_after_an_event)
{
	struct ipcsvc_msg *req, *rep = (void *)1, *ev;
	uint64_t t0;

	ASSERT_EQ(0, request(self->client, 1, 1, &req));
	ASSERT_EQ(0, event(self->server, 1));
	t0 = (uint64_t)ipcsvc_clock_now();
	EXPECT_EQ(-ETIMEDOUT, ipcsvc_channel_call(self->client, req, &rep, ipcsvc_timeout_ns(20000000)));
	EXPECT_LE(20000000, (uint64_t)ipcsvc_clock_now() - t0);
	EXPECT_GT(5 * SEC, (uint64_t)ipcsvc_clock_now() - t0);
	EXPECT_EQ(NULL, rep);
	ASSERT_EQ(0, ipcsvc_call_receive_event(self->client, &ev, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(0, ipcsvc_channel_release(self->client, ev));
	ASSERT_EQ(0, ipcsvc_channel_receive(self->server, &req));
	EXPECT_EQ(0, ipcsvc_channel_release(self->server, req));
}

/* Messages that are not replies wait, in order, for their receiver. */
TEST_F(call, events_are_kept)
{
	struct ipcsvc_msg *req, *rep, *ev;
	struct ipcsvc_msg_info info;
	struct ipcsvc_call_header h;

	ASSERT_EQ(0, request(self->client, 9, 9, &req));
	ASSERT_EQ(0, ipcsvc_call_header(req, &h));
	ASSERT_EQ(0, event(self->server, 1));
	ASSERT_EQ(0, event(self->server, 2));
	ASSERT_EQ(0, handmade(self->server, 9, h.id, 0, &rep));
	ASSERT_EQ(0, ipcsvc_channel_send(self->server, rep));
	ASSERT_EQ(0, event(self->server, 3));
	/* the call takes its reply from among the events, and keeps them */
	ASSERT_EQ(0, ipcsvc_channel_call(self->client, req, &rep, ipcsvc_timeout_ns(10 * SEC)));
	EXPECT_EQ(0, ipcsvc_channel_release(self->client, rep));
	for (uint64_t n = 1; n <= 3; n++) {
		ASSERT_EQ(0, ipcsvc_call_receive_event(self->client, &ev, ipcsvc_timeout_ns(0)));
		ASSERT_EQ(0, ipcsvc_msg_info(ev, &info));
		EXPECT_EQ(1000 + n, info.id);
		EXPECT_EQ(0, ipcsvc_channel_release(self->client, ev));
	}
	EXPECT_EQ(-ETIMEDOUT, ipcsvc_call_receive_event(self->client, &ev, ipcsvc_timeout_ns(0)));
	EXPECT_EQ(NULL, ev);
	ASSERT_EQ(0, ipcsvc_channel_receive(self->server, &req));
	EXPECT_EQ(0, ipcsvc_channel_release(self->server, req));
}

struct one_call {
	struct ipcsvc_channel *ch;
	uint64_t method;
	int64_t timeout_ns;	/* 0: 30 s */
	int rc;
	bool good;
};

static void *one_call_main(void *arg)
{
	struct one_call *c = arg;
	struct ipcsvc_msg *req, *rep;

	c->rc = request(c->ch, c->method, 8, &req);
	if (!c->rc)
		c->rc = ipcsvc_channel_call(c->ch, req, &rep,
					    ipcsvc_timeout_ns(c->timeout_ns ?: 30 * SEC));
	if (!c->rc) {
		c->good = reply_ok(rep, c->method);
		ipcsvc_channel_release(c->ch, rep);
	}
	return NULL;
}

/*
 * Start @c1's call, and once its request is at @server (so it holds the
 * receiver role), @c2's; return the two requests as the server got them.
 */
static int two_calls_out(struct ipcsvc_channel *server, struct one_call *c1,
			 struct one_call *c2, pthread_t t[2],
			 struct ipcsvc_msg **r1, struct ipcsvc_msg **r2)
{
	int rc = pthread_create(&t[0], NULL, one_call_main, c1);

	if (!rc)
		rc = ipcsvc_channel_receive_timeout(server, r1, ipcsvc_timeout_ns(30 * SEC));
	if (!rc)
		rc = pthread_create(&t[1], NULL, one_call_main, c2);
	if (!rc)
		rc = ipcsvc_channel_receive_timeout(server, r2, ipcsvc_timeout_ns(30 * SEC));
	return rc;
}

/*
 * The first call finds the receiver role free and keeps it until its
 * reply comes; a second call meanwhile waits for the role. Whichever
 * reply comes first, each call gets its own: the first caller hands the
 * second one's reply on, or gives the role up to it.
 */
TEST_F(call, second_caller_while_the_first_receives)
{
	for (int second_first = 0; second_first < 2; second_first++) {
		struct one_call c1 = { .ch = self->client, .method = 11 };
		struct one_call c2 = { .ch = self->client, .method = 12 };
		struct ipcsvc_msg *r1, *r2;
		pthread_t t[2];

		ASSERT_EQ(0, two_calls_out(self->server, &c1, &c2, t, &r1, &r2));
		if (second_first) {
			ASSERT_EQ(0, answer(self->server, r2));
			ASSERT_EQ(0, answer(self->server, r1));
		} else {
			ASSERT_EQ(0, answer(self->server, r1));
			ASSERT_EQ(0, answer(self->server, r2));
		}
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		EXPECT_EQ(0, c1.rc);
		EXPECT_TRUE(c1.good);
		EXPECT_EQ(0, c2.rc);
		EXPECT_TRUE(c2.good);
	}
}

/*
 * The first call, holding the receiver role, times out while a second
 * waits for the role: the second takes it over and gets its reply; the
 * first one's late reply is dropped, and the next call gets its own.
 */
TEST_F(call, first_caller_times_out_second_takes_over)
{
	struct one_call c1 = { .ch = self->client, .method = 21,
			       .timeout_ns = SEC / 2 };
	struct one_call c2 = { .ch = self->client, .method = 22 };
	struct one_call c3 = { .ch = self->client, .method = 23 };
	struct ipcsvc_msg *r1, *r2, *r3;
	pthread_t t[2], t3;

	ASSERT_EQ(0, two_calls_out(self->server, &c1, &c2, t, &r1, &r2));
	pthread_join(t[0], NULL);
	EXPECT_EQ(-ETIMEDOUT, c1.rc);
	ASSERT_EQ(0, answer(self->server, r2));
	pthread_join(t[1], NULL);
	EXPECT_EQ(0, c2.rc);
	EXPECT_TRUE(c2.good);
	ASSERT_EQ(0, answer(self->server, r1));	/* late: dropped */
	ASSERT_EQ(0, pthread_create(&t3, NULL, one_call_main, &c3));
	ASSERT_EQ(0, ipcsvc_channel_receive_timeout(self->server, &r3, ipcsvc_timeout_ns(30 * SEC)));
	ASSERT_EQ(0, answer(self->server, r3));
	pthread_join(t3, NULL);
	EXPECT_EQ(0, c3.rc);
	EXPECT_TRUE(c3.good);
}

/* A close ends the call holding the role and the one waiting for it. */
TEST_F(call, close_ends_the_receiver_and_the_waiting_call)
{
	struct one_call c1 = { .ch = self->client, .method = 31 };
	struct one_call c2 = { .ch = self->client, .method = 32 };
	struct ipcsvc_msg *r1, *r2;
	pthread_t t[2];

	ASSERT_EQ(0, two_calls_out(self->server, &c1, &c2, t, &r1, &r2));
	test_close_channel(&self->up, &self->down);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	EXPECT_EQ(-EPIPE, c1.rc);
	EXPECT_EQ(-EPIPE, c2.rc);
	EXPECT_EQ(0, ipcsvc_channel_release(self->server, r1));
	EXPECT_EQ(0, ipcsvc_channel_release(self->server, r2));
}

#define NTHREADS	8
#define NROUNDS		200
#define NEVENTS		300

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
		uint64_t method = (uint64_t)r * NTHREADS + c->index + 1;
		struct ipcsvc_msg *req, *rep;

		c->rc = request(c->ch, method, (size_t)(method % 100), &req);
		if (!c->rc)
			c->rc = ipcsvc_channel_call(c->ch, req, &rep, ipcsvc_timeout_ns(30 * SEC));
		if (c->rc)
			return NULL;
		c->good += reply_ok(rep, method);
		ipcsvc_channel_release(c->ch, rep);
	}
	return NULL;
}

struct listener {
	struct ipcsvc_channel *ch;
	int rc;
	uint64_t next;		/* the event expected next */
};

static void *listener_main(void *arg)
{
	struct listener *l = arg;

	while (l->next < NEVENTS) {
		struct ipcsvc_msg_info info;
		struct ipcsvc_msg *m;

		l->rc = ipcsvc_call_receive_event(l->ch, &m, ipcsvc_timeout_ns(30 * SEC));
		if (!l->rc)
			l->rc = ipcsvc_msg_info(m, &info);
		if (!l->rc && info.id != 1000 + l->next)
			l->rc = -EBADMSG;
		if (l->rc)
			return NULL;
		ipcsvc_channel_release(l->ch, m);
		l->next++;
	}
	return NULL;
}

/*
 * Several threads call at once while another receives events; the server
 * takes every request it can get, answers each batch in reverse order, so
 * that replies overtake each other, and sends events in between.
 */
TEST_F(call, many_threads_out_of_order)
{
	struct caller c[NTHREADS];
	struct listener l = { .ch = self->client };
	pthread_t t[NTHREADS], lt;
	struct ipcsvc_msg *batch[NTHREADS];
	unsigned int done = 0;
	uint64_t events = 0;

	for (unsigned int i = 0; i < NTHREADS; i++) {
		c[i] = (struct caller){ .ch = self->client, .index = i };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, caller_main, &c[i]));
	}
	ASSERT_EQ(0, pthread_create(&lt, NULL, listener_main, &l));
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
		while (n) {
			ASSERT_EQ(0, answer(self->server, batch[--n]));
			if (events < NEVENTS && (done + n) % 5 == 0)
				ASSERT_EQ(0, event(self->server, events++));
		}
	}
	while (events < NEVENTS)
		ASSERT_EQ(0, event(self->server, events++));
	for (unsigned int i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, c[i].rc);
		EXPECT_EQ(NROUNDS, c[i].good);
	}
	pthread_join(lt, NULL);
	EXPECT_EQ(0, l.rc);
	EXPECT_EQ(NEVENTS, l.next);
}

TEST_HARNESS_MAIN
