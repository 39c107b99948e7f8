// SPDX-License-Identifier: GPL-2.0
/*
 * Who sees what through the introspection family (Documentation/
 * netlink.md): only the caller's IPC namespace; in it, a service's owner
 * and the classes its mode gives the read bit; a channel's end users and
 * its service's owner; and everything for CAP_SYS_ADMIN over the
 * namespace's user namespace, including a container's own root.
 *
 * Each test runs in a fresh IPC namespace; viewers are child processes
 * with the credentials under test.
 */
#include <grp.h>
#include <sched.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "ipcsvc_st.h"
#include "ipcsvc_nl.h"
#include "kselftest_harness.h"

#define NOBODY	255	/* exit code of a viewer that could not start */

/* Become @uid with primary group @gid and, if non-zero, group @extra. */
static int become(uid_t uid, gid_t gid, gid_t extra)
{
	gid_t groups[1] = { extra };

	if (setgroups(extra ? 1 : 0, groups) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid))
		return -1;
	return 0;
}

/*
 * The mask of @names (at most 8) a dump of @cmd shows to the caller;
 * channel messages are matched by their service's name. -errno on error.
 */
static int dump_mask(uint8_t cmd, const char *const *names, int n)
{
	unsigned int type = cmd == IPCSVC_CMD_SERVICE_GET ?
			    IPCSVC_A_SERVICE_NAME :
			    IPCSVC_A_CHANNEL_SERVICE_NAME;
	struct st_nl_reply r;
	struct st_nl nl;
	int mask = 0, ret;

	ret = st_nl_open(&nl);
	if (ret)
		return ret;
	st_nl_req(&nl, cmd, true);
	ret = st_nl_talk(&nl, &r);
	st_nl_close(&nl);
	if (ret)
		return ret;
	for (unsigned int m = 0; m < r.msgs; m++) {
		const struct nlattr *tb[IPCSVC_A_CHANNEL_MAX + 1];

		st_nl_attrs(st_nl_msg(&r, m), tb, IPCSVC_A_CHANNEL_MAX);
		for (int i = 0; i < n; i++)
			if (!strcmp(st_nl_str(tb[type]), names[i]))
				mask |= 1 << i;
	}
	st_nl_reply_free(&r);
	return mask;
}

