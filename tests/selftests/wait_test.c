// SPDX-License-Identifier: GPL-2.0
/*
 * Wait and wake: a thread sleeps until a word of the producer or consumer
 * page differs from the value it read, the peer wakes it, a signal or the
 * timeout ends the wait, or the peer is gone (EPIPE).
 */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "ipcsvc_st.h"
#include "kselftest_harness.h"

#define MS	1000000LL

FIXTURE(wait) {
	struct st_pair p;
	uint8_t *ctx;	/* client's TX area: it produces there */
};

FIXTURE_SETUP(wait)
{
	self->p.sfd = self->p.cfd = -1;
	ASSERT_EQ(0, st_pair_open(&self->p, "wait.svc", 0, 0));
	self->ctx = st_map(self->p.cfd, self->p.cch, IPCSVC_DIR_TX,
			   PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, self->ctx);
}

FIXTURE_TEARDOWN(wait)
{
	st_pair_close(&self->p);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

TEST_F(wait, returns_at_once_when_word_differs)
{
	*(volatile uint64_t *)(self->ctx + st_prod_word(1)) = 5;
	EXPECT_EQ(0, st_wait(self->p.sfd, self->p.sch, IPCSVC_DIR_RX,
			     st_prod_word(1), 4, -1));
}

TEST_F(wait, times_out)
{
	int64_t t0 = now_ns();

	EXPECT_EQ(-ETIMEDOUT, st_wait(self->p.sfd, self->p.sch, IPCSVC_DIR_RX,
				      st_prod_word(1), 0, 50 * MS));
	EXPECT_LE(45 * MS, now_ns() - t0);
	EXPECT_EQ(-ETIMEDOUT, st_wait(self->p.sfd, self->p.sch, IPCSVC_DIR_RX,
				      st_prod_word(1), 0, 0));
}

TEST_F(wait, bad_offsets_are_einval)
{
	int fd = self->p.sfd;
	uint32_t h = self->p.sch;

	EXPECT_EQ(-EINVAL, st_wait(fd, h, IPCSVC_DIR_RX, 0, 0, 0));
	EXPECT_EQ(-EINVAL, st_wait(fd, h, IPCSVC_DIR_RX, ST_PAGE + 4, 0, 0));
	EXPECT_EQ(-EINVAL, st_wait(fd, h, IPCSVC_DIR_RX, ST_PAGE - 8, 0, 0));
	EXPECT_EQ(-EINVAL, st_wait(fd, h, IPCSVC_DIR_RX, st_prod_word(32), 0,
				   0));
	EXPECT_EQ(-EINVAL, st_wait(fd, h, IPCSVC_DIR_RX, 2 * ST_PAGE, 0, 0));
	EXPECT_EQ(-EINVAL, st_wait(fd, h, IPCSVC_DIR_RX, st_cons_word(0) - 8,
				   0, 0));
	EXPECT_EQ(-EINVAL, st_wait(fd, h, IPCSVC_DIR_RX, st_cons_word(32), 0,
				   0));
	EXPECT_EQ(-EINVAL, st_wait(fd, h, IPCSVC_DIR_RX, 3 * ST_PAGE, 0, 0));
	EXPECT_EQ(-EINVAL, st_wait(fd, h, IPCSVC_DIR_RX, ~0ULL & ~7ULL, 0, 0));
	EXPECT_EQ(-EINVAL, st_wait(fd, h, 2, ST_PAGE, 0, 0));
	EXPECT_EQ(-ETIMEDOUT, st_wait(fd, h, IPCSVC_DIR_TX,
				      st_cons_word(0), 0, 0));
	EXPECT_EQ(-ETIMEDOUT, st_wait(fd, h, IPCSVC_DIR_RX,
				      st_prod_word(31), 0, 0));
	EXPECT_EQ(-ETIMEDOUT, st_wait(fd, h, IPCSVC_DIR_TX,
				      st_cons_word(31), 0, 0));
}

TEST_F(wait, bad_flags_are_einval)
{
	struct ipcsvc_wait w = {
		.size = sizeof(w), .handle = self->p.sch, .dir = IPCSVC_DIR_RX,
		.offset = ST_PAGE, .flags = 2,
	};
	struct ipcsvc_wake k = {
		.size = sizeof(k), .handle = self->p.sch, .flags = 1,
	};

	EXPECT_EQ(-EINVAL, st_ioctl(self->p.sfd, IPCSVC_IOC_WAIT, &w));
	w.flags = IPCSVC_WAIT_ABSTIME | (1u << 31);
	EXPECT_EQ(-EINVAL, st_ioctl(self->p.sfd, IPCSVC_IOC_WAIT, &w));
	EXPECT_EQ(-EINVAL, st_ioctl(self->p.sfd, IPCSVC_IOC_WAKE, &k));
	k.flags = 0;
	k.dir = 2;
	EXPECT_EQ(-EINVAL, st_ioctl(self->p.sfd, IPCSVC_IOC_WAKE, &k));
	EXPECT_EQ(-EFAULT, st_ioctl(self->p.sfd, IPCSVC_IOC_WAIT, (void *)8));
}

/* A deadline that has passed (or 0, the clock's origin): at once. */
TEST_F(wait, abstime_in_the_past_times_out)
{
	int fd = self->p.sfd;
	uint32_t h = self->p.sch;

	EXPECT_EQ(-ETIMEDOUT, st_wait_flags(fd, h, IPCSVC_DIR_RX,
					    st_prod_word(1), 0, now_ns() - MS,
					    IPCSVC_WAIT_ABSTIME));
	EXPECT_EQ(-ETIMEDOUT, st_wait_flags(fd, h, IPCSVC_DIR_RX,
					    st_prod_word(1), 0, 0,
					    IPCSVC_WAIT_ABSTIME));
	/* A word that differs still wins over the deadline. */
	*(volatile uint64_t *)(self->ctx + st_prod_word(1)) = 1;
	EXPECT_EQ(0, st_wait_flags(fd, h, IPCSVC_DIR_RX, st_prod_word(1), 0,
				   now_ns() - MS, IPCSVC_WAIT_ABSTIME));
}

/* A CLOCK_MONOTONIC deadline: no return before it (no upper bound). */
TEST_F(wait, abstime_waits_until_deadline)
{
	int64_t deadline = now_ns() + 50 * MS;

	EXPECT_EQ(-ETIMEDOUT, st_wait_flags(self->p.sfd, self->p.sch,
					    IPCSVC_DIR_RX, st_prod_word(1), 0,
					    deadline, IPCSVC_WAIT_ABSTIME));
	EXPECT_LE(deadline, now_ns());
}

struct waker {
	int fd;
	uint32_t h;
	uint32_t dir;
	volatile uint64_t *word;
};

static void *wake_later(void *arg)
{
	struct waker *w = arg;

	usleep(50000);
	if (w->word)
		*w->word = 1;
	st_wake(w->fd, w->h, w->dir);
	return NULL;
}

/* The producer's TX wake ends the consumer's RX wait. */
TEST_F(wait, tx_wake_ends_rx_wait)
{
	struct waker w = { self->p.cfd, self->p.cch, IPCSVC_DIR_TX, NULL };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, wake_later, &w));
	EXPECT_EQ(0, st_wait(self->p.sfd, self->p.sch, IPCSVC_DIR_RX,
			     st_prod_word(1), 0, 5000 * MS));
	pthread_join(t, NULL);
}

