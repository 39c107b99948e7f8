// SPDX-License-Identifier: GPL-2.0
/*
 * Events through poll() and read(): ServiceConnected, ChannelReadable
 * (armed, one-shot), ChannelWritable, PeerClosed and ServiceGone, with
 * per-handle coalescing so that nothing is ever lost.
 */
#include <poll.h>
#include <sys/epoll.h>

#include "ipcsvc_st.h"
#include "kselftest_harness.h"

FIXTURE(events) {
	struct st_pair p;
};

FIXTURE_SETUP(events)
{
	self->p.sfd = self->p.cfd = -1;
	ASSERT_EQ(0, st_pair_open(&self->p, "events.svc", 0, 0));
}

FIXTURE_TEARDOWN(events)
{
	st_pair_close(&self->p);
}

TEST_F(events, poll_and_epoll_report_pending_events)
{
	struct pollfd pfd = { .fd = self->p.sfd, .events = POLLIN };
	struct epoll_event ee = { .events = EPOLLIN }, out;
	struct ipcsvc_event ev;
	int ep = epoll_create1(0);

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->p.sfd, &ee));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
	ASSERT_EQ(0, st_connect(self->p.cfd, "events.svc", 1, NULL));
	EXPECT_EQ(1, poll(&pfd, 1, 1000));
	EXPECT_EQ(POLLIN, pfd.revents & POLLIN);
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, 1000));
	ASSERT_EQ(1, st_events(self->p.sfd, &ev, 1));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	close(ep);
}

/* Readable is armed by the receiver and fires once. */
TEST_F(events, channel_readable_is_one_shot)
{
	struct ipcsvc_event ev[4];

	/* Not armed: a wake raises nothing. */
	EXPECT_EQ(0, st_wake(self->p.cfd, self->p.cch, IPCSVC_DIR_TX));
	EXPECT_EQ(-EAGAIN, st_events(self->p.sfd, ev, 4));

	ASSERT_EQ(0, st_arm(self->p.sfd, self->p.sch, IPCSVC_DIR_RX,
			    st_prod_word(1), 0));
	EXPECT_EQ(-EAGAIN, st_events(self->p.sfd, ev, 4));
	EXPECT_EQ(0, st_wake(self->p.cfd, self->p.cch, IPCSVC_DIR_TX));
	EXPECT_EQ(0, st_wake(self->p.cfd, self->p.cch, IPCSVC_DIR_TX));
	ASSERT_EQ(1, st_events(self->p.sfd, ev, 4));
	EXPECT_EQ(IPCSVC_EVENT_CHANNEL_READABLE, ev[0].type);
	EXPECT_EQ(self->p.sch, ev[0].a);
	EXPECT_EQ(0u, ev[0].b);
	EXPECT_EQ(0u, ev[0].c);
	EXPECT_EQ(0, st_wake(self->p.cfd, self->p.cch, IPCSVC_DIR_TX));
	EXPECT_EQ(-EAGAIN, st_events(self->p.sfd, ev, 4));
}

/* Arming when the word already moved fires at once: no lost wakeup. */
TEST_F(events, arm_fires_at_once_when_word_differs)
{
	struct ipcsvc_event ev;
	uint8_t *tx = st_map(self->p.cfd, self->p.cch, IPCSVC_DIR_TX,
			     PROT_READ | PROT_WRITE);

	ASSERT_NE(NULL, tx);
	*(volatile uint64_t *)(tx + st_prod_word(1)) = 3;
	ASSERT_EQ(0, st_arm(self->p.sfd, self->p.sch, IPCSVC_DIR_RX,
			    st_prod_word(1), 2));
	ASSERT_EQ(1, st_events(self->p.sfd, &ev, 1));
	EXPECT_EQ(IPCSVC_EVENT_CHANNEL_READABLE, ev.type);
}

TEST_F(events, channel_writable_after_space_freed)
{
	struct ipcsvc_event ev;

	ASSERT_EQ(0, st_arm(self->p.cfd, self->p.cch, IPCSVC_DIR_TX,
			    st_cons_word(0), 0));
	EXPECT_EQ(0, st_wake(self->p.sfd, self->p.sch, IPCSVC_DIR_RX));
	ASSERT_EQ(1, st_events(self->p.cfd, &ev, 1));
	EXPECT_EQ(IPCSVC_EVENT_CHANNEL_WRITABLE, ev.type);
	EXPECT_EQ(self->p.cch, ev.a);
}

