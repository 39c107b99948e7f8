// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for channel.c's wait path and the lifetime rules:
 * wait/wake/arm with real sleeping threads (woken by a close, a wake, a
 * signal and a timeout), and teardown from either side.
 *
 * Every case has a server port and a client port of its own over a
 * private registry key (ipcsvc_kunit_ns()), and a service "kunit.chan"
 * with 4-page client-to-server and 8-page server-to-client areas.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include "channel_kunit.h"

/* ---- wait, wake, arm ---- */

/*
 * WAIT compares the word and sleeps only while it is equal, for at most
 * the timeout: relative (0 does not sleep) or an absolute CLOCK_MONOTONIC
 * deadline. A wake that came before the wait does not end it.
 */
static void ipcsvc_channel_wait_timeouts(struct kunit *test)
{
	struct chan_fixture f;
	u64 t0;

	chan_setup(test, &f);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 0, 0, false),
			-ETIMEDOUT);
	t0 = ktime_get_ns();
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 0, 2000000, false),
			-ETIMEDOUT);
	KUNIT_EXPECT_GE(test, ktime_get_ns() - t0, 2000000ull);
	t0 = ktime_get_ns();
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 0, t0 + 2000000,
						  true), -ETIMEDOUT);
	KUNIT_EXPECT_GE(test, ktime_get_ns(), t0 + 2000000);
	/* A deadline already past, or 0. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 0, t0, true),
			-ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 0, 0, true),
			-ETIMEDOUT);

	/* A word that differs returns at once, however long the limit. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 1, 0, false), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 1, -1, false), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 1, -1, true), 0);
	WRITE_ONCE(*chan_word(f.cep, IPCSVC_DIR_TX, PUBLISHED), 5);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 0, -1, false), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 5, 0, false),
			-ETIMEDOUT);
	/* The consumer's word, seen from the producer's side. */
	WRITE_ONCE(*chan_word(f.sep, IPCSVC_DIR_RX, HEAD), 64);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.cep, IPCSVC_DIR_TX,
						  HEAD, 0, -1, false), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.cep, IPCSVC_DIR_TX,
						  HEAD, 64, 0, false),
			-ETIMEDOUT);
	chan_teardown(&f);
}

/*
 * A waiter asleep with a timeout, relative or a deadline, and nothing to
 * wake it: its own timer does, with -ETIMEDOUT, not before the time.
 */
static void ipcsvc_channel_timeout_wakes_sleeper(struct kunit *test)
{
	const s64 wait = NSEC_PER_SEC;
	struct chan_fixture f;
	unsigned int i;

	chan_setup(test, &f);
	for (i = 0; i < 2; i++) {
		struct chan_thread *t = chan_thread_new(test);
		bool abstime = i == 1;
		u64 t0 = ktime_get_ns();

		if (chan_start_waiter(test, t, f.sep, IPCSVC_DIR_RX, PUBLISHED,
				      abstime ? (s64)t0 + wait : wait,
				      abstime)) {
			KUNIT_EXPECT_EQ_MSG(test,
					    chan_waiter_result(test, t, f.cep),
					    -ETIMEDOUT, "abstime %d", abstime);
			KUNIT_EXPECT_GE(test, ktime_get_ns() - t0, (u64)wait);
		}
		if (!t->joined) {
			/* Leave the channel to the stuck thread. */
			chan_thread_free(t);
			return;
		}
		chan_thread_free(t);
	}
	chan_teardown(&f);
}

/*
 * A thread asleep in WAIT wakes when the peer wakes its direction: with
 * 0 after a publish, and with 0 too when the word did not change (the
 * caller looks again).
 */
static void ipcsvc_channel_wake_wakes_sleeper(struct kunit *test)
{
	struct chan_thread *rx = chan_thread_new(test);
	struct chan_thread *tx = chan_thread_new(test);
	struct chan_fixture f;

	chan_setup(test, &f);
	if (chan_start_waiter(test, rx, f.sep, IPCSVC_DIR_RX, PUBLISHED, -1,
			      false)) {
		/* A wake of the other direction is not for it. */
		KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_RX),
				0);
		msleep(20);
		KUNIT_EXPECT_FALSE(test, completion_done(&rx->done));
		WRITE_ONCE(*chan_word(f.cep, IPCSVC_DIR_TX, PUBLISHED), 1);
		KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX),
				0);
		KUNIT_EXPECT_EQ(test, chan_waiter_result(test, rx, f.cep), 0);
	}
	if (chan_start_waiter(test, tx, f.cep, IPCSVC_DIR_TX, HEAD,
			      60 * NSEC_PER_SEC, false)) {
		KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.sep, IPCSVC_DIR_RX),
				0);
		KUNIT_EXPECT_EQ(test, chan_waiter_result(test, tx, f.sep), 0);
	}
	if (rx->joined && tx->joined)
		chan_teardown(&f);
	chan_thread_free(rx);
	chan_thread_free(tx);
}

