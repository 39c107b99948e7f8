// SPDX-License-Identifier: GPL-2.0
/*
 * The monitor: a subscribed socket gets the exact sequence of events of a
 * scripted session, including a client killed in the middle of a call;
 * subscribers see only their own IPC namespace and what their credentials
 * let them see; events a full socket refuses are counted and reported;
 * and subscriptions are bounded.
 */
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "ipcsvc_st.h"
#include "ipcsvc_nl.h"
#include "kselftest_harness.h"

struct event {
	uint8_t cmd;
	char name[IPCSVC_PROTOCOL_NAME_MAX + 1];
	uint64_t id;
	uint32_t reason, closed_by, client_pid;
	uint64_t lost;
};

/* The next event on @fd within @ms; -ETIMEDOUT when none came. */
static int next_event(int fd, int ms, struct event *ev)
{
	static uint8_t buf[8192] __attribute__((aligned(8)));
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	const struct nlattr *tb[IPCSVC_A_CHANNEL_MAX + 1];
	const struct nlmsghdr *nlh = (void *)buf;
	ssize_t n;

	memset(ev, 0, sizeof(*ev));
	if (poll(&pfd, 1, ms) != 1)
		return -ETIMEDOUT;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	if (!NLMSG_OK(nlh, (int)n) || nlh->nlmsg_type == NLMSG_ERROR)
		return -EPROTO;
	ev->cmd = st_nl_cmd(nlh);
	switch (ev->cmd) {
	case IPCSVC_CMD_SERVICE_ADD_NTF:
	case IPCSVC_CMD_SERVICE_DEL_NTF:
		st_nl_attrs(nlh, tb, IPCSVC_A_SERVICE_MAX);
		snprintf(ev->name, sizeof(ev->name), "%s",
			 st_nl_str(tb[IPCSVC_A_SERVICE_NAME]));
		ev->id = st_nl_u64(tb[IPCSVC_A_SERVICE_ID]);
		ev->reason = tb[IPCSVC_A_SERVICE_REASON] ?
			     st_nl_u32(tb[IPCSVC_A_SERVICE_REASON]) : 0;
		break;
	case IPCSVC_CMD_CHANNEL_ADD_NTF:
	case IPCSVC_CMD_CHANNEL_DEL_NTF:
		st_nl_attrs(nlh, tb, IPCSVC_A_CHANNEL_MAX);
		snprintf(ev->name, sizeof(ev->name), "%s",
			 st_nl_str(tb[IPCSVC_A_CHANNEL_SERVICE_NAME]));
		ev->id = st_nl_u64(tb[IPCSVC_A_CHANNEL_ID]);
		ev->client_pid = st_nl_u32(tb[IPCSVC_A_CHANNEL_CLIENT_PID]);
		ev->reason = tb[IPCSVC_A_CHANNEL_REASON] ?
			     st_nl_u32(tb[IPCSVC_A_CHANNEL_REASON]) : 0;
		ev->closed_by = tb[IPCSVC_A_CHANNEL_CLOSED_BY] ?
				st_nl_u32(tb[IPCSVC_A_CHANNEL_CLOSED_BY]) : 0;
		break;
	case IPCSVC_CMD_MONITOR_LOST_NTF:
		st_nl_attrs(nlh, tb, IPCSVC_A_MONITOR_MAX);
		ev->lost = st_nl_u64(tb[IPCSVC_A_MONITOR_LOST]);
		break;
	}
	return 0;
}

static int subscribe(struct st_nl *nl)
{
	int ret = st_nl_open(nl);

	if (ret)
		return ret;
	st_nl_req(nl, IPCSVC_CMD_MONITOR, false);
	return st_nl_talk(nl, NULL);
}

