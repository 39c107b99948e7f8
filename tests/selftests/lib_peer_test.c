// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The library over the module when the peer goes or there are many: peer
 * death during blocking calls in every wait mode, and several clients
 * served at once by one event loop.
 *
 * Timeouts here are upper bounds only: no verdict depends on timing.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcsvc/ipcsvc.h"
#include "kselftest_harness.h"
#include "lib_msgs.h"

/* ---- peer death during a blocking call ---------------------------- */

FIXTURE(death) {
	pid_t child;
};

FIXTURE_VARIANT(death) {
	uint32_t mode;
	bool in_send;	/* block in a send on a full ring, not in a call */
};

FIXTURE_VARIANT_ADD(death, adaptive_call) {
	.mode = IPCSVC_WAIT_ADAPTIVE,
};

FIXTURE_VARIANT_ADD(death, sleep_call) {
	.mode = IPCSVC_WAIT_SLEEP,
};

FIXTURE_VARIANT_ADD(death, busy_poll_call) {
	.mode = IPCSVC_WAIT_BUSY_POLL,
};

FIXTURE_VARIANT_ADD(death, sleep_send) {
	.mode = IPCSVC_WAIT_SLEEP,
	.in_send = true,
};

FIXTURE_VARIANT_ADD(death, busy_poll_send) {
	.mode = IPCSVC_WAIT_BUSY_POLL,
	.in_send = true,
};

FIXTURE_SETUP(death)
{
	self->child = -1;
}

FIXTURE_TEARDOWN(death)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
}

/*
 * In a server child: create the service @name, say so on @ready, and
 * accept one connection. Any failure ends the child with status 1.
 */
static struct ipcsvc_conn *child_accept_one(const char *name, int ready)
{
	struct ipcsvc_port *port;
	struct ipcsvc_service *svc;
	struct ipcsvc_conn *conn;
	struct ipcsvc_port_event ev;
	char b = 1;

	if (ipcsvc_port_open(NULL, &port) ||
	    ipcsvc_service_create(port, name, 1, 0666, &svc))
		_exit(1);
	if (write(ready, &b, 1) != 1)
		_exit(1);
	if (ipcsvc_port_wait_event(port, &ev, ipcsvc_timeout_ns(LONG)) ||
	    ipcsvc_service_accept(svc, &ev, NULL, &conn))
		_exit(1);
	return conn;
}

/*
 * The server child: create the service, say so on @ready, accept, take
 * one message (or none), say so on @busy, then hang until killed.
 */
