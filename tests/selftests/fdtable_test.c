// SPDX-License-Identifier: GPL-2.0
/*
 * open() of a port never touches the caller's file table beyond the port's
 * own descriptor. On kernels without put_ipc_ns() the module pins the IPC
 * namespace through an nsfs file that the kernel can only create in a file
 * table; if that were the caller's, another thread that closes and
 * dup2()s onto the temporary descriptor would have its own file taken and
 * closed by the module.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/ipcsvc.h>

#include "kselftest_harness.h"

struct churn {
	int src;		/* a pipe end to dup2() */
	int target;		/* the descriptor we own and keep replacing */
	atomic_bool stop;
	unsigned long rounds;
	unsigned long stolen;	/* close() found our descriptor gone */
	unsigned long foreign;	/* it named a file that was not our pipe */
};

static void *churn_fn(void *arg)
{
	struct churn *c = arg;
	struct stat want, st;

	if (fstat(c->src, &want))
		return NULL;
	while (!atomic_load(&c->stop)) {
		/* Leave the slot free for a moment, as a real program might. */
		if (close(c->target) && errno == EBADF)
			c->stolen++;
		if (dup2(c->src, c->target) < 0)
			continue;	/* EBUSY: a racing open() reserved it */
		if (fstat(c->target, &st) == 0 &&
		    (st.st_ino != want.st_ino || st.st_dev != want.st_dev))
			c->foreign++;
		c->rounds++;
	}
	return NULL;
}

/*
 * The next descriptors after the port's own are where a temporary one
 * would go; a second thread keeps closing and re-creating one of them.
 */
TEST(open_leaves_other_descriptors_alone)
{
	struct churn c = { .stolen = 0 };
	int pipefd[2], fd, i, port_fd;
	time_t start;
	pthread_t t;

	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	/* The port will take the lowest free number; the temporary the next. */
	port_fd = open("/dev/" IPCSVC_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, port_fd);
	close(port_fd);
	c.src = pipefd[0];
	c.target = port_fd + 1;
	ASSERT_LE(0, dup2(c.src, c.target));
	atomic_init(&c.stop, false);
	ASSERT_EQ(0, pthread_create(&t, NULL, churn_fn, &c));

	/* Up to 5000 opens, within 10 s: a debug kernel is slow. The old
	 * module lost a descriptor in most rounds, so a few hundred do. */
	start = time(NULL);
	for (i = 0; i < 5000 && time(NULL) - start < 10; i++) {
		fd = open("/dev/" IPCSVC_DEVICE_NAME, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("open #%d: %s", i, strerror(errno));
		ASSERT_EQ(0, close(fd));
	}
	atomic_store(&c.stop, true);
	pthread_join(t, NULL);
	TH_LOG("%lu close/dup2 rounds beside %d opens", c.rounds, i);
	EXPECT_EQ(0, c.stolen);
	EXPECT_EQ(0, c.foreign);
	close(c.target);
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST_HARNESS_MAIN