/* Subscribe with the view of effective uid @uid (no capabilities). */
static int subscribe_as(struct st_nl *nl, uid_t uid)
{
	int ret = st_nl_open(nl);

	if (ret)
		return ret;
	if (setresuid(-1, uid, -1) || setfsuid(uid) < 0)
		return -errno;
	st_nl_req(nl, IPCSVC_CMD_MONITOR, false);
	ret = st_nl_talk(nl, NULL);
	setfsuid(0);
	if (setresuid(-1, 0, -1))
		return -errno;
	return ret;
}

/* Subscribe from a new IPC namespace, and come back. */
static int subscribe_elsewhere(struct st_nl *nl)
{
	int here = open("/proc/self/ns/ipc", O_RDONLY), ret;

	if (here < 0)
		return -errno;
	if (unshare(CLONE_NEWIPC)) {
		close(here);
		return -errno;
	}
	ret = subscribe(nl);
	if (setns(here, CLONE_NEWIPC))
		ret = -errno;
	close(here);
	return ret;
}

#define EXPECT_EVENT(fd, c, n, r, by) do {				\
	struct event _e;						\
	ASSERT_EQ(0, next_event(fd, 2000, &_e));			\
	EXPECT_EQ(c, _e.cmd);						\
	EXPECT_STREQ(n, _e.name);					\
	EXPECT_EQ(r, _e.reason);					\
	EXPECT_EQ(by, _e.closed_by);					\
	last = _e;							\
	(void)last;							\
} while (0)

/*
 * A scripted session: two services, a client that connects and is
 * killed while it waits for a reply, the services closed. Root sees all of
 * it, in order; a subscriber with uid 1000's view sees only the service
 * its mode shows to others; one in another namespace sees nothing.
 */
