// SPDX-License-Identifier: GPL-2.0
/*
 * Targeted racers: two threads on two CPUs drive the same channel through
 * the module's few shared paths at once, as fast as they can, for a
 * bounded time. Each case checks what the ABI promises when they collide;
 * in the KCSAN guest they are also what gives the data-race detector
 * concurrent accesses to see (a general stress meets on a given field too
 * seldom for its watch windows).
 *
 *  - arm_races_publish: one side publishes and wakes while the other
 *    re-arms ChannelReadable with the value it last saw. Whichever comes
 *    first, the arming must fire: a lost event hangs the ring. (A wake
 *    that arrives late, after an arming that fired at once, may fire the
 *    next arming early; the ABI allows that, and the server re-arms.)
 *  - wake_arm_wait_race_close: wakes, arms and waits on one end while the
 *    other end, its port or its handle, closes: only the documented
 *    errnos, and every sleeper wakes.
 *  - waiter_loses_its_last_reference: a thread asleep in WAIT whose own
 *    handle (or port fd) and whose peer are closed under it, so that the
 *    reference the wait holds is the channel's last.
 *  - service_gone_races_connect: clients connect while their service is
 *    closed and made again; every connect that succeeded must be told
 *    ServiceGone, whether the server had read its ServiceConnected or
 *    not, and every handle must be gone from both ports at the end.
 *
 * RACE_TIME (seconds, default 2) bounds each case.
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ipcsvc_st.h"
#include "kselftest_harness.h"

#define MS		1000000LL

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The end of a case's racing, RACE_TIME seconds from now. */
static int64_t race_end(void)
{
	const char *t = getenv("RACE_TIME");

	/* set but empty, as the guest's /config passes it, is unset */
	return now_ns() + (t && *t ? atoll(t) : 2) * 1000000000LL;
}