/*
 * Closing one end wakes every sleeper on the channel, on both areas, with
 * EPIPE: here the server sleeps for a message without limit and for space
 * with one, and another thread closes the client's end.
 */
static void ipcsvc_channel_close_wakes_sleepers(struct kunit *test)
{
	struct chan_thread *rx = chan_thread_new(test);
	struct chan_thread *tx = chan_thread_new(test);
	struct chan_thread *closer = chan_thread_new(test);
	struct ipcsvc_event ev[2];
	struct chan_fixture f;
	bool rx_sleeps, tx_sleeps;

	chan_setup(test, &f);
	rx_sleeps = chan_start_waiter(test, rx, f.sep, IPCSVC_DIR_RX,
				      PUBLISHED, -1, false);
	tx_sleeps = chan_start_waiter(test, tx, f.sep, IPCSVC_DIR_TX, HEAD,
				      60 * NSEC_PER_SEC, false);
	msleep(20);
	KUNIT_EXPECT_FALSE(test, completion_done(&rx->done));
	KUNIT_EXPECT_FALSE(test, completion_done(&tx->done));

	closer->ep = f.cep;
	chan_thread_start(test, closer, chan_closer);
	KUNIT_EXPECT_TRUE(test, chan_thread_join(closer));
	if (rx_sleeps)
		KUNIT_EXPECT_EQ(test, chan_waiter_result(test, rx, f.cep),
				-EPIPE);
	if (tx_sleeps)
		KUNIT_EXPECT_EQ(test, chan_waiter_result(test, tx, f.cep),
				-EPIPE);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_take(f.server, ev, 2), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, ev[0].a, (u64)f.sch);
	if (rx->joined && tx->joined && closer->joined)
		chan_teardown(&f);
	chan_thread_free(rx);
	chan_thread_free(tx);
	chan_thread_free(closer);
}

/*
 * A signal ends a sleep: a relative timeout fails with EINTR, since it
 * could not restart without stretching; a wait without limit or with a
 * deadline asks for a restart (ERESTARTSYS, which never reaches
 * userspace).
 */
static void ipcsvc_channel_wait_signal(struct kunit *test)
{
	static const struct {
		s64 timeout;
		bool abstime;
		int ret;
	} cases[] = {
		{ 60 * NSEC_PER_SEC, false, -EINTR },
		{ -1, false, -ERESTARTSYS },
		{ -1, true, -ERESTARTSYS },
		{ S64_MAX, true, -ERESTARTSYS },
	};
	struct chan_fixture f;
	unsigned int i;

	chan_setup(test, &f);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct chan_thread *t = chan_thread_new(test);
		bool sleeps;

		t->allow_sig = SIGUSR1;
		sleeps = chan_start_waiter(test, t, f.sep, IPCSVC_DIR_RX,
					   PUBLISHED, cases[i].timeout,
					   cases[i].abstime);
		if (sleeps) {
			send_sig(SIGUSR1, t->task, 1);
			KUNIT_EXPECT_EQ_MSG(test,
					    chan_waiter_result(test, t, f.cep),
					    cases[i].ret, "case %u", i);
		}
		if (!t->joined) {
			/* Leave the channel to the stuck thread. */
			chan_thread_free(t);
			return;
		}
		chan_thread_free(t);
	}
	chan_teardown(&f);
}

/*
 * After a close: WAIT fails with EPIPE while the word still equals the
 * value (0 if it differs: there is something to read), WAKE and ARM with
 * EPIPE, growth with EPIPE; both identities say closed.
 */