TEST(scripted_session)
{
	struct st_nl all, user, other, query;
	struct ipcsvc_event sev;
	struct event last, e;
	uint64_t svc_id;
	uint32_t svc, hidden, ch;
	int sfd, pipefd[2], status, sleeping = 0;
	pid_t client;

	ASSERT_EQ(0, unshare(CLONE_NEWIPC));
	ASSERT_EQ(0, subscribe(&all));
	ASSERT_EQ(0, subscribe_as(&user, 1000));
	ASSERT_EQ(0, subscribe_elsewhere(&other));
	/* Requests go on a socket of their own: a subscribed one is busy. */
	ASSERT_EQ(0, st_nl_open(&query));
	sfd = st_open_flags(O_RDWR);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, st_service(sfd, "mon.svc", 1, 0666, &svc));
	ASSERT_EQ(0, st_service(sfd, "mon.hidden", 1, 0600, &hidden));

	ASSERT_EQ(0, pipe(pipefd));
	client = fork();
	ASSERT_LE(0, client);
	if (client == 0) {
		uint32_t cch;
		int cfd = st_open();

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(sfd);
		if (cfd < 0 || st_connect(cfd, "mon.svc", 1, &cch))
			_exit(1);
		if (write(pipefd[1], &cch, sizeof(cch)) != sizeof(cch))
			_exit(2);
		/* Mid-call: waiting for the reply that never comes. */
		st_wait(cfd, cch, IPCSVC_DIR_RX, st_prod_word(1), 0, -1);
		_exit(3);
	}
	ASSERT_EQ(sizeof(ch), read(pipefd[0], &ch, sizeof(ch)));
	ASSERT_EQ(1, st_events(sfd, &sev, 1));	/* accepted */
	ASSERT_EQ(IPCSVC_EVENT_SERVICE_CONNECTED, sev.type);
	/* Kill it only once it sleeps in the call. */
	for (int i = 0; i < 100 && !sleeping; i++) {
		struct st_nl_reply r;
		const struct nlattr *tb[IPCSVC_A_CHANNEL_MAX + 1];
		const struct nlattr *dt[IPCSVC_A_DIR_MAX + 1];

		usleep(20000);
		st_nl_req(&query, IPCSVC_CMD_CHANNEL_GET, true);
		if (st_nl_talk(&query, &r) || r.msgs != 1) {
			st_nl_reply_free(&r);
			continue;
		}
		st_nl_attrs(st_nl_msg(&r, 0), tb, IPCSVC_A_CHANNEL_MAX);
		st_nl_nested(tb[IPCSVC_A_CHANNEL_TO_CLIENT], dt,
			     IPCSVC_A_DIR_MAX);
		sleeping = st_nl_u32(dt[IPCSVC_A_DIR_CONSUMER_SLEEPERS]);
		st_nl_reply_free(&r);
	}
	EXPECT_EQ(1, sleeping);
	kill(client, SIGKILL);
	ASSERT_EQ(client, waitpid(client, &status, 0));
	ASSERT_EQ(0, st_close(sfd, hidden));
	close(sfd);

	EXPECT_EVENT(all.fd, IPCSVC_CMD_SERVICE_ADD_NTF, "mon.svc", 0, 0);
	svc_id = last.id;
	EXPECT_EVENT(all.fd, IPCSVC_CMD_SERVICE_ADD_NTF, "mon.hidden", 0, 0);
	EXPECT_EVENT(all.fd, IPCSVC_CMD_CHANNEL_ADD_NTF, "mon.svc", 0, 0);
	EXPECT_EQ(client, last.client_pid);
	EXPECT_EVENT(all.fd, IPCSVC_CMD_CHANNEL_DEL_NTF, "mon.svc",
		     IPCSVC_REASON_PROCESS_DIED, IPCSVC_SIDE_CLIENT_END);
	EXPECT_EQ(client, last.client_pid);	/* who died */
	EXPECT_EVENT(all.fd, IPCSVC_CMD_SERVICE_DEL_NTF, "mon.hidden",
		     IPCSVC_REASON_CLOSED, 0);
	EXPECT_EVENT(all.fd, IPCSVC_CMD_SERVICE_DEL_NTF, "mon.svc",
		     IPCSVC_REASON_CLOSED, 0);
	EXPECT_EQ(svc_id, last.id);
	EXPECT_EQ(-ETIMEDOUT, next_event(all.fd, 200, &e));

	EXPECT_EVENT(user.fd, IPCSVC_CMD_SERVICE_ADD_NTF, "mon.svc", 0, 0);
	EXPECT_EVENT(user.fd, IPCSVC_CMD_SERVICE_DEL_NTF, "mon.svc",
		     IPCSVC_REASON_CLOSED, 0);
	EXPECT_EQ(-ETIMEDOUT, next_event(user.fd, 200, &e));

	EXPECT_EQ(-ETIMEDOUT, next_event(other.fd, 200, &e));
	st_nl_close(&all);
	st_nl_close(&user);
	st_nl_close(&other);
	st_nl_close(&query);
}

/*
 * A process that exits without closing anything, and a server that
 * closes its port while a connect is unaccepted: died, then service gone
 * for the channel dropped with the backlog.
 */
