// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ipcsvc-demo: an echo service and its clients, each in its own process,
 * as `make demo` runs it inside a guest with the module loaded.
 *
 * The protocol is tools/demo/echo.idl, and both sides speak it through
 * the C that ipcsvc-idlc generates from it (echo.h, echo.c): the service
 * is created, and clients connect, with the version and area sizes the
 * compiler derived; each call is one typed function; the server's
 * dispatch checks every request before the handler sees it.
 *
 * The server registers "org.ipcsvc.demo.Echo" and runs one event loop over
 * its port: it accepts each connection, arms ChannelReadable, answers every
 * request on the channel with the text upper-cased, and closes the
 * connection when PeerClosed arrives. The clients connect, make
 * synchronous calls, and one of them is killed mid-session to show that
 * the server learns of a dead peer at once, without heartbeats.
 *
 * Where ipcsvcctl is installed, the demo also shows the module from the
 * outside: the service and channel lists once every client has connected
 * (they wait for that), and what `ipcsvcctl monitor` saw of the session.
 *
 * Exit status 0 only if everything happened as described.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "echo.h"	/* generated from tools/demo/echo.idl */

#define SERVICE		ECHO_PROTOCOL_NAME
#define VERSION		((int)ECHO_PROTOCOL_VERSION)
#define NCLIENTS	3
#define CALLS		4

/* Clients wait here after connecting until the server has shown them. */
static int go[2];