static void ipcsvc_channel_closed_channel(struct kunit *test)
{
	struct chan_fixture f;
	struct ipcsvc_event ev;
	unsigned int s;

	chan_setup(test, &f);
	WRITE_ONCE(*chan_word(f.cep, IPCSVC_DIR_TX, PUBLISHED), 1);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(f.client, f.cch), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.server, &ev, 1), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev.type, (u32)IPCSVC_EVENT_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, ev.a, (u64)f.sch);
	/* Both areas closed; neither revoked, since the client closed. */
	for (s = 0; s < 2; s++) {
		KUNIT_EXPECT_EQ(test,
				ipcsvc_area_identity(f.sep->chan->area[s])->closed,
				1ull);
		KUNIT_EXPECT_EQ(test,
				ipcsvc_area_identity(f.sep->chan->area[s])->revoked,
				0ull);
	}

	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 1, -1, false),
			-EPIPE);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 1, 0, false),
			-EPIPE);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 0, -1, false), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_TX,
						  HEAD, 0, -1, false), -EPIPE);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.sep, IPCSVC_DIR_TX), -EPIPE);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.sep, IPCSVC_DIR_RX), -EPIPE);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(f.sep, IPCSVC_DIR_RX,
						 PUBLISHED, 1), -EPIPE);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(f.sep, IPCSVC_DIR_TX, HEAD, 0),
			-EPIPE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(ipcsvc_endpoint_area(f.sep,
								    IPCSVC_DIR_TX),
					       PAGE_SIZE), -EPIPE);
	/* The closed end's own calls fail the same way. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX), -EPIPE);
	/* Nothing more is raised for the survivor. */
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 0u);
	chan_teardown(&f);
}

/*
 * ARM raises one event on the peer's next matching wake, or at once if
 * the word already differs; ChannelReadable is armed on RX and fired by
 * the producer's TX wake, ChannelWritable the other way round.
 */
static void ipcsvc_channel_arm_one_shot(struct kunit *test)
{
	struct chan_fixture f;
	struct ipcsvc_event ev[2];

	chan_setup(test, &f);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 0u);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(f.sep, IPCSVC_DIR_RX,
						 PUBLISHED, 0), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 0u);
	/* The wrong direction's wake leaves it armed. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_RX), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 0u);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.server, ev, 2), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_CHANNEL_READABLE);
	KUNIT_EXPECT_EQ(test, ev[0].a, (u64)f.sch);
	/* Disarmed by firing. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 0u);

	/* Armed on a word that already moved: raised at once. */
	WRITE_ONCE(*chan_word(f.cep, IPCSVC_DIR_TX, PUBLISHED), 3);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(f.sep, IPCSVC_DIR_RX,
						 PUBLISHED, 2), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.server, ev, 2), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_CHANNEL_READABLE);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 0u);

	/* Writable is armed by the sender and fired by the receiver. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(f.cep, IPCSVC_DIR_TX,
						 HEAD, 0), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.sep, IPCSVC_DIR_TX), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.client), 0u);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.sep, IPCSVC_DIR_RX), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.client, ev, 2), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_CHANNEL_WRITABLE);
	KUNIT_EXPECT_EQ(test, ev[0].a, (u64)f.cch);

	/* An end that closes drops its arming: nothing fires later. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(f.cep, IPCSVC_DIR_RX,
						 PUBLISHED, 0), 0);
	ipcsvc_endpoint_close(f.cep, IPCSVC_REASON_CLOSED);
	KUNIT_EXPECT_EQ(test, f.cep->armed, 0u);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.client), 0u);
	chan_teardown(&f);
}

/*
 * The armed and fired counts the peer's library reads in the identity:
 * one more arming each time an event goes from unarmed to armed, and the
 * fired count catching up when it fires, by a wake or at once.
 */
