// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A service with an event loop serving many clients, in the program's own
 * epoll set: it answers each call with its text in upper case.
 *
 *	upper_server [CLIENTS]
 *
 * Registers org.ipcsvc.example.Upper and serves until CLIENTS clients
 * have come and gone (default: for ever; SIGINT or SIGTERM end it too).
 *
 * What it shows:
 *  - the port's fd in the program's own epoll, next to a signalfd; the
 *    module's events are read in a batch until none is pending;
 *  - a cookie per connection, so that each event brings its session back;
 *  - ChannelReadable armed, requests received until the ring is empty,
 *    then armed again;
 *  - backpressure: a reply that finds no room in the client's ring is not
 *    dropped; the server stops reading that client, arms ChannelWritable,
 *    and answers when the client has made room;
 *  - a request whose caller's deadline has passed is answered with
 *    -ETIMEDOUT instead of being served.
 */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <ipcsvc/ipcsvc.h>

#define SERVICE		"org.ipcsvc.example.Upper"
#define METHOD_UPPER	1	/* the one method: text in, text out */

struct session {
	struct ipcsvc_conn *conn;
	struct ipcsvc_msg *waiting;	/* a request whose reply found no room */
	unsigned long answered;
	unsigned long waits;		/* times a reply found no room */
};

/*
 * Answer @req. 0 when answered, -EAGAIN when the client's ring has no
 * room for the reply (the caller keeps @req and waits for room), or an
 * error that ends the session.
 */
static int answer(struct ipcsvc_channel *ch, struct ipcsvc_msg *req)
{
	struct ipcsvc_call_header hdr;
	struct ipcsvc_object text = { 0 };
	struct ipcsvc_msg_info info;
	struct ipcsvc_msg *rep;
	char *out;
	int rc;

	if (ipcsvc_call_header(req, &hdr) || ipcsvc_msg_info(req, &info) ||
	    info.id != METHOD_UPPER || info.object_count != 2)
		return ipcsvc_call_fail(ch, req, -EPROTO, ipcsvc_timeout_ns(0));
	if (ipcsvc_call_expired(&hdr))	/* nobody waits for it any more */
		return ipcsvc_call_fail(ch, req, -ETIMEDOUT,
					ipcsvc_timeout_ns(0));
	/* the call header, then the text */
	ipcsvc_msg_next_object(req, &text);
	if (ipcsvc_msg_next_object(req, &text) != 1)
		return ipcsvc_call_fail(ch, req, -EPROTO, ipcsvc_timeout_ns(0));
	/* Never wait for room here: one slow client must not hold up the
	 * others. No room is -EAGAIN, and the caller arms instead. */
	rc = ipcsvc_call_allocate_reply(ch, req, text.length, 1, &rep,
					ipcsvc_timeout_ns(0));
	if (rc)
		return rc == -ETIMEDOUT ? -EAGAIN : rc;
	rc = ipcsvc_msg_reserve_object(rep, 1, text.length, (void **)&out);
	if (rc)
		return rc;
	for (uint64_t i = 0; i < text.length; i++)
		out[i] = (char)toupper(((const unsigned char *)text.data)[i]);
	return ipcsvc_channel_send(ch, rep);
}

/* Serve what @s's client sent until its ring is empty or ours is full. */
static int serve(struct session *s)
{
	struct ipcsvc_channel *ch = ipcsvc_conn_channel(s->conn);
	struct ipcsvc_msg *req;
	int rc;

	for (;;) {
		req = s->waiting;
		s->waiting = NULL;
		if (!req) {
			rc = ipcsvc_channel_receive(ch, &req);
			if (rc == -EAGAIN)	/* drained: wait for more */
				return ipcsvc_conn_arm(s->conn, IPCSVC_DIR_RX);
			if (rc)
				return rc;
		}
		rc = answer(ch, req);
		if (rc == -EAGAIN) {
			/* Backpressure: keep the request, wake up when the
			 * client releases replies, and try once more now, in
			 * case it did so before the arming. */
			s->waiting = req;
			s->waits++;
			rc = ipcsvc_conn_arm(s->conn, IPCSVC_DIR_TX);
			if (rc)
				return rc;
			req = s->waiting;
			s->waiting = NULL;
			rc = answer(ch, req);
			if (rc == -EAGAIN) {
				s->waiting = req;
				return 0;
			}
		}
		ipcsvc_channel_release(ch, req);
		if (rc)
			return rc;
		s->answered++;
	}
}

