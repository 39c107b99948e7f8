// SPDX-License-Identifier: GPL-2.0
/*
 * read() of a port's events: only whole records, as many as are pending
 * and fit, and not a byte written past them; EINVAL for a count below one
 * record, EAGAIN when non-blocking and empty, EFAULT for a bad buffer
 * without losing the event. A blocking read sleeps until an event comes;
 * a signal with SA_RESTART does not end the sleep, one without does.
 */
#include <pthread.h>
#include <signal.h>

#include "ipcsvc_st.h"
#include "kselftest_harness.h"

#define REC	sizeof(struct ipcsvc_event)

FIXTURE(rd) {
	int sfd, cfd;	/* sfd blocking */
	uint32_t svc;
};

FIXTURE_SETUP(rd)
{
	self->sfd = st_open_flags(O_RDWR);
	self->cfd = st_open();
	ASSERT_LE(0, self->sfd);
	ASSERT_LE(0, self->cfd);
	ASSERT_EQ(0, st_service(self->sfd, "rd.svc", 1, 0666, &self->svc));
	/* A read that should not sleep but does fails the test. */
	alarm(20);
}

FIXTURE_TEARDOWN(rd)
{
	alarm(0);
	close(self->sfd);
	close(self->cfd);
}

static int set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl) ? -errno : 0;
}

/*
 * A huge buffer and one event: one record comes back, and not a byte more
 * is written (no zero-filling of the rest).
 */
TEST_F(rd, one_record_into_huge_buffer)
{
	const size_t len = 64 << 20;
	struct ipcsvc_event ev;
	uint8_t *buf;

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	/* Poison where a record or a fill would land, and the end. */
	memset(buf, 0xcc, 2 * ST_PAGE);
	memset(buf + len - ST_PAGE, 0xcc, ST_PAGE);
	ASSERT_EQ(0, st_connect(self->cfd, "rd.svc", 1, NULL));
	ASSERT_EQ((ssize_t)REC, read(self->sfd, buf, len));
	memcpy(&ev, buf, REC);
	EXPECT_EQ(IPCSVC_EVENT_SERVICE_CONNECTED, ev.type);
	EXPECT_EQ(0u, ev.__pad);
	EXPECT_EQ(self->svc, (uint32_t)ev.a);
	EXPECT_EQ(0xcc, buf[REC]);
	EXPECT_TRUE(st_all_bytes(buf + REC, 2 * ST_PAGE - REC, 0xcc));
	EXPECT_TRUE(st_all_bytes(buf + len - ST_PAGE, ST_PAGE, 0xcc));
	munmap(buf, len);
}

/* As many whole records as are pending and fit; never a part of one. */
TEST_F(rd, whole_records_that_fit)
{
	uint8_t buf[3 * REC + 16];

	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, st_connect(self->cfd, "rd.svc", 1, NULL));
	memset(buf, 0xcc, sizeof(buf));
	ASSERT_EQ((ssize_t)(2 * REC), read(self->sfd, buf, 2 * REC + 16));
	EXPECT_TRUE(st_all_bytes(buf + 2 * REC, REC + 16, 0xcc));
	ASSERT_EQ((ssize_t)REC, read(self->sfd, buf, sizeof(buf)));
	ASSERT_EQ(0, set_nonblock(self->sfd, true));
	EXPECT_EQ(-1, read(self->sfd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(rd, nonblocking_empty_is_eagain)
{
	uint8_t buf[REC];

	ASSERT_EQ(0, set_nonblock(self->sfd, true));
	EXPECT_EQ(-1, read(self->sfd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	/* And O_NONBLOCK at open() time, as st_open() does. */
	EXPECT_EQ(-1, read(self->cfd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
}

/* count < 32: EINVAL, before sleeping and without taking an event. */
TEST_F(rd, short_count_is_einval)
{
	uint8_t buf[REC];

	EXPECT_EQ(-1, read(self->sfd, buf, REC - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, read(self->sfd, buf, 0));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, st_connect(self->cfd, "rd.svc", 1, NULL));
	EXPECT_EQ(-1, read(self->sfd, buf, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ((ssize_t)REC, read(self->sfd, buf, REC));
}

/* A bad buffer: EFAULT, and the event is still there afterwards. */
TEST_F(rd, bad_buffer_loses_nothing)
{
	struct ipcsvc_event ev;
	void *none = mmap(NULL, ST_PAGE, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *ro = mmap(NULL, ST_PAGE, PROT_READ,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, none);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(0, st_connect(self->cfd, "rd.svc", 1, NULL));
	EXPECT_EQ(-1, read(self->sfd, none, REC));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, read(self->sfd, ro, 4 * REC));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ((ssize_t)REC, read(self->sfd, &ev, REC));
	EXPECT_EQ(IPCSVC_EVENT_SERVICE_CONNECTED, ev.type);
}

struct reader {
	int fd;
	ssize_t ret;
	int err;
	struct ipcsvc_event ev;
};

static void *blocking_read(void *arg)
{
	struct reader *r = arg;

	r->ret = read(r->fd, &r->ev, sizeof(r->ev));
	r->err = errno;
	return NULL;
}

/* Without O_NONBLOCK, read() sleeps until an event comes. */
TEST_F(rd, blocking_read_woken_by_connect)
{
	struct reader r = { .fd = self->sfd };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, blocking_read, &r));
	usleep(50000);
	ASSERT_EQ(0, st_connect(self->cfd, "rd.svc", 1, NULL));
	pthread_join(t, NULL);
	ASSERT_EQ((ssize_t)REC, r.ret) TH_LOG("errno %d", r.err);
	EXPECT_EQ(IPCSVC_EVENT_SERVICE_CONNECTED, r.ev.type);
	EXPECT_EQ(self->svc, (uint32_t)r.ev.a);
}

static volatile sig_atomic_t usr1;

static void on_usr1(int sig)
{
	(void)sig;
	usr1++;
}

/* The sleep is restartable: a handler with SA_RESTART does not end it,
 * one without does (EINTR). */
TEST_F(rd, blocking_read_and_signals)
{
	struct sigaction sa = { .sa_handler = on_usr1,
				.sa_flags = SA_RESTART };
	struct reader r = { .fd = self->sfd };
	pthread_t t;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&t, NULL, blocking_read, &r));
	for (int i = 0; i < 3; i++) {
		usleep(30000);
		pthread_kill(t, SIGUSR1);
	}
	usleep(30000);
	ASSERT_EQ(0, st_connect(self->cfd, "rd.svc", 1, NULL));
	pthread_join(t, NULL);
	EXPECT_EQ((ssize_t)REC, r.ret) TH_LOG("errno %d", r.err);
	EXPECT_LE(1, usr1);

	sa.sa_flags = 0;
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	r.ret = 0;
	ASSERT_EQ(0, pthread_create(&t, NULL, blocking_read, &r));
	/* Repeat until the thread is out of read(): a signal that lands
	 * before the thread sleeps is simply handled. */
	for (int i = 0; i < 200; i++) {
		usleep(10000);
		pthread_kill(t, SIGUSR1);
		if (r.ret)
			break;
	}
	pthread_join(t, NULL);
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);
}

TEST_HARNESS_MAIN
