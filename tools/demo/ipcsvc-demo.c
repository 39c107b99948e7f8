// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ipcsvc-demo: an echo service and its clients, each in its own process,
 * as `make demo` runs it inside a guest with the module loaded.
 *
 * The server registers "org.ipcsvc.demo.Echo" and runs one event loop over
 * its port: it accepts each connection, arms ChannelReadable, answers every
 * request on the channel with the text upper-cased, in a reply to that
 * call (<ipcsvc/call.h>), and closes the connection when PeerClosed
 * arrives. The clients connect,
 * make synchronous calls, and one of them is killed mid-session to show
 * that the server learns of a dead peer at once, without heartbeats.
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

#include "ipcsvc/ipcsvc.h"

#define SERVICE		"org.ipcsvc.demo.Echo"
#define VERSION		1
#define NCLIENTS	3
#define CALLS		4
#define METHOD_ECHO	1	/* the one method: its MessageId */
#define OBJ_TEXT	1	/* its one argument, and its one result */

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

/* The text of a request or reply (after its call header), into @buf. */
static int msg_text(const struct ipcsvc_msg *msg, char *buf, size_t len)
{
	struct ipcsvc_object obj;
	size_t n;

	memset(&obj, 0, sizeof(obj));
	if (ipcsvc_msg_next_object(msg, &obj) != 1 ||
	    obj.id != IPCSVC_CALL_HEADER_ID ||
	    ipcsvc_msg_next_object(msg, &obj) != 1 || obj.id != OBJ_TEXT)
		return -EBADMSG;
	n = obj.length < len - 1 ? obj.length : len - 1;
	memcpy(buf, obj.data, n);
	buf[n] = '\0';
	return 0;
}

/*
 * Allocate a request holding @text, or with @req the reply to it; the
 * caller sends it.
 */
static int msg_make(struct ipcsvc_channel *ch, const struct ipcsvc_msg *req,
		    const char *text, struct ipcsvc_msg **msgp)
{
	ipcsvc_timeout_t t = ipcsvc_timeout_ms(5000);
	size_t len = strlen(text);
	int rc;

	if (req)
		rc = ipcsvc_call_allocate_reply(ch, req, len, 1, msgp, t);
	else
		rc = ipcsvc_call_allocate(ch, METHOD_ECHO, len, 1, msgp, t);
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
		say(who, "on purpose, connects speaking version %d to a service "
		    "of version %d: %s", VERSION + 1, VERSION,
		    rc == -EPROTONOSUPPORT ? "refused, as it must be" :
		    rc ? ipcsvc_strerror(rc) : "accepted (wrong!)");
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
	if (read(go[0], text, 1) != 1)
		return 1;

	for (int i = 0; i < CALLS; i++) {
		struct ipcsvc_channel *ch = ipcsvc_conn_channel(conn);
		struct ipcsvc_msg *req, *rep;

		/* The last client dies half-way through its session. */
		if (n == NCLIENTS - 1 && i == CALLS / 2) {
			say(who, "killed by SIGKILL mid-session");
			raise(SIGKILL);
		}
		snprintf(text, sizeof(text), "hello %d from client %d", i, n);
		rc = msg_make(ch, NULL, text, &req);
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
		if (!rc && info.id != METHOD_ECHO)
			rc = -EBADRQC;
		if (!rc)
			rc = msg_text(req, text, sizeof(text));
		for (char *p = text; !rc && *p; p++)
			*p = (char)toupper((unsigned char)*p);
		if (!rc)
			rc = msg_make(ch, req, text, &rep);
		ipcsvc_channel_release(ch, req);
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
	have_ctl = system("command -v ipcsvcctl >/dev/null 2>&1") == 0;
	if (have_ctl)
		monitor_start();
	if (pipe(go))
		return 1;
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
	monitor_show();
	return rc;
}