static void ipcsvc_channel_arm_counts(struct kunit *test)
{
	struct chan_fixture f;
	struct ipcsvc_event ev[2];
	struct ipcsvc_area_identity *rd, *wr;

	chan_setup(test, &f);
	/* ChannelReadable of the server: the client-to-server area */
	rd = ipcsvc_area_identity(ipcsvc_endpoint_area(f.sep, IPCSVC_DIR_RX));
	/* ChannelWritable of the client: the same area */
	wr = ipcsvc_area_identity(ipcsvc_endpoint_area(f.cep, IPCSVC_DIR_TX));
	KUNIT_ASSERT_PTR_EQ(test, rd, wr);
	KUNIT_EXPECT_EQ(test, rd->readable_armed, 0ull);
	KUNIT_EXPECT_EQ(test, rd->readable_fired, 0ull);

	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(f.sep, IPCSVC_DIR_RX,
						 PUBLISHED, 0), 0);
	KUNIT_EXPECT_EQ(test, rd->readable_armed, 1ull);
	KUNIT_EXPECT_EQ(test, rd->readable_fired, 0ull);
	/* Armed again before it fired: still one arming pending. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(f.sep, IPCSVC_DIR_RX,
						 PUBLISHED, 0), 0);
	KUNIT_EXPECT_EQ(test, rd->readable_armed, 1ull);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX), 0);
	KUNIT_EXPECT_EQ(test, rd->readable_fired, 1ull);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.server, ev, 2), (size_t)1);
	/* Nothing pending: a wake changes nothing. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX), 0);
	KUNIT_EXPECT_EQ(test, rd->readable_armed, 1ull);
	KUNIT_EXPECT_EQ(test, rd->readable_fired, 1ull);
	/* Fired by the arming itself: both counts move together. */
	WRITE_ONCE(*chan_word(f.cep, IPCSVC_DIR_TX, PUBLISHED), 5);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(f.sep, IPCSVC_DIR_RX,
						 PUBLISHED, 4), 0);
	KUNIT_EXPECT_EQ(test, rd->readable_armed, 2ull);
	KUNIT_EXPECT_EQ(test, rd->readable_fired, 2ull);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.server, ev, 2), (size_t)1);

	/* ChannelWritable counts apart from ChannelReadable's. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(f.cep, IPCSVC_DIR_TX,
						 HEAD, 0), 0);
	KUNIT_EXPECT_EQ(test, wr->writable_armed, 1ull);
	KUNIT_EXPECT_EQ(test, wr->writable_fired, 0ull);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.sep, IPCSVC_DIR_RX), 0);
	KUNIT_EXPECT_EQ(test, wr->writable_fired, 1ull);
	KUNIT_EXPECT_EQ(test, rd->readable_armed, 2ull);
	chan_teardown(&f);
}

/* ---- teardown ---- */

/*
 * Closing the service: the accepted channel stays up and its client gets
 * ServiceGone; the channel the server has not accepted is closed, and the
 * server never hears of it.
 */
static void ipcsvc_channel_service_close(struct kunit *test)
{
	struct chan_fixture f;
	struct ipcsvc_event ev[4];
	u32 c2;

	chan_setup(test, &f);
	KUNIT_ASSERT_EQ(test, chan_connect_h(f.client, SVC_NAME, &c2), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 1);
	KUNIT_EXPECT_EQ(test, f.server->nr_handles, 3u);

	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(f.server, f.svc_h), 0);
	KUNIT_EXPECT_FALSE(test, f.svc->registered);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_open), 1);
	KUNIT_EXPECT_EQ(test, f.server->nr_handles, 1u);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 0u);

	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.client, ev, 4), (size_t)3);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_SERVICE_GONE);
	KUNIT_EXPECT_EQ(test, ev[0].a, (u64)f.cch);
	KUNIT_EXPECT_EQ(test, ev[1].type, (u32)IPCSVC_EVENT_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, ev[1].a, (u64)c2);
	KUNIT_EXPECT_EQ(test, ev[2].type, (u32)IPCSVC_EVENT_SERVICE_GONE);
	KUNIT_EXPECT_EQ(test, ev[2].a, (u64)c2);

	/* The accepted channel outlives its service. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(ipcsvc_endpoint_area(f.cep,
								    IPCSVC_DIR_TX),
					       PAGE_SIZE), 0);
	/* The name is free at once. */
	KUNIT_EXPECT_NULL(test, ipcsvc_service_lookup(f.ns, SVC_NAME,
						      strlen(SVC_NAME)));
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &c2), -ENOENT);
	chan_teardown(&f);
}

/*
 * The same when the client of the unaccepted channel has already gone:
 * the server must still not hear of a channel of a closed service, whose
 * handle number a new service could be given.
 */
static void ipcsvc_channel_service_close_after_client(struct kunit *test)
{
	struct chan_fixture f;
	struct ipcsvc_event ev[4];
	u32 c2, svc2;
	size_t n, i;

	chan_setup(test, &f);
	KUNIT_ASSERT_EQ(test, chan_connect_h(f.client, SVC_NAME, &c2), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(f.client, c2), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(f.server, f.svc_h), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_kunit_service(f.server, "kunit.chan2",
						   &svc2), 0);
	KUNIT_EXPECT_EQ(test, svc2, f.svc_h);
	n = ipcsvc_event_take(f.server, ev, ARRAY_SIZE(ev));
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_NE_MSG(test, ev[i].type,
				    (u32)IPCSVC_EVENT_SERVICE_CONNECTED,
				    "ServiceConnected for handle %llu of a closed service",
				    ev[i].a & U32_MAX);
	KUNIT_EXPECT_EQ(test, n, (size_t)0);
	KUNIT_EXPECT_EQ(test, f.server->nr_handles, 2u);
	chan_teardown(&f);
}