/* dump_mask() as @uid/@gid(+@extra), in a child; its exit status. */
static int view_as(uid_t uid, gid_t gid, gid_t extra, uint8_t cmd,
		   const char *const *names, int n)
{
	int status, mask;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (become(uid, gid, extra))
			_exit(NOBODY);
		mask = dump_mask(cmd, names, n);
		_exit(mask < 0 ? NOBODY : mask);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* service-get by @name as @uid: 0 or the positive errno, in a child. */
static int get_as(uid_t uid, const char *name)
{
	int status, ret;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct st_nl nl;

		if (become(uid, uid, 0) || st_nl_open(&nl))
			_exit(NOBODY);
		st_nl_req(&nl, IPCSVC_CMD_SERVICE_GET, false);
		st_nl_put_str(&nl, IPCSVC_A_SERVICE_NAME, name);
		ret = st_nl_talk(&nl, NULL);
		_exit(-ret);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Create a service owned by @uid/@gid (the owner is the fsuid/fsgid). */
static int service_owned(int fd, const char *name, uint32_t mode, uid_t uid,
			 gid_t gid, uint32_t *handle)
{
	int ret;

	setfsgid(gid);
	setfsuid(uid);
	ret = st_service(fd, name, 1, mode, handle);
	setfsuid(0);
	setfsgid(0);
	return ret;
}

/*
 * Services: the owner always; others by the read bit of their class,
 * supplementary groups included; root (CAP_SYS_ADMIN) everything.
 */
TEST(service_mode_bits)
{
	static const char *const names[] = {
		"vis.u1000", "vis.other-r", "vis.group-r", "vis.root",
	};
	int fd;

	ASSERT_EQ(0, unshare(CLONE_NEWIPC));
	fd = st_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, service_owned(fd, names[0], 0600, 1000, 1000, NULL));
	ASSERT_EQ(0, service_owned(fd, names[1], 0604, 0, 0, NULL));
	ASSERT_EQ(0, service_owned(fd, names[2], 0640, 0, 2000, NULL));
	/* Anyone may connect; only its owner and admins see it. */
	ASSERT_EQ(0, service_owned(fd, names[3], 0622, 0, 0, NULL));

	EXPECT_EQ(0x3, view_as(1000, 1000, 0, IPCSVC_CMD_SERVICE_GET,
			       names, 4));
	EXPECT_EQ(0x6, view_as(1001, 1001, 2000, IPCSVC_CMD_SERVICE_GET,
			       names, 4));
	EXPECT_EQ(0x6, view_as(1002, 2000, 0, IPCSVC_CMD_SERVICE_GET,
			       names, 4));
	EXPECT_EQ(0x2, view_as(1003, 1003, 0, IPCSVC_CMD_SERVICE_GET,
			       names, 4));
	EXPECT_EQ(0xf, dump_mask(IPCSVC_CMD_SERVICE_GET, names, 4));
	/* By name, what one may not see does not exist. */
	EXPECT_EQ(ENOENT, get_as(1000, "vis.root"));
	EXPECT_EQ(0, get_as(1000, "vis.other-r"));
	EXPECT_EQ(0, get_as(1000, "vis.u1000"));
	EXPECT_EQ(ENOENT, get_as(1001, "vis.u1000"));
	close(fd);
}

/* Connect with effective uid @euid (the client end's user). */
static int connect_as(int fd, const char *name, uid_t euid, uint32_t *h)
{
	int ret;

	if (setresuid(-1, euid, -1))
		return -errno;
	ret = st_connect(fd, name, 1, h);
	if (setresuid(-1, 0, -1))
		return -errno;
	return ret;
}

/*
 * Channels: their two ends' users and their service's owner see them,
 * whatever the service's mode; others do not.
 */
TEST(channel_end_users)
{
	static const char *const names[] = {
		"vis.pub", "vis.pub2", "vis.owned",
	};
	int sfd, cfd;

	ASSERT_EQ(0, unshare(CLONE_NEWIPC));
	sfd = st_open();
	cfd = st_open();
	ASSERT_LE(0, sfd);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, service_owned(sfd, names[0], 0666, 0, 0, NULL));
	ASSERT_EQ(0, service_owned(sfd, names[1], 0666, 0, 0, NULL));
	ASSERT_EQ(0, service_owned(sfd, names[2], 0666, 1002, 1002, NULL));
	ASSERT_EQ(0, connect_as(cfd, names[0], 1000, NULL));
	ASSERT_EQ(0, connect_as(cfd, names[1], 0, NULL));
	ASSERT_EQ(0, connect_as(cfd, names[2], 0, NULL));

	EXPECT_EQ(0x1, view_as(1000, 1000, 0, IPCSVC_CMD_CHANNEL_GET,
			       names, 3));
	EXPECT_EQ(0x0, view_as(1001, 1001, 0, IPCSVC_CMD_CHANNEL_GET,
			       names, 3));
	EXPECT_EQ(0x4, view_as(1002, 1002, 0, IPCSVC_CMD_CHANNEL_GET,
			       names, 3));
	EXPECT_EQ(0x7, dump_mask(IPCSVC_CMD_CHANNEL_GET, names, 3));
	/* Every service is public here. */
	EXPECT_EQ(0x7, view_as(1001, 1001, 0, IPCSVC_CMD_SERVICE_GET,
			       names, 3));
	close(cfd);
	close(sfd);
}

/* Parent and child step together over two pipes. */
struct link {
	int down[2], up[2];
};

static void say(int fd, int v)
{
	if (write(fd, &v, sizeof(v)) != sizeof(v))
		_exit(NOBODY);
}

static int hear(int fd)
{
	int v;

	return read(fd, &v, sizeof(v)) == sizeof(v) ? v : -1;
}

/*
 * Another IPC namespace is invisible both ways, for dumps and by name,
 * even to root, and a channel of the parent's does not show either.
 */
