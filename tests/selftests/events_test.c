// SPDX-License-Identifier: GPL-2.0
/*
 * Events through poll() and read(): ServiceConnected, ChannelReadable
 * (armed, one-shot), ChannelWritable, PeerClosed and ServiceGone, with
 * per-handle coalescing so that nothing is ever lost.
 */
#include <poll.h>
#include <pthread.h>
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
	struct ipcsvc_arm a = {
		.size = sizeof(a), .handle = self->p.sch, .dir = IPCSVC_DIR_RX,
		.offset = st_prod_word(1), .flags = 1,
	};
	int fd = self->p.sfd;
	uint32_t h = self->p.sch;

	EXPECT_EQ(-EINVAL, st_ioctl(fd, IPCSVC_IOC_ARM, &a));
	a.flags = 1u << 31;
	EXPECT_EQ(-EINVAL, st_ioctl(fd, IPCSVC_IOC_ARM, &a));
	EXPECT_EQ(-EINVAL, st_arm(fd, h, IPCSVC_DIR_RX, st_prod_word(0) + 1, 0));
	EXPECT_EQ(-EINVAL, st_arm(fd, h, IPCSVC_DIR_RX, 0, 0));
	EXPECT_EQ(-EINVAL, st_arm(fd, h, IPCSVC_DIR_RX, st_prod_word(32), 0));
	EXPECT_EQ(-EINVAL, st_arm(fd, h, IPCSVC_DIR_RX, 2 * ST_PAGE, 0));
	EXPECT_EQ(-EINVAL, st_arm(fd, h, IPCSVC_DIR_RX, st_cons_word(32), 0));
	EXPECT_EQ(-EINVAL, st_arm(fd, h, IPCSVC_DIR_RX, 3 * ST_PAGE, 0));
	EXPECT_EQ(-EINVAL, st_arm(fd, h, 2, st_prod_word(1), 0));
	EXPECT_EQ(-EPROTOTYPE, st_arm(fd, self->p.svc, IPCSVC_DIR_RX,
				      st_prod_word(1), 0));
	EXPECT_EQ(-EBADSLT, st_arm(fd, h + 10, IPCSVC_DIR_RX,
				   st_prod_word(1), 0));
	/* The last word of each range is fine. */
	EXPECT_EQ(0, st_arm(fd, h, IPCSVC_DIR_RX, st_prod_word(31), 0));
	EXPECT_EQ(0, st_arm(fd, h, IPCSVC_DIR_TX, st_cons_word(31), 0));
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

/*
 * ServiceGone racing connect: a client thread connects while the server
 * closes the service, over and over. A connect that succeeded must lead to
 * ServiceGone or PeerClosed on the client's port; the server, which closed
 * its service handle without reading, must never read a ServiceConnected
 * of it (closing a handle discards its events), and must not be left with
 * a channel handle it was never told about.
 */
#define RACE_ROUNDS	300

struct gone_race {
	int cfd;
	pthread_barrier_t go;
	int ret;
	uint32_t ch;
};

static void *race_connect(void *arg)
{
	struct gone_race *r = arg;

	pthread_barrier_wait(&r->go);
	r->ret = st_connect(r->cfd, "events.race", 1, &r->ch);
	return NULL;
}

/* Wait up to 10 s for ServiceGone or PeerClosed of @ch on @fd. */
static int wait_gone_or_closed(int fd, uint32_t ch)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct ipcsvc_event ev[8];

	for (int tries = 0; tries < 100; tries++) {
		int n = st_events(fd, ev, 8);

		for (int i = 0; i < n; i++)
			if ((uint32_t)ev[i].a == ch &&
			    (ev[i].type == IPCSVC_EVENT_SERVICE_GONE ||
			     ev[i].type == IPCSVC_EVENT_PEER_CLOSED))
				return ev[i].type;
		if (n <= 0 && poll(&pfd, 1, 100) < 0)
			return -errno;
	}
	return 0;
}

FIXTURE(race) {
	int sfd, cfd;
};

FIXTURE_SETUP(race)
{
	self->sfd = st_open();
	self->cfd = st_open();
	ASSERT_LE(0, self->sfd);
	ASSERT_LE(0, self->cfd);
}

FIXTURE_TEARDOWN(race)
{
	close(self->sfd);
	close(self->cfd);
}

TEST_F_TIMEOUT(race, service_gone_races_connect, 100)
{
	int connected = 0, refused = 0, peer_closed = 0;
	struct ipcsvc_event ev[8];
	uint32_t first = 0, svc = 0;
	struct gone_race r;
	pthread_t t;

	r.cfd = self->cfd;
	ASSERT_EQ(0, pthread_barrier_init(&r.go, NULL, 2));
	for (int i = 0; i < RACE_ROUNDS; i++) {
		int n, got;

		ASSERT_EQ(0, st_service(self->sfd, "events.race", 1, 0666,
					&svc));
		if (!i)
			first = svc;
		r.ret = 1;
		ASSERT_EQ(0, pthread_create(&t, NULL, race_connect, &r));
		pthread_barrier_wait(&r.go);
		/* Shift the interleaving from round to round. */
		for (volatile int k = 0; k < (i % 32) * 1000; k++)
			;
		ASSERT_EQ(0, st_close(self->sfd, svc));
		pthread_join(t, NULL);

		/* Nothing of the closed service may be read any more. */
		while ((n = st_events(self->sfd, ev, 8)) > 0) {
			for (int j = 0; j < n; j++) {
				ASSERT_NE(IPCSVC_EVENT_SERVICE_CONNECTED,
					  ev[j].type)
					TH_LOG("round %d: ServiceConnected of closed service handle %u",
					       i, (uint32_t)ev[j].a);
			}
		}
		ASSERT_EQ(-EAGAIN, n);

		if (r.ret) {
			ASSERT_TRUE(r.ret == -ENOENT || r.ret == -ECONNREFUSED)
				TH_LOG("round %d: connect: %d", i, r.ret);
			refused++;
			continue;
		}
		connected++;
		got = wait_gone_or_closed(self->cfd, r.ch);
		ASSERT_LT(0, got) TH_LOG("round %d: channel %u heard nothing",
					 i, r.ch);
		peer_closed += got == IPCSVC_EVENT_PEER_CLOSED;
		ASSERT_EQ(0, st_close(self->cfd, r.ch));
	}
	pthread_barrier_destroy(&r.go);
	ksft_print_msg("%d connects won, %d refused, %d saw PeerClosed first\n",
		       connected, refused, peer_closed);

	/* No channel end the server never heard of is left in its port:
	 * the lowest free handle is still the first service's. */
	ASSERT_EQ(0, st_service(self->sfd, "events.race", 1, 0666, &svc));
	EXPECT_EQ(first, svc);
}

TEST_HARNESS_MAIN
