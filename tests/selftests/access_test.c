// SPDX-License-Identifier: GPL-2.0
/*
 * Access control: a service's mode says who may connect, like a Unix
 * socket's permissions. A forbidden connect fails with EACCES.
 */
#include <sys/wait.h>

#include "ipcsvc_st.h"
#include "kselftest_harness.h"

#define NOBODY	65534

/* Connect to @name as uid/gid NOBODY in a child; returns its -errno. */
static int connect_as_nobody(const char *name)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd, ret;

		if (setgid(NOBODY) || setuid(NOBODY))
			_exit(100);
		fd = st_open();
		if (fd < 0)
			_exit(101);
		ret = st_connect(fd, name, 1, NULL);
		_exit(-ret);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	return -WEXITSTATUS(status);
}

FIXTURE(access) {
	int fd;
};

FIXTURE_SETUP(access)
{
	if (geteuid() != 0)
		SKIP(return, "needs root to switch uid");
	self->fd = st_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(access)
{
	if (self->fd > 0)
		close(self->fd);
}

TEST_F(access, owner_only_denies_other_uid)
{
	ASSERT_EQ(0, st_service(self->fd, "acc.0600", 1, 0600, NULL));
	EXPECT_EQ(-EACCES, connect_as_nobody("acc.0600"));
}

TEST_F(access, other_write_bit_allows)
{
	ASSERT_EQ(0, st_service(self->fd, "acc.0602", 1, 0602, NULL));
	EXPECT_EQ(0, connect_as_nobody("acc.0602"));
}

TEST_F(access, other_read_bit_alone_denies)
{
	ASSERT_EQ(0, st_service(self->fd, "acc.0604", 1, 0604, NULL));
	EXPECT_EQ(-EACCES, connect_as_nobody("acc.0604"));
}

TEST_F(access, group_bit_applies_to_group)
{
	ASSERT_EQ(0, setegid(NOBODY));
	ASSERT_EQ(0, st_service(self->fd, "acc.0620", 1, 0620, NULL));
	ASSERT_EQ(0, setegid(0));
	EXPECT_EQ(0, connect_as_nobody("acc.0620"));
	ASSERT_EQ(0, st_service(self->fd, "acc.0602g", 1, 0602 & ~02, NULL));
	EXPECT_EQ(-EACCES, connect_as_nobody("acc.0602g"));
}

/* The owner with CAP_DAC_OVERRIDE connects whatever the mode. */
TEST_F(access, root_overrides_mode)
{
	ASSERT_EQ(0, st_service(self->fd, "acc.0000", 1, 0, NULL));
	EXPECT_EQ(0, st_connect(self->fd, "acc.0000", 1, NULL));
}

/* A denied connect leaves no trace at the server. */
TEST_F(access, denial_raises_no_event)
{
	struct ipcsvc_event ev;

	ASSERT_EQ(0, st_service(self->fd, "acc.quiet", 1, 0600, NULL));
	EXPECT_EQ(-EACCES, connect_as_nobody("acc.quiet"));
	EXPECT_EQ(-EAGAIN, st_events(self->fd, &ev, 1));
}

TEST_HARNESS_MAIN