TEST(namespaces_apart)
{
	static const char *const names[] = { "ns.a", "ns.b" };
	struct st_pair p;
	struct link l;
	int status;
	pid_t pid;

	ASSERT_EQ(0, unshare(CLONE_NEWIPC));
	ASSERT_EQ(0, st_pair_open(&p, "ns.a", 0, 0));
	ASSERT_EQ(0, pipe(l.down));
	ASSERT_EQ(0, pipe(l.up));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct st_nl nl;
		int fd;

		if (unshare(CLONE_NEWIPC) || st_nl_open(&nl))
			_exit(NOBODY);
		fd = st_open();
		st_nl_req(&nl, IPCSVC_CMD_SERVICE_GET, false);
		st_nl_put_str(&nl, IPCSVC_A_SERVICE_NAME, "ns.a");
		say(l.up[1], -st_nl_talk(&nl, NULL));
		say(l.up[1], dump_mask(IPCSVC_CMD_SERVICE_GET, names, 2));
		say(l.up[1], dump_mask(IPCSVC_CMD_CHANNEL_GET, names, 2));
		say(l.up[1], st_service(fd, "ns.b", 1, 0666, NULL));
		say(l.up[1], dump_mask(IPCSVC_CMD_SERVICE_GET, names, 2));
		hear(l.down[0]);	/* hold ns.b until the parent looked */
		_exit(0);
	}
	EXPECT_EQ(ENOENT, hear(l.up[0]));
	EXPECT_EQ(0x0, hear(l.up[0]));
	EXPECT_EQ(0x0, hear(l.up[0]));
	EXPECT_EQ(0, hear(l.up[0]));
	EXPECT_EQ(0x2, hear(l.up[0]));
	EXPECT_EQ(0x1, dump_mask(IPCSVC_CMD_SERVICE_GET, names, 2));
	EXPECT_EQ(0x1, dump_mask(IPCSVC_CMD_CHANNEL_GET, names, 2));
	say(l.down[1], 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	st_pair_close(&p);
}

/*
 * An unprivileged user who makes a user namespace and an IPC namespace
 * of its own is CAP_SYS_ADMIN over it: it sees a service root put there
 * with mode 0600, but still nothing of the namespace it came from.
 */
TEST(container_root_sees_its_own)
{
	static const char *const names[] = {
		"ct.mine", "ct.foreign", "ct.host",
	};
	char path[64];
	struct link l;
	int status, nsfd, fd, v;
	pid_t pid, helper;

	ASSERT_EQ(0, unshare(CLONE_NEWIPC));
	fd = st_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, st_service(fd, "ct.host", 1, 0666, NULL));
	ASSERT_EQ(0, pipe(l.down));
	ASSERT_EQ(0, pipe(l.up));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int cfd;

		if (become(1000, 1000, 0))
			_exit(NOBODY);
		if (unshare(CLONE_NEWUSER | CLONE_NEWIPC)) {
			say(l.up[1], -1);
			_exit(0);
		}
		cfd = st_open();
		say(l.up[1], st_service(cfd, "ct.mine", 1, 0600, NULL));
		hear(l.down[0]);	/* root added ct.foreign */
		say(l.up[1], dump_mask(IPCSVC_CMD_SERVICE_GET, names, 3));
		hear(l.down[0]);
		_exit(0);
	}
	v = hear(l.up[0]);
	if (v == -1) {
		say(l.down[1], 0);
		say(l.down[1], 0);
		waitpid(pid, &status, 0);
		SKIP(return, "no unprivileged user namespaces here");
	}
	ASSERT_EQ(0, v);

	/* Root enters the child's IPC namespace and registers there. */
	snprintf(path, sizeof(path), "/proc/%d/ns/ipc", pid);
	nsfd = open(path, O_RDONLY);
	ASSERT_LE(0, nsfd);
	helper = fork();
	ASSERT_LE(0, helper);
	if (helper == 0) {
		int hfd;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (setns(nsfd, CLONE_NEWIPC))
			_exit(NOBODY);
		hfd = st_open();
		if (st_service(hfd, "ct.foreign", 1, 0600, NULL))
			_exit(NOBODY - 1);
		say(l.down[1], 0);	/* let the child look */
		pause();		/* holding ct.foreign */
		_exit(0);
	}
	EXPECT_EQ(0x3, hear(l.up[0]));
	kill(helper, SIGKILL);
	waitpid(helper, &status, 0);
	say(l.down[1], 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* And root here does not see the container's. */
	EXPECT_EQ(0x4, dump_mask(IPCSVC_CMD_SERVICE_GET, names, 3));
	close(nsfd);
	close(fd);
}

TEST_HARNESS_MAIN
