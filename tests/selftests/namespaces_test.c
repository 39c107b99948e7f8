// SPDX-License-Identifier: GPL-2.0
/*
 * Isolation: service names are unique per IPC namespace, and a connect
 * only sees the caller's namespace.
 */
#include <sched.h>
#include <sys/stat.h>
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

/*
 * Parent and child talk over a pair of pipes: each message is one int, a
 * step result (0 or a positive errno) or a command.
 */
struct ns_link {
	int to_child[2], to_parent[2];
};

static int link_open(struct ns_link *l)
{
	if (pipe(l->to_child))
		return -1;
	if (pipe(l->to_parent)) {
		close(l->to_child[0]);
		close(l->to_child[1]);
		return -1;
	}
	return 0;
}

static void link_send(int fd, int v)
{
	if (write(fd, &v, sizeof(v)) != sizeof(v))
		_exit(202);
}

/* The next message, or -1 when the other side is gone. */
static int link_recv(int fd)
{
	int v;

	return read(fd, &v, sizeof(v)) == sizeof(v) ? v : -1;
}

static ino_t ipc_ns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/ipc", &st) ? 0 : st.st_ino;
}

/*
 * A port whose opener moves to another IPC namespace keeps its services in
 * the namespace it was opened in: they are not visible from the new one,
 * other processes of the old one still reach them, and the name is free
 * in the old one again once the port is closed.
 */
TEST(opener_moves_to_new_namespace)
{
	struct ns_link l;
	int status, fd;
	pid_t pid;

	ASSERT_EQ(0, link_open(&l));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int port = st_open(), port_b;

		close(l.to_child[1]);
		close(l.to_parent[0]);

		/* 1: the service, in the namespace of the test. */
		link_send(l.to_parent[1], port < 0 ? 201 :
			  -st_service(port, "ns.moved", 1, 0666, NULL));
		/* 2: unshare(); a port opened in B does not see it. */
		if (unshare(CLONE_NEWIPC))
			_exit(200);
		port_b = st_open();
		link_send(l.to_parent[1], port_b < 0 ? 201 :
			  -st_connect(port_b, "ns.moved", 1, NULL));
		/* 3: B may have a service of the same name of its own. */
		link_send(l.to_parent[1],
			  -st_service(port_b, "ns.moved", 1, 0666, NULL));
		/* 4: the old port still looks up names in A. */
		link_send(l.to_parent[1], -st_connect(port, "ns.moved", 1, NULL));
		/* 5: close the old port when told to. */
		if (link_recv(l.to_child[0]) != 5)
			_exit(203);
		close(port);
		link_send(l.to_parent[1], 0);
		/* Keep B's service until the parent is done. */
		link_recv(l.to_child[0]);
		close(port_b);
		_exit(0);
	}
	close(l.to_child[0]);
	close(l.to_parent[1]);

	EXPECT_EQ(0, link_recv(l.to_parent[0]));
	EXPECT_EQ(ENOENT, link_recv(l.to_parent[0]));
	EXPECT_EQ(0, link_recv(l.to_parent[0]));
	EXPECT_EQ(0, link_recv(l.to_parent[0]));

	/* Another process of A reaches the service while the port lives. */
	fd = st_open();
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, st_connect(fd, "ns.moved", 1, NULL));
	EXPECT_EQ(EADDRINUSE, -st_service(fd, "ns.moved", 1, 0666, NULL));

	/* Once it is closed, the name is free in A. */
	link_send(l.to_child[1], 5);
	EXPECT_EQ(0, link_recv(l.to_parent[0]));
	EXPECT_EQ(ENOENT, -st_connect(fd, "ns.moved", 1, NULL));
	EXPECT_EQ(0, st_service(fd, "ns.moved", 1, 0666, NULL));

	link_send(l.to_child[1], 6);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(fd);
	close(l.to_child[1]);
	close(l.to_parent[0]);
}

static const char *reuse_name = "ns.orphaned";
static ino_t orphan_ino;

/* In a fresh namespace: the orphaned service must not be there. */
static int fresh_namespace_is_clean(void)
{
	int fd = st_open(), ret;

	if (fd < 0)
		return 201;
	ret = st_connect(fd, reuse_name, 1, NULL);
	if (ret != -ENOENT)
		return ret ? -ret : 205;	/* 205: connected to it */
	ret = st_service(fd, reuse_name, 1, 0666, NULL);
	if (ret)
		return -ret;
	if (ipc_ns_ino() == orphan_ino)
		return 204;	/* the orphaned namespace's number was reused */
	return 0;
}

/*
 * A port whose namespace has no process left keeps that namespace alive:
 * new namespaces, made and freed over and over while the port lives, never
 * take its place, so none of them sees the port's service (which they
 * would if one were allocated where the old one was) or its inode number.
 */
TEST(orphaned_namespace_is_not_reused)
{
	struct ns_link l;
	int status, i;
	pid_t pid;

	ASSERT_EQ(0, link_open(&l));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ino_t ino;
		int port;

		close(l.to_child[1]);
		close(l.to_parent[0]);
		/* A: a namespace of its own, left with only the port in it. */
		if (unshare(CLONE_NEWIPC))
			_exit(200);
		ino = ipc_ns_ino();
		port = st_open();
		if (port < 0)
			_exit(201);
		if (st_service(port, reuse_name, 1, 0666, NULL))
			_exit(206);
		if (unshare(CLONE_NEWIPC))
			_exit(200);
		if (write(l.to_parent[1], &ino, sizeof(ino)) != sizeof(ino))
			_exit(202);
		link_recv(l.to_child[0]);
		close(port);
		_exit(0);
	}
	close(l.to_child[0]);
	close(l.to_parent[1]);
	ASSERT_EQ(sizeof(orphan_ino),
		  read(l.to_parent[0], &orphan_ino, sizeof(orphan_ino)));
	ASSERT_NE(0, orphan_ino);

	/* Give a freed namespace time to go (it is freed from a work item). */
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, in_new_ipc_ns(fresh_namespace_is_clean))
			TH_LOG("fresh namespace %d", i);
		usleep(2000);
	}

	link_send(l.to_child[1], 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(l.to_child[1]);
	close(l.to_parent[0]);
}

TEST_HARNESS_MAIN