TEST_F(events, arm_checks_arguments)
{
	struct ipcsvc_wait w = {
		.size = sizeof(w), .handle = self->p.sch, .dir = IPCSVC_DIR_RX,
		.offset = ST_PAGE, .timeout_ns = 1,
	};

	EXPECT_EQ(-EINVAL, st_ioctl(self->p.sfd, IPCSVC_IOC_ARM, &w));
	EXPECT_EQ(-EINVAL, st_arm(self->p.sfd, self->p.sch, IPCSVC_DIR_RX,
				  ST_PAGE + 1, 0));
	EXPECT_EQ(-EBADF, st_arm(self->p.sfd, self->p.svc, IPCSVC_DIR_RX,
				 ST_PAGE, 0));
}

TEST_F(events, peer_closed_on_close_and_fd_close)
{
	struct ipcsvc_event ev[2];
	uint32_t ch2 = 0;

	ASSERT_EQ(0, st_close(self->p.cfd, self->p.cch));
	ASSERT_EQ(1, st_events(self->p.sfd, ev, 2));
	EXPECT_EQ(IPCSVC_EVENT_PEER_CLOSED, ev[0].type);
	EXPECT_EQ(self->p.sch, ev[0].a);
	/* Closing the server's port: the client's channel learns it. */
	ASSERT_EQ(0, st_connect(self->p.cfd, "events.svc", 1, &ch2));
	close(self->p.sfd);
	self->p.sfd = -1;
	ASSERT_EQ(2, st_events(self->p.cfd, ev, 2));
	EXPECT_EQ(IPCSVC_EVENT_PEER_CLOSED, ev[0].type);
	EXPECT_EQ(ch2, ev[0].a);
	EXPECT_EQ(IPCSVC_EVENT_SERVICE_GONE, ev[1].type);
	EXPECT_EQ(ch2, ev[1].a);
	EXPECT_EQ(-EPIPE, st_arm(self->p.cfd, ch2, IPCSVC_DIR_RX,
				 ST_PAGE, 0));
}

TEST_F(events, service_gone_reaches_clients)
{
	struct ipcsvc_event ev[2];

	ASSERT_EQ(0, st_close(self->p.sfd, self->p.svc));
	ASSERT_EQ(1, st_events(self->p.cfd, ev, 2));
	EXPECT_EQ(IPCSVC_EVENT_SERVICE_GONE, ev[0].type);
	EXPECT_EQ(self->p.cch, ev[0].a);
	/* The channel itself still works. */
	EXPECT_EQ(0, st_wake(self->p.cfd, self->p.cch, IPCSVC_DIR_TX));
}

/*
 * Many connects and closes pile up without reading: nothing is lost, each
 * channel reports ServiceConnected and then PeerClosed, and repeated
 * events on one handle coalesce.
 */
TEST_F(events, nothing_lost_under_load)
{
	struct ipcsvc_event ev[256];
	uint32_t ch[100];
	int connected = 0, closed = 0, readable = 0, n;

	ASSERT_EQ(1, 1);
	for (int i = 0; i < 100; i++)
		ASSERT_EQ(0, st_connect(self->p.cfd, "events.svc", 1, &ch[i]));
	ASSERT_EQ(0, st_arm(self->p.sfd, self->p.sch, IPCSVC_DIR_RX,
			    st_prod_word(1), 0));
	for (int i = 0; i < 1000; i++)
		st_wake(self->p.cfd, self->p.cch, IPCSVC_DIR_TX);
	for (int i = 0; i < 100; i++)
		ASSERT_EQ(0, st_close(self->p.cfd, ch[i]));
	n = st_events(self->p.sfd, ev, 256);
	ASSERT_EQ(201, n);
	for (int i = 0; i < n; i++) {
		connected += ev[i].type == IPCSVC_EVENT_SERVICE_CONNECTED;
		closed += ev[i].type == IPCSVC_EVENT_PEER_CLOSED;
		readable += ev[i].type == IPCSVC_EVENT_CHANNEL_READABLE;
	}
	EXPECT_EQ(100, connected);
	EXPECT_EQ(100, closed);
	EXPECT_EQ(1, readable);
}

TEST_HARNESS_MAIN