static void death_server(int ready, int busy, bool take)
{
	struct ipcsvc_conn *conn = child_accept_one("lib.death", ready);
	struct ipcsvc_msg *m;
	char b = 1;

	if (take && ipcsvc_channel_receive_timeout(ipcsvc_conn_channel(conn),
						   &m, ipcsvc_timeout_ns(LONG)))
		_exit(1);
	if (write(busy, &b, 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

struct killer {
	int busy;
	pid_t pid;
};

static void *killer(void *arg)
{
	struct killer *k = arg;
	char b;

	if (read(k->busy, &b, 1) == 1)
		kill(k->pid, SIGKILL);
	return NULL;
}

TEST_F(death, blocked_call_returns_peer_closed)
{
	/* Filling the ring must not grow it: a growth after the peer's
	 * death would fail with -EPIPE instead of the ring becoming full. */
	struct ipcsvc_channel_attr a = {
		.size = sizeof(a), .wait_mode = variant->mode,
		.flags = variant->in_send ? IPCSVC_CHANNEL_NO_AUTOGROW : 0,
	};
	int ready[2], busy[2];
	struct ipcsvc_port *port;
	struct ipcsvc_conn *conn;
	struct ipcsvc_channel *ch;
	struct ipcsvc_msg *req, *rep;
	struct killer k;
	pthread_t t;
	int status, rc;
	char b;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(busy));
	/* Fork first: the port and its mappings are not inherited. */
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child)
		death_server(ready[1], busy[1], !variant->in_send);
	ASSERT_EQ(1, read(ready[0], &b, 1));

	ASSERT_EQ(0, ipcsvc_port_open(NULL, &port));
	ASSERT_EQ(0, ipcsvc_client_connect(port, "lib.death", 1, 0, 0, &a,
					   &conn));
	ch = ipcsvc_conn_channel(conn);
	k.busy = busy[0];
	k.pid = self->child;
	ASSERT_EQ(0, pthread_create(&t, NULL, killer, &k));
	if (variant->in_send) {
		/* Nobody receives: fill the ring, then block for room. */
		do
			rc = send_msg(ch, 1, 1000, 1, 0, NULL);
		while (!rc);
		/* -EPIPE if the peer was killed while we filled. */
		ASSERT_TRUE(rc == -EAGAIN || rc == IPC_STATUS_PEER_CLOSED);
		rc = send_msg(ch, 2, 1000, 2, LONG, NULL);
	} else {
		ASSERT_EQ(0, send_msg(ch, 7, 32, 7, LONG, &req));
		rc = ipcsvc_channel_call(ch, req, &rep, ipcsvc_timeout_ns(LONG));
	}
	/* PeerClosed, not the timeout. */
	EXPECT_EQ(IPC_STATUS_PEER_CLOSED, rc);
	pthread_join(t, NULL);
	ASSERT_EQ(self->child, waitpid(self->child, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	self->child = -1;
	/* Later calls fail the same way at once. */
	EXPECT_EQ(IPC_STATUS_PEER_CLOSED, ipcsvc_channel_receive_timeout(
			ch, &rep, ipcsvc_timeout_ns(LONG)));
	EXPECT_EQ(0, ipcsvc_conn_close(conn));
	ipcsvc_port_close(port);
	close(ready[0]);
	close(ready[1]);
	close(busy[0]);
	close(busy[1]);
}

/* ---- several clients served by one event loop --------------------- */

#define NCLIENTS	4
#define NCALLS		300

struct served {
	struct ipcsvc_port *port;
	struct ipcsvc_service *svc;
	int rc;
	int accepted;
	int echoed;
};

/* Serve until NCLIENTS connections came and went. */
static void *event_server(void *arg)
{
	struct served *sv = arg;
	struct ipcsvc_channel_attr a = { .size = sizeof(a),
					 .wait_mode = IPCSVC_WAIT_SLEEP };
	struct ipcsvc_conn *conns[NCLIENTS] = { 0 };
	int closed = 0;

	while (closed < NCLIENTS) {
		struct ipcsvc_conn *conn = NULL;
		struct ipcsvc_port_event ev;
		int i;

		sv->rc = ipcsvc_port_wait_event(sv->port, &ev, ipcsvc_timeout_ns(LONG));
		if (sv->rc)
			return NULL;
		if (ev.type == IPCSVC_EVENT_SERVICE_CONNECTED) {
			if (sv->accepted == NCLIENTS) {
				sv->rc = -EPROTO;
				return NULL;
			}
			sv->rc = ipcsvc_service_accept(sv->svc, &ev, &a,
						       &conns[sv->accepted]);
			/* the event brings back where the connection lives */
			if (!sv->rc)
				sv->rc = ipcsvc_conn_set_cookie(
					conns[sv->accepted], &conns[sv->accepted]);
			if (!sv->rc)
				sv->rc = ipcsvc_conn_arm(conns[sv->accepted],
							 IPCSVC_DIR_RX);
			if (sv->rc)
				return NULL;
			sv->accepted++;
			continue;
		}
		if (!ev.cookie)
			continue;	/* an event of a closed connection */
		conn = *(struct ipcsvc_conn **)ev.cookie;
		i = (int)((struct ipcsvc_conn **)ev.cookie - conns);
		if (i < 0 || i >= sv->accepted || !conn ||
		    (uint32_t)ipcsvc_conn_handle(conn) != ev.handle) {
			sv->rc = -EPROTO;	/* a cookie of another handle */
			return NULL;
		}
		if (ev.type == IPCSVC_EVENT_CHANNEL_READABLE) {
			struct ipcsvc_channel *ch = ipcsvc_conn_channel(conn);
			struct ipcsvc_msg *m;

			while (!(sv->rc = ipcsvc_channel_receive(ch, &m))) {
				sv->rc = echo(ch, m);
				if (sv->rc)
					return NULL;
				sv->echoed++;
			}
			/* -EPIPE: drained, and the client is gone */
			if (sv->rc != -EAGAIN && sv->rc != -EPIPE)
				return NULL;
			sv->rc = ipcsvc_conn_arm(conn, IPCSVC_DIR_RX);
			/* -EPIPE: the client is gone; PeerClosed follows */
			if (sv->rc && sv->rc != -EPIPE)
				return NULL;
			sv->rc = 0;
		} else if (ev.type == IPCSVC_EVENT_PEER_CLOSED) {
			conns[i] = NULL;
			ipcsvc_conn_close(conn);
			closed++;
		}
	}
	return NULL;
}

struct client_job {
	int index;
	int rc;
	int good;
};

static void *client(void *arg)
{
	struct client_job *j = arg;
	struct ipcsvc_port *port;
	struct ipcsvc_conn *conn;
	struct ipcsvc_channel *ch;

	j->rc = ipcsvc_port_open(NULL, &port);
	if (j->rc)
		return NULL;
	j->rc = ipcsvc_client_connect(port, "lib.many", 1, 0, 0, NULL, &conn);
	if (j->rc)
		goto out;
	ch = ipcsvc_conn_channel(conn);
	for (int i = 0; i < NCALLS; i++) {
		uint64_t id = (uint64_t)j->index << 32 | (uint64_t)i;
		size_t len = (size_t)(i % 7) * 100 + (size_t)j->index;
		struct ipcsvc_msg *req, *rep;

		j->rc = send_msg(ch, id, len, id, LONG, &req);
		if (!j->rc)
			j->rc = ipcsvc_channel_call(ch, req, &rep, ipcsvc_timeout_ns(LONG));
		if (j->rc)
			break;
		j->good += msg_ok(rep, id, len);
		ipcsvc_channel_release(ch, rep);
	}
	ipcsvc_conn_close(conn);
out:
	ipcsvc_port_close(port);
	return NULL;
}

TEST(several_clients_at_once)
{
	struct client_job jobs[NCLIENTS];
	pthread_t ct[NCLIENTS], st;
	struct served sv = { 0 };

	ASSERT_EQ(0, ipcsvc_port_open(NULL, &sv.port));
	ASSERT_EQ(0, ipcsvc_service_create(sv.port, "lib.many", 1, 0666,
					   &sv.svc));
	ASSERT_EQ(0, pthread_create(&st, NULL, event_server, &sv));
	for (int i = 0; i < NCLIENTS; i++) {
		jobs[i] = (struct client_job){ .index = i };
		ASSERT_EQ(0, pthread_create(&ct[i], NULL, client, &jobs[i]));
	}
	for (int i = 0; i < NCLIENTS; i++) {
		pthread_join(ct[i], NULL);
		EXPECT_EQ(0, jobs[i].rc);
		EXPECT_EQ(NCALLS, jobs[i].good);
	}
	pthread_join(st, NULL);
	EXPECT_EQ(0, sv.rc);
	EXPECT_EQ(NCLIENTS, sv.accepted);
	EXPECT_EQ(NCLIENTS * NCALLS, sv.echoed);
	ipcsvc_service_close(sv.svc);
	ipcsvc_port_close(sv.port);
}

TEST_HARNESS_MAIN