/* Run the calling thread on CPU @cpu modulo the CPUs there are. */
static void pin(int cpu)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (n < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu % n, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ---- arm_races_publish ---- */

struct publisher {
	struct st_pair *p;
	volatile uint64_t *word;	/* the client's producer word */
	_Atomic uint64_t seen;		/* the last value the server saw */
	_Atomic bool stop;
	int error;
};

/*
 * Publish the next value once the server has seen the last one, after a
 * pause of random length, so that the server's arming falls before, in
 * and after the store and the wake.
 */
static void *publish(void *arg)
{
	struct publisher *pub = arg;
	uint64_t v = 0, s = 0x853c49e6748fea9bULL;

	pin(1);
	while (!atomic_load(&pub->stop)) {
		if (atomic_load_explicit(&pub->seen, memory_order_acquire) != v)
			continue;
		for (volatile uint64_t n = rnd(&s) % 4096; n; n--)
			;
		/* pairs with the comparison ARM makes of this word */
		__atomic_store_n(pub->word, ++v, __ATOMIC_RELEASE);
		int rc = st_wake(pub->p->cfd, pub->p->cch, IPCSVC_DIR_TX);

		if (rc) {
			pub->error = rc;
			break;
		}
	}
	return NULL;
}

TEST(arm_races_publish)
{
	struct publisher pub = { 0 };
	struct st_pair p = { .sfd = -1, .cfd = -1 };
	int64_t end = race_end();
	uint64_t seen = 0, at_once = 0, early = 0, v;
	pthread_t th;
	uint8_t *ctx;

	ASSERT_EQ(0, st_pair_open(&p, "race.arm", 0, 0));
	ctx = st_map(p.cfd, p.cch, IPCSVC_DIR_TX, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, ctx);
	pub.p = &p;
	pub.word = (volatile uint64_t *)(ctx + st_prod_word(1));
	pin(0);
	ASSERT_EQ(0, pthread_create(&th, NULL, publish, &pub));

	while (now_ns() < end && !pub.error) {
		struct pollfd pfd = { .fd = p.sfd, .events = POLLIN };
		struct ipcsvc_event ev;

		/* Arm with what we saw: the publisher may be before, in or
		 * after its store and wake. Exactly one event must come. */
		ASSERT_EQ(0, st_arm(p.sfd, p.sch, IPCSVC_DIR_RX, st_prod_word(1),
				    seen));
		if (poll(&pfd, 1, 0) == 1)
			at_once++;
		ASSERT_EQ(1, poll(&pfd, 1, 10000)) {
			TH_LOG("ChannelReadable lost after %llu rounds",
			       (unsigned long long)seen);
		}
		ASSERT_EQ(1, st_events(p.sfd, &ev, 1));
		ASSERT_EQ(IPCSVC_EVENT_CHANNEL_READABLE, ev.type);
		ASSERT_EQ(p.sch, (uint32_t)ev.a);
		/* pairs with the release store in publish() */
		v = __atomic_load_n(pub.word, __ATOMIC_ACQUIRE);
		if (v == seen) {	/* a late wake's: arm again */
			early++;
			continue;
		}
		ASSERT_EQ(seen + 1, v);
		seen = v;
		atomic_store_explicit(&pub.seen, seen, memory_order_release);
	}
	atomic_store(&pub.stop, true);
	pthread_join(th, NULL);
	EXPECT_EQ(0, pub.error);
	EXPECT_LT(100u, seen);
	TH_LOG("%llu rounds, %llu fired by the arming itself, %llu early",
	       (unsigned long long)seen, (unsigned long long)at_once,
	       (unsigned long long)early);
	st_pair_close(&p);
}

/* ---- wake_arm_wait_race_close ---- */

struct hammer {
	int fd;
	uint32_t handle;
	_Atomic bool go;
	int bad;		/* an errno the ABI does not allow here */
	unsigned long calls;
};

/* WAKE, ARM and WAIT on one end until the channel or handle is gone. */
static void *hammer_end(void *arg)
{
	struct hammer *h = arg;
	int rc = 0;

	pin(1);
	while (!atomic_load(&h->go))
		;
	for (unsigned long i = 0; ; i++) {
		switch (i % 5) {
		case 0:
			rc = st_wake(h->fd, h->handle, IPCSVC_DIR_TX);
			break;
		case 1:
			rc = st_wake(h->fd, h->handle, IPCSVC_DIR_RX);
			break;
		case 2:
			rc = st_arm(h->fd, h->handle, IPCSVC_DIR_TX,
				    st_cons_word(0), 0);
			break;
		case 3:
			rc = st_arm(h->fd, h->handle, IPCSVC_DIR_RX,
				    st_prod_word(0), 0);
			break;
		default:	/* now and then, sleeps until the close */
			rc = st_wait(h->fd, h->handle, IPCSVC_DIR_RX,
				     st_prod_word(0), 0,
				     i % 40 == 39 ? 5000 * MS : 0);
			if (rc == -ETIMEDOUT && i % 40 != 39)
				rc = 0;
			break;
		}
		h->calls++;
		if (!rc)
			continue;
		/* gone, or (ETIMEDOUT) a sleeper the close never woke */
		if (rc != -EPIPE && rc != -EBADSLT)
			h->bad = rc;
		break;
	}
	return NULL;
}

TEST(wake_arm_wait_race_close)
{
	int64_t end = race_end();
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	unsigned long rounds = 0, calls = 0;

	pin(0);
	while (now_ns() < end) {
		struct st_pair p = { .sfd = -1, .cfd = -1 };
		struct hammer h = { 0 };
		pthread_t th;
		int how = (int)(rnd(&s) % 4);

		ASSERT_EQ(0, st_pair_open(&p, "race.close", 0, 0));
		h.fd = p.cfd;
		h.handle = p.cch;
		ASSERT_EQ(0, pthread_create(&th, NULL, hammer_end, &h));
		atomic_store(&h.go, true);
		usleep(rnd(&s) % 2000);
		switch (how) {
		case 0:		/* the peer's end */
			EXPECT_EQ(0, st_close(p.sfd, p.sch));
			break;
		case 1:		/* the peer's port */
			close(p.sfd);
			p.sfd = -1;
			break;
		case 2:		/* the hammered handle itself */
			EXPECT_EQ(0, st_close(p.cfd, p.cch));
			break;
		default:	/* the service (its channels stay), then the port */
			EXPECT_EQ(0, st_close(p.sfd, p.svc));
			usleep(rnd(&s) % 1000);
			close(p.sfd);
			p.sfd = -1;
			break;
		}
		pthread_join(th, NULL);
		EXPECT_EQ(0, h.bad) {
			TH_LOG("round %lu (close %d): errno %d after %lu calls",
			       rounds, how, -h.bad, h.calls);
		}
		calls += h.calls;
		rounds++;
		st_pair_close(&p);
		if (!_metadata->passed)
			break;
	}
	TH_LOG("%lu channels closed under %lu wakes, arms and waits",
	       rounds, calls);
}

/* ---- waiter_loses_its_last_reference ---- */

struct waiter {
	int fd;
	uint32_t handle;
	_Atomic bool entering;
	int rc;
};

static void *wait_forever(void *arg)
{
	struct waiter *w = arg;

	pin(1);
	atomic_store(&w->entering, true);
	w->rc = st_wait(w->fd, w->handle, IPCSVC_DIR_RX, st_prod_word(0), 0,
			10000 * MS);
	return NULL;
}

TEST(waiter_loses_its_last_reference)
{
	int64_t end = race_end();
	uint64_t s = 0x2545f4914f6cdd1dULL;
	unsigned long rounds = 0, asleep = 0;

	pin(0);
	while (now_ns() < end) {
		struct st_pair p = { .sfd = -1, .cfd = -1 };
		struct waiter w = { 0 };
		pthread_t th;
		int how = (int)(rounds % 3);

		/* Nothing is mapped: the handles and the wait are all that
		 * hold the channel. */
		ASSERT_EQ(0, st_pair_open(&p, "race.waiter", 0, 0));
		w.fd = p.cfd;
		w.handle = p.cch;
		ASSERT_EQ(0, pthread_create(&th, NULL, wait_forever, &w));
		while (!atomic_load(&w.entering))
			;
		usleep(200 + rnd(&s) % 1000);
		switch (how) {
		case 0:		/* the peer goes, then the waiter's handle */
			close(p.sfd);
			p.sfd = -1;
			EXPECT_EQ(0, st_close(p.cfd, p.cch));
			break;
		case 1:		/* the waiter's handle, then the peer */
			EXPECT_EQ(0, st_close(p.cfd, p.cch));
			close(p.sfd);
			p.sfd = -1;
			break;
		default:	/* the waiter's port fd itself, then the peer */
			close(p.cfd);
			p.cfd = -1;
			close(p.sfd);
			p.sfd = -1;
			break;
		}
		pthread_join(th, NULL);
		/* asleep when the handle went, or not yet looked it up; a
		 * closed port fd fails a wait that had not reached the
		 * kernel yet with EBADF */
		EXPECT_TRUE(w.rc == -EPIPE || w.rc == -EBADSLT ||
			    (how == 2 && w.rc == -EBADF)) {
			TH_LOG("round %lu (close %d): %d", rounds, how, w.rc);
		}
		asleep += w.rc == -EPIPE;
		rounds++;
		st_pair_close(&p);
		if (!_metadata->passed)
			break;
	}
	EXPECT_LT(0ul, asleep);
	TH_LOG("%lu waiters closed under, %lu of them asleep", rounds, asleep);
}

/* ---- service_gone_races_connect ---- */

struct connector {
	_Atomic bool stop;
	unsigned long connected, refused;
	long handles_left;
	int bad;
	char why[96];
};

/* Wait until @h of port @fd is told ServiceGone; 0, or -ETIMEDOUT. */
static int await_gone(int fd, uint32_t h)
{
	int64_t until = now_ns() + 5000 * MS;

	while (now_ns() < until) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct ipcsvc_event ev[4];
		int n;

		if (poll(&pfd, 1, 100) != 1)
			continue;
		n = st_events(fd, ev, 4);
		for (int i = 0; i < n; i++)
			if (ev[i].type == IPCSVC_EVENT_SERVICE_GONE &&
			    (uint32_t)ev[i].a == h)
				return 0;
	}
	return -ETIMEDOUT;
}