static void say(const char *who, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(const char *who, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	char tag[32];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* each process's lines tell who and which process said them; the
	 * ipcsvcctl lines are that tool's output, run from the server */
	if (strcmp(who, "ipcsvcctl"))
		snprintf(tag, sizeof(tag), "%s[%d]", who, (int)getpid());
	else
		snprintf(tag, sizeof(tag), "%s", who);
	printf("%-13s %s\n", tag, line);
	fflush(stdout);
}

/* ---- client ---- */

/*
 * Call upper() with text that is not UTF-8, built by hand as a hostile
 * client would (the stub checks its arguments and would not send it).
 */
static int call_malformed(struct ipcsvc_channel *ch)
{
	static const char bad[] = { 'h', 'i', (char)0xff };
	struct ipcsvc_msg *req, *rep;
	ipcsvc_timeout_t t = ipcsvc_timeout_ms(5000);
	int rc;

	t = ipcsvc_timeout_deadline(t);
	rc = ipcsvc_call_allocate(ch, ECHO_UPPER_ORDINAL, sizeof(bad), 1,
				  &req, t);
	if (rc)
		return rc;
	ipcsvc_msg_add_object(req, 1, bad, sizeof(bad));
	rc = ipcsvc_channel_call(ch, req, &rep, t);
	if (!rc)
		ipcsvc_channel_release(ch, rep);
	return rc;
}

static int client(int n)
{
	struct ipcsvc_port *port;
	struct ipcsvc_conn *conn;
	char who[16], text[ECHO_TEXT_MAX], reply[ECHO_TEXT_MAX + 1];
	int rc;

	snprintf(who, sizeof(who), "client%d", n);
	rc = ipcsvc_port_open(NULL, &port);
	if (rc) {
		say(who, "cannot open the device: %s", ipcsvc_strerror(rc));
		return 1;
	}
	if (n == 0) {
		/* A client that speaks the wrong protocol version is refused. */
		rc = ipcsvc_client_connect(port, SERVICE, VERSION + 1,
					   ECHO_MAX_TO_SERVER,
					   ECHO_MAX_TO_CLIENT, NULL, &conn);
		say(who, "on purpose, connects speaking version %d to a service "
		    "of version %d: %s", VERSION + 1, VERSION,
		    rc == -EPROTONOSUPPORT ? "refused, as it must be" :
		    rc ? ipcsvc_strerror(rc) : "accepted (wrong!)");
		if (rc != -EPROTONOSUPPORT)
			return 1;
	}
	rc = echo_connect(port, NULL, &conn);
	if (rc) {
		say(who, "connect: %s", ipcsvc_strerror(rc));
		return 1;
	}
	say(who, "connected to %s (channel handle %d)", SERVICE,
	    ipcsvc_conn_handle(conn));
	if (read(go[0], text, 1) != 1)
		return 1;
	if (n == 0) {
		rc = call_malformed(ipcsvc_conn_channel(conn));
		say(who, "on purpose, calls upper() with text that is not "
		    "UTF-8: %s", rc == -EPROTO ?
		    "answered -EPROTO by the server's generated checks" :
		    rc ? ipcsvc_strerror(rc) : "served (wrong!)");
		if (rc != -EPROTO)
			return 1;
	}

	for (int i = 0; i < CALLS; i++) {
		/* The last client dies half-way through its session. */
		if (n == NCLIENTS - 1 && i == CALLS / 2) {
			say(who, "killed by SIGKILL mid-session");
			raise(SIGKILL);
		}
		snprintf(text, sizeof(text), "hello %d from client %d", i, n);
		rc = echo_upper(ipcsvc_conn_channel(conn), text, reply,
				ipcsvc_timeout_ms(5000));
		if (rc) {
			say(who, "call %d: %s", i, ipcsvc_strerror(rc));
			return 1;
		}
		say(who, "call \"%s\" -> \"%s\"", text, reply);
	}
	ipcsvc_conn_close(conn);
	ipcsvc_port_close(port);
	return 0;
}

/* ---- the view from outside: ipcsvcctl ---- */

static bool have_ctl;
static pid_t monitor_pid = -1;
static int monitor_out = -1;

/* Run `ipcsvcctl @args` and show its output. */
static void ctl_show(const char *args)
{
	char cmd[128], line[256];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ipcsvcctl %s 2>&1", args);
	say("ipcsvcctl", "$ ipcsvcctl %s", args);
	f = popen(cmd, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		say("ipcsvcctl", "%s", line);
	}
	pclose(f);
}

/* Monitors subscribed now, from `ipcsvcctl -j stats`; -1 if unknown. */
static int ctl_monitors(void)
{
	char out[1024];
	size_t n;
	FILE *f = popen("ipcsvcctl -j stats 2>/dev/null", "r");
	const char *p;

	if (!f)
		return -1;
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	pclose(f);
	p = strstr(out, "\"monitors\":");
	return p ? atoi(p + 11) : -1;
}

/* Start `ipcsvcctl monitor` and wait until it has subscribed. */
static void monitor_start(void)
{
	int out[2], before = ctl_monitors();

	if (pipe(out))
		return;
	monitor_pid = fork();
	if (monitor_pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		execlp("ipcsvcctl", "ipcsvcctl", "monitor", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	monitor_out = out[0];
	for (int i = 0; i < 500 && ctl_monitors() <= before; i++)
		usleep(10000);
}

/* Stop the monitor and show what it printed. */
static void monitor_show(void)
{
	char line[256];
	FILE *f;

	if (monitor_pid < 0)
		return;
	usleep(100000);		/* the last events are on their way */
	kill(monitor_pid, SIGTERM);
	waitpid(monitor_pid, NULL, 0);
	f = fdopen(monitor_out, "r");
	say("ipcsvcctl", "$ ipcsvcctl monitor   (what it printed meanwhile)");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		say("ipcsvcctl", "%s", line);
	}
	if (f)
		fclose(f);
}

/* ---- server ---- */

struct session {
	struct ipcsvc_conn *conn;
	int handle;
	unsigned int pid;
	unsigned int answered;
	unsigned int refused;
};

/* A free session, or NULL. */
static struct session *session_free(struct session *s)
{
	for (int i = 0; i < NCLIENTS; i++)
		if (!s[i].conn)
			return &s[i];
	return NULL;
}

/* The one call: the session counts what it answered. */
static int on_upper(void *ctx, const struct ipcsvc_call_header *call,
		    const char *text, size_t len, char upper[ECHO_TEXT_MAX + 1])
{
	struct session *s = ctx;

	(void)call;
	for (size_t i = 0; i < len; i++)
		upper[i] = (char)toupper((unsigned char)text[i]);
	s->answered++;
	return 0;
}

static const struct echo_handlers handlers = { .upper = on_upper };

/* Answer every request waiting on @s's channel, then re-arm. */
static int serve(struct session *s)
{
	struct ipcsvc_channel *ch = ipcsvc_conn_channel(s->conn);
	struct ipcsvc_msg *req;
	int rc;

	while ((rc = ipcsvc_channel_receive(ch, &req)) == 0) {
		/* checked against the protocol, answered, and released */
		rc = echo_dispatch(ch, req, &handlers, s,
				   ipcsvc_timeout_ms(5000));
		if (rc == -EPROTO) {	/* refused, and the caller told so */
			say("server", "refused a malformed request on channel "
			    "%d: %s", s->handle, ipcsvc_strerror(rc));
			s->refused++;
			continue;
		}
		if (rc)
			return rc;
	}
	if (rc != -EAGAIN)
		return rc;
	return ipcsvc_conn_arm(s->conn, IPCSVC_DIR_RX);
}

static int server(struct ipcsvc_port *port, struct ipcsvc_service *svc,
		  pid_t *clients)
{
	struct session sessions[NCLIENTS] = { 0 };
	unsigned int connected = 0, closed = 0, answered = 0, refused = 0;
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
			if (connected == NCLIENTS) {
				/* Everyone is here: look, then let them talk. */
				if (have_ctl) {
					ctl_show("service list");
					ctl_show("channel list");
				}
				if (write(go[1], "go!", NCLIENTS) != NCLIENTS)
					errors++;
			}
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
			refused += s->refused;
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
	say("server", "%u clients connected, %u requests answered, %u refused, "
	    "%u PeerClosed, %d errors", connected, answered, refused, closed,
	    errors);
	return errors || connected != NCLIENTS || refused != 1 ||
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
	have_ctl = system("command -v ipcsvcctl >/dev/null 2>&1") == 0;
	if (have_ctl)
		monitor_start();
	if (pipe(go))
		return 1;
	rc = echo_service_create(port, 0666, &svc);
	if (rc) {
		say("server", "create %s: %s", SERVICE, ipcsvc_strerror(rc));
		return 1;
	}
	say("server", "registered %s, protocol version %d, areas of %llu "
	    "and %llu bytes derived from echo.idl", SERVICE, VERSION,
	    (unsigned long long)ECHO_MAX_TO_SERVER,
	    (unsigned long long)ECHO_MAX_TO_CLIENT);

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
	monitor_show();
	return rc;
}