/* A port going away (file release) closes its ends: peers learn it. */
static void ipcsvc_channel_server_port_release(struct kunit *test)
{
	struct chan_fixture f;
	struct ipcsvc_event ev[2];
	u32 c2;

	chan_setup(test, &f);
	KUNIT_ASSERT_EQ(test, chan_connect_h(f.client, SVC_NAME, &c2), 0);
	ipcsvc_kunit_port_done(f.server);
	f.server = NULL;
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_open), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.client, ev, 2), (size_t)2);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, ev[0].a, (u64)f.cch);
	KUNIT_EXPECT_EQ(test, ev[1].type, (u32)IPCSVC_EVENT_SERVICE_GONE);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.client, ev, 2), (size_t)2);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, ev[0].a, (u64)c2);
	KUNIT_EXPECT_EQ(test, ev[1].type, (u32)IPCSVC_EVENT_SERVICE_GONE);
	/* The survivor's end holds no reference on the dead port. */
	KUNIT_EXPECT_NULL(test, f.sep->port);
	/* The server's replies are revoked, the client's requests are not. */
	KUNIT_EXPECT_TRUE(test, f.cep->chan->area[IPCSVC_SIDE_SERVER]->revoked);
	KUNIT_EXPECT_FALSE(test, f.cep->chan->area[IPCSVC_SIDE_CLIENT]->revoked);
	chan_teardown(&f);
}

/* identity.closed of both areas: 0 while open, set by closing either end. */
static void ipcsvc_channel_closed_flag(struct kunit *test)
{
	struct ipcsvc_area *area[2];
	struct chan_fixture f;
	int round, s;

	for (round = 0; round < 2; round++) {
		chan_setup(test, &f);
		for (s = 0; s < 2; s++) {
			area[s] = f.cep->chan->area[s];
			ipcsvc_area_get(area[s]);
			KUNIT_EXPECT_EQ(test, ipcsvc_area_identity(area[s])->closed,
					0ull);
		}
		if (round == 0) {
			/* The client closes its handle. */
			KUNIT_EXPECT_EQ(test,
					ipcsvc_port_close_handle(f.client, f.cch),
					0);
		} else {
			/* The server's port goes away, as when it dies. */
			ipcsvc_kunit_port_done(f.server);
			f.server = NULL;
		}
		for (s = 0; s < 2; s++) {
			KUNIT_EXPECT_EQ(test, ipcsvc_area_identity(area[s])->closed,
					1ull);
			KUNIT_EXPECT_TRUE(test, READ_ONCE(area[s]->dead));
		}
		chan_teardown(&f);
		for (s = 0; s < 2; s++)
			ipcsvc_area_put(area[s]);
	}
}

static struct kunit_case ipcsvc_channel_wait_cases[] = {
	KUNIT_CASE(ipcsvc_channel_wait_timeouts),
	KUNIT_CASE(ipcsvc_channel_timeout_wakes_sleeper),
	KUNIT_CASE(ipcsvc_channel_wake_wakes_sleeper),
	KUNIT_CASE(ipcsvc_channel_close_wakes_sleepers),
	KUNIT_CASE(ipcsvc_channel_wait_signal),
	KUNIT_CASE(ipcsvc_channel_closed_channel),
	KUNIT_CASE(ipcsvc_channel_arm_one_shot),
	KUNIT_CASE(ipcsvc_channel_arm_counts),
	KUNIT_CASE(ipcsvc_channel_service_close),
	KUNIT_CASE(ipcsvc_channel_service_close_after_client),
	KUNIT_CASE(ipcsvc_channel_server_port_release),
	KUNIT_CASE(ipcsvc_channel_closed_flag),
	{}
};

static struct kunit_suite ipcsvc_channel_wait_suite = {
	.name = "ipcsvc_channel_wait",
	.suite_init = ipcsvc_kunit_suite_init,
	.suite_exit = ipcsvc_kunit_suite_exit,
	.test_cases = ipcsvc_channel_wait_cases,
};

kunit_test_suite(ipcsvc_channel_wait_suite);