static void *connect_loop(void *arg)
{
	struct connector *c = arg;
	int fd = st_open();

	pin(1);
	while (fd >= 0 && !atomic_load(&c->stop)) {
		uint32_t h;
		int rc = st_connect(fd, "race.gone", 1, &h);

		/* between two services, closing, or its backlog full */
		if (rc == -ENOENT || rc == -ECONNREFUSED || rc == -EAGAIN) {
			c->refused++;
			continue;
		}
		if (rc) {
			c->bad = rc;
			snprintf(c->why, sizeof(c->why), "connect: %d", rc);
			break;
		}
		c->connected++;
		/* its service is closed sooner or later */
		if (await_gone(fd, h)) {
			c->bad = -ETIMEDOUT;
			snprintf(c->why, sizeof(c->why), "connection %lu: no "
				 "ServiceGone", c->connected);
			break;
		}
		st_close(fd, h);
	}
	c->handles_left = fd < 0 ? -1 : st_fdinfo(fd, "ipcsvc-handles");
	if (fd >= 0)
		close(fd);
	return NULL;
}

TEST(service_gone_races_connect)
{
	struct connector c = { 0 };
	int64_t end = race_end();
	uint64_t s = 0x6a09e667f3bcc909ULL;
	unsigned long services = 0, read_first = 0;
	pthread_t th;
	int sfd;

	pin(0);
	sfd = st_open();
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, pthread_create(&th, NULL, connect_loop, &c));
	while (now_ns() < end && !c.bad) {
		uint32_t svc, accepted[8];
		int n = 0;

		ASSERT_EQ(0, st_service(sfd, "race.gone", 1, 0666, &svc));
		services++;
		if (services % 4 == 0) {
			/* now and then, long enough for a connect to land,
			 * however slow the kernel: some must succeed */
			struct pollfd pfd = { .fd = sfd, .events = POLLIN };

			poll(&pfd, 1, 200);
		} else {
			for (volatile uint64_t k = rnd(&s) % 20000; k; k--)
				;
		}
		/* Half the time the server reads its ServiceConnected first:
		 * those channels stay up, the others close with the service;
		 * the clients are told ServiceGone either way. */
		if (rnd(&s) % 2) {
			struct pollfd pfd = { .fd = sfd, .events = POLLIN };
			struct ipcsvc_event ev[8];
			int got = poll(&pfd, 1, 0) == 1 ? st_events(sfd, ev, 8) : 0;

			for (int i = 0; i < got; i++)
				if (ev[i].type == IPCSVC_EVENT_SERVICE_CONNECTED)
					accepted[n++] = (uint32_t)ev[i].b;
			read_first += n;
		}
		ASSERT_EQ(0, st_close(sfd, svc));
		for (int i = 0; i < n; i++)
			EXPECT_EQ(0, st_close(sfd, accepted[i]));
	}
	atomic_store(&c.stop, true);
	pthread_join(th, NULL);
	EXPECT_EQ(0, c.bad) {
		TH_LOG("%s", c.why);
	}
	EXPECT_LT(0ul, c.connected);
	/* every handle either side had is closed: none is left behind */
	EXPECT_EQ(0, c.handles_left);
	EXPECT_EQ(0, st_fdinfo(sfd, "ipcsvc-handles"));
	EXPECT_EQ(0, st_fdinfo(sfd, "ipcsvc-events"));
	TH_LOG("%lu services, %lu connections told ServiceGone (%lu read by "
	       "the server first), %lu connects refused", services,
	       c.connected, read_first, c.refused);
	close(sfd);
}

TEST_HARNESS_MAIN