/* The consumer's RX wake ends the producer's TX wait. */
TEST_F(wait, rx_wake_ends_tx_wait)
{
	struct waker w = { self->p.sfd, self->p.sch, IPCSVC_DIR_RX, NULL };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, wake_later, &w));
	EXPECT_EQ(0, st_wait(self->p.cfd, self->p.cch, IPCSVC_DIR_TX,
			     st_cons_word(0), 0, 5000 * MS));
	pthread_join(t, NULL);
}

/* A wake of the other direction is no reason to return. */
TEST_F(wait, wake_of_other_direction_is_ignored)
{
	EXPECT_EQ(0, st_wake(self->p.cfd, self->p.cch, IPCSVC_DIR_RX));
	EXPECT_EQ(-ETIMEDOUT, st_wait(self->p.sfd, self->p.sch, IPCSVC_DIR_RX,
				      st_prod_word(1), 0, 20 * MS));
}

static volatile sig_atomic_t handled;

static void on_alarm(int sig)
{
	(void)sig;
	handled++;
}

TEST_F(wait, signal_interrupts_with_eintr)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	alarm(1);
	EXPECT_EQ(-EINTR, st_wait(self->p.sfd, self->p.sch, IPCSVC_DIR_RX,
				  st_prod_word(1), 0, -1));
}

/*
 * Signals a thread about to wait: once @armed is set, SIGUSR1 every 20 ms,
 * @nsig times (0: until @done), then, if @wake, a TX wake from the client.
 */
struct signaller {
	pthread_t target;
	int nsig;
	int fd;
	uint32_t h;
	int wake;
	volatile int armed, done;
};

static void *signal_later(void *arg)
{
	struct signaller *s = arg;

	while (!s->armed)
		usleep(1000);
	for (int i = 0; s->nsig ? i < s->nsig : !s->done; i++) {
		usleep(20000);
		pthread_kill(s->target, SIGUSR1);
	}
	if (s->wake) {
		usleep(20000);
		st_wake(s->fd, s->h, IPCSVC_DIR_TX);
	}
	return NULL;
}

static int install_sa_restart(void)
{
	struct sigaction sa = { .sa_handler = on_alarm,
				.sa_flags = SA_RESTART };

	handled = 0;
	return sigaction(SIGUSR1, &sa, NULL);
}

/*
 * Without a limit, a handler with SA_RESTART does not end the wait: the
 * wake after the signals does. (Handlers have run by the time the ioctl
 * returns, since the signals were sent before the wake.)
 */