TEST(reasons)
{
	struct st_nl mon;
	struct event last, e;
	int sfd, status;
	pid_t pid;

	ASSERT_EQ(0, unshare(CLONE_NEWIPC));
	ASSERT_EQ(0, subscribe(&mon));
	sfd = st_open();
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, st_service(sfd, "mon.r", 1, 0666, NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int cfd = st_open();

		close(sfd);
		_exit(cfd < 0 || st_connect(cfd, "mon.r", 1, NULL));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* A second client stays connected, never accepted. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int cfd = st_open();

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(sfd);
		if (cfd < 0 || st_connect(cfd, "mon.r", 1, NULL))
			_exit(1);
		pause();
		_exit(0);
	}
	EXPECT_EVENT(mon.fd, IPCSVC_CMD_SERVICE_ADD_NTF, "mon.r", 0, 0);
	EXPECT_EVENT(mon.fd, IPCSVC_CMD_CHANNEL_ADD_NTF, "mon.r", 0, 0);
	EXPECT_EVENT(mon.fd, IPCSVC_CMD_CHANNEL_DEL_NTF, "mon.r",
		     IPCSVC_REASON_PROCESS_DIED, IPCSVC_SIDE_CLIENT_END);
	EXPECT_EVENT(mon.fd, IPCSVC_CMD_CHANNEL_ADD_NTF, "mon.r", 0, 0);
	close(sfd);
	EXPECT_EVENT(mon.fd, IPCSVC_CMD_SERVICE_DEL_NTF, "mon.r",
		     IPCSVC_REASON_CLOSED, 0);
	EXPECT_EVENT(mon.fd, IPCSVC_CMD_CHANNEL_DEL_NTF, "mon.r",
		     IPCSVC_REASON_SERVICE_GONE, IPCSVC_SIDE_SERVER_END);
	EXPECT_EQ(-ETIMEDOUT, next_event(mon.fd, 200, &e));
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	st_nl_close(&mon);
}

/*
 * Events a full socket cannot take are counted, and the count arrives
 * before the next event that gets through; the socket also gets ENOBUFS
 * once, as for any netlink overrun. Nothing is lost silently.
 */
TEST(lost_events_reported)
{
	int small = 1, fd, n = 0, overrun = 0;
	uint64_t lost = 0;
	struct st_nl mon;
	struct event e;
	uint32_t h;

	ASSERT_EQ(0, unshare(CLONE_NEWIPC));
	fd = st_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, subscribe(&mon));
	ASSERT_EQ(0, setsockopt(mon.fd, SOL_SOCKET, SO_RCVBUF, &small,
				sizeof(small)));
	for (int i = 0; i < 100; i++) {
		ASSERT_EQ(0, st_service(fd, "mon.burst", 1, 0666, &h));
		ASSERT_EQ(0, st_close(fd, h));
	}
	for (;;) {
		int ret = next_event(mon.fd, 100, &e);

		if (ret == -ENOBUFS) {
			overrun++;
			continue;
		}
		if (ret)
			break;
		n++;
	}
	EXPECT_EQ(1, overrun);
	EXPECT_LT(0, n);
	EXPECT_GT(200, n);
	/* The next event brings the count first. */
	ASSERT_EQ(0, st_service(fd, "mon.after", 1, 0666, &h));
	ASSERT_EQ(0, next_event(mon.fd, 2000, &e));
	EXPECT_EQ(IPCSVC_CMD_MONITOR_LOST_NTF, e.cmd);
	lost = e.lost;
	EXPECT_EQ(200, n + lost);
	ASSERT_EQ(0, next_event(mon.fd, 2000, &e));
	EXPECT_EQ(IPCSVC_CMD_SERVICE_ADD_NTF, e.cmd);
	EXPECT_STREQ("mon.after", e.name);
	st_nl_close(&mon);
	close(fd);
}

/* Subscriptions are bounded per user; a socket subscribes once. */
TEST(subscriptions_bounded)
{
	struct st_nl mon[17];
	int i, ret = 0;

	for (i = 0; i < 16 && !ret; i++)
		ret = subscribe_as(&mon[i], 1000);
	ASSERT_EQ(0, ret);
	/* Again on the same socket: nothing changes. */
	st_nl_req(&mon[0], IPCSVC_CMD_MONITOR, false);
	EXPECT_EQ(0, st_nl_talk(&mon[0], NULL));
	EXPECT_EQ(-EDQUOT, subscribe_as(&mon[16], 1000));
	EXPECT_STREQ("too many monitors", mon[16].err);
	/* A closed socket's subscription is gone with it. */
	st_nl_close(&mon[3]);
	EXPECT_EQ(0, subscribe_as(&mon[3], 1000));
	for (i = 0; i < 17; i++)
		st_nl_close(&mon[i]);
}

TEST_HARNESS_MAIN