static void session_end(struct session *s, const char *why)
{
	printf("server: client left (%s) after %lu answers, %lu waits for room\n",
	       why, s->answered, s->waits);
	if (s->waiting)
		ipcsvc_channel_release(ipcsvc_conn_channel(s->conn), s->waiting);
	ipcsvc_conn_close(s->conn);
	free(s);
}

int main(int argc, char **argv)
{
	long clients = argc > 1 ? atol(argv[1]) : -1, gone = 0;
	struct ipcsvc_service *svc;
	struct ipcsvc_port *port;
	struct epoll_event ee;
	sigset_t sigs;
	int ep, sfd, rc;

	rc = ipcsvc_port_open(NULL, &port);
	if (!rc)
		rc = ipcsvc_service_create(port, SERVICE, 1, 0666, &svc);
	if (rc) {
		fprintf(stderr, "server: %s: %s\n", SERVICE, ipcsvc_strerror(rc));
		return 1;
	}

	/* The program's own loop: the port is one fd among its others. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ee = (struct epoll_event){ .events = EPOLLIN, .data.fd = sfd };
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ee);
	ee = (struct epoll_event){ .events = EPOLLIN,
				   .data.fd = ipcsvc_port_fd(port) };
	epoll_ctl(ep, EPOLL_CTL_ADD, ipcsvc_port_fd(port), &ee);
	printf("server: serving %s\n", SERVICE);
	fflush(stdout);

	while (clients < 0 || gone < clients) {
		struct ipcsvc_port_event ev;

		if (epoll_wait(ep, &ee, 1, -1) < 1)
			continue;
		if (ee.data.fd == sfd)
			break;
		/* Every pending event, then back to epoll. */
		while (!(rc = ipcsvc_port_read_event(port, &ev))) {
			struct session *s = ev.cookie;

			/* an event of a session this loop has ended: none
			 * comes, as closing a handle drops its events */
			if (!s && ev.type != IPC_MSG_SERVICE_CONNECTED)
				continue;
			switch (ev.type) {
			case IPC_MSG_SERVICE_CONNECTED:
				s = calloc(1, sizeof(*s));
				rc = s ? ipcsvc_service_accept(svc, &ev, NULL,
							       &s->conn) : -ENOMEM;
				if (!rc)
					rc = ipcsvc_conn_set_cookie(s->conn, s);
				if (!rc)
					rc = ipcsvc_conn_arm(s->conn, IPCSVC_DIR_RX);
				if (rc) {
					fprintf(stderr, "server: accept: %s\n",
						ipcsvc_strerror(rc));
					if (s && s->conn)
						ipcsvc_conn_close(s->conn);
					free(s);
				} else {
					printf("server: client pid %u connected\n",
					       ev.pid);
				}
				break;
			case IPC_MSG_CHANNEL_READABLE:
			case IPC_MSG_CHANNEL_WRITABLE:
				rc = serve(s);
				if (rc && rc != -EPIPE) {
					session_end(s, ipcsvc_strerror(rc));
					gone++;
				}
				break;
			case IPC_MSG_PEER_CLOSED:
				session_end(s, "closed");
				gone++;
				break;
			}
		}
		if (rc != -EAGAIN) {
			fprintf(stderr, "server: events: %s\n", ipcsvc_strerror(rc));
			return 1;
		}
	}
	ipcsvc_service_close(svc);
	ipcsvc_port_close(port);
	printf("server: done\n");
	return 0;
}