TEST_F_TIMEOUT(wait, sa_restart_resumes_unlimited_wait, 20)
{
	struct signaller s = { .target = pthread_self(), .nsig = 3,
			       .fd = self->p.cfd, .h = self->p.cch,
			       .wake = 1 };
	pthread_t t;

	ASSERT_EQ(0, install_sa_restart());
	ASSERT_EQ(0, pthread_create(&t, NULL, signal_later, &s));
	s.armed = 1;
	EXPECT_EQ(0, st_wait(self->p.sfd, self->p.sch, IPCSVC_DIR_RX,
			     st_prod_word(1), 0, -1));
	pthread_join(t, NULL);
	EXPECT_LE(1, handled);
}

/* With an absolute deadline, likewise. */
TEST_F_TIMEOUT(wait, sa_restart_resumes_abstime_wait, 20)
{
	struct signaller s = { .target = pthread_self(), .nsig = 3,
			       .fd = self->p.cfd, .h = self->p.cch,
			       .wake = 1 };
	pthread_t t;

	ASSERT_EQ(0, install_sa_restart());
	ASSERT_EQ(0, pthread_create(&t, NULL, signal_later, &s));
	s.armed = 1;
	EXPECT_EQ(0, st_wait_flags(self->p.sfd, self->p.sch, IPCSVC_DIR_RX,
				   st_prod_word(1), 0, now_ns() + 10000 * MS,
				   IPCSVC_WAIT_ABSTIME));
	pthread_join(t, NULL);
	EXPECT_LE(1, handled);
}

/* ...and a restarted deadline wait still ends at its deadline. */
TEST_F_TIMEOUT(wait, sa_restart_abstime_keeps_deadline, 20)
{
	struct signaller s = { .target = pthread_self(), .nsig = 0 };
	int64_t deadline;
	pthread_t t;

	ASSERT_EQ(0, install_sa_restart());
	ASSERT_EQ(0, pthread_create(&t, NULL, signal_later, &s));
	deadline = now_ns() + 200 * MS;
	s.armed = 1;
	EXPECT_EQ(-ETIMEDOUT, st_wait_flags(self->p.sfd, self->p.sch,
					    IPCSVC_DIR_RX, st_prod_word(1), 0,
					    deadline, IPCSVC_WAIT_ABSTIME));
	EXPECT_LE(deadline, now_ns());
	s.done = 1;
	pthread_join(t, NULL);
}

/* A relative timeout is not restarted: EINTR even with SA_RESTART. */
TEST_F_TIMEOUT(wait, relative_wait_interrupted_despite_sa_restart, 20)
{
	struct signaller s = { .target = pthread_self(), .nsig = 0 };
	pthread_t t;

	ASSERT_EQ(0, install_sa_restart());
	ASSERT_EQ(0, pthread_create(&t, NULL, signal_later, &s));
	s.armed = 1;
	EXPECT_EQ(-EINTR, st_wait(self->p.sfd, self->p.sch, IPCSVC_DIR_RX,
				  st_prod_word(1), 0, 10000 * MS));
	s.done = 1;
	pthread_join(t, NULL);
	EXPECT_LE(1, handled);
}

static void *close_later(void *arg)
{
	usleep(50000);
	close((int)(intptr_t)arg);
	return NULL;
}

TEST_F(wait, peer_close_ends_wait_with_epipe)
{
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, close_later,
				    (void *)(intptr_t)self->p.cfd));
	EXPECT_EQ(-EPIPE, st_wait(self->p.sfd, self->p.sch, IPCSVC_DIR_RX,
				  st_prod_word(1), 0, 5000 * MS));
	pthread_join(t, NULL);
	self->p.cfd = -1;
	EXPECT_EQ(-EPIPE, st_wake(self->p.sfd, self->p.sch, IPCSVC_DIR_RX));
}

/*
 * The server is SIGKILLed while it sleeps in a wait of its own; the
 * client's waiter wakes with EPIPE and the client gets PeerClosed.
 */
TEST(sigkill_server_mid_wait)
{
	struct ipcsvc_event ev[2];
	int cfd, status, pipefd[2];
	uint32_t cch = 0;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ipcsvc_event e;
		int sfd = st_open();

		if (sfd < 0 || st_service(sfd, "wait.kill", 1, 0666, NULL))
			_exit(1);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		while (st_events(sfd, &e, 1) != 1)
			usleep(1000);
		/* Sleep until killed. */
		st_wait(sfd, e.b, IPCSVC_DIR_RX, ST_PAGE + 8, 0, -1);
		_exit(2);
	}
	close(pipefd[1]);
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	cfd = st_open();
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, st_connect(cfd, "wait.kill", 1, &cch));
	usleep(100000);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	/* The client sleeps for its reply; the server's death ends it. */
	EXPECT_EQ(-EPIPE, st_wait(cfd, cch, IPCSVC_DIR_RX, st_prod_word(1), 0,
				  10000 * MS));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	/* The server's death also withdrew its service. */
	ASSERT_EQ(2, st_events(cfd, ev, 2));
	EXPECT_EQ(IPCSVC_EVENT_PEER_CLOSED, ev[0].type);
	EXPECT_EQ(cch, ev[0].a);
	EXPECT_EQ(IPCSVC_EVENT_SERVICE_GONE, ev[1].type);
	EXPECT_EQ(cch, ev[1].a);
	close(cfd);
	close(pipefd[0]);
}

TEST_HARNESS_MAIN
