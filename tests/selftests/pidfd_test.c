// SPDX-License-Identifier: GPL-2.0
/*
 * Peer credentials name a live process or none: a peer that has exited
 * is reported as pid 0, and ipcsvc_conn_peer_pidfd() gives a pidfd for
 * the peer while it lives and -ESRCH after, never one for a process that
 * inherited the number.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ipcsvc/ipcsvc.h>

#include "kselftest_harness.h"

#define LONG_NS	(10LL * 1000 * 1000 * 1000)

FIXTURE(peer) {
	struct ipcsvc_port *port;
	struct ipcsvc_service *svc;
	struct ipcsvc_conn *server;
	pid_t child;
	int go[2];
};

/* A child connects, then waits for a byte on @go before it exits. */
FIXTURE_SETUP(peer)
{
	struct ipcsvc_channel_attr a = { .size = sizeof(a) };
	struct ipcsvc_port_event ev;

	ASSERT_EQ(0, pipe(self->go));
	ASSERT_EQ(0, ipcsvc_port_open(NULL, &self->port));
	ASSERT_EQ(0, ipcsvc_service_create(self->port, "peer.svc", 1, 0666,
					   &self->svc));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		struct ipcsvc_port *cport;
		struct ipcsvc_conn *conn;
		char c;

		if (ipcsvc_port_open(NULL, &cport) ||
		    ipcsvc_client_connect(cport, "peer.svc", 1, 0, 0, &a,
					  &conn))
			_exit(1);
		if (read(self->go[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(0, ipcsvc_port_wait_event(self->port, &ev,
					    ipcsvc_timeout_ns(LONG_NS)));
	ASSERT_EQ(IPCSVC_EVENT_SERVICE_CONNECTED, ev.type);
	ASSERT_EQ(0, ipcsvc_service_accept(self->svc, &ev, &a, &self->server));
}

FIXTURE_TEARDOWN(peer)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	ipcsvc_conn_close(self->server);
	ipcsvc_service_close(self->svc);
	ipcsvc_port_close(self->port);
	close(self->go[0]);
	close(self->go[1]);
}

/* Let the child exit and reap it. */
static void end_child(FIXTURE_DATA(peer) *self,
		      struct __test_metadata *_metadata)
{
	int status;

	ASSERT_EQ(1, write(self->go[1], "x", 1));
	ASSERT_EQ(self->child, waitpid(self->child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	self->child = -1;
}

TEST_F(peer, pidfd_names_the_live_peer)
{
	struct ipcsvc_peer_creds pc;
	int fd;

	ASSERT_EQ(0, ipcsvc_conn_peer_creds(self->server, &pc));
	EXPECT_EQ(self->child, (pid_t)pc.pid);
	fd = ipcsvc_conn_peer_pidfd(self->server);
	ASSERT_LE(0, fd) TH_LOG("peer pidfd: %s", strerror(-fd));
	/* Signal 0 through the pidfd: it names a live process. */
	EXPECT_EQ(0, syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0));
	end_child(self, _metadata);
	/* The pidfd still names the (now reaped) child: ESRCH, never
	 * another process. */
	EXPECT_EQ(-1, syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0));
	EXPECT_EQ(ESRCH, errno);
	close(fd);
}

TEST_F(peer, exited_peer_has_no_pid)
{
	struct ipcsvc_peer_creds pc;

	end_child(self, _metadata);
	ASSERT_EQ(0, ipcsvc_conn_peer_creds(self->server, &pc));
	EXPECT_EQ(0, pc.pid);
	EXPECT_EQ(-ESRCH, ipcsvc_conn_peer_pidfd(self->server));
}

TEST_HARNESS_MAIN
