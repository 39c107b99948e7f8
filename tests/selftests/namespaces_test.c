// SPDX-License-Identifier: GPL-2.0
/*
 * Isolation: service names are unique per IPC namespace, and a connect
 * only sees the caller's namespace.
 */
#include <sched.h>
#include <sys/wait.h>

#include "ipcsvc_st.h"
#include "kselftest_harness.h"

/* In a child with a new IPC namespace, run @fn and return its status. */
static int in_new_ipc_ns(int (*fn)(void))
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (unshare(CLONE_NEWIPC))
			_exit(200);
		_exit(fn());
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int connect_host_service(void)
{
	int fd = st_open();

	return fd < 0 ? 201 : -st_connect(fd, "ns.host", 1, NULL);
}

static int create_same_name(void)
{
	int fd = st_open(), fd2 = st_open();
	uint32_t ch = 0;
	int ret;

	if (fd < 0 || fd2 < 0)
		return 201;
	ret = st_service(fd, "ns.host", 1, 0666, NULL);
	if (ret)
		return -ret;
	/* And it is reachable inside this namespace. */
	ret = st_connect(fd2, "ns.host", 1, &ch);
	return -ret;
}

TEST(host_service_invisible_in_new_namespace)
{
	int fd = st_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, st_service(fd, "ns.host", 1, 0666, NULL));
	EXPECT_EQ(ENOENT, in_new_ipc_ns(connect_host_service));
	EXPECT_EQ(0, in_new_ipc_ns(create_same_name));
	/* The host's own service is untouched. */
	EXPECT_EQ(0, st_connect(fd, "ns.host", 1, NULL));
	close(fd);
}

/* A port opened before unshare() stays in the namespace it was opened in. */
TEST(port_keeps_its_namespace)
{
	int fd = st_open(), status;
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, st_service(fd, "ns.keep", 1, 0666, NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (unshare(CLONE_NEWIPC))
			_exit(200);
		_exit(-st_connect(fd, "ns.keep", 1, NULL));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(fd);
}

TEST_HARNESS_MAIN
