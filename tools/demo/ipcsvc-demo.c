// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ipcsvc-demo: an echo service and its clients, each in its own process,
 * as `make demo` runs it inside a guest with the module loaded.
 *
 * The server registers "org.ipcsvc.demo.Echo" and runs one event loop over
 * its port: it accepts each connection, arms ChannelReadable, answers every
 * request on the channel with the text upper-cased under the request's id,
 * and closes the connection when PeerClosed arrives. The clients connect,
 * make synchronous calls, and one of them is killed mid-session to show
 * that the server learns of a dead peer at once, without heartbeats.
 *
 * Exit status 0 only if everything happened as described.
 */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcsvc/ipcsvc.h"

#define SERVICE		"org.ipcsvc.demo.Echo"
#define VERSION		1
#define NCLIENTS	3
#define CALLS		4
#define OBJ_TEXT	1

static void say(const char *who, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(const char *who, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("%-9s %s\n", who, line);
	fflush(stdout);
}

/* The first object of @msg as text, into @buf. */
static int msg_text(const struct ipcsvc_msg *msg, char *buf, size_t len)
{
	struct ipcsvc_object obj;
	size_t n;

	memset(&obj, 0, sizeof(obj));
	if (ipcsvc_msg_next_object(msg, &obj) != 1 || obj.id != OBJ_TEXT)
		return -EBADMSG;
	n = obj.length < len - 1 ? obj.length : len - 1;
	memcpy(buf, obj.data, n);
	buf[n] = '\0';
	return 0;
}

/* Allocate a message @id holding @text; the caller sends it. */
static int msg_make(struct ipcsvc_channel *ch, uint64_t id, const char *text,
		    struct ipcsvc_msg **msgp)
{
	size_t len = strlen(text);
	int rc;

	rc = ipcsvc_channel_allocate_for_send_timeout(ch, len,
						      id, 1, 0, msgp, ipcsvc_timeout_ms(5000));
	if (rc)
		return rc;
	return ipcsvc_msg_add_object(*msgp, OBJ_TEXT, text, len);
}

/* ---- client ---- */

static int client(int n)
{
	struct ipcsvc_port *port;
	struct ipcsvc_conn *conn;
	char who[16], text[128], reply[128];
	int rc;

	snprintf(who, sizeof(who), "client%d", n);
	rc = ipcsvc_port_open(NULL, &port);
	if (rc) {
		say(who, "cannot open the device: %s", ipcsvc_strerror(rc));
		return 1;
	}
	if (n == 0) {
		/* A client that speaks the wrong protocol version is refused. */
		rc = ipcsvc_client_connect(port, SERVICE, VERSION + 1, 0, 0, NULL,
					   &conn);
		say(who, "connect speaking version %d: %s", VERSION + 1,
		    rc ? ipcsvc_strerror(rc) : "accepted (unexpected)");
		if (rc != -EPROTONOSUPPORT)
			return 1;
	}
	rc = ipcsvc_client_connect(port, SERVICE, VERSION, 64 << 10, 64 << 10,
				   NULL, &conn);
	if (rc) {
		say(who, "connect: %s", ipcsvc_strerror(rc));
		return 1;
	}
	say(who, "connected to %s (channel handle %d)", SERVICE,
	    ipcsvc_conn_handle(conn));

	for (int i = 0; i < CALLS; i++) {
		struct ipcsvc_channel *ch = ipcsvc_conn_channel(conn);
		struct ipcsvc_msg *req, *rep;

		/* The last client dies half-way through its session. */
		if (n == NCLIENTS - 1 && i == CALLS / 2) {
			say(who, "killed by SIGKILL mid-session");
			raise(SIGKILL);
		}
		snprintf(text, sizeof(text), "hello %d from client %d", i, n);
		rc = msg_make(ch, (uint64_t)n << 32 | (uint64_t)i, text, &req);
		if (!rc)
			rc = ipcsvc_channel_call(ch, req, &rep, ipcsvc_timeout_ms(5000));
		if (rc) {
			say(who, "call %d: %s", i, ipcsvc_strerror(rc));
			return 1;
		}
		rc = msg_text(rep, reply, sizeof(reply));
		ipcsvc_channel_release(ch, rep);
		if (rc) {
			say(who, "call %d: malformed reply", i);
			return 1;
		}
		say(who, "call \"%s\" -> \"%s\"", text, reply);
	}
	ipcsvc_conn_close(conn);
	ipcsvc_port_close(port);
	return 0;
}

/* ---- server ---- */

struct session {
	struct ipcsvc_conn *conn;
	int handle;
	unsigned int pid;
	unsigned int answered;
};

/* A free session, or NULL. */
static struct session *session_free(struct session *s)
{
	for (int i = 0; i < NCLIENTS; i++)
		if (!s[i].conn)
			return &s[i];
	return NULL;
}

/* Answer every request waiting on @s's channel, then re-arm. */
static int serve(struct session *s)
{
	struct ipcsvc_channel *ch = ipcsvc_conn_channel(s->conn);
	struct ipcsvc_msg_info info;
	struct ipcsvc_msg *req, *rep;
	char text[128];
	int rc;

	while ((rc = ipcsvc_channel_receive(ch, &req)) == 0) {
		rc = ipcsvc_msg_info(req, &info);
		if (!rc)
			rc = msg_text(req, text, sizeof(text));
		ipcsvc_channel_release(ch, req);
		if (rc)
			return rc;
		for (char *p = text; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		rc = msg_make(ch, info.id, text, &rep);
		if (!rc)
			rc = ipcsvc_channel_send(ch, rep);
		if (rc)
			return rc;
		s->answered++;
	}
	if (rc != -EAGAIN)
		return rc;
	return ipcsvc_conn_arm(s->conn, IPCSVC_DIR_RX);
}

static int server(struct ipcsvc_port *port, struct ipcsvc_service *svc,
		  pid_t *clients)
{
	struct session sessions[NCLIENTS] = { 0 };
	unsigned int connected = 0, closed = 0, answered = 0;
	int errors = 0;

	while (closed < NCLIENTS) {
		struct ipcsvc_peer_creds pc;
		struct ipcsvc_port_event ev;
		struct session *s;
		int rc;

		rc = ipcsvc_port_wait_event(port, &ev, ipcsvc_timeout_ms(10000));
		if (rc) {
			say("server", "waiting for events: %s",
			    ipcsvc_strerror(rc));
			return 1;
		}
		switch (ev.type) {
		case IPCSVC_EVENT_SERVICE_CONNECTED:
			s = session_free(sessions);
			if (!s) {
				say("server", "no room for another client");
				ipcsvc_service_reject(svc, &ev);
				errors++;
				break;
			}
			rc = ipcsvc_service_accept(svc, &ev, NULL, &s->conn);
			/* every event of this channel will bring @s back */
			if (!rc)
				rc = ipcsvc_conn_set_cookie(s->conn, s);
			if (!rc)
				rc = ipcsvc_conn_peer_creds(s->conn, &pc);
			if (rc) {
				say("server", "accept: %s", ipcsvc_strerror(rc));
				errors++;
				break;
			}
			s->handle = ipcsvc_conn_handle(s->conn);
			s->pid = pc.pid;
			connected++;
			say("server", "ServiceConnected: pid %u uid %u gid %u on channel %d",
			    pc.pid, pc.uid, pc.gid, s->handle);
			rc = ipcsvc_conn_arm(s->conn, IPCSVC_DIR_RX);
			if (rc)
				errors++;
			break;
		case IPCSVC_EVENT_CHANNEL_READABLE:
			s = ev.cookie;
			rc = s ? serve(s) : -EBADSLT;
			if (rc && rc != -EPIPE) {
				say("server", "serving: %s", ipcsvc_strerror(rc));
				errors++;
			}
			break;
		case IPCSVC_EVENT_PEER_CLOSED:
			s = ev.cookie;
			if (!s) {
				errors++;
				break;
			}
			say("server", "PeerClosed: channel %d (pid %u) after %u requests",
			    s->handle, s->pid, s->answered);
			answered += s->answered;
			ipcsvc_conn_close(s->conn);
			memset(s, 0, sizeof(*s));
			closed++;
			break;
		default:
			break;
		}
	}

	for (int i = 0; i < NCLIENTS; i++) {
		int status;

		waitpid(clients[i], &status, 0);
		if (i == NCLIENTS - 1 ?
		    !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) :
		    !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			errors++;
	}
	ipcsvc_service_close(svc);
	say("server", "%u clients connected, %u requests answered, %u PeerClosed, %d errors",
	    connected, answered, closed, errors);
	return errors || connected != NCLIENTS ||
	       answered != (NCLIENTS - 1) * CALLS + CALLS / 2;
}

int main(void)
{
	struct ipcsvc_service *svc;
	struct ipcsvc_port *port;
	struct ipcsvc_version v;
	pid_t clients[NCLIENTS];
	int rc;

	rc = ipcsvc_port_open(NULL, &port);
	if (!rc)
		rc = ipcsvc_port_version(port, &v);
	if (rc) {
		fprintf(stderr, "ipcsvc-demo: /dev/%s: %s\n", IPCSVC_DEVICE_NAME,
			ipcsvc_strerror(rc));
		return 1;
	}
	say("server", "module %s (ABI %u), library %s", v.release, v.abi,
	    ipcsvc_library_version());
	rc = ipcsvc_service_create(port, SERVICE, VERSION, 0666, &svc);
	if (rc) {
		say("server", "create %s: %s", SERVICE, ipcsvc_strerror(rc));
		return 1;
	}
	say("server", "registered %s, protocol version %d", SERVICE, VERSION);

	/* Areas are not inherited across fork(): each client opens its own
	 * port, and the server's stays with the server. */
	for (int i = 0; i < NCLIENTS; i++) {
		clients[i] = fork();
		if (clients[i] < 0)
			return 1;
		if (clients[i] == 0)
			_exit(client(i));
	}
	rc = server(port, svc, clients);
	ipcsvc_port_close(port);
	return rc;
}
